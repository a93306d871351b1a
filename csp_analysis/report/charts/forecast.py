"""Forecast chart: recorded history, the forecast and its prediction interval band."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import matplotlib.path
import matplotlib.transforms
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.common import (
    _PERIODS,
    _auto_decimals,
    _last_valid,
    _month_index,
    _new_figure,
    _place_point_labels,
    _regular,
    _require_columns,
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
from csp_analysis.report.charts.style import BAND_FILL, FONT_SIZE, GREY, MARKERS, PALETTE


def forecast_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    *,
    measure: str,
    area: str,
    interval_label: str | None = None,
    suppressed: pd.Series | None = None,
    unit: str | None = None,
    caption: str | None = None,
    period: str | None = None,
) -> Chart:
    """Recorded history, then the forecast mean and its interval band, all labelled directly.

    Parameters
    ----------
    history : pandas.Series
        Recorded monthly (or quarterly) counts, indexed as for :func:`trend_chart`.
    forecast : pandas.DataFrame or csp_analysis.analysis.forecast.ForecastResult
        Indexed by the forecast periods, which must follow the history, with columns
        ``mean`` (or ``forecast``), ``lower`` and ``upper``; or a ``ForecastResult`` (its
        ``mean``, ``lower``, ``upper`` and ``level`` are used).
    measure, area : str
        As for :func:`trend_chart`.
    interval_label : str, optional
        Names the band in the chart, table and alt text; defaults to "95% prediction
        interval" (or the ForecastResult's level).
    suppressed : pandas.Series of bool, optional
        Recorded periods withheld for disclosure control: not drawn, ``"[c]"`` in the table.
    unit : str, optional
        The y-axis title; defaults to "Offences per month" (or "per quarter").
    caption : str, optional
    period : {"month", "quarter"}, optional
        As for :func:`trend_chart`: inferred from the history's index when None.

    Returns
    -------
    Chart

    Raises
    ------
    AnalysisError
        On missing columns, forecast months that do not follow the history, or a lower bound
        above its upper bound.
    """
    points = _forecast_points(history, forecast, interval_label, suppressed, period)
    spec = _PERIODS[points.period]
    data, decimals = _forecast_table(points)
    return Chart(
        figure=_draw_forecast(points, unit or f"Offences per {points.period}"),
        alt=_forecast_alt_text(points, measure, area),
        data=data,
        caption=caption or f"{spec.adjective} {measure} in {area}: recorded and forecast",
        name=slugify(f"{measure}-{area}-forecast"),
        decimals=decimals,
        count_columns=["Recorded"] if points.decimals == 0 else [],
    )


@dataclass(frozen=True)
class _ForecastPoints:
    """The validated chart input: recorded values (withheld ones masked) and the forecast."""

    recorded: pd.Series
    mask: pd.Series
    future: pd.DataFrame  # mean, lower, upper by period
    interval_label: str
    period: str
    decimals: int

    @property
    def band(self) -> bool:
        """Whether an interval band is drawn (no band when no bounds were given)."""
        return bool(self.future[["lower", "upper"]].notna().all().all())


def _forecast_points(history, forecast, interval_label, suppressed, period) -> _ForecastPoints:
    recorded, period = _regular(history, "forecast_chart history", period)
    spec = _PERIODS[period]
    mask = _suppression_mask(suppressed, recorded.index, "forecast_chart")
    recorded = recorded.mask(mask)
    if not isinstance(forecast, pd.DataFrame) and all(
        hasattr(forecast, a) for a in ("mean", "lower", "upper")
    ):
        level = getattr(forecast, "level", None)
        if interval_label is None and level is not None:
            interval_label = f"{wording.number(float(level) * 100, 0)}% prediction interval"
        forecast = pd.DataFrame(
            {"mean": forecast.mean, "lower": forecast.lower, "upper": forecast.upper}
        )
    elif isinstance(forecast, pd.DataFrame) and "mean" not in forecast and "forecast" in forecast:
        forecast = forecast.rename(columns={"forecast": "mean"})
    interval_label = interval_label or "95% prediction interval"
    _require_columns(forecast, ["mean", "lower", "upper"], "forecast_chart forecast")
    future = forecast[["mean", "lower", "upper"]].apply(pd.to_numeric, errors="coerce")
    future.index = _month_index(future.index)
    future = future.sort_index()
    _regular(future["mean"], "forecast_chart forecast", period)
    if future.index[0] <= recorded.index[-1]:
        raise AnalysisError(
            f"forecast_chart: the forecast starts {spec.label(future.index[0])}, "
            f"not after the last recorded {period} {spec.label(recorded.index[-1])}"
        )
    bounds = future[["lower", "upper"]]
    if bounds.isna().any().any() and not bounds.isna().all().all():
        raise AnalysisError(
            "forecast_chart: give interval bounds for every forecast month, or for none "
            "(no band is drawn)"
        )
    if (future["lower"] > future["upper"]).any():
        month = future.index[(future["lower"] > future["upper"]).to_numpy()][0]
        raise AnalysisError(f"forecast_chart: lower is above upper for {spec.label(month)}")
    decimals = _auto_decimals(recorded)
    return _ForecastPoints(recorded, mask, future, interval_label, period, decimals)


def _draw_forecast(points: _ForecastPoints, unit: str):
    recorded, future, period = points.recorded, points.future, points.period
    spec, interval_label, decimals = _PERIODS[period], points.interval_label, points.decimals
    figure, axes = _new_figure()
    axes.plot(
        recorded.index,
        recorded.to_numpy(),
        color=PALETTE[0],
        marker=MARKERS[0],
        markersize=4,
        linewidth=1.6,
    )
    # Join the forecast to the last recorded point so the eye follows one line forward.
    last_month, last_value = _last_valid(recorded)
    join_x = [last_month, *future.index]
    join_mean = [last_value, *future["mean"].to_numpy()]
    if points.band:
        axes.fill_between(
            future.index, future["lower"], future["upper"], color=BAND_FILL, alpha=0.18,
            linewidth=0,
        )  # fmt: skip
        for column in ("lower", "upper"):
            axes.plot(
                future.index, future[column].to_numpy(), color=PALETTE[1], linestyle=":",
                linewidth=1.2,
            )  # fmt: skip
    axes.plot(
        join_x,
        join_mean,
        color=PALETTE[1],
        linestyle="--",
        linewidth=2.2,
    )
    axes.axvline(last_month + spec.half(), color=GREY, linewidth=1, linestyle="-")
    axes.text(
        last_month + spec.half() + pd.Timedelta(days=10),
        0.02,
        "Forecast",
        transform=matplotlib.transforms.blended_transform_factory(axes.transData, axes.transAxes),
        ha="left",
        va="bottom",
        color=GREY,
        fontsize=FONT_SIZE - 1,
    )
    labels = [
        {
            "y": float(future["mean"].iloc[-1]),
            "text": "Forecast",
            "colour": PALETTE[1],
            "weight": "bold",
        },
    ]
    if points.band:
        labels += [
            {
                "y": float(future["upper"].iloc[-1]),
                "text": f"Upper {interval_label.split()[0]}",
                "colour": PALETTE[1],
            },
            {
                "y": float(future["lower"].iloc[-1]),
                "text": f"Lower {interval_label.split()[0]}",
                "colour": PALETTE[1],
            },
        ]
    # Every series drawn, so a lower bound below zero or a mean above the band stays in view.
    drawn = [future["mean"]] + ([future["lower"], future["upper"]] if points.band else [])
    axes.set_ylim(*_zero_based_limits(recorded, *drawn))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _time_axis(axes, recorded.index[0], future.index[-1], period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)
    # "Recorded" names the history beside its last point, clear of every recorded point and
    # of the forecast side of the divider (where it would sit on the band).
    divider = axes.transData.transform((mdates.date2num(last_month + spec.half()), 0))[0]
    frame = axes.get_window_extent()
    _place_point_labels(
        axes,
        [
            {
                "x": month,
                "y": value,
                "text": "Recorded",
                "bold": True,
                "radius": 2,
                "label": month == last_month,
                "size": FONT_SIZE,
                "colour": PALETTE[0],
            }
            for month, value in recorded.dropna().items()
        ],
        blocked=[(divider, frame.y0, frame.x1, frame.y1)],
    )

    return figure


def _forecast_alt_text(points: _ForecastPoints, measure: str, area: str) -> str:
    recorded, future, period = points.recorded, points.future, points.period
    spec, interval_label, decimals = _PERIODS[period], points.interval_label, points.decimals
    last_month, last_value = _last_valid(recorded)
    total = float(future["mean"].sum())
    n_compared = min(len(future), int(recorded.notna().sum()))
    return (
        f"{spec.adjective} {measure} in {area}: recorded from {spec.label(recorded.index[0])} "
        f"to {spec.label(last_month)} (latest {wording.number(last_value, decimals)}), then a "
        f"forecast for {spec.label(future.index[0])} to {spec.label(future.index[-1])}. "
        f"The forecast averages {wording.number(future['mean'].mean(), 0)} a {period} "
        f"({wording.number(total, 0)} in total) against "
        f"{wording.number(recorded.dropna().iloc[-len(future) :].mean(), 0)} a {period} over the "
        f"last {n_compared} recorded {period}{'s' if n_compared != 1 else ''}"
        + (
            f"; the {interval_label} for {spec.label(future.index[-1])} is "
            f"{wording.number(future['lower'].iloc[-1], 0)} to "
            f"{wording.number(future['upper'].iloc[-1], 0)}."
            if points.band
            else "; no range is drawn around it."
        )
    )


def _forecast_table(points: _ForecastPoints) -> tuple[pd.DataFrame, dict[str, int]]:
    recorded, future, mask = points.recorded, points.future, points.mask
    spec, interval_label, decimals = _PERIODS[points.period], points.interval_label, points.decimals
    data = pd.DataFrame(index=recorded.index.union(future.index))
    data["Recorded"] = _with_markers(recorded, mask.reindex(data.index, fill_value=False), decimals)
    data["Forecast"] = future["mean"].round(1)
    band = interval_label[:1].upper() + interval_label[1:]
    if not points.band:
        data.index = spec.table_index(data.index)
        return data, {"Recorded": decimals, "Forecast": 1}
    data[f"{band}: lower"] = future["lower"].round(1)
    data[f"{band}: upper"] = future["upper"].round(1)
    data.index = spec.table_index(data.index)
    return data, {
        "Recorded": decimals,
        "Forecast": 1,
        f"{band}: lower": 1,
        f"{band}: upper": 1,
    }
