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


def collect_status(processed_dir: str | Path = PROCESSED_DIR) -> dict:
    """Gather what data/processed holds.

    Parameters
    ----------
    processed_dir : str or Path
        The processed-data directory.

    Returns
    -------
    dict
        ``ingested`` (bool), ``dir``, ``report`` (the ingest report or None), ``tables`` (file
        -> rows), ``months_per_csp`` (see :func:`months_by_csp`), ``unassigned_by_reason`` and
        ``sources_in_data`` (rows per ``source`` value in crimes.parquet).

    Raises
    ------
    InputFileError
        ``ingest_report.json`` or a parquet file exists but cannot be read.
    """
    directory = Path(processed_dir)
    report_path = directory / INGEST_REPORT
    report = None
    if report_path.is_file():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputFileError(report_path, f"not valid JSON ({exc})") from None
        if not isinstance(report, dict):
            raise InputFileError(report_path, "expected a JSON object")
    tables = {}
    for name in TABLES:
        path = directory / name
        if path.is_file():
            try:
                tables[name] = pq.ParquetFile(path).metadata.num_rows
            except Exception as exc:  # pyarrow raises ArrowInvalid, OSError...
                raise InputFileError(path, f"not a readable parquet file ({exc})") from None
    status = {
        "dir": str(directory),
        "ingested": report is not None or bool(tables),
        "report": report,
        "tables": tables,
        "months_per_csp": {},
        "unassigned_by_reason": {},
        "sources_in_data": {},
    }
    crimes_path = directory / CRIMES_PARQUET
    if CRIMES_PARQUET in tables:
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
                status["months_per_csp"] = months_by_csp(assigned)
        if "unassigned_reason" in crimes:
            counts = crimes["unassigned_reason"].value_counts()
            status["unassigned_by_reason"] = {str(k): int(v) for k, v in counts.items()}
        if "source" in crimes:
            counts = crimes["source"].value_counts()
            status["sources_in_data"] = {str(k): int(v) for k, v in counts.items()}
    elif report:
        # The report keys CSPs by ONS code; show the display names it records beside them.
        names = report.get("csps") if isinstance(report.get("csps"), dict) else {}
        status["months_per_csp"] = {
            names.get(csp, csp): {
                "first": min(months) if months else None,
                "last": max(months) if months else None,
                "months": len(months),
                "gaps": list((report.get("missing_months_per_csp") or {}).get(csp, [])),
            }
            for csp, months in (report.get("months_per_csp") or {}).items()
            if isinstance(months, list)
        }
        status["unassigned_by_reason"] = dict(report.get("unassigned_by_reason") or {})
    return status


def _describe_sources(sources) -> list[str]:
    """Lines for the report's ``sources`` entry, whatever shape ingest gave it."""
    if not sources:
        return []
    if isinstance(sources, dict):
        items = sources.items()
    else:
        items = ((None, s) for s in sources)
    lines = []
    for key, value in items:
        if isinstance(value, dict):
            label = key or value.get("name") or value.get("source") or "source"
            files = value.get("files")
            detail = [
                f"{k} {value[k]:,}"
                for k in ("rows_read", "rows_loaded", "rows_rejected")
                if isinstance(value.get(k), int)
            ]
            if isinstance(files, list):
                detail.append(f"{len(files)} file(s)")
            elif value.get("path"):
                detail.append(str(value["path"]))
            lines.append(f"  {label}: {', '.join(detail) if detail else 'present'}")
        elif isinstance(value, list):
            lines.append(f"  {key}: {len(value)} file(s)")
        else:
            lines.append(f"  {key}: {value}" if key else f"  {value}")
    return lines


def format_status(status: dict) -> str:
    """Render :func:`collect_status` as the text ``csp-analysis status`` prints."""
    directory = status["dir"]
    if not status["ingested"]:
        return (
            f"Nothing has been ingested into {directory}.\n"
            "Run `make data` (demonstration data) or `csp-analysis ingest ...` first."
        )
    report = status["report"] or {}
    lines = [f"Processed data in {directory}"]
    if report:
        lines.append(f"Last ingest: {report.get('ingested_at', 'unknown time')}")
        synthetic = report.get("synthetic")
        if synthetic is True:
            lines.append("Data: SYNTHETIC demonstration data (not real crime figures)")
        elif synthetic is False:
            lines.append("Data: real published data")
    else:
        lines.append(f"No {INGEST_REPORT}: ingest did not finish, or the files were copied here")
    source_lines = _describe_sources(report.get("sources"))
    if source_lines:
        lines.append("Sources:")
        lines.extend(source_lines)
    if status["sources_in_data"]:
        lines.append(
            "Rows by source in crimes: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(status["sources_in_data"].items()))
        )
    counts = [
        f"{label} {report[key]:,}"
        for key, label in (
            ("rows_read", "read"),
            ("rows_loaded", "loaded"),
            ("rows_rejected", "rejected"),
        )
        if isinstance(report.get(key), int)
    ]
    if counts:
        lines.append("Rows: " + ", ".join(counts))
    rejected = report.get("rejected_by_reason") or {}
    for reason, value in sorted(rejected.items()):
        rows = value.get("rows") if isinstance(value, dict) else value
        if isinstance(rows, int):
            lines.append(f"  rejected, {reason}: {rows:,}")
    if status["tables"]:
        lines.append("Tables:")
        lines.extend(f"  {name}: {rows:,} rows" for name, rows in status["tables"].items())
    if status["months_per_csp"]:
        lines.append("Months covered per CSP:")
        for csp, info in status["months_per_csp"].items():
            gaps = info.get("gaps") or []
            gap_text = (
                f"; GAPS: {_ranges([pd.Period(g, 'M') for g in gaps])}" if gaps else "; no gaps"
            )
            lines.append(
                f"  {csp}: {info['first']} to {info['last']} ({info['months']} months){gap_text}"
            )
    unassigned = status["unassigned_by_reason"]
    if unassigned:
        total = sum(unassigned.values())
        lines.append(f"Unassigned rows (kept, not in any configured CSP): {total:,}")
        lines.extend(f"  {reason}: {n:,}" for reason, n in sorted(unassigned.items()))
    duplicates = report.get("duplicates")
    if duplicates:
        lines.append(f"Duplicates: {duplicates}")
    notes = report.get("notes") or []
    if isinstance(notes, list) and notes:
        lines.append("Notes from the ingest:")
        lines.extend(f"  {note}" for note in notes[:MAX_NOTES])
        if len(notes) > MAX_NOTES:
            lines.append(f"  ... and {len(notes) - MAX_NOTES} more in {INGEST_REPORT}")
    return "\n".join(line for line in lines if line)


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
        print(json.dumps({k: v for k, v in status.items() if k != "report"}, indent=2))
    else:
        print(format_status(status))
    return 0 if status["ingested"] else 1
