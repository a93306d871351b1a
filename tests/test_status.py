"""``csp-analysis status``: what data/processed holds, computed from the files themselves."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_analysis.core import cli
from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.paths import CRIMES_PARQUET, INGEST_REPORT, POPULATION_PARQUET
from csp_analysis.core.schema import CRIMES_SCHEMA, POPULATION_SCHEMA
from csp_analysis.io.status import DataStatus, collect_status, format_status, months_by_csp
from tests.ingest_reports import valid_report

REPORT = valid_report()


def crimes_table(rows):
    """rows: (month, csp_code, csp_name, unassigned_reason, source)."""
    columns = ["month", "csp_code", "csp_name", "unassigned_reason", "source"]
    schema = pa.schema([CRIMES_SCHEMA.field(c) for c in columns])
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    return pa.table(data, schema=schema)


def write_processed(directory, report=REPORT):
    directory.mkdir(parents=True, exist_ok=True)
    rows = [
        (date(2025, 1, 1), "E22000326", "Herefordshire", None, "demo"),
        (date(2025, 2, 1), "E22000326", "Herefordshire", None, "demo"),
        (date(2025, 3, 1), "E22000326", "Herefordshire", None, "demo"),
        (date(2025, 4, 1), "E22000326", "Herefordshire", None, "demo"),
        (date(2025, 1, 1), "E22000360", "Shropshire", None, "demo"),
        (date(2025, 3, 1), "E22000360", "Shropshire", None, "demo"),  # February is a gap
        (date(2025, 2, 1), None, None, "no location", "demo"),
        (date(2025, 2, 1), None, None, "outside the force's area", "demo"),
    ]
    pq.write_table(crimes_table(rows), directory / CRIMES_PARQUET)
    population = pa.table(
        {
            "csp_code": ["E22000326"],
            "csp_name": ["Herefordshire"],
            "year": [2023],
            "population": [189_890],
            "source": ["config"],
        },
        schema=POPULATION_SCHEMA,
    )
    pq.write_table(population, directory / POPULATION_PARQUET)
    if report is not None:
        (directory / INGEST_REPORT).write_text(json.dumps(report), encoding="utf-8")
    return directory


def test_months_and_gaps_per_csp_from_crimes(tmp_path):
    status = collect_status(write_processed(tmp_path / "processed"))
    assert status.ingested
    assert status.months_per_csp == {
        "Herefordshire": {"first": "2025-01", "last": "2025-04", "months": 4, "gaps": []},
        # The span of the data is 2025-01..2025-04: Shropshire lacks February and April.
        "Shropshire": {
            "first": "2025-01",
            "last": "2025-03",
            "months": 2,
            "gaps": ["2025-02", "2025-04"],
        },
    }
    assert status.unassigned_by_reason == {"no location": 1, "outside the force's area": 1}
    assert status.tables == {CRIMES_PARQUET: 8, POPULATION_PARQUET: 1}
    assert status.sources_in_data == {"demo": 8}


def test_formatted_status_says_everything(tmp_path):
    text = format_status(collect_status(write_processed(tmp_path / "processed")))
    assert "Last ingest: 2026-11-21T10:00:00+00:00" in text
    assert "SYNTHETIC demonstration data" in text
    assert "demo: 2 file(s)" in text
    assert "Rows: read 9, loaded 8, rejected 1" in text
    assert "rejected, bad month: 1" in text
    assert "crimes.parquet: 8 rows" in text
    assert "Herefordshire: 2025-01 to 2025-04 (4 months); no gaps" in text
    assert "Shropshire: 2025-01 to 2025-03 (2 months); GAPS: 2025-02, 2025-04" in text
    assert "Unassigned rows (kept, in no partnership of their force): 2" in text
    assert "  no location: 1" in text


def test_real_data_is_labelled_and_missing_report_is_said(tmp_path):
    text = format_status(
        collect_status(write_processed(tmp_path / "a", {**REPORT, "synthetic": False}))
    )
    assert "Data: real published data" in text
    text = format_status(collect_status(write_processed(tmp_path / "b", report=None)))
    assert "No ingest_report.json" in text
    assert "Shropshire: 2025-01 to 2025-03" in text  # still computed from crimes.parquet


def test_report_only_falls_back_to_its_months(tmp_path):
    directory = tmp_path / "processed"
    directory.mkdir()
    report = {
        **REPORT,
        "months_per_csp": {"E22000333": ["2025-01", "2025-02", "2025-04"]},
        "missing_months_per_csp": {"E22000333": ["2025-03"]},
        "csps": {"E22000333": "Telford and Wrekin"},
        "notes": [f"note {i}" for i in range(12)],
    }
    (directory / INGEST_REPORT).write_text(json.dumps(report), encoding="utf-8")
    status = collect_status(directory)
    assert status.months_per_csp["Telford and Wrekin"] == {
        "first": "2025-01",
        "last": "2025-04",
        "months": 3,
        "gaps": ["2025-03"],
    }
    text = format_status(status)
    assert "GAPS: 2025-03" in text
    assert "  note 9\n  ... and 2 more in ingest_report.json" in text


def test_gap_ranges_are_collapsed():
    crimes = crimes_table(
        [(date(2024, m, 1), "E1", "A", None, "demo") for m in (1, 5, 6)]
        + [(date(2024, m, 1), "E2", "B", None, "demo") for m in range(1, 7)]
    ).to_pandas()
    info = months_by_csp(crimes)
    assert info["A"]["gaps"] == ["2024-02", "2024-03", "2024-04"]
    text = format_status(DataStatus(dir="x", ingested=True, months_per_csp=info))
    assert "GAPS: 2024-02 to 2024-04" in text


def test_nothing_ingested(tmp_path, capsys):
    status = collect_status(tmp_path / "empty")
    assert not status.ingested
    assert format_status(status).startswith(f"Nothing has been ingested into {tmp_path / 'empty'}")
    assert cli.main(["status", "--dir", str(tmp_path / "empty")]) == 1
    assert "Run `make data`" in capsys.readouterr().out


def test_unreadable_files_are_input_errors(tmp_path):
    directory = tmp_path / "processed"
    directory.mkdir()
    (directory / INGEST_REPORT).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"ingest_report\.json: not valid JSON"):
        collect_status(directory)
    (directory / INGEST_REPORT).write_text("[]", encoding="utf-8")
    with pytest.raises(InputFileError, match="expected a JSON object"):
        collect_status(directory)
    (directory / INGEST_REPORT).unlink()
    (directory / CRIMES_PARQUET).write_bytes(b"not parquet")
    with pytest.raises(InputFileError, match=r"crimes\.parquet: not a readable parquet file"):
        collect_status(directory)


def test_cli_status_text_and_json(tmp_path, capsys):
    directory = write_processed(tmp_path / "processed")
    assert cli.main(["status", "--dir", str(directory)]) == 0
    assert "Months covered per CSP:" in capsys.readouterr().out
    assert cli.main(["status", "--dir", str(directory), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["months_per_csp"]["Shropshire"]["gaps"] == ["2025-02", "2025-04"]


def test_a_report_that_is_not_an_ingest_report_names_the_field(tmp_path):
    directory = tmp_path / "processed"
    directory.mkdir()
    partial = {k: v for k, v in REPORT.items() if k != "rows_read"}
    (directory / INGEST_REPORT).write_text(json.dumps(partial), encoding="utf-8")
    with pytest.raises(InputFileError, match=r"not an ingest report: rows_read: Field required"):
        collect_status(directory)
    (directory / INGEST_REPORT).write_text(json.dumps({**REPORT, "synthetic": "maybe"}))
    with pytest.raises(InputFileError, match=r"not an ingest report: synthetic: "):
        collect_status(directory)


def test_one_rule_for_synthetic_data(tmp_path):
    from csp_analysis.io.ingest_report import data_are_synthetic

    assert data_are_synthetic(write_processed(tmp_path / "demo"))
    # "demo" rows in the crimes table make the data synthetic whatever the report says, and
    # when there is no report at all.
    edited = {**REPORT, "synthetic": False}
    assert data_are_synthetic(write_processed(tmp_path / "edited", edited))
    assert data_are_synthetic(write_processed(tmp_path / "bare", report=None))
    real = tmp_path / "real"
    real.mkdir()
    (real / INGEST_REPORT).write_text(json.dumps(edited), encoding="utf-8")
    assert not data_are_synthetic(real)
    assert not data_are_synthetic(tmp_path / "nothing-here")
