"""Trend GLM: recovery of the known trend, interventions, steps, exposure, expected vs observed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis.trend import (
    DEFAULT_LOCKDOWNS,
    Intervention,
    StepChange,
    expected_vs_observed,
    fit_trend,
    monthly_population,
)
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from tests.reference.analysis_truth import SIMULATION, expected_series, simulate

TRUE_TREND = SIMULATION["annual_trend_pct"]
STEPS = SIMULATION["step_changes"]


def test_recovers_known_trend_within_interval():
    result = fit_trend(simulate(), steps=STEPS)
    assert result.lower < TRUE_TREND < result.upper
    assert result.annual_pct_change == pytest.approx(TRUE_TREND, abs=1.0)
    assert result.family == "negbin"
    # NB2 alpha = 1 / size.
    assert result.dispersion == pytest.approx(1 / SIMULATION["dispersion"], rel=0.5)
    assert result.significant and result.p_value < 0.001
    assert wording.trend(result, "recorded crime").startswith(
        "Recorded crime fell by an underlying 3."
    )


def test_interval_coverage_over_repeated_draws():
    fits = [fit_trend(simulate(seed=seed), steps=STEPS) for seed in range(30)]
    hits = sum(fit.lower < TRUE_TREND < fit.upper for fit in fits)
    # 95% intervals: 30 draws should miss about 1.5 times; 25 or more hits is P > 0.99.
    assert hits >= 25


def test_noise_free_series_gives_exact_trend_and_effects():
    result = fit_trend(expected_series().round(), steps=STEPS, family="poisson")
    assert result.annual_pct_change == pytest.approx(TRUE_TREND, abs=0.05)
    effects = result.effects.set_index("term")["pct_change"]
    assert effects["intervention_2020-04"] == pytest.approx(-40.0, abs=0.5)
    assert effects["intervention_2020-03"] == pytest.approx(0.0, abs=0.5)
    assert effects["step from 2018-04"] == pytest.approx(15.0, abs=0.3)


def test_leaving_out_a_real_step_biases_the_trend():
    series = simulate(
        step_changes=[{"from": "2022-04", "multiplier": 1.3}], annual_trend_pct=0.0, seed=0
    )
    with_step = fit_trend(series, steps=["2022-04"])
    without = fit_trend(series)
    assert with_step.lower < 0 < with_step.upper
    assert without.lower > 0


def test_population_exposure_gives_rate_trend():
    index = expected_series().index
    population = pd.Series(100_000 * 1.01 ** (np.arange(len(index)) / 12), index=index)
    rng = np.random.default_rng(11)
    mean = expected_series().to_numpy() * population.to_numpy() / 100_000
    counts = pd.Series(rng.negative_binomial(60, 60 / (60 + mean)).astype(float), index=index)
    per_head = fit_trend(counts, population=population, steps=STEPS)
    raw = fit_trend(counts, steps=STEPS)
    assert per_head.lower < TRUE_TREND < per_head.upper
    assert raw.annual_pct_change - per_head.annual_pct_change == pytest.approx(1.0, abs=0.05)
    assert per_head.per_population and "population offset" in per_head.method
    assert "per head of population" in wording.trend(per_head)


def test_monthly_population_from_mid_year_estimates():
    index = pd.date_range("2019-01", periods=24, freq="MS")
    pop = monthly_population({2019: 1200, 2020: 2400}, index)
    assert pop[pd.Timestamp("2019-07-01")] == 1200
    assert pop[pd.Timestamp("2020-07-01")] == 2400
    assert pop[pd.Timestamp("2019-01-01")] == 1200  # held flat before the first estimate
    assert 1200 < pop[pd.Timestamp("2020-01-01")] < 2400
    assert (monthly_population(5.0, index) == 5.0).all()
    with pytest.raises(AnalysisError, match="population must be positive"):
        monthly_population({2019: 0}, index)
    with pytest.raises(AnalysisError, match="population must be positive"):
        monthly_population(-3, index)
    with pytest.raises(AnalysisError, match="keys must be years"):
        monthly_population(pd.Series([1.0], index=["mid"]), index)


def test_families_and_overdispersion():
    series = simulate()
    poisson = fit_trend(series, steps=STEPS, family="poisson")
    quasi = fit_trend(series, steps=STEPS, family="quasipoisson")
    negbin = fit_trend(series, steps=STEPS)
    assert quasi.dispersion > 2  # counts are over-dispersed
    assert (poisson.upper - poisson.lower) < (quasi.upper - quasi.lower)
    assert quasi.annual_pct_change == pytest.approx(poisson.annual_pct_change)
    assert negbin.method.startswith("negative binomial GLM")


def test_gaps_left_out_not_zero():
    series = simulate()
    series.iloc[[5, 60]] = np.nan
    result = fit_trend(series, steps=STEPS)
    assert result.n_months == 106
    assert result.lower < TRUE_TREND < result.upper


def test_intervention_and_step_specifications():
    series = simulate()
    as_objects = fit_trend(
        series, interventions=DEFAULT_LOCKDOWNS, steps=[StepChange("2018-04", "recording change")]
    )
    as_tuples = fit_trend(
        series,
        interventions=[
            ("2020-03", "2020-06"),
            ("second", "2020-11", "2020-11"),
            {"start": "2021-01", "end": "2021-03"},
        ],
        steps=[{"from": "2018-04"}],
    )
    assert as_objects.annual_pct_change == pytest.approx(as_tuples.annual_pct_change)
    assert "recording change" in set(as_objects.effects["term"])
    none = fit_trend(series, interventions=(), steps=STEPS)
    assert not any(none.effects["term"].str.startswith("intervention_"))
    outside = fit_trend(series, steps=["2030-01"])
    assert any("outside the data" in note for note in outside.notes)


def test_no_clear_trend_sentence():
    flat = simulate(annual_trend_pct=0.0, step_changes=[], seed=4)
    result = fit_trend(flat)
    if result.significant:  # pragma: no cover - 5% of seeds; seed 4 is not one of them
        pytest.fail("seed 4 should give an interval spanning zero")
    assert wording.trend(result).startswith("There is no clear underlying trend in the count")


def test_expected_vs_observed_detects_a_drop():
    expected = expected_series(lockdown_multipliers={}, step_changes=[])
    drop = np.where(expected.index >= pd.Timestamp("2020-04-01"), 0.7, 1.0)
    rng = np.random.default_rng(8)
    mean = expected.to_numpy() * drop
    series = pd.Series(
        rng.negative_binomial(60, 60 / (60 + mean)).astype(float), index=expected.index
    )
    result = expected_vs_observed(series, "2020-03", "2020-04", "2021-03")
    assert result.difference_lower < -30 < result.difference_upper
    assert result.observed_total < result.lower_total
    assert "below expectation" in wording.expected_vs_observed(result)
    assert list(result.frame.columns) == ["observed", "expected", "lower", "upper"]
    assert (result.frame["lower"] <= result.frame["expected"]).all()


def test_expected_vs_observed_interval_coverage():
    # No change after the fit window: the 95% interval of the difference should cover zero in
    # about 95% of draws (measured 91% over 100 draws; Wald parameter uncertainty on 4 years).
    covered = []
    for seed in range(40):
        series = simulate(lockdown_multipliers={}, step_changes=[], seed=seed)
        result = expected_vs_observed(series, "2020-03", "2020-04", "2021-03", n_sims=1000)
        covered.append(result.difference_lower < 0 < result.difference_upper)
    assert sum(covered) >= 34
    assert (
        "within what the earlier trend predicted" in wording.expected_vs_observed(result)
        or not covered[-1]
    )


def test_expected_vs_observed_reproducible_and_gaps_counted():
    series = simulate(lockdown_multipliers={}, step_changes=[])
    series.iloc[30] = np.nan  # 2018-10, inside the fitting window: left out of the fit
    first = expected_vs_observed(series, "2019-12", "2020-01", "2020-12", steps=STEPS)
    second = expected_vs_observed(series, "2019-12", "2020-01", "2020-12", steps=STEPS)
    assert first.lower_total == second.lower_total
    assert first.n_missing == 0 and first.fit.n_months == 44
    later = series.copy()
    later.iloc[-5] = np.nan
    result = expected_vs_observed(later, "2019-12", "2020-01", "2025-03", steps=STEPS)
    assert result.n_missing == 1 and any("no data" in n for n in result.notes)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: fit_trend(s + 0.5), "needs counts, but 2016-04 holds"),
        (lambda s: fit_trend(s.iloc[:23]), "at least 24 observed months"),
        (lambda s: fit_trend(s * 0), "every observed month is zero"),
        (lambda s: fit_trend(s, family="gaussian"), "family must be one of"),
        (lambda s: fit_trend(s, level=95), "level must be between"),
        (lambda s: fit_trend(s, interventions=["2020-03"]), "expected an Intervention"),
        (lambda s: fit_trend(s, interventions=[{"start": "2020-03"}]), "lacks 'end'"),
        (
            lambda s: fit_trend(s, interventions=[Intervention("x", "2020-05", "2020-03")]),
            "end 2020-03 is before start",
        ),
        (lambda s: fit_trend(s, steps=[{"multiplier": 2}]), "lacks 'from'"),
        (lambda s: fit_trend(s, steps=[3.5]), "expected 'YYYY-MM'"),
        (lambda s: fit_trend(s, steps=[StepChange("2020-13")]), "is not a month"),
        (
            lambda s: fit_trend(s, steps=["2018-04", {"from": "2018-04", "name": "dup"}]),
            "not identifiable",
        ),
        (lambda s: fit_trend(s.iloc[:26], interventions=[("2016-04", "2017-12")]), "too few"),
        (
            lambda s: expected_vs_observed(s, "2020-03", "2020-02", "2020-12"),
            "must be after fit_end",
        ),
        (lambda s: expected_vs_observed(s, "2020-03", "2020-06", "2020-04"), "before period_start"),
        (
            lambda s: expected_vs_observed(s, "2020-03", "2020-04", "2026-03"),
            "must end and the period",
        ),
        (
            lambda s: expected_vs_observed(s, "2020-03", "2020-04", "2020-12", n_sims=10),
            "n_sims must be at least 100",
        ),
    ],
)
def test_validation_errors(call, message):
    with pytest.raises(AnalysisError, match=message):
        call(simulate())


def test_recovers_demo_generator_truth():
    """Every demo-data series (the generator's own truth document): about 95% coverage."""
    demo = pytest.importorskip("csp_analysis.io.demo_data")
    truth = demo.build_truth()
    expected = demo.expected_monthly(truth)
    rng = np.random.default_rng(2025)
    hits = 0
    grouped = dict(tuple(expected.groupby(["csp_code", "crime_type"])))
    for spec in truth["series"]:
        mean = grouped[(spec["csp_code"], spec["crime_type"])].set_index("month")["expected"]
        size = spec["dispersion"]
        counts = rng.negative_binomial(size, size / (size + mean.to_numpy()))
        series = pd.Series(counts.astype(float), index=mean.index)
        result = fit_trend(series, steps=spec["step_changes"])
        hits += result.lower < spec["annual_trend_pct"] < result.upper
    # Binomial(70, 0.95): fewer than 61 hits (87%) has probability below 0.5%.
    assert hits >= 0.87 * len(truth["series"])


def test_welsh_partnerships_use_the_welsh_lockdown_dates():
    from csp_analysis.analysis.trend import DEFAULT_LOCKDOWNS, WALES_LOCKDOWNS, lockdowns_for

    assert lockdowns_for("England") == DEFAULT_LOCKDOWNS
    assert lockdowns_for("Wales") == WALES_LOCKDOWNS
    assert [(i.start, i.end) for i in WALES_LOCKDOWNS] == [
        ("2020-03", "2020-06"), ("2020-10", "2020-11"), ("2020-12", "2021-03"),
    ]  # fmt: skip
    series = simulate(lockdown_multipliers={}, step_changes=[])
    fitted = fit_trend(series, interventions=WALES_LOCKDOWNS)
    # One term per lockdown month: Wales's October firebreak and December lockdown, which
    # England's dates (November, then January to March) do not have.
    terms = set(fitted.effects["term"])
    assert {"intervention_2020-10", "intervention_2020-12"} <= terms
    english = set(fit_trend(series).effects["term"])
    assert not {"intervention_2020-10", "intervention_2020-12"} & english
