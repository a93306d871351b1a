"""Compute the calibration constants of ``csp_analysis.io.demo_data`` from the real published files.

Run once, by hand, from the project root::

    .venv/bin/python scripts/calibrate_demo.py

It reads ``../shared/data`` in place (police.uk West Mercia street files for January-December
2025, the ONS LSOA21 -> ward -> LAD23 best-fit lookup, and the Home Office police recorded crime
open data table for 2017/18) and prints aggregate figures only: yearly counts per CSP and crime
type, LSOA and ward counts per district, shares of rows without a location or outside the force,
outcome mixes per crime type, offence-code counts, and district centroids. Those aggregates are
pasted into ``csp_analysis/io/demo_data/calibration.py`` with their source named; the generator itself never
reads ``../shared``. No row-level data is written anywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from csp_analysis.core.paths import SHARED_DATA_DIR  # noqa: E402
from csp_analysis.core.registry import load_areas  # noqa: E402
from csp_analysis.core.schema import ASB  # noqa: E402

STREET_DIR = SHARED_DATA_DIR / "police_uk" / "west-mercia"
LSOA_LOOKUP = (
    SHARED_DATA_DIR
    / "ons"
    / "LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv"
)
HOME_OFFICE_PFA = SHARED_DATA_DIR / "home_office" / "prc-pfa-201718_new.csv"


def _read_street() -> pd.DataFrame:
    files = sorted(STREET_DIR.glob("2025-*-west-mercia-street.csv"))
    if len(files) != 12:
        raise SystemExit(f"expected 12 monthly files in {STREET_DIR}, found {len(files)}")
    return pd.concat(
        [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True
    )


def main() -> None:
    areas = load_areas()
    force = areas.force("west-mercia")
    lad_to_csp = {lad: csp.code for csp in force.csps for lad in csp.lad_codes}
    lookup = pd.read_csv(LSOA_LOOKUP, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    street = _read_street()
    street = street.merge(
        lookup[["LSOA21CD", "LAD23CD"]], how="left", left_on="LSOA code", right_on="LSOA21CD"
    )
    street["csp"] = street["LAD23CD"].map(lad_to_csp)
    total = len(street)
    no_location = street["LSOA code"].eq("")
    outside = ~no_location & street["csp"].isna()
    print(f"# rows: {total}; no location: {no_location.sum()}; outside force: {outside.sum()}")
    print(f"OUTSIDE_FORCE_SHARE = {outside.sum() / total:.4f}")

    print("\nREAL_2025_COUNTS = {")
    counts = street[street["csp"].notna()].groupby(["csp", "Crime type"]).size()
    for csp in force.csps:
        print(f"    {csp.code!r}: {{  # {csp.name}")
        for crime_type, n in counts.loc[csp.code].items():
            print(f"        {crime_type!r}: {n},")
        print("    },")
    print("}")

    print("\nNO_LOCATION_SHARE = {")
    by_type = street.groupby("Crime type")
    for crime_type, group in by_type:
        share = group["LSOA code"].eq("").mean()
        print(f"    {crime_type!r}: {share:.4f},")
    print("}")

    print("\nOUTCOME_WEIGHTS = {")
    for crime_type, group in by_type:
        if crime_type == ASB:
            continue
        shares = group["Last outcome category"].value_counts()
        print(f"    {crime_type!r}: {{")
        for outcome, n in shares.items():
            print(f"        {outcome!r}: {n},")
        print("    },")
    print("}")

    print(
        "\nDISTRICTS = {  # code: (lookup name, LSOAs, wards, mean lat, mean lon, sd lat, sd lon)"
    )
    located = street[street["csp"].notna()].copy()
    located["lat"] = located["Latitude"].astype(float)
    located["lon"] = located["Longitude"].astype(float)
    for csp in force.csps:
        for lad in csp.lad_codes:
            rows = lookup[lookup["LAD23CD"] == lad]
            pts = located[located["LAD23CD"] == lad]
            print(
                f"    {lad!r}: ({rows['LAD23NM'].iloc[0]!r}, {len(rows)}, "
                f"{rows['WD23CD'].nunique()}, {pts['lat'].mean():.3f}, {pts['lon'].mean():.3f}, "
                f"{pts['lat'].std():.3f}, {pts['lon'].std():.3f}),"
            )
    print("}")

    home_office = pd.read_csv(HOME_OFFICE_PFA, dtype=str, keep_default_na=False)
    west_mercia = home_office[home_office["Force_Name"] == "West Mercia"].copy()
    west_mercia["n"] = pd.to_numeric(west_mercia["Number_of_Offences"].str.replace(",", ""))
    per_code = west_mercia.groupby("Offence_Code")["n"].sum()
    print("\nHOME_OFFICE_WEST_MERCIA_201718 = {")
    for code, n in per_code[per_code > 0].items():
        print(f"    {code!r}: {n},")
    print("}")

    # Every force's 2017/18 rate of police recorded crime excluding fraud, per 1,000 residents
    # (mid-2017 population of its districts): the level of the synthetic national CSP tables.
    home_office["n"] = pd.to_numeric(home_office["Number_of_Offences"].str.replace(",", ""))
    not_fraud = home_office[~home_office["Offence_Group"].str.contains("Fraud", case=False)]
    per_force = not_fraud.groupby("Force_Name")["n"].sum()
    registry = load_areas()
    print("\nFORCE_RATES_201718 = {")
    for force in registry.forces:
        matches = [
            f for f in per_force.index if f.replace("&", "and") == force.name.replace("&", "and")
        ]
        if not matches:
            raise SystemExit(f"no 2017/18 count for {force.name}")
        population = sum(csp.population[2017] for csp in force.csps)
        print(
            f"    {force.pfa_code!r}: {per_force[matches[0]] * 1000 / population:.1f},  # {force.name}"
        )
    print("}")


if __name__ == "__main__":
    main()
