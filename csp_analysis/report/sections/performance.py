"""The performance overview: indicators by quarter against target, with SPC assurance."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csp_analysis.analysis import aggregate, same_period, spc
from csp_analysis.core.config import load_display_names
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.core.targets import load_performance
from csp_analysis.report import charts, wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Heading, Paragraph, Section, Table
from csp_analysis.report.sections.common import (
    MIN_SPC_QUARTERS,
    QUARTERS_SHOWN,
    _count_text,
    _section,
    _small,
)


@dataclass
class Indicator:
    """One performance indicator's quarterly values, target and direction."""

    key: str
    name: str
    source: str
    unit: str
    direction: str
    values: pd.Series  # by quarter start
    targets: pd.Series  # by quarter start (NaN = none)
    target_basis: str  # the target in words: "maintain the level of 9,500 a year"
    sensitive: bool = False
    annual_target: float | None = None  # for the year-to-date comparison, when one is set
    year_to_date: float | None = None  # the financial year to date, police-derived only


def _last_complete_quarter(ctx: ReviewContext) -> pd.Timestamp:
    start = pd.Timestamp(ctx.period_end).to_period("Q-MAR").start_time
    end_of_quarter = start + pd.DateOffset(months=2)
    if ctx.period_end < end_of_quarter:
        start = start - pd.DateOffset(months=3)
    return pd.Timestamp(start)


def performance_indicators(ctx: ReviewContext) -> list[Indicator]:
    """The police-derived and partner indicators of the CSP, by complete financial quarter.

    Which indicators, and the partnership's targets, come from ``config/performance.yaml``
    (:mod:`csp_analysis.core.targets`): police-derived indicators count a priority's records per
    quarter, against the partnership's target or, without one, the same quarter a year earlier.
    Partner indicators come from ``indicators.parquet`` with their own targets and directions.

    Returns
    -------
    list of Indicator
    """
    return ctx.memo(("indicators",), lambda: _compute_indicators(ctx))


def _compute_indicators(ctx: ReviewContext) -> list[Indicator]:
    last = _last_complete_quarter(ctx)
    config = load_performance()
    config.check(ctx.areas, ctx.priorities)
    specs = config.for_csp(ctx.csp.id) if ctx.csp is not None else config.defaults
    result = [
        indicator
        for spec in specs
        if spec.priority is not None
        and (indicator := _police_indicator(ctx, spec, last)) is not None
    ]
    listed = {spec.indicator for spec in specs if spec.indicator is not None}
    partner = ctx.indicators
    if ctx.csp is not None and len(partner):
        mine = partner[
            (partner["area_code"] == ctx.csp.code) & (partner["period_type"] == "quarter")
        ]
        mine = mine[mine["period_start"] <= last]
        if config.partner_indicators == "listed":
            mine = mine[mine["indicator"].isin(listed)]
        for name, rows in mine.groupby("indicator", sort=True):
            rows = rows.sort_values("period_start")
            index = pd.DatetimeIndex(rows["period_start"])
            direction = (
                str(rows["direction"].dropna().iloc[-1]) if rows["direction"].notna().any() else ""
            )
            result.append(
                Indicator(
                    key=str(name),
                    name=load_display_names().indicator(str(name)),
                    source="Partner data",
                    unit=str(rows["unit"].iloc[-1]),
                    direction=direction if direction in ("lower", "higher") else "",
                    values=pd.Series(rows["value"].to_numpy(dtype=float), index=index),
                    targets=pd.Series(rows["target"].to_numpy(dtype=float), index=index),
                    target_basis="the partner's target",
                )
            )
    return result


def _police_indicator(ctx: ReviewContext, spec, last: pd.Timestamp) -> Indicator | None:
    """A priority's police-recorded offences by complete quarter, against the partnership's
    target (``config/performance.yaml``) or, without one, the same quarter a year earlier."""
    priority = ctx.priorities.get(spec.priority)
    selection = ctx.selection(priority)
    if not selection.available:
        return None
    monthly = ctx.csp_series(priority)
    frame = pd.DataFrame({"month": monthly.index, "count": monthly.to_numpy()})
    quarters = aggregate.quarterly_counts(frame)
    quarters = quarters[quarters["complete"] & (quarters["period_start"] <= last)]
    values = pd.Series(
        quarters["count"].to_numpy(dtype=float), index=pd.DatetimeIndex(quarters["period_start"])
    )
    if len(values):
        # Every quarter in range, so that shift(4) is the same quarter a year earlier.
        values = values.reindex(pd.date_range(values.index.min(), values.index.max(), freq="3MS"))
    annual = _annual_target(spec.target, monthly)
    basis = wording.target(spec.target, annual)
    if spec.target is None:
        targets = values.shift(4)
    elif annual is None:  # a baseline year the data do not cover: no target to compare with
        targets = pd.Series(float("nan"), index=values.index)
        basis += f" (the data do not cover {spec.target.baseline}, so it cannot be applied)"
    else:
        quarterly = spec.target.level if spec.target.per == "quarter" else annual / 4
        targets = pd.Series(quarterly, index=values.index, dtype=float)
    ytd = same_period.year_to_date(frame, ctx.period_end)
    name = wording.sentence_start(wording.measure(priority))
    return Indicator(
        key=priority.id,
        name=name + (" (proxy)" if selection.method == "proxy" else ""),
        source="Police recorded crime",
        unit="count",
        direction=spec.direction or priority.direction,
        values=values,
        targets=targets,
        target_basis=basis,
        sensitive=priority.sensitive,
        annual_target=annual,
        year_to_date=ytd.current if ytd.current is not None else None,
    )


def _annual_target(target, monthly: pd.Series) -> float | None:
    """The year's target: a level (a quarterly level times four), or the baseline financial
    year's total changed by the percentage. None without a target, or when the data do not
    cover the whole baseline year."""
    if target is None:
        return None
    if target.level is not None:
        return target.level * (4 if target.per == "quarter" else 1)
    start = pd.Timestamp(int(target.baseline[:4]), 4, 1)
    months = pd.date_range(start, periods=12, freq="MS")
    baseline = monthly.reindex(months)
    if baseline.isna().any():
        return None
    return float(baseline.sum()) * (1 + target.change_pct / 100)


def _available_indicators(ctx: ReviewContext) -> list[Indicator]:
    indicators = performance_indicators(ctx)
    if not indicators:
        raise AnalysisError("no indicators are available for this partnership")
    return indicators


def _other_period_indicators(ctx: ReviewContext) -> list[str]:
    """Partner indicators of the CSP that are not quarterly (named, never dropped silently)."""
    partner = ctx.indicators
    if ctx.csp is None or partner.empty:
        return []
    mine = partner[partner["area_code"] == ctx.csp.code]
    quarterly = set(mine.loc[mine["period_type"] == "quarter", "indicator"])
    return sorted(set(mine["indicator"]) - quarterly)


def _value_text(indicator: Indicator, value) -> str:
    if value is None or pd.isna(value):
        return wording.NOT_AVAILABLE
    if indicator.unit == "count":
        return _count_text(value, indicator.sensitive)
    if indicator.unit in ("percent", "%"):
        return f"{float(value):.1f}%"
    return f"{float(value):,.1f}"


def _direction_words(direction: str) -> str:
    return {"lower": "lower is better", "higher": "higher is better"}.get(direction, "no direction")


def _indicator_spc(indicator: Indicator) -> spc.SpcResult | None:
    values = indicator.values.dropna()
    if len(values) < MIN_SPC_QUARTERS:
        return None
    target = indicator.targets.get(values.index[-1])
    target = None if target is None or pd.isna(target) or not indicator.direction else float(target)
    return spc.xmr(values, direction=indicator.direction or None, target=target)


@_section
def performance_summary(ctx: ReviewContext) -> Section:
    """The latest complete quarter of every indicator with its target, direction, SPC
    variation and assurance (NHS "Making Data Count").

    Returns
    -------
    Section
    """
    indicators = _available_indicators(ctx)
    rows = []
    too_short = []
    for indicator in indicators:
        values = indicator.values.dropna()
        if values.empty:
            continue
        latest = values.index[-1]
        target = indicator.targets.get(latest)
        result = _indicator_spc(indicator)
        if result is None:
            too_short.append(indicator.name)
        small = indicator.unit == "count" and _small(values.iloc[-1], indicator.sensitive)
        rows.append(
            {
                "Indicator": indicator.name,
                "Source": indicator.source,
                "Latest quarter": wording.fy_quarter_label(latest),
                "Value": _value_text(indicator, values.iloc[-1]),
                "Target": _value_text(indicator, target)
                if not (indicator.unit == "count" and _small(target, indicator.sensitive))
                else wording.SUPPRESSED,
                "Target set": indicator.target_basis,
                "Year to date": _value_text(indicator, indicator.year_to_date),
                "Annual target": _value_text(indicator, indicator.annual_target),
                "Direction": _direction_words(indicator.direction),
                "Variation": "not enough quarters"
                if result is None
                else wording.spc_variation(result.variation),
                "Assurance": "not enough quarters"
                if result is None
                else (result.assurance or "no target"),
                "_small": small,
            }
        )
    table = pd.DataFrame(rows).drop(columns="_small").set_index("Indicator")
    notes = [
        "Police-derived targets are the partnership's own where it has set one (as stated), "
        "otherwise the same quarter a year earlier; partner indicators carry their own targets "
        "and directions. Year to date: the financial year so far, against the annual target "
        "where one is set ([x] where none is).",
        "Variation: whether the latest quarter shows special-cause variation on an XmR control "
        "chart of all complete quarters. Assurance: whether the process limits lie wholly on "
        "one side of the target (consistently passing or failing) or straddle it (hit and miss).",
    ]
    other = _other_period_indicators(ctx)
    if other:
        notes.append(
            "Reported monthly or annually, so not in this quarterly table: "
            + ", ".join(load_display_names().indicator(name) for name in other)
            + "."
        )
    if too_short:
        notes.append(
            f"Control limits need at least {MIN_SPC_QUARTERS} quarters; not yet available for: "
            + ", ".join(too_short)
            + "."
        )
    return Table(
        table,
        f"Performance summary, {ctx.area_name}, latest complete quarter to "
        f"{wording.month_label(ctx.period_end)}",
        note=notes,
        count_columns=[],
    )


@_section
def performance_by_quarter(ctx: ReviewContext, quarters: int = QUARTERS_SHOWN) -> Section:
    """Every indicator over the last eight complete quarters.

    Returns
    -------
    Section
    """
    indicators = _available_indicators(ctx)
    last = _last_complete_quarter(ctx)
    starts = pd.date_range(end=last, periods=quarters, freq="3MS")
    table = pd.DataFrame(
        {
            wording.fy_quarter_label(start): [
                _value_text(i, i.values.get(start)) for i in indicators
            ]
            for start in starts
        },
        index=pd.Index([i.name for i in indicators], name="Indicator"),
    )
    table.insert(0, "Direction", [_direction_words(i.direction) for i in indicators])
    return Table(
        table,
        f"Indicators by financial quarter, {ctx.area_name}",
        note="[x] = no data for that quarter (before the data start, or not yet published).",
        count_columns=[],
    )


@_section
def performance_charts(ctx: ReviewContext) -> Section:
    """A control chart (XmR) of each indicator's quarters, with a sentence on each.

    Returns
    -------
    Section
    """
    parts = []
    for indicator in performance_indicators(ctx):
        parts.append(Heading(indicator.name, 3))
        values = indicator.values.dropna()
        result = _indicator_spc(indicator)
        if result is None:
            parts.append(Paragraph(
                f"{len(values)} quarter(s) of data; a control chart needs at least "
                f"{MIN_SPC_QUARTERS}."
            ))  # fmt: skip
            continue
        if indicator.unit == "count" and any(_small(v, indicator.sensitive) for v in values):
            parts.append(Paragraph(
                "Not charted: some quarters have counts small enough to be withheld."
            ))  # fmt: skip
            continue
        unit = {"count": "Per quarter", "percent": "Percent"}.get(indicator.unit, indicator.unit)
        chart = charts.spc_chart(
            result,
            measure=indicator.name[:1].lower() + indicator.name[1:],
            area=ctx.area_name,
            unit=unit,
            caption=f"Control chart of {indicator.name[:1].lower() + indicator.name[1:]} by "
            f"quarter, {ctx.area_name}",
            period="quarter",
        )
        parts.append(chart)
        target = indicator.targets.get(values.index[-1])
        text = (
            f"Latest quarter ({wording.fy_quarter_label(values.index[-1])}): "
            f"{_value_text(indicator, values.iloc[-1])}"
        )
        if target is not None and not pd.isna(target):
            text += (
                f" against a target of {_value_text(indicator, target)} ({indicator.target_basis})"
            )
        text += (
            f"; {_direction_words(indicator.direction)}. Variation: "
            f"{wording.spc_variation(result.variation)}"
        )
        if result.assurance:
            text += f"; assurance: {result.assurance}"
        parts.append(Paragraph(wording.sentence(text)))
    if not parts:
        raise AnalysisError("no indicators are available for this partnership")
    return parts
