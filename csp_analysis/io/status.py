"""``csp-analysis status``: say what is in data/processed.

Reads ``ingest_report.json`` (written by ``csp-analysis ingest``) and the parquet tables beside
it, and prints: the sources ingested and whether the data are synthetic, rows read / loaded /
rejected, months covered per CSP with any gaps, unassigned rows by reason, and when the ingest
ran. Months and gaps are computed from ``crimes.parquet`` itself when it is there, so the answer
describes the data actually on disk even if the report is missing or stale. A gap is a month
inside the span of the data with no row for that CSP: a gap is never a zero.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.paths import (
    CRIMES_PARQUET,
    HOME_OFFICE_PARQUET,
    INDICATORS_PARQUET,
    INGEST_REPORT,
    POPULATION_PARQUET,
    PROCESSED_DIR,
)
from csp_analysis.io.ingest_report import IngestReport

TABLES = (CRIMES_PARQUET, POPULATION_PARQUET, HOME_OFFICE_PARQUET, INDICATORS_PARQUET)
MAX_NOTES = 10


def _month_span(months) -> list[pd.Period]:
    months = sorted(set(months))
    if not months:
        return []
    return list(pd.period_range(months[0], months[-1], freq="M"))


def _ranges(periods: list[pd.Period]) -> str:
    """``[2025-01, 2025-02, 2025-04]`` -> ``"2025-01 to 2025-02, 2025-04"``."""
    if not periods:
        return "none"
    periods = sorted(periods)
    spans, start, previous = [], periods[0], periods[0]
    for period in periods[1:]:
        if period != previous + 1:
            spans.append((start, previous))
            start = period
        previous = period
    spans.append((start, previous))
    return ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in spans)


def months_by_csp(crimes: pd.DataFrame) -> dict[str, dict]:
    """Months covered and gaps per CSP, from a crimes table.

    Parameters
    ----------
    crimes : pandas.DataFrame
        Columns ``month`` and ``csp_name`` (``csp_code`` is used when names are absent); rows
        with no CSP are ignored.

    Returns
    -------
    dict
        CSP name -> ``{"first", "last", "months", "gaps"}`` where ``gaps`` lists the months
        (``YYYY-MM``) inside the span of the whole table that the CSP has no row for.
    """
    if crimes.empty:
        return {}
    key = crimes["csp_name"] if "csp_name" in crimes else crimes["csp_code"]
    if "csp_name" in crimes and "csp_code" in crimes:
        key = crimes["csp_name"].fillna(crimes["csp_code"])
    # One row per CSP and month is all that matters; a million crimes reduce to a few hundred.
    pairs = pd.DataFrame({"csp": key, "month": crimes["month"]}).dropna(subset=["csp"])
    pairs = pairs.drop_duplicates()
    months = pd.to_datetime(pairs["month"]).dt.to_period("M")
    key = pairs["csp"]
    span = _month_span(months.dropna())
    result = {}
    for csp, group in months.groupby(key.to_numpy(), sort=True):
        present = set(group.dropna())
        gaps = [p for p in span if p not in present]
        result[str(csp)] = {
            "first": str(min(present)),
            "last": str(max(present)),
            "months": len(present),
            "gaps": [str(p) for p in gaps],
        }
    return result


@dataclass
class DataStatus:
    """What a processed-data directory holds, as ``csp-analysis status`` reports it.

    Attributes
    ----------
    dir : str
        The directory.
    ingested : bool
        Whether anything has been ingested (a report or a table).
    report : IngestReport or None
        The last ingest's report.
    tables : dict of str to int
        Rows per parquet table present.
    months_per_csp : dict
        CSP name -> ``{"first", "last", "months", "gaps"}`` (see :func:`months_by_csp`).
    unassigned_by_reason : dict of str to int
        Rows no CSP took, by reason.
    sources_in_data : dict of str to int
        Crime rows per ``source`` value.
    """

    dir: str
    ingested: bool
    report: IngestReport | None = None
    tables: dict[str, int] = field(default_factory=dict)
    months_per_csp: dict[str, dict] = field(default_factory=dict)
    unassigned_by_reason: dict[str, int] = field(default_factory=dict)
    sources_in_data: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        """Everything but the report (which is in ingest_report.json), for ``--json``."""
        return {k: v for k, v in asdict(self).items() if k != "report"}


def collect_status(processed_dir: str | Path = PROCESSED_DIR) -> DataStatus:
    """Gather what data/processed holds.

    Parameters
    ----------
    processed_dir : str or Path
        The processed-data directory.

    Returns
    -------
    DataStatus
        Months and gaps come from ``crimes.parquet`` when it is there (the data on disk),
        otherwise from the ingest report.

    Raises
    ------
    InputFileError
        ``ingest_report.json`` or a parquet file exists but cannot be read.
    """
    directory = Path(processed_dir)
    report = IngestReport.read(directory)
    tables = {}
    for name in TABLES:
        path = directory / name
        if path.is_file():
            try:
                tables[name] = pq.ParquetFile(path).metadata.num_rows
            except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
                raise InputFileError(path, f"not a readable parquet file ({exc})") from None
    status = DataStatus(
        dir=str(directory),
        ingested=report is not None or bool(tables),
        report=report,
        tables=tables,
    )
    if CRIMES_PARQUET in tables:
        _status_from_crimes(status, directory / CRIMES_PARQUET)
    elif report is not None:
        # The report keys CSPs by ONS code; show the display names it records beside them.
        status.months_per_csp = {
            report.csps.get(csp, csp): {
                "first": min(months) if months else None,
                "last": max(months) if months else None,
                "months": len(months),
                "gaps": list(report.missing_months_per_csp.get(csp, [])),
            }
            for csp, months in report.months_per_csp.items()
        }
        status.unassigned_by_reason = dict(report.unassigned_by_reason)
    return status


def _status_from_crimes(status: DataStatus, crimes_path: Path) -> None:
    schema_names = set(pq.read_schema(crimes_path).names)
    wanted = [
        c
        for c in ("month", "csp_code", "csp_name", "unassigned_reason", "source")
        if c in schema_names
    ]
    crimes = pd.read_parquet(crimes_path, columns=wanted)
    if "month" in crimes:
        assigned = crimes
        if "unassigned_reason" in crimes:
            assigned = crimes[crimes["unassigned_reason"].isna()]
        if "csp_code" in assigned or "csp_name" in assigned:
            status.months_per_csp = months_by_csp(assigned)
    if "unassigned_reason" in crimes:
        counts = crimes["unassigned_reason"].value_counts()
        status.unassigned_by_reason = {str(k): int(v) for k, v in counts.items()}
    if "source" in crimes:
        counts = crimes["source"].value_counts()
        status.sources_in_data = {str(k): int(v) for k, v in counts.items()}


def _describe_sources(sources: dict[str, dict]) -> list[str]:
    """Lines for the report's ``sources``: files read, or the file or configuration used."""
    lines = []
    for key, value in sources.items():
        files = value.get("files")
        if isinstance(files, list):
            detail = f"{len(files)} file(s)"
        else:
            detail = str(value.get("path") or value.get("name") or "present")
        lines.append(f"  {key}: {detail}")
    return lines


def format_status(status: DataStatus) -> str:
    """Render :func:`collect_status` as the text ``csp-analysis status`` prints."""
    if not status.ingested:
        return (
            f"Nothing has been ingested into {status.dir}.\n"
            "Run `make data` (demonstration data) or `csp-analysis ingest ...` first."
        )
    report = status.report
    lines = [f"Processed data in {status.dir}"]
    if report is None:
        lines.append(f"No {INGEST_REPORT}: ingest did not finish, or the files were copied here")
    else:
        lines.append(f"Last ingest: {report.ingested_at}")
        lines.append(
            "Data: SYNTHETIC demonstration data (not real crime figures)"
            if report.synthetic
            else "Data: real published data"
        )
        for force, months in report.forces.items():
            lines.append(f"Force {force}: {len(months)} months, {months[0]} to {months[-1]}")
        lines.append("Sources:")
        lines.extend(_describe_sources(report.sources))
    if status.sources_in_data:
        lines.append(
            "Rows by source in crimes: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(status.sources_in_data.items()))
        )
    if report is not None:
        lines.append(
            f"Rows: read {report.rows_read:,}, loaded {report.rows_loaded:,}, "
            f"rejected {report.rows_rejected:,}"
        )
        for reason, entry in sorted(report.rejected_by_reason.items()):
            lines.append(f"  rejected, {reason}: {entry['rows']:,}")
    if status.tables:
        lines.append("Tables:")
        lines.extend(f"  {name}: {rows:,} rows" for name, rows in status.tables.items())
    if status.months_per_csp:
        lines.append("Months covered per CSP:")
        for csp, info in status.months_per_csp.items():
            gaps = info.get("gaps") or []
            gap_text = (
                f"; GAPS: {_ranges([pd.Period(g, 'M') for g in gaps])}" if gaps else "; no gaps"
            )
            lines.append(
                f"  {csp}: {info['first']} to {info['last']} ({info['months']} months){gap_text}"
            )
    if status.unassigned_by_reason:
        total = sum(status.unassigned_by_reason.values())
        lines.append(f"Unassigned rows (kept, in no partnership of their force): {total:,}")
        lines.extend(
            f"  {reason}: {n:,}" for reason, n in sorted(status.unassigned_by_reason.items())
        )
    if report is not None and report.duplicates:
        lines.append("Duplicate force-months (rejected, never double counted):")
        lines.extend(
            f"  {dup['force']} {dup['month']}: {dup['rows_rejected']:,} rows"
            for dup in report.duplicates
        )
    if report is not None and report.notes:
        lines.append("Notes from the ingest:")
        lines.extend(f"  {note}" for note in report.notes[:MAX_NOTES])
        if len(report.notes) > MAX_NOTES:
            lines.append(f"  ... and {len(report.notes) - MAX_NOTES} more in {INGEST_REPORT}")
    return "\n".join(lines)


def add_arguments(parser) -> None:
    """Arguments of ``csp-analysis status``."""
    parser.add_argument(
        "--dir",
        default=str(PROCESSED_DIR),
        help="processed-data directory (default data/processed)",
    )
    parser.add_argument("--json", action="store_true", help="print the status as JSON")


def run(args) -> int:
    """Print the status; returns 1 when nothing has been ingested."""
    status = collect_status(args.dir)
    if args.json:
        print(json.dumps(status.to_json(), indent=2))
    else:
        print(format_status(status))
    return 0 if status.ingested else 1
