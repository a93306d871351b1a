"""The package's one exception hierarchy.

Every error a user can cause (bad configuration, bad input file, an analysis asked of data
that cannot support it, a failed report) derives from :class:`CspAnalysisError`, so the CLI can
print it as one clear line instead of a traceback.
"""

from __future__ import annotations

import difflib
from pathlib import Path


class CspAnalysisError(Exception):
    """Base class for every error raised on purpose by csp_analysis."""


class ConfigError(CspAnalysisError):
    """A configuration file is missing, malformed, or names something unknown."""

    def __init__(self, file: str | Path, key: str, problem: str):
        self.file = str(file)
        self.key = key
        self.problem = problem
        super().__init__(f"{Path(file).name}: {key}: {problem}")


class InputFileError(CspAnalysisError):
    """An input data file cannot be read: names the file, the row (1-based line) and the problem."""

    def __init__(self, file: str | Path, problem: str, row: int | None = None):
        self.file = str(file)
        self.row = row
        self.problem = problem
        where = f"{file}" if row is None else f"{file}, line {row}"
        super().__init__(f"{where}: {problem}")


class IngestError(CspAnalysisError):
    """An ingest as a whole cannot go ahead (nothing to read, conflicting sources...)."""


class DownloadError(CspAnalysisError):
    """A download failed or produced a file that does not verify."""


class AnalysisError(CspAnalysisError):
    """An analysis was asked of data that cannot support it, or with invalid arguments."""


class ReportError(CspAnalysisError):
    """A report batch is misdeclared or a report failed."""


class UnknownNameError(CspAnalysisError, KeyError):
    """A registry was asked for a name it does not hold; lists the valid ones."""

    def __init__(self, kind: str, name: str, valid):
        self.kind = kind
        self.name = name
        self.valid = sorted(valid)
        if len(self.valid) <= 12:
            hint = f"valid: {', '.join(self.valid)}"
        else:  # hundreds of partnerships: the close ones, not a page of names
            close = difflib.get_close_matches(str(name).lower(), self.valid, n=5, cutoff=0.6)
            hint = (f"did you mean {', '.join(close)}?" if close else "no close match") + (
                f" ({len(self.valid)} known; `csp-analysis areas` lists them)"
            )
        super().__init__(f"unknown {kind} {name!r}; {hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return self.args[0]
