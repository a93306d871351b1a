"""Seasonal profile chart: each financial year's months overlaid, or the seasonal indices."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import (
    _auto_decimals,
    _monthly,
    _new_figure,
    _spread_labels,
    _style_text,
    _suppression_mask,
    _value_axis,
    _with_markers,
    _y_title,
    _zero_based_limits,
)
from csp_analysis.report.charts.figure import Chart
from csp_analysis.report.charts.style import _FY_MONTHS, LINESTYLES, MARKERS, PALETTE


def seasonal_profile_chart(
    counts: pd.Series,
    *,
    measure: str,
    area: str,
    max_years: int = 4,
    suppressed: pd.Series | None = None,
    unit: str = "Offences per month",
    caption: str | None = None,
) -> Chart:
    """Each financial year's months from April to March, one line per year.

    Parameters
    ----------
    counts : pandas.Series
        Monthly counts indexed by month-start Timestamps.
    measure, area : str
        As for :func:`trend_chart`.
    max_years : int, default 4
        Draw the most recent financial years only (at most 5, one per palette colour); the
        data table holds all of them.
    suppressed : pandas.Series of bool, optional
        Months withheld for disclosure control: not drawn or averaged, ``"[c]"`` in the table.
    unit : str
        The y-axis title.
    caption : str, optional

    Returns
    -------
    Chart
    """
    if not 1 <= max_years <= len(PALETTE):
        raise AnalysisError(f"seasonal_profile_chart: max_years must be 1 to {len(PALETTE)}")
    values = _monthly(counts, "seasonal_profile_chart counts")
    mask = _suppression_mask(suppressed, values.index, "seasonal_profile_chart")
    values = values.mask(mask)
    decimals = _auto_decimals(values)
    table = _by_financial_year(values).astype(float)
    years = list(table.columns)
    shown = years[-max_years:]
    return Chart(
        figure=_draw_profile(table, shown, decimals, unit),
        alt=_profile_alt_text(table, shown, measure, area),
        data=_by_financial_year(_with_markers(values, mask, decimals)),
        caption=caption or f"Monthly {measure} in {area} by financial year",
        name=slugify(f"{measure}-{area}-seasonal-profile"),
        decimals={year: decimals for year in years},
        count_columns=list(years) if decimals == 0 else [],
    )


_MONTH_NAMES_FY = [pd.Timestamp(2000, m, 1).strftime("%B") for m in _FY_MONTHS]


def _by_financial_year(column: pd.Series) -> pd.DataFrame:
    """Months (April to March) down, financial years across."""
    grid = pd.DataFrame(
        {
            "year": [wording.financial_year(m) for m in column.index],
            "month": [m.strftime("%B") for m in column.index],
            "value": column.to_numpy(),
        }
    ).pivot(index="month", columns="year", values="value")
    grid = grid.reindex(_MONTH_NAMES_FY)
    grid.index.name = "Month"
    grid.columns.name = None
    return grid


def _draw_profile(table: pd.DataFrame, shown: list[str], decimals: int, unit: str):
    figure, axes = _new_figure()
    positions = np.arange(12)
    labels = []
    # Most recent year drawn last (on top) and in black, the strongest colour.
    for rank, year in enumerate(reversed(shown)):
        column = table[year].to_numpy(dtype=float)
        axes.plot(
            positions,
            column,
            color=PALETTE[rank],
            marker=MARKERS[rank],
            linestyle=LINESTYLES[rank],
            linewidth=2.2 if rank == 0 else 1.5,
            markersize=5,
            zorder=10 - rank,
        )
        valid = np.flatnonzero(~np.isnan(column))
        if len(valid):
            labels.append(
                {
                    "y": column[valid[-1]],
                    "text": year,
                    "colour": PALETTE[rank],
                    "weight": "bold" if rank == 0 else "normal",
                }
            )
    axes.set_xticks(positions, [m[:3] for m in _MONTH_NAMES_FY])
    axes.set_xlim(-0.4, 11.4)
    axes.set_ylim(*_zero_based_limits(table[shown].to_numpy(dtype=float)))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)
    return figure


def _profile_alt_text(table: pd.DataFrame, shown: list[str], measure: str, area: str) -> str:
    years = list(table.columns)
    average = table[years].mean(axis=1, skipna=True)
    overall = average.mean()
    high_month, low_month = average.idxmax(), average.idxmin()
    span = shown[0] if len(shown) == 1 else f"{shown[0]} to {shown[-1]}"
    alt = (
        f"Monthly {measure} in {area} for each financial year from {span}, April to March. "
        f"Averaged over {len(years)} financial year{'s' if len(years) != 1 else ''}, the highest "
        f"month is {high_month} ({wording.number(average[high_month], 1)}) and the lowest is "
        f"{low_month} ({wording.number(average[low_month], 1)})"
    )
    if overall and np.isfinite(overall):
        above = (average[high_month] / overall - 1) * 100
        below = (1 - average[low_month] / overall) * 100
        alt += (
            f", {wording.number(above, 0)}% above and {wording.number(below, 0)}% below the "
            "average month"
        )
    alt += "."
    if len(years) > len(shown):
        alt += " Earlier years are in the data table only."
    return alt
