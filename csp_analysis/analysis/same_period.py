"""Financial year-to-date totals compared with the same months a year earlier.

The comparison tests two Poisson counts observed over the same length of time with the exact
conditional test: given the total ``n = current + previous``, the current count is
Binomial(n, 0.5) under the null hypothesis of equal rates (Przyborowski and Wilenski, 1940; see
also Krishnamoorthy and Thomson, 2004, J. Stat. Plan. Inference 119:23-35). The two-sided p-value
is the exact binomial one (:func:`scipy.stats.binomtest`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from scipy import stats

from csp_analysis.analysis.aggregate import _group_columns
from csp_analysis.analysis.series import _require
from csp_analysis.core.calendar import (
    financial_year_start,
    month_label,
    month_start,
    period_label,
    to_month,
)
from csp_analysis.core.exceptions import AnalysisError

ALPHA = 0.05


YTD_METHOD = "exact conditional test of two Poisson counts (binomial)"


@dataclass(frozen=True)
class YearToDate:
    """A financial year-to-date total compared with the same months a year earlier.

        Attributes
        ----------

    __all__ = ["YearToDate", "poisson_ratio_test", "year_to_date", "year_to_date_table"]
        period_end : pandas.Timestamp
            Last month of the current period.
        current_label, previous_label : str
            e.g. "April to September 2025" and "April to September 2024".
        current, previous : float or None
            Totals (None when unavailable).
        change : float or None
            ``current - previous``.
        pct_change : float or None
            Percentage change; None when the previous total is zero.
        p_value : float or None
            Two-sided p-value of :data:`method`.
        significant : bool
            ``p_value < alpha``.
        method : str
            Name of the test, to print beside the result.
        available : bool
            False when either period has a gap; ``reason`` then says which months.
    """

    period_end: pd.Timestamp
    current_label: str
    previous_label: str
    current: float | None
    previous: float | None
    change: float | None
    pct_change: float | None
    p_value: float | None
    significant: bool
    method: str = YTD_METHOD
    alpha: float = ALPHA
    available: bool = True
    reason: str | None = None
    months: int = 0
    name: str | None = None
    numbers: dict = field(default_factory=dict)

    @property
    def direction(self) -> str:
        """ "increase", "decrease", "no change" or "unavailable"."""
        if not self.available:
            return "unavailable"
        if self.change > 0:
            return "increase"
        if self.change < 0:
            return "decrease"
        return "no change"


def _single_series(monthly: pd.DataFrame) -> pd.Series:
    by = _group_columns(monthly)
    frame = monthly
    for col in by:
        if frame[col].nunique(dropna=False) > 1:
            raise AnalysisError(
                f"year_to_date needs one series but column {col!r} has several values; filter "
                "the table first or use year_to_date_table(monthly, period_end, by=[...])"
            )
    months = to_month(frame["month"])
    if months.duplicated().any():
        raise AnalysisError("year_to_date: the table has more than one row for a month")
    return pd.Series(frame["count"].to_numpy(dtype=float), index=months.to_numpy())


def poisson_ratio_test(current: float, previous: float) -> float:
    """Two-sided exact conditional p-value for equal Poisson rates over equal exposures.

    Parameters
    ----------
    current, previous : int
        Counts over two periods of equal length.

    Returns
    -------
    float
        p-value of ``binomtest(current, current + previous, 0.5)``; 1.0 when both are zero.
    """
    c, p = int(round(current)), int(round(previous))
    if c < 0 or p < 0:
        raise AnalysisError(f"counts must be non-negative, got {c} and {p}")
    if c + p == 0:
        return 1.0
    return float(stats.binomtest(c, c + p, 0.5).pvalue)


def _gap_reason(gaps: list, series: pd.Series) -> str:
    """Say why a comparison is unavailable: data too short, or which months are gaps."""
    observed = series.dropna()
    if observed.empty:
        return "there is no data for either period"
    first, last = observed.index.min(), observed.index.max()
    if gaps[0] < first:
        return (
            f"the data start in {month_label(first)}, after the start of the previous period "
            f"({month_label(gaps[0])})"
        )
    if gaps[-1] > last:
        return f"the data end in {month_label(last)}, before the end of the current period"
    listed = ", ".join(month_label(m) for m in gaps[:6]) + (" ..." if len(gaps) > 6 else "")
    return f"no data for {listed} (a gap in the published data)"


def year_to_date(
    monthly: pd.DataFrame, period_end, alpha: float = ALPHA, name: str | None = None
) -> YearToDate:
    """Financial year to date against the same months of the previous year.

    Parameters
    ----------
    monthly : pandas.DataFrame
        One monthly series (``month, count`` and optional constant group columns), e.g. one
        CSP's counts from :func:`monthly_counts`.
    period_end : date-like
        Last month of the current period; the period starts in the April before it.
    alpha : float, default 0.05
        Significance level.
    name : str, optional
        Series name carried into findings.

    Returns
    -------
    YearToDate
        With ``available=False`` and a ``reason`` when any month of either period is a gap or
        outside the data.
    """
    if not 0 < alpha < 1:
        raise AnalysisError(f"alpha must be between 0 and 1, got {alpha}")
    series = _single_series(monthly)
    end = month_start(period_end)
    start = financial_year_start(end)
    current_months = pd.date_range(start, end, freq="MS")
    previous_months = current_months - pd.DateOffset(years=1)
    labels = (period_label(start, end), period_label(previous_months[0], previous_months[-1]))
    values_now = series.reindex(current_months)
    values_then = series.reindex(previous_months)
    gaps = [m for m, v in [*values_then.items(), *values_now.items()] if pd.isna(v)]
    if gaps:
        reason = _gap_reason(gaps, series)
        return YearToDate(
            end, *labels, None, None, None, None, None, False, alpha=alpha,
            available=False, reason=reason, months=len(current_months), name=name,
        )  # fmt: skip
    current, previous = float(values_now.sum()), float(values_then.sum())
    change = current - previous
    pct = None if previous == 0 else 100.0 * change / previous
    p_value = poisson_ratio_test(current, previous)
    return YearToDate(
        end, *labels, current, previous, change, pct, p_value, p_value < alpha, alpha=alpha,
        months=len(current_months), name=name,
        numbers={"current": current, "previous": previous, "change": change, "pct_change": pct},
    )  # fmt: skip


def year_to_date_table(
    monthly: pd.DataFrame, period_end, by: str | Sequence[str], alpha: float = ALPHA
) -> pd.DataFrame:
    """:func:`year_to_date` for every group of a monthly count table.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``*by, current_period, previous_period, current, previous, change,
        pct_change, p_value, significant, method, available, reason, result`` where
        ``result`` holds the :class:`YearToDate` object.
    """
    by = [by] if isinstance(by, str) else list(by)
    _require(monthly, by, "year_to_date_table")
    rows = []
    for key, part in monthly.groupby(by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        ytd = year_to_date(
            part[["month", "count"]], period_end, alpha, name=" / ".join(map(str, key))
        )
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "current_period": ytd.current_label,
                "previous_period": ytd.previous_label,
                "current": ytd.current,
                "previous": ytd.previous,
                "change": ytd.change,
                "pct_change": ytd.pct_change,
                "p_value": ytd.p_value,
                "significant": ytd.significant,
                "method": ytd.method,
                "available": ytd.available,
                "reason": ytd.reason,
                "result": ytd,
            }
        )
    return pd.DataFrame(rows)
