"""Synthetic Home Office CSP-level tables for every partnership of England and Wales.

The real tables ("Police recorded crime by Community Safety Partnership", Home Office open data)
count offences by financial quarter, CSP and offence code. The demonstration writes the same
layout, labelled synthetic, so that the default batch can compare each partnership with its
peers across the country:

* the demo force's own partnerships get the counts of its synthetic local extract (the same
  records its reports analyse), added up by quarter and offence code, so its row in a national
  table agrees with its own pages;
* every other partnership gets counts drawn around its force's real 2017/18 rate of recorded
  crime excluding fraud (:data:`~csp_analysis.io.demo_data.calibration.FORCE_RATES_201718`),
  scaled by :data:`LEVEL_SINCE_2017` to mid-2020s levels, tilted within the force by the area's
  ONS profile (more deprived, denser and younger areas record more crime, as in the real
  tables) and spread over offence codes by West Mercia's 2017/18 mix. Rates therefore spread
  like the real ones (roughly 40 to 200 per 1,000, the City of London far above), but no figure
  is real.

Two files are written, one per financial year, in the spellings of two editions of the real
tables (underscored and spaced column names, "Community Safety Partnership" and "CSP Name"), so
the loader's handling of editions is exercised by every demo run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.offences import OFFENCES
from csp_analysis.core.profiles import load_area_profiles
from csp_analysis.core.registry import load_registry
from csp_analysis.io.demo_data.calibration import FORCE_RATES_201718, HOME_OFFICE_WEST_MERCIA_201718

__all__ = ["HOME_OFFICE_DIR", "national_tables"]

HOME_OFFICE_DIR = "home_office"
# Police recorded crime excluding fraud rose by roughly a fifth between 2017/18 and the
# mid-2020s (ONS, Crime in England and Wales bulletins); approximate, for demonstration only.
LEVEL_SINCE_2017 = 1.2
# How strongly the profile tilts an area's rate within its force (log-rate per SD).
TILT = {"imd_average_score": 0.22, "density_per_km2": 0.12, "pct_aged_15_24": 0.08}
AREA_NOISE_SD = 0.08
CODES_KEPT = 40  # the most common offence codes, enough for every priority's subgroups
QUARTER_SEASON = np.array([1.03, 1.02, 0.97, 0.98])  # Apr-Jun ... Jan-Mar
EDITIONS = (
    {  # older edition: underscored names, as in the redistributed 2017/18 tables
        "Financial_Year": "financial_year",
        "Financial_Quarter": "financial_quarter",
        "Force_Name": "force_name",
        "Community_Safety_Partnership": "csp_name",
        "Offence_Description": "offence_description",
        "Offence_Group": "offence_group",
        "Offence_Subgroup": "offence_subgroup",
        "Offence_Code": "offence_code",
        "Number_of_Offences": "count",
    },
    {  # newer edition: spaced names
        "Financial Year": "financial_year",
        "Financial Quarter": "financial_quarter",
        "Force Name": "force_name",
        "CSP Name": "csp_name",
        "Offence Description": "offence_description",
        "Offence Group": "offence_group",
        "Offence Subgroup": "offence_subgroup",
        "Offence Code": "offence_code",
        "Number of Offences": "count",
    },
)


def _code_mix() -> tuple[np.ndarray, np.ndarray]:
    """The most common non-fraud offence codes and their shares (West Mercia, 2017/18)."""
    weights = {
        code: n
        for code, n in HOME_OFFICE_WEST_MERCIA_201718.items()
        if code in OFFENCES and "fraud" not in OFFENCES[code].group.lower()
    }
    codes = sorted(weights, key=lambda c: (-weights[c], c))[:CODES_KEPT]
    shares = np.array([weights[c] for c in codes], dtype=float)
    return np.array(codes, dtype=object), shares / shares.sum()


def _area_rates(rng: np.random.Generator) -> pd.Series:
    """Yearly rate per 1,000 residents of each partnership area outside the demo force."""
    registry = load_registry()
    profiles = load_area_profiles()
    z = pd.DataFrame(index=profiles.index)
    for column in TILT:
        values = profiles[column].astype(float)
        if column == "density_per_km2":
            values = np.log10(values)
        # Welsh areas have no IMD: the share of households without a car stands in for it.
        if column == "imd_average_score":
            proxy = profiles["pct_no_car"].astype(float)
            fitted = np.polyfit(proxy[values.notna()], values.dropna(), 1)
            values = values.fillna(pd.Series(np.polyval(fitted, proxy), index=proxy.index))
        z[column] = (values - values.mean()) / values.std(ddof=0)
    tilt = sum(z[c] * w for c, w in TILT.items())
    rates = {}
    for force in registry.forces:
        codes = [csp.code for csp in force.csps]
        pops = np.array([csp.population[max(csp.population)] for csp in force.csps], float)
        raw = np.exp(tilt.loc[codes].to_numpy() + rng.normal(0, AREA_NOISE_SD, len(codes)))
        # Keep the force's own level: the population-weighted mean of its areas is its rate.
        level = FORCE_RATES_201718[force.pfa_code] * LEVEL_SINCE_2017
        scaled = raw * level * pops.sum() / (raw * pops).sum()
        rates.update(dict(zip(codes, scaled, strict=True)))
    return pd.Series(rates)


def _quarters(end: pd.Period) -> list[tuple[str, int, pd.Period]]:
    """The eight complete financial quarters up to ``end``: (financial year, quarter, first month)."""
    last_quarter_end = end - ((end.month - 3) % 3)  # Mar, Jun, Sep or Dec at or before end
    out = []
    for back in range(7, -1, -1):
        first = last_quarter_end - 3 * back - 2
        start_year = first.year if first.month >= 4 else first.year - 1
        quarter = ((first.month - 4) % 12) // 3 + 1
        out.append((f"{start_year}/{(start_year + 1) % 100:02d}", quarter, first))
    return out


def national_tables(
    rng: np.random.Generator,
    extract: pd.DataFrame,
    lsoa_to_csp: dict[str, str],
    force_csps: list[str],
    end: str,
) -> dict[str, pd.DataFrame]:
    """The synthetic national CSP tables: file name -> table in its edition's layout.

    Parameters
    ----------
    rng : numpy.random.Generator
    extract : pandas.DataFrame
        The demo force's synthetic local extract (``RecordedMonth``, ``LSOA``,
        ``HOOffenceCode``).
    lsoa_to_csp : dict
        Synthetic LSOA code -> the demo force's partnership-area code.
    force_csps : list of str
        The demo force's partnership-area codes.
    end : str
        Last month of the demo data, "YYYY-MM".
    """
    registry = load_registry()
    quarters = _quarters(pd.Period(end, freq="M"))
    codes, shares = _code_mix()
    rates = _area_rates(rng)
    month_to_quarter = {
        str(first + offset): (fy, q) for fy, q, first in quarters for offset in range(3)
    }
    own = extract.assign(
        area=extract["LSOA"].map(lsoa_to_csp),
        quarter=extract["RecordedMonth"].map(month_to_quarter),
    ).dropna(subset=["area", "quarter"])
    own_counts = own.groupby(["area", "quarter", "HOOffenceCode"]).size()
    # A quarter the demo span does not cover has no records for the force: left out of the
    # table (as a real table lacks what was not recorded), never written as zeros.
    months_made = set(extract["RecordedMonth"].unique())
    covered = {
        (fy, q) for fy, q, first in quarters
        if all(str(first + offset) in months_made for offset in range(3))
    }  # fmt: skip

    rows = []
    for force in registry.forces:
        for csp in force.csps:
            population = csp.population[max(csp.population)]
            for fy, q, _ in quarters:
                if csp.code in force_csps:
                    if (fy, q) not in covered:
                        continue
                    part = own_counts.get((csp.code, (fy, q)))
                    by_code = {} if part is None else part.to_dict()
                    quarter_codes = sorted(set(by_code) | set(codes))
                    counts = [int(by_code.get(c, 0)) for c in quarter_codes]
                else:
                    expected = rates[csp.code] * population / 1000 / 4 * QUARTER_SEASON[q - 1]
                    total = rng.poisson(expected)
                    quarter_codes = list(codes)
                    counts = rng.multinomial(total, shares).tolist()
                for code, n in zip(quarter_codes, counts, strict=True):
                    offence = OFFENCES[code]
                    rows.append(
                        (fy, q, force.name, csp.name, offence.description, offence.group,
                         offence.subgroup, code, n)
                    )  # fmt: skip
    columns = [
        "financial_year", "financial_quarter", "force_name", "csp_name", "offence_description",
        "offence_group", "offence_subgroup", "offence_code", "count",
    ]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    years = sorted(table["financial_year"].unique())
    out = {}
    for index, year in enumerate(years):
        edition = EDITIONS[min(index, len(EDITIONS) - 1)]
        part = table[table["financial_year"] == year]
        part = part.rename(columns={v: k for k, v in edition.items()})[list(edition)]
        out[f"synthetic-prc-csp-{year.replace('/', '')}.csv"] = part
    return out


def write_national_tables(tables: dict[str, pd.DataFrame], out_dir: Path) -> None:
    folder = out_dir / HOME_OFFICE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / name, index=False, lineterminator="\n")
