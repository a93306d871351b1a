"""The calendar the reports count in: months, financial years (April to March) and their labels.

Every period a reader sees ("September 2025", "April to September 2025", "2024/25",
"2025/26 Q1", "year ending September 2025") is named here, once. Analysis results use the same
labels as keys of their tables, so the wording layer (:mod:`csp_analysis.report.wording`)
re-exports these rather than writing its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError

MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


def to_month(values) -> pd.Series:
    """Normalise dates, strings or timestamps to datetime64 at the first of the month.

    Conversion is done once per distinct value (a table holds few distinct months but may hold
    millions of records), which keeps it fast on large tables.
    """
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    distinct = pd.Series(np.asarray(uniques, dtype=object) if len(uniques) else [], dtype=object)
    converted = pd.to_datetime(distinct, errors="coerce")
    bad = converted.isna() & distinct.notna()
    if bad.any():
        raise AnalysisError(f"month value {distinct[bad].iloc[0]!r} is not a date")
    firsts = converted.dt.to_period("M").dt.to_timestamp().to_numpy(dtype="datetime64[ns]")
    taken = firsts[np.clip(codes, 0, None)] if len(firsts) else np.full(len(codes), np.nan)
    out = np.where(codes >= 0, taken, np.datetime64("NaT", "ns")).astype("datetime64[ns]")
    return pd.Series(out, index=series.index, name=series.name)


def month_start(value) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise AnalysisError(f"{value!r} is not a date or month (expected e.g. '2025-09')") from None
    if pd.isna(stamp):
        raise AnalysisError(f"{value!r} is not a date or month (expected e.g. '2025-09')")
    return pd.Timestamp(stamp.year, stamp.month, 1)


def financial_year(date):
    """Financial year (April to March) of a date, e.g. 2025-03-01 -> "2024/25".

    Parameters
    ----------
    date : date-like or Series of dates

    Returns
    -------
    str or pandas.Series of str
    """
    if isinstance(date, (pd.Series, pd.Index, np.ndarray, list)):
        months = to_month(pd.Series(date))
        start = months.dt.year - (months.dt.month < 4).astype(int)
        return start.astype(str) + "/" + ((start + 1) % 100).map("{:02d}".format)
    month = month_start(date)
    start = month.year - (1 if month.month < 4 else 0)
    return f"{start}/{(start + 1) % 100:02d}"


def financial_quarter(date):
    """Financial quarter 1-4 of a date (1 = April to June, 4 = January to March).

    Parameters
    ----------
    date : date-like or Series of dates

    Returns
    -------
    int or pandas.Series of int
    """
    if isinstance(date, (pd.Series, pd.Index, np.ndarray, list)):
        months = to_month(pd.Series(date))
        return ((months.dt.month - 4) % 12) // 3 + 1
    month = month_start(date)
    return (month.month - 4) % 12 // 3 + 1


def fy_quarter_label(date):
    """Label of the financial quarter holding a date, e.g. 2025-05-01 -> "2025/26 Q1".

    Parameters
    ----------
    date : date-like or Series of dates

    Returns
    -------
    str or pandas.Series of str
    """
    if isinstance(date, (pd.Series, pd.Index, np.ndarray, list)):
        return financial_year(date) + " Q" + financial_quarter(date).astype(str)
    return f"{financial_year(date)} Q{financial_quarter(date)}"


def month_label(date) -> str:
    """Month name and year, e.g. "September 2025"."""
    month = month_start(date)
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def period_label(start, end) -> str:
    """Label of a run of months: "April to September 2025", "April 2025 to January 2026" or
    "April 2025"."""
    start, end = month_start(start), month_start(end)
    if start == end:
        return month_label(start)
    if start.year == end.year:
        return f"{MONTH_NAMES[start.month - 1]} to {month_label(end)}"
    return f"{month_label(start)} to {month_label(end)}"


def financial_year_start(month: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(month.year - (1 if month.month < 4 else 0), 4, 1)


def year_ending_label(date) -> str:
    """Label of the 12 months to a month, e.g. "year ending September 2025"."""
    return "year ending " + month_label(date)
