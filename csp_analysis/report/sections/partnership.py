"""Force level: every partnership of a force side by side, rates and funnel plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.analysis import rates
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import charts, findings, wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Findings, Paragraph, Section, Table
from csp_analysis.report.sections.common import _section, _small
from csp_analysis.report.sections.summary import _peer_table


@_section
def partnership_table(ctx: ReviewContext) -> Section:
    """The ONS-style table: every CSP's population, total recorded crime (excluding fraud) in the
    year, rate per 1,000 (published rounding), confidence interval, rank and group average.

    Returns
    -------
    Section
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
    return Table(
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
def partnership_funnel(ctx: ReviewContext) -> Section:
    """Funnel plot of the all-crime rates against population (Spiegelhalter 2005 limits).

    Returns
    -------
    Section
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
    return [chart, Paragraph(text)]


@_section
def partnership_positions(ctx: ReviewContext) -> Section:
    """One sentence per partnership on its rate, rank and position against the average and the
    funnel limits.

    Returns
    -------
    Section
    """
    compared = _peer_table(ctx, ctx.priorities.get("all_crime"))
    position = rates.funnel_position(compared)
    where = dict(zip(position["area"], position["position"], strict=True))
    sentences = []
    for _, row in compared.iterrows():  # by rank, highest rate first
        text = findings.peer_findings(
            compared,
            focus=row["area"],
            noun="crimes",
            period=f"in the {ctx.year_label}",
            group=f"partnerships of {ctx.force.name}",
        )[0].text.rstrip(".")
        funnel_words = wording.funnel_position(where[row["area"]])
        sentences.append(f"{text}; {funnel_words}.")
    return Findings(sentences, heading=None)


@_section
def priority_rates_table(ctx: ReviewContext) -> Section:
    """Rate per 1,000 residents of every priority in every partnership of the force.

    Proxy measures are marked; priorities these data cannot measure are listed as such.
    Partnerships whose count would be withheld show ``[c]``.

    Returns
    -------
    Section
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
    return [
        Table(
            table,
            f"Rate per 1,000 residents by priority and partnership, {ctx.force.name}, "
            f"{ctx.year_label}",
            note=notes,
            number_format=1,
            count_columns=[],
        ),
        Table(
            rank_table,
            f"Rank of each partnership by priority (1 = highest rate of the "
            f"{len(ctx.force.csps)}), {ctx.force.name}, {ctx.year_label}",
            note="Tied partnerships share the better (smaller) rank.",
            count_columns=[],
        ),
    ]
