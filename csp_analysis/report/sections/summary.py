"""The top of a report: overview, headline figures and key findings."""

from __future__ import annotations

import pandas as pd

from csp_analysis.analysis import rates, same_period, spc, trend
from csp_analysis.core.config import Priority
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.report import findings, wording
from csp_analysis.report.blocks import Headline
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Caveat, Findings, KeyFigures, Paragraph, Section
from csp_analysis.report.sections.common import (
    MIN_DECOMPOSE_MONTHS,
    MIN_FORECAST_MONTHS,
    MIN_SPC_POINTS,
    Focus,
    _count_text,
    _require_available,
    _section,
    _small,
    _span,
    _year_total,
    _ytd,
    focus,
)
from csp_analysis.report.sections.national import msg_finding


@_section
def overview(ctx: ReviewContext) -> Section:
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
    parts.append(Paragraph(text))
    unassigned = ctx.crimes.loc[
        ctx.crimes["month"].isin(ctx.year_months) & ctx.crimes["unassigned_reason"].notna()
    ]
    if len(unassigned):
        reasons = unassigned["unassigned_reason"].astype(str).value_counts()
        listed = "; ".join(f"{reason}: {wording.count(n)}" for reason, n in reasons.items())
        parts.append(
            Paragraph(
                f"In the {ctx.year_label}, {wording.count(len(unassigned))} {ctx.force.name} records could "
                f"not be placed in any Community Safety Partnership and are not in any "
                f"partnership's figures ({listed})."
            )
        )
    if ctx.priority is not None:
        selection = ctx.selection(ctx.priority)
        if selection.method == "proxy":
            parts.insert(0, Caveat(selection.caveat, title="Proxy measure"))
        elif selection.method == "unavailable":
            parts.insert(
                0,
                Caveat(
                    [
                        selection.caveat,
                        "The sections below say what cannot be shown; the partnership's "
                        "overall crime figures are in its all crime summary.",
                    ],
                    title="Not measurable from these data",
                ),
            )
        elif selection.caveat:
            parts.append(Caveat(selection.caveat))
    return parts


@_section
def headline(ctx: ReviewContext) -> Section:
    """Key figures: the year's total, the rate per 1,000 residents, the year-to-date change and,
    in a thematic review, the share of all crime.

    Returns
    -------
    Section
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
    return KeyFigures(figures)


def _ytd_statement(item: Focus, ytd: same_period.YearToDate) -> str:
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
def key_findings(ctx: ReviewContext) -> Section:
    """The most important findings, in plain English, most important first.

    Uses :func:`csp_analysis.report.findings.key_findings` on the year-to-date test, the control
    chart's signals, the position among the force's partnerships and the crime types that
    drove the change, plus the underlying trend. Findings that would quote a withheld count are
    left out.

    Returns
    -------
    Section
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
        peer_group=f"partnerships of {ctx.force.name}",
        include_not_significant=True,
        max_findings=6,
    )
    sentences = [f.text for f in found]
    try:
        national_sentence = msg_finding(ctx)
    except CspAnalysisError:
        national_sentence = None
    if national_sentence:
        sentences.append(national_sentence)
    observed = item.observed
    if observed.notna().sum() >= MIN_DECOMPOSE_MONTHS and not item.needs_suppression():
        try:
            fitted = trend.fit_trend(
                observed,
                population=ctx.csp.population,
                interventions=trend.lockdowns_for(ctx.csp.country),
            )
            sentences.append(wording.trend(fitted, subject=item.measure))
        except CspAnalysisError:
            pass
    if not sentences:
        sentences = [f"No findings for {ctx.area_name} in the {ctx.year_label}."]
    return Findings(sentences, heading=None)
