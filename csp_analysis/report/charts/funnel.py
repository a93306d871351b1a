"""Funnel plot of rates against population, with 95% and 99.8% control limits."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.path
import matplotlib.transforms
import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import (
    _extent,
    _new_figure,
    _place_point_labels,
    _require_columns,
    _spread_labels,
    _style_text,
    _value_axis,
    _y_title,
)
from csp_analysis.report.charts.figure import Chart
from csp_analysis.report.charts.style import GREY, PALETTE

_FUNNEL_BANDS = (
    ("above the 99.8% upper limit", "upper_998", 1),
    ("above the 95% upper limit", "upper_95", 1),
    ("below the 99.8% lower limit", "lower_998", -1),
    ("below the 95% lower limit", "lower_95", -1),
)


def funnel_position(population: float, rate: float, funnel: pd.DataFrame) -> str:
    """Where a point lies against funnel limits interpolated at its population.

    Returns one of "above the 99.8% upper limit", "above the 95% upper limit", "within the 95%
    limits", "below the 95% lower limit", "below the 99.8% lower limit".
    """
    return funnel_positions([population], [rate], funnel)[0]


def funnel_positions(populations, rates, funnel: pd.DataFrame) -> list[str]:
    """:func:`funnel_position` of many points at once (one interpolation per limit)."""
    ordered = funnel.sort_values("population")
    pops = ordered["population"].to_numpy(dtype=float)
    populations = np.asarray(populations, dtype=float)
    rates = np.asarray(rates, dtype=float)
    outside = (populations < pops[0]) | (populations > pops[-1]) | np.isnan(populations)
    if outside.any():
        raise AnalysisError(
            f"funnel_chart: funnel limits cover populations {wording.number(pops[0])} to "
            f"{wording.number(pops[-1])}, not {wording.number(populations[outside][0])}"
        )
    positions = np.full(len(populations), "within the 95% limits", dtype=object)
    decided = np.zeros(len(populations), dtype=bool)
    for text, column, sign in _FUNNEL_BANDS:
        limit = np.interp(populations, pops, ordered[column].to_numpy(dtype=float))
        beyond = ~decided & (sign * (rates - limit) > 0)
        positions[beyond] = text
        decided |= beyond
    return positions.tolist()


def funnel_chart(
    points: pd.DataFrame,
    funnel: pd.DataFrame,
    centre: float,
    *,
    measure: str,
    highlight: str | None = None,
    rate_label: str = "per 1,000 residents",
    max_labels: int = 12,
    caption: str | None = None,
    marked: Sequence[str] = (),
    marked_label: str = "comparison group",
) -> Chart:
    """Rates against population with 95% and 99.8% funnel limits, points labelled by name.

    Parameters
    ----------
    points : pandas.DataFrame
        Columns ``area``, ``population`` and ``rate``, one row per area.
    funnel : pandas.DataFrame
        Columns ``population``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``:
        the limits at a grid of populations spanning every point.
    centre : float
        The overall (target) rate the funnel is centred on.
    measure : str
        What the rate counts, lower case, e.g. ``"violent offences"``.
    highlight : str, optional
        The area the report is about: drawn with its own marker and a bold label.
    rate_label : str, default "per 1,000 residents"
    max_labels : int, default 12
        With more points than this, only the highlighted area and areas outside the 95%
        limits are labelled (the table names all of them). A name that cannot be placed
        clear of every other name, point and the axes is left off too; the highlighted area
        is always named.
    caption : str, optional
    marked : sequence of str
        Areas drawn with their own marker and always named (e.g. the most similar group);
        with more points than ``max_labels``, only these and the highlighted area are named,
        and the alt text counts the others by position instead of naming them.
    marked_label : str
        What the marked areas are, for the alt text (the areas are named on the chart).

    Returns
    -------
    Chart
    """
    rows = _funnel_rows(points, funnel, highlight)
    unknown = [m for m in marked if m not in set(rows["area"])]
    if unknown:
        raise AnalysisError(f"funnel_chart: marked area {unknown[0]!r} is not one of the areas")
    marked = [m for m in marked if m != highlight]
    return Chart(
        figure=_draw_funnel(
            rows, funnel, centre, highlight, rate_label, max_labels, marked, marked_label
        ),
        alt=_funnel_alt_text(
            rows, centre, measure, highlight, rate_label, marked, marked_label, max_labels
        ),
        data=_funnel_table(rows, rate_label),
        caption=caption or f"{wording.sentence_start(measure)} {rate_label} against population",
        name=slugify(f"{measure}-funnel"),
        decimals={"Population": 0, f"Rate {rate_label}": 1},
        count_columns=[],
    )


def _funnel_rows(points: pd.DataFrame, funnel: pd.DataFrame, highlight) -> pd.DataFrame:
    """The areas as numbers, each with its position against the limits."""
    _require_columns(points, ["area", "population", "rate"], "funnel_chart points")
    _require_columns(
        funnel,
        ["population", "lower_95", "upper_95", "lower_998", "upper_998"],
        "funnel_chart funnel",
    )
    if points.empty:
        raise AnalysisError("funnel_chart: no points")
    if points["area"].duplicated().any():
        raise AnalysisError(
            f"funnel_chart: area {points['area'][points['area'].duplicated()].iloc[0]!r} appears twice"
        )
    if highlight is not None and highlight not in set(points["area"]):
        raise AnalysisError(f"funnel_chart: highlight {highlight!r} is not one of the areas")
    rows = points.reset_index(drop=True).copy()
    rows["population"] = pd.to_numeric(rows["population"], errors="raise").astype(float)
    rows["rate"] = pd.to_numeric(rows["rate"], errors="raise").astype(float)
    rows["position"] = funnel_positions(rows["population"], rows["rate"], funnel)

    return rows


def _draw_funnel(
    rows, funnel, centre, highlight, rate_label, max_labels, marked=(), marked_label=""
):
    figure, axes = _new_figure(height=5.0)
    grid = funnel.sort_values("population")
    axes.axhline(centre, color=PALETTE[0], linewidth=1.6)
    for column, style in (
        ("upper_95", "--"),
        ("lower_95", "--"),
        ("upper_998", ":"),
        ("lower_998", ":"),
    ):
        axes.plot(grid["population"], grid[column], color=GREY, linestyle=style, linewidth=1.4)
    last = grid.iloc[-1]
    labels = [
        {"y": centre, "text": f"Average {wording.number(centre, 1)}", "colour": PALETTE[0]},
        {"y": float(last["upper_95"]), "text": "95% limits", "colour": GREY},
        {"y": float(last["lower_95"]), "text": "95% limits", "colour": GREY},
        {"y": float(last["upper_998"]), "text": "99.8% limits", "colour": GREY},
        {"y": float(last["lower_998"]), "text": "99.8% limits", "colour": GREY},
    ]
    many = len(rows) > max_labels
    others = rows[(rows["area"] != highlight) & ~rows["area"].isin(marked)]
    axes.plot(
        others["population"],
        others["rate"],
        linestyle="none",
        marker="o",
        markersize=5 if many and marked else 8,
        color=PALETTE[1],
        markeredgecolor="#000000",
        markeredgewidth=0.6,
        label="Other areas",
    )
    if marked:
        group = rows[rows["area"].isin(marked)]
        axes.plot(
            group["population"],
            group["rate"],
            linestyle="none",
            marker="s",
            markersize=9,
            color=PALETTE[2],
            markeredgecolor="#000000",
            label=wording.sentence_start(marked_label),
        )
    if not many:
        chosen = rows
    elif marked:
        chosen = rows[(rows["area"] == highlight) | rows["area"].isin(marked)]
    else:
        chosen = rows[(rows["area"] == highlight) | (rows["position"] != "within the 95% limits")]
    if highlight is not None:
        focus = rows[rows["area"] == highlight]
        axes.plot(
            focus["population"],
            focus["rate"],
            linestyle="none",
            marker="D",
            markersize=11,
            color=PALETTE[0],
            markeredgecolor="#000000",
            label=highlight,
        )
    low, high = _extent(
        rows["rate"], centre, *(grid[c] for c in ("lower_95", "upper_95", "lower_998", "upper_998"))
    )
    span = high - low if high > low else 1
    # Rates cannot fall below zero, so the padding stops there unless a limit is drawn below.
    bottom = low - 0.08 * span
    axes.set_ylim(max(0, bottom) if low >= 0 else bottom, high + 0.08 * span)
    axes.set_xlim(0, float(grid["population"].max()) * 1.02)
    _value_axis(axes.xaxis, whole=True)
    _value_axis(axes.yaxis, whole=False)
    axes.set_xlabel("Resident population")
    _y_title(axes, f"Rate {rate_label}")
    _style_text(axes)
    _spread_labels(axes, labels)
    # Point labels are placed once the axis limits are final (positions are solved in pixels)
    # and kept inside the plot area, so they can never run into the limit labels in the margin.
    to_px = axes.transData.transform
    line_paths = [
        matplotlib.path.Path(to_px(np.column_stack([grid["population"], grid[column]])))
        for column in ("upper_95", "lower_95", "upper_998", "lower_998")
    ]
    x_low, x_high = axes.get_xlim()
    line_paths.append(matplotlib.path.Path(to_px([(x_low, centre), (x_high, centre)])))
    _place_point_labels(
        axes,
        [
            {
                "x": float(row.population),
                "y": float(row.rate),
                "text": row.area,
                "bold": row.area == highlight,
                # Every marker is an obstacle, labelled or not (markersize is a diameter).
                "radius": (11 if row.area == highlight else 8) / 2,
                "label": row.Index in chosen.index,
                "optional": row.area != highlight,
            }
            for row in rows.itertuples()
        ],
        line_paths,
    )

    return figure


def _funnel_alt_text(
    rows, centre, measure, highlight, rate_label, marked=(), marked_label="", max_labels=12
) -> str:
    n = len(rows)
    alt = (
        f"{wording.sentence_start(measure)} {rate_label} for {n} area{'s' if n != 1 else ''}, plotted "
        f"against population with 95% and 99.8% funnel limits around the average of "
        f"{wording.number(centre, 1)}."
    )
    if highlight is not None:
        focus = rows[rows["area"] == highlight].iloc[0]
        alt += (
            f" {highlight} (rate {wording.number(focus['rate'], 1)}, population "
            f"{wording.number(focus['population'])}) is {focus['position']}."
        )
    if marked:
        alt += (
            f" The {marked_label}: "
            + "; ".join(
                f"{row.area} {row.position}" for row in rows[rows["area"].isin(marked)].itertuples()
            )
            + "."
        )
    if len(rows) > max_labels:
        rest = rows[(rows["area"] != highlight) & ~rows["area"].isin(marked)]
        tally = rest["position"].value_counts()
        alt += (
            f" Of the other {len(rest)} areas, "
            + wording.join_words(
                [f"{n} {'is' if n == 1 else 'are'} {position}" for position, n in tally.items()]
            )
            + "; the data table lists every area."
        )
        return alt
    outside = rows[(rows["position"] != "within the 95% limits") & (rows["area"] != highlight)]
    if outside.empty:
        alt += (
            " " + ("Every other area" if highlight else "Every area") + " is within the 95% limits."
        )
    else:
        for position, group in outside.groupby("position", sort=False):
            names = wording.join_words(list(group["area"]))
            alt += f" {names} {'is' if len(group) == 1 else 'are'} {position}."

    return alt


def _funnel_table(rows: pd.DataFrame, rate_label: str) -> pd.DataFrame:
    data = rows.set_index("area")[["population", "rate", "position"]]
    data.index.name = "Area"
    data.columns = ["Population", f"Rate {rate_label}", "Compared with the funnel limits"]
    data["Compared with the funnel limits"] = data[
        "Compared with the funnel limits"
    ].str.capitalize()
    return data
