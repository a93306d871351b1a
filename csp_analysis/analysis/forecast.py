"""Forecasting monthly counts: seasonal naive, ETS and SARIMA, chosen by rolling-origin backtest.

Models (a registry; add your own with :func:`register`)
------------------------------------------------------
``seasonal_naive``
    Each month forecast as the same month a season earlier; normal prediction intervals with
    the in-sample seasonal-difference standard deviation, widened by sqrt(k + 1) for forecasts
    k whole seasons ahead (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*,
    3rd ed. (FPP3), section 5.5).
``ets``
    Exponential smoothing state-space model (statsmodels ``ETSModel``) with additive error,
    additive damped trend and additive seasonality on ``log(1 + y)`` -- so multiplicative on
    the original scale and safe with zero months -- initialised heuristically (Hyndman et al.
    2008, section 2.6), which is fast and stable on short series.
``sarima``
    SARIMA(0,1,1)(0,1,1)_12, the "airline" model (Box & Jenkins), on ``log(1 + y)``: the two MA
    coefficients are exact maximum-likelihood estimates from the differenced series
    (:func:`airline_mle`, a banded-Cholesky likelihood, several times faster than the general
    state-space fit), then statsmodels ``SARIMAX``'s Kalman filter with those coefficients
    (variance concentrated out) gives the forecasts and prediction intervals.

Forecasts made on the log scale are transformed back with ``exp(.) - 1``; the point forecast is
then the forecast median, which is what minimises absolute error, and interval bounds map
exactly. Lower bounds are clipped at zero.

Backtest (rolling forecasting origin, FPP3 section 5.10)
-------------------------------------------------------
Origins are the months ``o`` at which a model, given only the months before ``o``, forecasts
months ``o .. o + horizon - 1``. Every origin has its full horizon inside the data, and every
model forecasts from the same origins, so all models are judged on the same set of forecasts.
The last origin is ``n - horizon``; earlier ones step back ``step`` months (default 3) down to
at most ``max_origins`` origins (default 8) and never below ``min_train`` months of training
(default two seasons, 24), which is the least from which a seasonal model and the MASE scale
can be estimated. A 36-month series thus gets one origin (24 months' training, 12 forecasts).

To keep a CSP's batch of about 15 series within its time budget, ETS and SARIMA parameters are
estimated once, on the data before the first origin, and held fixed at later origins, where the
model is re-run through its filter on the longer data. No forecast ever sees a month at or after
its origin. The final forecast (:func:`forecast`) re-estimates on all the data.

Accuracy is the mean absolute scaled error (Hyndman & Koehler 2006, "Another look at measures of
forecast accuracy", *International Journal of Forecasting* 22, 679-688): each absolute error is
divided by the in-sample mean absolute seasonal-naive error ``mean |y_t - y_{t-m}|`` of that
origin's training data. MASE < 1 means the model beats the in-sample seasonal naive; the
``relative_mase`` (model / seasonal naive, out of sample) < 1 means it beats the seasonal naive
forecasts it competed with. The chosen model has the lowest MASE; ties go to the simpler model
(registry order). A model that fails at any origin is left out of the choice (its MASE NaN and
the failure noted), not judged on fewer forecasts.

Gaps (NaN) are never zeros: leading and trailing gaps are trimmed, interior gaps (at most 10% of
months) are linearly interpolated on the log scale for model fitting only, and forecast errors
are computed only at months with an observed value.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from csp_analysis.analysis.seasonality import trim_gaps, validate_monthly
from csp_analysis.core.exceptions import AnalysisError, UnknownNameError

MAX_GAP_SHARE = 0.10

#: The fewest months a backtested forecast needs: two years to train (each model sees two
#: seasonal cycles) and one year of horizon to test on.
MIN_MONTHS = 2 * 12 + 12


# --------------------------------------------------------------------------- model registry


class FittedModel(ABC):
    """A model with estimated parameters, conditioned on a training series."""

    @abstractmethod
    def forecast(self, horizon: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Point forecasts and lower/upper prediction-interval bounds on the original scale."""

    @abstractmethod
    def update(self, y: np.ndarray) -> FittedModel:
        """The same parameters conditioned on ``y``, a longer series with the same start."""

    @abstractmethod
    def log_sd(self, horizon: int) -> np.ndarray:
        """Standard deviation of each step's forecast on the ``log(1 + y)`` scale, as the
        model itself states it (its prediction intervals are ``point * exp(+/- z sd)``)."""

    def log_sd_origins(self, y: np.ndarray, origins: Sequence[int], horizon: int) -> np.ndarray:
        """:meth:`log_sd` at each origin, one row per origin. With parameters held fixed the
        spread depends on the step only, so by default every row is this fit's."""
        return np.tile(self.log_sd(horizon), (len(origins), 1))

    def forecast_origins(self, y: np.ndarray, origins: Sequence[int], horizon: int) -> np.ndarray:
        """Point forecasts from each origin with these parameters, one row per origin.

        Row ``i`` forecasts ``y[origins[i] : origins[i] + horizon]`` from ``y[: origins[i]]``
        only. Subclasses may override with a faster equivalent.
        """
        rows = [self.update(y[:origin]).forecast(horizon, 0.95)[0] for origin in origins]
        return np.vstack(rows)


class ForecastModel(ABC):
    """A forecasting method. Subclass and :func:`register` an instance to add one."""

    name: str = ""
    description: str = ""

    @abstractmethod
    def fit(self, y: np.ndarray, season: int) -> FittedModel:
        """Estimate on ``y`` (no NaN, non-negative) with seasonal period ``season``."""


_REGISTRY: dict[str, ForecastModel] = {}


def register(model: ForecastModel) -> ForecastModel:
    """Add ``model`` to the registry under ``model.name`` (replacing one of the same name)."""
    if not isinstance(model, ForecastModel) or not model.name:
        raise AnalysisError("register: expected a ForecastModel instance with a name")
    _REGISTRY[model.name] = model
    return model


def get(name: str) -> ForecastModel:
    """Return the registered model called ``name``; :class:`UnknownNameError` lists the valid."""
    if name not in _REGISTRY:
        raise UnknownNameError("forecast model", name, _REGISTRY)
    return _REGISTRY[name]


def available() -> list[str]:
    """Registered model names, simplest first (the tie-break order)."""
    return list(_REGISTRY)


def _z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


class _SeasonalNaiveFit(FittedModel):
    def __init__(self, y: np.ndarray, season: int):
        self.y, self.season = y, season
        # Counts vary in proportion to their level, so the spread is taken on log(1 + y), like
        # the other models', and the intervals are multiplicative (never below zero).
        z = np.log1p(y)
        diffs = z[season:] - z[:-season]
        self.sigma = float(np.sqrt(np.mean(diffs**2))) if len(diffs) else float("nan")

    def log_sd(self, horizon):
        steps = np.arange(horizon)
        return self.sigma * np.sqrt(steps // self.season + 1)

    def forecast(self, horizon, level):
        last_season = self.y[-self.season :]
        steps = np.arange(horizon)
        mean = last_season[steps % self.season]
        width = _z(level) * self.log_sd(horizon)
        return mean, np.expm1(np.log1p(mean) - width), np.expm1(np.log1p(mean) + width)

    def log_sd_origins(self, y, origins, horizon):
        # The spread is re-estimated at each origin: it is a statistic of the training data.
        return np.vstack([_SeasonalNaiveFit(y[:o], self.season).log_sd(horizon) for o in origins])

    def update(self, y):
        return _SeasonalNaiveFit(y, self.season)


class SeasonalNaive(ForecastModel):
    """Same month last season (FPP3 5.2)."""

    name = "seasonal_naive"
    description = "seasonal naive: each month as the same month a year earlier"
    # (intervals: normal on log(1 + y), spread from the in-sample seasonal log differences,
    # widened by sqrt(k + 1) k whole seasons ahead, FPP3 5.5)

    def fit(self, y, season):
        if len(y) < season:
            raise AnalysisError(f"seasonal naive needs at least {season} months, got {len(y)}")
        return _SeasonalNaiveFit(np.asarray(y, dtype=float), season)


class _LogStateSpaceFit(FittedModel):
    """Shared back-transform for models fitted on log(1 + y)."""

    results = None

    def forecast(self, horizon, level):
        frame = self._prediction(horizon, level)
        mean = np.expm1(frame[0])
        return mean, np.expm1(frame[1]), np.expm1(frame[2])

    def log_sd(self, horizon):
        _, lower, upper = self._prediction(horizon, 0.95)
        return (np.asarray(upper) - np.asarray(lower)) / (2 * _z(0.95))

    @abstractmethod
    def _prediction(self, horizon, level) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class _EtsFit(_LogStateSpaceFit):
    def __init__(self, results, season):
        self.results, self.season = results, season

    def _prediction(self, horizon, level):
        n = self.results.model.nobs
        pred = self.results.get_prediction(start=n, end=n + horizon - 1)
        frame = pred.summary_frame(alpha=1 - level)
        return (
            frame["mean"].to_numpy(),
            frame["pi_lower"].to_numpy(),
            frame["pi_upper"].to_numpy(),
        )

    def update(self, y):
        model = Ets.build(np.log1p(y), self.season)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _EtsFit(model.smooth(self.results.params), self.season)

    def forecast_origins(self, y, origins, horizon):
        # One pass of the smoother over all the data. Row t of ``states`` is the state after
        # month t, so it depends only on months up to t, and ETS(A,Ad,A)'s k-step forecast from
        # it is l + (phi + ... + phi^k) b + s[t + k - m(floor((k-1)/m) + 1)] (Hyndman &
        # Athanasopoulos FPP3 8.3). This equals re-running the model on y[:origin] (checked in
        # tests) at a fraction of the cost.
        full = self.update(y).results
        states = np.asarray(full.states)
        params = dict(zip(full.model.param_names, np.asarray(full.params), strict=False))
        phi = params["damping_trend"]
        steps = np.arange(1, horizon + 1)
        damping = np.cumsum(phi**steps)
        season_back = self.season * ((steps - 1) // self.season + 1)
        rows = []
        for origin in origins:
            last = origin - 1
            level, trend = states[last, 0], states[last, 1]
            rows.append(level + damping * trend + states[last + steps - season_back, 2])
        return np.expm1(np.vstack(rows))


class Ets(ForecastModel):
    """ETS(A,Ad,A) on log(1 + y): multiplicative-like exponential smoothing."""

    name = "ets"
    description = "ETS(A,Ad,A) on log(1+y), heuristic initial states"

    @staticmethod
    def build(z: np.ndarray, season: int):
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        # ETSModel's prediction intervals need pandas input (they read ``.index``).
        return ETSModel(
            pd.Series(z),
            error="add",
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=season,
            initialization_method="heuristic",
        )

    def fit(self, y, season):
        if len(y) < 2 * season:
            raise AnalysisError(f"ETS needs at least {2 * season} months, got {len(y)}")
        model = self.build(np.log1p(y), season)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = model.fit(disp=False, maxiter=200)
        return _EtsFit(results, season)


class _SarimaFit(_LogStateSpaceFit):
    def __init__(self, params, z, season):
        self.params, self.z, self.season = np.asarray(params), z, season
        self._results = None

    @property
    def results(self):
        """Kalman filter output on the training data, run only when a forecast needs it."""
        if self._results is None:
            model = Sarima.build(self.z, self.season)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # cov_type="none": the parameters are given, so skip their covariance.
                self._results = model.filter(self.params, cov_type="none")
        return self._results

    def _prediction(self, horizon, level):
        pred = self.results.get_forecast(horizon)
        conf = np.asarray(pred.conf_int(alpha=1 - level))
        return np.asarray(pred.predicted_mean), conf[:, 0], conf[:, 1]

    def update(self, y):
        return _SarimaFit(self.params, np.log1p(y), self.season)

    def forecast_origins(self, y, origins, horizon):
        # One Kalman filter pass over all the data. The predicted state for month o uses only
        # months before o, and with fixed parameters the h-step forecast from it is
        # Z T^(h-1) a_o; this equals a filter run on y[:o] then forecast (checked in tests).
        full = self.update(y).results
        # Time-invariant system matrices may still carry a trailing time axis of length 1.
        design, transition = (np.asarray(full.model[name]) for name in ("design", "transition"))
        design = design[:, :, 0] if design.ndim == 3 else design
        transition = transition[:, :, 0] if transition.ndim == 3 else transition
        states = np.asarray(full.predicted_state)[:, list(origins)]
        rows = np.empty((len(origins), horizon))
        for step in range(horizon):
            rows[:, step] = (design @ states)[0]
            states = transition @ states
        return np.expm1(rows)


class Sarima(ForecastModel):
    """SARIMA(0,1,1)(0,1,1)_m, the airline model, on log(1 + y)."""

    name = "sarima"
    description = "SARIMA(0,1,1)(0,1,1)12 (airline) on log(1+y)"
    order = (0, 1, 1)

    @classmethod
    def build(cls, z: np.ndarray, season: int):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(
            z,
            order=cls.order,
            seasonal_order=(0, 1, 1, season),
            concentrate_scale=True,
        )

    def fit(self, y, season):
        if len(y) < 2 * season:
            raise AnalysisError(f"SARIMA needs at least {2 * season} months, got {len(y)}")
        z = np.log1p(y)
        return _SarimaFit(airline_mle(z, season), z, season)


def airline_mle(z: np.ndarray, season: int) -> tuple[float, float]:
    """Exact maximum-likelihood estimates of the airline model's MA coefficients.

    The model is ``(1 - B)(1 - B^s) z_t = (1 + theta B)(1 + Theta B^s) e_t``: the differenced
    series ``w`` is a moving average of order ``s + 1`` whose autocovariance matrix is banded
    Toeplitz. Its Gaussian log-likelihood, with the variance concentrated out, is
    ``-n/2 log(w' G^-1 w / n) - 1/2 log det G`` and is computed by a banded Cholesky
    factorisation, then maximised over ``(theta, Theta)`` in the invertible region. This is the
    likelihood statsmodels ``SARIMAX(..., simple_differencing=True)`` maximises (the tests check
    the estimates agree) at a fraction of the cost of its general state-space machinery.

    Parameters
    ----------
    z : numpy.ndarray
        The (log-scale) series, no NaN, at least ``2 * season`` long.
    season : int
        Seasonal period.

    Returns
    -------
    tuple of float
        ``(theta, Theta)``, each in [-0.995, 0.995].
    """
    from scipy.linalg import cho_solve_banded, cholesky_banded
    from scipy.optimize import minimize

    w = np.diff(z[season:] - z[:-season])
    n, order = len(w), season + 1
    if n < 3:
        raise AnalysisError("too few months after differencing to estimate SARIMA")
    lags = np.arange(order + 1)

    def negative_loglike(params: np.ndarray) -> float:
        theta, seasonal_theta = params
        psi = np.zeros(order + 1)
        psi[0], psi[1] = 1.0, theta
        psi[season] += seasonal_theta
        psi[season + 1] += theta * seasonal_theta
        gamma = np.array([psi[: order + 1 - k] @ psi[k:] for k in lags])
        # Upper banded storage: row order - k holds the k-th superdiagonal.
        banded = np.zeros((order + 1, n))
        for k in lags:
            banded[order - k, k:] = gamma[k]
        try:
            factor = cholesky_banded(banded)
        except np.linalg.LinAlgError:
            return 1e10
        quadratic = float(w @ cho_solve_banded((factor, False), w))
        return n * np.log(quadratic / n) + 2 * float(np.log(factor[-1]).sum())

    best = minimize(
        negative_loglike,
        x0=np.array([-0.5, -0.5]),
        method="L-BFGS-B",
        bounds=[(-0.995, 0.995), (-0.995, 0.995)],
    )
    return float(best.x[0]), float(best.x[1])


register(SeasonalNaive())
register(Ets())
register(Sarima())


# --------------------------------------------------------------------------- data preparation


def _prepare(series: pd.Series, what: str = "series") -> tuple[pd.Series, np.ndarray, int]:
    """Validated, trimmed series; a gap-free copy for fitting; and the number of gaps filled."""
    values = trim_gaps(validate_monthly(series, what))
    if values.empty:
        raise AnalysisError(f"{what}: no observed months")
    n_gaps = int(values.isna().sum())
    if n_gaps > MAX_GAP_SHARE * len(values):
        raise AnalysisError(
            f"{what}: {n_gaps} of {len(values)} months are gaps (more than "
            f"{MAX_GAP_SHARE:.0%}); too many to forecast from"
        )
    # Interpolate on the log scale, where the models work, so a filled month sits between its
    # neighbours proportionally rather than additively.
    filled = np.expm1(np.log1p(values).interpolate(method="linear", limit_area="inside"))
    return values, filled.to_numpy(), n_gaps


def resolve_models(models: Sequence[str] | None) -> list[str]:
    """Validated model names in registry order, seasonal naive always included.

    Raises
    ------
    UnknownNameError
        For a name not in the registry.
    """
    names = available() if models is None else list(models)
    if not names:
        raise AnalysisError("at least one model is needed")
    for name in names:
        get(name)
    # Seasonal naive is the yardstick for relative MASE, so it always takes part.
    if "seasonal_naive" not in names:
        names.insert(0, "seasonal_naive")
    return [n for n in available() if n in names] + [n for n in names if n not in _REGISTRY]


# --------------------------------------------------------------------------- intervals

#: Interval levels the backtest measures (and the reports use the second).
LEVELS = (0.80, 0.95)
#: Fewest backtest errors from which intervals are calibrated: with n scores the conformal
#: level-quantile exists only while ceil((n + 1) * level) <= n (19 at 95%); 24, two years of
#: forecast months, leaves a margin.
MIN_CALIBRATION_ERRORS = 24
#: Forecast steps calibrated together: the errors of steps 1-4, 5-8 and 9-12 each set their
#: own half-width (errors grow with the step), falling back to all steps pooled when a group
#: has too few errors.
STEPS_PER_GROUP = 4
#: Models whose MASE is within this share of the best count as equally accurate; among them
#: the one with the lowest calibrated interval score is chosen.
MASE_TOLERANCE = 0.02


def conformal_multiplier(scores: np.ndarray, level: float) -> float | None:
    """The split-conformal quantile of nonconformity scores: the ``ceil((n + 1) level)``-th
    smallest of ``scores`` (Vovk, Gammerman & Shafer 2005; Lei et al. 2018, "Distribution-free
    predictive inference for regression", JASA 113:1094-1111). None when there are too few
    scores for that level.

    With the absolute log errors of the backtest's forecasts as scores, it is the half-width of
    an interval that held ``level`` of those forecasts (under exchangeability of the errors,
    which overlapping rolling origins only approximate: hence the check on held-out months in
    ``evaluate`` and benchmarks/intervals.py).
    """
    scores = np.sort(np.asarray(scores, dtype=float))
    n = len(scores)
    if not 0 < level < 1:
        raise AnalysisError(f"level must be between 0 and 1, got {level!r}")
    k = int(np.ceil((n + 1) * level))
    if n < MIN_CALIBRATION_ERRORS or k > n:
        return None
    return float(scores[k - 1])


def interval_bounds(point, log_sd, multiplier) -> tuple[np.ndarray, np.ndarray]:
    """``(lower, upper)``: the interval ``expm1(log1p(point) -/+ multiplier * log_sd)``; the
    multiplier is one number or one per step."""
    centre = np.log1p(np.clip(np.asarray(point, dtype=float), 0, None))
    width = multiplier * np.asarray(log_sd, dtype=float)
    return np.clip(np.expm1(centre - width), 0, None), np.expm1(centre + width)


def interval_score(actual, lower, upper, level: float, scale=1.0) -> np.ndarray:
    """Interval score of each forecast (Gneiting & Raftery 2007, "Strictly proper scoring
    rules, prediction, and estimation", JASA 102:359-378, section 6.2), divided by ``scale``:
    ``(u - l) + (2 / alpha) (l - y) [y < l] + (2 / alpha) (y - u) [y > u]`` with
    ``alpha = 1 - level``. Its mean over forecasts scaled by the MASE denominator is the MSIS of
    the M4 competition: lower is better, rewarding narrow intervals that still hold."""
    actual, lower, upper = (np.asarray(a, dtype=float) for a in (actual, lower, upper))
    alpha = 1 - level
    score = (
        (upper - lower)
        + (2 / alpha) * np.clip(lower - actual, 0, None)
        + (2 / alpha) * np.clip(actual - upper, 0, None)
    )
    return score / np.asarray(scale, dtype=float)


def _model_errors(errors: pd.DataFrame, model: str) -> pd.DataFrame:
    return errors[errors["model"] == model]


def step_half_widths(rows: pd.DataFrame, level: float, horizon: int) -> np.ndarray | None:
    """The calibrated half-width, on the ``log(1 + y)`` scale, of each forecast step
    1..``horizon``: the split-conformal quantile (:func:`conformal_multiplier`) of the absolute
    log errors of one model's backtest forecasts at those steps, per group of
    :data:`STEPS_PER_GROUP` steps where the group has enough errors, otherwise all steps
    pooled; None when even the pool is too small.

    The errors themselves set the width, not the model's stated spread: the final fit, on more
    months, states a narrower spread than its errors bear out (measured: 6-year series held
    73.6% in 80% ranges scaled from the spread, 77.1% with the errors' own widths).
    """
    scores = np.abs(rows["log_error"].to_numpy())
    pooled = conformal_multiplier(scores, level)
    if pooled is None:
        return None
    groups = (rows["step"].to_numpy() - 1) // STEPS_PER_GROUP
    out = np.full(horizon, pooled)
    for group in range((horizon - 1) // STEPS_PER_GROUP + 1):
        own = conformal_multiplier(scores[groups == group], level)
        if own is not None:
            out[group * STEPS_PER_GROUP : (group + 1) * STEPS_PER_GROUP] = own
    return out


def interval_metrics(errors: pd.DataFrame, model: str, level: float, calibrated: bool) -> dict:
    """Coverage (share of backtest months inside) and MSIS of one model's intervals at
    ``level``: its own (``calibrated=False``) or conformal-calibrated ones. NaN when the model
    has no errors, or too few to calibrate."""
    rows = _model_errors(errors, model)
    if rows.empty:
        return {"coverage": float("nan"), "msis": float("nan")}
    if calibrated:
        by_step = step_half_widths(rows, level, int(rows["step"].max()))
        if by_step is None:
            return {"coverage": float("nan"), "msis": float("nan")}
        lower, upper = interval_bounds(rows["forecast"], by_step[rows["step"].to_numpy() - 1], 1.0)
    else:
        lower, upper = interval_bounds(rows["forecast"], rows["log_sd"], _z(level))
    actual = rows["actual"].to_numpy()
    inside = (actual >= lower) & (actual <= upper)
    msis = interval_score(actual, lower, upper, level, rows["scale"].to_numpy())
    return {"coverage": float(inside.mean()), "msis": float(msis.mean())}


def choose_model(errors: pd.DataFrame, mase: dict[str, float], names: Sequence[str]) -> str:
    """The backtest's choice, counting accuracy and calibration (docs/methods.md):

    1. Accuracy first: the models whose MASE is within :data:`MASE_TOLERANCE` (2%) of the
       lowest are the candidates; the rest are not accurate enough.
    2. Among the candidates, the lowest MSIS of the 95% intervals once calibrated on the
       backtest's own errors: calibration makes every model's intervals hold in the backtest,
       so the score then rewards the sharpest honest range.
    3. If no candidate can be calibrated (too few errors), the lowest MASE; ties to the simplest
       model (registry order).
    """
    best = min(mase.values())
    candidates = [k for k in names if k in mase and mase[k] <= best * (1 + MASE_TOLERANCE)]
    scored = {
        k: interval_metrics(errors, k, LEVELS[-1], calibrated=True)["msis"] for k in candidates
    }
    scored = {k: v for k, v in scored.items() if not np.isnan(v)}
    if scored:
        lowest = min(scored.values())
        return next(k for k in candidates if k in scored and scored[k] <= lowest * (1 + 1e-9))
    lowest_mase = min(mase[k] for k in candidates)
    return next(k for k in candidates if mase[k] <= lowest_mase * (1 + 1e-9))


# --------------------------------------------------------------------------- backtest


@dataclass
class BacktestResult:
    """The result of :func:`backtest`.

    Attributes
    ----------
    mase : dict of str to float
        MASE of each model over all origins and horizons (NaN for a model that failed).
    chosen_model : str
        By :func:`choose_model`: among the models within 2% of the lowest MASE, the one whose
        calibrated 95% intervals score best (MSIS).
    origins : list of pandas.Timestamp
        First forecast month of each origin.
    errors : pandas.DataFrame
        One row per (model, origin, step): ``model``, ``origin``, ``month``, ``step``,
        ``actual``, ``forecast``, ``scale``, ``scaled_error``, and on the ``log(1 + y)`` scale
        the error ``log_error`` and the model's own spread ``log_sd`` for that step.
    n_months, horizon, season : int
    notes : list of str
    """

    mase: dict[str, float]
    chosen_model: str
    origins: list[pd.Timestamp]
    errors: pd.DataFrame
    n_months: int
    horizon: int
    season: int
    n_gaps_filled: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def relative_mase(self) -> float:
        """Chosen model's MASE divided by the seasonal naive's (< 1: beats seasonal naive)."""
        return self.mase[self.chosen_model] / self.mase["seasonal_naive"]

    def per_horizon(self) -> pd.DataFrame:
        """MASE by forecast step (rows) and model (columns)."""
        return self.errors.pivot_table(
            index="step", columns="model", values="scaled_error", aggfunc="mean"
        )

    def coverage(self, model: str | None = None, level: float = 0.95, calibrated: bool = False):
        """Share of backtest months inside ``model``'s intervals at ``level`` (default: the
        chosen model): its own intervals, or calibrated ones (NaN if too few errors)."""
        return interval_metrics(self.errors, model or self.chosen_model, level, calibrated)[
            "coverage"
        ]

    def half_width(
        self, model: str | None = None, level: float = 0.95, horizon: int | None = None
    ) -> np.ndarray | None:
        """The calibrated half-width of ``model``'s intervals at ``level`` on the
        ``log(1 + y)`` scale, one per forecast step (:func:`step_half_widths`). None if too
        few errors."""
        rows = _model_errors(self.errors, model or self.chosen_model)
        if rows.empty:
            return None
        return step_half_widths(rows, level, horizon or self.horizon)

    @property
    def calibrated(self) -> bool:
        """Whether the chosen model's 95% intervals could be calibrated on the backtest."""
        return self.half_width(self.chosen_model, LEVELS[-1]) is not None

    def frame(self) -> pd.DataFrame:
        """One row per model: ``model``, ``mase``, ``relative_mase``, ``chosen``, and per level
        of :data:`LEVELS` the coverage and MSIS of its own intervals (``coverage_80``,
        ``msis_80``...) and the MSIS of its calibrated ones (``calibrated_msis_95``...)."""
        naive = self.mase["seasonal_naive"]
        frame = pd.DataFrame(
            {
                "model": list(self.mase),
                "mase": list(self.mase.values()),
                "relative_mase": [m / naive for m in self.mase.values()],
                "chosen": [m == self.chosen_model for m in self.mase],
            }
        )
        for level in LEVELS:
            key = f"{round(level * 100):d}"
            own = [interval_metrics(self.errors, m, level, False) for m in self.mase]
            fixed = [interval_metrics(self.errors, m, level, True) for m in self.mase]
            frame[f"coverage_{key}"] = [o["coverage"] for o in own]
            frame[f"msis_{key}"] = [o["msis"] for o in own]
            frame[f"calibrated_msis_{key}"] = [f["msis"] for f in fixed]
        return frame


def backtest_origins(
    n_months: int,
    horizon: int,
    season: int,
    step: int = 3,
    max_origins: int = 8,
    min_train: int | None = None,
) -> list[int]:
    """Positions of the forecast origins for a series of ``n_months`` (see module docstring).

    Raises
    ------
    AnalysisError
        When the series is too short for even one origin.
    """
    min_train = 2 * season if min_train is None else min_train
    last = n_months - horizon
    if last < min_train:
        raise AnalysisError(
            f"a backtest with a {horizon}-month horizon needs at least {min_train + horizon} "
            f"months ({min_train} to train, {horizon} to test); the series has {n_months}"
        )
    origins = list(range(last, min_train - 1, -step))[:max_origins]
    return sorted(origins)


def backtest(
    series: pd.Series,
    horizon: int = 12,
    season: int = 12,
    models: Sequence[str] | None = None,
    step: int = 3,
    max_origins: int = 8,
    min_train: int | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of the registered models, scored by MASE.

    Parameters
    ----------
    series : pandas.Series
        Monthly non-negative values indexed by month-start Timestamps; NaN marks a gap.
    horizon : int
        Months ahead forecast from each origin.
    season : int
        Seasonal period (12 for monthly data).
    models : sequence of str, optional
        Model names (default: all registered). Seasonal naive is always included.
    step, max_origins, min_train : int
        Origin spacing, most origins, least training months (default ``2 * season``).

    Returns
    -------
    BacktestResult

    Raises
    ------
    AnalysisError
        Invalid series or arguments, a series too short for one origin, or a constant training
        series (the MASE scale is zero).
    UnknownNameError
        An unknown model name.
    """
    for name, value in (
        ("horizon", horizon),
        ("season", season),
        ("step", step),
        ("max_origins", max_origins),
    ):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise AnalysisError(f"{name} must be a positive integer, got {value!r}")
    if season < 2:
        raise AnalysisError(f"season must be at least 2, got {season}")
    names = resolve_models(models)
    values, filled, n_gaps = _prepare(series)
    observed = values.to_numpy()
    origins = backtest_origins(len(values), horizon, season, step, max_origins, min_train)

    scales = {}
    for origin in origins:
        train = observed[:origin]
        diffs = np.abs(train[season:] - train[:-season])
        diffs = diffs[~np.isnan(diffs)]
        scale = float(diffs.mean()) if len(diffs) else float("nan")
        if not scale > 0:
            raise AnalysisError(
                f"the training data before {values.index[origin]:%Y-%m} repeat exactly each "
                "season (or are all gaps), so the MASE scale is zero and accuracy is undefined"
            )
        scales[origin] = scale

    rows, notes = [], []
    mase: dict[str, float] = {}
    for name in names:
        model = get(name)
        model_rows = []
        try:
            fitted = model.fit(filled[: origins[0]], season)
            points = fitted.forecast_origins(filled, origins, horizon)
            spreads = fitted.log_sd_origins(filled, origins, horizon)
            if not (np.all(np.isfinite(points)) and np.all(np.isfinite(spreads))):
                raise AnalysisError("non-finite forecast")
            if not np.all(spreads > 0):
                raise AnalysisError("a forecast interval of zero width")
            for origin, point, spread in zip(
                origins, np.clip(points, 0, None), spreads, strict=True
            ):
                for k in range(horizon):
                    actual = observed[origin + k]
                    if np.isnan(actual):
                        continue
                    model_rows.append(
                        (
                            name,
                            values.index[origin],
                            values.index[origin + k],
                            k + 1,
                            actual,
                            float(point[k]),
                            scales[origin],
                            abs(actual - point[k]) / scales[origin],
                            float(np.log1p(actual) - np.log1p(point[k])),
                            float(spread[k]),
                        )
                    )
        except Exception as exc:  # noqa: BLE001 - any model failure is reported, not fatal
            notes.append(f"{name} failed ({type(exc).__name__}: {exc}); left out of the choice")
            mase[name] = float("nan")
            continue
        rows.extend(model_rows)
        mase[name] = float(np.mean([r[7] for r in model_rows]))  # the scaled errors

    if np.isnan(mase["seasonal_naive"]):
        raise AnalysisError("the seasonal naive benchmark failed: " + "; ".join(notes))
    errors = pd.DataFrame(
        rows,
        columns=["model", "origin", "month", "step", "actual", "forecast", "scale",
                 "scaled_error", "log_error", "log_sd"],
    )  # fmt: skip
    valid = {k: v for k, v in mase.items() if not np.isnan(v)}
    chosen = choose_model(errors, valid, names)
    if n_gaps:
        notes.append(f"{n_gaps} interior gap(s) interpolated for fitting; not scored")
    return BacktestResult(
        mase=mase,
        chosen_model=chosen,
        origins=[values.index[o] for o in origins],
        errors=errors,
        n_months=len(values),
        horizon=horizon,
        season=season,
        n_gaps_filled=n_gaps,
        notes=notes,
    )


# --------------------------------------------------------------------------- forecast


@dataclass
class ForecastResult:
    """The result of :func:`forecast`.

    Attributes
    ----------
    mean, lower, upper : pandas.Series
        Point forecast (median for the log-scale models) and prediction-interval bounds, indexed
        by the forecast months.
    model : str
    level : float
    history : pandas.Series
        The series forecast from (trimmed).
    backtest : BacktestResult or None
        The backtest that chose the model, when ``model="auto"``.
    calibrated : bool
        True when the intervals were calibrated on the backtest's errors (split-conformal,
        :func:`conformal_multiplier`); False for the model's own intervals, which the backtest
        shows can be too narrow (ETS's held about three months in four at 95%).
    half_width : numpy.ndarray or None
        The calibrated half-width of each month's interval on the ``log(1 + y)`` scale (the
        interval is ``(1 + point) exp(+/- half_width) - 1``).
    """

    mean: pd.Series
    lower: pd.Series
    upper: pd.Series
    model: str
    level: float
    history: pd.Series
    backtest: BacktestResult | None = None
    notes: list[str] = field(default_factory=list)
    calibrated: bool = False
    half_width: np.ndarray | None = None

    def frame(self) -> pd.DataFrame:
        """Columns ``forecast``, ``lower``, ``upper`` indexed by month."""
        return pd.DataFrame({"forecast": self.mean, "lower": self.lower, "upper": self.upper})


def forecast(
    series: pd.Series,
    horizon: int = 12,
    model: str | None = "auto",
    level: float = 0.95,
    season: int = 12,
    backtest_result: BacktestResult | None = None,
) -> ForecastResult:
    """Forecast ``horizon`` months ahead with prediction intervals.

    Parameters
    ----------
    series : pandas.Series
        Monthly non-negative values indexed by month-start Timestamps; NaN marks a gap.
    horizon : int
        Months to forecast.
    model : str or None
        A registered model name, or ``"auto"``/None to choose by :func:`backtest`.
    level : float
        Prediction-interval coverage, in (0, 1).
    season : int
        Seasonal period.
    backtest_result : BacktestResult, optional
        Reuse an existing backtest for the choice instead of running one.

    Returns
    -------
    ForecastResult

    Raises
    ------
    AnalysisError
        Invalid series or arguments, or a model that cannot be fitted to the series.
    UnknownNameError
        An unknown model name.
    """
    if not 0 < level < 1:
        raise AnalysisError(f"level must be between 0 and 1, got {level!r}")
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise AnalysisError(f"horizon must be a positive integer, got {horizon!r}")
    chosen_by = backtest_result
    if model in (None, "auto"):
        chosen_by = backtest_result or backtest(series, horizon=horizon, season=season)
        model = chosen_by.chosen_model
    fitter = get(model)
    values, filled, n_gaps = _prepare(series)
    try:
        fitted = fitter.fit(filled, season)
        point, lower, upper = fitted.forecast(horizon, level)
    except AnalysisError:
        raise
    except Exception as exc:  # noqa: BLE001 - statsmodels raises many types
        raise AnalysisError(f"{model} could not be fitted: {type(exc).__name__}: {exc}") from exc
    index = pd.date_range(values.index[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    notes = [f"{n_gaps} interior gap(s) interpolated for fitting"] if n_gaps else []
    half_width = None
    if chosen_by is not None and horizon <= chosen_by.horizon:
        half_width = chosen_by.half_width(model, level, horizon)
    if half_width is not None:
        # As wide as the backtest's own errors at each step were, at this level.
        lower, upper = interval_bounds(point, half_width, 1.0)
    else:
        notes.append(
            "prediction intervals are the model's own, not calibrated: too few backtest "
            "errors to check them"
        )
    return ForecastResult(
        mean=pd.Series(np.clip(point, 0, None), index=index, name="forecast"),
        lower=pd.Series(np.clip(lower, 0, None), index=index, name="lower"),
        upper=pd.Series(np.clip(upper, 0, None), index=index, name="upper"),
        model=model,
        level=level,
        history=values,
        backtest=chosen_by,
        notes=notes,
        calibrated=half_width is not None,
        half_width=half_width,
    )


def seasonal_naive_mae(values: Iterable[float], season: int = 12) -> float:
    """In-sample mean absolute seasonal-naive error, the MASE denominator (gaps skipped)."""
    y = np.asarray(list(values), dtype=float)
    diffs = np.abs(y[season:] - y[:-season])
    diffs = diffs[~np.isnan(diffs)]
    if not len(diffs):
        raise AnalysisError(f"need more than {season} values with observed pairs a season apart")
    return float(diffs.mean())
