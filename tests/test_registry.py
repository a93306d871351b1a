"""The national area registry: every force, CSP and district of England and Wales, the user's
choices in config/areas.yaml, `csp-analysis areas`, and the shipped table against the ONS files
it is built from."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pandas as pd
import pytest

from csp_analysis.core import cli
from csp_analysis.core.exceptions import ConfigError, UnknownNameError
from csp_analysis.core.paths import PROJECT_ROOT
from csp_analysis.core.registry import REGISTRY_FILE, load_areas, load_registry


def test_the_registry_covers_england_and_wales():
    registry = load_registry()
    assert len(registry.forces) == 43
    assert sum(f.country == "Wales" for f in registry.forces) == 4
    codes = {code for csp in registry.csps for code in csp.ons_codes}
    assert len(codes) == 314
    # 22 Welsh districts in 21 CSPs (Cwm Taf: Merthyr Tydfil and Rhondda Cynon Taf).
    assert sum(code.startswith("W") for code in codes) == 21
    assert sum(d.code.startswith("W") for csp in registry.csps for d in csp.districts) == 22
    assert len(registry.csps) == 300  # seven merged districts report 21 CSPs as 7 areas
    districts = [d.code for csp in registry.csps for d in csp.districts]
    assert len(districts) == len(set(districts)) == 318  # districts of December 2023


def test_names_ids_and_codes():
    areas = load_registry()
    assert areas.csp("E22000332").name == "South Worcestershire"  # ONS: "South Worcester"
    assert areas.csp("E22000332").ons_name == "South Worcester"
    assert areas.csp("herefordshire").ons_name == "Herefordshire, County of"
    assert areas.force_of("leeds").id == "west-yorkshire"
    assert areas.csp("E22000345").id == "leeds"
    assert areas.force("E23000001").id == "metropolitan"
    assert areas.force("London, City of").id == "city-of-london"
    assert areas.force("Devon & Cornwall").id == "devon-and-cornwall"
    assert areas.csp("W14000015").country == "Wales"
    with pytest.raises(UnknownNameError, match=r"unknown CSP 'leds'; did you mean leeds"):
        areas.csp("leds")


def test_merged_districts_report_their_csps_together():
    areas = load_registry()
    bucks = areas.csp("buckinghamshire")
    assert bucks.csp_codes == ["E22000303", "E22000306", "E22000311", "E22000318"]
    assert bucks.ons_name == "Aylesbury Vale / Chiltern / South Bucks / Wycombe"
    assert [d.code for d in bucks.districts] == ["E06000060"]
    assert areas.csp("E22000311") is bucks  # any of its CSP codes finds it
    dorset = areas.csp("E22000367")
    assert dorset.name == "Bournemouth, Christchurch and Poole and Dorset"
    assert sorted(d.name for d in dorset.districts) == [
        "Bournemouth, Christchurch and Poole",
        "Dorset",
    ]


def test_choices_in_areas_yaml(tmp_path):
    path = tmp_path / "areas.yaml"
    path.write_text(
        "forces: [west-yorkshire, 'West Mercia']\ndisplay_names: {leeds: Safer Leeds}\n"
    )
    areas = load_areas(path)
    assert areas.selected == ["west-yorkshire", "west-mercia"]
    assert areas.csp("leeds").name == "Safer Leeds"
    assert len(areas.forces) == 43  # the registry stays national; the batch restricts it
    assert [f.id for f in areas.restrict(areas.selected).forces] == [
        "west-yorkshire",
        "west-mercia",
    ]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("forces: [gotham]\n", r"areas\.yaml: forces: unknown force 'gotham'"),
        (
            "display_names: {atlantis: Atlantis}\n",
            r"areas\.yaml: display_names\.atlantis: unknown CSP",
        ),
        ("forces: west-mercia\n", r"areas\.yaml: forces: .*valid list"),
        ("colour: blue\n", r"areas\.yaml: colour: unknown key"),
    ],
)
def test_each_choice_rule(tmp_path, text, match):
    path = tmp_path / "areas.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=match):
        load_areas(path)


def test_areas_command_lists_every_csp(capsys):
    assert cli.main(["areas", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == [
        "pfa_code", "pfa_name", "csp_code", "csp_name", "csp_id", "population", "population_year",
    ]  # fmt: skip
    assert len(rows) == 314 and len({r["pfa_code"] for r in rows}) == 43
    leeds = next(r for r in rows if r["csp_id"] == "leeds")
    assert leeds["pfa_name"] == "West Yorkshire" and leeds["population_year"] == "2023"
    wycombe = next(r for r in rows if r["csp_code"] == "E22000318")
    assert (wycombe["csp_name"], wycombe["csp_id"]) == ("Wycombe", "buckinghamshire")
    assert cli.main(["areas", "--force", "west-yorkshire"]) == 0
    text = capsys.readouterr().out
    assert "Leeds (leeds; E22000345)" in text and "5 CSP(s)" in text
    assert "Office for National Statistics" in text


@pytest.mark.realdata
def test_populations_sum_to_the_workbooks_districts(shared_data):
    from csp_analysis.io.population import read_district_populations
    from tests.conftest import POPULATION_WORKBOOK

    districts = read_district_populations(POPULATION_WORKBOOK)
    mid_2023 = dict(
        zip(*(districts[districts["year"] == 2023][c] for c in ("code", "population")), strict=True)
    )
    for csp in load_registry().csps:
        assert csp.population[2023] == sum(mid_2023[d.code] for d in csp.districts), csp.id
    assert load_registry().csp("herefordshire").population[2023] == 189_890


@pytest.mark.realdata
def test_the_shipped_registry_is_what_the_script_builds(shared_data, tmp_path):
    """The committed table is exactly the build script's output from the ONS files."""
    shipped = REGISTRY_FILE.read_bytes()
    try:
        subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "scripts" / "build_area_registry.py")],
            check=True,
            capture_output=True,
        )
        assert REGISTRY_FILE.read_bytes() == shipped
    finally:
        REGISTRY_FILE.write_bytes(shipped)


# --------------------------------------------------------------------------- real data, any force


@pytest.mark.realdata
@pytest.mark.slow
def test_west_yorkshire_partnerships_get_their_reports(shared_data, tmp_path):
    """The real West Yorkshire sample (one month of 2016, 2011 LSOAs) ingests with nothing
    configured, and its five partnerships' reports publish."""
    from csp_analysis.batch import runner
    from csp_analysis.io.ingest import ingest
    from tests.conftest import LSOA_LOOKUP, WEST_YORKSHIRE_FILE

    processed = tmp_path / "processed"
    lsoa11 = shared_data / "ons" / "lsoa11_to_lsoa21_best_fit_lookup_england_wales_v2.csv"
    report = ingest(
        police_uk=[WEST_YORKSHIRE_FILE], lsoa_lookup=LSOA_LOOKUP, lsoa11_lookup=lsoa11,
        out=processed,
    )  # fmt: skip
    assert report.forces == {"west-yorkshire": ["2016-07"]}
    out = tmp_path / "reports"
    csps = ["leeds", "bradford", "E22000343", "kirklees", "wakefield"]  # an ONS code works too
    code = cli.main(
        ["run", "--processed-dir", str(processed), "--out", str(out), "--report",
         "all_crime_summary", "--report", "partnership_comparison", "--workers", "2",
         "--no-progress", *(arg for csp in csps for arg in ("--csp", csp))]
    )  # fmt: skip
    assert code == 0
    pages = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.html") if "_executed" not in p.parts
    )
    assert pages == [
        "accessibility.html", "bradford/all_crime_summary.html",
        "calderdale/all_crime_summary.html", "index-west-yorkshire.html", "index.html",
        "kirklees/all_crime_summary.html",
        "leeds/all_crime_summary.html", "wakefield/all_crime_summary.html",
        "west-yorkshire/partnership_comparison.html",
    ]  # fmt: skip
    leeds = (out / "leeds" / "all_crime_summary.html").read_text()
    assert "Leeds: all crime summary, year ending July 2016" in leeds
    # A partnership of a force with no data is said plainly.
    with pytest.raises(
        runner.ReportError, match=r"Herefordshire \(herefordshire\) is in West Mercia"
    ):
        runner.plan_batch(
            runner.RunOptions(csps=["herefordshire"], processed_dir=processed, out_dir=out)
        )


@pytest.mark.realdata
def test_sixteen_months_of_real_west_mercia_data_compare_with_last_year(shared_data, tmp_path):
    """January-April 2024 with the 2025 files: the same months a year earlier exist, so the
    year-to-date comparison works on real data; where last year's months are missing it says so."""
    from csp_analysis.analysis import same_period
    from csp_analysis.io.ingest import ingest
    from csp_analysis.report import review
    from tests.conftest import LSOA_LOOKUP, WEST_MERCIA_DIR

    processed = tmp_path / "processed"
    report = ingest(
        police_uk=[shared_data / "police_uk" / "west-mercia-earlier", WEST_MERCIA_DIR],
        lsoa_lookup=LSOA_LOOKUP,
        out=processed,
    )
    assert len(report.forces["west-mercia"]) == 16
    assert all(len(months) == 16 for months in report.months_per_csp.values())
    ctx = review.load_context(csp="herefordshire", period_end="2025-04", processed_dir=processed)
    item = review.focus(ctx)
    frame = pd.DataFrame({"month": item.monthly.index, "count": item.monthly.to_numpy()})
    april = same_period.year_to_date(frame, "2025-04")
    assert april.available and april.current_label == "April 2025"
    assert (
        april.current == item.monthly["2025-04-01"] and april.previous == item.monthly["2024-04-01"]
    )
    # The year to date to December 2025 would need May to December 2024: not in the data.
    december = review.load_context(
        csp="herefordshire", period_end="2025-12", processed_dir=processed
    )
    monthly = review.focus(december).monthly
    later = same_period.year_to_date(
        pd.DataFrame({"month": monthly.index, "count": monthly.to_numpy()}), "2025-12"
    )
    assert not later.available
    assert "May 2024" in later.reason, later.reason
