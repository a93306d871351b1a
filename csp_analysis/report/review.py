"""Sections of the published reviews: each takes a :class:`ReviewContext` and returns HTML.

The report notebooks are thin: a parameters cell, ``ctx = review.load_context(...)``, then
markdown prose and one-line cells such as ``review.show(review.headline(ctx))``. Everything
else - period arithmetic, counting, model fitting, disclosure control and wording - is here,
built from the analysis modules (:mod:`~csp_analysis.analysis.series`, :mod:`~csp_analysis.analysis.rates`,
:mod:`~csp_analysis.analysis.disclosure`, :mod:`~csp_analysis.report.findings`,
:mod:`~csp_analysis.analysis.seasonality`, :mod:`~csp_analysis.analysis.trend`, :mod:`~csp_analysis.analysis.forecast`,
:mod:`~csp_analysis.analysis.spc`) and rendered with :mod:`~csp_analysis.report.charts` and
:mod:`~csp_analysis.report.blocks`. Methods are documented in ``docs/methods.md``.

Rules every section follows
---------------------------
* **Never a traceback on the page.** A section that cannot be computed (too little history,
  an unavailable priority, a model that fails) returns a plain-English statement instead. An
  unexpected error is written to the notebook's stderr (kept in the executed notebook for the
  analyst, stripped from the page) and the page says the section could not be produced. Set
  the environment variable ``CSP_ANALYSIS_STRICT=1`` (the tests do) to raise instead.
* **History needed.** Year-to-date comparisons need the same months a year earlier; a
  seasonal decomposition and the trend model need 24 months; a forecast needs 36 (24 to
  train and 12 to test in a rolling-origin backtest); a control chart needs 12 points.
* **Disclosure control** (:mod:`csp_analysis.analysis.disclosure`). Counts of 1 to 2 - 1 to 4 in
  sensitive themes (``sensitive: true`` in ``config/priorities.yaml``) - are published as
  ``[c]`` in every table, with secondary suppression wherever a total is shown, and so are the
  figures derived from them (shares, rates, changes). Neighbourhood (LSOA) tables list only
  areas above the threshold. A monthly chart would publish each month's count in its data
  table and, with the year's total printed beside it, let a reader recover a withheld month;
  so when any month shown would need suppression, the point-level monthly charts (trend,
  control chart, seasonal profile, forecast) are replaced by a quarterly table under the same
  rules, with a sentence saying why.
* **Headings.** The page template owns the h1; notebooks put h2 headings in markdown cells;
  sections here use h3 only.

Running on the real West Mercia 2025 data
-----------------------------------------
``make ingest-real`` loads the police.uk files in ``../shared/data`` into ``data/processed``
(replacing the demonstration data; ``csp-analysis ingest ... --out DIR`` and
``csp-analysis run --processed-dir DIR`` keep them apart), then ``csp-analysis run`` builds
every report for the year ending December 2025. Those data hold 12 months of police.uk records
only, so: year-to-date comparisons, seasonal decomposition, the trend model and forecasts each
say plainly that they need more history; thematic reviews of domestic abuse, violence against
women and girls, hate crime and alcohol-related violence use the police.uk proxy with its
caveat at the top of the page; breakdowns are limited to crime type and outcome; monthly
control charts (12 points) and every year-ending table, comparison and funnel plot are shown.
"""

from __future__ import annotations

import calendar
import functools
import math
import os
import sys
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_analysis.analysis import disclosure, rates, seasonality, series, spc, trend
from csp_analysis.analysis import forecast as forecasting
from csp_analysis.core.config import Priority, Selection, load_display_names
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.report import blocks, charts, findings, wording
from csp_analysis.report.blocks import Headline
from csp_analysis.report.context import ReviewContext, load_context

__all__ = [
    "POLICE_INDICATORS",
    "ReviewContext",
    "breakdowns",
    "control_chart",
    "crime_type_table",
    "data_and_methods",
    "definition",
    "focus",
    "forecast_section",
    "headline",
    "key_findings",
    "load_context",
    "overview",
    "partnership_funnel",
    "partnership_positions",
    "partnership_table",
    "peer_comparison",
    "performance_by_quarter",
    "performance_indicators",
    "performance_charts",
    "performance_summary",
    "priority_rates_table",
    "seasonality_section",
    "show",
    "top_lsoas",
    "trend_section",
    "year_to_date",
]

STRICT_ENV = "CSP_ANALYSIS_STRICT"
TREND_MONTHS = 36
FORECAST_HORIZON = 12
MIN_DECOMPOSE_MONTHS = 24
MIN_FORECAST_MONTHS = 36
MIN_SPC_POINTS = 12
MIN_SPC_QUARTERS = 8
TOP_LSOAS = 10
QUARTERS_SHOWN = 8
# Police-derived indicators of the performance overview (priority ids, lower is better).
POLICE_INDICATORS = ("all_crime", "asb", "neighbourhood_crime", "domestic_abuse")


# --------------------------------------------------------------------------- display


def show(fragment: str) -> None:
    """Display an HTML fragment as the output of a notebook cell.

    Parameters
    ----------
    fragment : str
        HTML from one of the section functions.
    """
    from IPython.display import HTML, display

    display(HTML(fragment))


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "").strip().lower() in ("1", "true", "yes")


def _quiet_models():
    """Silence the warnings model fitting is known to emit; nothing else."""
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        EstimationWarning,
        HessianInversionWarning,
        ValueWarning,
    )

    manager = warnings.catch_warnings()
    manager.__enter__()
    for category in (ConvergenceWarning, HessianInversionWarning, ValueWarning, EstimationWarning):
        warnings.simplefilter("ignore", category)
    # Overflow and invalid-value warnings from optimisers trying extreme parameters.
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    return manager


def _section(func: Callable[..., str]) -> Callable[..., str]:
    """Turn a section's failure into a plain statement (or raise under CSP_ANALYSIS_STRICT)."""

    @functools.wraps(func)
    def wrapper(ctx: ReviewContext, *args, **kwargs) -> str:
        manager = _quiet_models()
        try:
            with np.errstate(all="ignore"):
                return func(ctx, *args, **kwargs)
        except CspAnalysisError as exc:
            if _strict():
                raise
            return blocks.paragraph_block(
                f"This part of the report could not be produced: {wording.clause(str(exc))}."
            )
        except Exception:  # noqa: BLE001 - one broken section must not lose the whole report
            if _strict():
                raise
            traceback.print_exc(file=sys.stderr)  # kept for the analyst, never published
            return blocks.paragraph_block(
                "This part of the report could not be produced because of an unexpected error; "
                "the analyst's copy of the executed notebook has the details."
            )
        finally:
            manager.__exit__(None, None, None)

    return wrapper


# --------------------------------------------------------------------------- formatting


def _small(value, sensitive: bool) -> bool:
    """Whether a count must be withheld (1 to the primary threshold)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return 1 <= float(value) <= disclosure.primary_threshold(sensitive)


def _count_text(value, sensitive: bool) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return wording.NOT_AVAILABLE
    return wording.SUPPRESSED if _small(value, sensitive) else wording.count(value)


def _by_count(counts: pd.Series) -> pd.Series:
    """Largest first, ties by name. Every table of the same categories uses this one order, so
    that the same counts get the same secondary suppression wherever they appear (a cell hidden
    in one table and shown in another would undo the protection)."""
    frame = pd.DataFrame({"name": counts.index.astype(str), "count": counts.to_numpy()})
    order = frame.sort_values(["count", "name"], ascending=[False, True], kind="stable").index
    return counts.iloc[order]


# --------------------------------------------------------------------------- the focus series


@dataclass
class Focus:
    """One CSP's series for one priority, with what it is and how it may be published."""

    priority: Priority
    selection: Selection
    monthly: pd.Series  # full history up to period_end (NaN = no data)
    sensitive: bool
    noun: str
    measure: str
    unit: str

    @property
    def available(self) -> bool:
        return self.selection.available

    @property
    def observed(self) -> pd.Series:
        return seasonality.trim_gaps(self.monthly)

    def window(self, months: int = TREND_MONTHS) -> pd.Series:
        """The last ``months`` months (fewer when the data are shorter), gaps trimmed."""
        return seasonality.trim_gaps(self.monthly.iloc[-months:])

    def needs_suppression(self, months: int = TREND_MONTHS) -> bool:
        """Whether any month shown in a monthly chart would have to be withheld."""
        window = self.window(months)
        return bool(window.apply(lambda v: _small(v, self.sensitive)).any())


def _priority(ctx: ReviewContext, priority: Priority | str | None = None) -> Priority:
    if priority is None:
        priority = ctx.priority or "all_crime"
    return ctx.priorities.get(priority) if isinstance(priority, str) else priority


def focus(ctx: ReviewContext, priority: Priority | str | None = None) -> Focus:
    """The report's CSP series for a priority (the report's own priority by default).

    Parameters
    ----------
    ctx : ReviewContext
    priority : Priority or str, optional

    Returns
    -------
    Focus
    """
    priority = _priority(ctx, priority)
    return ctx.memo(("focus", priority.id), lambda: _new_focus(ctx, priority))


def _new_focus(ctx: ReviewContext, priority: Priority) -> Focus:
    selection = ctx.selection(priority)
    return Focus(
        priority=priority,
        selection=selection,
        monthly=ctx.csp_series(priority),
        sensitive=priority.sensitive,
        noun=priority.noun,
        measure=wording.measure(priority, selection.method),
        unit=f"{priority.noun.capitalize()} per month",
    )


def _require_available(item: Focus) -> None:
    if not item.available:
        raise AnalysisError(wording.clause(item.selection.caveat))


def _year_total(monthly: pd.Series, months: pd.DatetimeIndex) -> float | None:
    values = monthly.reindex(months)
    return None if values.isna().any() else float(values.sum())


def _ytd(ctx: ReviewContext, item: Focus) -> series.YearToDate:
    frame = pd.DataFrame({"month": item.monthly.index, "count": item.monthly.to_numpy()})
    return series.year_to_date(frame, ctx.period_end, name=ctx.area_name)


def _history_statement(ctx: ReviewContext, what: str, needed: int, have: int) -> str:
    return blocks.paragraph_block(
        f"{what} needs at least {needed} months of data; the data for {ctx.area_name} cover "
        f"{have} month{'s' if have != 1 else ''} ({_span(ctx)}), so it is not shown."
    )


def _span(ctx: ReviewContext) -> str:
    months = ctx.covered_months
    if not len(months):
        return "no months"
    return wording.period_label(months[0], months[-1])


# --------------------------------------------------------------------------- top of report


@_section
def overview(ctx: ReviewContext) -> str:
    """What the report covers: area, period, data, the priority's caveat and data gaps.

    Returns
    -------
    str
        Paragraphs, plus a prominent caveat when the priority is measured by a proxy or cannot
        be measured from these data.
    """
    parts = []
    data_words = (
        "synthetic demonstration data (not real crime figures)"
        if ctx.synthetic
        else "police recorded crime data"
    )
    if ctx.csp is not None:
        where = f"{ctx.area_name} ({ctx.force.name} police force area)"
    else:
        where = (
            f"the {len(ctx.force.csps)} Community Safety Partnerships of the {ctx.force.name} "
            "police force area"
        )
    text = (
        f"This report covers {where} for the {ctx.year_label}. It uses {data_words} covering "
        f"{_span(ctx)} ({ctx.n_months} months)."
    )
    if ctx.n_months < MIN_FORECAST_MONTHS:
        text += (
            f" With {ctx.n_months} months of data some analyses cannot be made: comparisons "
            "with the previous year need two years of data, seasonal analysis 24 months and "
            "forecasts 36 months. Those sections say so."
        )
    gaps = [m for m in pd.date_range(ctx.data_start, ctx.period_end, freq="MS")
            if m not in set(ctx.covered_months)]  # fmt: skip
    if gaps:
        text += (
            f" {len(gaps)} month(s) have no published data ("
            + ", ".join(wording.month_label(m) for m in gaps[:6])
            + (" ..." if len(gaps) > 6 else "")
            + "); they are shown as gaps, never as zero."
        )
    parts.append(blocks.paragraph_block(text))
    unassigned = ctx.crimes.loc[
        ctx.crimes["month"].isin(ctx.year_months) & ctx.crimes["unassigned_reason"].notna()
    ]
    if len(unassigned):
        reasons = unassigned["unassigned_reason"].astype(str).value_counts()
        listed = "; ".join(f"{reason}: {wording.count(n)}" for reason, n in reasons.items())
        parts.append(
            blocks.paragraph_block(
                f"In the {ctx.year_label}, {wording.count(len(unassigned))} {ctx.force.name} records could "
                f"not be placed in any Community Safety Partnership and are not in any "
                f"partnership's figures ({listed})."
            )
        )
    if ctx.priority is not None:
        selection = ctx.selection(ctx.priority)
        if selection.method == "proxy":
            parts.insert(0, blocks.caveat_block(selection.caveat, title="Proxy measure"))
        elif selection.method == "unavailable":
            parts.insert(
                0,
                blocks.caveat_block(
                    [
                        selection.caveat,
                        "The sections below say what cannot be shown; the partnership's "
                        "overall crime figures are in its all crime summary.",
                    ],
                    title="Not measurable from these data",
                ),
            )
        elif selection.caveat:
            parts.append(blocks.caveat_block(selection.caveat))
    return "\n".join(parts)


@_section
def headline(ctx: ReviewContext) -> str:
    """Key figures: the year's total, the rate per 1,000 residents, the year-to-date change and,
    in a thematic review, the share of all crime.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    figures = []
    total = _year_total(item.monthly, ctx.year_months)
    population, pop_year = ctx.population_for(ctx.csp.code)
    if total is None:
        figures.append(
            Headline(
                f"{item.noun.capitalize()}, {ctx.year_label}",
                wording.NOT_AVAILABLE,
                "some months of the year have no data",
            )  # fmt: skip
        )
    else:
        figures.append(
            Headline(
                f"{item.measure[:1].upper() + item.measure[1:]}, {ctx.year_label}",
                _count_text(total, item.sensitive),
            )
        )
        rate = (
            wording.SUPPRESSED
            if _small(total, item.sensitive)
            else wording.rate(total / population * 1000)
        )
        figures.append(
            Headline(
                "Rate per 1,000 residents",
                rate,
                f"mid-{pop_year} population {wording.count(population)}",
            )
        )
    ytd = _ytd(ctx, item)
    if ytd.available and not (_small(ytd.current, item.sensitive)
                              or _small(ytd.previous, item.sensitive)):  # fmt: skip
        if ytd.pct_change is None:
            change = "up from none"
        elif ytd.change == 0:
            change = "no change"
        else:
            change = f"{'up' if ytd.change > 0 else 'down'} {wording.percent(ytd.pct_change)}"
        label = (
            f"Financial year {wording.financial_year(ctx.period_end)}"
            if ytd.months == 12
            else f"Financial year to date ({ytd.current_label})"
        )
        figures.append(
            Headline(
                label,
                wording.count(ytd.current),
                f"{change} on {ytd.previous_label} ("
                + ("statistically significant" if ytd.significant else "not significant")
                + ")",
            )
        )
    else:
        figures.append(
            Headline(
                "Compared with last year",
                "not available",
                "no earlier year to compare with" if not ytd.available else "too few to report",
            )  # fmt: skip
        )
    if item.priority.id != "all_crime" and total is not None:
        all_total = _year_total(ctx.csp_series("all_crime"), ctx.year_months)
        if item.priority.id == "asb":
            pass  # ASB incidents are not crimes: no share of all crime
        elif all_total and not _small(total, item.sensitive):
            figures.append(
                Headline(
                    "Share of all recorded crime",
                    f"{100 * total / all_total:.1f}%",
                    f"of {wording.count(all_total)} crimes",
                )  # fmt: skip
            )
    # The year-to-date sentence with its test belongs to the year-to-date section.
    return blocks.headline_block(figures)


def _ytd_statement(item: Focus, ytd: series.YearToDate) -> str:
    if not ytd.available:
        return f"No comparison with the same period last year: {wording.clause(ytd.reason)}."
    if _small(ytd.current, item.sensitive) or _small(ytd.previous, item.sensitive):
        return (
            "The year-to-date counts are too small to publish (disclosure control), so no "
            "comparison with last year is given."
        )
    return wording.sentence(
        f"{ytd.current_label}: {wording.count(ytd.current)} {item.noun} against {wording.count(ytd.previous)} in "
        f"{ytd.previous_label}, " + wording.year_to_date(ytd, item.noun)
    )


# --------------------------------------------------------------------------- key findings


def _peer_table(ctx: ReviewContext, priority: Priority) -> pd.DataFrame:
    """Year-ending counts, populations and peer comparison of every CSP of the force."""
    return ctx.memo(("peers", priority.id), lambda: _compute_peer_table(ctx, priority))


def _compute_peer_table(ctx: ReviewContext, priority: Priority) -> pd.DataFrame:
    monthly = ctx.monthly(priority, by="csp_code")
    rows = []
    for code, name in ctx.csp_names.items():
        part = monthly[monthly["csp_code"] == code].set_index("month")["count"]
        total = _year_total(part, ctx.year_months)
        if total is None:
            raise AnalysisError(
                f"the {ctx.year_label} is not complete for {name}, so the partnerships cannot "
                "be compared"
            )
        population, _ = ctx.population_for(code)
        rows.append({"area": name, "code": code, "count": int(total), "population": population})
    table = pd.DataFrame(rows)
    focus_name = ctx.csp.name if ctx.csp is not None else None
    compared = rates.peer_comparison(table, focus=focus_name)
    return compared.merge(table[["area", "code"]], on="area")


@_section
def key_findings(ctx: ReviewContext) -> str:
    """The most important findings, in plain English, most important first.

    Uses :func:`csp_analysis.report.findings.key_findings` on the year-to-date test, the control
    chart's signals, the position among the force's partnerships and the crime types that
    drove the change, plus the underlying trend. Findings that would quote a withheld count are
    left out.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    ytd = _ytd(ctx, item)
    if ytd.available and (_small(ytd.current, item.sensitive)
                          or _small(ytd.previous, item.sensitive)):  # fmt: skip
        ytd = None
    spc_result = None
    if not item.needs_suppression() and item.window().notna().sum() >= MIN_SPC_POINTS:
        spc_result = spc.xmr(item.window(), direction=item.priority.direction)
    peers = None
    try:
        peers = _peer_table(ctx, item.priority)
        if any(_small(c, item.sensitive) for c in peers["count"]):
            peers = None
    except CspAnalysisError:
        peers = None
    contributions = None
    try:
        by_type = ctx.monthly(item.priority, by="crime_type", csp_code=ctx.csp.code)
        if by_type["crime_type"].nunique() > 1:
            contributions = findings.contributions_to_change(
                by_type, ctx.period_end, by="crime_type"
            )
            values = pd.concat([contributions["current"], contributions["previous"]])
            if any(_small(v, item.sensitive) for v in values):
                contributions = None
    except CspAnalysisError:
        contributions = None
    found = findings.key_findings(
        ytd=ytd,
        spc={ctx.area_name: spc_result} if spc_result is not None else None,
        peers=peers,
        contributions=contributions,
        noun=item.noun,
        series=None,
        peer_period=f"in the {ctx.year_label}",
        include_not_significant=True,
        max_findings=6,
    )
    sentences = [f.text for f in found]
    observed = item.observed
    if observed.notna().sum() >= MIN_DECOMPOSE_MONTHS and not item.needs_suppression():
        try:
            fitted = trend.fit_trend(observed, population=ctx.csp.population)
            sentences.append(wording.trend(fitted, subject=item.measure))
        except CspAnalysisError:
            pass
    if not sentences:
        sentences = [f"No findings for {ctx.area_name} in the {ctx.year_label}."]
    return blocks.findings_block(sentences, heading=None)


# --------------------------------------------------------------------------- year to date


@_section
def year_to_date(ctx: ReviewContext) -> str:
    """Financial year to date against the same months last year, overall and by crime type,
    with absolute and percentage change and the exact Poisson test of the change.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    ytd = _ytd(ctx, item)
    parts = [blocks.paragraph_block(_ytd_statement(item, ytd))]
    if not ytd.available:
        return "\n".join(parts)
    by_type = ctx.monthly(item.priority, by="crime_type", csp_code=ctx.csp.code)
    table = series.year_to_date_table(by_type, ctx.period_end, by="crime_type")
    table = table[table["available"]]
    table = table[(table["current"] > 0) | (table["previous"] > 0)]
    if len(table) < 2:  # one crime type: the table would repeat the sentence
        return "\n".join(parts)
    counts = table.set_index("crime_type")[["previous", "current"]].astype(int)
    counts = counts.loc[_by_count(counts["current"]).index]
    counts.index.name = "Crime type"
    protected = disclosure.suppress(counts, item.sensitive, totals="row")
    shown = protected.display.copy()
    shown.columns = [ytd.previous_label, ytd.current_label]
    change, pct, significance = [], [], []
    for label in protected.values.index:
        row = protected.values.loc[label]
        hidden = bool(protected.mask.loc[label].any())
        if hidden:
            change.append(wording.SUPPRESSED)
            pct.append(wording.SUPPRESSED)
            significance.append(wording.SUPPRESSED)
            continue
        diff = int(row["current"] - row["previous"])
        change.append(diff)
        pct.append(100 * diff / row["previous"] if row["previous"] else np.nan)
        p_value = series.poisson_ratio_test(row["current"], row["previous"])
        significance.append(
            ("significant" if p_value < series.ALPHA else "not significant")
            + f" ({wording.p_value(p_value)})"
        )
    shown["Change"] = change
    shown["Change (%)"] = pct
    shown["Significance"] = significance
    note = (
        f"Change tested with the {series.YTD_METHOD}; significant means p < {series.ALPHA}. "
        "Change (%) is [x] where there were none last year."
    )
    parts.append(
        blocks.table_block(
            shown,
            f"{item.noun.capitalize()} by crime type, {ytd.current_label} against "
            f"{ytd.previous_label}, {ctx.area_name}",
            note=note,
            number_format={"Change (%)": 1},
            suppression_note=protected.note or None,
        )
    )
    return "\n".join(parts)


@_section
def crime_type_table(ctx: ReviewContext) -> str:
    """Counts, shares and rates per 1,000 residents by crime type for the year, with a chart.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    by_type = ctx.monthly(item.priority, by="crime_type", csp_code=ctx.csp.code)
    year = by_type[by_type["month"].isin(ctx.year_months)]
    if year["count"].isna().any() or year["month"].nunique() < 12:
        raise AnalysisError(f"some months of the {ctx.year_label} have no data")
    counts = year.groupby("crime_type")["count"].sum().astype(int)
    counts = _by_count(counts[counts > 0])
    if counts.empty:
        return blocks.paragraph_block(f"No {item.noun} were recorded in the {ctx.year_label}.")
    counts.index.name = "Crime type"
    counts.name = item.noun.capitalize()
    protected = disclosure.suppress_series(counts, item.sensitive, total=True)
    population, pop_year = ctx.population_for(ctx.csp.code)
    total = int(counts.sum())
    table = protected.display.copy()
    mask = protected.mask.iloc[:, 0]
    values = protected.values.iloc[:, 0]
    table["Share of total (%)"] = [
        wording.SUPPRESSED if mask[k] else 100 * values[k] / total for k in table.index
    ]
    table["Rate per 1,000 residents"] = [
        wording.SUPPRESSED if mask[k] else values[k] / population * 1000 for k in table.index
    ]
    parts = [
        blocks.table_block(
            table,
            f"{item.noun.capitalize()} by crime type, {ctx.area_name}, {ctx.year_label}",
            note=f"Rates use the mid-{pop_year} population estimate ({wording.count(population)}).",
            number_format={"Share of total (%)": 1, "Rate per 1,000 residents": 2},
            suppression_note=protected.note or None,
        )
    ]
    chart_values = counts.astype(float)
    suppressed = mask.drop(disclosure.TOTAL, errors="ignore").reindex(counts.index)
    chart = charts.bar_chart(
        chart_values,
        measure=f"{item.noun} in the {ctx.year_label}",
        area=ctx.area_name,
        by="crime type",
        value_label=item.noun.capitalize(),
        suppressed=suppressed if suppressed.any() else None,
        caption=f"{item.noun.capitalize()} by crime type, {ctx.area_name}, {ctx.year_label}",
    )
    parts.append(charts.figure_block(chart))
    return "\n".join(parts)


# --------------------------------------------------------------------------- trend


def _quarterly_table(ctx: ReviewContext, item: Focus, years: int = TREND_MONTHS // 12) -> str:
    """Quarterly totals of a small series, one row per year, disclosure-controlled.

    Rows are the years ending at the last complete quarter (so with a quarter-end
    ``period_end`` the latest row total is the year total printed in the headline), columns
    its four quarters, with a Total column. Secondary suppression therefore protects every
    withheld quarter against the year totals published elsewhere on the page.
    """
    last = _last_complete_quarter(ctx)
    rows, names = {}, None
    for back in range(years):
        end = last + pd.DateOffset(months=2) - pd.DateOffset(years=back)
        starts = pd.date_range(end=end - pd.DateOffset(months=2), periods=4, freq="3MS")
        values = []
        for start in starts:
            months = item.monthly.reindex(pd.date_range(start, periods=3, freq="MS"))
            values.append(np.nan if months.isna().any() else float(months.sum()))
        if any(np.isnan(values)):
            continue
        names = names or [
            f"{calendar.month_abbr[s.month]} to {calendar.month_abbr[(s + pd.DateOffset(months=2)).month]}"
            for s in starts
        ]
        rows["Year ending " + wording.month_label(end)] = [int(v) for v in values]
    if not rows:
        return blocks.paragraph_block(
            f"Some months have so few {item.measure} that they cannot be published month by "
            "month, and there is no complete year of quarters to show instead."
        )
    table = pd.DataFrame.from_dict(rows, orient="index", columns=names).iloc[::-1]
    table.index.name = "Year"
    protected = disclosure.suppress(table, item.sensitive, totals="column")
    return "\n".join(
        [
            blocks.paragraph_block(
                f"Some months have so few {item.measure} that publishing them month by month "
                f"could identify people (counts of 1 to "
                f"{disclosure.primary_threshold(item.sensitive)} are withheld), so monthly "
                "charts are not shown; quarterly totals follow instead."
            ),
            blocks.table_block(
                protected.display,
                f"{item.measure[:1].upper() + item.measure[1:]} by quarter, {ctx.area_name}",
                suppression_note=protected.note or None,
            ),
        ]
    )


def _decomposition(ctx: ReviewContext, item: Focus) -> seasonality.Decomposition:
    key = ("decomposition", item.priority.id)
    return ctx.memo(key, lambda: seasonality.decompose(item.observed))


@_section
def trend_section(ctx: ReviewContext) -> str:
    """The last 36 months with the 12-month rolling mean and the seasonally adjusted series
    (robust STL on the full history), and the underlying trend from the count model.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    if item.needs_suppression():
        return _quarterly_table(ctx, item)
    window = item.window()
    decomposition = _decomposition(ctx, item)
    adjusted = None
    parts = []
    if decomposition.ok:
        adjusted = decomposition.seasonally_adjusted.reindex(window.index)
    chart = charts.trend_chart(
        window,
        measure=item.measure,
        area=ctx.area_name,
        rolling_window=12 if len(window) >= 24 else None,
        adjusted=adjusted,
        unit=item.unit,
    )
    parts.append(charts.figure_block(chart))
    if len(window) < TREND_MONTHS:
        parts.insert(0, blocks.paragraph_block(
            f"The data cover {len(window)} months, so the chart shows "
            f"{wording.period_label(window.index[0], window.index[-1])} rather than three years."
        ))  # fmt: skip
    if decomposition.ok:
        parts.append(
            blocks.paragraph_block(
                wording.seasonality(decomposition)
                + f" (Seasonal decomposition of {len(decomposition.series)} months, "
                f"{wording.period_label(decomposition.series.index[0], decomposition.series.index[-1])}.)"
            )
        )
        try:
            fitted = trend.fit_trend(item.observed, population=ctx.csp.population)
            parts.append(blocks.paragraph_block(wording.trend(fitted, subject=item.measure)))
        except CspAnalysisError as exc:
            parts.append(
                blocks.paragraph_block(
                    f"The underlying trend could not be estimated: {wording.clause(str(exc))}."
                )
            )
    else:
        parts.append(
            blocks.paragraph_block(
                f"No seasonal adjustment or underlying trend: {wording.clause(decomposition.reason)}."
            )
        )
    return "\n".join(parts)


@_section
def seasonality_section(ctx: ReviewContext) -> str:
    """Each financial year's months side by side, and the seasonal indices from STL.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    observed = item.observed
    if observed.notna().sum() < MIN_DECOMPOSE_MONTHS:
        return _history_statement(ctx, "A seasonal profile", MIN_DECOMPOSE_MONTHS,
                                  int(observed.notna().sum()))  # fmt: skip
    if item.needs_suppression(months=len(observed)):
        return blocks.paragraph_block(
            f"The seasonal profile is not shown: some months have so few {item.measure} that "
            "publishing them month by month could identify people."
        )
    chart = charts.seasonal_profile_chart(
        observed, measure=item.measure, area=ctx.area_name, unit=item.unit
    )
    parts = [charts.figure_block(chart)]
    decomposition = _decomposition(ctx, item)
    parts.append(blocks.paragraph_block(wording.seasonality(decomposition)))
    if decomposition.ok:
        indices = decomposition.seasonal_indices
        table = pd.DataFrame(
            {
                "Seasonal index": indices.to_numpy(),
                "Compared with an average month (%)": 100 * (indices.to_numpy() - 1),
            },  # fmt: skip
            index=pd.Index(
                [calendar.month_name[i + 1] for i in range(12)], name="Month"
            ),  # fmt: skip
        )
        parts.append(
            blocks.table_block(
                table,
                f"Seasonal pattern of {item.measure}, {ctx.area_name}",
                note="An index of 1.10 means a month typically runs 10% above an average month.",
                number_format={"Seasonal index": 2, "Compared with an average month (%)": 0},
            )
        )
    return "\n".join(parts)


@_section
def control_chart(ctx: ReviewContext) -> str:
    """An XmR control chart of the monthly counts (NHS "Making Data Count" rules).

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    window = item.window()
    if window.notna().sum() < MIN_SPC_POINTS:
        return _history_statement(ctx, "A control chart", MIN_SPC_POINTS, int(window.notna().sum()))
    if item.needs_suppression():
        return blocks.paragraph_block(
            f"The control chart is not shown: some months have so few {item.measure} that "
            "publishing them month by month could identify people."
        )
    result = spc.xmr(window, direction=item.priority.direction)
    frame = result.frame.rename(columns={"special_cause_type": "type"})
    frame["type"] = frame["type"].replace("", None)
    chart = charts.spc_chart(
        frame[["value", "mean", "lcl", "ucl", "special_cause", "type"]],
        measure=item.measure,
        area=ctx.area_name,
        unit=item.unit,
    )
    text = (
        f"The latest month shows {wording.spc_variation(result.variation)}. "
        + wording.spc_limits(result)
        + "."
    )
    signals = findings.spc_findings({None: result}, recent_points=TREND_MONTHS)
    if signals:
        text += " " + " ".join(f.text for f in signals)
    return "\n".join([charts.figure_block(chart), blocks.paragraph_block(text)])


@_section
def forecast_section(ctx: ReviewContext) -> str:
    """A 12-month forecast with 95% prediction intervals; the model is chosen by a
    rolling-origin backtest against the seasonal naive benchmark.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    observed = item.observed
    have = int(observed.notna().sum())
    if len(observed) < MIN_FORECAST_MONTHS:
        return _history_statement(ctx, "A forecast", MIN_FORECAST_MONTHS, have)
    if item.needs_suppression():
        return blocks.paragraph_block(
            f"No forecast is shown: some months have so few {item.measure} that publishing "
            "them month by month could identify people, and such small counts cannot be "
            "forecast usefully."
        )
    tested = forecasting.backtest(observed, horizon=FORECAST_HORIZON, max_origins=4, step=3)
    predicted = forecasting.forecast(observed, horizon=FORECAST_HORIZON, backtest_result=tested)
    frame = pd.DataFrame(
        {"mean": predicted.mean, "lower": predicted.lower, "upper": predicted.upper}
    )
    chart = charts.forecast_chart(
        item.window(), frame, measure=item.measure, area=ctx.area_name, unit=item.unit
    )
    start, end = frame.index[0], frame.index[-1]
    model = wording.forecast_model(predicted.model)
    text = (
        f"Forecast for {wording.period_label(start, end)}: about {wording.count(frame['mean'].sum())} "
        f"{item.noun} in total, against {wording.count(observed.iloc[-12:].sum())} in the {ctx.year_label}. "
        f"The forecast comes from {model}, the most accurate of the models tried when each "
        f"forecast {len(tested.origins)} times from earlier points in the data and checked "
        f"against what was then recorded (mean absolute scaled error "
        f"{tested.mase[tested.chosen_model]:.2f}; below 1 beats a same-month-last-year guess "
        "on average). The shaded band is a 95% prediction interval for each month: a month "
        "outside it would be unusual if nothing changes."
    )
    return "\n".join([charts.figure_block(chart), blocks.paragraph_block(text)])


# --------------------------------------------------------------------------- places


@_section
def top_lsoas(ctx: ReviewContext, n: int = TOP_LSOAS) -> str:
    """The neighbourhoods (LSOAs) with the most records in the year: name, code and counts only.

    Areas at or below the disclosure threshold are never listed.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    if not ctx.has_full_year():
        raise AnalysisError(f"some months of the {ctx.year_label} have no data")
    records = ctx.records(item.priority, ctx.csp.code)
    records = records[records["month"].isin(ctx.year_months) & records["lsoa_code"].notna()]
    if records.empty:
        return blocks.paragraph_block(
            f"No {item.noun} with a known location in the {ctx.year_label}."
        )
    counts = (
        records.groupby(["lsoa_code", "lsoa_name"], observed=True)
        .size()
        .sort_values(ascending=False)
    )
    threshold = disclosure.primary_threshold(item.sensitive)
    listed = counts[counts > threshold].head(n)
    total = int(counts.sum())
    if listed.empty:
        return blocks.paragraph_block(
            f"No neighbourhood had more than {threshold} {item.noun} in the {ctx.year_label}, "
            "so none is listed."
        )
    table = pd.DataFrame(
        {
            "Code": [code for code, _ in listed.index],
            item.noun.capitalize(): listed.to_numpy().astype(int),
            "Share of the partnership's total (%)": 100 * listed.to_numpy() / total,
        },
        index=pd.Index([str(name) for _, name in listed.index], name="Neighbourhood (LSOA 2021)"),
    )
    note = (
        f"Lower layer super output areas (about 1,500 residents each). Areas with "
        f"{threshold} or fewer {item.noun} are never listed. {wording.count(total)} {item.noun} in the year "
        f"had a known location in {ctx.area_name}."
    )
    return blocks.table_block(
        table,
        f"The {len(listed)} neighbourhoods with most {item.measure}, {ctx.area_name}, "
        f"{ctx.year_label}",
        note=note,
        number_format={"Share of the partnership's total (%)": 1},
        count_columns=[item.noun.capitalize()],
    )


# --------------------------------------------------------------------------- thematic only


@_section
def definition(ctx: ReviewContext) -> str:
    """What the priority is, how it is counted in these data, and its caveat.

    Returns
    -------
    str
    """
    priority = _priority(ctx)
    selection = ctx.selection(priority)
    parts = [blocks.paragraph_block(priority.description)]
    method = {
        "definition": "These figures use the full definition:",
        "proxy": "These data cannot apply the full definition, so a proxy is counted instead:",
        "unavailable": "These data cannot measure this priority.",
    }[selection.method]
    clauses = [wording.priority_clause(c) for c in selection.clauses]
    if clauses:
        method += " records " + (clauses[0] if len(clauses) == 1 else "; or ".join(clauses))
    parts.append(blocks.paragraph_block(wording.sentence(method)))
    if selection.method == "proxy":
        parts.append(blocks.caveat_block(selection.caveat, title="Proxy measure"))
    elif selection.caveat:
        parts.append(blocks.caveat_block(selection.caveat))
    if priority.sensitive:
        parts.append(
            blocks.paragraph_block(
                "This is a sensitive theme: counts of 1 to "
                f"{disclosure.primary_threshold(True)} are withheld ([c]) in every table, "
                "together with any figure that would let them be worked out."
            )
        )
    return "\n".join(parts)


_BREAKDOWNS = (
    ("crime_type", "Crime type", "crime_types"),
    ("offence_subgroup", "Offence subgroup", "offence_subgroups"),
    ("outcome", "Outcome", "outcomes"),
    ("victim_sex", "Victim sex", "victim_sex"),
)


@_section
def breakdowns(ctx: ReviewContext) -> str:
    """The year's records by every field the data carry: crime type, offence subgroup, outcome,
    police flags and victim sex, each disclosure-controlled.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    if not ctx.has_full_year():
        raise AnalysisError(f"some months of the {ctx.year_label} have no data")
    records = ctx.records(item.priority, ctx.csp.code)
    records = records[records["month"].isin(ctx.year_months) & records["unassigned_reason"].isna()]
    if records.empty:
        return blocks.paragraph_block(f"No {item.noun} in the {ctx.year_label}.")
    have = series.available_fields(ctx.crimes)
    parts, missing = [], []
    total = len(records)
    for column, title, field_name in _BREAKDOWNS:
        if field_name not in have:
            missing.append(title.lower())
            continue
        values = records[column].astype(object).replace("", None)
        if values.isna().all():
            missing.append(title.lower())  # the data carry the field, but not for these records
            continue
        if column == "victim_sex":
            values = values.map({"F": "Female", "M": "Male"}).fillna("Not recorded")
        else:
            values = values.fillna("Not recorded")
        counts = _by_count(values.value_counts())
        if len(counts) < 2:
            parts.append(blocks.section(f"By {title.lower()}", 3))
            parts.append(blocks.paragraph_block(
                f"All {item.noun} in the year have the same {title.lower()}: {counts.index[0]}."
            ))  # fmt: skip
            continue
        counts.index.name = title
        counts.name = item.noun.capitalize()
        protected = disclosure.suppress_series(counts, item.sensitive, total=True)
        table = protected.display.copy()
        mask = protected.mask.iloc[:, 0]
        numbers = protected.values.iloc[:, 0]
        table["Share (%)"] = [
            wording.SUPPRESSED if mask[k] else 100 * numbers[k] / total for k in table.index
        ]
        parts.append(blocks.section(f"By {title.lower()}", 3))
        parts.append(
            blocks.table_block(
                table,
                f"{item.measure[:1].upper() + item.measure[1:]} by {title.lower()}, "
                f"{ctx.area_name}, {ctx.year_label}",
                number_format={"Share (%)": 1},
                suppression_note=protected.note or None,
            )
        )
    if "flags" in have:
        rows = {}
        for flag, label in load_display_names().flags.items():
            if flag in records and records[flag].notna().any():
                rows[wording.sentence_start(label)] = int(
                    records[flag].fillna(False).astype(bool).sum()
                )
        if rows:
            counts = pd.Series(rows, name=item.noun.capitalize())
            counts.index.name = "Police flag"
            protected = disclosure.suppress_series(counts, item.sensitive, total=False)
            table = protected.display.copy()
            mask = protected.mask.iloc[:, 0]
            table["Share (%)"] = [
                wording.SUPPRESSED if mask[k] else 100 * counts[k] / total for k in table.index
            ]
            parts.append(blocks.section("By police flag", 3))
            parts.append(
                blocks.table_block(
                    table,
                    f"{item.measure[:1].upper() + item.measure[1:]} carrying each police flag, "
                    f"{ctx.area_name}, {ctx.year_label}",
                    note="A record can carry several flags, so the rows do not add up to a total.",
                    number_format={"Share (%)": 1},
                    suppression_note=protected.note or None,
                )
            )
        else:
            missing.append("police flags")
    else:
        missing.append("police flags")
    if missing:
        parts.append(
            blocks.paragraph_block(
                f"These data do not record {wording.join_words(missing, 'or')} for these {item.noun}, so no "
                "breakdown by " + ("it" if len(missing) == 1 else "them") + " can be shown."
            )
        )
    return "\n".join(parts)


@_section
def peer_comparison(ctx: ReviewContext) -> str:
    """The priority's rate per 1,000 residents in every CSP of the force, against the group
    average (ONS "most similar group" presentation), with a chart.

    Returns
    -------
    str
    """
    item = focus(ctx)
    _require_available(item)
    compared = _peer_table(ctx, item.priority)
    table, note = _peer_display(compared, item.sensitive, item.noun, ctx)
    parts = [
        blocks.table_block(
            table,
            f"{item.measure[:1].upper() + item.measure[1:]} per 1,000 residents by partnership, "
            f"{ctx.force.name}, {ctx.year_label}",
            note=note,
            number_format={
                "Rate per 1,000": 1,
                "95% CI lower": 1,
                "95% CI upper": 1,
                "Difference from average": 1,
            },  # fmt: skip
        )
    ]
    if any(_small(c, item.sensitive) for c in compared["count"]):
        parts.append(blocks.paragraph_block(
            "No chart is drawn: a partnership's count is withheld, and its rate would reveal it."
        ))  # fmt: skip
    else:
        values = compared.set_index("area")["rate"]
        chart = charts.bar_chart(
            values,
            measure=f"{item.measure} per 1,000 residents in the {ctx.year_label}",
            area=ctx.force.name,
            by="Community Safety Partnership",
            value_label="Rate per 1,000 residents",
            average=float(compared["group_average"].iloc[0]),
            average_label=f"{ctx.force.name} average",
            highlight=ctx.csp.name if ctx.csp is not None else None,
            counts=False,
            decimals=1,
        )
        parts.append(charts.figure_block(chart))
    if ctx.csp is not None and not any(_small(c, item.sensitive) for c in compared["count"]):
        parts.append(
            blocks.paragraph_block(
                " ".join(
                    f.text
                    for f in findings.peer_findings(
                        compared, noun=item.noun, period=f"in the {ctx.year_label}"
                    )
                )
            )
        )
    return "\n".join(parts)


def _peer_display(
    compared: pd.DataFrame, sensitive: bool, noun: str, ctx: ReviewContext
) -> tuple[pd.DataFrame, str]:
    """The peer table as published: counts protected, derived figures withheld with them."""
    counts = compared.set_index("area")["count"].astype(int)
    counts.name = noun.capitalize()
    protected = disclosure.suppress_series(counts, sensitive, total=False)
    hidden = protected.mask.iloc[:, 0]
    table = pd.DataFrame(index=pd.Index(compared["area"], name="Community Safety Partnership"))
    table["Population"] = compared["population"].to_numpy()
    table[noun.capitalize()] = protected.display.iloc[:, 0].to_numpy()

    def guard(values):
        return [wording.SUPPRESSED if h else v for v, h in zip(values, hidden, strict=True)]

    table["Rate per 1,000"] = guard(compared["rate"].to_numpy())
    table["95% CI lower"] = guard(compared["lower"].to_numpy())
    table["95% CI upper"] = guard(compared["upper"].to_numpy())
    table["Rank (1 = highest rate)"] = compared["rank"].to_numpy()
    table["Difference from average"] = guard(compared["difference"].to_numpy())
    table["Compared with the average"] = [
        wording.SUPPRESSED if h else c for c, h in zip(compared["comparison"], hidden, strict=True)
    ]
    _, pop_year = ctx.population_for(compared["code"].iloc[0])
    note = (
        f"Group average: {wording.rate(compared['group_average'].iloc[0])} per 1,000, the unweighted "
        f"mean of the {len(compared)} partnerships' rates (including the area itself), as in "
        f"ONS most similar group comparisons. 95% confidence intervals are exact Poisson "
        f"(Garwood). Populations are ONS mid-{pop_year} estimates."
    )
    return table, note


# --------------------------------------------------------------------------- force level


@_section
def partnership_table(ctx: ReviewContext) -> str:
    """The ONS-style table: every CSP's population, total recorded crime (excluding fraud) in the
    year, rate per 1,000 (published rounding), confidence interval, rank and group average.

    Returns
    -------
    str
    """
    priority = ctx.priorities.get("all_crime")
    compared = _peer_table(ctx, priority)
    table = pd.DataFrame(index=pd.Index(compared["area"], name="Community Safety Partnership"))
    table["Population"] = compared["population"].to_numpy()
    table["Total recorded crime (excluding fraud)"] = compared["count"].to_numpy()
    table["Rate per 1,000 population"] = compared["published_rate"].to_numpy()
    table["95% CI lower"] = compared["lower"].to_numpy()
    table["95% CI upper"] = compared["upper"].to_numpy()
    table["Rank (1 = highest rate)"] = compared["rank"].to_numpy()
    table["Difference from group average"] = compared["difference"].to_numpy()
    table["Compared with the group average"] = compared["comparison"].to_numpy()
    total_count = int(compared["count"].sum())
    total_pop = int(compared["population"].sum())
    force_row = pd.DataFrame(
        {
            "Population": [total_pop],
            "Total recorded crime (excluding fraud)": [total_count],
            "Rate per 1,000 population": [rates.round_half_up(total_count * 1000, total_pop)],
            "95% CI lower": [np.nan],
            "95% CI upper": [np.nan],
            "Rank (1 = highest rate)": [np.nan],
            "Difference from group average": [np.nan],
            "Compared with the group average": [wording.NOT_AVAILABLE],
        },
        index=pd.Index([f"{ctx.force.name} (all partnerships)"]),
    )
    table = pd.concat([table, force_row])
    table.index.name = "Community Safety Partnership"
    _, pop_year = ctx.population_for(compared["code"].iloc[0])
    note = [
        "Rates per 1,000 population are rounded to whole numbers, halves up, as in the ONS "
        f"tables; the group average ({wording.rate(compared['group_average'].iloc[0])}) is the "
        "unweighted mean of the partnerships' rates including each area itself.",
        "Total recorded crime excludes fraud (recorded nationally by Action Fraud) and "
        f"anti-social behaviour incidents. Populations are ONS mid-{pop_year} estimates; 95% "
        "confidence intervals are exact Poisson (Garwood).",
    ]
    return blocks.table_block(
        table,
        f"Police recorded crime by Community Safety Partnership, {ctx.force.name}, "
        f"{ctx.year_label}",
        note=note,
        number_format={
            "95% CI lower": 1,
            "95% CI upper": 1,
            "Difference from group average": 1,
            "Rank (1 = highest rate)": 0,
        },  # fmt: skip
        count_columns=["Total recorded crime (excluding fraud)"],
    )


def _funnel(ctx: ReviewContext, compared: pd.DataFrame, measure: str) -> charts.Chart:
    pooled = compared["count"].sum() / compared["population"].sum() * 1000
    pops = compared["population"].to_numpy(dtype=float)
    grid = np.linspace(pops.min() * 0.8, pops.max() * 1.2, 200)
    limits = rates.funnel_limits(grid, pooled)
    points = compared[["area", "population", "rate"]]
    return charts.funnel_chart(
        points,
        limits,
        pooled,
        measure=measure,
        highlight=ctx.csp.name if ctx.csp is not None else None,
        caption=f"{measure[:1].upper() + measure[1:]} per 1,000 residents against population, "
        f"{ctx.force.name} partnerships, {ctx.year_label}",
    )


@_section
def partnership_funnel(ctx: ReviewContext) -> str:
    """Funnel plot of the all-crime rates against population (Spiegelhalter 2005 limits).

    Returns
    -------
    str
    """
    compared = _peer_table(ctx, ctx.priorities.get("all_crime"))
    chart = _funnel(ctx, compared, "recorded crimes")
    pooled = compared["count"].sum() / compared["population"].sum() * 1000
    text = (
        f"The funnel is centred on the {ctx.force.name} rate of {wording.rate(pooled)} crimes per 1,000 "
        "residents; its limits show how far a partnership's rate could fall from it by chance "
        "alone for its population (95% and 99.8% limits). Partnerships outside the 99.8% "
        "limits differ by more than chance would explain."
    )
    return "\n".join([charts.figure_block(chart), blocks.paragraph_block(text)])


@_section
def partnership_positions(ctx: ReviewContext) -> str:
    """One sentence per partnership on its rate, rank and position against the average and the
    funnel limits.

    Returns
    -------
    str
    """
    compared = _peer_table(ctx, ctx.priorities.get("all_crime"))
    position = rates.funnel_position(compared)
    where = dict(zip(position["area"], position["position"], strict=True))
    sentences = []
    for _, row in compared.iterrows():  # by rank, highest rate first
        text = findings.peer_findings(
            compared, focus=row["area"], noun="crimes", period=f"in the {ctx.year_label}"
        )[0].text.rstrip(".")
        funnel_words = wording.funnel_position(where[row["area"]])
        sentences.append(f"{text}; {funnel_words}.")
    return blocks.findings_block(sentences, heading=None)


@_section
def priority_rates_table(ctx: ReviewContext) -> str:
    """Rate per 1,000 residents of every priority in every partnership of the force.

    Proxy measures are marked; priorities these data cannot measure are listed as such.
    Partnerships whose count would be withheld show ``[c]``.

    Returns
    -------
    str
    """
    columns, notes, unavailable = {}, [], []
    averages, ranks = {}, {}
    for priority in ctx.priorities.priorities:
        selection = ctx.selection(priority)
        if not selection.available:
            unavailable.append(priority.title)
            continue
        compared = _peer_table(ctx, priority).set_index("area")
        label = priority.title + (" (proxy)" if selection.method == "proxy" else "")
        if selection.method == "proxy":
            notes.append(f"{priority.title} (proxy): {' '.join(selection.caveat.split())}")
        columns[label] = [
            wording.SUPPRESSED
            if _small(compared.loc[name, "count"], priority.sensitive)
            else compared.loc[name, "rate"]
            for name in ctx.csp_names.values()
        ]
        ranks[label] = [int(compared.loc[name, "rank"]) for name in ctx.csp_names.values()]
        hidden = any(_small(c, priority.sensitive) for c in compared["count"])
        averages[label] = wording.SUPPRESSED if hidden else compared["group_average"].iloc[0]
    if not columns:
        raise AnalysisError("no priority can be measured from these data")
    table = pd.DataFrame(columns, index=pd.Index(list(ctx.csp_names.values()),
                                                  name="Community Safety Partnership"))  # fmt: skip
    table.loc["Group average"] = [averages[c] for c in table.columns]
    table = table.T
    table.index.name = "Priority (rate per 1,000 residents)"
    if unavailable:
        notes.append(
            "Not measurable from these data: "
            + ", ".join(unavailable)
            + " (the data lack the fields their definitions need and there is no proxy)."
        )
    notes.insert(
        0,
        "Rates per 1,000 residents in the "
        f"{ctx.year_label}; the group average is the unweighted mean of the partnerships' rates. "
        "Anti-social behaviour counts incidents, not crimes.",
    )
    rank_table = pd.DataFrame(ranks, index=pd.Index(list(ctx.csp_names.values()))).T
    rank_table.index.name = "Priority (rank, 1 = highest rate)"
    return "\n".join(
        [
            blocks.table_block(
                table,
                f"Rate per 1,000 residents by priority and partnership, {ctx.force.name}, "
                f"{ctx.year_label}",
                note=notes,
                number_format=1,
                count_columns=[],
            ),
            blocks.table_block(
                rank_table,
                f"Rank of each partnership by priority (1 = highest rate of the "
                f"{len(ctx.force.csps)}), {ctx.force.name}, {ctx.year_label}",
                note="Tied partnerships share the better (smaller) rank.",
                count_columns=[],
            ),
        ]
    )


# --------------------------------------------------------------------------- performance


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
    target_basis: str
    sensitive: bool = False


def _last_complete_quarter(ctx: ReviewContext) -> pd.Timestamp:
    start = pd.Timestamp(ctx.period_end).to_period("Q-MAR").start_time
    end_of_quarter = start + pd.DateOffset(months=2)
    if ctx.period_end < end_of_quarter:
        start = start - pd.DateOffset(months=3)
    return pd.Timestamp(start)


def performance_indicators(ctx: ReviewContext) -> list[Indicator]:
    """The police-derived and partner indicators of the CSP, by complete financial quarter.

    Police-derived indicators (:data:`POLICE_INDICATORS`) count records per quarter with the
    same quarter a year earlier as target (lower is better). Partner indicators come from
    ``indicators.parquet`` with their own targets and directions.

    Returns
    -------
    list of Indicator
    """
    return ctx.memo(("indicators",), lambda: _compute_indicators(ctx))


def _compute_indicators(ctx: ReviewContext) -> list[Indicator]:
    last = _last_complete_quarter(ctx)
    result = []
    for priority_id in POLICE_INDICATORS:
        try:
            priority = ctx.priorities.get(priority_id)
        except CspAnalysisError:
            continue
        selection = ctx.selection(priority)
        if not selection.available:
            continue
        monthly = ctx.csp_series(priority)
        frame = pd.DataFrame({"month": monthly.index, "count": monthly.to_numpy()})
        quarters = series.quarterly_counts(frame)
        quarters = quarters[quarters["complete"] & (quarters["period_start"] <= last)]
        values = pd.Series(
            quarters["count"].to_numpy(dtype=float),
            index=pd.DatetimeIndex(quarters["period_start"]),
        )
        if len(values):
            # Every quarter in range, so that shift(4) is the same quarter a year earlier.
            values = values.reindex(
                pd.date_range(values.index.min(), values.index.max(), freq="3MS")
            )
        targets = values.shift(4)
        name = wording.sentence_start(wording.measure(priority))
        result.append(
            Indicator(
                key=priority.id,
                name=name + (" (proxy)" if selection.method == "proxy" else ""),
                source="Police recorded crime",
                unit="count",
                direction=priority.direction,
                values=values,
                targets=targets,
                target_basis="the same quarter a year earlier",
                sensitive=priority.sensitive,
            )
        )
    partner = ctx.indicators
    if ctx.csp is not None and len(partner):
        mine = partner[
            (partner["area_code"] == ctx.csp.code) & (partner["period_type"] == "quarter")
        ]
        mine = mine[mine["period_start"] <= last]
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
def performance_summary(ctx: ReviewContext) -> str:
    """The latest complete quarter of every indicator with its target, direction, SPC
    variation and assurance (NHS "Making Data Count").

    Returns
    -------
    str
    """
    indicators = performance_indicators(ctx)
    if not indicators:
        raise AnalysisError("no indicators are available for this partnership")
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
        "Police-derived targets are the same quarter a year earlier (lower is better); partner "
        "indicators carry their own targets and directions.",
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
    return blocks.table_block(
        table,
        f"Performance summary, {ctx.area_name}, latest complete quarter to "
        f"{wording.month_label(ctx.period_end)}",
        note=notes,
        count_columns=[],
    )


@_section
def performance_by_quarter(ctx: ReviewContext, quarters: int = QUARTERS_SHOWN) -> str:
    """Every indicator over the last eight complete quarters.

    Returns
    -------
    str
    """
    indicators = performance_indicators(ctx)
    if not indicators:
        raise AnalysisError("no indicators are available for this partnership")
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
    return blocks.table_block(
        table,
        f"Indicators by financial quarter, {ctx.area_name}",
        note="[x] = no data for that quarter (before the data start, or not yet published).",
        count_columns=[],
    )


@_section
def performance_charts(ctx: ReviewContext) -> str:
    """A control chart (XmR) of each indicator's quarters, with a sentence on each.

    Returns
    -------
    str
    """
    parts = []
    for indicator in performance_indicators(ctx):
        parts.append(blocks.section(indicator.name, 3))
        values = indicator.values.dropna()
        result = _indicator_spc(indicator)
        if result is None:
            parts.append(blocks.paragraph_block(
                f"{len(values)} quarter(s) of data; a control chart needs at least "
                f"{MIN_SPC_QUARTERS}."
            ))  # fmt: skip
            continue
        if indicator.unit == "count" and any(_small(v, indicator.sensitive) for v in values):
            parts.append(blocks.paragraph_block(
                "Not charted: some quarters have counts small enough to be withheld."
            ))  # fmt: skip
            continue
        frame = result.frame.rename(columns={"special_cause_type": "type"})
        frame["type"] = frame["type"].replace("", None)
        unit = {"count": "Per quarter", "percent": "Percent"}.get(indicator.unit, indicator.unit)
        chart = charts.spc_chart(
            frame[["value", "mean", "lcl", "ucl", "special_cause", "type"]],
            measure=indicator.name[:1].lower() + indicator.name[1:],
            area=ctx.area_name,
            unit=unit,
            caption=f"Control chart of {indicator.name[:1].lower() + indicator.name[1:]} by "
            f"quarter, {ctx.area_name}",
            period="quarter",
        )
        parts.append(charts.figure_block(chart))
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
        parts.append(blocks.paragraph_block(wording.sentence(text)))
    if not parts:
        raise AnalysisError("no indicators are available for this partnership")
    return "\n".join(parts)


# --------------------------------------------------------------------------- closing


@_section
def data_and_methods(ctx: ReviewContext) -> str:
    """Caveats, data sources and methods in plain English.

    Returns
    -------
    str
    """
    items = []
    if ctx.synthetic:
        items.append(
            "The figures are synthetic demonstration data generated by csp-analysis; they are "
            "not real crime figures and must not be quoted."
        )
    if ctx.source == "police_uk":
        items.append(
            "Crime data: police.uk street-level crime data for "
            f"{ctx.force.name}. Locations are anonymised to a nearby point, some records have no "
            "location, and police.uk carries no offence codes, flags or victim details."
        )
    else:
        items.append(
            f"Crime data: {ctx.force.name} police records with Home Office offence codes, "
            f"police flags ({', '.join(load_display_names().flags.values())}) and victim sex where recorded."
        )
    items += [
        "Population: Office for National Statistics mid-year population estimates.",
        "Police recorded crime reflects what is reported to and recorded by the police; "
        "changes can reflect reporting and recording practice as well as crime itself.",
        "Year to date: April to the latest month against the same months a year earlier, "
        f"tested with the {series.YTD_METHOD}.",
        "Seasonal pattern: robust STL decomposition; underlying trend: a negative binomial "
        "count model with month-of-year terms and the COVID-19 lockdown months fitted "
        "separately.",
        "Control charts: XmR charts with the NHS England Making Data Count rules.",
        "Forecasts: seasonal naive, exponential smoothing and seasonal ARIMA models compared "
        "in a rolling-origin backtest; the most accurate is used.",
        "Disclosure control: small counts are withheld as [c] (counts of 1 to 2, or 1 to 4 in "
        "sensitive themes), with further cells withheld where a total would reveal them.",
        "Full methods: docs/methods.md in the csp-analysis repository.",
    ]
    return blocks.findings_block(items, heading=None)
