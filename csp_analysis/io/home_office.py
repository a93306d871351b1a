"""Home Office police recorded crime open data tables.

Source: Home Office, "Police recorded crime and outcomes open data tables" (published with the
quarterly Crime in England and Wales release, https://www.gov.uk/government/statistics/
police-recorded-crime-open-data-tables). Two levels are read:

* police force area (PFA) tables: ``Financial Year, Financial Quarter, Force Name, Offence
  Description, Offence Group, Offence Subgroup, Offence Code, Number of Offences``;
* Community Safety Partnership tables: the same plus the CSP's name (``CSP Name`` or
  ``Community Safety Partnership``) and, in some editions, its ONS code.

Editions differ in spelling (``Financial_Year`` or ``Financial Year``), so column names are
matched after normalising case, spaces and underscores. The publisher ships ODS workbooks (one
sheet per span of years, below a few note rows) and CSV; redistributed copies add columns (the
``crime-sim-toolkit`` copy adds an unnamed index and ``Policeuk_Cat``), which are ignored and
noted. Counts may be negative: the Home Office publishes adjustments (crimes cancelled or
reclassified after the quarter) as negative counts, so they are kept.

The police.uk category of each row comes from :mod:`csp_analysis.core.offences` (normalised
spelling), and an offence code that the classification does not know is a counted rejection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.offences import OFFENCES
from csp_analysis.core.registry import csp_index, normalise_csp_name
from csp_analysis.io.csv_text import NotInEncodingError, read_csv_text
from csp_analysis.io.rejections import LoadResult, RejectionLog

# ONS police force area codes (PFA23CD) from the ONS LAD-CSP-PFA lookup (December 2023), keyed
# by the force names used in the Home Office tables. National bodies in the same tables (Action
# Fraud, CIFAS, UK Finance, British Transport Police) have no PFA and get no code.
PFA_CODES: dict[str, str] = {
    "Metropolitan Police": "E23000001",
    "Cumbria": "E23000002",
    "Lancashire": "E23000003",
    "Merseyside": "E23000004",
    "Greater Manchester": "E23000005",
    "Cheshire": "E23000006",
    "Northumbria": "E23000007",
    "Durham": "E23000008",
    "North Yorkshire": "E23000009",
    "West Yorkshire": "E23000010",
    "South Yorkshire": "E23000011",
    "Humberside": "E23000012",
    "Cleveland": "E23000013",
    "West Midlands": "E23000014",
    "Staffordshire": "E23000015",
    "West Mercia": "E23000016",
    "Warwickshire": "E23000017",
    "Derbyshire": "E23000018",
    "Nottinghamshire": "E23000019",
    "Lincolnshire": "E23000020",
    "Leicestershire": "E23000021",
    "Northamptonshire": "E23000022",
    "Cambridgeshire": "E23000023",
    "Norfolk": "E23000024",
    "Suffolk": "E23000025",
    "Bedfordshire": "E23000026",
    "Hertfordshire": "E23000027",
    "Essex": "E23000028",
    "Thames Valley": "E23000029",
    "Hampshire": "E23000030",
    "Surrey": "E23000031",
    "Kent": "E23000032",
    "Sussex": "E23000033",
    "London, City of": "E23000034",
    "City of London": "E23000034",
    "Devon and Cornwall": "E23000035",
    "Devon & Cornwall": "E23000035",
    "Avon and Somerset": "E23000036",
    "Gloucestershire": "E23000037",
    "Wiltshire": "E23000038",
    "Dorset": "E23000039",
    "North Wales": "W15000001",
    "Gwent": "W15000002",
    "South Wales": "W15000003",
    "Dyfed-Powys": "W15000004",
}

REQUIRED = ("financial_year", "financial_quarter", "offence_code", "number_of_offences")
OPTIONAL = ("offence_description", "offence_group", "offence_subgroup")
FORCE_NAME = ("force_name", "force", "pfa_name")
CSP_NAME = ("csp_name", "community_safety_partnership", "csp", "csp23nm", "cspname")
CSP_CODE = ("csp_code", "community_safety_partnership_code", "csp23cd", "area_code", "ons_code")
_ENGINES = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".ods": "odf"}

REJECT_YEAR = "bad financial year"
REJECT_QUARTER = "bad financial quarter"
REJECT_CODE = "unknown offence code"
REJECT_COUNT = "non-numeric count"
REJECT_COUNT_RANGE = "count out of range"
# No police force records a billion offences of one code in a quarter: a bigger number is a
# corrupted cell (and would overflow a 64-bit count), never an adjustment.
MAX_COUNT = 10**9
REJECT_AREA = "missing area name"
REJECT_CSP = "CSP not in the ONS lookup (December 2023)"
REJECT_SUPERSEDED = "quarter also in a later file (the later edition is kept)"

_FY = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
_QUARTER = re.compile(r"^q?\s*([1-4])(?:\.0+)?$", re.IGNORECASE)
_COUNT = re.compile(r"^-?\d+(?:\.0+)?$")


def normalise_column(name: object) -> str:
    """``"Financial Year"``, ``"Financial_Year"`` or ``"financial year "`` -> ``financial_year``."""
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def quarter_start(financial_year: str, quarter: int) -> date:
    """First day of a financial-year quarter: ``("2017/18", 1)`` -> 2017-04-01, Q4 -> 2018-01-01.

    Parameters
    ----------
    financial_year : str
        ``"YYYY/YY"``, the April-March year starting in YYYY.
    quarter : int
        1 (April-June) to 4 (January-March).
    """
    start_year = int(financial_year[:4])
    month = 4 + 3 * (quarter - 1)
    return date(start_year + (month > 12), (month - 1) % 12 + 1, 1)


def _normalise_financial_year(value: str) -> str | None:
    match = _FY.match(value.strip())
    if not match:
        return None
    start, end = int(match.group(1)), match.group(2)
    end_year = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    if end_year != start + 1 or not 1990 <= start <= 2100:
        return None
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass
class _Sheet:
    """One table of a file: its rows as strings, each row's line (spreadsheet row) in the file,
    and what the CSV reader itself rejected (CSV only)."""

    label: str
    frame: pd.DataFrame
    lines: np.ndarray
    header_line: int
    reader_rows: int = 0
    reader_rejections: RejectionLog = field(default_factory=RejectionLog)
    from_csv: bool = False


def _tables(path: Path) -> list[_Sheet]:
    """Each table in the file (a CSV is one; a workbook has one per sheet with the header)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # The publisher's CSVs are UTF-8; copies re-saved by Excel on Windows are cp1252.
        try:
            table = read_csv_text(path, "utf-8")
        except NotInEncodingError:
            try:
                table = read_csv_text(path, "cp1252")
            except NotInEncodingError as exc:
                raise InputFileError(path, "not text in UTF-8 or cp1252", row=exc.row) from None
        return [
            _Sheet(path.name, table.frame, table.lines, 1,
                   table.rows_read - len(table.frame), table.rejections, from_csv=True)
        ]  # fmt: skip
    engine = _ENGINES.get(suffix)
    if engine is None:
        raise InputFileError(
            path, f"unsupported file type {suffix!r}; expected .csv, .xlsx or .ods"
        )
    try:
        book = pd.ExcelFile(path, engine=engine)
    except Exception as exc:  # the engines raise many unrelated types for a damaged file
        raise InputFileError(path, f"cannot open as a {suffix} workbook: {exc}") from None
    tables = []
    with book:
        for sheet in book.sheet_names:
            raw = pd.read_excel(
                book, sheet_name=sheet, header=None, dtype=str, keep_default_na=False
            )
            # Publisher workbooks put notes above the table; its header is the first row
            # naming the offence code and count columns.
            for index in range(min(30, len(raw))):
                names = {normalise_column(v) for v in raw.iloc[index]}
                if {"offence_code", "number_of_offences"} <= names:
                    frame = raw.iloc[index + 1 :].copy()
                    frame.columns = [str(v) for v in raw.iloc[index]]
                    # Spreadsheet rows: the header is row index + 1, data rows follow it.
                    lines = np.arange(len(frame)) + index + 2
                    tables.append(_Sheet(f"{path.name}[{sheet}]", frame, lines, index + 1))
                    break
    if not tables:
        raise InputFileError(
            path, "no sheet has a header with Offence Code and Number of Offences columns"
        )
    return tables


def _pick(columns: dict[str, str], candidates: tuple[str, ...]) -> str | None:
    return next((columns[c] for c in candidates if c in columns), None)


def _partnership_codes(names: pd.Series, codes: pd.Series | None) -> pd.Series:
    """The registry's partnership-area code of each CSP row: by ONS code where the edition
    gives one, else by name (editions spell names differently; see normalise_csp_name)."""
    index = csp_index()
    by_name = names.map(lambda n: index.get(normalise_csp_name(n)))
    if codes is not None:
        by_code = codes.str.strip().str.upper().map(index)
        by_name = by_code.where(by_code.notna(), by_name)
    return by_name.astype("string")


def _read_table(path: Path, sheet: _Sheet):
    label, frame, header_line = sheet.label, sheet.frame, sheet.header_line
    columns: dict[str, str] = {}
    for original in frame.columns:
        columns.setdefault(normalise_column(original), original)
    force_col = _pick(columns, FORCE_NAME)
    csp_col = _pick(columns, CSP_NAME)
    csp_code_col = _pick(columns, CSP_CODE)
    missing = [c for c in REQUIRED if c not in columns]
    if force_col is None and csp_col is None:
        missing.append("force_name or csp_name")
    if missing:
        raise InputFileError(
            path,
            f"{label}: missing required column(s) {', '.join(missing)}; found "
            f"{', '.join(map(str, frame.columns))}",
            row=header_line,
        )
    used = {columns[c] for c in REQUIRED + OPTIONAL if c in columns}
    used |= {c for c in (force_col, csp_col, csp_code_col) if c}
    ignored = [
        "(unnamed index)" if not str(c).strip() or str(c).startswith("Unnamed") else str(c)
        for c in frame.columns
        if c not in used
    ]

    text = frame.astype(str).apply(lambda s: s.str.strip())
    lines = np.asarray(sheet.lines)
    if not sheet.from_csv:
        # An empty spreadsheet row is layout, not data; in a CSV a line of empty fields is a
        # row (blank lines were already left out by the reader) and is rejected below.
        blank = (text == "").all(axis=1).to_numpy()
        text, lines = text[~blank], lines[~blank]
    rows_read = len(text) + sheet.reader_rows
    log = RejectionLog()
    log.extend(sheet.reader_rejections)
    ok = np.ones(len(text), dtype=bool)

    def reject(mask: np.ndarray, reason: str, values: pd.Series) -> None:
        fresh = mask & ok
        if fresh.any():
            log.add_many(label, lines[fresh], reason, [f"{v!r}" for v in values[fresh]])
        ok[fresh] = False

    years = text[columns["financial_year"]].map(_normalise_financial_year)
    reject(years.isna().to_numpy(), REJECT_YEAR, text[columns["financial_year"]])
    quarter_text = text[columns["financial_quarter"]]
    quarters = quarter_text.str.extract(_QUARTER)[0]
    reject(quarters.isna().to_numpy(), REJECT_QUARTER, quarter_text)
    codes = text[columns["offence_code"]]
    reject(~codes.isin(OFFENCES).to_numpy(), REJECT_CODE, codes)
    count_text = text[columns["number_of_offences"]].str.replace(",", "", regex=False)
    reject(~count_text.str.match(_COUNT).to_numpy(), REJECT_COUNT, count_text)
    magnitude = pd.to_numeric(count_text.str.lstrip("-"), errors="coerce")
    reject((magnitude >= MAX_COUNT).to_numpy(), REJECT_COUNT_RANGE, count_text)
    if csp_col is not None:
        area_type, names = "csp", text[csp_col]
    else:
        area_type, names = "force", text[force_col]
    reject((names == "").to_numpy(), REJECT_AREA, names)
    partnership = pd.Series(pd.NA, index=text.index, dtype="string")
    if area_type == "csp":
        partnership = _partnership_codes(names, text[csp_code_col] if csp_code_col else None)
        reject(partnership.isna().to_numpy(), REJECT_CSP, names)

    kept = text[ok]
    kept_codes = codes[ok]
    kept_years = years[ok]
    kept_quarters = quarters[ok].astype(int)
    area_names = names[ok]
    if area_type == "csp":
        area_codes = kept[csp_code_col] if csp_code_col else pd.Series(None, index=kept.index)
    else:
        area_codes = area_names.map(PFA_CODES)

    def described(column: str, attribute: str) -> pd.Series:
        published = kept[columns[column]] if column in columns else pd.Series("", index=kept.index)
        reference = kept_codes.map(lambda code: getattr(OFFENCES[code], attribute))
        return published.where(published != "", reference)

    out = pd.DataFrame(
        {
            "financial_year": kept_years.astype("string"),
            "financial_quarter": kept_quarters.astype("int8"),
            "quarter_start": pd.to_datetime(
                [quarter_start(y, q) for y, q in zip(kept_years, kept_quarters, strict=True)]
            ),
            "area_type": pd.Series(area_type, index=kept.index, dtype="string"),
            "area_code": area_codes.replace("", None).astype("string"),
            "area_name": area_names.astype("string"),
            "partnership_code": partnership[ok].astype("string"),
            "offence_code": kept_codes.astype("string"),
            "offence_description": described("offence_description", "description"),
            "offence_group": described("offence_group", "group"),
            "offence_subgroup": described("offence_subgroup", "subgroup"),
            "police_uk_category": kept_codes.map(lambda c: OFFENCES[c].police_uk_category),
            "count": count_text[ok].astype(float).astype("int64"),
            "source_file": pd.Series(path.name, index=kept.index, dtype="string"),
            "_line": lines[ok],
        }
    )
    for column in (
        "offence_description",
        "offence_group",
        "offence_subgroup",
        "police_uk_category",
    ):
        out[column] = out[column].astype("string")
    notes = []
    if ignored:
        notes.append(f"{label}: ignored column(s) {', '.join(ignored)}")
    negative = int((out["count"] < 0).sum())
    if negative:
        notes.append(
            f"{label}: {negative} row(s) with negative counts kept (Home Office adjustments)"
        )
    return out.reset_index(drop=True), rows_read, log, notes


def read_home_office_table(path: str | Path) -> LoadResult:
    """Read a Home Office police recorded crime open data table (force or CSP level).

    Parameters
    ----------
    path : str or Path
        CSV, XLSX or ODS. In a workbook every sheet whose header (found by content, below any
        note rows) names the offence code and count columns is read; other sheets are skipped.

    Returns
    -------
    LoadResult
        ``frame`` with HOME_OFFICE_SCHEMA columns (``area_type`` "force" or "csp"; force rows get
        the ONS PFA code, national bodies none; CSP rows the registry's partnership-area code
        in ``partnership_code``; ``quarter_start`` is the first day of the quarter, Q1 =
        April). Rows with a bad financial year or quarter, an offence code unknown to
        :mod:`csp_analysis.core.offences`, a non-numeric count, no area name or a CSP the ONS
        lookup does not know are counted rejections with ``file:line`` examples. Fully blank
        rows are not data rows. Sheets of one workbook that repeat a quarter are counted once
        (the later sheet kept), as for several files in :func:`read_home_office_tables`.

    Raises
    ------
    InputFileError
        The file is missing, of an unsupported type, or lacks a required column.
    """
    return read_home_office_tables([path])


def _read_sheets(path: Path) -> list[LoadResult]:
    """Each table of one file, with its rows' spreadsheet lines in ``_line``."""
    if not path.is_file():
        raise InputFileError(path, "Home Office table not found")
    results = []
    for sheet in _tables(path):
        out, read, table_log, table_notes = _read_table(path, sheet)
        out["source_file"] = sheet.label
        result = LoadResult(frame=out, rows_read=read, rejections=table_log, files=[])
        result.notes.extend(table_notes)
        results.append(result)
    results[0].files.append(path.name)
    return results


def _area_key(frame: pd.DataFrame) -> pd.Series:
    """Which area a row counts for: the partnership area for CSP rows, the force otherwise."""
    area = frame["partnership_code"].fillna(frame["area_name"])
    return frame["area_type"].astype(str) + "|" + area.astype(str)


def read_home_office_tables(paths) -> LoadResult:
    """Read several Home Office tables (editions covering different or overlapping years).

    Parameters
    ----------
    paths : path or sequence of paths
        In the order given; a later file is taken to be a later edition.

    Returns
    -------
    LoadResult
        The rows of every file. Where two files hold the same area and quarter (editions
        overlap: each release republishes earlier years, revised), the later file's rows are
        kept and the earlier file's rows for that area-quarter are counted as rejected
        (:data:`REJECT_SUPERSEDED`, with their file and line), so no quarter is counted twice;
        the same file given twice is caught the same way.

    Raises
    ------
    InputFileError
        As :func:`read_home_office_table`, naming the file.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    results = [sheet for p in paths for sheet in _read_sheets(Path(p))]
    if not results:
        raise InputFileError("(no file)", "no Home Office table given")
    log, notes, files, rows_read = RejectionLog(), [], [], 0
    kept_frames = []
    later_keys: set[str] = set()
    for result in reversed(results):
        frame = result.frame
        if frame.empty:
            continue
        quarter_key = (
            _area_key(frame)
            + "|"
            + frame["financial_year"].astype(str)
            + "|"
            + (frame["financial_quarter"].astype(str))
        )
        superseded = quarter_key.isin(later_keys).to_numpy()
        if superseded.any():
            log.add_many(
                str(frame["source_file"].iloc[0]),
                frame["_line"].to_numpy()[superseded],
                REJECT_SUPERSEDED,
                list(quarter_key[superseded].str.split("|").str[1:].str.join(" ")),
            )
        kept_frames.append(frame.loc[~superseded])
        later_keys |= set(quarter_key.unique())
    for result in results:
        log.extend(result.rejections)
        notes.extend(result.notes)
        files.extend(result.files)
        rows_read += result.rows_read
    kept_frames = kept_frames or [results[0].frame]
    frame = pd.concat(list(reversed(kept_frames)), ignore_index=True).drop(columns="_line")
    # Sheet labels served the rejection examples; the table records the file.
    frame["source_file"] = frame["source_file"].str.replace(r"\[.*\]$", "", regex=True)
    combined = LoadResult(frame=frame, rows_read=rows_read, rejections=log, files=files)
    combined.notes.extend(notes)
    combined.check_invariant()
    return combined
