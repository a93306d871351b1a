"""Report sections (csp_analysis.report.review) on small synthetic processed data written to tmp_path.

Two datasets: a "rich" local-extract-like one (48 months, offence subgroups, flags, victim sex)
and a "short" police.uk-like one (12 months, no flags), on which every section must degrade to a
plain statement. Reference values are computed here from the generated records with plain
pandas, independently of the code under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_analysis.analysis import series
from csp_analysis.core.config import Clause, Priority, load_priorities
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError, UnknownNameError
from csp_analysis.core.registry import load_areas
from csp_analysis.core.schema import CRIMES_SCHEMA, INDICATORS_SCHEMA, POPULATION_SCHEMA
from csp_analysis.core.targets import PerformanceConfig, load_performance
from csp_analysis.report import review, sections
from csp_analysis.report.context import _monthly_counts
from tests.ingest_reports import valid_report
from tests.test_published_html import leak_problems

FORCE = "west-mercia"
FOCUS = "herefordshire"
CRIME_TYPES = {  # police.uk category -> (Home Office subgroup, monthly mean per CSP)
    "Violence and sexual offences": ("Violence without injury", 60),
    "Burglary": ("Domestic burglary", 12),
    "Shoplifting": ("Shoplifting", 20),
    "Public order": ("Public order offences", 15),
    "Criminal damage and arson": ("Criminal damage", 18),
    "Robbery": ("Robbery of personal property", 3),
    "Drugs": ("Possession of drugs", 6),
    "Vehicle crime": ("Theft from a vehicle", 10),
    "Anti-social behaviour": (None, 30),
}
# Hand-placed hate-crime records in the focus CSP's last year: 3 and 7 must both be withheld
# (3 primary, 7 its complement), 60 and 25 shown, total 95 shown.
# They fall in the first half of the year, except the 7 and the 3, which fall in the second half
# so that those months hold 1 or 2 records: too few to chart month by month.
HATE_RECORDS = {  # crime type -> (records, first month of the year, months spread over)
    "Violence and sexual offences": (60, 0, 6),
    "Public order": (25, 0, 5),
    "Shoplifting": (7, 6, 6),
    "Criminal damage and arson": (3, 6, 3),
}


def write_processed(
    directory: Path,
    start: str,
    end: str,
    rich: bool = True,
    seed: int = 7,
    indicators: bool = True,
) -> pd.DataFrame:
    """Write crimes, population, indicators and an ingest report; return the crimes table."""
    rng = np.random.default_rng(seed)
    areas = load_areas()
    force = areas.force(FORCE)
    months = pd.date_range(start, end, freq="MS")
    rows = []
    for csp in force.csps:
        lsoas = [(f"E0199{csp.code[-3:]}{i}", f"{csp.name} 00{i}A") for i in range(1, 4)]
        for month in months:
            season = 1 + 0.15 * np.sin(2 * np.pi * (month.month - 4) / 12)
            for crime_type, (subgroup, mean) in CRIME_TYPES.items():
                for _ in range(rng.poisson(mean * season)):
                    lsoa = lsoas[rng.integers(0, 3)]
                    asb = crime_type == "Anti-social behaviour"
                    row = {
                        "month": month.date(),
                        "force": FORCE,
                        "csp_code": csp.code,
                        "csp_name": csp.name,
                        "lad_code": csp.lad_codes[0],
                        "lsoa_code": lsoa[0],
                        "lsoa_name": lsoa[1],
                        "crime_type": crime_type,
                        "source": "demo",
                        "source_file": f"{month:%Y-%m}.csv",
                        "source_row": len(rows) + 2,
                    }
                    if rich and not asb:
                        violent = crime_type == "Violence and sexual offences"
                        row.update(
                            offence_code=None,
                            offence_subgroup=subgroup,
                            outcome="Unable to prosecute suspect",
                            domestic_abuse=bool(violent and rng.random() < 0.3),
                            hate=False,
                            alcohol=bool(rng.random() < 0.1),
                            victim_sex=("F" if rng.random() < 0.6 else "M") if violent else None,
                        )
                    rows.append(row)
        # Records without a location: kept, counted, in no CSP.
        for month in months[:3]:
            rows.append(
                {
                    "month": month.date(),
                    "force": FORCE,
                    "crime_type": "Burglary",
                    "source": "demo",
                    "source_file": "x.csv",
                    "source_row": 1,
                    "unassigned_reason": "no location",
                }  # fmt: skip
            )
    frame = pd.DataFrame(rows)
    if rich:
        focus = areas.csp(FOCUS)
        year = months[-12:]
        for crime_type, (n, first, span) in HATE_RECORDS.items():
            for i in range(n):
                frame.loc[len(frame)] = {
                    "month": year[first + i % span].date(), "force": FORCE, "csp_code": focus.code,
                    "csp_name": focus.name, "lad_code": focus.lad_codes[0],
                    "lsoa_code": f"E0199{focus.code[-3:]}1", "lsoa_name": f"{focus.name} 001A",
                    "crime_type": crime_type, "offence_subgroup": CRIME_TYPES[crime_type][0],
                    "outcome": "Unable to prosecute suspect", "domestic_abuse": False,
                    "hate": True, "alcohol": False, "victim_sex": "F", "source": "demo",
                    "source_file": "hate.csv", "source_row": i + 2,
                }  # fmt: skip
    for column in CRIMES_SCHEMA.names:
        if column not in frame:
            frame[column] = None
    table = pa.Table.from_pandas(frame[CRIMES_SCHEMA.names], schema=CRIMES_SCHEMA,
                                 preserve_index=False)  # fmt: skip
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, directory / "crimes.parquet")
    pop_rows = [
        (csp.code, csp.name, year, value, "config")
        for csp in force.csps
        for year, value in csp.population.items()
    ]
    population = pd.DataFrame(pop_rows, columns=POPULATION_SCHEMA.names)
    pq.write_table(
        pa.Table.from_pandas(population, schema=POPULATION_SCHEMA, preserve_index=False),
        directory / "population.parquet",
    )
    if indicators:
        quarters = pd.date_range(start, end, freq="3MS")
        focus = areas.csp(FOCUS)
        ind = pd.DataFrame(
            {
                "area_code": focus.code,
                "area_name": focus.name,
                "period_type": "quarter",
                "period_start": [q.date() for q in quarters],
                "indicator": "deliberate_fires",
                "value": rng.poisson(30, len(quarters)).astype(float),
                "unit": "count",
                "target": 28.0,
                "direction": "lower",
                "source_file": "indicators.csv",
            }
        )
        pq.write_table(
            pa.Table.from_pandas(ind, schema=INDICATORS_SCHEMA, preserve_index=False),
            directory / "indicators.parquet",
        )
    (directory / "ingest_report.json").write_text(json.dumps(valid_report(synthetic=True)))
    frame["month"] = pd.to_datetime(frame["month"])
    return frame


@pytest.fixture(scope="module")
def rich_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("rich")
    return directory, write_processed(directory, "2022-04", "2026-03", rich=True)


@pytest.fixture(scope="module")
def short_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("short")
    return directory, write_processed(directory, "2025-01", "2025-12", rich=False)


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setenv(review.STRICT_ENV, "1")


def _context(directory, **kwargs):
    return review.load_context(processed_dir=directory, **kwargs)


def _text(fragment) -> str:
    """The words of a section (or an HTML fragment), tags removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", str(fragment)).split())


def _table_rows(fragment, caption_part: str) -> dict[str, list[str]]:
    """Rows of the table whose caption contains ``caption_part``: row header -> cell texts."""
    for table in re.findall(r"<table\b.*?</table>", str(fragment), re.S):
        if caption_part in table:
            rows = {}
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
                cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
                rows[cells[0]] = cells[1:]
            return rows
    raise AssertionError(f"no table captioned {caption_part!r}")


# --------------------------------------------------------------------------- loading


def test_missing_processed_data_says_run_make_data(tmp_path):
    with pytest.raises(CspAnalysisError, match="make data"):
        review.load_context(csp=FOCUS, period_end="2026-03", processed_dir=tmp_path)


def test_period_after_the_data_is_refused(rich_dir):
    with pytest.raises(AnalysisError, match="after the last month with data"):
        _context(rich_dir[0], csp=FOCUS, period_end="2026-09")


def test_bad_period_and_unknown_names(rich_dir):
    with pytest.raises(AnalysisError, match="not a month"):
        _context(rich_dir[0], csp=FOCUS, period_end="March")
    with pytest.raises(UnknownNameError, match="unknown CSP 'atlantis'"):
        _context(rich_dir[0], csp="atlantis", period_end="2026-03")
    with pytest.raises(UnknownNameError, match="unknown priority"):
        _context(rich_dir[0], csp=FOCUS, priority="piracy", period_end="2026-03")
    with pytest.raises(AnalysisError, match="needs a csp"):
        _context(rich_dir[0], period_end="2026-03")


def test_latest_period_and_records_after_it_are_dropped(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, period_end="latest")
    assert ctx.period_end == pd.Timestamp("2026-03-01")
    earlier = _context(rich_dir[0], csp=FOCUS, period_end="2025-06")
    assert earlier.crimes["month"].max() == pd.Timestamp("2025-06-01")
    assert earlier.year_label == "year ending June 2025"


def test_fast_monthly_counts_equal_series_monthly_counts(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, period_end="2026-03")
    for priority in ("all_crime", "hate_crime", "domestic_abuse"):
        for by in ("csp_code", ["csp_code", "crime_type"]):
            records = ctx.records(priority)
            fast = _monthly_counts(records, by, ctx.data_start, ctx.period_end, ctx.coverage)
            slow = series.monthly_counts(
                records, by=by, start=ctx.data_start, end=ctx.period_end, coverage=ctx.coverage
            )
            keys = ["month", *([by] if isinstance(by, str) else by)]
            fast = fast.astype({k: object for k in keys[1:]}).sort_values(keys)
            slow = slow.astype({k: object for k in keys[1:]}).sort_values(keys)
            pd.testing.assert_frame_equal(
                fast.reset_index(drop=True), slow.reset_index(drop=True), check_dtype=False
            )


def test_selection_by_distinct_combinations_equals_select_priority(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, period_end="2026-03")
    raw = ctx.crimes.drop(columns="_clause_key").copy()
    for column in raw.columns:
        if isinstance(raw[column].dtype, pd.CategoricalDtype):
            raw[column] = raw[column].astype(object)
    for priority in load_priorities().priorities:
        chosen, selection = series.select_priority(raw, priority)
        assert len(ctx.records(priority)) == len(chosen), priority.id
        assert ctx.selection(priority).method == selection.method


# --------------------------------------------------------------------------- numbers


def test_headline_and_ytd_text_carry_the_numbers(rich_dir):
    directory, frame = rich_dir
    ctx = _context(directory, csp=FOCUS, period_end="2025-11")
    code = ctx.csp.code
    crimes = frame[(frame["csp_code"] == code) & (frame["crime_type"] != "Anti-social behaviour")]
    current = crimes["month"].between("2025-04-01", "2025-11-01").sum()
    previous = crimes["month"].between("2024-04-01", "2024-11-01").sum()
    year = crimes["month"].between("2024-12-01", "2025-11-01").sum()
    text = _text(review.headline(ctx).html() + review.year_to_date(ctx).html())
    assert f"{year:,}" in text
    assert f"{current:,} offences against {previous:,} in April to November 2024" in text
    pct = abs(100 * (current - previous) / previous)
    assert (f"{pct:.0f}%" in text) or (f"{pct:.1f}%" in text)
    assert "statistically significant" in text
    population = ctx.csp.population[2023]
    assert f"{year / population * 1000:.1f}" in text
    assert "mid-2023 population" in text


def test_ytd_table_by_crime_type_adds_up(rich_dir):
    directory, frame = rich_dir
    ctx = _context(directory, csp=FOCUS, period_end="2026-03")
    rows = _table_rows(review.year_to_date(ctx), "by crime type")
    code = ctx.csp.code
    burglary = frame[(frame["csp_code"] == code) & (frame["crime_type"] == "Burglary")]
    now = burglary["month"].between("2025-04-01", "2026-03-01").sum()
    then = burglary["month"].between("2024-04-01", "2025-03-01").sum()
    assert rows["Burglary"][:3] == [f"{then:,}", f"{now:,}", f"{now - then:,}".replace("-", "−")]
    assert (
        rows["Total"][0]
        == f"{int(sum(int(r[0].replace(',', '')) for k, r in rows.items() if k not in ('Crime type', 'Total'))):,}"
    )


def test_sensitive_breakdown_suppresses_small_counts_with_a_complement(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, priority="hate_crime", period_end="2026-03")
    html = review.breakdowns(ctx).html()
    rows = _table_rows(html, "by crime type")
    assert rows["Violence and sexual offences"][0] == "60"
    assert rows["Public order"][0] == "25"
    # 3 is withheld in its own right; 7 is withheld so that 3 cannot be worked out from 95.
    assert rows["Criminal damage and arson"] == ["[c]", "[c]"]
    assert rows["Shoplifting"] == ["[c]", "[c]"]
    assert rows["Total"][0] == "95"
    assert "1 further cell is suppressed" in html
    assert leak_problems(html, "breakdowns", sensitive=True) == []


def test_sensitive_small_monthly_series_is_shown_by_quarter(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, priority="hate_crime", period_end="2026-03")
    html = review.trend_section(ctx).html()
    assert "<img" not in html
    assert "quarterly totals follow instead" in html
    rows = _table_rows(html, "by quarter")
    # Jan to Mar 2026 holds 3 records (withheld); with the year total 95 published it needs a
    # complement in its row, or 95 minus the other quarters would give it away.
    latest = rows["Year ending March 2026"]
    assert latest[-1] == "95" and latest.count("[c]") >= 2
    assert rows["Year ending March 2025"] == ["0", "0", "0", "0", "0"]
    for section in (review.control_chart, review.forecast_section, review.seasonality_section):
        fragment = section(ctx).html()
        assert "<img" not in fragment
        assert "could identify people" in fragment or "needs at least" in fragment
    everything = "\n".join(
        f(ctx).html()
        for f in (
            review.headline,
            review.key_findings,
            review.year_to_date,
            review.peer_comparison,
            review.top_lsoas,
        )  # fmt: skip
    )
    assert leak_problems(everything, "hate crime", sensitive=True) == []


def test_top_lsoas_lists_counts_only_above_threshold(rich_dir):
    directory, frame = rich_dir
    ctx = _context(directory, csp=FOCUS, period_end="2026-03")
    html = review.top_lsoas(ctx).html()
    rows = _table_rows(html, "neighbourhoods")
    code = ctx.csp.code
    year = frame[(frame["csp_code"] == code) & (frame["crime_type"] != "Anti-social behaviour")
                 & frame["month"].between("2025-04-01", "2026-03-01")]  # fmt: skip
    expected = year.groupby("lsoa_name").size().sort_values(ascending=False)
    name = expected.index[0]
    assert rows[name][:2] == [f"E0199{code[-3:]}1" if name.endswith("001A") else rows[name][0],
                              f"{expected.iloc[0]:,}"]  # fmt: skip
    header = next(iter(rows))
    assert header == "Neighbourhood (LSOA 2021)"
    assert not re.search(r"-?\d{1,3}\.\d{4,}", _text(html))  # no coordinates


def test_peer_comparison_ranks_rates(rich_dir):
    directory, frame = rich_dir
    ctx = _context(directory, force=FORCE, period_end="2026-03")
    html = review.partnership_table(ctx).html()
    rows = _table_rows(html, "by Community Safety Partnership")
    year = frame[(frame["crime_type"] != "Anti-social behaviour") & frame["csp_code"].notna()
                 & frame["month"].between("2025-04-01", "2026-03-01")]  # fmt: skip
    counts = year.groupby("csp_name").size()
    areas = load_areas().force(FORCE)
    rate = {c.name: counts[c.name] * 1000 / c.population[2023] for c in areas.csps}
    top = max(rate, key=rate.get)
    assert rows[top][1] == f"{counts[top]:,}"
    assert rows[top][5] == "1"
    assert "West Mercia (all partnerships)" in rows


# --------------------------------------------------------------------------- degrading


def test_sections_degrade_to_plain_statements_on_twelve_months(short_dir):
    directory, _ = short_dir
    ctx = _context(directory, csp=FOCUS, priority="domestic_abuse", period_end="2025-12")
    assert ctx.source == "police_uk"
    overview = review.overview(ctx).html()
    assert "Proxy measure" in overview and "not domestic abuse figures" in overview
    assert "12 months of data" in _text(overview)
    assert "No comparison with the same period last year" in _text(review.year_to_date(ctx))
    assert "No seasonal adjustment" in _text(review.trend_section(ctx))
    assert "needs at least 24 months" in _text(review.seasonality_section(ctx))
    assert "needs at least 36 months" in _text(review.forecast_section(ctx))
    assert "<img" in review.control_chart(ctx).html()  # 12 points make a control chart
    assert "do not record" in _text(review.breakdowns(ctx))
    headline = _text(review.headline(ctx))
    assert "no earlier year to compare with" in headline
    perf = _context(directory, csp=FOCUS, period_end="2025-12")
    assert "not enough quarters" in _text(review.performance_summary(perf))
    assert "a control chart needs at least 8" in _text(review.performance_charts(perf))


def test_unavailable_priority_is_said_plainly(short_dir):
    ctx = _context(short_dir[0], csp=FOCUS, period_end="2025-12")
    flagged_only = Priority(
        id="flagged", title="Flagged thing", description="Records with the alcohol flag.",
        definition=[Clause(flags=["alcohol"])],
    )  # fmt: skip
    ctx.priority = flagged_only
    assert "Not measurable from these data" in review.overview(ctx).html()
    with pytest.raises(AnalysisError, match="cannot be measured"):
        review.headline(ctx)


def test_a_failing_section_becomes_a_statement(short_dir, monkeypatch):
    monkeypatch.delenv(review.STRICT_ENV)
    ctx = _context(short_dir[0], csp=FOCUS, period_end="2025-12")
    ctx.priority = Priority(
        id="flagged", title="Flagged thing", description="Alcohol flag.",
        definition=[Clause(flags=["alcohol"])],
    )  # fmt: skip
    html = review.headline(ctx).html()
    assert html.startswith("<p>This part of the report could not be produced:")
    assert "cannot be measured" in html

    def broken(ctx):
        raise KeyError("boom")

    wrapped = sections.common._section(broken)
    # In JupyterLab a bug raises with its real traceback ...
    with pytest.raises(KeyError, match="boom"):
        wrapped(ctx)
    # ... and in the report batch it becomes a plain statement on the page.
    monkeypatch.setenv(sections.common.LENIENT_ENV, "1")
    failed = wrapped(ctx)
    assert failed.failed and "unexpected error" in failed.html()
    assert "boom" not in failed.html()


# --------------------------------------------------------------------------- publication


@pytest.mark.parametrize("kind", ["summary", "thematic", "force", "performance"])
def test_no_code_paths_or_disclosure_problems_in_any_section(rich_dir, kind):
    directory, _ = rich_dir
    if kind == "force":
        ctx = _context(directory, force=FORCE, period_end="2026-03")
        sections = [review.overview, review.partnership_table, review.partnership_funnel,
                    review.partnership_positions, review.priority_rates_table]  # fmt: skip
    elif kind == "performance":
        ctx = _context(directory, csp=FOCUS, period_end="2026-03")
        sections = [review.performance_summary, review.performance_by_quarter,
                    review.performance_charts]  # fmt: skip
    else:
        priority = "domestic_abuse" if kind == "thematic" else None
        ctx = _context(directory, csp=FOCUS, priority=priority, period_end="2026-03")
        sections = [review.overview, review.definition, review.headline, review.key_findings,
                    review.year_to_date, review.crime_type_table, review.breakdowns,
                    review.trend_section, review.seasonality_section, review.control_chart,
                    review.forecast_section, review.peer_comparison, review.top_lsoas,
                    review.data_and_methods]  # fmt: skip
    html = "\n".join(section(ctx).html() for section in sections)
    assert leak_problems(html, kind, sensitive=(kind == "thematic")) == []
    assert str(directory) not in html
    assert "Traceback" not in html and "could not be produced" not in html
    assert not re.search(r"<h1|<h2", html)  # notebooks own the h2; the template the h1


def test_performance_quarters_targets_and_the_last_complete_quarter(rich_dir, monkeypatch):
    # The default indicators with no targets set: each quarter against the same quarter a year
    # earlier (the partnership's own targets are tested in tests/test_targets.py).
    defaults = load_performance().defaults
    monkeypatch.setattr(
        sections.performance, "load_performance", lambda: PerformanceConfig(defaults=defaults)
    )
    directory, frame = rich_dir
    ctx = _context(directory, csp=FOCUS, period_end="2025-11")
    # November is mid-quarter: the latest complete quarter is July to September 2025.
    assert sections.performance._last_complete_quarter(ctx) == pd.Timestamp("2025-07-01")
    indicators = {i.key: i for i in review.performance_indicators(ctx)}
    crime = indicators["all_crime"]
    code = ctx.csp.code
    recorded = frame[(frame["csp_code"] == code) & (frame["crime_type"] != "Anti-social behaviour")]

    def quarter(start):
        months = pd.date_range(start, periods=3, freq="MS")
        return float(recorded["month"].isin(months).sum())

    assert crime.values.index[-1] == pd.Timestamp("2025-07-01")
    assert crime.values.iloc[-1] == quarter("2025-07-01")
    assert crime.targets.iloc[-1] == quarter("2024-07-01")  # same quarter a year earlier
    assert crime.direction == "lower"
    fires = indicators["deliberate_fires"]
    assert fires.source == "Partner data" and fires.targets.iloc[-1] == 28.0
    rows = _table_rows(review.performance_summary(ctx), "Performance summary")
    assert rows["Recorded crimes"][1:4] == [
        "2025/26 Q2",
        f"{int(quarter('2025-07-01')):,}",
        f"{int(quarter('2024-07-01')):,}",
    ]
    assert rows["Recorded crimes"][4] == "the same quarter a year earlier"
    assert rows["Recorded crimes"][6] == "[x]"  # no annual target set
    assert rows["Recorded crimes"][7] == "lower is better"
    assert rows["Deliberate fires"][7] == "lower is better"
    assert rows["Recorded crimes"][9] in (
        "consistently passing",
        "consistently failing",
        "hit and miss",
    )
    by_quarter = _table_rows(review.performance_by_quarter(ctx), "by financial quarter")
    assert list(by_quarter)[0] == "Indicator"
    assert by_quarter["Indicator"][-1] == "2025/26 Q2"
    assert len(by_quarter["Indicator"]) == 1 + sections.common.QUARTERS_SHOWN


def test_population_falls_back_to_the_latest_estimate_and_says_which(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, period_end="2026-03")
    assert ctx.population_year() == 2025
    assert ctx.population_for(ctx.csp.code) == (ctx.csp.population[2023], 2023)
    ctx.population = ctx.population[ctx.population["year"] > 2030]
    with pytest.raises(AnalysisError, match="no mid-year population estimate for Herefordshire"):
        ctx.population_for(ctx.csp.code)


@pytest.mark.parametrize(
    ("parameters", "match"),
    [
        (
            {"trend_months": 6},
            r"report parameter trend_months = 6: input should be greater than or equal to 12",
        ),
        ({"trend_months": 240}, r"trend_months = 240: input should be less than or equal to 120"),
        ({"top_areas": 0}, r"top_areas = 0: input should be greater than or equal to 1"),
        (
            {"forecast_horizon": 36},
            r"forecast_horizon = 36: input should be less than or equal to 24",
        ),
        (
            {"forecast_horizon": "a year"},
            r"forecast_horizon = 'a year': input should be a valid integer",
        ),
    ],
)
def test_window_parameters_are_validated(rich_dir, parameters, match):
    with pytest.raises(AnalysisError, match=match):
        _context(rich_dir[0], csp=FOCUS, period_end="2026-03", **parameters)


def test_window_parameters_change_what_the_sections_show(rich_dir):
    ctx = _context(rich_dir[0], csp=FOCUS, period_end="2026-03", trend_months=24, top_areas=3)
    trend = review.trend_section(ctx)
    (chart,) = trend.charts.values()
    assert len(chart.data) == 24
    places = review.top_lsoas(ctx)
    (table,) = places.tables.values()
    assert len(table) <= 3
