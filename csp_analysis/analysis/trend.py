"""Underlying trend in monthly counts: a count GLM with seasonal, intervention and step terms.

Method
------
The monthly count ``y_t`` is modelled as negative binomial (NB2: variance ``mu + alpha mu^2``,
``alpha`` estimated by maximum likelihood; statsmodels ``NegativeBinomial``) with::

    log mu_t = log(population_t) + b0 + b1 * years_t + month-of-year_t + interventions_t + steps_t

* ``years_t`` is time in years, so ``exp(b1) - 1`` is the underlying annual change, reported in
  percent with a 95% Wald interval ``exp(b1 +/- 1.96 se) - 1`` and a two-sided p-value.
* Eleven month-of-year indicators absorb the seasonal pattern (a multiplicative seasonal factor
  per calendar month).
* Each month of an intervention period (default: the three COVID-19 national lockdowns in
  England, :data:`DEFAULT_LOCKDOWNS`) gets its own indicator, so those months are fitted exactly
  and neither bend the trend nor the seasonal terms; their coefficients are the months'
  departures from expectation.
* A step change (e.g. a recording-practice change) is an indicator that is 1 from its month on:
  a lasting multiplicative shift in level. Leaving a real step out biases the trend.
* With ``population`` the log population is an offset, so the trend is in the rate per head.

``family="quasipoisson"`` fits a Poisson GLM and scales standard errors by the Pearson
dispersion; ``family="poisson"`` assumes no over-dispersion (rarely true of crime counts). When the
negative-binomial fit does not converge the quasi-Poisson fit is used and a note says so.

:func:`expected_vs_observed` fits the same model to months up to ``fit_end`` only (e.g. the
pre-COVID years) and projects it over a later period. Its intervals are simulated: parameters
drawn from their estimated sampling distribution, then counts from the negative binomial (or the
quasi-Poisson gamma-Poisson mixture) around them, so they cover both the uncertainty in the trend
and the month-to-month noise of counts. Because maximum likelihood understates the negative
binomial dispersion in short fitting windows (by about ``(n - p) / n``, measured in the tests'
coverage study), the simulation inflates the dispersion and parameter covariance by ``n / (n - p)``.

Gaps (NaN) are left out of the fit, never counted as zero.

References: McCullagh & Nelder (1989) *Generalized Linear Models*; Hilbe (2011) *Negative
Binomial Regression*; Bernal, Cummins & Gasparrini (2017) "Interrupted time series regression
for the evaluation of public health interventions", *Int J Epidemiol* 46, 348-355.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from csp_analysis.analysis.seasonality import MONTH_NAMES, validate_monthly
from csp_analysis.core.exceptions import AnalysisError

MIN_MONTHS = 24
FAMILIES = ("negbin", "quasipoisson", "poisson")


@dataclass(frozen=True)
class Intervention:
    """A period (inclusive months ``"YYYY-MM"``) whose months each get their own term."""

    name: str
    start: str
    end: str

    def months(self) -> pd.DatetimeIndex:
        """The period's month starts."""
        start, end = _month(self.start, self.name), _month(self.end, self.name)
        if end < start:
            raise AnalysisError(f"intervention {self.name!r}: end {self.end} is before start")
        return pd.date_range(start, end, freq="MS")


@dataclass(frozen=True)
class StepChange:
    """A lasting change in level from month ``start`` (``"YYYY-MM"``) on."""

    start: str
    name: str = ""

    @property
    def label(self) -> str:
        """Term name used in the effects table."""
        return self.name or f"step from {self.start}"


# England's national lockdowns (Institute for Government timeline): 23 March 2020 to the
# easing of 1 June/4 July 2020; 5 November to 2 December 2020; 6 January 2021 to the end of
# "stay at home" on 29 March 2021.
DEFAULT_LOCKDOWNS: tuple[Intervention, ...] = (
    Intervention("first national lockdown", "2020-03", "2020-06"),
    Intervention("second national lockdown", "2020-11", "2020-11"),
    Intervention("third national lockdown", "2021-01", "2021-03"),
)
# Wales's (Welsh Government regulations; Senedd Research coronavirus timeline): "stay at home"
# from 23 March 2020, lifted to "stay local" on 1 June and lifted on 6 July 2020; the
# "firebreak" of 23 October to 9 November 2020; alert level 4 from 20 December 2020, with
# "stay at home" ending on 13 March and "stay local" on 27 March 2021.
WALES_LOCKDOWNS: tuple[Intervention, ...] = (
    Intervention("first national lockdown", "2020-03", "2020-06"),
    Intervention("firebreak lockdown", "2020-10", "2020-11"),
    Intervention("alert level 4 lockdown", "2020-12", "2021-03"),
)


def lockdowns_for(country: str) -> tuple[Intervention, ...]:
    """The COVID-19 lockdown periods of ``country`` ("England" or "Wales"), for the trend
    model's intervention terms: the two nations locked down on different dates."""
    return WALES_LOCKDOWNS if country == "Wales" else DEFAULT_LOCKDOWNS


def _month(value, what: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise AnalysisError(f"{what}: {value!r} is not a month (expected 'YYYY-MM')") from None
    if pd.isna(stamp):
        raise AnalysisError(f"{what}: {value!r} is not a month (expected 'YYYY-MM')")
    return stamp.to_period("M").to_timestamp()


def _as_interventions(interventions) -> list[Intervention]:
    result = []
    for item in interventions or ():
        if isinstance(item, Intervention):
            result.append(item)
        elif isinstance(item, Mapping):
            try:
                result.append(
                    Intervention(
                        str(item.get("name", item["start"])), str(item["start"]), str(item["end"])
                    )
                )
            except KeyError as exc:
                raise AnalysisError(f"intervention {dict(item)!r} lacks {exc}") from None
        elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
            name = item[0] if len(item) == 3 else f"{item[0]} to {item[1]}"
            result.append(Intervention(str(name), str(item[-2]), str(item[-1])))
        else:
            raise AnalysisError(
                f"intervention {item!r}: expected an Intervention, a (start, end) or "
                "(name, start, end) tuple, or a dict with start and end"
            )
    return result


def _as_steps(steps) -> list[StepChange]:
    result = []
    for item in steps or ():
        if isinstance(item, StepChange):
            result.append(item)
        elif isinstance(item, Mapping):
            start = item.get("from", item.get("start"))
            if start is None:
                raise AnalysisError(f"step change {dict(item)!r} lacks 'from'")
            result.append(StepChange(str(start), str(item.get("name", ""))))
        elif isinstance(item, (str, pd.Timestamp)):
            result.append(StepChange(str(pd.Timestamp(item).strftime("%Y-%m"))))
        else:
            raise AnalysisError(
                f"step change {item!r}: expected 'YYYY-MM', a StepChange or a dict with 'from'"
            )
    return result


def monthly_population(population, index: pd.DatetimeIndex) -> pd.Series:
    """Population for each month of ``index``.

    Parameters
    ----------
    population : float, dict of int to float, or pandas.Series
        A constant; mid-year estimates keyed by year (as in ``config/areas.yaml``), placed at
        July and interpolated linearly between years, held flat beyond the first and last; or a
        Series indexed by month starts (interpolated the same way).
    index : pandas.DatetimeIndex
        Months needed.

    Raises
    ------
    AnalysisError
        Non-positive or missing populations.
    """
    if isinstance(population, (int, float, np.integer, np.floating)):
        if not population > 0:
            raise AnalysisError(f"population must be positive, got {population!r}")
        return pd.Series(float(population), index=index)
    if isinstance(population, Mapping):
        population = pd.Series(population)
    if not isinstance(population, pd.Series) or population.empty:
        raise AnalysisError(
            "population must be a number, a {year: population} mapping or a pandas Series"
        )
    pop = population.dropna()
    if isinstance(pop.index, pd.DatetimeIndex):
        points = pop.copy()
    else:
        try:
            years = [int(y) for y in pop.index]
        except (TypeError, ValueError):
            raise AnalysisError("population keys must be years or month-start dates") from None
        points = pd.Series(pop.to_numpy(), index=[pd.Timestamp(y, 7, 1) for y in years])
    points = points.astype(float).sort_index()
    if (points <= 0).any():
        raise AnalysisError(
            f"population must be positive; got {points[points <= 0].iloc[0]:g} at "
            f"{points[points <= 0].index[0]:%Y-%m}"
        )
    grid = points.index.union(index)
    filled = points.reindex(grid).interpolate(method="time", limit_area="inside").ffill().bfill()
    return filled.reindex(index)


@dataclass
class _Design:
    """How to build the model matrix for any months (for projection)."""

    origin: pd.Timestamp
    centre: float
    month_levels: list[int]
    intervention_months: list[pd.Timestamp]
    steps: list[StepChange]
    columns: list[str]

    def matrix(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        months_since = (index.year - self.origin.year) * 12 + (index.month - self.origin.month)
        data = {"const": np.ones(len(index)), "years": months_since.to_numpy() / 12.0 - self.centre}
        for level in self.month_levels:
            data[f"month_{MONTH_NAMES[level - 1]}"] = (index.month == level).astype(float)
        for month in self.intervention_months:
            data[f"intervention_{month:%Y-%m}"] = (index == month).astype(float)
        for step in self.steps:
            data[step.label] = (index >= _month(step.start, step.label)).astype(float)
        return pd.DataFrame(data, index=index)[self.columns]


@dataclass
class TrendResult:
    """The result of :func:`fit_trend`.

    Attributes
    ----------
    annual_pct_change, lower, upper : float
        Underlying annual % change and its 95% interval.
    p_value : float
        Two-sided Wald test of no trend.
    method : str
        Plain description of the fitted model.
    effects : pandas.DataFrame
        Percent effect with interval for each intervention month and step (``term``,
        ``pct_change``, ``lower``, ``upper``).
    fitted : pandas.Series
        Fitted monthly counts at the observed months.
    dispersion : float
        NB ``alpha`` or quasi-Poisson Pearson dispersion (1 for Poisson).
    """

    annual_pct_change: float
    lower: float
    upper: float
    p_value: float
    method: str
    family: str
    n_months: int
    start: pd.Timestamp
    end: pd.Timestamp
    per_population: bool
    dispersion: float
    effects: pd.DataFrame
    fitted: pd.Series
    observed: pd.Series
    results: object = field(repr=False, default=None)
    design: _Design | None = field(repr=False, default=None)
    notes: list[str] = field(default_factory=list)

    @property
    def significant(self) -> bool:
        """Whether the 95% interval excludes no change."""
        return self.lower > 0 or self.upper < 0


def _check_counts(values: pd.Series, what: str) -> None:
    observed = values.dropna()
    non_integer = np.abs(observed - np.round(observed)) > 1e-9
    if non_integer.any():
        month = observed.index[non_integer.to_numpy()][0]
        raise AnalysisError(
            f"{what}: the trend model needs counts, but {month:%Y-%m} holds "
            f"{observed[month]:g}; pass counts with population= for a rate trend"
        )


def _build_design(index: pd.DatetimeIndex, interventions, steps) -> tuple[_Design, list[str]]:
    notes = []
    months_present = sorted(set(index.month))
    month_levels = months_present[1:]
    intervention_months = []
    for item in interventions:
        inside = [m for m in item.months() if m in index]
        if len(inside) < len(item.months()) and inside:
            notes.append(f"{item.name}: only {len(inside)} of its months are in the data")
        intervention_months.extend(m for m in inside if m not in intervention_months)
    kept_steps = []
    for step in steps:
        start = _month(step.start, step.label)
        after = int((index >= start).sum())
        if after == 0 or after == len(index):
            notes.append(
                f"{step.label}: outside the data ({index[0]:%Y-%m} to "
                f"{index[-1]:%Y-%m}), so no term was fitted"
            )
            continue
        kept_steps.append(step)
    origin = index[0]
    months_since = (index.year - origin.year) * 12 + (index.month - origin.month)
    centre = float(np.mean(months_since)) / 12.0
    columns = (
        ["const", "years"]
        + [f"month_{MONTH_NAMES[m - 1]}" for m in month_levels]
        + [f"intervention_{m:%Y-%m}" for m in intervention_months]
        + [s.label for s in kept_steps]
    )
    return _Design(origin, centre, month_levels, intervention_months, kept_steps, columns), notes


def fit_trend(
    series: pd.Series,
    population=None,
    interventions: Iterable = DEFAULT_LOCKDOWNS,
    steps: Iterable = (),
    family: str = "negbin",
    level: float = 0.95,
) -> TrendResult:
    """Fit the count GLM and return the underlying annual % change.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month-start Timestamps; NaN marks a gap (left out).
    population : float, dict or pandas.Series, optional
        Exposure (see :func:`monthly_population`); the trend is then per head.
    interventions : iterable
        :class:`Intervention` objects, ``(start, end)`` / ``(name, start, end)`` tuples or dicts
        with ``start`` and ``end`` (inclusive ``"YYYY-MM"``). Default :data:`DEFAULT_LOCKDOWNS`;
        pass ``()`` for none.
    steps : iterable
        Step changes: ``"YYYY-MM"``, :class:`StepChange` or dicts with ``"from"`` (the demo
        truth format).
    family : {"negbin", "quasipoisson", "poisson"}
    level : float
        Interval coverage.

    Returns
    -------
    TrendResult

    Raises
    ------
    AnalysisError
        Non-count values, fewer than 24 observed months, all-zero counts, an unknown family, a bad
        population, or a model that cannot be identified.
    """
    if family not in FAMILIES:
        raise AnalysisError(f"family must be one of {', '.join(FAMILIES)}; got {family!r}")
    if not 0 < level < 1:
        raise AnalysisError(f"level must be between 0 and 1, got {level!r}")
    values = validate_monthly(series)
    _check_counts(values, "series")
    observed = values.dropna()
    if len(observed) < MIN_MONTHS:
        raise AnalysisError(
            f"the trend model needs at least {MIN_MONTHS} observed months to separate trend "
            f"from season; the series has {len(observed)}"
        )
    if observed.sum() == 0:
        raise AnalysisError("every observed month is zero; there is no trend to estimate")
    design, notes = _build_design(
        observed.index, _as_interventions(interventions), _as_steps(steps)
    )
    X = design.matrix(observed.index)
    offset = None
    if population is not None:
        offset = np.log(monthly_population(population, observed.index).to_numpy())
    rank = np.linalg.matrix_rank(X.to_numpy())
    if rank < X.shape[1]:
        raise AnalysisError(
            f"the model terms are not identifiable from the data ({X.shape[1]} terms, rank "
            f"{rank}): steps or interventions overlap or cover too few months"
        )
    if len(observed) - X.shape[1] < 12:
        raise AnalysisError(
            f"{len(observed)} observed months leave too few ({len(observed) - X.shape[1]}) "
            "for the error after fitting the seasonal, intervention and step terms"
        )
    results, used_family, dispersion, fit_notes = _fit(observed.to_numpy(), X, offset, family)
    notes.extend(fit_notes)
    params, cov = _coefficients(results, X.columns)
    z = stats.norm.ppf(0.5 + level / 2)

    def pct(term: str) -> tuple[float, float, float]:
        b, se = params[term], np.sqrt(cov.loc[term, term])
        # A month with a zero count has an effect near -100% and a huge standard error; let
        # its upper bound be inf rather than warn.
        with np.errstate(over="ignore"):
            return tuple(100 * (np.exp(v) - 1) for v in (b, b - z * se, b + z * se))

    est, lo, hi = pct("years")
    b, se = params["years"], np.sqrt(cov.loc["years", "years"])
    p_value = float(2 * stats.norm.sf(abs(b / se)))
    effect_terms = [c for c in X.columns if c.startswith("intervention_")] + [
        s.label for s in design.steps
    ]
    effects = pd.DataFrame(
        [(t, *pct(t)) for t in effect_terms], columns=["term", "pct_change", "lower", "upper"]
    )
    linear = X.to_numpy() @ params[X.columns].to_numpy() + (0 if offset is None else offset)
    label = {"negbin": "negative binomial", "quasipoisson": "quasi-Poisson", "poisson": "Poisson"}[
        used_family
    ]
    method = (
        f"{label} GLM with month-of-year terms"
        + (", population offset" if population is not None else "")
        + (
            f", {len(design.intervention_months)} intervention month(s)"
            if design.intervention_months
            else ""
        )
        + (f", {len(design.steps)} step change(s)" if design.steps else "")
    )
    return TrendResult(
        annual_pct_change=float(est),
        lower=float(lo),
        upper=float(hi),
        p_value=p_value,
        method=method,
        family=used_family,
        n_months=len(observed),
        start=observed.index[0],
        end=observed.index[-1],
        per_population=population is not None,
        dispersion=float(dispersion),
        effects=effects,
        fitted=pd.Series(np.exp(linear), index=observed.index, name="fitted"),
        observed=observed,
        results=results,
        design=design,
        notes=notes,
    )


def _fit(y, X, offset, family):
    """Fit the chosen family; returns (results, family used, dispersion, notes)."""
    notes = []
    poisson = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = poisson.fit()
    if family == "negbin":
        model = sm.NegativeBinomial(y, X, offset=offset)
        # Poisson estimates are consistent for the mean and the Pearson dispersion gives a
        # moment estimate of alpha (Var = mu + alpha mu^2), so the search starts near the answer.
        mu = start.fittedvalues
        alpha0 = float(np.sum(((y - mu) ** 2 - mu) / mu**2) / max(len(y) - X.shape[1], 1))
        start_params = np.r_[start.params, min(max(alpha0, 1e-3), 10.0)]
        # BFGS is robust here; Newton can step alpha negative on these likelihoods.
        for method in ("bfgs", "newton"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    results = model.fit(
                        start_params=start_params, method=method, maxiter=200, disp=False
                    )
            except (np.linalg.LinAlgError, ValueError) as exc:
                notes.append(f"negative binomial fit ({method}) failed: {exc}")
                continue
            converged = bool(results.mle_retvals.get("converged", False))
            alpha = float(np.asarray(results.params)[-1])
            if converged and np.isfinite(alpha) and alpha >= 0 and np.all(np.isfinite(results.bse)):
                return results, "negbin", alpha, notes
        notes.append("the negative binomial fit did not converge; quasi-Poisson used instead")
        family = "quasipoisson"
    if family == "quasipoisson":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = poisson.fit(scale="X2")
        return results, "quasipoisson", float(results.scale), notes
    return start, "poisson", 1.0, notes


def _coefficients(results, columns) -> tuple[pd.Series, pd.DataFrame]:
    names = list(columns) + (["alpha"] if len(results.params) > len(columns) else [])
    params = pd.Series(np.asarray(results.params), index=names)
    cov = pd.DataFrame(np.asarray(results.cov_params()), index=params.index, columns=params.index)
    return params, cov


@dataclass
class ExpectedVsObserved:
    """The result of :func:`expected_vs_observed`.

    Attributes
    ----------
    frame : pandas.DataFrame
        Per month of the period: ``observed`` (NaN at gaps), ``expected``, ``lower``, ``upper``
        (prediction interval for a month's count).
    observed_total, expected_total, lower_total, upper_total : float
        Totals over the months with an observed value.
    difference_pct, difference_lower, difference_upper : float
        ``observed / expected - 1`` in percent with its interval.
    fit : TrendResult
        The model fitted up to ``fit_end``.
    """

    frame: pd.DataFrame
    observed_total: float
    expected_total: float
    lower_total: float
    upper_total: float
    difference_pct: float
    difference_lower: float
    difference_upper: float
    fit: TrendResult
    level: float
    n_missing: int = 0
    notes: list[str] = field(default_factory=list)


def expected_vs_observed(
    series: pd.Series,
    fit_end,
    period_start,
    period_end,
    population=None,
    interventions: Iterable = (),
    steps: Iterable = (),
    family: str = "negbin",
    level: float = 0.95,
    n_sims: int = 4000,
    seed: int = 20160401,
) -> ExpectedVsObserved:
    """What the trend up to ``fit_end`` predicted for a later period, against what happened.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month-start Timestamps (NaN = gap).
    fit_end : str or Timestamp
        Last month used to fit (e.g. ``"2020-02"`` for the pre-COVID trend).
    period_start, period_end : str or Timestamp
        The period compared (inclusive), after ``fit_end``.
    population, interventions, steps, family
        As for :func:`fit_trend`, applied to the fitting window (default: no interventions, as a
        pre-period normally has none).
    level : float
        Interval coverage.
    n_sims : int
        Simulation draws for the intervals.
    seed : int
        Random seed, so a report is reproducible.

    Returns
    -------
    ExpectedVsObserved

    Raises
    ------
    AnalysisError
        A period that is not after ``fit_end`` or lies outside the series, plus any
        :func:`fit_trend` error on the fitting window.
    """
    fit_end = _month(fit_end, "fit_end")
    period_start, period_end = (
        _month(period_start, "period_start"),
        _month(period_end, "period_end"),
    )
    if period_start <= fit_end:
        raise AnalysisError(
            f"period_start {period_start:%Y-%m} must be after fit_end {fit_end:%Y-%m}, so the "
            "comparison is out of sample"
        )
    if period_end < period_start:
        raise AnalysisError(f"period_end {period_end:%Y-%m} is before period_start")
    if n_sims < 100:
        raise AnalysisError(f"n_sims must be at least 100, got {n_sims}")
    values = validate_monthly(series)
    if period_end > values.index[-1] or fit_end < values.index[0]:
        raise AnalysisError(
            f"the series covers {values.index[0]:%Y-%m} to {values.index[-1]:%Y-%m}; the fit "
            f"window must end and the period ({period_start:%Y-%m} to {period_end:%Y-%m}) lie "
            "within it"
        )
    fit = fit_trend(
        values[values.index <= fit_end],
        population=population,
        interventions=interventions,
        steps=steps,
        family=family,
        level=level,
    )
    months = pd.date_range(period_start, period_end, freq="MS")
    X = fit.design.matrix(months).to_numpy()
    params, cov = _coefficients(fit.results, fit.design.columns)
    beta = params[fit.design.columns].to_numpy()
    beta_cov = cov.loc[fit.design.columns, fit.design.columns].to_numpy()
    offset = 0.0
    if population is not None:
        offset = np.log(monthly_population(population, months).to_numpy())
    # Maximum likelihood understates the NB dispersion (and so the spread) in short fitting
    # windows by about (n - p) / n, as for any ML variance; inflate both by n / (n - p). The
    # quasi-Poisson Pearson dispersion already divides by n - p.
    n_obs, n_par = fit.n_months, len(fit.design.columns)
    inflate = n_obs / (n_obs - n_par) if fit.family == "negbin" else 1.0
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(beta, beta_cov * inflate, size=n_sims, method="cholesky")
    mu = np.exp(draws @ X.T + offset)
    counts = _simulate_counts(rng, mu, fit.family, fit.dispersion * inflate)
    expected = np.exp(X @ beta + offset)
    observed = values.reindex(months)
    have = observed.notna().to_numpy()
    tail = (1 - level) / 2
    frame = pd.DataFrame(
        {
            "observed": observed.to_numpy(),
            "expected": expected,
            "lower": np.quantile(counts, tail, axis=0),
            "upper": np.quantile(counts, 1 - tail, axis=0),
        },
        index=months,
    )
    notes = []
    if not have.all():
        notes.append(
            f"{int((~have).sum())} month(s) of the period have no data and are left "
            "out of the totals"
        )
    if not have.any():
        raise AnalysisError("no month of the comparison period has data")
    totals = counts[:, have].sum(axis=1)
    observed_total = float(observed.to_numpy()[have].sum())
    expected_total = float(expected[have].sum())
    ratio = observed_total / np.maximum(totals, 1e-12)
    return ExpectedVsObserved(
        frame=frame,
        observed_total=observed_total,
        expected_total=expected_total,
        lower_total=float(np.quantile(totals, tail)),
        upper_total=float(np.quantile(totals, 1 - tail)),
        difference_pct=100 * (observed_total / expected_total - 1),
        difference_lower=float(100 * (np.quantile(ratio, tail) - 1)),
        difference_upper=float(100 * (np.quantile(ratio, 1 - tail) - 1)),
        fit=fit,
        level=level,
        n_missing=int((~have).sum()),
        notes=notes + fit.notes,
    )


def _simulate_counts(rng, mu: np.ndarray, family: str, dispersion: float) -> np.ndarray:
    """Draw counts around ``mu``: NB2 for negbin, a gamma-Poisson matching the quasi-Poisson
    variance ``phi * mu`` when ``phi > 1``, else Poisson."""
    if family == "negbin" and dispersion > 1e-8:
        size = 1.0 / dispersion
        return rng.negative_binomial(size, size / (size + mu))
    if family == "quasipoisson" and dispersion > 1:
        # Gamma-Poisson with variance phi * mu: gamma shape mu / (phi - 1), scale phi - 1.
        lam = rng.gamma(mu / (dispersion - 1), dispersion - 1)
        return rng.poisson(lam)
    return rng.poisson(mu)
