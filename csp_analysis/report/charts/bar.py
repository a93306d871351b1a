"""Horizontal bar chart of a measure by category, values labelled beyond the bar ends."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import (
    _auto_decimals,
    _new_figure,
    _style_text,
    _suppression_mask,
    _value_axis,
    _with_markers,
    _zero_based_limits,
)
from csp_analysis.report.charts.figure import Chart
from csp_analysis.report.charts.style import _TEXT_BOX, FONT_SIZE, LIGHT_GRID, PALETTE, text_colour
from csp_analysis.report.wording import SUPPRESSED


def bar_chart(
    values: pd.Series,
    *,
    measure: str,
    area: str,
    by: str,
    value_label: str = "Offences",
    average: float | None = None,
    average_label: str = "Average",
    highlight: str | None = None,
    suppressed: pd.Series | None = None,
    sort: bool = True,
    decimals: int | None = None,
    counts: bool = True,
    caption: str | None = None,
) -> Chart:
    """Horizontal bars, largest at the top, values labelled at the bar ends.

    Parameters
    ----------
    values : pandas.Series
        One number per category (the index holds the category names).
    measure : str
        What the values are, lower case, e.g. ``"offences in the year ending March 2026"``.
    area : str
        Where, e.g. ``"Herefordshire"`` or ``"West Mercia"``.
    by : str
        What the categories are, e.g. ``"crime type"`` or ``"Community Safety Partnership"``.
    value_label : str, default "Offences"
        The x-axis title and the value column of the table.
    average : float, optional
        A group average drawn as a labelled vertical line.
    average_label : str, default "Average"
        E.g. ``"West Mercia average"``.
    highlight : str, optional
        A category to pick out: drawn black AND hatched, with a bold label.
    suppressed : pandas.Series of bool, optional
        Categories withheld for disclosure control: no bar, and ``"[c]"`` at its place.
    sort : bool, default True
        Sort largest first; False keeps the given order (e.g. for ordered bands).
    decimals : int, optional
        Decimal places for value labels; inferred from the data when None.
    counts : bool, default True
        Whether the values are counts (False for rates, percentages, scores): counts are marked
        for the published-page disclosure checks.
    caption : str, optional

    Returns
    -------
    Chart
    """
    numbers, mask, decimals = _bar_values(values, suppressed, highlight, sort, decimals)
    figure = _draw_bars(numbers, mask, decimals, highlight, average, average_label, value_label)
    alt = _bar_alt_text(
        numbers, mask, decimals, measure, area, by, highlight, average, average_label
    )
    data = pd.DataFrame({value_label: _with_markers(numbers, mask, decimals)})
    data.index.name = wording.sentence_start(by)
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"{wording.sentence_start(measure)} in {area} by {by}",
        name=slugify(f"{measure}-{area}-by-{by}"),
        decimals={value_label: decimals},
        count_columns=[value_label] if decimals == 0 and counts else [],
    )


def _bar_values(values, suppressed, highlight, sort, decimals):
    """The values as numbers (withheld ones masked), in the order drawn, and their decimals."""
    if not isinstance(values, pd.Series) or values.empty:
        raise AnalysisError("bar_chart: expected a non-empty pandas Series")
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = numbers.isna() & values.notna()
    if bad.any():
        raise AnalysisError(
            f"bar_chart: value {values[bad].iloc[0]!r} for {values.index[bad.to_numpy()][0]!r} is not a number"
        )
    if values.index.duplicated().any():
        raise AnalysisError(
            f"bar_chart: category {values.index[values.index.duplicated()][0]!r} appears twice"
        )
    if highlight is not None and highlight not in values.index:
        raise AnalysisError(f"bar_chart: highlight {highlight!r} is not one of the categories")
    mask = _suppression_mask(suppressed, numbers.index, "bar_chart")
    numbers = numbers.mask(mask)
    if sort:
        numbers = numbers.sort_values(ascending=False, na_position="last", kind="stable")
        mask = mask.reindex(numbers.index)
    decimals = _auto_decimals(numbers) if decimals is None else decimals

    if numbers.dropna().empty:
        raise AnalysisError("bar_chart: every value is missing or suppressed")
    return numbers, mask, decimals


def _draw_bars(numbers, mask, decimals, highlight, average, average_label, value_label):
    figure, axes = _new_figure(height=max(2.6, 0.45 * len(numbers) + 1.3))
    figure.subplots_adjust(left=0.32, right=0.86, top=0.9, bottom=0.12)
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color=LIGHT_GRID, linewidth=0.8)
    positions = np.arange(len(numbers))[::-1]  # first category at the top
    colours = [PALETTE[0] if name == highlight else PALETTE[1] for name in numbers.index]
    bars = axes.barh(
        positions,
        numbers.fillna(0).to_numpy(),
        color=colours,
        height=0.65,
        edgecolor="#000000",
        linewidth=0.6,
    )
    for bar, name in zip(bars, numbers.index, strict=True):
        if name == highlight:
            bar.set_hatch("///")
            bar.set_edgecolor("#FFFFFF")
    axes.set_xlim(*_zero_based_limits(numbers, average, headroom=0.18))
    for position, (name, value) in zip(positions, numbers.items(), strict=True):
        text = SUPPRESSED if mask[name] else wording.number(value, decimals)
        # Beyond the bar's end (left of a negative bar), on a white box so the average line
        # cannot run through the digits.
        negative = not np.isnan(value) and value < 0
        axes.annotate(
            text,
            (0 if np.isnan(value) else value, position),
            xytext=(-4 if negative else 4, 0),
            textcoords="offset points",
            va="center",
            ha="right" if negative else "left",
            fontsize=FONT_SIZE - 1,
            fontweight="bold" if name == highlight else "normal",
            bbox=_TEXT_BOX,
        )
    axes.set_yticks(positions, [str(n) for n in numbers.index])
    for tick in axes.get_yticklabels():
        if tick.get_text() == str(highlight):
            tick.set_fontweight("bold")
    if average is not None:
        axes.axvline(average, color=PALETTE[2], linestyle="--", linewidth=1.8)
        axes.text(
            average,
            positions.max() + 0.6,
            f"{average_label} {wording.number(average, decimals)}",
            ha="center",
            va="bottom",
            color=text_colour(PALETTE[2]),
            fontsize=FONT_SIZE - 1,
            fontweight="bold",
            bbox=_TEXT_BOX,
        )
        axes.set_ylim(-0.6, positions.max() + 1.3)
    _value_axis(axes.xaxis, whole=decimals == 0, nbins=5)
    axes.set_xlabel(value_label)
    axes.spines["left"].set_visible(False)
    axes.tick_params(axis="y", length=0)
    _style_text(axes)

    return figure


def _bar_alt_text(numbers, mask, decimals, measure, area, by, highlight, average, average_label):
    shown = numbers.dropna().sort_values(ascending=False)
    alt = f"{wording.sentence_start(measure)} in {area} by {by}, {len(numbers)} categories. "
    leaders = [f"{name} ({wording.number(v, decimals)})" for name, v in shown.iloc[:3].items()]
    alt += f"The highest {'is' if len(leaders) == 1 else 'are'} {wording.join_words(leaders)}"
    if len(shown) > 3:
        alt += f"; the lowest is {shown.index[-1]} ({wording.number(shown.iloc[-1], decimals)})"
    alt += "."
    if highlight is not None and not mask[highlight] and not np.isnan(numbers[highlight]):
        rank = int(list(shown.index).index(highlight)) + 1
        alt += f" {highlight} is {wording.number(numbers[highlight], decimals)}, {wording.ordinal(rank)} of {len(shown)}"
        if average is not None:
            alt += f", {'above' if numbers[highlight] > average else 'below' if numbers[highlight] < average else 'equal to'} the {wording.lower_first(average_label)} of {wording.number(average, decimals)}"
        alt += "."
    elif average is not None:
        above = int((shown > average).sum())
        alt += f" {above} of {len(shown)} are above the {wording.lower_first(average_label)} of {wording.number(average, decimals)}."
    if mask.any():
        alt += f" {int(mask.sum())} value{'s are' if mask.sum() != 1 else ' is'} withheld to protect confidentiality."

    return alt
