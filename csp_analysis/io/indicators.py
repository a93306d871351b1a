"""Partner indicators and local police extracts: the two inputs whose layout partners choose.

* Partner indicators (council, health, fire, probation...) arrive as one long-format CSV: a row
  per area, period and indicator, with columns ``area_code, area_name, period_type, period`` (or
  ``period_start``), ``indicator, value, unit`` and optional ``target`` and ``direction``.
  ``period_type`` is ``month`` (``2024-05``), ``quarter`` (financial quarter ``2024/25 Q1``,
  Q1 = April-June) or ``financial_year`` (``2024/25``, April-March).
* A local police extract is a record-level CSV from the force's crime recording system. Unlike
  police.uk it may carry the Home Office offence code, domestic abuse / hate / alcohol flags and
  victim sex. Its column names differ by force, so they are mapped in ``config/sources.yaml``
  (:class:`SourcesConfig`); the police.uk category and offence subgroup are derived from the
  offence code (Home Office offence classification, :mod:`csp_analysis.core.offences`) when absent.

Every row read is either loaded or a counted rejection with ``file:line`` examples.
"""

from __future__ import annotations

import codecs
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from csp_analysis.core.config import _format_validation_error, load_yaml_model
from csp_analysis.core.exceptions import ConfigError, InputFileError
from csp_analysis.core.offences import OFFENCE_SUBGROUPS, OFFENCES
from csp_analysis.core.paths import CONFIG_DIR
from csp_analysis.core.schema import FLAGS, LEGACY_POLICE_UK_CRIME_TYPES, POLICE_UK_CRIME_TYPES
from csp_analysis.io.csv_text import CsvText, read_csv_text
from csp_analysis.io.rejections import LoadResult, RejectionLog

SOURCES_CONFIG = CONFIG_DIR / "sources.yaml"

# --------------------------------------------------------------------------- configuration


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalExtractColumns(_Strict):
    """Column of the extract holding each field; ``None`` means the extract lacks that field."""

    crime_id: str | None = "CrimeRef"
    month: str = "RecordedMonth"
    lsoa_code: str = "LSOA"
    offence_code: str | None = "HOOffenceCode"
    offence_subgroup: str | None = "HOOffenceSubgroup"
    crime_type: str | None = "PoliceUKCategory"
    domestic_abuse: str | None = "DomesticAbuse"
    hate: str | None = "HateFlag"
    alcohol: str | None = "AlcoholFlag"
    victim_sex: str | None = "VictimSex"
    outcome: str | None = "Outcome"

    @model_validator(mode="after")
    def _classifiable(self) -> LocalExtractColumns:
        if self.crime_type is None and self.offence_code is None:
            raise ValueError(
                "a local extract needs a crime_type or an offence_code column (or both)"
            )
        mapped = [v for v in self.model_dump().values() if v is not None]
        dupes = sorted({v for v in mapped if mapped.count(v) > 1})
        if dupes:
            raise ValueError(f"column(s) mapped to two fields: {', '.join(dupes)}")
        return self


class LocalExtractMapping(_Strict):
    """How to read a local police extract: its column names and text encoding."""

    columns: LocalExtractColumns = Field(default_factory=LocalExtractColumns)
    encoding: str = "utf-8"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str) -> str:
        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown text encoding {value!r} (e.g. utf-8, cp1252)") from None
        return value


class SourcesConfig(_Strict):
    """``config/sources.yaml``."""

    local_extract: LocalExtractMapping = Field(default_factory=LocalExtractMapping)


def load_sources(path: str | Path = SOURCES_CONFIG) -> SourcesConfig:
    """Load and validate ``config/sources.yaml``.

    Parameters
    ----------
    path : str or Path
        The sources configuration file.

    Returns
    -------
    SourcesConfig

    Raises
    ------
    ConfigError
        The file is missing, not YAML, has an unknown key, or maps no crime type or offence code.
    """
    return load_yaml_model(path, SourcesConfig)


def _resolve_mapping(mapping) -> LocalExtractMapping:
    if mapping is None:
        return load_sources().local_extract if SOURCES_CONFIG.is_file() else LocalExtractMapping()
    if isinstance(mapping, LocalExtractMapping):
        return mapping
    if isinstance(mapping, SourcesConfig):
        return mapping.local_extract
    if isinstance(mapping, dict):
        try:
            return LocalExtractMapping.model_validate(mapping)
        except ValidationError as exc:
            raise _format_validation_error(Path("local extract mapping"), exc) from None
    raise ConfigError("local extract mapping", "(top level)", f"unsupported type {type(mapping)}")


# --------------------------------------------------------------------------- shared helpers


def _read_csv(path: Path, encoding: str = "utf-8") -> CsvText:
    """The table, line-exact (:func:`csp_analysis.io.csv_text.read_csv_text`)."""
    return read_csv_text(path, encoding)


class _Rows:
    """Tracks which rows are still accepted and records each rejection once, first reason wins."""

    def __init__(self, file: str, table: CsvText):
        self.file = file
        self.lines = table.lines  # each record's own line in the file (the header is line 1)
        self.ok = np.ones(len(table.frame), dtype=bool)
        self.log = RejectionLog()
        self.log.extend(table.rejections)  # lines the reader itself rejected

    def reject(self, mask, reason: str, values: pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        fresh = mask & self.ok
        if fresh.any():
            self.log.add_many(
                self.file, self.lines[fresh], reason, [repr(v) for v in values[fresh]]
            )
        self.ok[fresh] = False


# --------------------------------------------------------------------------- periods

PERIOD_TYPES = ("month", "quarter", "financial_year")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_FY = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2})\s*Q([1-4])$", re.IGNORECASE)


def _fy_start(start: str, end: str) -> int | None:
    first = int(start)
    return first if (first + 1) % 100 == int(end) else None


def period_start(period_type: str, period: str) -> pd.Timestamp | None:
    """First day of a period: ``("month", "2024-05")`` -> 2024-05-01, ``("quarter",
    "2024/25 Q4")`` -> 2025-01-01, ``("financial_year", "2024/25")`` -> 2024-04-01.

    Parameters
    ----------
    period_type : str
        ``month``, ``quarter`` (financial quarter) or ``financial_year``.
    period : str
        ``YYYY-MM``, ``YYYY/YY Qn`` or ``YYYY/YY`` (``-`` also accepted for ``/``).

    Returns
    -------
    pandas.Timestamp or None
        None when the text is not a valid period of that type.
    """
    period = period.strip()
    if period_type == "month":
        match = _MONTH.match(period)
        if match and 1 <= int(match.group(2)) <= 12:
            return pd.Timestamp(int(match.group(1)), int(match.group(2)), 1)
    elif period_type == "financial_year":
        match = _FY.match(period)
        if match and (year := _fy_start(match.group(1), match.group(2))) is not None:
            return pd.Timestamp(year, 4, 1)
    elif period_type == "quarter":
        match = _QUARTER.match(period)
        if match and (year := _fy_start(match.group(1), match.group(2))) is not None:
            month = 4 + 3 * (int(match.group(3)) - 1)
            return pd.Timestamp(year + (month > 12), (month - 1) % 12 + 1, 1)
    return None


def _is_period_start(period_type: str, start: pd.Timestamp) -> bool:
    if start.day != 1:
        return False
    if period_type == "quarter":
        return start.month in (1, 4, 7, 10)
    if period_type == "financial_year":
        return start.month == 4
    return True


# --------------------------------------------------------------------------- indicators

INDICATOR_REQUIRED = ("area_code", "area_name", "period_type", "indicator", "value", "unit")
REJECT_PERIOD_TYPE = "bad period type"
REJECT_PERIOD = "bad period"
REJECT_PERIOD_MISMATCH = "period and period_start disagree"
REJECT_VALUE = "non-numeric value"
REJECT_IMPOSSIBLE = "impossible value"
REJECT_TARGET = "non-numeric target"
REJECT_DIRECTION = "bad direction"
REJECT_MISSING = "missing area or indicator"
REJECT_DUPLICATE = "duplicate area, indicator and period"


def _numbers(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")


def read_indicators(path: str | Path) -> LoadResult:
    """Read a long-format partner indicators CSV.

    Parameters
    ----------
    path : str or Path
        CSV with columns ``area_code, area_name, period_type, period`` and/or ``period_start``
        (``YYYY-MM-DD``, the first day of the period), ``indicator, value, unit`` and optional
        ``target`` and ``direction`` (``lower`` or ``higher`` is better).

    Returns
    -------
    LoadResult
        ``frame`` with INDICATORS_SCHEMA columns. Counted rejections: unknown period type,
        unparseable period, period and period_start that disagree (or a period_start that is
        not the first day of such a period), blank or non-numeric value, non-numeric target,
        unknown direction, blank area code or indicator, and repeats of an (area, indicator,
        period type, period start) already loaded.

    Raises
    ------
    InputFileError
        The file is missing, not a CSV, or lacks a required column.
    """
    path = Path(path)
    table = _read_csv(path)
    frame = table.frame
    lowered = {c.lower(): c for c in frame.columns}
    missing = [c for c in INDICATOR_REQUIRED if c not in lowered]
    if "period" not in lowered and "period_start" not in lowered:
        missing.append("period or period_start")
    if missing:
        raise InputFileError(
            path,
            f"missing required column(s) {', '.join(missing)}; found {', '.join(frame.columns)}",
            row=1,
        )
    frame = frame.rename(columns={v: k for k, v in lowered.items()})
    blank = pd.Series("", index=frame.index)
    rows = _Rows(path.name, table)

    rows.reject(
        (frame["area_code"] == "") | (frame["indicator"] == ""),
        REJECT_MISSING,
        frame["area_code"] + " / " + frame["indicator"],
    )
    period_type = frame["period_type"].str.lower().str.replace(" ", "_", regex=False)
    rows.reject(~period_type.isin(PERIOD_TYPES), REJECT_PERIOD_TYPE, frame["period_type"])

    period = frame["period"] if "period" in frame else blank
    start_text = frame["period_start"] if "period_start" in frame else blank
    from_period = pd.Series(
        [period_start(t, p) if p else None for t, p in zip(period_type, period, strict=True)],
        index=frame.index,
        dtype="datetime64[ns]",
    )
    from_start = pd.to_datetime(
        start_text.where(start_text != ""), errors="coerce", format="%Y-%m-%d"
    )
    rows.reject(
        ((period != "") & from_period.isna())
        | ((start_text != "") & from_start.isna())
        | ((period == "") & (start_text == "")),
        REJECT_PERIOD,
        period + " " + start_text,
    )
    starts = from_period.fillna(from_start)
    misaligned = [
        pd.notna(s) and not _is_period_start(t, s)
        for t, s in zip(period_type, from_start, strict=True)
    ]
    rows.reject(
        (from_period.notna() & from_start.notna() & (from_period != from_start))
        | np.array(misaligned, dtype=bool),
        REJECT_PERIOD_MISMATCH,
        period + " vs " + start_text,
    )

    values = _numbers(frame["value"])
    rows.reject(values.isna(), REJECT_VALUE, frame["value"])
    target_text = frame["target"] if "target" in frame else blank
    targets = _numbers(target_text)
    rows.reject((target_text != "") & targets.isna(), REJECT_TARGET, target_text)
    # Values the indicator's unit cannot take: infinite ("inf", "1e400"), a negative count, a
    # percentage outside 0-100 (value or target).
    unit = frame["unit"].str.lower()
    for numbers, text, what in (
        (values, frame["value"], "value"),
        (targets, target_text, "target"),
    ):
        impossible = (
            np.isinf(numbers.to_numpy(dtype=float))
            | ((unit == "count") & (numbers < 0)).to_numpy()
            | (unit.isin(["percent", "%"]) & ((numbers < 0) | (numbers > 100))).to_numpy()
        )
        rows.reject(
            impossible, REJECT_IMPOSSIBLE, what + " " + text + " (unit " + frame["unit"] + ")"
        )
    direction = (frame["direction"] if "direction" in frame else blank).str.lower()
    rows.reject(~direction.isin(["", "lower", "higher"]), REJECT_DIRECTION, direction)

    out = pd.DataFrame(
        {
            "area_code": frame["area_code"],
            "area_name": frame["area_name"],
            "period_type": period_type,
            "period_start": starts,
            "indicator": frame["indicator"],
            "value": values,
            "unit": frame["unit"].where(frame["unit"] != ""),
            "target": targets,
            "direction": direction.where(direction != ""),
            "source_file": path.name,
        }
    )
    key = ["area_code", "indicator", "period_type", "period_start"]
    # Only rows still accepted compete for a key, so a bad row never shadows a good one.
    duplicate = np.zeros(len(out), dtype=bool)
    duplicate[rows.ok] = out[rows.ok].duplicated(subset=key, keep="first").to_numpy()
    rows.reject(
        duplicate, REJECT_DUPLICATE, out["area_code"] + " " + out["indicator"] + " " + period
    )

    out = out[rows.ok].reset_index(drop=True)
    for column in ("area_code", "area_name", "period_type", "indicator", "unit", "direction"):
        out[column] = out[column].astype("string")
    out["source_file"] = out["source_file"].astype("string")
    result = LoadResult(
        frame=out, rows_read=table.rows_read, rejections=rows.log, files=[path.name]
    )
    result.notes.extend(table.notes)
    result.check_invariant()
    return result


# --------------------------------------------------------------------------- local extract

LOCAL_EXTRACT_COLUMNS = [
    "crime_id",
    "month",
    "lsoa_code",
    "crime_type",
    "offence_code",
    "offence_subgroup",
    "outcome",
    *FLAGS,
    "victim_sex",
    "source_file",
    "source_row",
]
_TRUE = {"y", "yes", "1", "true", "t"}
_FALSE = {"n", "no", "0", "false", "f"}
_SEX = {"f": "F", "female": "F", "m": "M", "male": "M", "u": None, "unknown": None, "": None}
_CRIME_TYPES = {t.lower(): t for t in POLICE_UK_CRIME_TYPES + LEGACY_POLICE_UK_CRIME_TYPES}
_SUBGROUPS = {s.lower(): s for s in OFFENCE_SUBGROUPS}
_LSOA = re.compile(r"^[EW]01\d{6}$")
_MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d", "%d/%m/%Y", "%m/%Y")

REJECT_MONTH = "bad month"
REJECT_OFFENCE_CODE = "unknown offence code"
REJECT_CRIME_TYPE = "unknown crime type"
REJECT_UNCLASSIFIED = "no crime type or offence code"
REJECT_SUBGROUP = "unknown offence subgroup"
REJECT_FLAG = "bad flag value"
REJECT_SEX = "bad victim sex"
REJECT_LSOA = "bad LSOA code"


def _per_value(series: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct value: extract columns repeat a few hundred values over
    hundreds of thousands of rows, so this is much faster than mapping every row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(value) for value in uniques]
    mapped[-1] = None  # factorize codes missing values as -1, the last slot
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _parse_month(text: str) -> pd.Timestamp | None:
    """First of the month for ``text`` in any accepted format; None when none fits."""
    for fmt in _MONTH_FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return pd.Timestamp(parsed.year, parsed.month, 1)
    return None


_INVALID = "invalid"


def _flag(text: str) -> bool | str | None:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return None if lowered == "" else _INVALID


def _sex(text: str) -> str | None:
    return _SEX.get(text.lower(), _INVALID)


def read_local_extract(path: str | Path, mapping=None) -> LoadResult:
    """Read a record-level local police extract whose columns are mapped in config/sources.yaml.

    Parameters
    ----------
    path : str or Path
        The extract (CSV, header on line 1).
    mapping : LocalExtractMapping, SourcesConfig, dict or None
        Column mapping; None reads ``config/sources.yaml`` (or the built-in default, which
        matches the demonstration generator's header, when that file is absent). A dict is
        validated like the YAML: unknown keys raise :class:`ConfigError`.

    Returns
    -------
    LoadResult
        ``frame`` with columns ``crime_id, month`` (first of month), ``lsoa_code, crime_type,
        offence_code, offence_subgroup, outcome, domestic_abuse, hate, alcohol`` (nullable
        booleans), ``victim_sex`` ("F", "M" or null), ``source_file, source_row``. Fields the
        mapping sets to null are all-null columns. Counted rejections: unparseable month,
        offence code unknown to the Home Office classification, unknown police.uk category or
        offence subgroup, neither crime type nor offence code, a flag or victim sex outside the
        accepted spellings, a malformed LSOA code. An empty LSOA is kept (null): ingest counts
        it as "no location".

    Raises
    ------
    ConfigError
        The mapping is invalid.
    InputFileError
        The file is missing or unreadable, or lacks a column the mapping names.
    """
    path = Path(path)
    spec = _resolve_mapping(mapping)
    columns = spec.columns.model_dump()
    table = _read_csv(path, spec.encoding)
    frame = table.frame
    absent = {field: col for field, col in columns.items() if col and col not in frame.columns}
    if absent:
        listed = ", ".join(f"{col!r} (for {field})" for field, col in absent.items())
        raise InputFileError(
            path,
            f"missing column(s) {listed}; found {', '.join(frame.columns)}. Map the columns in "
            "config/sources.yaml (local_extract.columns), or set a field to null if the extract "
            "lacks it",
            row=1,
        )
    blank = pd.Series("", index=frame.index)

    def column(field: str) -> pd.Series:
        return frame[columns[field]] if columns[field] else blank

    rows = _Rows(path.name, table)
    month_text = column("month")
    months = pd.to_datetime(_per_value(month_text, _parse_month))
    rows.reject(months.isna(), REJECT_MONTH, month_text)

    lsoa = _per_value(column("lsoa_code"), str.upper)
    bad_lsoa = _per_value(lsoa, lambda code: code != "" and not _LSOA.match(code))
    rows.reject(bad_lsoa.astype(bool), REJECT_LSOA, lsoa)

    codes = column("offence_code")
    known_code = codes.isin(OFFENCES)
    rows.reject((codes != "") & ~known_code, REJECT_OFFENCE_CODE, codes)

    type_text = column("crime_type")
    given_type = _per_value(type_text, lambda text: _CRIME_TYPES.get(text.lower()))
    rows.reject((type_text != "") & given_type.isna(), REJECT_CRIME_TYPE, type_text)
    derived_type = _per_value(
        codes, lambda c: OFFENCES[c].police_uk_category if c in OFFENCES else None
    )
    crime_type = given_type.where(given_type.notna(), derived_type)
    rows.reject(crime_type.isna(), REJECT_UNCLASSIFIED, type_text + "/" + codes)

    subgroup_text = column("offence_subgroup")
    given_subgroup = _per_value(subgroup_text, lambda text: _SUBGROUPS.get(text.lower()))
    rows.reject((subgroup_text != "") & given_subgroup.isna(), REJECT_SUBGROUP, subgroup_text)
    derived_subgroup = _per_value(codes, lambda c: OFFENCES[c].subgroup if c in OFFENCES else None)
    subgroup = given_subgroup.where(given_subgroup.notna(), derived_subgroup)

    flags = {}
    for field in FLAGS:
        if columns[field] is None:
            flags[field] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
            continue
        value = _per_value(column(field), _flag)
        invalid = (value == _INVALID).to_numpy()
        rows.reject(invalid, REJECT_FLAG, column(field))
        flags[field] = value.where(~invalid, None).astype("boolean")

    victim_sex = _per_value(column("victim_sex"), _sex)
    invalid_sex = (victim_sex == _INVALID).to_numpy()
    rows.reject(invalid_sex, REJECT_SEX, column("victim_sex"))
    victim_sex = victim_sex.where(~invalid_sex, None)

    mismatched = int(
        (
            rows.ok
            & known_code.to_numpy()
            & given_type.notna().to_numpy()
            & (given_type != derived_type).to_numpy()
        ).sum()
    )

    def nullable(series: pd.Series) -> pd.Series:
        return series.where(series != "").astype("string")

    out = pd.DataFrame(
        {
            "crime_id": nullable(column("crime_id")),
            "month": months,
            "lsoa_code": nullable(lsoa),
            "crime_type": crime_type.astype("string"),
            "offence_code": codes.where(known_code).astype("string"),
            "offence_subgroup": subgroup.astype("string"),
            "outcome": nullable(column("outcome")),
            **flags,
            "victim_sex": victim_sex.astype("string"),
            "source_file": pd.Series(path.name, index=frame.index, dtype="string"),
            "source_row": pd.Series(rows.lines, index=frame.index, dtype="int64"),
        }
    )[LOCAL_EXTRACT_COLUMNS]
    out = out[rows.ok].reset_index(drop=True)
    result = LoadResult(
        frame=out, rows_read=table.rows_read, rejections=rows.log, files=[path.name]
    )
    result.notes.extend(table.notes)
    unmapped = [field for field, col in columns.items() if col is None]
    if unmapped:
        result.notes.append(f"{path.name}: no column for {', '.join(unmapped)} (left null)")
    if mismatched:
        result.notes.append(
            f"{path.name}: {mismatched} row(s) whose crime type differs from the one their "
            "offence code implies; the crime type given was kept"
        )
    result.check_invariant()
    return result
