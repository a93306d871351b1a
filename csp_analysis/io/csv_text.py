"""The shared, line-exact reading of CSV text: every loader of CSV tables reads through here.

What it guarantees, for any bytes at all (the promise of docs/data_sources.md: every row is
loaded or counted as rejected, and bad input gets a one-line error naming the file and line):

* **Line numbers are the file's own.** Each record carries the physical line it starts on,
  counted by the ``csv`` module as it reads, so blank lines and quoted fields that span lines
  do not shift the line numbers of the rows after them (pandas' row index does).
* **Rows read are counted from the raw lines.** A record that spans several lines and has the
  wrong number of fields is not a row with a line break in a field: it is a stray quote that
  swallowed the lines after it. Every non-blank line it swallowed counts as a row read and is
  rejected, naming where the quote opened and where the field ended. A record with the right
  number of fields keeps its quoted line breaks (a comment field, say) and is one row.
* **Broken lines are counted, not fatal.** A line with the wrong number of fields is a
  rejected row; so is a line longer than :data:`MAX_LINE_BYTES` (no table published here has
  rows near that size), which is cut out of the text before parsing so that one enormous line
  cannot make the reader hold several copies of it.
* **What the file really is.** A workbook saved with a ``.csv`` name, text that is not in the
  expected encoding (naming the line and byte), a file with no header, and old Mac (CR-only)
  line endings are handled or reported here, once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.io.rejections import RejectionLog
from csp_analysis.io.sniff import not_text_problem

__all__ = [
    "MAX_LINE_BYTES",
    "REJECT_FIELD_COUNT",
    "REJECT_LONG_LINE",
    "REJECT_UNBALANCED_QUOTE",
    "CsvText",
    "NotInEncodingError",
    "TrackedLines",
    "is_blank",
    "cut_long_lines",
    "limit_now",
    "long_lines",
    "non_blank_lines",
    "read_csv_text",
]

#: Longest line accepted: 1 MB. Real rows of these tables are under 1 kB.
MAX_LINE_BYTES = 1 << 20
REJECT_FIELD_COUNT = "wrong number of fields"
REJECT_UNBALANCED_QUOTE = "unbalanced quote swallowed following lines"
REJECT_LONG_LINE = "line too long to be a row"
_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 << 24


@dataclass
class CsvText:
    """A CSV table read line-exactly.

    Attributes
    ----------
    frame : pandas.DataFrame
        The accepted records as stripped strings, columns named by the stripped header.
    lines : numpy.ndarray
        Physical line (1-based, the header is line 1) on which each record of ``frame`` starts.
    rows_read : int
        Non-blank data lines of the file, each a row: a record's own lines, or every line a
        broken record swallowed.
    rejections : RejectionLog
        Lines rejected here (wrong field count, unbalanced quote, too long), with file:line.
    notes : list of str
    """

    frame: pd.DataFrame
    lines: np.ndarray
    rows_read: int
    rejections: RejectionLog = field(default_factory=RejectionLog)
    notes: list[str] = field(default_factory=list)


def long_lines(data: bytes, limit: int | None = None) -> list[tuple[int, int, int]]:
    """``(line number, start, end)`` of every line longer than ``limit`` bytes (default
    :data:`MAX_LINE_BYTES`; end excludes the line break). Scans in 16 MB chunks, so it needs no
    copy of a large file."""
    limit = MAX_LINE_BYTES if limit is None else limit
    if len(data) <= limit:
        return []
    view = np.frombuffer(data, dtype=np.uint8)
    breaks = np.concatenate(
        [
            np.flatnonzero(view[offset : offset + _CHUNK] == 10) + offset
            for offset in range(0, len(view), _CHUNK)
        ]  # fmt: skip
    )
    ends = np.append(breaks, len(data))
    starts = np.concatenate([[0], breaks + 1])
    too_long = np.flatnonzero(ends - starts > limit)
    return [(int(i) + 1, int(starts[i]), int(ends[i])) for i in too_long]


def limit_now() -> int:
    """The line-length limit in force (a module setting, so tests can lower it)."""
    return MAX_LINE_BYTES


def cut_long_lines(data: bytes, found: list[tuple[int, int, int]]) -> bytes:
    """The text with each over-long line emptied (its line break kept, so numbering holds)."""
    parts, previous = [], 0
    for _, start, end in found:
        parts.append(data[previous:start])
        previous = end
    parts.append(data[previous:])
    return b"".join(parts)


class NotInEncodingError(InputFileError):
    """The bytes are not text in the encoding asked for (names the line and byte)."""


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NotInEncodingError(
            path,
            f"not {encoding} text ({exc.reason} at byte {exc.start}); set the encoding in "
            "config/sources.yaml",
            row=line,
        ) from None
    except LookupError:
        raise InputFileError(path, f"unknown text encoding {encoding!r}") from None


def read_csv_text(path: str | Path, encoding: str = "utf-8") -> CsvText:
    """Read a CSV table line-exactly (see the module docstring for the guarantees).

    Parameters
    ----------
    path : str or Path
    encoding : str, default "utf-8"
        A UTF-8 byte-order mark is skipped whatever the encoding says.

    Returns
    -------
    CsvText

    Raises
    ------
    InputFileError
        Missing file, a workbook, text not in ``encoding`` (naming the line), or no header.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    data = path.read_bytes()
    if (problem := not_text_problem(data[:8])) is not None:
        raise InputFileError(path, problem, row=1)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    notes = []
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")
        notes.append(f"{path.name}: old Mac (CR-only) line endings, read as line ends")
    rejections = RejectionLog()
    found = long_lines(data)
    if found:
        data = cut_long_lines(data, found)
        rejections.add_many(
            path.name,
            [line for line, _, _ in found],
            REJECT_LONG_LINE,
            [f"{end - start:,} bytes (the limit is {limit_now():,})" for _, start, end in found],
        )
    codec = (
        "utf-8"
        if encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
        else encoding
    )
    text = _decode(path, data, codec)  # checks the encoding, naming the line
    if not found:
        fast = _fast_read(data, codec)
        if fast is not None:
            frame, n = fast
            return CsvText(frame, np.arange(2, n + 2, dtype=np.int64), n, rejections, notes)
    del data
    tracked = TrackedLines(text)
    reader = csv.reader(tracked)
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(path, "file is empty: no header and no rows") from None
    except csv.Error as exc:
        raise InputFileError(path, f"cannot parse the header: {exc}", row=1) from None
    header = [name.strip() for name in header]
    if not any(header):
        raise InputFileError(path, "the first line is blank: no header", row=1)
    width = len(header)
    columns: list[list[str]] = [[] for _ in header]
    starts: list[int] = []
    rows_read = 0
    wrong_width: list[tuple[int, str]] = []
    swallowed: list[tuple[int, str]] = []
    previous = reader.line_num
    long_line_numbers = {line for line, _, _ in found}
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputFileError(path, f"cannot parse CSV: {exc}", row=reader.line_num) from None
        start, end = previous + 1, reader.line_num
        previous = end
        if is_blank(record, tracked, start, end):
            continue  # a blank line is not a row (an emptied over-long line was counted above)
        if end > start and len(record) != width:
            # A stray quote: every non-blank line it swallowed was a row.
            span = [n for n in non_blank_lines(text, start, end)
                    if n not in long_line_numbers]  # fmt: skip
            rows_read += len(span)
            detail = f"a quote opened on line {start} runs to line {end}"
            swallowed.extend((n, detail) for n in span)
            continue
        rows_read += 1
        if len(record) != width:
            wrong_width.append((start, f"expected {width} fields, got {len(record)}"))
            continue
        for column, value in zip(columns, record, strict=True):
            column.append(value.strip())
        starts.append(start)
    for reason, bad in ((REJECT_UNBALANCED_QUOTE, swallowed), (REJECT_FIELD_COUNT, wrong_width)):
        if bad:
            rejections.add_many(path.name, [b[0] for b in bad], reason, [b[1] for b in bad])
    rows_read += len(found)
    frame = pd.DataFrame(dict(zip(_unique(header), columns, strict=True)), dtype=object)
    frame = frame.astype(str) if len(frame) else frame
    return CsvText(frame, np.asarray(starts, dtype=np.int64), rows_read, rejections, notes)


class TrackedLines:
    """The lines of a text as the csv module reads them, remembering the last one, so that a
    reader can tell a blank line (``"   "``) from a row holding one empty quoted field
    (``""``), which the parsed records cannot."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.last = ""

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._lines.readline()
        if not line:
            raise StopIteration
        self.last = line
        return line


def is_blank(record: list[str], lines: TrackedLines, start: int, end: int) -> bool:
    """Whether a one-line record came from a blank (or whitespace-only) line."""
    return start == end and not lines.last.strip()


def _fast_read(data: bytes, codec: str) -> tuple[pd.DataFrame, int] | None:
    """pandas' C parser, trusted only when each data line is exactly one record: the records
    then number the lines after the header, and row i is line i + 2. Any blank line, quoted
    line break, stray quote or bad field count makes the counts differ (or pandas fail), and
    the caller reads line by line instead."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding=codec)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if data.count(b"\r") != data.count(b"\r\n") or lines - 1 != len(frame):
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    if any(c.startswith("Unnamed: ") for c in frame.columns):
        return None  # a blank header cell: the careful reader names the problem
    return frame.apply(lambda column: column.str.strip()), len(frame)


def non_blank_lines(text: str, first: int, last: int) -> list[int]:
    """Numbers of the non-blank lines ``first``..``last``, counting lines as the csv module
    does (any of \\n, \\r\\n, \\r ends one). Only broken files come here."""
    out = []
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if number > last:
            break
        if number >= first and line.strip():
            out.append(number)
    return out


def _unique(header: list[str]) -> list[str]:
    """Header names made unique the way pandas does (``name``, ``name.1``...)."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name in seen:
            seen[name] += 1
            out.append(f"{name}.{seen[name]}")
        else:
            seen[name] = 0
            out.append(name)
    return out
