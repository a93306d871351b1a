"""CSP populations from the ONS mid-year population estimates.

Source: Office for National Statistics, "Mid-Year Population Estimates, England and Wales"
(the mid-2023 edition covers mid-2011 to mid-2023 on 2023 local authority boundaries), workbook
as published, sheet ``MYE4`` ("Population estimates: Summary for England and Wales"). MYE4 holds
one row per area (country, region, county, district) with columns ``Code``, ``Name``,
``Geography`` and one ``Mid-YYYY`` column per year, newest first. Its header sits on spreadsheet
row 8 below a block of notes; the header row is found by content, because the number of note
rows has changed between releases.

A CSP's population is the sum of its districts' populations, the districts being those listed
for it in ``config/areas.yaml`` (from the ONS LAD-to-CSP lookup). Rates per 1,000 residents are
computed downstream from these totals.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from csp_analysis.core.config import AreasConfig
from csp_analysis.core.exceptions import InputFileError

MYE_SHEET = "MYE4"
# The header is on row 8 of current releases; searching further allows for longer preambles.
HEADER_SEARCH_ROWS = 40
_YEAR_COLUMN = re.compile(r"^\s*mid[-\s]?(\d{4})\s*$", re.IGNORECASE)
_ENGINES = {".xlsx": "openpyxl", ".xlsm": "openpyxl", ".ods": "odf"}

POPULATION_COLUMNS = ["csp_code", "csp_name", "year", "population", "source"]


def _empty_population() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "csp_code": pd.Series(dtype="string"),
            "csp_name": pd.Series(dtype="string"),
            "year": pd.Series(dtype="int32"),
            "population": pd.Series(dtype="int64"),
            "source": pd.Series(dtype="string"),
        }
    )


def _read_sheet(path: Path, sheet: str) -> pd.DataFrame:
    engine = _ENGINES.get(path.suffix.lower())
    if engine is None:
        raise InputFileError(
            path, f"unsupported population workbook type {path.suffix!r}; expected .xlsx or .ods"
        )
    if not path.is_file():
        raise InputFileError(path, "population workbook not found")
    try:
        sheets = pd.ExcelFile(path, engine=engine)
    except Exception as exc:  # openpyxl/odf raise many unrelated types for a damaged file
        raise InputFileError(path, f"cannot open as a {path.suffix} workbook: {exc}") from None
    with sheets:
        if sheet not in sheets.sheet_names:
            raise InputFileError(
                path,
                f"sheet {sheet!r} not found (sheets: {', '.join(map(str, sheets.sheet_names))}); "
                "expected the ONS mid-year estimates workbook",
            )
        return pd.read_excel(sheets, sheet_name=sheet, header=None, dtype=object)


def _find_header(raw: pd.DataFrame, path: Path, sheet: str) -> int:
    """Index (0-based) of the row holding Code, Name and at least one Mid-YYYY column."""
    for index in range(min(HEADER_SEARCH_ROWS, len(raw))):
        cells = [str(v).strip().lower() for v in raw.iloc[index] if pd.notna(v)]
        if "code" in cells and "name" in cells and any(_YEAR_COLUMN.match(c) for c in cells):
            return index
    raise InputFileError(
        path,
        f"sheet {sheet}: no header row with 'Code', 'Name' and 'Mid-YYYY' columns in the first "
        f"{HEADER_SEARCH_ROWS} rows",
    )


def read_district_populations(path: str | Path, sheet: str = MYE_SHEET) -> pd.DataFrame:
    """Read every area of the MYE4 sheet in long format.

    Parameters
    ----------
    path : str or Path
        The ONS mid-year estimates workbook (.xlsx or .ods) as published.
    sheet : str
        Sheet holding total population by area and year (``MYE4``).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``name``, ``geography``, ``year`` (int), ``population`` (int, null
        where the cell is empty or not a number) and ``sheet_row`` (1-based spreadsheet row).

    Raises
    ------
    InputFileError
        The file is missing, not a workbook, lacks the sheet or its header, or an area code
        appears twice.
    """
    path = Path(path)
    raw = _read_sheet(path, sheet)
    header_index = _find_header(raw, path, sheet)
    header = [str(v).strip() if pd.notna(v) else "" for v in raw.iloc[header_index]]
    lowered = [h.lower() for h in header]
    code_col, name_col = lowered.index("code"), lowered.index("name")
    geography_col = lowered.index("geography") if "geography" in lowered else None
    year_cols = {int(m.group(1)): i for i, h in enumerate(header) if (m := _YEAR_COLUMN.match(h))}

    body = raw.iloc[header_index + 1 :]
    codes = body.iloc[:, code_col]
    keep = codes.notna() & (codes.astype(str).str.strip() != "")
    body = body[keep]
    # Spreadsheet rows are 1-based and the frame is 0-based: row = index + 1.
    sheet_rows = body.index.to_numpy() + 1
    codes = body.iloc[:, code_col].astype(str).str.strip()
    duplicated = codes[codes.duplicated()]
    if not duplicated.empty:
        first = duplicated.index[0]
        raise InputFileError(
            path, f"sheet {sheet}: area code {duplicated.iloc[0]} appears twice", row=first + 1
        )

    frames = []
    for year, col in sorted(year_cols.items()):
        values = pd.to_numeric(body.iloc[:, col], errors="coerce")
        frames.append(
            pd.DataFrame(
                {
                    "code": codes.to_numpy(),
                    "name": body.iloc[:, name_col].astype(str).str.strip().to_numpy(),
                    "geography": (
                        body.iloc[:, geography_col].astype(str).str.strip().to_numpy()
                        if geography_col is not None
                        else None
                    ),
                    "year": year,
                    "population": values.round().astype("Int64").to_numpy(),
                    "sheet_row": sheet_rows,
                }
            )
        )
    if not frames:
        raise InputFileError(path, f"sheet {sheet}: no Mid-YYYY columns")
    return pd.concat(frames, ignore_index=True)


def read_population_workbook(path: str | Path, areas: AreasConfig) -> pd.DataFrame:
    """Sum the ONS mid-year estimates of each partnership's districts.

    Parameters
    ----------
    path : str or Path
        The ONS mid-year estimates workbook (.xlsx or .ods) as published, with sheet MYE4.
    areas : AreasConfig
        Forces, CSPs and their districts (``config/areas.yaml``).

    Returns
    -------
    pandas.DataFrame
        POPULATION_SCHEMA columns: ``csp_code``, ``csp_name`` (display name), ``year``,
        ``population`` and ``source`` (``"ONS MYE4: <file name>"``), one row per CSP and year.

    Raises
    ------
    InputFileError
        A district of the registry is missing from the sheet, or its population for a year is empty
        or not a number (naming the file, sheet, code and spreadsheet row).
    """
    path = Path(path)
    districts = read_district_populations(path)
    by_code = {code: group for code, group in districts.groupby("code", sort=False)}
    source = f"ONS {MYE_SHEET}: {path.name}"
    rows = []
    for csp in areas.csps:
        totals: dict[int, int] = {}
        for district in csp.districts:
            if district.code not in by_code:
                raise InputFileError(
                    path,
                    f"sheet {MYE_SHEET}: district {district.code} ({district.name}, CSP "
                    f"{csp.name}) is not in the workbook; is it a workbook on 2023 boundaries?",
                )
            group = by_code[district.code]
            bad = group[group["population"].isna() | (group["population"].fillna(1) <= 0)]
            if not bad.empty:
                first = bad.iloc[0]
                problem = (
                    "no numeric population"
                    if pd.isna(first["population"])
                    else f"a population of {first['population']}, which is impossible"
                )
                raise InputFileError(
                    path,
                    f"sheet {MYE_SHEET}: district {district.code} has {problem} for "
                    f"mid-{first['year']}",
                    row=int(first["sheet_row"]),
                )
            for year, population in zip(group["year"], group["population"], strict=True):
                totals[int(year)] = totals.get(int(year), 0) + int(population)
        for year in sorted(totals):
            rows.append((csp.code, csp.name, year, totals[year], source))
    return _frame(rows)


def population_from_config(areas: AreasConfig) -> pd.DataFrame:
    """CSP populations typed into ``config/areas.yaml`` (source ``"config"``).

    Parameters
    ----------
    areas : AreasConfig
        Forces, CSPs and their districts with per-year populations.

    Returns
    -------
    pandas.DataFrame
        POPULATION_SCHEMA columns; a CSP has a row for every year all its districts carry.
    """
    rows = [
        (csp.code, csp.name, year, population, "config")
        for csp in areas.csps
        for year, population in csp.population.items()
    ]
    return _frame(rows)


def config_discrepancies(path: str | Path, areas: AreasConfig) -> list[str]:
    """Compare the populations typed into areas.yaml with the workbook, district by district.

    Parameters
    ----------
    path : str or Path
        The ONS mid-year estimates workbook.
    areas : AreasConfig
        The configuration to check.

    Returns
    -------
    list of str
        One message per district and year that differs or is missing from the workbook;
        empty when the configuration agrees with the workbook.
    """
    districts = read_district_populations(path)
    lookup = {
        (code, int(year)): population
        for code, year, population in zip(
            districts["code"], districts["year"], districts["population"], strict=True
        )
    }
    problems = []
    for csp in areas.csps:
        for district in csp.districts:
            for year, typed in sorted(district.population.items()):
                published = lookup.get((district.code, year))
                if published is None or pd.isna(published):
                    problems.append(f"{district.code} {district.name} mid-{year}: not in workbook")
                elif int(published) != typed:
                    problems.append(
                        f"{district.code} {district.name} mid-{year}: config {typed:,}, "
                        f"workbook {int(published):,}"
                    )
    return problems


def _frame(rows: list[tuple]) -> pd.DataFrame:
    if not rows:
        return _empty_population()
    frame = pd.DataFrame(rows, columns=POPULATION_COLUMNS)
    return frame.astype(
        {
            "csp_code": "string",
            "csp_name": "string",
            "year": "int32",
            "population": "int64",
            "source": "string",
        }
    )
