"""Seasonal decomposition of a monthly series: STL, seasonal indices, strength measures.

Method
------
The series is decomposed with STL, "Seasonal-Trend decomposition using Loess" (Cleveland,
Cleveland, McRae & Terpenning 1990, *Journal of Official Statistics* 6(1), 3-73), using the
statsmodels implementation in its robust form (bisquare robustness weights, so a one-off spike
such as a lockdown month does not bend the seasonal pattern).

The seasonal smoother works on the cycle-subseries (all the Januaries, all the Februaries...), so
its window ``n_s`` counts *years*, and with ``seasonal_degree=1`` each subseries is fitted by a
local straight line. On a decade of monthly counts, a window of 13 (or 35) years with degree 1
covers the whole series and so lets every month's factor follow its own straight line: noise in
a few Octobers becomes a steady "drift" of the October factor (on the demo data, Herefordshire
all crime: October's index fell from 1.04 over the first three years to 0.92 over the last
three, and October 2025 was seasonally adjusted to 1,245 against 1,108 recorded; periodic gives
1.03 throughout and 1,076), although crime seasonality is close to stable. The default is therefore Cleveland et
al.'s *periodic* case, implemented as R's ``stl(s.window = "periodic")`` does it: a locally
constant (degree 0) seasonal smoother with a window of ``10 n + 1`` - wider than the series - so
each month's factor is the robust mean over all years and the pattern is the same every year.
Hyndman & Athanasopoulos (FPP2 section 6.6, FPP3 section 3.6) describe ``s.window`` as
controlling how fast the seasonal component may change, with "periodic" the choice for a pattern
assumed constant. A finite odd ``seasonal_window`` (>= 7, the paper's recommended minimum) is
still available for series whose seasonality really evolves; with degree 0 it is a moving
average over that many years.

Crime counts vary seasonally in proportion to their level, so by default (``model="auto"``) a
series with no zero months is decomposed on the log scale, which makes the decomposition
multiplicative: ``y = trend x seasonal x remainder``. A series containing zeros cannot be logged
and is decomposed additively on the original scale. Either way, :attr:`Decomposition.
seasonal_indices` are reported as multiplicative indices averaging 1 over the year (1.12 means
"12% above an average month"); for the additive model they are ``(level + seasonal) / level``
with ``level`` the mean of the trend component.

The strengths of trend and of seasonality are the measures of Wang, Smith & Hyndman (2006,
"Characteristic-based clustering for time series data", *Data Mining and Knowledge Discovery*
13, 335-364) in the form given in Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed., section 4.3)::

    F_T = max(0, 1 - Var(R) / Var(T + R))      F_S = max(0, 1 - Var(R) / Var(S + R))

computed on the scale the decomposition was made on (log or original). Values near 0 mean no
trend (seasonality) beyond the noise; values near 1 mean a strong one.

A decomposition is not attempted, and :attr:`Decomposition.ok` is ``False`` with a plain
:attr:`Decomposition.reason`, when the series spans fewer than two full seasonal cycles (24
months), when more than a tenth of its months are gaps, or when most of its observed months are
zero: STL on such data produces components that look precise but mean nothing.

Gaps (NaN) are never treated as zero. Leading and trailing gaps are trimmed; the few interior
gaps allowed are filled by linear interpolation (on the decomposition's scale) only so that STL
can run, their count is reported, and the seasonally adjusted series stays NaN there.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import STL

from csp_analysis.core.exceptions import AnalysisError

MONTH_NAMES = tuple(calendar.month_abbr[1:])
MIN_CYCLES = 2
#: The fewest months a monthly series needs for a decomposition (two full years).
MIN_MONTHS = MIN_CYCLES * 12
MAX_GAP_SHARE = 0.10
MAX_ZERO_SHARE = 0.5
PERIODIC = "periodic"


def validate_monthly(series, what: str = "series", allow_negative: bool = False) -> pd.Series:
    """Check a monthly series and return it complete, sorted and float-valued.

    Months absent from the index are added as gaps (NaN), never as zeros.

    Parameters
    ----------
    series : pandas.Series
        Values indexed by month-start Timestamps (a ``DatetimeIndex``; ``PeriodIndex`` of months
        is converted).
    what : str
        How to name the series in error messages.
    allow_negative : bool
        Accept negative values (counts and rates never are).

    Returns
    -------
    pandas.Series
        Float series with a complete month-start (``freq="MS"``) index from the first to the last
        month given.

    Raises
    ------
    AnalysisError
        If the input is not a Series, is not indexed by month starts, has duplicate months, holds
        non-numeric, infinite or (unless allowed) negative values, or is empty.
    """
    if not isinstance(series, pd.Series):
        raise AnalysisError(f"{what}: expected a pandas Series, got {type(series).__name__}")
    index = series.index
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp(how="start")
    if not isinstance(index, pd.DatetimeIndex):
        raise AnalysisError(
            f"{what}: the index must be month-start dates (a DatetimeIndex), "
            f"got {type(series.index).__name__}"
        )
    if len(series) == 0:
        raise AnalysisError(f"{what}: the series is empty")
    if index.tz is not None:
        index = index.tz_localize(None)
    not_month_start = ~((index.day == 1) & (index.normalize() == index))
    if not_month_start.any():
        bad = index[not_month_start][0]
        raise AnalysisError(
            f"{what}: index values must be month starts (day 1, midnight); first offender {bad}"
        )
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise AnalysisError(f"{what}: month {dup:%Y-%m} appears more than once")
    try:
        values = pd.to_numeric(pd.Series(series.to_numpy(), index=index), errors="raise")
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"{what}: values must be numeric ({exc})") from None
    values = values.astype(float).sort_index()
    finite = values.dropna()
    if np.isinf(finite.to_numpy()).any():
        month = finite.index[np.isinf(finite.to_numpy())][0]
        raise AnalysisError(f"{what}: infinite value at {month:%Y-%m}")
    if not allow_negative and (finite < 0).any():
        month = finite.index[finite < 0][0]
        raise AnalysisError(
            f"{what}: negative value {finite[month]:g} at {month:%Y-%m}; counts and rates "
            "cannot be negative"
        )
    full = pd.date_range(values.index[0], values.index[-1], freq="MS")
    values = values.reindex(full)
    values.index.name = series.index.name
    values.name = series.name
    return values


def trim_gaps(series: pd.Series) -> pd.Series:
    """Drop leading and trailing gaps (NaN) from a monthly series; interior gaps stay."""
    observed = series.notna().to_numpy()
    if not observed.any():
        return series.iloc[0:0]
    first = int(np.argmax(observed))
    last = len(observed) - int(np.argmax(observed[::-1]))
    return series.iloc[first:last]


@dataclass
class Decomposition:
    """The result of :func:`decompose`.

    Attributes
    ----------
    ok : bool
        Whether a decomposition was made. When ``False`` the component attributes are ``None``,
        the strengths NaN, and :attr:`reason` says why.
    reason : str or None
        Plain statement of why the series could not be decomposed.
    series : pandas.Series
        The series as analysed (gaps trimmed at both ends, still NaN inside).
    trend, seasonal, resid : pandas.Series or None
        STL components on the decomposition's scale (log for ``model == "multiplicative"``).
    seasonally_adjusted : pandas.Series or None
        The series with the seasonal effect removed, on the original scale (NaN at gaps).
    seasonal_indices : pandas.Series or None
        Multiplicative seasonal index per month of the year (index Jan..Dec for period 12),
        averaging 1.
    strength_trend, strength_seasonal : float
        Wang-Smith-Hyndman strengths in [0, 1].
    model : str
        ``"multiplicative"`` or ``"additive"``.
    n_gaps_filled : int
        Interior gaps interpolated so STL could run.
    seasonal_window : int or str
        The seasonal window asked for (``"periodic"`` or an odd number of years).
    """

    ok: bool
    reason: str | None
    series: pd.Series
    period: int
    model: str
    trend: pd.Series | None = None
    seasonal: pd.Series | None = None
    resid: pd.Series | None = None
    seasonally_adjusted: pd.Series | None = None
    seasonal_indices: pd.Series | None = None
    strength_trend: float = float("nan")
    strength_seasonal: float = float("nan")
    n_gaps_filled: int = 0
    notes: list[str] = field(default_factory=list)
    seasonal_window: int | str = PERIODIC

    def frame(self) -> pd.DataFrame:
        """Per-month table: observed, trend, seasonal, resid, seasonally adjusted."""
        columns = {"observed": self.series}
        if self.ok:
            columns.update(
                trend=self.trend,
                seasonal=self.seasonal,
                resid=self.resid,
                seasonally_adjusted=self.seasonally_adjusted,
            )
        return pd.DataFrame(columns)


def _strength(component: np.ndarray, resid: np.ndarray) -> float:
    denominator = np.var(component + resid, ddof=1)
    if denominator <= 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(resid, ddof=1) / denominator))


def decompose(
    series: pd.Series,
    period: int = 12,
    robust: bool = True,
    model: str = "auto",
    seasonal_window: int | str = PERIODIC,
    seasonal_degree: int = 0,
) -> Decomposition:
    """Robust STL decomposition of a monthly series with seasonal indices and strengths.

    Parameters
    ----------
    series : pandas.Series
        Monthly values (counts or rates) indexed by month-start Timestamps; NaN marks a gap.
    period : int
        Length of the seasonal cycle in months.
    robust : bool
        Use STL's robust (bisquare-weighted) fitting.
    model : {"auto", "multiplicative", "additive"}
        ``"auto"`` is multiplicative when every observed value is positive, else additive.
    seasonal_window : "periodic" or int, default "periodic"
        STL seasonal smoother span, in cycles (years for monthly data). ``"periodic"`` (R's
        ``s.window = "periodic"``: a span of ``10 n + 1``) holds the seasonal pattern constant
        over the series, as suits crime, whose seasonality is close to stable; an odd integer
        >= 7 lets it evolve over roughly that many years.
    seasonal_degree : {0, 1}, default 0
        Degree of the seasonal loess: 0 (locally constant, R's default) or 1 (locally linear,
        statsmodels' default). Degree 1 with a span longer than the series fits a straight line
        through each month's values, i.e. lets the factors drift; use it only deliberately.

    Returns
    -------
    Decomposition
        With ``ok=False`` and a ``reason`` when the series is too short, too gappy or mostly
        zeros.

    Raises
    ------
    AnalysisError
        For an invalid series (see :func:`validate_monthly`), period, model or window, or a
        multiplicative model asked of a series with zeros.
    """
    if not isinstance(period, (int, np.integer)) or period < 2:
        raise AnalysisError(f"period must be an integer >= 2, got {period!r}")
    _check_options(model, seasonal_window, seasonal_degree)
    values = trim_gaps(validate_monthly(series))
    observed = values.dropna()
    chosen = model
    if model == "auto":
        chosen = "multiplicative" if len(observed) and (observed > 0).all() else "additive"
    if model == "multiplicative" and (observed <= 0).any():
        raise AnalysisError(
            "a multiplicative decomposition needs every observed value to be positive; "
            f"{int((observed <= 0).sum())} month(s) are zero"
        )
    reason = _too_little_data(values, observed, period)
    if reason is not None:
        return Decomposition(
            ok=False,
            reason=reason,
            series=values,
            period=period,
            model=chosen,
            seasonal_window=seasonal_window,
        )
    scaled = np.log(values) if chosen == "multiplicative" else values.copy()
    filled = scaled.interpolate(method="linear", limit_area="inside")
    span = seasonal_window
    if span == PERIODIC:
        # R's stl(): periodic means a span of 10 n + 1 (n the series length), wider than any
        # cycle-subseries, so the tricube weights are all but equal; made odd as STL requires.
        span = 10 * len(values) + 1
    fit = STL(
        filled, period=period, seasonal=int(span), seasonal_deg=seasonal_degree, robust=robust
    ).fit()
    trend, seasonal = fit.trend, fit.seasonal
    gaps = values.isna()
    resid = fit.resid.where(~gaps)
    factors, adjusted = _seasonal_indices(values, trend, seasonal, chosen, period)
    keep = ~gaps.to_numpy()
    return Decomposition(
        ok=True,
        reason=None,
        series=values,
        period=period,
        model=chosen,
        trend=trend.rename("trend"),
        seasonal=seasonal.rename("seasonal"),
        resid=resid.rename("resid"),
        seasonally_adjusted=adjusted.where(~gaps).rename("seasonally_adjusted"),
        seasonal_indices=factors,
        strength_trend=_strength(trend.to_numpy()[keep], resid.to_numpy()[keep]),
        strength_seasonal=_strength(seasonal.to_numpy()[keep], resid.to_numpy()[keep]),
        n_gaps_filled=int(gaps.sum()),
        seasonal_window=seasonal_window,
    )


def _check_options(model, seasonal_window, seasonal_degree) -> None:
    if model not in ("auto", "multiplicative", "additive"):
        raise AnalysisError(f"model must be 'auto', 'multiplicative' or 'additive', got {model!r}")
    if isinstance(seasonal_window, str):
        if seasonal_window != PERIODIC:
            raise AnalysisError(
                f"seasonal_window must be 'periodic' or an odd integer >= 7, got {seasonal_window!r}"
            )
    elif (
        isinstance(seasonal_window, bool)
        or not isinstance(seasonal_window, (int, np.integer))
        or seasonal_window < 7
        or seasonal_window % 2 == 0
    ):
        raise AnalysisError(f"seasonal_window must be odd and >= 7, got {seasonal_window!r}")
    if seasonal_degree not in (0, 1) or isinstance(seasonal_degree, bool):
        raise AnalysisError(f"seasonal_degree must be 0 or 1, got {seasonal_degree!r}")


def _too_little_data(values: pd.Series, observed: pd.Series, period: int) -> str | None:
    """Why the series cannot be decomposed (too short, too many gaps, too sparse), or None."""
    n_months = len(values)
    if n_months < MIN_CYCLES * period:
        return (
            f"the series covers {n_months} month(s); at least {MIN_CYCLES * period} "
            f"({MIN_CYCLES} full years) are needed to separate a seasonal pattern from noise"
        )
    n_gaps = n_months - len(observed)
    if n_gaps > MAX_GAP_SHARE * n_months:
        return (
            f"{n_gaps} of its {n_months} months have no data (more than "
            f"{MAX_GAP_SHARE:.0%}), too many to interpolate"
        )
    n_zero = int((observed == 0).sum())
    if n_zero > MAX_ZERO_SHARE * len(observed):
        return (
            f"{n_zero} of its {len(observed)} observed months are zero; the counts are too "
            "sparse for a seasonal pattern to mean anything"
        )
    return None


def _seasonal_indices(values, trend, seasonal, chosen: str, period: int):
    """Seasonal indices averaging 1 over the cycle, and the seasonally adjusted series."""
    position = _season_position(values.index, period)
    if chosen == "multiplicative":
        factors = np.exp(seasonal).groupby(position).mean()
        # exp(seasonal) averages slightly above 1 (Jensen); divide by factors scaled to an
        # arithmetic mean of 1 so the adjusted series sits at the level of an average month.
        adjusted = values / (np.exp(seasonal) / factors.mean())
    else:
        level = float(trend.mean())
        factors = (level + seasonal.groupby(position).mean()) / level
        adjusted = values - seasonal
    factors = factors / factors.mean()
    if period == 12:
        factors.index = [MONTH_NAMES[i] for i in factors.index]
    factors.name = "seasonal_index"
    return factors, adjusted


def _season_position(index: pd.DatetimeIndex, period: int) -> np.ndarray:
    # For monthly data with a 12-month cycle the position is the calendar month (0 = January),
    # so indices line up with month names whatever month the series starts in.
    if period == 12:
        return index.month.to_numpy() - 1
    return np.arange(len(index)) % period
