"""Thematic reviews only: the priority's definition, breakdowns and comparison with peers."""

from __future__ import annotations

import pandas as pd

from csp_analysis.analysis import disclosure, series
from csp_analysis.core.config import load_display_names
from csp_analysis.report import charts, findings, wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Caveat, Heading, Paragraph, Section, Table
from csp_analysis.report.sections.common import (
    _by_count,
    _priority,
    _require_available,
    _section,
    _small,
    _year_records,
    focus,
)
from csp_analysis.report.sections.summary import _peer_table


@_section
def definition(ctx: ReviewContext) -> Section:
    """What the priority is, how it is counted in these data, and its caveat.

    Returns
    -------
    Section
    """
    priority = _priority(ctx)
    selection = ctx.selection(priority)
    parts = [Paragraph(priority.description)]
    method = {
        "definition": "These figures use the full definition:",
        "proxy": "These data cannot apply the full definition, so a proxy is counted instead:",
        "unavailable": "These data cannot measure this priority.",
    }[selection.method]
    clauses = [wording.priority_clause(c) for c in selection.clauses]
    if clauses:
        method += " records " + (clauses[0] if len(clauses) == 1 else "; or ".join(clauses))
    parts.append(Paragraph(wording.sentence(method)))
    if selection.method == "proxy":
        parts.append(Caveat(selection.caveat, title="Proxy measure"))
    elif selection.caveat:
        parts.append(Caveat(selection.caveat))
    if priority.sensitive:
        parts.append(
            Paragraph(
                "This is a sensitive theme: counts of 1 to "
                f"{disclosure.primary_threshold(True)} are withheld ([c]) in every table, "
                "together with any figure that would let them be worked out."
            )
        )
    return parts


_BREAKDOWNS = (
    ("crime_type", "Crime type", "crime_types"),
    ("offence_subgroup", "Offence subgroup", "offence_subgroups"),
    ("outcome", "Outcome", "outcomes"),
    ("victim_sex", "Victim sex", "victim_sex"),
)


@_section
def breakdowns(ctx: ReviewContext) -> Section:
    """The year's records by every field the data carry: crime type, offence subgroup, outcome,
    police flags and victim sex, each disclosure-controlled.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    records = _year_records(ctx, item)
    records = records[records["unassigned_reason"].isna()]
    if records.empty:
        return Paragraph(f"No {item.noun} in the {ctx.year_label}.")
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
            parts.append(Heading(f"By {title.lower()}", 3))
            parts.append(Paragraph(
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
        parts.append(Heading(f"By {title.lower()}", 3))
        parts.append(
            Table(
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
            parts.append(Heading("By police flag", 3))
            parts.append(
                Table(
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
            Paragraph(
                f"These data do not record {wording.join_words(missing, 'or')} for these {item.noun}, so no "
                "breakdown by " + ("it" if len(missing) == 1 else "them") + " can be shown."
            )
        )
    return parts


@_section
def peer_comparison(ctx: ReviewContext) -> Section:
    """The priority's rate per 1,000 residents in every CSP of the force, against the group
    average (ONS "most similar group" presentation), with a chart.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    compared = _peer_table(ctx, item.priority)
    table, note = _peer_display(compared, item.sensitive, item.noun, ctx)
    parts = [
        Table(
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
        parts.append(Paragraph(
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
        parts.append(chart)
    if ctx.csp is not None and not any(_small(c, item.sensitive) for c in compared["count"]):
        parts.append(
            Paragraph(
                " ".join(
                    f.text
                    for f in findings.peer_findings(
                        compared,
                        noun=item.noun,
                        period=f"in the {ctx.year_label}",
                        group=f"partnerships of {ctx.force.name}",
                    )
                )
            )
        )
    return parts


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
