"""Rates per 1,000 population, exact Poisson confidence intervals, peer comparison and funnels.

Method
------
* Confidence limits for a Poisson count ``O`` at level ``1 - a``:

  - Garwood (1936, Biometrika 28:437-442), the exact interval from the chi-squared
    distribution: ``L = chi2(a/2, 2O) / 2`` (0 when ``O = 0``) and
    ``U = chi2(1 - a/2, 2O + 2) / 2``.
  - Byar's approximation to it (Breslow and Day, 1987, *Statistical Methods in Cancer
    Research* II, p. 69), used by the Office for Health Improvement and Disparities (OHID,
    formerly PHE/APHO, "Technical Briefing 3: Commonly used public health statistics and their
    confidence intervals", 2008): ``L = O (1 - 1/(9O) - z/(3 sqrt O))^3`` and
    ``U = (O + 1) (1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3`` with ``z`` the standard normal
    quantile.

  Rate limits are the count limits divided by the population, times 1,000 (the population is
  treated as known exactly, as in those guides).
* Peer comparison follows the ONS "most similar group" presentation: the group average is the
  unweighted mean of the members' rates *including the area itself*, ranks put the highest rate
  first, and the published rate is rounded to a whole number per 1,000, halves rounded up (the
  rounding is done on the exact fraction ``count x 1,000 / population``, so 2.5 never becomes
  2.4999 by floating point). An area is significantly above or below the average when its
  confidence interval excludes the average.
* Funnel-plot limits (Spiegelhalter, 2005, *Statistics in Medicine* 24:1185-1202, appendix
  A.1.1) are exact Poisson limits around the group rate for each population, with his
  interpolation between the discrete quantiles so that the funnel is smooth.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from csp_analysis.core.exceptions import AnalysisError

__all__ = [
    "CI_METHODS",
    "funnel_limits",
    "funnel_position",
    "overdispersion",
    "overdispersed_funnel_limits",
    "level_key",
    "peer_comparison",
    "poisson_ci",
    "population_for_year",
    "rate_per_1000",
    "round_half_up",
]

CI_METHODS = {
    "garwood": "exact Poisson (Garwood)",
    "byar": "Byar's approximation to the exact Poisson",
}
PER = 1000


def _check_level(level: float) -> float:
    if not isinstance(level, (int, float)) or not 0 < level < 1:
        raise AnalysisError(f"confidence level must be between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(level)


def _check_method(method: str) -> str:
    key = str(method).lower()
    if key not in CI_METHODS:
        raise AnalysisError(
            f"unknown confidence interval method {method!r}; use one of: {', '.join(CI_METHODS)}"
        )
    return key


def _check_counts(count, what: str = "count") -> np.ndarray:
    values = np.asarray(count, dtype=float)
    if np.isnan(values).any():
        raise AnalysisError(f"{what} contains missing values (NaN); drop or fill gaps first")
    if (values < 0).any():
        raise AnalysisError(f"{what} must be non-negative, got {values[values < 0].flat[0]:g}")
    if (values != np.round(values)).any():
        bad = values[values != np.round(values)].flat[0]
        raise AnalysisError(f"{what} must be whole numbers (counts), got {bad:g}")
    return values


def poisson_ci(count, level: float = 0.95, method: str = "garwood"):
    """Confidence interval for a Poisson count.

    Parameters
    ----------
    count : int or array-like of int
        Observed counts (non-negative whole numbers).
    level : float, default 0.95
        Confidence level.
    method : {"garwood", "byar"}
        Exact chi-squared interval (Garwood) or Byar's approximation.

    Returns
    -------
    (lower, upper)
        Floats for a scalar count, numpy arrays otherwise.

    Raises
    ------
    AnalysisError
        For negative, fractional or missing counts, a level outside (0, 1) or an unknown method.
    """
    level = _check_level(level)
    method = _check_method(method)
    values = _check_counts(count)
    alpha = 1 - level
    if method == "garwood":
        with np.errstate(invalid="ignore"):
            lower = np.where(values > 0, stats.chi2.ppf(alpha / 2, 2 * values) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * values + 2) / 2
    else:
        z = stats.norm.ppf(1 - alpha / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            safe = np.where(values > 0, values, 1.0)
            lower = np.where(
                values > 0, values * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3, 0.0
            )
        plus = values + 1
        upper = plus * (1 - 1 / (9 * plus) + z / (3 * np.sqrt(plus))) ** 3
        lower = np.maximum(lower, 0.0)
    if np.ndim(count) == 0:
        return float(lower), float(upper)
    return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)


def _check_population(population) -> np.ndarray:
    values = np.asarray(population, dtype=float)
    if np.isnan(values).any():
        raise AnalysisError("population contains missing values")
    if (values <= 0).any():
        raise AnalysisError(f"population must be positive, got {values[values <= 0].flat[0]:g}")
    return values


def round_half_up(numerator, denominator=1) -> int:
    """Round ``numerator / denominator`` to the nearest whole number, halves away from zero.

    Exact for integer (or decimal-string) inputs, unlike ``round()`` (which rounds halves to
    even) and unlike float arithmetic (where 2.5 can arrive as 2.4999999).

    Parameters
    ----------
    numerator, denominator : int, float, str or Fraction

    Returns
    -------
    int
    """
    value = Fraction(str(numerator) if isinstance(numerator, float) else numerator) / Fraction(
        str(denominator) if isinstance(denominator, float) else denominator
    )
    sign = -1 if value < 0 else 1
    value = abs(value)
    whole = int(value)
    return sign * (whole + (1 if value - whole >= Fraction(1, 2) else 0))


def rate_per_1000(count, population, level: float = 0.95, method: str = "garwood") -> pd.DataFrame:
    """Crude rate per 1,000 population with a Poisson confidence interval.

    Parameters
    ----------
    count : int or array-like of int
    population : int or array-like of int
        Same shape as ``count`` (or a scalar).
    level : float, default 0.95
    method : {"garwood", "byar"}

    Returns
    -------
    pandas.DataFrame
        Columns ``count, population, rate, lower, upper, published_rate, method`` (one row per
        count); ``published_rate`` is the rate rounded to a whole number, halves up.
    """
    method = _check_method(method)
    counts = np.atleast_1d(_check_counts(count))
    pops = np.atleast_1d(_check_population(population))
    if pops.size == 1 and counts.size > 1:
        pops = np.repeat(pops, counts.size)
    if pops.shape != counts.shape:
        raise AnalysisError(
            f"count and population have different lengths ({counts.size} and {pops.size})"
        )
    lower, upper = poisson_ci(counts, level, method)
    frame = pd.DataFrame(
        {
            "count": counts.astype("int64"),
            "population": pops,
            "rate": counts / pops * PER,
            "lower": lower / pops * PER,
            "upper": upper / pops * PER,
        }
    )
    frame["published_rate"] = [
        round_half_up(int(c) * PER, _exact(p)) for c, p in zip(counts, pops, strict=True)
    ]
    frame["method"] = f"{CI_METHODS[method]} {level:.0%} confidence interval"
    if np.all(pops == np.round(pops)):
        frame["population"] = pops.astype("int64")
    return frame


def _exact(population: float):
    return int(population) if population == int(population) else Fraction(str(population))


def _significance_label(lower: float, upper: float, reference: float) -> str:
    if lower > reference:
        return "significantly higher"
    if upper < reference:
        return "significantly lower"
    return "not significantly different"


def peer_comparison(
    table: pd.DataFrame,
    focus: str | None = None,
    area: str = "area",
    count: str = "count",
    population: str = "population",
    level: float = 0.95,
    method: str = "garwood",
) -> pd.DataFrame:
    """Compare areas' rates per 1,000 with the average of their peer group.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per area of the group (the focus area included) with an area name, a count and
        a population column.
    focus : str, optional
        The area the report is about; flagged in ``is_focus``.
    area, count, population : str
        Column names in ``table``.
    level : float, default 0.95
    method : {"garwood", "byar"}

    Returns
    -------
    pandas.DataFrame
        Sorted by rank: ``area, count, population, rate, lower, upper, published_rate, rank,
        n_areas, group_average, difference, pct_difference, comparison, is_focus, method``.
        ``rank`` 1 is the highest rate (ties share the best rank); ``group_average`` is the mean
        of the members' rates including the area itself; ``difference`` is ``rate -
        group_average``; ``comparison`` says whether the interval excludes the average.

    Raises
    ------
    AnalysisError
        Missing columns, duplicate or missing area names, fewer than two areas, an unknown
        focus, or invalid counts/populations (naming the area).
    """
    for col in (area, count, population):
        if col not in table:
            raise AnalysisError(
                f"peer_comparison: column {col!r} not in the table (columns: "
                f"{', '.join(map(str, table.columns))})"
            )
    frame = table[[area, count, population]].copy()
    if frame[area].isna().any():
        raise AnalysisError("peer_comparison: an area name is missing")
    dupes = frame[area][frame[area].duplicated()].unique()
    if len(dupes):
        raise AnalysisError(f"peer_comparison: area {dupes[0]!r} appears more than once")
    if len(frame) < 2:
        raise AnalysisError("peer_comparison needs at least two areas in the group")
    for _, row in frame.iterrows():
        value = row[count]
        if pd.isna(value) or value < 0 or value != round(value):
            raise AnalysisError(
                f"peer_comparison: area {row[area]!r}: count must be a non-negative whole "
                f"number, got {value!r}"
            )
        if pd.isna(row[population]) or row[population] <= 0:
            raise AnalysisError(
                f"peer_comparison: area {row[area]!r}: population must be positive, got "
                f"{row[population]!r}"
            )
    if focus is not None and focus not in set(frame[area]):
        raise AnalysisError(
            f"peer_comparison: focus area {focus!r} is not in the group "
            f"({', '.join(map(str, frame[area]))})"
        )
    rates = rate_per_1000(frame[count].to_numpy(), frame[population].to_numpy(), level, method)
    out = pd.concat(
        [frame[[area]].reset_index(drop=True).rename(columns={area: "area"}), rates], axis=1
    )
    out["rank"] = out["rate"].rank(ascending=False, method="min").astype("int64")
    out["n_areas"] = len(out)
    average = float(out["rate"].mean())
    out["group_average"] = average
    out["difference"] = out["rate"] - average
    out["pct_difference"] = 100 * out["difference"] / average if average > 0 else np.nan
    out["comparison"] = [
        _significance_label(lo, hi, average)
        for lo, hi in zip(out["lower"], out["upper"], strict=True)
    ]
    out["is_focus"] = out["area"] == focus if focus is not None else False
    columns = [
        "area", "count", "population", "rate", "lower", "upper", "published_rate", "rank",
        "n_areas", "group_average", "difference", "pct_difference", "comparison", "is_focus",
        "method",
    ]  # fmt: skip
    return out[columns].sort_values(["rank", "area"]).reset_index(drop=True)


def _spiegelhalter_quantile(p: float, expected: np.ndarray) -> np.ndarray:
    """Interpolated Poisson quantile (Spiegelhalter 2005, appendix A.1.1)."""
    r = stats.poisson.ppf(p, expected)
    cdf_r = stats.poisson.cdf(r, expected)
    cdf_below = stats.poisson.cdf(r - 1, expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(cdf_r > cdf_below, (cdf_r - p) / (cdf_r - cdf_below), 0.0)
    return np.maximum(r - fraction, 0.0)


def level_key(level: float) -> str:
    """The column suffix of a funnel-limit level: its percentage without the decimal point.

    ``0.95 -> "95"``, ``0.998 -> "998"``. Dropping the point keeps ``lower_998`` a valid Python
    identifier (usable with ``itertuples`` and attribute access), the spelling
    :mod:`csp_analysis.report.charts` has always used.

    Parameters
    ----------
    level : float
        Two-sided coverage, strictly between 0 and 1.

    Returns
    -------
    str
    """
    return f"{_check_level(level) * 100:g}".replace(".", "")


def funnel_limits(
    populations, group_rate: float, levels: Sequence[float] = (0.95, 0.998)
) -> pd.DataFrame:
    """Funnel-plot control limits (rates per 1,000) around a group rate.

    Parameters
    ----------
    populations : array-like
        Populations at which to evaluate the limits (e.g. ``np.linspace(min, max, 200)``).
    group_rate : float
        Target rate per 1,000 (e.g. the group's pooled rate).
    levels : sequence of float, default (0.95, 0.998)
        Two-sided coverage of each pair of limits (0.998 is the conventional "3 sigma").

    Returns
    -------
    pandas.DataFrame
        ``population, expected`` and, per level, ``lower_95, upper_95, lower_998,
        upper_998``: the level in percent with its decimal point dropped (see
        :func:`level_key`), the names :func:`csp_analysis.report.charts.funnel_chart` reads, so its
        output can be passed to that chart as it is.
    """
    pops = _check_population(np.atleast_1d(populations))
    if not np.isfinite(group_rate) or group_rate <= 0:
        raise AnalysisError(f"funnel_limits: group rate must be positive, got {group_rate!r}")
    expected = pops * group_rate / PER
    frame = pd.DataFrame({"population": pops, "expected": expected})
    for level in levels:
        level = _check_level(level)
        tail = (1 - level) / 2
        key = level_key(level)
        frame[f"lower_{key}"] = _spiegelhalter_quantile(tail, expected) / pops * PER
        frame[f"upper_{key}"] = _spiegelhalter_quantile(1 - tail, expected) / pops * PER
    return frame


def overdispersion(counts, populations, group_rate: float, winsor: float = 0.10) -> float:
    """Between-area variance of rates beyond chance, the additive random-effects ``tau^2``.

    Spiegelhalter D.J. (2005), "Handling over-dispersion of performance indicators", Quality
    and Safety in Health Care 14:347-351: z-scores of the areas' rates against the group rate
    under the Poisson model, Winsorised at ``winsor`` and ``1 - winsor``; the dispersion
    ``phi = mean(z^2)``; when ``I * phi`` exceeds ``I - 1``,
    ``tau^2 = (I * phi - (I - 1)) / (sum w - sum w^2 / sum w)`` with ``w = 1 / s^2``, else 0.

    Parameters
    ----------
    counts, populations : array-like
        One per area.
    group_rate : float
        Rate per 1,000 the funnel is centred on.

    Returns
    -------
    float
        ``tau^2`` in (rate per 1,000) squared; 0 when the areas vary no more than chance.
    """
    counts = np.asarray(counts, dtype=float)
    pops = _check_population(np.asarray(populations, dtype=float))
    if len(counts) != len(pops) or len(counts) < 3:
        raise AnalysisError("overdispersion: needs one count per population, three areas or more")
    rate = counts / pops * PER
    se = np.sqrt(group_rate / pops * PER)  # Poisson standard error of a rate per 1,000
    z = (rate - group_rate) / se
    low, high = np.quantile(z, [winsor, 1 - winsor])
    z = np.clip(z, low, high)
    n_areas = len(z)
    phi = float(np.mean(z**2))
    if n_areas * phi <= n_areas - 1:
        return 0.0
    w = 1 / se**2
    return float((n_areas * phi - (n_areas - 1)) / (w.sum() - (w**2).sum() / w.sum()))


def overdispersed_funnel_limits(
    populations, group_rate: float, tau2: float, levels: Sequence[float] = (0.95, 0.998)
) -> pd.DataFrame:
    """Funnel limits widened for overdispersion: ``group_rate +/- z * sqrt(s^2 + tau^2)``
    with ``s^2`` the Poisson variance of a rate per 1,000 at each population (normal
    approximation, as Spiegelhalter 2005 uses with random effects); the same columns as
    :func:`funnel_limits`. Lower limits stop at zero."""
    from scipy.stats import norm

    pops = _check_population(np.atleast_1d(populations))
    if not np.isfinite(group_rate) or group_rate <= 0:
        raise AnalysisError(f"funnel limits: group rate must be positive, got {group_rate!r}")
    if not np.isfinite(tau2) or tau2 < 0:
        raise AnalysisError(f"funnel limits: tau^2 must be zero or more, got {tau2!r}")
    frame = pd.DataFrame({"population": pops, "expected": pops * group_rate / PER})
    spread = np.sqrt(group_rate / pops * PER + tau2)
    for level in levels:
        level = _check_level(level)
        key = level_key(level)
        z = norm.ppf(1 - (1 - level) / 2)
        frame[f"lower_{key}"] = np.maximum(group_rate - z * spread, 0.0)
        frame[f"upper_{key}"] = group_rate + z * spread
    frame.attrs["tau2"] = tau2
    return frame


def funnel_position(
    table: pd.DataFrame,
    group_rate: float | None = None,
    levels: Sequence[float] = (0.95, 0.998),
    area: str = "area",
    count: str = "count",
    population: str = "population",
) -> pd.DataFrame:
    """Where each area falls on the funnel plot.

    Parameters
    ----------
    table : pandas.DataFrame
        Areas with count and population columns.
    group_rate : float, optional
        Target rate per 1,000; defaults to the pooled rate (total count / total population).

    Returns
    -------
    pandas.DataFrame
        ``area, count, population, rate, group_rate``, the limits at each area's population, and
        ``position``: "above 99.8% limit", "above 95% limit", "within limits", "below 95%
        limit" or "below 99.8% limit".
    """
    for col in (area, count, population):
        if col not in table:
            raise AnalysisError(f"funnel_position: column {col!r} not in the table")
    counts = _check_counts(table[count].to_numpy(), "count")
    pops = _check_population(table[population].to_numpy())
    if group_rate is None:
        group_rate = counts.sum() / pops.sum() * PER
    limits = funnel_limits(pops, group_rate, levels)
    out = pd.DataFrame({"area": table[area].to_numpy(), "count": counts, "population": pops})
    out["rate"] = counts / pops * PER
    out["group_rate"] = group_rate
    out = pd.concat([out, limits.drop(columns=["population"])], axis=1)
    positions = np.full(len(out), "within limits", dtype=object)
    for level in sorted(levels):  # widest limit last, so it wins
        key, name = level_key(level), f"{level * 100:g}"
        positions[out["rate"] > out[f"upper_{key}"]] = f"above {name}% limit"
        positions[out["rate"] < out[f"lower_{key}"]] = f"below {name}% limit"
    out["position"] = positions
    return out


def population_for_year(
    population: pd.DataFrame, year: int, area: str = "csp_code"
) -> pd.DataFrame:
    """Each area's population for a year, falling back to the latest earlier estimate.

    ONS mid-year estimates are published about a year in arrears, so rates for the latest year
    of crime usually rest on the previous year's (or an earlier) estimate; the year used is
    returned and must be quoted with the rate.

    Parameters
    ----------
    population : pandas.DataFrame
        The processed population table (``csp_code, csp_name, year, population``).
    year : int
        Mid-year wanted (e.g. 2025 for calendar 2025, or the first year of a financial year).
    area : str, default "csp_code"
        The area column.

    Returns
    -------
    pandas.DataFrame
        One row per area: the area columns, ``population``, ``population_year`` and ``note``
        ("" when the wanted year was available, else e.g. "mid-2023 estimate, the latest
        available for 2025").

    Raises
    ------
    AnalysisError
        Missing columns, non-positive populations (naming the area and year), or an area with
        no estimate for the year or any earlier one.
    """
    for col in (area, "year", "population"):
        if col not in population:
            raise AnalysisError(f"population_for_year: column {col!r} not in the population table")
    bad = population.loc[~(population["population"] > 0)]
    if len(bad):
        row = bad.iloc[0]
        raise AnalysisError(
            f"population for {row[area]!r} in {row['year']} must be positive, got "
            f"{row['population']!r}"
        )
    rows = []
    for key, part in population.groupby(area, sort=True):
        usable = part.loc[part["year"] <= year]
        if usable.empty:
            raise AnalysisError(
                f"no population estimate for {key!r} for {year} or earlier (it has "
                f"{', '.join(map(str, sorted(part['year'])))})"
            )
        chosen = usable.loc[usable["year"].idxmax()]
        used = int(chosen["year"])
        note = "" if used == year else f"mid-{used} estimate, the latest available for {year}"
        row = {col: chosen[col] for col in population.columns if col not in ("year", "source")}
        row.update(population=int(chosen["population"]), population_year=used, note=note)
        rows.append(row)
    return pd.DataFrame(rows)
