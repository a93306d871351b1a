"""A complete, valid ingest report for tests that write processed data by hand."""

from __future__ import annotations

from typing import Any


def valid_report(**overrides: Any) -> dict[str, Any]:
    """Every field of :class:`csp_analysis.io.ingest_report.IngestReport`, with overrides."""
    report: dict[str, Any] = {
        "ingested_at": "2026-11-21T10:00:00+00:00",
        "synthetic": True,
        "out": "data/processed",
        "sources": {"demo": {"files": ["a.csv", "b.csv"]}},
        "files_read": 2,
        "rows_read": 9,
        "rows_loaded": 8,
        "rows_rejected": 1,
        "rejected_by_reason": {"bad month": {"rows": 1, "examples": []}},
        "tables": {"crimes": {"rows_read": 9, "rows_loaded": 8, "rows_rejected": 1}},
        "crimes_rows": 8,
        "population_rows": 1,
        "crimes_by_source": {"demo": 8},
        "unassigned_by_reason": {"no location": 1},
        "csps": {},
        "rows_per_csp": {},
        "months_per_csp": {},
        "missing_months_per_csp": {},
        "duplicates": [],
        "notes": [],
        "seconds": 0.1,
    }
    report.update(overrides)
    return report
