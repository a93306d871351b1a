"""Make tests/reference/west_mercia_2025_rates.csv: aggregate reference values for tests/test_rates.py
and tests/test_series.py, computed from the real published files WITHOUT using csp_analysis.

Inputs (read in place from ../shared/data, see its SOURCES.md):
* police.uk street-level crime, West Mercia Police, January to December 2025 (12 files);
* ONS LSOA (2021) -> ward -> LAD (2023) best-fit lookup and the LAD -> CSP -> PFA (Dec 2023) lookup;
* ONS mid-year population estimates (June 2023 release), sheet MYE4, mid-2023.

For each of West Mercia's five CSPs: the calendar-year 2025 count of police recorded crime on
police.uk (every row except anti-social behaviour whose LSOA maps to the CSP), the mid-2023
population, the rate per 1,000, the rate rounded as ONS publishes it (whole number, halves up,
with ``decimal``), exact Poisson (Garwood) 95% limits from statsmodels' ``confint_poisson(...,
"exact-c")`` and Byar's 95% limits typed from Breslow and Day (1987) with ``math``. Only these
aggregate figures are stored (Open Government Licence v3.0; source: police.uk and ONS).

Run from the project root:  .venv/bin/python tests/reference/make_rates_reference.py
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from statistics import NormalDist

import pandas as pd
from statsmodels.stats.rates import confint_poisson

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
OUT = Path(__file__).with_name("west_mercia_2025_rates.csv")


def byar(count: int, level: float = 0.95) -> tuple[float, float]:
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    lower = 0.0 if count == 0 else count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    plus = count + 1
    upper = plus * (1 - 1 / (9 * plus) + z / (3 * math.sqrt(plus))) ** 3
    return lower, upper


def main() -> None:
    files = sorted((SHARED / "police_uk" / "west-mercia").glob("2025-*-west-mercia-street.csv"))
    assert len(files) == 12, files
    crimes = pd.concat(
        [pd.read_csv(f, usecols=["Month", "LSOA code", "Crime type"]) for f in files],
        ignore_index=True,
    )
    lsoa = pd.read_csv(
        SHARED
        / "ons"
        / "LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv",
        usecols=["LSOA21CD", "LAD23CD"],
    )
    csp = pd.read_csv(
        SHARED
        / "ons"
        / "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December_2023)_Lookup.csv",
        encoding="utf-8-sig",
    )
    csp = csp.loc[csp["PFA23NM"] == "West Mercia", ["LAD23CD", "CSP23CD", "CSP23NM"]]
    population = pd.read_excel(
        SHARED / "ons" / "LAD23_Mid_Year_pop_2011_to_2023.xlsx", sheet_name="MYE4", header=7
    )[["Code", "Mid-2023"]].rename(columns={"Code": "LAD23CD", "Mid-2023": "population"})

    crimes = crimes.loc[crimes["Crime type"] != "Anti-social behaviour"]
    located = crimes.merge(lsoa, left_on="LSOA code", right_on="LSOA21CD").merge(csp, on="LAD23CD")
    counts = located.groupby(["CSP23CD", "CSP23NM"]).size().rename("count").reset_index()
    monthly = located.groupby(["CSP23CD", "Month"]).size()
    pops = csp.merge(population, on="LAD23CD").groupby("CSP23CD")["population"].sum()
    counts["population"] = counts["CSP23CD"].map(pops).astype(int)
    counts["min_month"] = counts["CSP23CD"].map(monthly.groupby(level=0).min())
    counts["max_month"] = counts["CSP23CD"].map(monthly.groupby(level=0).max())
    counts["months_with_records"] = counts["CSP23CD"].map(monthly.groupby(level=0).size())

    rows = []
    for rec in counts.itertuples(index=False):
        exact_rate = Decimal(rec.count) * 1000 / Decimal(rec.population)
        g_low, g_high = confint_poisson(rec.count, 1, method="exact-c")
        b_low, b_high = byar(rec.count)
        rows.append(
            {
                "csp_code": rec.CSP23CD,
                "csp_ons_name": rec.CSP23NM,
                "count": rec.count,
                "population": rec.population,
                "rate": float(exact_rate),
                "published_rate": int(exact_rate.quantize(Decimal("1"), rounding=ROUND_HALF_UP)),
                "garwood_lower": g_low * 1000 / rec.population,
                "garwood_upper": g_high * 1000 / rec.population,
                "byar_lower": b_low * 1000 / rec.population,
                "byar_upper": b_high * 1000 / rec.population,
                "months_with_records": rec.months_with_records,
            }
        )
    frame = pd.DataFrame(rows).sort_values("csp_code")
    rates = frame["rate"]
    frame["group_average"] = rates.mean()  # unweighted mean of the five rates, each area included
    frame["rank"] = rates.rank(ascending=False, method="min").astype(int)
    header = (
        "# West Mercia CSPs, police recorded crime on police.uk (excluding anti-social behaviour),\n"
        "# January to December 2025, per 1,000 mid-2023 population. Made by\n"
        "# tests/reference/make_rates_reference.py from police.uk and ONS data (OGL v3.0).\n"
    )
    OUT.write_text(header + frame.to_csv(index=False, float_format="%.10g"), encoding="utf-8")
    print(frame.to_string(index=False))


if __name__ == "__main__":
    main()
