"""The partnership's own targets: config/performance.yaml validation, the target in words, and
the performance overview using the configured target (table, year to date, SPC assurance)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from csp_analysis.analysis import aggregate, spc
from csp_analysis.core.config import load_priorities
from csp_analysis.core.exceptions import ConfigError
from csp_analysis.core.paths import PROCESSED_DIR
from csp_analysis.core.registry import load_areas
from csp_analysis.core.targets import PerformanceConfig, load_performance
from csp_analysis.report import review, sections, wording


def config_file(tmp_path, data: dict):
    path = tmp_path / "performance.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


DEFAULTS = [{"priority": "all_crime"}]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({}, r"performance\.yaml: defaults: required field is missing"),
        (
            {"defaults": [{"priority": "all_crime", "target": {"level": 9501, "change_pct": -1}}]},
            r"defaults\.0\.target: .*give either level \(with per\) or change_pct",
        ),
        (
            {"defaults": [{"priority": "all_crime", "target": {"change_pct": -1}}]},
            r"change_pct needs a baseline financial year",
        ),
        (
            {
                "defaults": [
                    {"priority": "all_crime", "target": {"level": 9, "baseline": "2024/25"}}
                ]
            },
            r"baseline goes with change_pct, not with level",
        ),
        (
            {
                "defaults": [
                    {"priority": "all_crime", "target": {"change_pct": -1, "baseline": "2024/26"}}
                ]
            },
            r"baseline '2024/26' is not a financial year",
        ),
        (
            {
                "defaults": [
                    {"priority": "all_crime", "target": {"change_pct": -1, "baseline": "24/25"}}
                ]
            },
            r"defaults\.0\.target\.baseline: String should match pattern",
        ),
        (
            {"defaults": [{"priority": "all_crime", "target": {"level": 9, "per": "month"}}]},
            r"defaults\.0\.target\.per: Input should be 'year' or 'quarter'",
        ),
        (
            {"defaults": [{"priority": "all_crime", "target": {"level": -5}}]},
            r"defaults\.0\.target\.level: Input should be greater than or equal to 0",
        ),
        ({"defaults": [{}]}, r"give either priority \(police-recorded\) or indicator"),
        (
            {"defaults": [{"priority": "asb", "indicator": "deliberate_fires"}]},
            r"give either priority \(police-recorded\) or indicator",
        ),
        (
            {"defaults": [{"indicator": "deliberate_fires", "target": {"level": 3}}]},
            r"a partner indicator's targets come with its data",
        ),
        (
            {"defaults": [{"priority": "asb", "direction": "down"}]},
            r"defaults\.0\.direction: Input should be 'lower' or 'higher'",
        ),
        (
            {"defaults": [{"priority": "asb"}, {"priority": "asb"}]},
            r"defaults: asb listed more than once",
        ),
        ({"defaults": DEFAULTS, "colour": "blue"}, r"colour: unknown key"),
    ],
)
def test_each_rule_names_the_file_key_and_problem(tmp_path, data, match):
    with pytest.raises(ConfigError, match=match):
        load_performance(config_file(tmp_path, data))


def test_names_are_checked_against_the_areas_and_priorities(tmp_path):
    areas, priorities = load_areas(), load_priorities()
    unknown_csp = load_performance(
        config_file(tmp_path, {"defaults": DEFAULTS, "partnerships": {"atlantis": DEFAULTS}})
    )
    with pytest.raises(ConfigError, match=r"partnerships\.atlantis: unknown CSP id"):
        unknown_csp.check(areas, priorities)
    unknown_priority = PerformanceConfig(defaults=[{"priority": "littering"}])
    with pytest.raises(ConfigError, match=r"defaults\.0\.priority: unknown priority 'littering'"):
        unknown_priority.check(areas, priorities)


def test_the_project_config_is_valid():
    load_performance().check(load_areas(), load_priorities())


def test_targets_in_words():
    config = PerformanceConfig(
        defaults=[
            {"priority": "all_crime", "target": {"level": 9501}},
            {"priority": "asb", "target": {"level": 400, "per": "quarter"}},
            {"priority": "drugs", "target": {"change_pct": -1, "baseline": "2024/25"}},
            {"priority": "vawg", "target": {"change_pct": 12.5, "baseline": "2023/24"}},
            {"priority": "hate_crime"},
        ]
    )
    words = [wording.target(spec.target) for spec in config.defaults]
    assert words == [
        "maintain the level of 9,501 a year",
        "maintain the level of 400 a quarter",
        "1.0% fewer than in 2024/25",
        "13% more than in 2023/24",
        "the same quarter a year earlier",
    ]
    assert wording.target(config.defaults[2].target, 1234.4) == (
        "1.0% fewer than in 2024/25 (1,234 a year)"
    )


@pytest.fixture
def ctx():
    if not (PROCESSED_DIR / "crimes.parquet").is_file():
        pytest.fail("no demo data in data/processed: run `make data` (make test does)")
    return review.load_context(csp="herefordshire", period_end="2026-03")


def _with_config(monkeypatch, config: PerformanceConfig) -> None:
    monkeypatch.setattr(sections.performance, "load_performance", lambda: config)


def test_the_overview_uses_the_configured_targets(ctx, monkeypatch):
    config = PerformanceConfig(
        defaults=DEFAULTS,
        partnerships={
            "herefordshire": [
                {"priority": "all_crime", "target": {"level": 9600}},
                {"priority": "asb", "target": {"change_pct": -10, "baseline": "2024/25"}},
            ]
        },
        partner_indicators="listed",
    )
    _with_config(monkeypatch, config)
    indicators = {i.key: i for i in review.performance_indicators(ctx)}
    assert set(indicators) == {"all_crime", "asb"}  # partner indicators: only those listed
    crime, asb = indicators["all_crime"], indicators["asb"]
    assert crime.annual_target == 9600 and (crime.targets == 2400).all()
    asb_2024 = ctx.csp_series(ctx.priorities.get("asb"))["2024-04-01":"2025-03-01"].sum()
    assert asb.annual_target == pytest.approx(asb_2024 * 0.9)
    assert asb.target_basis == f"10% fewer than in 2024/25 ({wording.count(asb_2024 * 0.9)} a year)"
    # The year to date is the financial year so far, beside the annual target.
    crime_series = ctx.csp_series(ctx.priorities.get("all_crime"))
    assert crime.year_to_date == crime_series["2025-04-01":"2026-03-01"].sum()
    summary = review.performance_summary(ctx)
    (table,) = summary.tables.values()
    row = table.loc["Recorded crimes"]
    assert row["Target set"] == "maintain the level of 9,600 a year"
    assert row["Target"] == "2,400" and row["Annual target"] == "9,600"
    assert row["Year to date"] == wording.count(crime.year_to_date)
    # SPC assurance is read against the configured target, not last year's quarter.
    frame = pd.DataFrame({"month": crime_series.index, "count": crime_series.to_numpy()})
    quarters = aggregate.quarterly_counts(frame)
    quarters = quarters[quarters["complete"]].set_index("period_start")["count"]
    expected = spc.xmr(quarters.astype(float), direction="lower", target=2400.0)
    assert row["Assurance"] == expected.assurance


def test_a_baseline_the_data_do_not_cover_is_said_not_applied(ctx, monkeypatch):
    config = PerformanceConfig(
        defaults=[{"priority": "all_crime", "target": {"change_pct": -1, "baseline": "2010/11"}}]
    )
    _with_config(monkeypatch, config)
    (crime, *_) = review.performance_indicators(ctx)
    assert crime.annual_target is None and crime.targets.isna().all()
    assert crime.target_basis.endswith("(the data do not cover 2010/11, so it cannot be applied)")
