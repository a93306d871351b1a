"""Where: the neighbourhoods (LSOAs) with most records."""

from __future__ import annotations

import pandas as pd

from csp_analysis.analysis import disclosure
from csp_analysis.report import wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Paragraph, Section, Table
from csp_analysis.report.sections.common import _section, _year_records, focus


@_section
def top_lsoas(ctx: ReviewContext, n: int | None = None) -> Section:
    """The neighbourhoods (LSOAs) with the most records in the year: name, code and counts only.

    Areas at or below the disclosure threshold are never listed.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    records = _year_records(ctx, item)
    records = records[records["lsoa_code"].notna()]
    if records.empty:
        return Paragraph(f"No {item.noun} with a known location in the {ctx.year_label}.")
    counts = (
        records.groupby(["lsoa_code", "lsoa_name"], observed=True)
        .size()
        .sort_values(ascending=False)
    )
    threshold = disclosure.primary_threshold(item.sensitive)
    listed = counts[counts > threshold].head(n or ctx.windows.top_areas)
    total = int(counts.sum())
    if listed.empty:
        return Paragraph(
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
    return Table(
        table,
        f"The {len(listed)} neighbourhoods with most {item.measure}, {ctx.area_name}, "
        f"{ctx.year_label}",
        note=note,
        number_format={"Share of the partnership's total (%)": 1},
        count_columns=[item.noun.capitalize()],
    )
