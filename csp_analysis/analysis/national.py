"""National counts by partnership area, for comparisons across England and Wales.

Two sources, the first that covers the areas compared:

* the Home Office police recorded crime open data tables at CSP level (``home_office.parquet``,
  CSP rows), counted by financial quarter: a "year ending" is the four quarters to a quarter's
  end, so any quarter's year ending can be compared;
* the police.uk records of every force (``crimes.parquet``), counted by month, when the ingest
  covered the whole country (the police.uk archive).

Total recorded crime is counted excluding fraud, as ONS publishes it: fraud is recorded
nationally by Action Fraud and not attributed to partnerships. Rates are per 1,000 residents
(ONS mid-year estimates); residential burglary is also given per 1,000 households (Census 2021),
as ONS publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_analysis.analysis import rates, series
from csp_analysis.analysis.peers import PeerGroup
from csp_analysis.core.config import AreasConfig, Priority
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.core.profiles import load_area_profiles

__all__ = [
    "RESIDENTIAL_BURGLARY_SUBGROUPS",
    "NationalCounts",
    "all_areas_table",
    "denominators",
    "latest_quarter_end",
    "national_counts",
    "peer_table",
    "police_uk_counts",
]

# Home Office "Domestic burglary" is residential burglary (renamed in April 2017).
RESIDENTIAL_BURGLARY_SUBGROUPS = ("Domestic burglary",)
FRAUD_GROUP = "fraud offences"


@dataclass(frozen=True)
class NationalCounts:
    """One priority's count in every partnership area for one year ending.

    Attributes
    ----------
    table : pandas.DataFrame
        ``area_code, count`` for every area with all four quarters (or twelve months).
    year_end : pandas.Timestamp
        First day of the last month counted.
    source : str
        "home_office" or "police_uk".
    incomplete : tuple of str
        Areas that appear in the source but lack part of the year (left out, not zero).
    """

    table: pd.DataFrame
    year_end: pd.Timestamp
    source: str
    incomplete: tuple[str, ...] = ()

    def count(self, area_code: str) -> int | None:
        match = self.table.loc[self.table["area_code"] == area_code, "count"]
        return None if match.empty else int(match.iloc[0])


def latest_quarter_end(month: pd.Timestamp) -> pd.Timestamp:
    """The last month of the latest calendar quarter ending at or before ``month`` (Mar, Jun,
    Sep or Dec: financial quarters end in the same months)."""
    month = pd.Timestamp(month).to_period("M").to_timestamp()
    return month - pd.DateOffset(months=month.month % 3)


def _select(frame: pd.DataFrame, priority: Priority | tuple[str, ...]) -> pd.DataFrame:
    """The priority's rows of a Home Office table (fraud never included); a tuple of offence
    subgroups selects those subgroups instead (residential burglary)."""
    frame = frame[frame["offence_group"].str.lower() != FRAUD_GROUP]
    if isinstance(priority, tuple):
        return frame[frame["offence_subgroup"].isin(priority)]
    as_records = frame.rename(columns={"police_uk_category": "crime_type"})
    mask, selection = series.priority_mask(as_records, priority, source="home_office")
    if selection.method != "definition":
        raise AnalysisError(
            f"{priority.title} cannot be counted from the Home Office offence codes, so it is "
            "not compared across the country"
        )
    return frame.loc[mask]


def national_counts(
    home_office: pd.DataFrame, priority: Priority | tuple[str, ...], year_end: pd.Timestamp
) -> NationalCounts:
    """Count a priority in every partnership area over the four quarters ending ``year_end``.

    Parameters
    ----------
    home_office : pandas.DataFrame
        ``home_office.parquet`` rows (CSP rows are used; ``partnership_code`` says the area).
    priority : Priority or tuple of str
        Must be countable from offence codes and subgroups (no flags, no victim's sex); or the
        offence subgroups to count (e.g. :data:`RESIDENTIAL_BURGLARY_SUBGROUPS`).
    year_end : pandas.Timestamp
        A quarter's last month (see :func:`latest_quarter_end`).

    Returns
    -------
    NationalCounts

    Raises
    ------
    AnalysisError
        No CSP rows, ``year_end`` not a quarter end, a priority the tables cannot count, or no
        area with the whole year.
    """
    year_end = pd.Timestamp(year_end)
    if year_end.month % 3:
        raise AnalysisError(f"{year_end:%B %Y} is not the last month of a quarter")
    csp = home_office[(home_office["area_type"] == "csp") & home_office["partnership_code"].notna()]
    if csp.empty:
        raise AnalysisError("the Home Office tables ingested have no CSP-level rows")
    first = year_end - pd.DateOffset(months=11)
    starts = pd.date_range(first, year_end, freq="3MS")
    quarter_start = pd.to_datetime(csp["quarter_start"])
    in_year = csp[quarter_start.isin(starts)]
    if in_year.empty:
        raise AnalysisError(
            f"the Home Office tables have no quarter of the year ending {year_end:%B %Y}"
        )
    # A quarter is present for an area if the area has any row for it, even of other offences.
    present = in_year.groupby("partnership_code")["quarter_start"].nunique()
    complete = present[present == len(starts)].index
    chosen = _select(in_year, priority)
    if chosen.empty:
        what = priority.title.lower() if isinstance(priority, Priority) else "these offences"
        raise AnalysisError(
            f"the Home Office tables hold no records of {what} (they count recorded crimes by "
            "offence code only)"
        )
    counts = chosen.groupby("partnership_code")["count"].sum().reindex(complete, fill_value=0)
    table = counts.rename("count").rename_axis("area_code").reset_index()
    if table.empty:
        raise AnalysisError(
            f"no partnership has all four quarters of the year ending {year_end:%B %Y}"
        )
    incomplete = tuple(sorted(set(present.index) - set(complete)))
    return NationalCounts(table, year_end, "home_office", incomplete)


def police_uk_counts(
    monthly: pd.DataFrame, year_end: pd.Timestamp, coverage: pd.DataFrame | None = None
) -> NationalCounts:
    """The same from police.uk monthly counts by area (``area_code, month, count``): areas
    with twelve months to ``year_end``."""
    year_end = pd.Timestamp(year_end)
    months = pd.date_range(year_end - pd.DateOffset(months=11), year_end, freq="MS")
    in_year = monthly[pd.to_datetime(monthly["month"]).isin(months)]
    have = in_year.groupby("area_code")["month"].nunique()
    complete = have[have == len(months)].index
    counts = in_year.groupby("area_code")["count"].sum().reindex(complete, fill_value=0)
    table = counts.rename("count").rename_axis("area_code").reset_index()
    if table.empty:
        raise AnalysisError(
            f"no partnership has police.uk data for the year ending {year_end:%B %Y}"
        )
    return NationalCounts(
        table, year_end, "police_uk", tuple(sorted(set(have.index) - set(complete)))
    )


def denominators(areas: AreasConfig, year: int, per: str = "residents") -> pd.DataFrame:
    """``area_code, area, force, population`` for every partnership area of ``areas``:
    the ONS mid-year estimate for ``year`` (or the latest earlier one), or Census 2021
    households when ``per`` is "households"."""
    profiles = load_area_profiles() if per == "households" else None
    rows = []
    for force in areas.forces:
        for csp in force.csps:
            if per == "households":
                denominator, used = int(profiles.loc[csp.code, "households_2021"]), 2021
            else:
                years = [y for y in csp.population if y <= year] or [min(csp.population)]
                used = max(years)
                denominator = csp.population[used]
            rows.append(
                {"area_code": csp.code, "area": csp.name, "force": force.name,
                 "population": denominator, "year": used}
            )  # fmt: skip
    return pd.DataFrame(rows)


def peer_table(
    counts: NationalCounts,
    group: PeerGroup,
    areas: AreasConfig,
    year: int,
    per: str = "residents",
) -> pd.DataFrame:
    """The peer group's counts, denominators and comparison with the group average.

    Returns
    -------
    pandas.DataFrame
        One row per member with a count (the area first in ``group.codes`` order is not kept:
        rows are by rank), columns of :func:`csp_analysis.analysis.rates.peer_comparison` plus
        ``area_code, force, population_rounded``; ``attrs["missing"]`` lists members with no
        count for the year.

    Raises
    ------
    AnalysisError
        The area itself has no count, or fewer than two members have one.
    """
    base = denominators(areas, year, per).set_index("area_code")
    have = counts.table.set_index("area_code")["count"]
    missing = [code for code in group.codes if code not in have.index]
    if group.area_code in missing:
        raise AnalysisError(
            "the partnership itself has no count for this year in the national data"
        )
    members = [code for code in group.codes if code in have.index]
    if len(members) < 2:
        raise AnalysisError("no peer of the group has a count for this year")
    table = base.loc[members, ["area", "force", "population"]].copy()
    table["count"] = have.loc[members].to_numpy()
    table = table.reset_index()
    focus = base.loc[group.area_code, "area"]
    compared = rates.peer_comparison(table, focus=focus)
    compared = compared.merge(table[["area", "area_code", "force"]], on="area")
    compared["population_rounded"] = np.floor(compared["population"] / 100 + 0.5).astype(int) * 100
    compared.attrs["missing"] = missing
    return compared


def all_areas_table(
    counts: NationalCounts, areas: AreasConfig, year: int, per: str = "residents"
) -> pd.DataFrame:
    """Every area with a count: ``area_code, area, force, population, count, rate``."""
    base = denominators(areas, year, per)
    table = base.merge(counts.table, on="area_code", how="inner")
    table["rate"] = table["count"] / table["population"] * 1000
    return table
