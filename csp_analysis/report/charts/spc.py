"""SPC (XmR) chart in the NHS "Making Data Count" style, with special-cause icons and labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_analysis.analysis.spc import SpcResult
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import (
    _PERIODS,
    _auto_decimals,
    _extent,
    _last_valid,
    _month_index,
    _new_figure,
    _place_point_labels,
    _range_phrase,
    _regular,
    _require_columns,
    _spread_labels,
    _style_text,
    _suppression_mask,
    _time_axis,
    _value_axis,
    _with_markers,
    _y_title,
)
from csp_analysis.report.charts.figure import Chart
from csp_analysis.report.charts.style import GREY, PALETTE, SPC_STYLES, text_colour


def spc_chart(
    spc: SpcResult | pd.DataFrame,
    *,
    measure: str,
    area: str,
    suppressed: pd.Series | None = None,
    unit: str | None = None,
    caption: str | None = None,
    period: str | None = None,
) -> Chart:
    """An XmR (individuals) control chart: points, mean, process limits and special causes.

    Parameters
    ----------
    spc : pandas.DataFrame or csp_analysis.analysis.spc.SpcResult
        Indexed by month-start Timestamps (quarter starts for quarterly data), with columns ``value``, ``mean``, ``lcl``, ``ucl``
        and ``special_cause`` (bool), and optionally ``type`` (or ``special_cause_type``, as
        :func:`csp_analysis.analysis.spc.xmr` gives it): ``"improving"``, ``"concerning"`` or
        ``"neither"`` for each special cause (empty for common cause). An ``SpcResult`` is read
        through its ``frame``. Limits may change between segments; they are drawn as steps.
    measure, area : str
        As for :func:`trend_chart`.
    suppressed : pandas.Series of bool, optional
        Periods withheld for disclosure control: not drawn, ``"[c]"`` in the table. The mean
        and limits are still drawn, so with few points they may narrow down a withheld value:
        do not chart small sensitive counts this way.
    unit : str, optional
        The y-axis title; defaults to "Offences per month" (or "per quarter").
    caption : str, optional
        Defaults to "Control chart of monthly <measure> in <area>" (or "quarterly").
    period : {"month", "quarter"}, optional
        As for :func:`trend_chart`: inferred from the index when None.

    Returns
    -------
    Chart

    Raises
    ------
    AnalysisError
        On missing columns, an index that is not monthly or quarterly, or unknown ``type``
        values.
    """
    points = _spc_points(spc, suppressed, period)
    unit = unit or f"Offences per {points.period}"
    spec = _PERIODS[points.period]
    figure = _draw_spc(points, unit)
    data, value_col = _spc_table(points, measure)
    return Chart(
        figure=figure,
        alt=_spc_alt_text(points, measure, area),
        data=data,
        caption=caption or f"Control chart of {spec.adjective.lower()} {measure} in {area}",
        name=slugify(f"{measure}-{area}-control-chart"),
        decimals={value_col: points.decimals, "Mean": 1, "Lower limit": 1, "Upper limit": 1},
        count_columns=[value_col] if points.decimals == 0 else [],
    )


@dataclass(frozen=True)
class _SpcPoints:
    """The validated chart input: values (withheld ones masked), limits and special causes."""

    values: pd.Series
    mask: pd.Series
    frame: pd.DataFrame  # mean, lcl, ucl by period
    special: pd.Series  # bool
    kinds: pd.Series  # "improving", "concerning", "neither" or None
    period: str
    decimals: int


def _spc_points(spc, suppressed, period) -> _SpcPoints:
    if isinstance(spc, SpcResult):
        spc = spc.frame
    _require_columns(spc, ["value", "mean", "lcl", "ucl", "special_cause"], "spc_chart")
    values, period = _regular(spc["value"], "spc_chart value", period)
    mask = _suppression_mask(suppressed, values.index, "spc_chart")
    values = values.mask(mask)
    frame = spc.copy()
    if "type" not in frame.columns and "special_cause_type" in frame.columns:
        frame["type"] = frame["special_cause_type"].replace("", None)
    frame.index = _month_index(frame.index)
    frame = frame.sort_index().reindex(values.index)
    for column in ("mean", "lcl", "ucl"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
        if frame[column].isna().all():
            raise AnalysisError(f"spc_chart: column {column} has no numbers")
    special = frame["special_cause"].fillna(False)
    if not special.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        raise AnalysisError("spc_chart: special_cause must be True or False in every row")
    special = special.astype(bool) & values.notna()
    if "type" in frame.columns:
        kinds = frame["type"].where(special, None)
        unknown = set(kinds.dropna()) - set(SPC_STYLES)
        if unknown:
            raise AnalysisError(
                f"spc_chart: unknown type {sorted(unknown)[0]!r}; expected one of "
                + ", ".join(SPC_STYLES)
            )
        kinds = kinds.where(kinds.notna() | ~special, "neither")
    else:
        kinds = pd.Series(np.where(special, "neither", None), index=frame.index)
    return _SpcPoints(
        values, mask, frame[["mean", "lcl", "ucl"]], special, kinds, period, _auto_decimals(values)
    )


def _draw_spc(points: _SpcPoints, unit: str):
    values, frame, special, kinds = points.values, points.frame, points.special, points.kinds
    figure, axes = _new_figure()
    x = values.index
    axes.plot(
        x,
        values.to_numpy(),
        color=GREY,
        linewidth=1.3,
        marker="o",
        markersize=4,
        markerfacecolor=GREY,
        markeredgecolor=GREY,
    )
    axes.step(x, frame["mean"].to_numpy(), where="mid", color=PALETTE[0], linewidth=1.8)
    for column in ("ucl", "lcl"):
        axes.step(
            x,
            frame[column].to_numpy(),
            where="mid",
            color=PALETTE[0],
            linewidth=1.4,
            linestyle="--",
        )
    labels = [
        {
            "y": frame[column].dropna().iloc[-1],
            "text": f"{name} {wording.number(frame[column].dropna().iloc[-1], 1)}",
            "colour": PALETTE[0],
        }
        for column, name in (("mean", "Mean"), ("ucl", "Upper limit"), ("lcl", "Lower limit"))
    ]
    # Every point is an obstacle for the special-cause labels; the latest of each kind is named.
    point_labels = [
        {"x": month, "y": value, "text": "", "bold": False, "radius": 2.5, "label": False}
        for month, value in values.dropna().items()
    ]
    for kind, style in SPC_STYLES.items():
        chosen = special & (kinds == kind)
        if not chosen.any():
            continue
        axes.plot(
            x[chosen.to_numpy()],
            values[chosen].to_numpy(),
            linestyle="none",
            marker=style["marker"],
            markersize=10,
            color=style["color"],
            markeredgecolor="#000000",
            markeredgewidth=0.8,
        )
        latest = values[chosen].index[-1]
        for month in values[chosen].index:
            point_labels.append(
                {
                    "x": month,
                    "y": values[month],
                    # Name each kind directly beside its latest point (not a legend).
                    "text": style["label"],
                    "bold": True,
                    "radius": 5,
                    "label": month == latest,
                    "colour": text_colour(style["color"]),
                }
            )
    low, high = _extent(values, frame["mean"], frame["lcl"], frame["ucl"])
    span = high - low if high > low else max(abs(high), 1)
    axes.set_ylim(low - 0.12 * span, high + 0.18 * span)
    _value_axis(axes.yaxis, whole=points.decimals == 0)
    _time_axis(axes, x[0], x[-1], points.period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)
    # Placed once the limits are final and kept inside the plot area, clear of the margin
    # labels, the tick labels and every point.
    _place_point_labels(axes, point_labels)
    return figure


def _spc_alt_text(points: _SpcPoints, measure: str, area: str) -> str:
    values, frame, special, kinds = points.values, points.frame, points.special, points.kinds
    period, spec, x = points.period, _PERIODS[points.period], points.values.index
    last_month, last_value = _last_valid(values)
    mean_now = frame.loc[last_month, "mean"]
    lcl_now, ucl_now = frame.loc[last_month, "lcl"], frame.loc[last_month, "ucl"]
    alt = (
        f"{spec.adjective} {measure} in {area} from {spec.label(x[0])} to {spec.label(x[-1])}, "
        f"with a mean of {wording.number(mean_now, 1)} and a usual range (process limits) of "
        f"{wording.number(lcl_now, 1)} to {wording.number(ucl_now, 1)}. "
    )
    n_special = int(special.sum())
    if n_special == 0:
        alt += (
            f"No {period} shows special cause variation: the variation is what the process "
            "usually gives."
        )
    else:
        parts = []
        for kind in SPC_STYLES:
            months = list(x[(special & (kinds == kind)).to_numpy()])
            if not months:
                continue
            name = {"concerning": "concerning", "improving": "improving", "neither": "other"}[kind]
            if len(months) <= 4:
                listed = wording.join_words([spec.label(m) for m in months])
                parts.append(f"{name}: {listed}")
            else:
                parts.append(
                    f"{name}: {spec.count(len(months))}, the latest {spec.label(months[-1])}"
                )
        alt += (
            f"{spec.count(n_special)} {'show' if n_special != 1 else 'shows'} special cause "
            "variation (" + "; ".join(parts) + ")."
        )
    return alt + (
        f" The latest {period}, {spec.label(last_month)}, was "
        f"{wording.number(last_value, points.decimals)}, "
        f"{_range_phrase(last_value, lcl_now, ucl_now)}."
    )


def _spc_table(points: _SpcPoints, measure: str) -> tuple[pd.DataFrame, str]:
    frame = points.frame
    data = pd.DataFrame(index=points.values.index)
    value_col = wording.sentence_start(measure)
    data[value_col] = _with_markers(points.values, points.mask, points.decimals)
    data["Mean"] = frame["mean"].round(1)
    data["Lower limit"] = frame["lcl"].round(1)
    data["Upper limit"] = frame["ucl"].round(1)
    data["Special cause"] = [
        ({"neither": "Yes"}.get(k, f"Yes ({k})") if s else "No")
        for s, k in zip(points.special, points.kinds, strict=True)
    ]
    data.index = _PERIODS[points.period].table_index(data.index)
    return data, value_col
