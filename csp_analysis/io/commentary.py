"""Partnership commentary: the analyst's own words for one report, read from
``commentary/<csp id>/<report stem>.md``.

A commentary file is Markdown with a small YAML front matter between ``---`` lines::

    ---
    author: Jane Smith
    role: Community Safety Analyst, Herefordshire Council
    date: 2026-04-14
    period_end: 2026-03
    ---
    The increase in violence with injury may reflect more disclosures of abuse ...

``period_end`` is the last month of the report it was written for (``YYYY-MM``): a report for a
later period leaves it out, and the index says so, because commentary about last quarter's
figures must never sit beside this quarter's. The stem is the page's file name without
``.html`` (``all_crime_summary``, ``performance_overview`` or a priority id such as
``domestic_abuse``). This module reads and validates; :mod:`csp_analysis.report.commentary`
renders the Markdown, sanitised.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csp_analysis.core import paths
from csp_analysis.core.exceptions import InputFileError

__all__ = ["Commentary", "CommentaryFile", "commentary_path", "read_commentary"]

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
#: Longest commentary accepted: a page of text, not a document.
MAX_CHARACTERS = 20_000


class Commentary(BaseModel):
    """The front matter of a commentary file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    author: str = Field(min_length=1, max_length=200)
    role: str = Field(default="", max_length=200)
    date: dt.date
    period_end: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class CommentaryFile:
    """A commentary as read: who wrote it, when, for which period, and its Markdown body."""

    path: Path
    meta: Commentary
    body: str

    def applies_to(self, period_end: str) -> bool:
        """Whether it was written for the report's period (``YYYY-MM``)."""
        return self.meta.period_end == str(period_end)[:7]


def commentary_path(csp_id: str, stem: str, root: str | Path | None = None) -> Path:
    """Where the commentary for one report lives: ``commentary/<csp id>/<stem>.md``."""
    base = Path(root) if root is not None else paths.COMMENTARY_DIR
    return base / csp_id / f"{stem}.md"


def read_commentary(path: str | Path) -> CommentaryFile | None:
    """Read and validate a commentary file; None when there is none.

    Raises
    ------
    InputFileError
        No front matter, front matter that is not YAML or lacks a field, a period that is not
        ``YYYY-MM``, an empty body, or a file that is not UTF-8 text or is too long; the message
        names the file and, where it can, the line.
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if len(text) > MAX_CHARACTERS:
        raise InputFileError(
            path, f"{len(text):,} characters; commentary is limited to {MAX_CHARACTERS:,}"
        )
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise InputFileError(
            path, "line 1: no front matter (author, role, date, period_end between --- lines)"
        )
    try:
        raw = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 2}: " if mark else ""
        raise InputFileError(path, f"{line}front matter is not valid YAML") from None
    if not isinstance(raw, dict):
        raise InputFileError(path, "line 2: front matter must be 'key: value' lines")
    if isinstance(raw.get("period_end"), (dt.date, int)):
        raw["period_end"] = str(raw["period_end"])[:7]
    try:
        meta = Commentary.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "front matter"
        raise InputFileError(path, f"front matter: {where}: {first['msg']}") from None
    body = text[match.end() :].strip()
    if not body:
        raise InputFileError(path, "the commentary has front matter but no text")
    return CommentaryFile(path=path, meta=meta, body=body)
