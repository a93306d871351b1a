"""Monthly counts summed to quarters, financial years (April to March) and rolling "year ending"
12-month totals; a period with any missing month is NaN, never a silent undercount."""

from __future__ import annotations

import pandas as pd

from csp_analysis.analysis.series import _require
from csp_analysis.core.calendar import (
    financial_quarter,
    financial_year,
    fy_quarter_label,
    month_label,
    to_month,
)
from csp_analysis.core.exceptions import AnalysisError

__all__ = ["financial_year_counts", "quarterly_counts", "rolling_12_month"]


def _group_columns(monthly: pd.DataFrame) -> list[str]:
    _require(monthly, ("month", "count"), "a monthly count table")
    return [c for c in monthly.columns if c not in ("month", "count")]


def _aggregate_periods(monthly: pd.DataFrame, period_of, months_per_period: int) -> pd.DataFrame:
    by = _group_columns(monthly)
    frame = monthly.copy()
    frame["month"] = to_month(frame["month"])
    frame["_period_start"] = period_of(frame["month"])
    keys = [*by, "_period_start"]

    frame["_has_data"] = frame["count"].notna().astype("int64")
    grouped = frame.groupby(keys, dropna=False, sort=True)
    out = pd.DataFrame(
        {
            # min_count=1: a period with no data at all is NaN, not 0
            "count": grouped["count"].sum(min_count=1),
            "months_with_data": grouped["_has_data"].sum(),
        }
    ).reset_index()
    out["months_expected"] = months_per_period
    out["complete"] = out["months_with_data"] == months_per_period
    return out.rename(columns={"_period_start": "period_start"})


def quarterly_counts(monthly: pd.DataFrame) -> pd.DataFrame:
    """Financial-quarter totals from a monthly count table.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Output of :func:`monthly_counts` (``month, *by, count``).

    Returns
    -------
    pandas.DataFrame
        Columns ``financial_year, quarter, label, period_start, *by, count, months_with_data,
        months_expected, complete``. ``count`` sums the months with data; ``complete`` is False
        when any of the three months is a gap or outside the range, and such a total must not be
        compared with complete quarters. A quarter with no data at all has NaN.
    """
    by = _group_columns(monthly)
    out = _aggregate_periods(
        monthly, lambda m: m.dt.to_period("Q-MAR").dt.start_time.astype("datetime64[ns]"), 3
    )
    out.insert(0, "financial_year", financial_year(out["period_start"]))
    out.insert(1, "quarter", financial_quarter(out["period_start"]).astype("int64"))
    out.insert(2, "label", fy_quarter_label(out["period_start"]))
    cols = ["financial_year", "quarter", "label", "period_start", *by, "count"]
    return out[[*cols, "months_with_data", "months_expected", "complete"]]


def financial_year_counts(monthly: pd.DataFrame) -> pd.DataFrame:
    """Financial-year (April to March) totals from a monthly count table.

    Returns
    -------
    pandas.DataFrame
        Columns ``financial_year, period_start, *by, count, months_with_data, months_expected,
        complete`` with the same incomplete-period rule as :func:`quarterly_counts`.
    """
    by = _group_columns(monthly)
    out = _aggregate_periods(
        monthly,
        lambda m: pd.to_datetime(
            {"year": m.dt.year - (m.dt.month < 4).astype(int), "month": 4, "day": 1}
        ).astype("datetime64[ns]"),
        12,
    )
    out.insert(0, "financial_year", financial_year(out["period_start"]))
    cols = ["financial_year", "period_start", *by, "count"]
    return out[[*cols, "months_with_data", "months_expected", "complete"]]


def rolling_12_month(monthly: pd.DataFrame) -> pd.DataFrame:
    """Rolling "year ending" 12-month totals.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Output of :func:`monthly_counts`. Months missing from the frame are treated as gaps.

    Returns
    -------
    pandas.DataFrame
        Columns ``month, *by, count, label`` where ``month`` is the last month of the year
        and ``label`` reads "year ending September 2025". ``count`` is NaN unless all 12
        months to that month have data.
    """
    by = _group_columns(monthly)
    frame = monthly.copy()
    frame["month"] = to_month(frame["month"])
    if frame.empty:
        return pd.DataFrame(columns=["month", *by, "count", "label"])
    pieces = []
    groups = frame.groupby(by, dropna=False, sort=True) if by else [((), frame)]
    for key, part in groups:
        if part["month"].duplicated().any():
            raise AnalysisError(
                f"rolling_12_month: group {key} has more than one row for a month; aggregate "
                "first or add the distinguishing column to the table"
            )
        months = pd.date_range(part["month"].min(), part["month"].max(), freq="MS")
        series = part.set_index("month")["count"].reindex(months)
        rolled = series.rolling(12, min_periods=12).sum()
        # rolling() skips NaN inside a full window on some pandas versions; enforce the rule.
        complete = series.notna().astype(int).rolling(12, min_periods=12).sum() == 12
        rolled = rolled.where(complete)
        piece = pd.DataFrame({"month": months, "count": rolled.to_numpy()})
        key = key if isinstance(key, tuple) else (key,)
        for col, value in zip(by, key, strict=True):
            piece[col] = value
        pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    out["label"] = ["year ending " + month_label(m) for m in out["month"]]
    return out[["month", *by, "count", "label"]]
