"""The ingest command end to end: accounting, assignment, enrichment, staging and the report."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pytest

from csp_analysis.core import cli
from csp_analysis.core.exceptions import ConfigError, IngestError, InputFileError
from csp_analysis.core.schema import (
    CRIMES_SCHEMA,
    UNASSIGNED_LSOA11_NO_LOOKUP,
    UNASSIGNED_LSOA_NOT_IN_LOOKUP,
    UNASSIGNED_NO_LOCATION,
    UNASSIGNED_OUTSIDE_AREAS,
)
from csp_analysis.io.crimes import REJECT_EXTRACT_DUPLICATE_ID, REJECT_EXTRACT_UNMATCHED
from csp_analysis.io.ingest import ingest
from csp_analysis.io.ingest_report import IngestReport
from csp_analysis.io.police_uk import REJECT_BAD_MONTH, REJECT_DUPLICATE, STREET_HEADER
from tests.conftest import (
    CSP_LOOKUP,
    HOME_OFFICE_PFA,
    LSOA_LOOKUP,
    POPULATION_WORKBOOK,
    WEST_MERCIA_DIR,
    WEST_YORKSHIRE_FILE,
)

# One synthetic LSOA per configured CSP, plus one in Birmingham (outside West Mercia).
LSOAS = {
    "E01014001": ("Herefordshire 001A", "E06000019"),
    "E01028001": ("Shropshire 001A", "E06000051"),
    "E01014100": ("Telford and Wrekin 001A", "E06000020"),
    "E01032001": ("Bromsgrove 001A", "E07000234"),
    "E01032500": ("Worcester 001A", "E07000237"),
    "E01009160": ("Birmingham 125E", "E08000025"),
}
CSP_OF = {
    "E01014001": "E22000326",
    "E01028001": "E22000360",
    "E01014100": "E22000333",
    "E01032001": "E22000368",
    "E01032500": "E22000332",
}
EXTRACT_HEADER = (
    "CrimeRef,RecordedMonth,LSOA,HOOffenceCode,HOOffenceSubgroup,PoliceUKCategory,"
    "DomesticAbuse,HateFlag,AlcoholFlag,VictimSex,Outcome"
)


def crime_id(n: int) -> str:
    return f"{n:064x}"


def street_row(n, month="2025-01", lsoa="E01014001", crime_type="Violence and sexual offences"):
    name = LSOAS.get(lsoa, ("Somewhere 001A", ""))[0] if lsoa else ""
    cid = "" if crime_type == "Anti-social behaviour" else crime_id(n)
    outcome = "" if crime_type == "Anti-social behaviour" else "Under investigation"
    location = "On or near High Street" if lsoa else "No location"
    coords = "-2.7,52.05" if lsoa else ","
    return (
        f"{cid},{month},West Mercia Police,West Mercia Police,{coords},{location},{lsoa},"
        f"{name},{crime_type},{outcome},"
    )


@pytest.fixture()
def inputs(tmp_path):
    """A small raw-data tree: LSOA lookup, two months of street files, a local extract."""
    raw = tmp_path / "raw"
    (raw / "police_uk").mkdir(parents=True)
    lookup = raw / "lsoa_lookup.csv"
    lines = ["LSOA21CD,LSOA21NM,LSOA21NMW,WD23CD,WD23NM,WD23NMW,LAD23CD,LAD23NM,LAD23NMW,ObjectId"]
    for i, (code, (name, lad)) in enumerate(LSOAS.items()):
        lines.append(f"{code},{name},,E05000001,Ward,,{lad},District,,{i}")
    lookup.write_text("\n".join(lines) + "\n")
    n = 0
    for month in ("2025-01", "2025-02"):
        rows = []
        for code in LSOAS:
            n += 1
            rows.append(street_row(n, month, code))
        rows.append(street_row(n + 1, month, "", "Anti-social behaviour"))
        rows.append(street_row(n + 2, month, "E01999999"))  # not in the lookup
        n += 2
        path = raw / "police_uk" / f"{month}-west-mercia-street.csv"
        path.write_text("\n".join([",".join(STREET_HEADER), *rows]) + "\n")
    extract = raw / "local_extract.csv"
    extract.write_text(
        "\n".join(
            [
                EXTRACT_HEADER,
                f"{crime_id(1)},2025-01,E01014001,8N,Violence with injury,"
                "Violence and sexual offences,Y,N,Y,F,Under investigation",
                f"{crime_id(2)},2025-01,E01028001,105A,Violence without injury,"
                "Violence and sexual offences,N,N,N,M,Under investigation",
                f"{crime_id(999)},2025-01,E01014001,105A,Violence without injury,"
                "Violence and sexual offences,N,N,N,F,Under investigation",
                f"{crime_id(2)},2025-01,E01028001,105A,Violence without injury,"
                "Violence and sexual offences,N,N,N,M,Under investigation",
            ]
        )
        + "\n"
    )
    return raw


def read_report(out):
    return IngestReport.read(out)


def test_small_ingest_assigns_and_accounts_for_every_row(inputs, tmp_path):
    out = tmp_path / "processed"
    report = ingest(
        police_uk=[inputs / "police_uk"], lsoa_lookup=inputs / "lsoa_lookup.csv", out=out
    )
    crimes = pd.read_parquet(out / "crimes.parquet")
    assert len(crimes) == 16 == report.crimes_rows
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    assert report.unassigned_by_reason == {
        UNASSIGNED_NO_LOCATION: 2,
        UNASSIGNED_LSOA_NOT_IN_LOOKUP: 2,
        UNASSIGNED_OUTSIDE_AREAS: 2,
    }
    assigned = crimes[crimes["unassigned_reason"].isna()]
    assert dict(zip(assigned["lsoa_code"], assigned["csp_code"], strict=True)) == CSP_OF
    assert set(assigned["csp_name"]) == {
        "Herefordshire", "Shropshire", "Telford and Wrekin", "North Worcestershire",
        "South Worcestershire",
    }  # fmt: skip
    outside = crimes[crimes["unassigned_reason"] == UNASSIGNED_OUTSIDE_AREAS]
    assert set(outside["lad_code"]) == {"E08000025"} and outside["csp_code"].isna().all()
    assert crimes["source"].eq("police_uk").all()
    assert crimes["month"].min() == date(2025, 1, 1)
    assert crimes["source_row"].tolist()[:3] == [2, 3, 4]
    assert report.months_per_csp["E22000326"] == ["2025-01", "2025-02"]
    assert report.missing_months_per_csp["E22000326"] == []
    assert report.synthetic is False
    assert pq.read_schema(out / "crimes.parquet").remove_metadata() == CRIMES_SCHEMA
    meta = pq.ParquetFile(out / "crimes.parquet").metadata.metadata
    assert meta[b"csp_analysis.synthetic"] == b"false"
    population = pd.read_parquet(out / "population.parquet")
    # Every partnership of England and Wales gets its population (rates, peer groups).
    assert set(CSP_OF.values()) <= set(population["csp_code"])
    assert population["csp_code"].nunique() == 300
    assert report.sources["population"]["name"] == "config/areas.yaml"


def test_local_extract_enriches_by_crime_id(inputs, tmp_path):
    out = tmp_path / "processed"
    report = ingest(
        police_uk=[inputs / "police_uk"],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        local_extract=inputs / "local_extract.csv",
        out=out,
    )
    crimes = pd.read_parquet(out / "crimes.parquet")
    first = crimes.loc[crimes["source_row"].eq(2) & crimes["month"].eq(date(2025, 1, 1))].iloc[0]
    assert first["offence_code"] == "8N"
    assert first["domestic_abuse"] == True and first["alcohol"] == True  # noqa: E712
    assert first["victim_sex"] == "F"
    assert crimes["offence_code"].notna().sum() == 2  # crime IDs 1 and 2 only
    table = report.tables["local_extract"]
    assert table["rows_read"] == 4 and table["rows_loaded"] == 2
    assert table["rejected_by_reason"][REJECT_EXTRACT_UNMATCHED]["rows"] == 1
    assert table["rejected_by_reason"][REJECT_EXTRACT_UNMATCHED]["examples"][0]["where"] == (
        "local_extract.csv:4"
    )
    assert table["rejected_by_reason"][REJECT_EXTRACT_DUPLICATE_ID]["examples"][0]["where"] == (
        "local_extract.csv:5"
    )
    assert report.rows_read == report.rows_loaded + report.rows_rejected


def test_local_extract_alone_becomes_the_crimes(inputs, tmp_path):
    out = tmp_path / "processed"
    report = ingest(
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        local_extract=inputs / "local_extract.csv",
        out=out,
    )
    crimes = pd.read_parquet(out / "crimes.parquet")
    assert len(crimes) == 4 and crimes["source"].eq("local_extract").all()
    assert crimes["csp_code"].tolist() == ["E22000326", "E22000360", "E22000326", "E22000360"]
    assert crimes["force"].eq("west-mercia").all()
    assert crimes["lsoa_name"].iloc[0] == "Herefordshire 001A"  # from the lookup
    assert report.tables["crimes"]["rows_read"] == 4


def test_bad_rows_are_reported_with_file_and_line(inputs, tmp_path):
    path = inputs / "police_uk" / "2025-01-west-mercia-street.csv"
    path.write_text(path.read_text() + street_row(77, month="2025-1x") + "\n")
    report = ingest(
        police_uk=[inputs / "police_uk"],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        out=tmp_path / "out",
    )
    entry = report.rejected_by_reason[REJECT_BAD_MONTH]
    assert entry["rows"] == 1
    assert entry["examples"][0]["where"] == "2025-01-west-mercia-street.csv:10"
    assert report.rows_read == report.rows_loaded + 1


def test_duplicate_force_month_is_rejected_and_reported(inputs, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    source = inputs / "police_uk" / "2025-01-west-mercia-street.csv"
    (copy / source.name).write_bytes(source.read_bytes())
    report = ingest(
        police_uk=[inputs / "police_uk", copy],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        out=tmp_path / "out",
    )
    assert report.crimes_rows == 16  # not 24
    assert report.rejected_by_reason[REJECT_DUPLICATE]["rows"] == 8
    assert report.duplicates[0]["month"] == "2025-01"
    assert report.duplicates[0]["rows_rejected"] == 8


def test_missing_months_are_listed(inputs, tmp_path):
    march = inputs / "police_uk" / "2025-03-west-mercia-street.csv"
    march.write_text(",".join(STREET_HEADER) + "\n" + street_row(500, "2025-03") + "\n")
    (inputs / "police_uk" / "2025-02-west-mercia-street.csv").unlink()
    report = ingest(
        police_uk=[inputs / "police_uk"],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        out=tmp_path / "out",
    )
    assert report.months_per_csp["E22000326"] == ["2025-01", "2025-03"]
    assert report.missing_months_per_csp["E22000326"] == ["2025-02"]
    assert report.missing_months_per_csp["E22000360"] == ["2025-02", "2025-03"]


def test_failed_ingest_leaves_previous_data_intact(inputs, tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / "README.md").write_text("keep me")
    ingest(
        police_uk=[inputs / "police_uk"],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        indicators=None,
        out=out,
    )
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    bad = inputs / "police_uk" / "2025-02-west-mercia-street.csv"
    bad.write_text("Crime ID,Month\nx,2025-02\n")
    with pytest.raises(InputFileError, match="missing column"):
        ingest(police_uk=[inputs / "police_uk"], lsoa_lookup=inputs / "lsoa_lookup.csv", out=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if ".ingest-" in p.name] == []


def test_new_ingest_replaces_outputs_it_does_not_produce(inputs, tmp_path):
    out = tmp_path / "processed"
    out.mkdir()
    (out / "indicators.parquet").write_bytes(b"from an earlier ingest")
    (out / ".gitkeep").write_text("")
    ingest(police_uk=[inputs / "police_uk"], lsoa_lookup=inputs / "lsoa_lookup.csv", out=out)
    names = {p.name for p in out.iterdir()}
    assert names == {".gitkeep", "crimes.parquet", "population.parquet", "ingest_report.json"}


def test_nothing_to_ingest_and_missing_lookup(inputs, tmp_path):
    with pytest.raises(IngestError, match="nothing to ingest"):
        ingest(out=tmp_path / "out")
    with pytest.raises(IngestError, match="--lsoa-lookup is required"):
        ingest(police_uk=[inputs / "police_uk"], out=tmp_path / "out")


def test_demo_directory_needs_its_marker(inputs, tmp_path):
    with pytest.raises(IngestError, match="not a demo data directory"):
        ingest(demo=inputs, out=tmp_path / "out")


def test_demo_layout_marks_data_synthetic(inputs, tmp_path):
    (inputs / "DEMO_DATA").write_text("Synthetic demonstration data\n")
    out = tmp_path / "out"
    report = ingest(demo=inputs, out=out)
    assert report.synthetic is True
    crimes = pd.read_parquet(out / "crimes.parquet")
    assert crimes["source"].eq("demo").all()
    assert crimes["offence_code"].notna().sum() == 2  # the demo's local extract was joined
    meta = pq.ParquetFile(out / "crimes.parquet").metadata.metadata
    assert meta[b"csp_analysis.synthetic"] == b"true"


def test_cli_reports_bad_input_without_traceback(inputs, tmp_path, capsys):
    bad = inputs / "police_uk" / "2025-02-west-mercia-street.csv"
    bad.write_bytes(b"")
    code = cli.main(
        ["ingest", "--police-uk", str(inputs / "police_uk"), "--lsoa-lookup",
         str(inputs / "lsoa_lookup.csv"), "--out", str(tmp_path / "out")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "csp-analysis ingest: error:" in err and "file is empty" in err
    assert "Traceback" not in err


def test_progress_bar(inputs, tmp_path, capsys):
    ingest(
        police_uk=[inputs / "police_uk"],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        out=tmp_path / "out",
        progress=True,
    )
    assert "police.uk: 100%" in capsys.readouterr().err


# --------------------------------------------------------------------------- real files


@pytest.mark.realdata
@pytest.mark.slow
def test_cli_example_on_real_west_mercia_files(shared_data, tmp_path, capsys):
    out = tmp_path / "wm"
    code = cli.main(
        ["ingest", "--police-uk", str(WEST_MERCIA_DIR), "--lsoa-lookup", str(LSOA_LOOKUP),
         "--csp-lookup", str(CSP_LOOKUP), "--population", str(POPULATION_WORKBOOK),
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "rows read 102,105 = loaded 102,105 + rejected 0" in printed
    crimes = pd.read_parquet(out / "crimes.parquet")
    report = read_report(out)
    assert len(crimes) == 102_105  # every row is in the output
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    assert report.tables["crimes"] == {
        "rows_read": 102_105, "rows_loaded": 102_105, "rows_rejected": 0,
        "rejected_by_reason": {},
    }  # fmt: skip
    assert report.unassigned_by_reason == {
        UNASSIGNED_NO_LOCATION: 1_962,
        UNASSIGNED_OUTSIDE_AREAS: 348,
    }
    assert crimes["unassigned_reason"].value_counts().to_dict() == report.unassigned_by_reason
    assert report.rows_per_csp == {
        "E22000326": 11_948, "E22000360": 19_984, "E22000333": 18_388,
        "E22000368": 23_636, "E22000332": 25_839,
    }  # fmt: skip
    assert sum(report.rows_per_csp.values()) == 102_105 - 1_962 - 348
    assert all(len(months) == 12 for months in report.months_per_csp.values())
    assert all(missing == [] for missing in report.missing_months_per_csp.values())
    assert report.files_read == 12
    assert report.sources["csp_lookup"]["sha256"]
    population = pd.read_parquet(out / "population.parquet")
    herefordshire_2023 = population.query("csp_code == 'E22000326' and year == 2023")
    assert herefordshire_2023["population"].item() == 189_890


@pytest.mark.realdata
def test_real_west_yorkshire_2011_lsoas_without_lsoa11_lookup(shared_data, tmp_path):
    report = ingest(police_uk=[WEST_YORKSHIRE_FILE], lsoa_lookup=LSOA_LOOKUP, out=tmp_path / "wy")
    assert report.crimes_rows == 27_176
    assert report.forces == {"west-yorkshire": ["2016-07"]}
    # 2011 LSOAs retired in 2021 cannot be placed without the LSOA11 lookup; unchanged ones
    # keep their code and are placed in West Yorkshire's partnerships, nationally, with nothing
    # configured; 71 rows lie in partnerships of neighbouring forces.
    assert report.unassigned_by_reason == {
        UNASSIGNED_NO_LOCATION: 1_347,
        UNASSIGNED_LSOA11_NO_LOOKUP: 964,
        UNASSIGNED_OUTSIDE_AREAS: 71,
    }
    assert set(report.csps.values()) == {"Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"}
    assert sum(report.rows_per_csp.values()) == 27_176 - 1_347 - 964 - 71


@pytest.mark.realdata
def test_real_west_yorkshire_with_the_lsoa11_lookup_places_every_located_row(shared_data, tmp_path):
    from tests.conftest import SHARED_DATA_DIR

    lsoa11 = SHARED_DATA_DIR / "ons" / "lsoa11_to_lsoa21_best_fit_lookup_england_wales_v2.csv"

    report = ingest(
        police_uk=[WEST_YORKSHIRE_FILE],
        lsoa_lookup=LSOA_LOOKUP,
        lsoa11_lookup=lsoa11,
        out=tmp_path / "wy",
    )
    # Every row with a location is in a West Yorkshire partnership, or (71 rows, snap points over
    # the boundary) counted as in another force's area; none is lost or left unplaced.
    assert report.unassigned_by_reason == {
        UNASSIGNED_NO_LOCATION: 1_347,
        UNASSIGNED_OUTSIDE_AREAS: 71,
    }
    assert sum(report.rows_per_csp.values()) == 27_176 - 1_347 - 71
    assert report.rows_read == report.rows_loaded == 27_176


@pytest.mark.realdata
def test_csp_lookup_disagreeing_with_areas_is_an_error(shared_data, tmp_path):
    # A lookup of another date, in which Worcester belongs to another CSP than the registry's.
    lookup = tmp_path / "csp_lookup.csv"
    text = CSP_LOOKUP.read_text(encoding="utf-8-sig")
    lookup.write_text(
        text.replace("E07000237,Worcester,E22000332", "E07000237,Worcester,E22000368")
    )
    with pytest.raises(
        ConfigError,
        match=r"E07000237: in partnership E22000332 \(South Worcestershire\) but csp_lookup\.csv puts it in E22000368",
    ):
        ingest(
            police_uk=[WEST_MERCIA_DIR],
            lsoa_lookup=LSOA_LOOKUP,
            csp_lookup=lookup,
            out=tmp_path / "out",
        )


@pytest.mark.realdata
def test_home_office_table_is_loaded(shared_data, inputs, tmp_path):
    out = tmp_path / "out"
    report = ingest(
        police_uk=[inputs / "police_uk"],
        lsoa_lookup=inputs / "lsoa_lookup.csv",
        home_office=HOME_OFFICE_PFA,
        out=out,
    )
    table = report.tables["home_office"]
    assert table["rows_read"] == table["rows_loaded"] + table["rows_rejected"]
    home_office = pd.read_parquet(out / "home_office.parquet")
    assert len(home_office) == table["rows_loaded"] > 0
    assert report.sources["home_office"]["sha256"]
