"""Across England and Wales: each partnership against its most similar group, and a national
funnel plot of every partnership area.

The group is the user's own list (``config/areas.yaml``) or the nearest neighbours on ONS
indicators (:mod:`csp_analysis.analysis.peers`), and every section says which. Counts come from
the Home Office CSP-level tables when ingested, else from police.uk records of every force
(:mod:`csp_analysis.analysis.national`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.analysis import national, rates
from csp_analysis.analysis.peers import PeerGroup
from csp_analysis.core.config import SOURCE_FIELDS, Priority
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.core.registry import load_registry
from csp_analysis.report import charts, findings, wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Paragraph, Section, Table
from csp_analysis.report.sections.common import _section, _small, focus

ALL_CRIME_LABEL = "Total recorded crime (excluding fraud)"
OFF_SCALE = 4  # times the national rate: drawn off the chart, named in the text


# A national funnel needs most of the country; a group table needs the area and two peers.
MIN_NATIONAL_SHARE = 0.5
MIN_GROUP_WITH_COUNTS = 3


def _priority(ctx: ReviewContext) -> Priority:
    return ctx.priority or ctx.priorities.get("all_crime")


def _not_compared(ctx: ReviewContext, priority: Priority) -> str | None:
    """Why the priority is not compared nationally in these data, in a sentence; None if it is.

    A limitation of the data, stated plainly like any other: the priority cannot be counted
    from the national sources, or no national counts were loaded.
    """
    if ctx.priority is not None and not ctx.selection(priority).available:
        return None  # the section's own focus() says why the priority is unavailable
    countable = [
        source for source in ("home_office", "police_uk")
        if priority.selection(source, set(SOURCE_FIELDS[source])).method == "definition"
    ]  # fmt: skip
    if not countable:
        return (
            f"{priority.title} is not compared with other partnerships across England and "
            "Wales: neither the Home Office tables nor police.uk can count it by its definition."
        )
    if ctx.home_office_csp_rows() is None and "police_uk" not in countable:
        return (
            f"{priority.title} is not compared with other partnerships across England and "
            "Wales: it needs the Home Office CSP-level tables, which were not loaded."
        )
    try:
        ctx.national_counts(priority)
    except AnalysisError as exc:
        return (
            f"No comparison with partnerships across England and Wales: {wording.clause(str(exc))}."
        )
    return None


def _count_label(priority: Priority) -> str:
    if priority.id == "all_crime":
        return ALL_CRIME_LABEL
    return wording.sentence_start(priority.measure or priority.title)


def _names(codes) -> list[str]:
    registry = load_registry()
    return [registry.csp(code).name for code in codes]


def _mid_year(counts: national.NationalCounts) -> int:
    """The mid-year (30 June) inside the year ending the counts' last month: its population
    estimate is the denominator."""
    end = counts.year_end
    return end.year if end.month >= 6 else end.year - 1


def _year_label(counts: national.NationalCounts) -> str:
    return wording.year_ending_label(counts.year_end)


def _group_table(
    ctx: ReviewContext, group: PeerGroup, subject, per: str = "residents"
) -> tuple[pd.DataFrame, national.NationalCounts]:
    counts = ctx.national_counts(subject)
    year = _mid_year(counts)
    registry = load_registry()
    table = national.peer_table(counts, group, registry, year, per=per)
    return table, counts


def _msg_frame(compared: pd.DataFrame, focus_code: str, count_label: str, per: str) -> pd.DataFrame:
    """The ONS layout: force, partnership, population, count, rate, then the comparison."""
    rate_label = f"Rate per 1,000 {'households' if per == 'households' else 'population'}"
    names = [
        f"{name} (this partnership)" if code == focus_code else name
        for name, code in zip(compared["area"], compared["area_code"], strict=True)
    ]
    frame = pd.DataFrame(
        {
            "Police force area": compared["force"].to_numpy(),
            ("Households (Census 2021)" if per == "households" else "Population"):
                compared["population_rounded"].to_numpy(),
            count_label: compared["count"].to_numpy(),
            rate_label: compared["published_rate"].to_numpy(),
            "Rank (1 = highest rate)": compared["rank"].to_numpy(),
            "Compared with the group average": compared["comparison"].to_numpy(),
        },
        index=pd.Index(names, name="Community Safety Partnership"),
    )  # fmt: skip
    average = float(compared["group_average"].iloc[0])
    # The average row leaves the whole-number columns blank: they become floats first.
    numeric = [
        c
        for c in frame.columns
        if c not in ("Police force area", "Compared with the group average")
    ]
    frame[numeric] = frame[numeric].astype(float)
    frame.loc["Group average (mean of the rates)"] = [
        "", np.nan, np.nan, round(average, 1), np.nan, wording.NOT_AVAILABLE,
    ]  # fmt: skip
    return frame


def _group_notes(ctx, group, counts, compared, per: str) -> list[str]:
    missing = compared.attrs.get("missing", [])
    notes = [
        wording.peer_group(group, ctx.area_name, _names(group.members)),
        "The group average is the mean of the members' rates, the partnership included; a "
        "rate is called higher or lower than the average when its 95% confidence interval "
        "(exact Poisson) excludes it. Rates are rounded to whole numbers, halves up, as ONS "
        "publishes them.",
        wording.national_source(counts.source, ctx.synthetic),
    ]
    if per == "households":
        notes.append(
            "Residential burglary is per 1,000 households (Census 2021), as ONS publishes it; "
            "households are rounded to the nearest 100."
        )
    else:
        notes.append("Populations are ONS mid-year estimates, rounded to the nearest 100.")
    if missing:
        notes.append(
            "No count for the year in the national data, so not shown: "
            f"{wording.join_words(_names(missing))}."
        )
    return notes


def _peers_with_counts(ctx: ReviewContext, group: PeerGroup, priority: Priority) -> int:
    """How many of the group's peers the national counts cover (the partnership not counted)."""
    counts = ctx.national_counts(priority)
    return sum(counts.count(code) is not None for code in group.members)


def msg_finding(ctx: ReviewContext) -> str | None:
    """The key-findings sentence on the partnership's place in its most similar group, or None
    when there is no comparison (the section itself says why)."""
    priority = _priority(ctx)
    if ctx.csp is None or _not_compared(ctx, priority) is not None:
        return None
    if _peers_with_counts(ctx, ctx.peer_group(), priority) + 1 < MIN_GROUP_WITH_COUNTS:
        return None
    compared, counts = _group_table(ctx, ctx.peer_group(), priority)
    sensitive = focus(ctx).sensitive if ctx.priority is not None else priority.sensitive
    if len(compared) < MIN_GROUP_WITH_COUNTS or any(
        _small(c, sensitive) for c in compared["count"]
    ):
        return None
    return findings.peer_findings(
        compared,
        focus=ctx.area_name,
        noun="crimes" if priority.id == "all_crime" else "offences",
        period=f"in the {_year_label(counts)}",
        group="partnerships in its most similar group",
    )[0].text


@_section
def most_similar_group(ctx: ReviewContext) -> Section:
    """The partnership against its most similar group, laid out like the ONS table: force,
    partnership, population (to the nearest 100), the count, the rate per 1,000 residents, rank
    and the comparison with the group average (mean of rates, the partnership included). In the
    neighbourhood crime review, residential burglary per 1,000 households as well.

    Returns
    -------
    Section
    """
    priority = _priority(ctx)
    if ctx.priority is not None:
        item = focus(ctx)
        sensitive = item.sensitive
    else:
        sensitive = priority.sensitive
    reason = _not_compared(ctx, priority)
    if reason is not None:
        return Paragraph(reason)
    group = ctx.peer_group()
    peers_counted = _peers_with_counts(ctx, group, priority)
    if peers_counted + 1 < MIN_GROUP_WITH_COUNTS:
        return Paragraph(
            f"No comparison with the most similar group: the national counts loaded cover "
            f"{'none' if not peers_counted else f'only {peers_counted}'} of its {group.size} "
            "peers. Load the Home Office CSP-level tables, or the police.uk archive of every "
            "force."
        )
    compared, counts = _group_table(ctx, group, priority)
    label = _count_label(priority)
    if any(_small(c, sensitive) for c in compared["count"]):
        raise AnalysisError(
            "a count in the group is small enough to identify people, so the group comparison "
            "is not published"
        )
    noun = "crimes" if priority.id == "all_crime" else "offences"
    sentence = findings.peer_findings(
        compared,
        focus=ctx.area_name,
        noun=noun,
        period=f"in the {_year_label(counts)}",
        group="partnerships in its most similar group",
    )[0].text
    parts: list = [
        Paragraph(sentence),
        Table(
            _msg_frame(compared, group.area_code, label, "residents"),
            f"{label}: {ctx.area_name} and its most similar group, {_year_label(counts)}",
            note=_group_notes(ctx, group, counts, compared, "residents"),
            number_format=0,
            count_columns=[label],
            name="most-similar-group",
        ),
    ]
    if priority.id == "neighbourhood_crime":
        burglary, b_counts = _group_table(
            ctx, group, national.RESIDENTIAL_BURGLARY_SUBGROUPS, per="households"
        )
        b_label = "Residential burglary"
        parts.append(
            Table(
                _msg_frame(burglary, group.area_code, b_label, "households"),
                f"Residential burglary per 1,000 households: {ctx.area_name} and its most "
                f"similar group, {_year_label(b_counts)}",
                note=_group_notes(ctx, group, b_counts, burglary, "households"),
                number_format=0,
                count_columns=[b_label],
                name="most-similar-group-burglary",
            )
        )
    return parts


def _national_points(
    ctx: ReviewContext, priority: Priority
) -> tuple[pd.DataFrame, national.NationalCounts]:
    counts = ctx.national_counts(priority)
    year = _mid_year(counts)
    table = national.all_areas_table(counts, load_registry(), year)
    return table, counts


@_section
def national_funnel(ctx: ReviewContext) -> Section:
    """Funnel plot of every partnership area of England and Wales, the partnership and its
    most similar group marked (in a force report: the force's partnerships).

    Returns
    -------
    Section
    """
    priority = _priority(ctx)
    if ctx.priority is not None:
        focus(ctx)  # a priority these data cannot measure says so here too
    reason = _not_compared(ctx, priority)
    if reason is not None:
        return Paragraph(reason)
    table, counts = _national_points(ctx, priority)
    n_areas = len(load_registry().csps)
    if len(table) < MIN_NATIONAL_SHARE * n_areas:
        return Paragraph(
            f"No national funnel plot: the national counts loaded cover {len(table)} of the "
            f"{n_areas} partnership areas of England and Wales."
        )
    if any(_small(c, priority.sensitive) for c in table["count"]):
        raise AnalysisError("a partnership's count is small enough to identify people")
    if ctx.csp is not None:
        group = ctx.peer_group()
        marked = [n for n in _names(group.members) if n in set(table["area"])]
        highlight = ctx.area_name
    else:
        marked = [c.name for c in ctx.force.csps if c.name in set(table["area"])]
        highlight = None
    pooled = table["count"].sum() / table["population"].sum() * 1000
    # An area with a rate many times the average (the City of London: few residents, many
    # workers and visitors) would flatten every other point; it is named instead of drawn.
    off_scale = table[(table["rate"] > OFF_SCALE * pooled) & (table["area"] != ctx.area_name)]
    table = table.drop(off_scale.index)
    pops = table["population"].to_numpy(dtype=float)
    grid = np.linspace(pops.min() * 0.8, pops.max() * 1.05, 300)
    # Between-area differences far exceed chance at these counts: the limits allow for them
    # (Spiegelhalter 2005), so that "outside the limits" still means unusual.
    tau2 = rates.overdispersion(table["count"], table["population"], pooled)
    limits = rates.overdispersed_funnel_limits(grid, pooled, tau2)
    measure = (
        "recorded crimes"
        if priority.id == "all_crime"
        else (priority.measure or priority.title).lower()
    )
    chart = charts.funnel_chart(
        table[["area", "population", "rate"]],
        limits,
        pooled,
        measure=measure,
        highlight=highlight,
        marked=marked,
        marked_label="most similar group"
        if ctx.csp is not None
        else f"{ctx.force.name} partnerships",
        caption=f"{wording.sentence_start(measure)} per 1,000 residents against population, "
        f"{len(table)} partnership areas of England and Wales, {_year_label(counts)}",
    )
    text = (
        f"The funnel is centred on the rate of England and Wales taken together, "
        f"{wording.rate(pooled)} per 1,000 residents. Partnership areas differ far more than "
        "chance alone would make them, for reasons of place and population as well as crime, "
        "so the limits allow for that usual spread between areas (an overdispersion "
        "adjustment): an area outside the 99.8% limits is unusual even among partnerships. "
        "The most similar group is the fairer comparison."
    )
    if not off_scale.empty:
        text += (
            " Not drawn, as far above the scale: "
            + wording.join_words(
                [
                    f"{row.area} ({wording.rate(row.rate)} per 1,000)"
                    for row in off_scale.itertuples()
                ]
            )
            + "."
        )
    return [
        chart,
        Paragraph(text),
        Paragraph(wording.national_source(counts.source, ctx.synthetic)),
    ]


def _too_few_peers(ctx: ReviewContext, priority: Priority) -> str | None:
    counts = ctx.national_counts(priority)
    for csp in ctx.force.csps:
        group = ctx.peer_group(csp)
        have = sum(counts.count(code) is not None for code in group.codes)
        if have < MIN_GROUP_WITH_COUNTS:
            return (
                "No comparison with most similar groups: the national counts loaded cover "
                f"only {have - 1} of {csp.name}'s {group.size} peers. Load the Home Office "
                "CSP-level tables, or the police.uk archive of every force."
            )
    return None


@_section
def msg_overview(ctx: ReviewContext) -> Section:
    """Force report: each of the force's partnerships against its own most similar group.

    Returns
    -------
    Section
    """
    priority = ctx.priorities.get("all_crime")
    reason = _not_compared(ctx, priority)
    if reason is None:
        reason = _too_few_peers(ctx, priority)
    if reason is not None:
        return Paragraph(reason)
    rows, notes = [], []
    for csp in ctx.force.csps:
        group = ctx.peer_group(csp)
        counts = ctx.national_counts(priority)
        year = _mid_year(counts)
        compared = national.peer_table(counts, group, load_registry(), year)
        if len(compared) < MIN_GROUP_WITH_COUNTS:
            raise AnalysisError(
                f"the national counts loaded cover too few of {csp.name}'s peers to compare it "
                "with its most similar group; load the Home Office CSP-level tables, or the "
                "police.uk archive of every force"
            )
        me = compared[compared["area_code"] == csp.code].iloc[0]
        rows.append(
            {
                "Community Safety Partnership": csp.name,
                "Rate per 1,000 population": me["published_rate"],
                "Most similar group average": round(float(me["group_average"]), 1),
                "Rank in the group": f"{wording.ordinal(int(me['rank']))} of {int(me['n_areas'])}",
                "Compared with the group average": me["comparison"],
                "Peers": wording.join_words(_names(group.members)),
                "How the group was chosen": (
                    "supplied (" + group.source + ")"
                    if group.official
                    else wording.NEAREST_NEIGHBOURS
                ),
            }
        )
    frame = pd.DataFrame(rows).set_index("Community Safety Partnership")
    notes.append(
        "Each partnership's rate of total recorded crime excluding fraud per 1,000 residents "
        "against the mean of its most similar group's rates (the partnership included); higher "
        "or lower when the 95% confidence interval of its rate excludes that average."
    )
    notes.append(
        "Groups not supplied by the partnership are its nearest neighbours on ONS indicators "
        "(population density, age, tenure, car ownership, occupation and deprivation); they "
        "are not the Home Office most similar groups, which are not published openly."
    )
    notes.append(wording.national_source(counts.source, ctx.synthetic))
    return Table(
        frame,
        f"Total recorded crime (excluding fraud): each partnership of {ctx.force.name} against "
        f"its most similar group, {_year_label(counts)}",
        note=notes,
        number_format={"Most similar group average": 1},
        count_columns=[],
        name="msg-overview",
    )
