"""Trend chart: monthly or quarterly counts or rates with optional averages and usual range."""

from __future__ import annotations

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
    values, period = _regular(counts, "trend_chart counts", period)
    spec = _PERIODS[period]
    mask = _suppression_mask(suppressed, values.index, "trend_chart")
    values = values.mask(mask)
    if rolling_window == "year":
        rolling_window = spec.per_year
    if rolling_window is not None and (
        not isinstance(rolling_window, (int, np.integer)) or rolling_window < 2
    ):
        raise AnalysisError(
            f'trend_chart: rolling_window must be at least 2 (or "year" or None), got '
            f"{rolling_window!r}"
        )
    unit = unit or f"Offences per {period}"
    decimals = _auto_decimals(values)

    figure, axes = _new_figure()
    labels: list[dict] = []
    data = pd.DataFrame(index=values.index)
    count_col = wording.sentence_start(measure)
    data[count_col] = _with_markers(values, mask, decimals)
    col_decimals = {count_col: decimals}

    axes.plot(
        values.index,
        values.to_numpy(),
        color=PALETTE[0],
        marker=MARKERS[0],
        markersize=4,
        linestyle=LINESTYLES[0],
        linewidth=1.6,
    )
    last = _last_valid(values)
    labels.append({"y": last[1], "text": f"{spec.adjective} count", "colour": PALETTE[0]})

    rolling = None
    if rolling_window is not None and values.notna().sum() >= rolling_window:
        rolling = values.rolling(rolling_window, min_periods=rolling_window).mean()
        if rolling.notna().any():
            axes.plot(
                rolling.index,
                rolling.to_numpy(),
                color=PALETTE[1],
                linestyle=LINESTYLES[1],
                linewidth=2.4,
            )
            name = f"{rolling_window}-{period} average"
            labels.append({"y": _last_valid(rolling)[1], "text": name, "colour": PALETTE[1]})
            data[f"{rolling_window}-{period} rolling average"] = rolling.round(1)
            col_decimals[f"{rolling_window}-{period} rolling average"] = 1

    plotted_adjusted = None
    if adjusted is not None:
        sa = _regular(adjusted, "trend_chart adjusted", period)[0]
        sa = sa.reindex(values.index).mask(mask)
        axes.plot(
            sa.index,
            sa.to_numpy(),
            color=PALETTE[2],
            linestyle=LINESTYLES[2],
            marker=MARKERS[2],
            markersize=3.5,
            linewidth=1.6,
        )
        if _last_valid(sa):
            labels.append(
                {"y": _last_valid(sa)[1], "text": "Seasonally adjusted", "colour": PALETTE[2]}
            )
        plotted_adjusted = sa
        data["Seasonally adjusted"] = _with_markers(sa.round(1), mask, 1)
        col_decimals["Seasonally adjusted"] = 1

    if usual_range is not None:
        lower, upper = usual_range
        axes.axhspan(lower, upper, color="#000000", alpha=0.06, linewidth=0)
        for bound, name in ((upper, "Usual range top"), (lower, "Usual range bottom")):
            axes.axhline(bound, color=GREY, linestyle=":", linewidth=1.2)
            labels.append(
                {"y": bound, "text": f"{name} {wording.number(bound, decimals)}", "colour": GREY}
            )

    # Limits over every series drawn: a seasonally adjusted month can sit above every count.
    axes.set_ylim(*_zero_based_limits(values, rolling, plotted_adjusted, usual_range))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _time_axis(axes, values.index[0], values.index[-1], period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)

    first_month, first_value = values.dropna().index[0], float(values.dropna().iloc[0])
    last_month, last_value = last
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
    if rolling is not None and rolling.notna().sum() >= 2:
        valid = rolling.dropna()
        alt += (
            f" The {rolling_window}-{period} average "
            f"{_change_phrase(float(valid.iloc[0]), float(valid.iloc[-1]), 1)}."
        )
    alt += _gap_sentence(values, mask, period)
    data.index = spec.table_index(data.index)

    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption
        or f"{spec.adjective} {measure} in {area}, {spec.label(values.index[0])} to "
        f"{spec.label(values.index[-1])}",
        name=slugify(f"{measure}-{area}-{spec.adjective.lower()}"),
        decimals=col_decimals,
        count_columns=[count_col] if decimals == 0 else [],
    )
