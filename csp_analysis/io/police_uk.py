"""Reading police.uk street-level crime files (data.police.uk, Open Government Licence v3.0).

Accepted inputs: one CSV; a folder tree of ``YYYY-MM/YYYY-MM-<force>-street.csv`` or flat
``YYYY-MM-<force>-street.csv`` files; or an archive zip as downloaded from
https://data.police.uk/data/archive/ (all forces; ``-outcomes`` and ``-stop-and-search`` files
in it are skipped and said so). The format is the published 12-column header
``Crime ID, Month, Reported by, Falls within, Longitude, Latitude, Location, LSOA code,
LSOA name, Crime type, Last outcome category, Context``; ASB rows have an empty Crime ID and
rows without a location have an empty LSOA code.

Method, for speed with exact accounting: each file is parsed by Arrow's C++ CSV reader with
every column as a string (fast path), then checked with vectorised operations on dictionary
encoded columns. A file the fast path cannot parse cleanly (a row with too few or too many
fields, bytes that are not UTF-8, blank lines or line breaks inside quoted fields, which would
break the row -> line mapping) is re-read by the standard ``csv`` module (careful path), which
knows each record's physical line. Either way every data row is loaded or rejected with its
file and line, so ``rows_read == rows_loaded + rows_rejected`` per file.

Files are parsed in parallel threads (Arrow releases the GIL), in a bounded window so memory
stays flat however many files an archive holds. Archive members are inflated with ISA-L when
the optional ``isal`` package is installed (about 3x faster than zlib), else by ``zipfile``.
"""

from __future__ import annotations

import csv
import os
import re
import struct
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csp_analysis.core.exceptions import IngestError, InputFileError
from csp_analysis.core.schema import LEGACY_POLICE_UK_CRIME_TYPES, POLICE_UK_CRIME_TYPES
from csp_analysis.io.csv_text import (
    REJECT_LONG_LINE,
    REJECT_UNBALANCED_QUOTE,
    TrackedLines,
    cut_long_lines,
    is_blank,
    limit_now,
    long_lines,
    non_blank_lines,
)
from csp_analysis.io.lookups import dictionary_column
from csp_analysis.io.rejections import MAX_EXAMPLES_PER_REASON, LoadResult, RejectionLog
from csp_analysis.io.sniff import not_text_problem

STREET_HEADER = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
# Source column -> batch column, for the columns the processed table keeps.
KEPT_COLUMNS = {
    "Crime ID": "crime_id",
    "Month": "month",
    "LSOA code": "lsoa_code",
    "LSOA name": "lsoa_name",
    "Crime type": "crime_type",
    "Last outcome category": "outcome",
}
KNOWN_CRIME_TYPES = frozenset(POLICE_UK_CRIME_TYPES) | frozenset(LEGACY_POLICE_UK_CRIME_TYPES)

# Rejection reasons (the report groups rows by these).
REJECT_FIELD_COUNT = "wrong number of fields"
REJECT_NOT_UTF8 = "non-UTF-8 bytes"
REJECT_BAD_MONTH = "bad month"
REJECT_MONTH_MISMATCH = "month differs from the file name"
REJECT_UNKNOWN_CRIME_TYPE = "unknown crime type"
REJECT_DUPLICATE = "duplicate force-month"

STREET_NAME = re.compile(r"^(\d{4}-\d{2})-([a-z0-9-]+?)-street\.csv$", re.IGNORECASE)
OTHER_KINDS = re.compile(r"^(\d{4}-\d{2})-([a-z0-9-]+?)-(outcomes|stop-and-search)\.csv$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class StreetFile:
    """One street-level file to read, from disk or inside a zip.

    ``name`` is the bare file name (what ``source_file`` records); ``where`` says where it is
    (path, or ``archive.zip!member``); ``month`` and ``force`` come from the file name when it
    follows the police.uk pattern, else they are None and are taken from the rows.
    """

    name: str
    where: str
    month: str | None
    force: str | None
    path: Path
    member: str | None = None

    def read_bytes(self) -> bytes:
        if self.member is None:
            return self.path.read_bytes()
        archive = _zip_handle(self.path)
        info = archive.getinfo(self.member)
        if info.flag_bits & 0x1:
            raise InputFileError(
                self.where, "the archive is encrypted (password-protected); extract it first"
            )
        if _isal_zlib is not None and info.compress_type == zipfile.ZIP_DEFLATED:
            return _inflate_member(self.path, info)
        return archive.read(self.member)

    def crc32(self) -> str | None:
        """The archive's CRC-32 of a zip member (a content fingerprint at no cost), else None."""
        if self.member is None:
            return None
        return f"{_zip_handle(self.path).getinfo(self.member).CRC:08x}"

    def size(self) -> int:
        if self.member is None:
            return self.path.stat().st_size
        return _zip_handle(self.path).getinfo(self.member).file_size


_zip_local = threading.local()


def _zip_handle(path: Path) -> zipfile.ZipFile:
    """One open ZipFile per thread and archive: parsing a national archive's directory of
    thousands of members for every file read would cost seconds."""
    handles = getattr(_zip_local, "handles", None)
    if handles is None:
        handles = _zip_local.handles = {}
    handle = handles.get(path)
    if handle is None:
        handle = handles[path] = zipfile.ZipFile(path)
    return handle


try:  # ISA-L inflates about 3x faster than zlib; optional (pip install isal)
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - depends on the environment
    _isal_zlib = None

_INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error,)
if _isal_zlib is not None:
    _INFLATE_ERRORS += (_isal_zlib.error,)


def _inflate_member(path: Path, info: zipfile.ZipInfo) -> bytes:
    """Read a deflated member's raw bytes and inflate them with ISA-L, checking the CRC-32
    as zipfile does."""
    handles = getattr(_zip_local, "raw", None)
    if handles is None:
        handles = _zip_local.raw = {}
    handle = handles.get(path)
    if handle is None:
        handle = handles[path] = path.open("rb")
    handle.seek(info.header_offset)
    local_header = handle.read(30)
    if len(local_header) != 30 or local_header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local file header for {info.filename}")
    name_length, extra_length = struct.unpack("<HH", local_header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    data = _isal_zlib.decompress(handle.read(info.compress_size), -15)
    if _isal_zlib.crc32(data) != info.CRC or len(data) != info.file_size:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")
    return data


@dataclass
class Discovery:
    """The street files found under the given paths, and what was skipped and why."""

    files: list[StreetFile]
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def force_slug(police_name: str) -> str:
    """police.uk force slug from a "Reported by" name, e.g. "West Mercia Police" -> "west-mercia"."""
    name = police_name.strip().lower()
    for suffix in (" police service", " police", " constabulary"):
        name = name.removesuffix(suffix)
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")


def _classify(name: str):
    match = STREET_NAME.match(name)
    if match:
        return "street", match.group(1), match.group(2).lower()
    other = OTHER_KINDS.match(name)
    if other:
        return other.group(3).lower(), other.group(1), other.group(2).lower()
    return None, None, None


def discover_street_files(
    paths: Iterable[str | Path], forces: Iterable[str] | None = None
) -> Discovery:
    """Find the street-level files in the given CSVs, folders and archive zips.

    Parameters
    ----------
    paths : iterable of str or Path
        CSV files, folders (searched recursively) or zip archives, in the order given (which
        decides which copy of a duplicated force-month is kept: the first).
    forces : iterable of str, optional
        police.uk force slugs to keep (e.g. ``["west-mercia"]``); others are skipped and
        counted in the notes.

    Returns
    -------
    Discovery

    Raises
    ------
    IngestError
        A path does not exist, or nothing readable was found.
    InputFileError
        A zip that is corrupt or not a zip.
    """
    wanted = {f.lower() for f in forces} if forces else None
    found: list[StreetFile] = []
    skipped: dict[str, int] = {}
    notes: list[str] = []
    seen: set[tuple[Path, str | None]] = set()
    repeated: list[str] = []

    def consider(name: str, where: str, path: Path, member: str | None, explicit: bool) -> None:
        # The same file named twice (or a folder and a file inside it) is read once.
        identity = (path.resolve(), member)
        if identity in seen:
            notes.append(f"{where} was given more than once: read once")
            repeated.append(where)
            return
        seen.add(identity)
        kind, month, force = _classify(name)
        if kind in ("outcomes", "stop-and-search"):
            skipped[f"{kind} files"] = skipped.get(f"{kind} files", 0) + 1
            return
        if kind is None:
            if not explicit:
                if name.lower().endswith(".csv"):
                    skipped["CSV files not named YYYY-MM-<force>-street.csv"] = (
                        skipped.get("CSV files not named YYYY-MM-<force>-street.csv", 0) + 1
                    )
                return
        if wanted is not None and force is not None and force not in wanted:
            skipped["street files of other forces"] = (
                skipped.get("street files of other forces", 0) + 1
            )
            return
        found.append(StreetFile(name, where, month, force, path, member))

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestError(f"police.uk input not found: {path}")
        if path.is_dir():
            before = len(found) + len(repeated)
            for file in sorted(path.rglob("*")):
                if file.is_file():
                    consider(file.name, str(file), file, None, explicit=False)
            if len(found) + len(repeated) == before:
                raise IngestError(
                    f"no police.uk street-level files (YYYY-MM-<force>-street.csv) in {path}"
                )
        elif path.suffix.lower() == ".zip" or (
            # A zip named .csv is a workbook saved under the wrong name: read as a file, it
            # says so; any other zip is an archive.
            path.suffix.lower() != ".csv" and zipfile.is_zipfile(path)
        ):
            members = _zip_members(path)
            if not any(_classify(m.rsplit("/", 1)[-1])[0] == "street" for m in members):
                raise IngestError(
                    f"{path}: no police.uk street-level files (YYYY-MM-<force>-street.csv) in "
                    f"this archive ({len(members)} member(s))"
                )
            for member in members:
                consider(member.rsplit("/", 1)[-1], f"{path.name}!{member}", path, member, False)
        else:
            consider(path.name, str(path), path, None, explicit=True)
    for reason, count in sorted(skipped.items()):
        notes.append(f"skipped {count} {reason}")
    if not found:
        raise IngestError(
            "no police.uk street-level files to read"
            + (f" for force(s) {', '.join(sorted(wanted))}" if wanted else "")
            + (f" ({'; '.join(notes)})" if notes else "")
        )
    return Discovery(found, notes, skipped)


def _zip_members(path: Path) -> list[str]:
    """Member names of an archive, sorted; a corrupt zip is an InputFileError."""
    try:
        with zipfile.ZipFile(path) as archive:
            # No testzip(): it would inflate the whole archive once more. Each member's CRC is
            # checked as it is read, and a failure there is an InputFileError too.
            return sorted(info.filename for info in archive.infolist() if not info.is_dir())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InputFileError(path, f"corrupt or unreadable zip archive: {exc}") from None


@dataclass
class StreetBatch:
    """The rows loaded from one street file, plus its accounting.

    ``table`` has columns crime_id (string; only when asked for), force, lsoa_code, lsoa_name,
    crime_type, outcome (dictionary-encoded strings, null where empty), ``month`` (date32) and
    ``source_row`` (int64 physical line).
    """

    file: StreetFile
    table: pa.Table
    rows_read: int
    rejections: RejectionLog
    careful: bool = False  # True when the file needed the careful (line-exact) path
    notes: list[str] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return self.table.num_rows


def _check_header(file: StreetFile, data: bytes) -> tuple[list[str], list[str]]:
    """Return (header, notes); raise InputFileError on a wrong or missing header."""
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    try:
        text = first.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise InputFileError(file.where, "header line is not UTF-8 text", row=1) from None
    header = [name.strip() for name in next(csv.reader([text]))]
    missing = [name for name in STREET_HEADER if name not in header]
    if missing:
        raise InputFileError(
            file.where,
            f"not a police.uk street-level header: missing column(s) {', '.join(missing)}; "
            f"expected: {','.join(STREET_HEADER)}",
            row=1,
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InputFileError(file.where, f"column(s) {', '.join(duplicated)} appear twice", 1)
    extra = [name for name in header if name not in STREET_HEADER]
    notes = [f"{file.name}: ignored extra column(s) {', '.join(extra)}"] if extra else []
    return header, notes


# Repeated strings are parsed straight into dictionary arrays: a month of one force has a few
# thousand distinct LSOAs, 14 crime types and ~20 outcomes, so this saves most of the copying.
_DICT = pa.dictionary(pa.int32(), pa.string())


def _fast_parse(body: pa.Buffer, header: list[str], wanted: list[str]) -> pa.Table | None:
    """Arrow parse of the whole file; None when the careful path is needed."""
    try:
        return pacsv.read_csv(
            pa.BufferReader(body),
            # The names as checked (stripped: "Crime ID, Month, ..." is the same header).
            read_options=pacsv.ReadOptions(
                use_threads=False, block_size=1 << 26, column_names=header, skip_rows=1
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted,
                column_types={
                    name: (pa.string() if name == "Crime ID" else _DICT) for name in header
                },
                strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        return None


def _careful_parse(file: StreetFile, body: bytes, header: list[str], wanted: list[str]):
    """Line-exact parse with the csv module: (table, source_rows, rows_read, rejections)."""
    rejections = RejectionLog()
    text = body.decode("utf-8", errors="surrogateescape")
    tracked = TrackedLines(text)
    reader = csv.reader(tracked)
    positions = [header.index(name) for name in wanted]
    columns: list[list[str]] = [[] for _ in wanted]
    source_rows: list[int] = []
    width = len(header)
    rows_read = 0
    previous_line = 1  # the header, already checked
    bad_width: list[tuple[int, str]] = []
    bad_bytes: list[tuple[int, str]] = []
    swallowed: list[tuple[int, str]] = []
    try:
        next(reader)
        for record in reader:
            start = previous_line + 1
            previous_line = reader.line_num
            if is_blank(record, tracked, start, previous_line):
                continue  # a blank (or whitespace-only) line is not a row
            if previous_line > start:
                # police.uk rows never break a field across lines: a record that spans lines
                # is a stray quote that swallowed the lines after it, each of them a row (#13).
                span = non_blank_lines(text, start, previous_line)
                rows_read += len(span)
                swallowed.extend(
                    (n, f"a quote opened on line {start} runs to line {previous_line}")
                    for n in span
                )
                continue
            rows_read += 1
            if len(record) != width:
                bad_width.append((start, f"expected {width} fields, got {len(record)}"))
                continue
            if any(_has_surrogates(value) for value in record):
                bad_bytes.append((start, "row contains bytes that are not UTF-8"))
                continue
            for column, position in zip(columns, positions, strict=True):
                column.append(record[position])
            source_rows.append(start)
    except csv.Error as exc:
        raise InputFileError(file.where, f"cannot parse CSV: {exc}", row=reader.line_num) from None
    for reason, bad in (
        (REJECT_FIELD_COUNT, bad_width),
        (REJECT_NOT_UTF8, bad_bytes),
        (REJECT_UNBALANCED_QUOTE, swallowed),
    ):
        if bad:
            rejections.add_many(file.name, [b[0] for b in bad], reason, [b[1] for b in bad])
    table = pa.table(
        {
            name: pa.array(col, type=pa.string())
            if name == "Crime ID"
            else pc.dictionary_encode(pa.array(col, type=pa.string()))
            for name, col in zip(wanted, columns, strict=True)
        }
    )
    return table, np.asarray(source_rows, dtype=np.int64), rows_read, rejections


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _month_values(values: list[str | None], file_month: str | None):
    """For each distinct Month value: (date or None, rejection reason or None)."""
    out = []
    for value in values:
        match = _MONTH.match(value or "")
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
            out.append((None, REJECT_BAD_MONTH))
        elif file_month is not None and value != file_month:
            out.append((None, REJECT_MONTH_MISMATCH))
        else:
            out.append((date(int(match.group(1)), int(match.group(2)), 1), None))
    return out


def read_street_file(file: StreetFile, keep_crime_id: bool = True) -> StreetBatch:
    """Read and validate one street-level file.

    Rows with a bad month, a month other than the file name's, or an unknown crime type are
    rejected (counted, with file:line examples); rows with too few or too many fields or
    bytes that are not UTF-8 likewise. Everything else is loaded.

    Parameters
    ----------
    file : StreetFile
    keep_crime_id : bool
        Keep the Crime ID column (needed only to join a local extract; 64 bytes a row).

    Raises
    ------
    InputFileError
        Unreadable file or archive member, empty file, or a wrong or missing header.
    """
    try:
        data = file.read_bytes()
    except (OSError, zipfile.BadZipFile, EOFError, *_INFLATE_ERRORS) as exc:
        raise InputFileError(file.where, f"cannot read file (corrupt archive?): {exc}") from None
    start = 3 if data.startswith(_BOM) else 0
    crlf_notes = []
    if b"\n" not in data and b"\r" in data:
        # Old Mac line endings (CR only): each CR ends a line, so line numbers stay the file's.
        data = data.replace(b"\r", b"\n")
        crlf_notes.append(f"{file.name}: old Mac (CR-only) line endings, read as line ends")
    # Only a short file can be blank; slicing a long one just to strip it would copy it.
    if len(data) - start < 65536 and not data[start:].strip():
        raise InputFileError(file.where, "file is empty: no header and no rows")
    if (problem := not_text_problem(data[start : start + 8])) is not None:
        raise InputFileError(file.where, problem, row=1)
    header, notes = _check_header(file, data[start : start + 65536])
    notes = crlf_notes + notes
    # One enormous line (a damaged or hostile file) is cut out before parsing, so the reader
    # never holds more copies of it than the file itself; it is a counted, rejected row.
    too_long = long_lines(data)
    if too_long:
        data = cut_long_lines(data, too_long)
    wanted = [name for name in KEPT_COLUMNS if keep_crime_id or name != "Crime ID"]
    if file.force is None:
        wanted.append("Reported by")
    table = _fast_parse(pa.py_buffer(data)[start:], header, wanted)
    if table is not None:
        # Row i is physical line i + 2 only if no blank lines or quoted line breaks exist.
        newlines = int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))
        lines = newlines + (0 if data.endswith(b"\n") else 1)
        if lines - 1 != table.num_rows:
            table = None
        elif not data.isascii():
            # Arrow checks UTF-8 only in the columns it converts; a bad byte in, say,
            # Location would pass unseen. isascii() is nearly free on police.uk's ASCII files.
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                table = None
    careful = table is None
    if careful:
        table, source_rows, rows_read, rejections = _careful_parse(
            file, data[start:], header, wanted
        )
    else:
        rows_read = table.num_rows
        source_rows = np.arange(2, rows_read + 2, dtype=np.int64)
        rejections = RejectionLog()
    del data
    if too_long:
        rows_read += len(too_long)
        rejections.add_many(
            file.name,
            [line for line, _, _ in too_long],
            REJECT_LONG_LINE,
            [f"{end - begin:,} bytes (the limit is {limit_now():,})"
             for _, begin, end in too_long],
        )  # fmt: skip
    table = table.rename_columns([KEPT_COLUMNS.get(n, n) for n in table.column_names])
    table = _validate(file, table, source_rows, rejections)
    return StreetBatch(file, table, rows_read, rejections, careful, notes)


def _single(column) -> pa.Array:
    """One array from a column; dictionary chunks are re-encoded so they share a dictionary."""
    if isinstance(column, pa.Array):
        return column
    if column.num_chunks == 1:
        return column.chunk(0)
    if pa.types.is_dictionary(column.type):
        return pc.dictionary_encode(column.cast(pa.string()).combine_chunks())
    return column.combine_chunks()


def _reject_codes(file, rejections, reason, codes, index, values, keep, source_rows, detail):
    """Reject the kept rows whose dictionary index is in ``codes``; returns the new keep mask."""
    bad = np.isin(index, codes) & keep
    if bad.any():
        lines = source_rows[bad]
        # Only the first few become examples: describe those, pad the rest (same length).
        details = [detail(values[c]) for c in index[bad][:MAX_EXAMPLES_PER_REASON]]
        details += [""] * (len(lines) - len(details))
        rejections.add_many(file.name, lines, reason, details)
    return keep & ~bad


def _validate(file: StreetFile, table: pa.Table, source_rows: np.ndarray, rejections) -> pa.Table:
    """Vectorised checks on month and crime type; returns the loaded rows, typed."""
    n = table.num_rows
    keep = np.ones(n, dtype=bool)

    month = _single(table.column("month"))
    month_values = month.dictionary.to_pylist()
    parsed = _month_values(month_values, file.month)
    month_index = month.indices.to_numpy(zero_copy_only=False)
    for reason in (REJECT_BAD_MONTH, REJECT_MONTH_MISMATCH):
        codes = [i for i, (_, r) in enumerate(parsed) if r == reason]
        if codes:
            suffix = f", file name says {file.month}" if reason == REJECT_MONTH_MISMATCH else ""
            keep = _reject_codes(
                file,
                rejections,
                reason,
                codes,
                month_index,
                month_values,
                keep,
                source_rows,
                lambda v, suffix=suffix: f"Month {v!r}{suffix}",
            )

    crime_type = _single(table.column("crime_type"))
    type_values = crime_type.dictionary.to_pylist()
    codes = [i for i, v in enumerate(type_values) if v not in KNOWN_CRIME_TYPES]
    if codes:
        keep = _reject_codes(
            file,
            rejections,
            REJECT_UNKNOWN_CRIME_TYPE,
            codes,
            crime_type.indices.to_numpy(zero_copy_only=False),
            type_values,
            keep,
            source_rows,
            lambda v: f"Crime type {v!r}",
        )

    months = pa.array([p[0] for p in parsed], type=pa.date32()).take(month.indices)
    if file.force is not None:
        force = pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int32)), pa.array([file.force], pa.string())
        )
    else:
        reported = _single(table.column("Reported by"))
        slugs = [force_slug(v or "") or None for v in reported.dictionary.to_pylist()]
        force = dictionary_column(
            slugs, reported.indices.to_numpy(zero_copy_only=False).astype(np.int32)
        )
    columns = {}
    if "crime_id" in table.column_names:
        crime_id = _single(table.column("crime_id"))
        columns["crime_id"] = pc.if_else(pc.equal(crime_id, ""), None, crime_id)
    columns.update(
        month=months,
        force=force,
        lsoa_code=_empty_to_null(_single(table.column("lsoa_code"))),
        lsoa_name=_empty_to_null(_single(table.column("lsoa_name"))),
        crime_type=crime_type,
        outcome=_empty_to_null(_single(table.column("outcome"))),
        source_row=pa.array(source_rows, type=pa.int64()),
    )
    out = pa.table(columns)
    if not keep.all():
        out = out.filter(pa.array(keep))
    return out


def _empty_to_null(column: pa.DictionaryArray) -> pa.DictionaryArray:
    """Empty strings become nulls by nulling the indices that point at the "" entry."""
    values = column.dictionary
    empty = pc.index(values, "").as_py()
    if empty < 0:
        return column
    indices = pc.if_else(pc.equal(column.indices, empty), None, column.indices)
    return pa.DictionaryArray.from_arrays(indices, values)


@dataclass
class Duplicate:
    """A force-month met again in a later file; its rows there were rejected, not loaded."""

    force: str
    month: str
    kept: str
    rejected: str
    rows: int
    identical: bool | None = None

    def to_dict(self) -> dict:
        return {
            "force": self.force,
            "month": self.month,
            "kept": self.kept,
            "rejected": self.rejected,
            "rows_rejected": self.rows,
        }


class StreetReader:
    """Reads street files in parallel, in the order given, and rejects repeated force-months.

    Iterating yields one :class:`StreetBatch` per file. A force-month already loaded from an
    earlier file (say, two overlapping archives) has its rows rejected as
    :data:`REJECT_DUPLICATE`, so it is never counted twice; :attr:`duplicates` lists them.

    Parameters
    ----------
    files : list of StreetFile
    workers : int, optional
        Files parsed at once (default: CPU count). Arrow releases the GIL while parsing.
    """

    def __init__(
        self, files: list[StreetFile], workers: int | None = None, keep_crime_id: bool = True
    ):
        self.files = files
        self.keep_crime_id = keep_crime_id
        self.workers = workers or os.cpu_count() or 1
        self.duplicates: list[Duplicate] = []
        self._seen: dict[tuple[str, str], str] = {}

    def __iter__(self) -> Iterator[StreetBatch]:
        for batch, _ in self.iter_transformed(None):
            yield batch

    def iter_transformed(self, transform: Callable | None) -> Iterator[tuple[StreetBatch, object]]:
        """Yield ``(batch, transform(batch))`` in file order.

        ``transform`` runs in the worker thread right after the parse, so per-file work (the
        ingest's LSOA assignment and table building) runs in parallel too. If deduplication
        then removes rows from a batch (rare), ``transform`` is run again on what is left.
        """

        def work(file: StreetFile):
            batch = read_street_file(file, self.keep_crime_id)
            return batch, (transform(batch) if transform is not None else None)

        def finish(batch: StreetBatch, result):
            before = batch.table.num_rows
            batch = self._deduplicate(batch)
            if transform is not None and batch.table.num_rows != before:
                result = transform(batch)
            return batch, result

        if self.workers == 1 or len(self.files) == 1:
            for file in self.files:
                yield finish(*work(file))
            return
        with ThreadPoolExecutor(self.workers) as pool:
            pending: deque = deque()
            queue = iter(self.files)
            # A small window bounds memory: at most 2 x workers parsed files wait at once.
            for file in queue:
                pending.append(pool.submit(work, file))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                batch, result = pending.popleft().result()
                next_file = next(queue, None)
                if next_file is not None:
                    pending.append(pool.submit(work, next_file))
                yield finish(batch, result)

    def _deduplicate(self, batch: StreetBatch) -> StreetBatch:
        table = batch.table
        if table.num_rows == 0:
            return batch
        if batch.file.force is not None and batch.file.month is not None:
            keys = [(batch.file.force, batch.file.month)]
            key_index = np.zeros(table.num_rows, dtype=np.int64)
        else:
            combined = pc.binary_join_element_wise(
                pc.fill_null(table.column("force").cast(pa.string()), ""),
                pc.strftime(table.column("month"), format="%Y-%m"),
                "|",
            )
            encoded = pc.dictionary_encode(combined).combine_chunks()
            keys = [tuple(k.split("|", 1)) for k in encoded.dictionary.to_pylist()]
            key_index = encoded.indices.to_numpy(zero_copy_only=False)
        keep = np.ones(table.num_rows, dtype=bool)
        for code, key in enumerate(keys):
            earlier = self._seen.get(key)
            if earlier is not None:
                bad = key_index == code
                lines = table.column("source_row").to_numpy()[bad]
                batch.rejections.add_many(
                    batch.file.name,
                    lines,
                    REJECT_DUPLICATE,
                    [f"{key[0]} {key[1]} already loaded from {earlier}"] * min(len(lines), 5)
                    + [""] * max(len(lines) - 5, 0),
                )
                self.duplicates.append(
                    Duplicate(key[0], key[1], earlier, batch.file.where, int(bad.sum()))
                )
                keep &= ~bad
        for key in keys:
            self._seen.setdefault(key, batch.file.where)
        if not keep.all():
            batch.table = table.filter(pa.array(keep))
        return batch


def load_street_files(
    paths: Iterable[str | Path], forces: Iterable[str] | None = None, workers: int | None = None
) -> tuple[LoadResult, list[Duplicate]]:
    """Read police.uk street files into one pandas frame (convenient for small inputs).

    The ingest streams batches instead (see :class:`StreetReader`); this helper is for tests,
    notebooks and one-off checks.

    Returns
    -------
    (LoadResult, list of Duplicate)
        The frame has the :class:`StreetBatch` columns plus ``source_file``.
    """
    discovery = discover_street_files(paths, forces)
    reader = StreetReader(discovery.files, workers)
    tables, rejections, rows_read, notes = [], RejectionLog(), 0, list(discovery.notes)
    for batch in reader:
        rows_read += batch.rows_read
        rejections.extend(batch.rejections)
        notes.extend(batch.notes)
        tables.append(
            batch.table.append_column(
                "source_file", pa.array([batch.file.name] * batch.table.num_rows, pa.string())
            )
        )
    frame = pa.concat_tables(tables).to_pandas() if tables else None
    result = LoadResult(frame, rows_read, rejections, [f.where for f in discovery.files], notes)
    result.check_invariant()
    return result, reader.duplicates
