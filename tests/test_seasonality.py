"""STL decomposition: recovery of known seasonal factors, strength measures, refusals, validation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis.seasonality import MONTH_NAMES, decompose, trim_gaps, validate_monthly
from csp_analysis.core import paths
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from tests.reference.analysis_truth import SIMULATION, expected_series, simulate

TRUTH = np.asarray(SIMULATION["seasonal_factors"])


def test_recovers_seasonal_factors_exactly_without_noise():
    # Trend, lockdown months and a step change present: robust STL still separates the season.
    result = decompose(expected_series())
    assert result.ok and result.model == "multiplicative"
    assert list(result.seasonal_indices.index) == list(MONTH_NAMES)
    np.testing.assert_allclose(result.seasonal_indices.to_numpy(), TRUTH, atol=1e-6)


def test_recovers_seasonal_factors_from_counts_within_sampling_error():
    # Each month's index is estimated from 9 years; its sampling error is about CV / sqrt(9)
    # with CV = sqrt(1/mean + 1/size) for negative-binomial counts.
    cv = np.sqrt(1 / SIMULATION["base_monthly_mean"] + 1 / SIMULATION["dispersion"])
    standard_error = cv / np.sqrt(SIMULATION["months"] / 12)
    errors = [
        np.abs(decompose(simulate(seed=seed)).seasonal_indices.to_numpy() - TRUTH).mean()
        for seed in range(10)
    ]
    assert np.mean(errors) < standard_error
    large = simulate(base_monthly_mean=5000.0, dispersion=1e6)
    np.testing.assert_allclose(decompose(large).seasonal_indices.to_numpy(), TRUTH, atol=0.03)


def test_indices_follow_calendar_months_whatever_the_start():
    shifted = expected_series(start="2017-09")
    result = decompose(shifted)
    np.testing.assert_allclose(result.seasonal_indices.to_numpy(), TRUTH, atol=1e-6)
    assert result.seasonal_indices.mean() == pytest.approx(1.0)


def test_strength_measures():
    index = pd.date_range("2016-01", periods=96, freq="MS")
    rng = np.random.default_rng(5)
    seasonal = pd.Series(100 * TRUTH[index.month - 1] * rng.normal(1, 0.01, 96), index=index)
    noise = pd.Series(rng.normal(100, 10, 96), index=index)
    strong = decompose(seasonal)
    weak = decompose(noise)
    assert strong.strength_seasonal > 0.9
    assert weak.strength_seasonal < 0.4
    assert 0 <= weak.strength_trend <= 1
    # Hand check of the definition on the components STL returned.
    var_r = np.var(strong.resid, ddof=1)
    expected = max(0.0, 1 - var_r / np.var(strong.seasonal + strong.resid, ddof=1))
    assert strong.strength_seasonal == pytest.approx(expected)
    assert "strong" in wording.seasonality(strong)


def test_seasonally_adjusted_removes_the_pattern():
    result = decompose(expected_series(lockdown_multipliers={}, step_changes=[]))
    adjusted = result.seasonally_adjusted
    expected = (
        expected_series(lockdown_multipliers={}, step_changes=[]) / TRUTH[adjusted.index.month - 1]
    )
    np.testing.assert_allclose(adjusted.to_numpy(), expected.to_numpy(), rtol=1e-6)
    assert list(result.frame().columns) == [
        "observed",
        "trend",
        "seasonal",
        "resid",
        "seasonally_adjusted",
    ]


def test_too_short_is_stated_not_fitted():
    result = decompose(simulate(months=23))
    assert not result.ok and result.trend is None
    assert "23 month(s); at least 24" in result.reason
    assert wording.seasonality(result).startswith("No seasonal decomposition: the series covers 23")
    assert np.isnan(result.strength_seasonal)
    assert decompose(simulate(months=24)).ok


def test_mostly_zeros_is_stated_not_fitted():
    values = np.zeros(48)
    values[::3] = 1
    result = decompose(pd.Series(values, index=pd.date_range("2020-01", periods=48, freq="MS")))
    assert not result.ok
    assert "32 of its 48 observed months are zero" in result.reason
    assert list(result.frame().columns) == ["observed"]


def test_gaps_interpolated_for_fit_and_left_missing():
    series = simulate()
    series.iloc[[20, 50]] = np.nan
    result = decompose(series)
    assert result.ok and result.n_gaps_filled == 2
    assert np.isnan(result.seasonally_adjusted.iloc[20])
    assert "2 missing months were interpolated" in wording.seasonality(result)
    gappy = simulate()
    gappy.iloc[10:25] = np.nan
    refused = decompose(gappy)
    assert not refused.ok and "15 of its 108 months have no data" in refused.reason


def test_zeros_give_additive_indices_averaging_one():
    series = simulate(base_monthly_mean=3.0, dispersion=50.0, seed=3)
    assert (series == 0).any()
    result = decompose(series)
    assert result.ok and result.model == "additive"
    assert result.seasonal_indices.mean() == pytest.approx(1.0)
    with pytest.raises(AnalysisError, match="multiplicative decomposition needs"):
        decompose(series, model="multiplicative")


def test_other_period_labels_positions():
    result = decompose(expected_series(), period=6)
    assert list(result.seasonal_indices.index) == list(range(6))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": 1}, "period must be an integer >= 2"),
        ({"model": "log"}, "model must be 'auto'"),
        ({"seasonal_window": 8}, "seasonal_window must be odd and >= 7"),
        ({"seasonal_window": 5}, "seasonal_window must be odd and >= 7"),
        ({"seasonal_window": "weekly"}, "seasonal_window must be 'periodic' or an odd integer"),
        ({"seasonal_degree": 2}, "seasonal_degree must be 0 or 1"),
    ],
)
def test_argument_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        decompose(simulate(), **kwargs)


def test_validate_monthly_errors_and_normalisation():
    index = pd.date_range("2020-01", periods=3, freq="MS")
    with pytest.raises(AnalysisError, match="expected a pandas Series"):
        validate_monthly([1, 2, 3])
    with pytest.raises(AnalysisError, match="DatetimeIndex"):
        validate_monthly(pd.Series([1.0, 2.0]))
    with pytest.raises(AnalysisError, match="month starts"):
        validate_monthly(pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01", "2020-02-15"])))
    with pytest.raises(AnalysisError, match="2020-01 appears more than once"):
        validate_monthly(pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01"] * 2)))
    with pytest.raises(AnalysisError, match="negative value -1 at 2020-02"):
        validate_monthly(pd.Series([1.0, -1.0, 2.0], index=index))
    with pytest.raises(AnalysisError, match="infinite value at 2020-03"):
        validate_monthly(pd.Series([1.0, 2.0, np.inf], index=index))
    with pytest.raises(AnalysisError, match="values must be numeric"):
        validate_monthly(pd.Series(["a", "b", "c"], index=index))
    with pytest.raises(AnalysisError, match="empty"):
        validate_monthly(pd.Series([], index=pd.DatetimeIndex([]), dtype=float))
    # Missing months become gaps (NaN), never zeros; a PeriodIndex is accepted.
    sparse = pd.Series([1.0, 3.0], index=pd.to_datetime(["2020-01-01", "2020-03-01"]))
    full = validate_monthly(sparse)
    assert full.index.freqstr == "MS" and np.isnan(full.iloc[1])
    periods = pd.Series([1.0, 2.0], index=pd.period_range("2020-01", periods=2, freq="M"))
    assert validate_monthly(periods).index[0] == pd.Timestamp("2020-01-01")
    assert validate_monthly(-full, allow_negative=True).iloc[0] == -1.0
    assert (
        len(trim_gaps(pd.concat([pd.Series([np.nan], index=[pd.Timestamp("2019-12-01")]), full])))
        == 3
    )


def test_recovers_demo_generator_seasonal_factors():
    """Demo truth (truth.json when generated, else the generator's own truth document)."""
    demo = pytest.importorskip("csp_analysis.io.demo_data")
    try:
        truth = demo.load_truth()
    except Exception:  # noqa: BLE001 - no generated demo data: use the same truth in memory
        truth = demo.build_truth()
    expected = demo.expected_monthly(truth)
    grouped = dict(tuple(expected.groupby(["csp_code", "crime_type"])))
    rng = np.random.default_rng(12)
    checked = 0
    for spec in truth["series"]:
        if spec["base_monthly_mean"] < 100:
            continue  # small counts: the sampling error swamps the pattern
        mean = grouped[(spec["csp_code"], spec["crime_type"])].set_index("month")["expected"]
        size = spec["dispersion"]
        counts = rng.negative_binomial(size, size / (size + mean.to_numpy()))
        result = decompose(pd.Series(counts.astype(float), index=mean.index))
        cv = np.sqrt(1 / spec["base_monthly_mean"] + 1 / size)
        bound = 1.5 * cv / np.sqrt(len(mean) / 12)
        error = np.abs(result.seasonal_indices.to_numpy() - np.asarray(spec["seasonal_factors"]))
        assert error.mean() < bound, (spec["csp_code"], spec["crime_type"])
        checked += 1
    assert checked >= 5


def _indices_over(result, months: slice) -> np.ndarray:
    """Seasonal indices (Jan..Dec, mean 1) from part of the seasonal component only."""
    factors = np.exp(result.seasonal.iloc[months])
    by_month = factors.groupby(factors.index.month).mean()
    return (by_month / by_month.mean()).to_numpy()


def _last_three_year_error(series, **kwargs) -> float:
    result = decompose(series, **kwargs)
    return float(np.abs(_indices_over(result, slice(-36, None)) - TRUTH).mean())


def test_seasonal_pattern_does_not_drift_at_the_end_of_the_series():
    # Constant seasonal factors plus negative-binomial noise: the indices read from the *last*
    # three years of the component (what seasonally adjusts the latest months) must be as good
    # as a mean over all nine years, i.e. within its standard error CV / sqrt(9) on average.
    cv = np.sqrt(1 / SIMULATION["base_monthly_mean"] + 1 / SIMULATION["dispersion"])
    standard_error = cv / np.sqrt(SIMULATION["months"] / 12)
    series = [simulate(seed=seed) for seed in range(20)]
    errors = [_last_three_year_error(s) for s in series]
    assert np.mean(errors) < standard_error
    # The previous default (a 13-year locally linear seasonal smoother) fits a straight line
    # through each month's values and so turns noise into drift: it fails the same bound
    # (mean error about 0.066 against 0.046), which is what this test guards against.
    drifting = [_last_three_year_error(s, seasonal_window=13, seasonal_degree=1) for s in series]
    assert np.mean(drifting) > standard_error
    # Periodic: the pattern of the first three years is the pattern of the last three.
    result = decompose(series[0])
    np.testing.assert_allclose(
        _indices_over(result, slice(0, 36)), _indices_over(result, slice(-36, None)), atol=0.005
    )
    assert result.seasonal_window == "periodic"


def test_finite_window_still_available_and_recovers_stable_pattern_without_noise():
    result = decompose(expected_series(), seasonal_window=35)
    assert result.seasonal_window == 35
    # Not exact to 1e-6 as with "periodic": the tricube weights of a 35-year window are unequal
    # over nine years, so the lockdown months' small robust weights shift the means by ~3e-5.
    np.testing.assert_allclose(result.seasonal_indices.to_numpy(), TRUTH, atol=1e-4)


def test_demo_data_seasonal_indices_do_not_drift():
    """On the generated demo data (constant seasonal factors), when it has been built."""
    crimes_path = paths.PROCESSED_DIR / paths.CRIMES_PARQUET
    truth_path = paths.DEMO_RAW_DIR / "truth.json"
    if not (crimes_path.exists() and truth_path.exists()):
        pytest.skip("no demo data: run the demo data build first")
    truth = json.loads(truth_path.read_text())
    crimes = pd.read_parquet(
        crimes_path, columns=["month", "csp_code", "crime_type", "unassigned_reason"]
    )
    crimes = crimes.loc[crimes["unassigned_reason"].isna()]
    counts = crimes.groupby(["csp_code", "crime_type", "month"]).size()
    ratios = []
    for spec in truth["series"]:
        if spec["base_monthly_mean"] < 100:
            continue  # small counts: the sampling error swamps the pattern
        observed = counts.loc[(spec["csp_code"], spec["crime_type"])].astype(float)
        observed.index = pd.DatetimeIndex(observed.index)
        result = decompose(observed)
        expected = np.asarray(spec["seasonal_factors"])
        expected = expected / expected.mean()
        error = np.abs(_indices_over(result, slice(-36, None)) - expected).mean()
        cv = np.sqrt(1 / spec["base_monthly_mean"] + 1 / spec["dispersion"])
        ratio = error / (cv / np.sqrt(len(observed) / 12))
        assert ratio < 1.5, (spec["csp_code"], spec["crime_type"], ratio)
        ratios.append(ratio)
    # Measured when written: 26 series, mean ratio 0.86 (the 13-year linear smoother: 1.42,
    # worst 2.15).
    assert len(ratios) >= 5
    assert np.mean(ratios) < 1.0
