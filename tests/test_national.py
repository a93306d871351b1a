"""National comparison: Home Office CSP-level tables, national counts, overdispersed funnels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis import national, rates
from csp_analysis.analysis.peers import PeerGroup
from csp_analysis.core.config import load_priorities
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.core.registry import load_registry
from csp_analysis.io.home_office import (
    REJECT_CSP,
    REJECT_SUPERSEDED,
    read_home_office_table,
    read_home_office_tables,
)

# The Home Office CSP open data tables' published columns, in two editions' spellings.
SPACED = ["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description",
          "Offence Group", "Offence Subgroup", "Offence Code", "Number of Offences"]  # fmt: skip
UNDERSCORED = ["Financial_Year", "Financial_Quarter", "Force_Name", "Community_Safety_Partnership",
               "Offence_Description", "Offence_Group", "Offence_Subgroup", "Offence_Code",
               "Number_of_Offences"]  # fmt: skip
ROBBERY = ("Robbery of personal property", "Robbery", "Robbery of personal property", "34B")
BURGLARY = ("Burglary - residential", "Theft offences", "Domestic burglary", "28E")
FRAUD = ("Action Fraud", "Fraud offences", "Fraud: action fraud", "53A")


def _rows(csp: str, year: str, quarters, offence, count, force="West Mercia"):
    return [[year, q, force, csp, *offence, count] for q in quarters]


def _csv(path, columns, rows):
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


def test_csp_names_of_every_edition_find_their_partnership(tmp_path):
    rows = (
        _rows("Herefordshire, County of", "2024/25", [1], ROBBERY, 12)
        + _rows("South Worcester", "2024/25", [1], ROBBERY, 7)
        + _rows("SOUTH WORCESTERSHIRE CSP", "2024/25", [2], ROBBERY, 9)
        + _rows("Telford & Wrekin Community Safety Partnership", "2024/25", [1], ROBBERY, 4)
        + _rows("Atlantis", "2024/25", [1], ROBBERY, 5)
    )
    result = read_home_office_table(_csv(tmp_path / "csp.csv", SPACED, rows))
    registry = load_registry()
    codes = list(result.frame["partnership_code"])
    assert codes == [registry.csp(n).code for n in ("herefordshire", "south-worcestershire",
                                                     "south-worcestershire", "telford-and-wrekin")]  # fmt: skip
    assert result.rejections.counts[REJECT_CSP] == 1
    assert result.rejections.examples[REJECT_CSP][0].where() == "csp.csv:6"
    assert result.rows_read == 5 == result.rows_loaded + result.rejections.total


def test_merged_partnerships_are_counted_as_one_area(tmp_path):
    rows = _rows("Allerdale", "2024/25", [1], ROBBERY, 3) + _rows(
        "Carlisle", "2024/25", [1], ROBBERY, 4
    )
    frame = read_home_office_table(_csv(tmp_path / "c.csv", SPACED, rows)).frame
    assert frame["partnership_code"].nunique() == 1
    assert load_registry().csp(frame["partnership_code"].iloc[0]).name == "Cumberland"


def test_a_later_edition_replaces_an_earlier_ones_quarters(tmp_path):
    older = _csv(
        tmp_path / "older.csv",
        UNDERSCORED,
        _rows("Shropshire", "2024/25", [1, 2], ROBBERY, 10)
        + _rows("Shropshire", "2024/25", [2], BURGLARY, 5),
    )
    newer = _csv(
        tmp_path / "newer.csv", SPACED, _rows("Shropshire", "2024/25", [2, 3], ROBBERY, 11)
    )
    result = read_home_office_tables([older, newer])
    frame = result.frame
    assert sorted(zip(frame["financial_quarter"], frame["source_file"], strict=True)) == [
        (1, "older.csv"), (2, "newer.csv"), (3, "newer.csv")
    ]  # fmt: skip
    # Both of the older file's Q2 rows (robbery and burglary) are superseded, with their lines.
    assert result.rejections.counts[REJECT_SUPERSEDED] == 2
    assert [e.where() for e in result.rejections.examples[REJECT_SUPERSEDED]] == [
        "older.csv:3", "older.csv:4"
    ]  # fmt: skip
    assert result.rows_read == 5 == result.rows_loaded + result.rejections.total


def test_the_same_file_given_twice_is_counted_once(tmp_path):
    path = _csv(
        tmp_path / "t.csv", SPACED, _rows("Shropshire", "2024/25", [1, 2, 3, 4], ROBBERY, 10)
    )
    result = read_home_office_tables([path, path])
    assert result.rows_loaded == 4
    assert result.rejections.counts[REJECT_SUPERSEDED] == 4
    assert int(result.frame["count"].sum()) == 40


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_a_published_workbook_with_notes_above_the_table_is_read(tmp_path, suffix):
    rows = _rows("Wiltshire", "2023/24", [1, 2], ROBBERY, 21, force="Wiltshire")
    notes = [["Police recorded crime by Community Safety Partnership"] + [""] * 8,
             ["Source: Home Office"] + [""] * 8, [""] * 9, SPACED]  # fmt: skip
    sheet = pd.DataFrame(notes + rows)
    path = tmp_path / f"prc-csp{suffix}"
    with pd.ExcelWriter(path, engine="openpyxl" if suffix == ".xlsx" else "odf") as writer:
        pd.DataFrame([["Contents"]]).to_excel(
            writer, sheet_name="Contents", header=False, index=False
        )
        sheet.to_excel(writer, sheet_name="2023-24", header=False, index=False)
    result = read_home_office_table(path)
    assert result.rows_loaded == 2
    assert set(result.frame["source_file"]) == {path.name}
    assert result.frame["partnership_code"].iloc[0] == load_registry().csp("wiltshire").code


# --------------------------------------------------------------------------- national counts


def _table(tmp_path, rows):
    return read_home_office_table(_csv(tmp_path / "n.csv", SPACED, rows)).frame


def test_national_counts_take_four_quarters_and_leave_out_fraud(tmp_path):
    all_crime = load_priorities().get("all_crime")
    rows = (
        _rows("Shropshire", "2024/25", [1, 2, 3, 4], ROBBERY, 10)
        + _rows("Shropshire", "2024/25", [4], BURGLARY, 3)
        + _rows("Shropshire", "2024/25", [4], FRAUD, 100)
        + _rows("Shropshire", "2025/26", [1], ROBBERY, 1000)  # after the year
        + _rows("Wiltshire", "2024/25", [2, 3, 4], ROBBERY, 10, force="Wiltshire")  # Q1 missing
    )
    counts = national.national_counts(_table(tmp_path, rows), all_crime, pd.Timestamp("2025-03-01"))
    registry = load_registry()
    assert counts.count(registry.csp("shropshire").code) == 43
    assert counts.count(registry.csp("wiltshire").code) is None
    assert counts.incomplete == (registry.csp("wiltshire").code,)
    burglary = national.national_counts(
        _table(tmp_path, rows), national.RESIDENTIAL_BURGLARY_SUBGROUPS, pd.Timestamp("2025-03-01")
    )
    assert burglary.count(registry.csp("shropshire").code) == 3


def test_a_year_ending_any_quarter(tmp_path):
    all_crime = load_priorities().get("all_crime")
    rows = _rows("Shropshire", "2024/25", [1, 2, 3, 4], ROBBERY, 10) + _rows(
        "Shropshire", "2025/26", [1], ROBBERY, 20
    )
    counts = national.national_counts(_table(tmp_path, rows), all_crime, pd.Timestamp("2025-06-01"))
    assert counts.count(load_registry().csp("shropshire").code) == 50


@pytest.mark.parametrize(
    ("priority", "end", "message"),
    [("all_crime", "2025-02-01", "not the last month of a quarter"),
     ("domestic_abuse", "2025-03-01", "cannot be counted from the Home Office offence codes"),
     ("all_crime", "2027-03-01", "no quarter of the year ending March 2027"),
     ("asb", "2025-03-01", "hold no records of anti-social behaviour")],
)  # fmt: skip
def test_national_counts_refuse_what_they_cannot_count(tmp_path, priority, end, message):
    rows = _rows("Shropshire", "2024/25", [1, 2, 3, 4], ROBBERY, 10)
    with pytest.raises(AnalysisError, match=message):
        national.national_counts(
            _table(tmp_path, rows), load_priorities().get(priority), pd.Timestamp(end)
        )


def test_latest_quarter_end():
    assert national.latest_quarter_end(pd.Timestamp("2026-03-01")) == pd.Timestamp("2026-03-01")
    assert national.latest_quarter_end(pd.Timestamp("2026-02-01")) == pd.Timestamp("2025-12-01")
    assert national.latest_quarter_end(pd.Timestamp("2025-07-15")) == pd.Timestamp("2025-06-01")


def test_the_peer_table_rounds_populations_and_averages_the_rates():
    registry = load_registry()
    codes = [registry.csp(n).code for n in ("herefordshire", "shropshire", "wiltshire")]
    counts = national.NationalCounts(
        pd.DataFrame({"area_code": codes, "count": [10000, 20000, 30000]}),
        pd.Timestamp("2025-03-01"),
        "home_office",
    )
    group = PeerGroup(codes[0], tuple(codes[1:]) + ("E22000001x",), "user", "test")
    table = national.peer_table(counts, group, registry, 2023)
    populations = {c.code: c.population[2023] for c in registry.csps if c.code in codes}
    expected_rates = [
        n / populations[c] * 1000 for c, n in zip(codes, [10000, 20000, 30000], strict=True)
    ]
    assert table["group_average"].iloc[0] == pytest.approx(np.mean(expected_rates))
    row = table.set_index("area_code").loc[codes[0]]
    assert row["population_rounded"] == round(populations[codes[0]] / 100) * 100
    assert table.attrs["missing"] == ["E22000001x"]
    with pytest.raises(AnalysisError, match="the partnership itself has no count"):
        national.peer_table(
            counts, PeerGroup("E22000999", tuple(codes), "user", "t"), registry, 2023
        )


# --------------------------------------------------------------------------- overdispersion


def test_no_overdispersion_when_areas_vary_by_chance_alone():
    rng = np.random.default_rng(3)
    pops = rng.integers(50_000, 600_000, 300).astype(float)
    counts = rng.poisson(pops * 80 / 1000)
    assert rates.overdispersion(counts, pops, 80.0) == pytest.approx(0.0, abs=2.0)


def test_overdispersion_recovers_a_known_between_area_spread():
    # Rates drawn with a between-area SD of 20 per 1,000 around 80, so tau^2 = 400. Spiegelhalter's
    # estimate Winsorises the z-scores at 10%/90%, which for normal effects keeps about 0.68 of
    # their variance (E[min(z^2, 1.2816^2)] = 0.679): expected near 270, by design robust to
    # outliers at the cost of limits a little narrow (about 87% inside the 95% limits).
    rng = np.random.default_rng(4)
    pops = rng.integers(50_000, 600_000, 2000).astype(float)
    true_rates = rng.normal(80, 20, len(pops)).clip(5)
    counts = rng.poisson(pops * true_rates / 1000)
    tau2 = rates.overdispersion(counts, pops, 80.0)
    assert 200 < tau2 < 320
    limits = rates.overdispersed_funnel_limits(pops, 80.0, tau2)
    rate = counts / pops * 1000
    inside = (rate >= limits["lower_95"]) & (rate <= limits["upper_95"])
    assert 0.83 < inside.mean() < 0.92
    # Without the adjustment almost every area would be "outside": the point of it.
    poisson = rates.funnel_limits(pops, 80.0)
    assert ((rate >= poisson["lower_95"]) & (rate <= poisson["upper_95"])).mean() < 0.3


def test_overdispersed_limits_reduce_to_poisson_ones_without_overdispersion():
    grid = np.array([100_000.0, 400_000.0])
    wide = rates.overdispersed_funnel_limits(grid, 80.0, 0.0)
    exact = rates.funnel_limits(grid, 80.0)
    assert np.allclose(wide["upper_95"], exact["upper_95"], rtol=0.01)
    with pytest.raises(AnalysisError, match="tau"):
        rates.overdispersed_funnel_limits(grid, 80.0, -1.0)


def test_police_uk_counts_need_all_twelve_months():
    months = pd.date_range("2025-01-01", "2025-12-01", freq="MS")
    monthly = pd.concat(
        [
            pd.DataFrame({"area_code": "A", "month": months, "count": 10}),
            pd.DataFrame({"area_code": "B", "month": months[1:], "count": 10}),
        ]
    )
    counts = national.police_uk_counts(monthly, pd.Timestamp("2025-12-01"))
    assert counts.count("A") == 120 and counts.count("B") is None
    assert counts.incomplete == ("B",) and counts.source == "police_uk"
    with pytest.raises(AnalysisError, match="no partnership has police.uk data"):
        national.police_uk_counts(monthly, pd.Timestamp("2027-12-01"))


def test_the_demo_ingest_loads_the_national_tables_of_both_editions():
    import json

    from csp_analysis.core.paths import PROCESSED_DIR

    report_path = PROCESSED_DIR / "ingest_report.json"
    if not report_path.is_file():
        pytest.fail("no demo data in data/processed: run `make data` (make test does)")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    table = report["tables"]["home_office"]
    assert table["rows_read"] == table["rows_loaded"] > 0
    assert len(report["sources"]["home_office"]["files"]) == 2
    frame = pd.read_parquet(PROCESSED_DIR / "home_office.parquet")
    # Every partnership area of England and Wales, resolved from the names alone.
    assert frame["partnership_code"].nunique() == len(load_registry().csps) == 300


# --------------------------------------------------------------------------- on the page


@pytest.fixture(scope="module")
def demo_contexts():
    from csp_analysis.core.paths import PROCESSED_DIR
    from csp_analysis.report import review

    if not (PROCESSED_DIR / "crimes.parquet").is_file():
        pytest.fail("no demo data in data/processed: run `make data` (make test does)")
    return {
        "summary": review.load_context(csp="herefordshire", period_end="2026-03"),
        "neighbourhood": review.load_context(
            csp="herefordshire", priority="neighbourhood_crime", period_end="2026-03"
        ),
        "domestic": review.load_context(
            csp="herefordshire", priority="domestic_abuse", period_end="2026-03"
        ),
        "wales_free": review.load_context(csp="shropshire", period_end="2026-03"),
    }


def _text(section) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", section.html()).split())


def test_the_summary_shows_the_group_from_other_forces_with_the_average(demo_contexts, monkeypatch):
    from csp_analysis.report import review

    monkeypatch.setenv(review.STRICT_ENV, "1")
    ctx = demo_contexts["summary"]
    section = review.most_similar_group(ctx)
    table = section.tables["most-similar-group"]
    members = table.drop(index="Group average (mean of the rates)")
    assert len(members) == 8
    assert "Herefordshire (this partnership)" in members.index
    assert (members["Police force area"] != "West Mercia").sum() >= 4
    rates_shown = members["Rate per 1,000 population"].astype(float)
    # The group average is the mean of the (unrounded) rates: within rounding of the shown ones.
    average = float(table.loc["Group average (mean of the rates)", "Rate per 1,000 population"])
    assert abs(average - rates_shown.mean()) < 0.5
    text = _text(section)
    assert "nearest neighbours on ONS indicators, not the Home Office MSG" in text
    assert "synthetic" in text
    found = review.key_findings(ctx)
    assert any("partnerships in its most similar group" in s for s in found.parts[0].sentences)


def test_a_users_group_is_used_and_named_on_the_page(demo_contexts, monkeypatch, tmp_path):
    import dataclasses

    from csp_analysis.core.registry import load_areas
    from csp_analysis.report import review

    monkeypatch.setenv(review.STRICT_ENV, "1")
    path = tmp_path / "areas.yaml"
    path.write_text(
        "peer_groups:\n  herefordshire:\n    source: iQuanta MSG, March 2026\n"
        '    peers: [Wiltshire, West Suffolk, "King\'s Lynn and West Norfolk",'
        " South Devon and Dartmoor]\n",
        encoding="utf-8",
    )
    ctx = dataclasses.replace(demo_contexts["summary"], areas=load_areas(path), _cache={})
    section = review.most_similar_group(ctx)
    members = section.tables["most-similar-group"].index
    assert set(members) == {"Herefordshire (this partnership)", "Wiltshire", "Western Suffolk",
                            "King's Lynn and West Norfolk", "South Devon and Dartmoor",
                            "Group average (mean of the rates)"}  # fmt: skip
    text = _text(section)
    assert "supplied for it (iQuanta MSG, March 2026)" in text
    assert "not the Home Office MSG" not in text


def test_burglary_is_compared_per_household_in_the_neighbourhood_review(demo_contexts, monkeypatch):
    from csp_analysis.report import review

    monkeypatch.setenv(review.STRICT_ENV, "1")
    section = review.most_similar_group(demo_contexts["neighbourhood"])
    burglary = section.tables["most-similar-group-burglary"]
    assert "Rate per 1,000 households" in burglary.columns
    assert "Households (Census 2021)" in burglary.columns
    here = burglary.loc["Herefordshire (this partnership)"]
    assert here["Households (Census 2021)"] == 82800  # Census 2021: 82,827


def test_a_priority_the_tables_cannot_count_says_so_plainly(demo_contexts, monkeypatch):
    from csp_analysis.report import review

    monkeypatch.setenv(review.STRICT_ENV, "1")
    for name in ("most_similar_group", "national_funnel"):
        section = getattr(review, name)(demo_contexts["domestic"])
        assert not section.failed and not section.tables
        assert "is not compared with other partnerships across England and Wales" in _text(section)


def test_the_national_funnel_marks_the_group(demo_contexts, monkeypatch):
    from csp_analysis.report import review

    monkeypatch.setenv(review.STRICT_ENV, "1")
    ctx = demo_contexts["summary"]
    section = review.national_funnel(ctx)
    chart = section.parts[0]
    assert chart.alt.startswith("Recorded crimes per 1,000 residents for ")
    assert "The most similar group: " in chart.alt
    assert "the data table lists every area" in chart.alt
    # Every area but the off-scale City of London is in the data behind the chart.
    assert len(chart.data) == 299
    assert "City of London" in _text(section)


def test_a_group_the_national_counts_do_not_cover_is_a_plain_statement(tmp_path, monkeypatch):
    """One force's police.uk records only (the real West Mercia batch): Telford and Wrekin's
    peers are all in other forces, Herefordshire has one in its own. Neither page may say the
    section "could not be produced"."""
    from csp_analysis.report import review
    from tests.test_review import write_processed

    monkeypatch.setenv(review.STRICT_ENV, "1")
    write_processed(tmp_path, "2025-01", "2025-12", rich=False, indicators=False)
    for csp, covered in (("telford-and-wrekin", "none"), ("herefordshire", "only 1")):
        ctx = review.load_context(csp=csp, period_end="2025-12", processed_dir=str(tmp_path))
        section = review.most_similar_group(ctx)
        assert not section.failed
        assert f"the national counts loaded cover {covered} of its 7 peers" in _text(section)
        assert not review.key_findings(ctx).failed
