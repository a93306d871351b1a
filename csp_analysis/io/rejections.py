"""Bookkeeping for rows that a loader reads but does not load.

Every loader returns a :class:`LoadResult`: the loaded frame, how many data rows it read, and a
:class:`RejectionLog` of the rows it rejected with their reasons. The ingest report sums these,
and the invariant ``rows_read == rows_loaded + rows_rejected`` is checked for every file.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

MAX_EXAMPLES_PER_REASON = 5


@dataclass(frozen=True)
class Rejection:
    """One rejected row: the file (name, not path), its 1-based line, the reason and detail."""

    file: str
    line: int | None
    reason: str
    detail: str = ""

    def where(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass
class RejectionLog:
    """Counts rejected rows by reason and keeps the first few examples of each."""

    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[Rejection]] = field(default_factory=dict)

    def add(self, rejection: Rejection, count: int = 1) -> None:
        self.counts[rejection.reason] += count
        kept = self.examples.setdefault(rejection.reason, [])
        if len(kept) < MAX_EXAMPLES_PER_REASON:
            kept.append(rejection)

    def add_many(self, file: str, lines, reason: str, details=None) -> None:
        """Record many rows rejected for one reason (``lines`` is any iterable of line numbers)."""
        lines = list(lines)
        details = list(details) if details is not None else [""] * len(lines)
        self.counts[reason] += len(lines)
        kept = self.examples.setdefault(reason, [])
        for line, detail in zip(lines, details, strict=True):
            if len(kept) >= MAX_EXAMPLES_PER_REASON:
                break
            kept.append(Rejection(file, int(line) if line is not None else None, reason, detail))

    def extend(self, other: RejectionLog) -> None:
        for reason, count in other.counts.items():
            self.counts[reason] += count
            kept = self.examples.setdefault(reason, [])
            for example in other.examples.get(reason, []):
                if len(kept) < MAX_EXAMPLES_PER_REASON:
                    kept.append(example)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict:
        return {
            reason: {
                "rows": count,
                "examples": [
                    {"where": e.where(), "detail": e.detail} for e in self.examples.get(reason, [])
                ],
            }
            for reason, count in sorted(self.counts.items())
        }


@dataclass
class LoadResult:
    """What a loader returns: the loaded rows, the count of data rows read, and the rejects."""

    frame: pd.DataFrame
    rows_read: int
    rejections: RejectionLog = field(default_factory=RejectionLog)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "skipped outcomes file X in archive"

    @property
    def rows_loaded(self) -> int:
        return len(self.frame)

    def check_invariant(self) -> None:
        """Raise if any row went missing: read must equal loaded plus rejected."""
        if self.rows_read != self.rows_loaded + self.rejections.total:
            from csp_analysis.core.exceptions import IngestError

            raise IngestError(
                f"row accounting failed: read {self.rows_read}, loaded {self.rows_loaded}, "
                f"rejected {self.rejections.total}"
            )
