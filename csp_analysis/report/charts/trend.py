"""Trend chart: monthly or quarterly counts or rates with optional averages and usual range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import (
    _PERIODS,
    _auto_decimals,
    _change_phrase,
    _gap_sentence,
    _last_valid,
    _new_figure,
    _range_phrase,
    _regular,
    _spread_labels,
    _style_text,
    _suppression_mask,
    _time_axis,
    _value_axis,
    _with_markers,
    _y_title,
    _zero_based_limits,
)
from csp_analysis.report.charts.figure import Chart
from csp_analysis.report.charts.style import GREY, LINESTYLES, MARKERS, PALETTE


def trend_chart(
    counts: pd.Series,
    *,
    measure: str,
    area: str,
    rolling_window: int | str | None = "year",
    adjusted: pd.Series | None = None,
    usual_range: tuple[float, float] | None = None,
    suppressed: pd.Series | None = None,
    unit: str | None = None,
    caption: str | None = None,
    period: str | None = None,
) -> Chart:
    """Monthly (or quarterly) counts, with an optional rolling mean and seasonally adjusted line.

    Parameters
    ----------
    counts : pandas.Series
        Counts indexed by month-start Timestamps (for quarters, the first day of each quarter's
        first month), or by a monthly or quarterly PeriodIndex. NaN, or a period absent from
        the index, is a gap (drawn as a break, never as zero).
    measure : str
        What is counted, lower case, e.g. ``"domestic abuse offences"``.
    area : str
        Where, e.g. ``"Herefordshire"``.
    rolling_window : int, "year" or None, default "year"
        Draw the rolling mean over this many periods (only where the window is complete);
        "year" means 12 months or 4 quarters. None draws none.
    adjusted : pandas.Series, optional
        A seasonally adjusted series on the same months, drawn as its own line.
    usual_range : (float, float), optional
        Lower and upper limits of the usual range (e.g. SPC process limits); the alt text then
        says where the latest month falls.
    suppressed : pandas.Series of bool, optional
        Months withheld for disclosure control: drawn as gaps and shown as ``"[c]"``.
    unit : str, optional
        The y-axis title; defaults to "Offences per month" (or "per quarter").
    caption : str, optional
        Defaults to "Monthly <measure> in <area>, <first month> to <last month>" (or
        "Quarterly ..., 2023/24 Q1 to 2025/26 Q4").
    period : {"month", "quarter"}, optional
        The length of each period; inferred from the index when None (quarter starts spaced
        in whole quarters, or a quarterly PeriodIndex, read as quarterly). It sets the words
        of the alt text, caption and table, and the axis ticks.

    Returns
    -------
    Chart

    Raises
    ------
    AnalysisError
        If the series is not monthly or quarterly, is empty or holds non-numbers, or
        ``rolling_window < 2``.

    Examples
    --------
    >>> months = pd.date_range("2023-04-01", periods=36, freq="MS")
    >>> chart = trend_chart(pd.Series(range(95, 131), index=months),
    ...                     measure="domestic abuse offences", area="Herefordshire")
    >>> chart.alt.split(";")[0].split(".")[0]
    'Monthly domestic abuse offences in Herefordshire rose from 95 to 130 between April 2023 and March 2026'
    """
    points = _trend_points(counts, suppressed, period, rolling_window, adjusted)
    spec = _PERIODS[points.period]
    data, col_decimals, count_col = _trend_table(points, measure)
    values = points.values
    return Chart(
        figure=_draw_trend(points, usual_range, unit or f"Offences per {points.period}"),
        alt=_trend_alt_text(points, measure, area, usual_range),
        data=data,
        caption=caption
        or f"{spec.adjective} {measure} in {area}, {spec.label(values.index[0])} to "
        f"{spec.label(values.index[-1])}",
        name=slugify(f"{measure}-{area}-{spec.adjective.lower()}"),
        decimals=col_decimals,
        count_columns=[count_col] if points.decimals == 0 else [],
    )


@dataclass(frozen=True)
class _TrendPoints:
    """The validated chart input: values (withheld ones masked), the rolling average and the
    seasonally adjusted line when there are any."""

    values: pd.Series
    mask: pd.Series
    period: str
    rolling_window: int | None
    rolling: pd.Series | None
    adjusted: pd.Series | None
    decimals: int


def _trend_points(counts, suppressed, period, rolling_window, adjusted) -> _TrendPoints:
    values, period = _regular(counts, "trend_chart counts", period)
    mask = _suppression_mask(suppressed, values.index, "trend_chart")
    values = values.mask(mask)
    if rolling_window == "year":
        rolling_window = _PERIODS[period].per_year
    if rolling_window is not None and (
        not isinstance(rolling_window, (int, np.integer)) or rolling_window < 2
    ):
        raise AnalysisError(
            f'trend_chart: rolling_window must be at least 2 (or "year" or None), got '
            f"{rolling_window!r}"
        )
    rolling = None
    if rolling_window is not None and values.notna().sum() >= rolling_window:
        rolling = values.rolling(rolling_window, min_periods=rolling_window).mean()
        if not rolling.notna().any():
            rolling = None
    if adjusted is not None:
        adjusted = _regular(adjusted, "trend_chart adjusted", period)[0]
        adjusted = adjusted.reindex(values.index).mask(mask)
    return _TrendPoints(
        values, mask, period, rolling_window, rolling, adjusted, _auto_decimals(values)
    )


def _draw_trend(points: _TrendPoints, usual_range, unit: str):
    values, period, decimals = points.values, points.period, points.decimals
    spec = _PERIODS[period]
    figure, axes = _new_figure()
    axes.plot(
        values.index,
        values.to_numpy(),
        color=PALETTE[0],
        marker=MARKERS[0],
        markersize=4,
        linestyle=LINESTYLES[0],
        linewidth=1.6,
    )
    labels = [
        {"y": _last_valid(values)[1], "text": f"{spec.adjective} count", "colour": PALETTE[0]}
    ]
    if points.rolling is not None:
        axes.plot(
            points.rolling.index,
            points.rolling.to_numpy(),
            color=PALETTE[1],
            linestyle=LINESTYLES[1],
            linewidth=2.4,
        )
        name = f"{points.rolling_window}-{period} average"
        labels.append({"y": _last_valid(points.rolling)[1], "text": name, "colour": PALETTE[1]})
    if points.adjusted is not None:
        axes.plot(
            points.adjusted.index,
            points.adjusted.to_numpy(),
            color=PALETTE[2],
            linestyle=LINESTYLES[2],
            marker=MARKERS[2],
            markersize=3.5,
            linewidth=1.6,
        )
        if _last_valid(points.adjusted):
            labels.append(
                {
                    "y": _last_valid(points.adjusted)[1],
                    "text": "Seasonally adjusted",
                    "colour": PALETTE[2],
                }
            )
    if usual_range is not None:
        lower, upper = usual_range
        axes.axhspan(lower, upper, color="#000000", alpha=0.06, linewidth=0)
        for bound, name in ((upper, "Usual range top"), (lower, "Usual range bottom")):
            axes.axhline(bound, color=GREY, linestyle=":", linewidth=1.2)
            labels.append(
                {"y": bound, "text": f"{name} {wording.number(bound, decimals)}", "colour": GREY}
            )
    # Limits over every series drawn: a seasonally adjusted month can sit above every count.
    axes.set_ylim(*_zero_based_limits(values, points.rolling, points.adjusted, usual_range))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _time_axis(axes, values.index[0], values.index[-1], period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)
    return figure


def _trend_alt_text(points: _TrendPoints, measure: str, area: str, usual_range) -> str:
    values, period, decimals = points.values, points.period, points.decimals
    spec = _PERIODS[period]
    first_month, first_value = values.dropna().index[0], float(values.dropna().iloc[0])
    last_month, last_value = _last_valid(values)
    alt = (
        f"{spec.adjective} {measure} in {area} {_change_phrase(first_value, last_value, decimals)} "
        f"between {spec.label(first_month)} and {spec.label(last_month)}"
    )
    if usual_range is not None:
        alt += f"; the latest {period} is {_range_phrase(last_value, *usual_range)}"
        alt += f" ({wording.number(usual_range[0], decimals)} to {wording.number(usual_range[1], decimals)})"
    alt += "."
    peak_month = values.idxmax()
    alt += (
        f" The highest {period} was {spec.label(peak_month)} "
        f"({wording.number(values.max(), decimals)})."
    )
    if points.rolling is not None and points.rolling.notna().sum() >= 2:
        valid = points.rolling.dropna()
        alt += (
            f" The {points.rolling_window}-{period} average "
            f"{_change_phrase(float(valid.iloc[0]), float(valid.iloc[-1]), 1)}."
        )
    return alt + _gap_sentence(values, points.mask, period)


def _trend_table(points: _TrendPoints, measure: str) -> tuple[pd.DataFrame, dict[str, int], str]:
    data = pd.DataFrame(index=points.values.index)
    count_col = wording.sentence_start(measure)
    data[count_col] = _with_markers(points.values, points.mask, points.decimals)
    col_decimals = {count_col: points.decimals}
    if points.rolling is not None:
        column = f"{points.rolling_window}-{points.period} rolling average"
        data[column] = points.rolling.round(1)
        col_decimals[column] = 1
    if points.adjusted is not None:
        data["Seasonally adjusted"] = _with_markers(points.adjusted.round(1), points.mask, 1)
        col_decimals["Seasonally adjusted"] = 1
    data.index = _PERIODS[points.period].table_index(data.index)
    return data, col_decimals, count_col
