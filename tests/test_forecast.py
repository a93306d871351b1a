"""Forecast models, rolling-origin backtest and MASE against hand-worked values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis import forecast as fc
from csp_analysis.core.exceptions import AnalysisError, UnknownNameError
from csp_analysis.report import wording
from tests.reference.analysis_truth import REFERENCE, simulate


def monthly(values, start="2018-04") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="MS")
    )


@pytest.mark.parametrize("case", ["one_origin", "two_origins"])
def test_seasonal_naive_mase_hand_worked(case):
    ref = REFERENCE["mase_hand"]
    spec = ref[case]
    series = monthly(ref["series"][: spec["series_length"]])
    result = fc.backtest(
        series, horizon=ref["horizon"], season=ref["season"], models=["seasonal_naive"], step=1
    )
    assert [series.index.get_loc(o) for o in result.origins] == spec["origins"]
    assert result.mase["seasonal_naive"] == pytest.approx(spec["mase"], rel=1e-12)
    assert result.chosen_model == "seasonal_naive"
    assert result.relative_mase == pytest.approx(1.0)


def test_seasonal_naive_mae_helper():
    # |12-10|, |22-20|, |28-30|, |44-40| -> mean 2.5
    assert fc.seasonal_naive_mae([10, 20, 30, 40, 12, 22, 28, 44], season=4) == 2.5
    with pytest.raises(AnalysisError, match="need more than 4 values"):
        fc.seasonal_naive_mae([1, 2, 3, 4], season=4)


def test_36_months_one_origin_same_forecasts_for_every_model():
    series = simulate(months=36)
    result = fc.backtest(series)
    assert result.origins == [series.index[24]]
    counts = result.errors.groupby("model").size()
    assert set(counts.index) == {"seasonal_naive", "ets", "sarima"}
    assert (counts == 12).all()
    assert not any(np.isnan(v) for v in result.mase.values())


def test_origins_shared_and_within_data():
    series = simulate()
    result = fc.backtest(series, step=3, max_origins=8)
    positions = [series.index.get_loc(o) for o in result.origins]
    assert positions == [75, 78, 81, 84, 87, 90, 93, 96]
    by_model = result.errors.groupby("model")["origin"].apply(lambda s: sorted(set(s)))
    assert all(list(v) == result.origins for v in by_model)
    assert result.errors["month"].max() == series.index[-1]
    assert (result.errors["month"] >= result.errors["origin"]).all()


def test_backtest_origins_rules():
    assert fc.backtest_origins(36, 12, 12) == [24]
    assert fc.backtest_origins(48, 12, 12, step=3, max_origins=8) == [24, 27, 30, 33, 36]
    assert fc.backtest_origins(120, 12, 12, step=1, max_origins=3) == [106, 107, 108]
    with pytest.raises(AnalysisError, match="needs at least 36 months"):
        fc.backtest_origins(35, 12, 12)


@pytest.mark.parametrize("name", ["ets", "sarima"])
def test_fast_origin_forecasts_equal_refiltering(name):
    """The one-pass dynamic predictions equal re-running the model on data up to each origin."""
    y = simulate().to_numpy()
    fitted = fc.get(name).fit(y[:75], 12)
    fast = fitted.forecast_origins(y, [75, 84, 96], 12)
    slow = fc.FittedModel.forecast_origins(fitted, y, [75, 84, 96], 12)
    np.testing.assert_allclose(fast, slow, rtol=1e-8)


def test_no_forecast_uses_its_own_or_later_months():
    series = simulate()
    result = fc.backtest(series, models=["ets"], step=12, max_origins=2)
    changed = series.copy()
    changed.iloc[-1] = 10 * changed.iloc[-1]  # only the last month, tested but never trained on
    rerun = fc.backtest(changed, models=["ets"], step=12, max_origins=2)
    a = result.errors[result.errors["model"] == "ets"]["forecast"].to_numpy()
    b = rerun.errors[rerun.errors["model"] == "ets"]["forecast"].to_numpy()
    np.testing.assert_allclose(a, b)


def test_models_beat_seasonal_naive_on_known_truth():
    result = fc.backtest(simulate())
    assert result.chosen_model in ("ets", "sarima")
    assert result.relative_mase < 1
    assert "lowest error" in wording.backtest(result)
    table = result.frame()
    assert table.loc[table["chosen"], "model"].item() == result.chosen_model
    assert list(result.per_horizon().index) == list(range(1, 13))


def test_forecast_intervals_and_index():
    series = simulate()
    for model in fc.available():
        result = fc.forecast(series, model=model, horizon=12, level=0.8)
        frame = result.frame()
        assert frame.index[0] == pd.Timestamp("2025-04-01") and len(frame) == 12
        assert (frame["lower"] <= frame["forecast"]).all()
        assert (frame["forecast"] <= frame["upper"]).all()
        assert (frame["lower"] >= 0).all()
        wider = fc.forecast(series, model=model, horizon=12, level=0.95).frame()
        assert ((wider["upper"] - wider["lower"]) > (frame["upper"] - frame["lower"])).all()
    auto = fc.forecast(series)
    assert auto.backtest is not None and auto.model == auto.backtest.chosen_model
    assert "chosen by backtest" in wording.forecast(auto, fc.get(auto.model).description)


def test_seasonal_naive_interval_hand_worked():
    # Season 4, on log(1 + y): seasonal differences log(13/11), log(23/21), log(29/31),
    # log(45/41) -> RMS sigma; 95% bounds (1 + mean) exp(+/- z sigma sqrt(k + 1)) - 1.
    y = np.array([10, 20, 30, 40, 12, 22, 28, 44], dtype=float)
    mean, lower, upper = fc.get("seasonal_naive").fit(y, 4).forecast(6, 0.95)
    np.testing.assert_allclose(mean, [12, 22, 28, 44, 12, 22])
    diffs = np.log([13 / 11, 23 / 21, 29 / 31, 45 / 41])
    sigma = np.sqrt(np.mean(diffs**2))
    z = 1.959963984540054
    half = z * sigma * np.array([1, 1, 1, 1, np.sqrt(2), np.sqrt(2)])
    np.testing.assert_allclose(upper, (1 + mean) * np.exp(half) - 1)
    np.testing.assert_allclose(lower, (1 + mean) * np.exp(-half) - 1)


def test_gaps_are_interpolated_for_fitting_and_not_scored():
    series = simulate()
    series.iloc[[40, 90]] = np.nan
    result = fc.backtest(series)
    assert result.n_gaps_filled == 2
    assert series.index[90] not in set(result.errors["month"])
    assert any("interpolated" in note for note in result.notes)
    too_gappy = simulate()
    too_gappy.iloc[10:25] = np.nan
    with pytest.raises(AnalysisError, match="too many to forecast from"):
        fc.backtest(too_gappy)


def test_leading_and_trailing_gaps_trimmed():
    series = simulate(months=48)
    padded = pd.concat(
        [pd.Series([np.nan] * 3, index=pd.date_range("2016-01", periods=3, freq="MS")), series]
    )
    assert fc.backtest(padded).n_months == 48


def test_registry_custom_and_failing_models():
    class Mean(fc.ForecastModel):
        name = "test_mean"
        description = "mean of the training data"

        def fit(self, y, season):
            outer = self

            class Fit(fc.FittedModel):
                def forecast(self, horizon, level):
                    value = np.full(horizon, y.mean())
                    return value, value, value

                def update(self, longer):
                    return outer.fit(longer, season)

            return Fit()

    class Broken(fc.ForecastModel):
        name = "test_broken"
        description = "always fails"

        def fit(self, y, season):
            raise RuntimeError("cannot fit")

    fc.register(Mean())
    fc.register(Broken())
    try:
        result = fc.backtest(simulate(), models=["test_mean", "test_broken"])
        assert set(result.mase) == {"seasonal_naive", "test_mean", "test_broken"}
        assert np.isnan(result.mase["test_broken"])
        assert result.chosen_model != "test_broken"
        assert any("test_broken failed" in note for note in result.notes)
    finally:
        fc._REGISTRY.pop("test_mean")
        fc._REGISTRY.pop("test_broken")
    with pytest.raises(UnknownNameError, match="unknown forecast model 'test_mean'; valid: ets"):
        fc.get("test_mean")
    with pytest.raises(AnalysisError, match="expected a ForecastModel"):
        fc.register("not a model")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda s: fc.backtest(s, horizon=0), AnalysisError, "horizon must be a positive"),
        (lambda s: fc.backtest(s, season=1), AnalysisError, "season must be at least 2"),
        (lambda s: fc.backtest(s, models=["prophet"]), UnknownNameError, "unknown forecast"),
        (lambda s: fc.backtest(s, models=[]), AnalysisError, "at least one model"),
        (lambda s: fc.backtest(s.iloc[:30]), AnalysisError, "needs at least 36 months"),
        (lambda s: fc.forecast(s, level=1.5), AnalysisError, "level must be between"),
        (lambda s: fc.forecast(s, horizon=-2), AnalysisError, "horizon must be a positive"),
        (lambda s: fc.forecast(s.iloc[:20], model="ets"), AnalysisError, "ETS needs at least"),
        (lambda s: fc.forecast(s, model="arima"), UnknownNameError, "unknown forecast model"),
        (lambda s: fc.backtest(-s), AnalysisError, "negative value"),
        (lambda s: fc.backtest(s.reset_index(drop=True)), AnalysisError, "DatetimeIndex"),
    ],
)
def test_validation_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(simulate())


def test_constant_seasonal_pattern_has_no_mase_scale():
    with pytest.raises(AnalysisError, match="MASE scale is zero"):
        fc.backtest(monthly(list(range(12)) * 4))


def test_airline_mle_matches_statsmodels_maximum_likelihood():
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    for seed in (1, 2, 3):
        z = np.log1p(simulate(seed=seed).to_numpy())
        ours = fc.airline_mle(z, 12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = SARIMAX(
                z,
                order=(0, 1, 1),
                seasonal_order=(0, 1, 1, 12),
                concentrate_scale=True,
                simple_differencing=True,
            ).fit(disp=False)
        # Both maximise the same likelihood; ours stops at the invertibility bound 0.995.
        np.testing.assert_allclose(ours, np.clip(theirs.params, -0.995, 0.995), atol=0.01)
    with pytest.raises(AnalysisError, match="too few months after differencing"):
        fc.airline_mle(np.arange(14.0), 12)
