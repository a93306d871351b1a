"""Maps of small areas: a choropleth of counts by LSOA, and hot and cold spots.

Static images (no tiles, no network), drawn from boundary polygons in British National Grid
with district and partnership outlines. Colours come from a colour-blind-safe ColorBrewer
sequential palette (YlGnBu) in a handful of classes whose breaks are stated in the legend, the
alt text and the caption; hot and cold spots are also hatched, so colour is never the only
cue. The data behind each map (area name, value, class) is its table and CSV: names and
numbers only, never coordinates.

Disclosure: in a sensitive theme the lowest class always runs from 0 to at least the
suppression threshold, so an area whose count is withheld in the tables cannot be told apart
from an area with none, on the map or in its legend; the table shows such counts as ``[c]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import _new_figure
from csp_analysis.report.charts.figure import Chart

__all__ = ["CLASS_COLOURS", "choropleth_map", "class_breaks", "hotspot_map"]

# ColorBrewer YlGnBu, 5 classes (colour-blind safe, print friendly; Brewer 2002).
CLASS_COLOURS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
HOT, COLD, NEITHER = "#d7191c", "#2c7bb6", "#f0f0f0"
OUTLINE = "#0b0c0c"


def class_breaks(values: pd.Series, n_classes: int = 5, lowest_upper: int = 0) -> list[int]:
    """Upper bounds of up to ``n_classes`` classes of whole counts (quantiles of the areas
    with any), the first at least ``lowest_upper``; the last is the maximum.

    Returns
    -------
    list of int
        Increasing upper bounds; class k covers (bound[k-1], bound[k]], the first from 0.
    """
    counts = pd.to_numeric(values, errors="coerce").dropna()
    top = int(np.ceil(counts.max())) if len(counts) else 0
    positive = counts[counts > lowest_upper]
    quantiles = np.quantile(positive, np.linspace(0, 1, n_classes)[1:-1]) if len(positive) else []
    floor = {lowest_upper} if lowest_upper > 0 or (counts <= 0).any() else set()
    bounds = sorted({max(lowest_upper, int(np.ceil(q))) for q in quantiles} | floor)
    bounds = [b for b in bounds if b < top] + [top]
    return sorted(set(bounds))


def _labels(bounds: list[int]) -> list[str]:
    """Class labels in words ("0 to 4", "5 to 12"; a one-value class "none" or "3 only"), so a
    label is never mistaken for a count in the data table."""
    labels, low = [], 0
    for upper in bounds:
        if upper == low:
            labels.append("none" if low == 0 else f"{wording.count(low)} only")
        else:
            labels.append(f"{wording.count(low)} to {wording.count(upper)}")
        low = upper + 1
    return labels


def _classify(values: pd.Series, bounds: list[int]) -> pd.Series:
    index = np.searchsorted(np.asarray(bounds), values.to_numpy(dtype=float), side="left")
    return pd.Series(np.minimum(index, len(bounds) - 1), index=values.index)


def _draw_outlines(axes, outlines) -> None:
    if outlines is None:
        return
    for geometry_frame, width in outlines:
        if geometry_frame is not None and len(geometry_frame):
            geometry_frame.boundary.plot(ax=axes, color=OUTLINE, linewidth=width)


def _map_axes(height: float = 6.2):
    figure, axes = _new_figure(height=height)
    figure.subplots_adjust(left=0.02, right=0.7, top=0.98, bottom=0.02)
    axes.grid(False)
    axes.set_axis_off()
    axes.set_aspect("equal")
    return figure, axes


def _top_names(values: pd.Series, names: pd.Series, n: int = 3) -> str:
    top = values.sort_values(ascending=False).head(n)
    return wording.join_words([f"{names.get(code, code)} ({wording.count(v)})"
                               for code, v in top.items()])  # fmt: skip


def choropleth_map(
    shapes,
    values: pd.Series,
    names: pd.Series,
    *,
    measure: str,
    area: str,
    period: str,
    outlines=None,
    withheld: pd.Series | None = None,
    lowest_upper: int = 0,
    caption: str | None = None,
    bounds: list[int] | None = None,
) -> Chart:
    """A choropleth of counts by LSOA in a handful of classes.

    Parameters
    ----------
    shapes : geopandas.GeoDataFrame
        LSOA polygons (British National Grid) indexed by LSOA code: every area to draw.
    values : pandas.Series
        Count per LSOA code (missing = 0).
    names : pandas.Series
        LSOA name per code, for the table and alt text.
    measure, area, period : str
        What is counted, where, when ("recorded crimes", "Herefordshire", "year ending ...").
    outlines : list of (GeoDataFrame, linewidth), optional
        District and partnership outlines drawn on top.
    withheld : pandas.Series of bool, optional
        Areas whose count the tables withhold: ``[c]`` in the data table.
    lowest_upper : int
        The lowest class runs from 0 to at least this (the suppression threshold in sensitive
        themes), so a withheld count cannot be read from the map.
    bounds : list of int, optional
        Class upper bounds to use (another map's, to compare two years); the last class is
        widened to this map's maximum if need be.

    Returns
    -------
    Chart
    """
    if shapes is None or not len(shapes):
        raise AnalysisError("no boundaries to map")
    values = values.reindex(shapes.index).fillna(0).astype(float)
    if bounds is None:
        bounds = class_breaks(values, lowest_upper=lowest_upper)
    else:
        bounds = [*bounds[:-1], max(bounds[-1], int(np.ceil(values.max())))]
    labels = _labels(bounds)
    classes = _classify(values, bounds)
    figure, axes = _map_axes()
    colours = np.asarray(CLASS_COLOURS[: len(bounds)] if len(bounds) <= len(CLASS_COLOURS)
                         else CLASS_COLOURS)  # fmt: skip
    shapes.plot(ax=axes, color=colours[classes.to_numpy()], edgecolor="#b1b4b6", linewidth=0.2)
    _draw_outlines(axes, outlines)
    axes.legend(
        handles=[Patch(facecolor=c, edgecolor="#505a5f", label=label)
                 for c, label in zip(colours, labels, strict=False)],
        title=f"{wording.sentence_start(measure)}, {period}", loc="upper left",
        bbox_to_anchor=(1.01, 1.0), frameon=False,
    )  # fmt: skip
    shown = values.copy().astype(object)
    if withheld is not None:
        shown[withheld.reindex(values.index, fill_value=False).to_numpy()] = wording.SUPPRESSED
    data = pd.DataFrame(
        {"Area": [names.get(code, code) for code in values.index],
         wording.sentence_start(measure): shown.to_numpy(),
         "Class on the map": [labels[k] for k in classes.to_numpy()]},
    ).sort_values("Area").set_index("Area")  # fmt: skip
    visible = values.copy()
    if withheld is not None:
        visible = visible[~withheld.reindex(values.index, fill_value=False)]
    alt = (
        f"Map of {measure} by neighbourhood (lower layer super output area) in {area}, "
        f"{period}, in {len(bounds)} classes: {wording.join_words(labels)}. "
        f"The highest counts are in {_top_names(visible, names)}. "
        f"{wording.count((values > lowest_upper).sum())} of {wording.count(len(values))} "
        f"neighbourhoods are above the lowest class."
    )
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"{wording.sentence_start(measure)} by neighbourhood, {area}, {period}",
        name=slugify(f"{measure}-{area}-map"),
        decimals={wording.sentence_start(measure): 0},
        count_columns=[wording.sentence_start(measure)],
    )


def hotspot_map(
    shapes, result, names: pd.Series, *, measure: str, area: str, period: str, outlines=None,
    caption: str | None = None,
) -> Chart:  # fmt: skip
    """Hot and cold spots (Gi*, false discovery rate) by LSOA, hatched as well as coloured.

    ``result`` is a :class:`csp_analysis.analysis.hotspots.HotspotResult` over ``shapes``.
    """
    status = result.table["status"].reindex(shapes.index).fillna("not significant")
    figure, axes = _map_axes()
    styles = {"hot spot": (HOT, "////"), "cold spot": (COLD, "...."), "not significant":
              (NEITHER, "")}  # fmt: skip
    for kind, (colour, hatch) in styles.items():
        part = shapes[status.to_numpy() == kind]
        if len(part):
            part.plot(ax=axes, color=colour, edgecolor="#505a5f", linewidth=0.2, hatch=hatch)
    _draw_outlines(axes, outlines)
    axes.legend(
        handles=[Patch(facecolor=c, hatch=h, edgecolor="#505a5f",
                       label=wording.sentence_start(k)) for k, (c, h) in styles.items()],
        loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
        title=f"Getis-Ord Gi*, {period}",
    )  # fmt: skip
    table = result.table.reindex(shapes.index)
    data = pd.DataFrame(
        {
            "Area": [names.get(code, code) for code in shapes.index],
            "Gi* z-score": table["z"].round(2).to_numpy(),
            "Status": [wording.sentence_start(s) for s in status.to_numpy()],
        },
    )
    data = data.sort_values("Gi* z-score", ascending=False)
    significant = data[data["Status"] != "Not significant"]
    # The table lists the significant areas; with none, the five highest scores show how far
    # the strongest fell short.
    data = (significant if len(significant) else data.head(5)).set_index("Area")
    hot = [names.get(c, c) for c in result.hot.index if c in shapes.index]
    cold = [names.get(c, c) for c in result.cold.index if c in shapes.index]
    alt = (
        f"Map of hot and cold spots of {measure} in {area}, {period}: "
        + (f"{wording.plural(len(hot), 'hot spot')}, the strongest in "
           f"{wording.join_words(hot[:3])}" if hot else "no hot spot")
        + "; "
        + (f"{wording.plural(len(cold), 'cold spot')}" if cold else "no cold spot")
        + ". Hot spots are red with diagonal hatching, cold spots blue with dots."
    )  # fmt: skip
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"Hot and cold spots of {measure}, {area}, {period}",
        name=slugify(f"{measure}-{area}-hotspots"),
        decimals={"Gi* z-score": 2},
        count_columns=[],
    )
