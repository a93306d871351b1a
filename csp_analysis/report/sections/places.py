"""Where: the neighbourhoods (LSOAs) with most records."""

from __future__ import annotations

import pandas as pd

from csp_analysis.analysis import disclosure
from csp_analysis.analysis import hotspots as hotspot_analysis
from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.report import charts, wording
from csp_analysis.report.charts.maps import class_breaks as chart_bounds
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


# --------------------------------------------------------------------------- maps

NO_BOUNDARIES = (
    "No map: no neighbourhood boundaries were loaded (`csp-analysis ingest --boundaries`, with "
    "the ONS LSOA boundary files), so the table above stands in for it."
)


def _outlines(ctx: ReviewContext, shapes):
    """District outlines (thin) and the partnership's outline (thick), dissolved from LSOAs
    once per process (every map of the partnership's reports shares them)."""
    return ctx.shared_memo(("outlines", ctx.csp.code), lambda: _dissolve_outlines(ctx, shapes))


def _contiguity(ctx: ReviewContext, shapes):
    """Queen contiguity of the partnership's neighbourhoods (shared by its reports)."""
    return ctx.shared_memo(
        ("contiguity", ctx.csp.code), lambda: hotspot_analysis.contiguity(shapes)
    )


def prepare_partnership(ctx: ReviewContext) -> None:
    """Compute what every report of the context's partnership shares - its neighbourhood
    shapes, outlines and contiguity - into the process-level cache (``shared_memo``), so a
    batch worker's kernel template does it once and each forked report starts with it."""
    shapes = ctx.boundaries(ctx.csp.code)
    if shapes is not None and not shapes.empty:
        _outlines(ctx, shapes)
        _contiguity(ctx, shapes)


def _dissolve_outlines(ctx: ReviewContext, shapes):
    districts = ctx.lsoa_districts().reindex(shapes.index)
    parts = []
    if districts.notna().any():
        parts.append((shapes.assign(_lad=districts.to_numpy()).dissolve("_lad"), 0.6))
    parts.append((shapes.dissolve(), 1.6))
    return parts


def _lsoa_counts(records: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    located = records[records["lsoa_code"].notna()]
    counts = located.groupby("lsoa_code", observed=True).size()
    counts.index = counts.index.astype(str)
    names = located.drop_duplicates("lsoa_code").set_index("lsoa_code")["lsoa_name"].astype(str)
    names.index = names.index.astype(str)
    return counts, names


def _previous_year_records(ctx: ReviewContext, item) -> pd.DataFrame | None:
    months = ctx.year_months - pd.DateOffset(years=1)
    if not set(months) <= set(ctx.covered_months):
        return None
    records = ctx.records(item.priority, ctx.csp.code)
    return records[records["month"].isin(months)]


def _map_inputs(ctx: ReviewContext):
    """(focus, the partnership's LSOA shapes or None, the year's counts, names per LSOA)."""
    item = focus(ctx)
    records = _year_records(ctx, item)
    shapes = ctx.boundaries(ctx.csp.code)
    if shapes is None or shapes.empty:
        return item, None, None, None
    counts, names = _lsoa_counts(records)
    fallback = shapes["lsoa_name"].where(
        shapes["lsoa_name"] != "", pd.Series(shapes.index, index=shapes.index)
    )
    return item, shapes, counts, names.reindex(shapes.index).fillna(fallback)


@_section
def crime_map(ctx: ReviewContext) -> Section:
    """Map of the year's records by neighbourhood (LSOA), with district and partnership
    outlines, in stated classes; a change map against the year before where the data allow.

    Counts, not rates: LSOA populations are not loaded. Sensitive themes: the lowest class
    starts at 0 and reaches the suppression threshold, so withheld counts cannot be read from
    the map, and no change map is drawn.

    Returns
    -------
    Section
    """
    item, shapes, counts, names = _map_inputs(ctx)
    if shapes is None:
        return Paragraph(NO_BOUNDARIES)
    threshold = disclosure.primary_threshold(item.sensitive)
    values = counts.reindex(shapes.index).fillna(0)
    withheld = (values >= 1) & (values <= threshold)
    lowest = threshold if item.sensitive else 0
    chart = charts.choropleth_map(
        shapes, values, names, measure=item.measure, area=ctx.area_name, period=ctx.year_label,
        outlines=_outlines(ctx, shapes), withheld=withheld, lowest_upper=lowest,
    )  # fmt: skip
    parts: list = [chart]
    previous = _previous_year_records(ctx, item)
    if previous is not None:
        before, _ = _lsoa_counts(previous)
        before = before.reindex(shapes.index).fillna(0)
        year_before = wording.year_ending_label(ctx.period_end - pd.DateOffset(years=1))
        # The same classes as this year's map, so the two read side by side.
        parts.append(charts.choropleth_map(
            shapes, before, names, measure=item.measure, area=ctx.area_name,
            period=year_before, outlines=_outlines(ctx, shapes),
            withheld=(before >= 1) & (before <= threshold), lowest_upper=lowest,
            bounds=chart_bounds(values, lowest_upper=lowest),
        ))  # fmt: skip
    outside = int(counts[~counts.index.isin(shapes.index)].sum())
    text = (
        f"Each neighbourhood is shaded by its number of {item.noun} in the {ctx.year_label}, "
        "in the classes the key gives; thin lines are district boundaries, the thick line the "
        "partnership's. Counts, not rates: neighbourhoods have similar numbers of residents "
        "(about 1,500), but town centres draw crime from visitors too."
    )
    if outside:
        text += (f" {wording.count(outside)} {item.noun} fall in neighbourhoods with no "
                 "boundary loaded and are not mapped.")  # fmt: skip
    if item.sensitive:
        text += (
            f" Counts of 1 to {threshold} are withheld in the table ([c]) and share the lowest "
            "class with areas that had none, so they cannot be read from the map."
        )
    if len(parts) > 1:
        text += " The second map shows the year before in the same classes, to compare."
    return [*parts, Paragraph(text)]


@_section
def hotspots(ctx: ReviewContext) -> Section:
    """Hot and cold spots (local Getis-Ord Gi*, Benjamini-Hochberg false discovery rate 5%)
    of the year's records by neighbourhood, and how they changed from the year before.

    Returns
    -------
    Section
    """
    item, shapes, counts, names = _map_inputs(ctx)
    if shapes is None:
        return Paragraph(NO_BOUNDARIES.replace("No map", "No hotspot test"))
    weights = _contiguity(ctx, shapes)
    current = hotspot_analysis.gi_star(counts, weights)
    chart = charts.hotspot_map(
        shapes, current, names, measure=item.measure, area=ctx.area_name, period=ctx.year_label,
        outlines=_outlines(ctx, shapes),
    )  # fmt: skip
    parts: list = [chart]
    threshold = disclosure.primary_threshold(item.sensitive)
    previous = _previous_year_records(ctx, item)
    change = None
    if previous is not None and len(previous):
        before, _ = _lsoa_counts(previous)
        try:
            change = hotspot_analysis.hotspot_change(
                current, hotspot_analysis.gi_star(before, weights)
            )
        except CspAnalysisError:
            change = None
    hot = current.hot
    rows = []
    for code, row in hot.iterrows():
        count = int(row["count"])
        rows.append({
            "Neighbourhood": names.get(code, code),
            item.noun.capitalize(): wording.SUPPRESSED if 1 <= count <= threshold else count,
            "Gi* z-score": round(float(row["z"]), 2),
            "Compared with the year before": (
                wording.sentence_start(change[code]) if change is not None and change[code]
                else wording.NOT_AVAILABLE
            ),
        })  # fmt: skip
    text = wording.hotspots(
        n_hot=len(hot), n_cold=len(current.cold), n_areas=len(current.table),
        alpha=current.alpha, change=change,
    )  # fmt: skip
    parts.append(Paragraph(text))
    if rows:
        table = pd.DataFrame(rows).set_index("Neighbourhood")
        parts.append(Table(
            table,
            f"Hot spots of {item.measure}, {ctx.area_name}, {ctx.year_label}",
            note=(
                "Local Getis-Ord Gi* on neighbourhood counts with queen contiguity (areas "
                "sharing a boundary point), each area with its neighbours; significant at a 5% "
                "false discovery rate (Benjamini-Hochberg) across all neighbourhoods."
            ),
            number_format={"Gi* z-score": 2},
            count_columns=[item.noun.capitalize()],
        ))  # fmt: skip
    return parts
