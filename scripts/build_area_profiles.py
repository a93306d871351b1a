"""Build the partnership-area profiles shipped in the package: the ONS indicators that the
nearest-neighbour peer groups are matched on, and the household counts behind burglary rates.

    python scripts/build_area_profiles.py [--shared ../shared/data]

Reads, in place, from ``../shared/data/ons/`` (every file under the Open Government Licence
v3.0; see docs/data_sources.md):

* Census 2021 topic summaries by lower-tier local authority (Nomis bulk CSVs): TS007A age in
  five-year bands, TS045 car or van availability, TS054 tenure, TS062 NS-SeC;
* English Indices of Deprivation 2019, File 10 (district summaries, sheet IMD, "IMD - Average
  score") and File 1 (LSOA to 2019 district, to weight districts by their LSOAs);
* ONS LSOA (2011) to LSOA (2021) to LAD (2022) and LSOA (2021) to LAD (2023) best-fit lookups,
  to carry 2021 and 2019 districts onto the December 2023 districts of the registry;
* ONS Local Authority Districts (December 2023) Boundaries UK BUC (shapefile, British National
  Grid), for the land area behind population density.

Writes ``csp_analysis/core/data/area_profiles.csv``: one row per partnership area of the
registry (300 areas standing for 314 CSPs), aggregate figures only.

What it decides, and why:

* Districts change between the sources (Census 2021 predates the April 2023 mergers in
  Cumbria, North Yorkshire and Somerset; IoD2019 predates the 2020-21 mergers in
  Buckinghamshire and Northamptonshire). Each older district is carried to the December 2023
  district that holds most of its LSOAs, found through the ONS LSOA lookups rather than typed
  in, so the mapping is the publisher's own.
* Census counts are added up over a partnership's districts, then turned into shares: that is
  the population-weighted aggregate.
* The IMD average score of a 2019 district is a population-weighted mean of its LSOA scores
  (MHCLG's definition); districts are combined by the number of their 2011 LSOAs, which have
  near-equal populations (about 1,500 residents each), a close stand-in for population
  weights. Welsh areas have no IMD2019 (it covers England only) and are left blank.
* Density is the Census 2021 population per square kilometre of the ultra-generalised
  boundary. The generalisation changes a district's area by a few per cent; on the log scale
  the peers are matched on, that is negligible.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csp_analysis.core.registry import load_registry  # noqa: E402

OUT = ROOT / "csp_analysis" / "core" / "data" / "area_profiles.csv"
CENSUS = {
    "age": "census2021/census2021-ts007a-ltla.csv",
    "cars": "census2021/census2021-ts045-ltla.csv",
    "tenure": "census2021/census2021-ts054-ltla.csv",
    "nssec": "census2021/census2021-ts062-ltla.csv",
}
IOD_DISTRICTS = "File_10_-_IoD2019_Local_Authority_District_Summaries__lower-tier__.xlsx"
IOD_LSOAS = "File_1_-_IMD2019_Index_of_Multiple_Deprivation.xlsx"
LSOA11_LOOKUP = "lsoa11_to_lsoa21_best_fit_lookup_england_wales_v2.csv"
LSOA21_LOOKUP = "LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv"
BOUNDARIES = "boundaries/lad23_buc_uk/LAD_DEC_2023_UK_BUC.shp"

HEADER = (
    "# Source: Office for National Statistics (Census 2021 TS007A, TS045, TS054, TS062; LAD "
    "December 2023 boundaries; LSOA lookups) and Ministry of Housing, Communities and Local "
    "Government (English Indices of Deprivation 2019), licensed under the Open Government "
    "Licence v3.0. Built by scripts/build_area_profiles.py; aggregate figures only."
)


def _census(shared: Path, key: str) -> pd.DataFrame:
    frame = pd.read_csv(shared / "ons" / CENSUS[key], encoding="utf-8")
    frame = frame.rename(columns={"geography code": "lad21"}).set_index("lad21")
    return frame.drop(columns=["date", "geography"])


def _column(frame: pd.DataFrame, text: str) -> pd.Series:
    """The one column whose name contains ``text`` (the Nomis names are long)."""
    matches = [c for c in frame.columns if text in c]
    if len(matches) != 1:
        raise SystemExit(f"expected one column containing {text!r}, found {matches}")
    return frame[matches[0]]


def census_counts(shared: Path) -> pd.DataFrame:
    """The counts the profile needs, by 2021 district."""
    age, cars = _census(shared, "age"), _census(shared, "cars")
    tenure, nssec = _census(shared, "tenure"), _census(shared, "nssec")
    bands = {
        "aged_under_15": ("4 years and under", "5 to 9", "10 to 14"),
        "aged_15_24": ("15 to 19", "20 to 24"),
        "aged_65_plus": ("65 to 69", "70 to 74", "75 to 79", "80 to 84", "85 years and over"),
    }
    out = pd.DataFrame(index=age.index)
    out["residents"] = _column(age, "Age: Total")
    for name, parts in bands.items():
        out[name] = sum(_column(age, f"Aged {p}") for p in parts)
    out["households"] = _column(tenure, "Total: All households")
    # Exact names: the tenure headings nest ("Social rented", "Social rented: Other ...").
    out["social_rented"] = tenure["Tenure of household: Social rented"]
    out["private_rented"] = tenure["Tenure of household: Private rented"]
    out["car_households"] = _column(cars, "Total: All households")
    out["no_car"] = _column(cars, "No cars or vans")
    out["residents_16_plus"] = _column(nssec, "Total: All usual residents")
    out["nssec_higher"] = _column(nssec, "L1, L2 and L3")
    out["nssec_routine"] = _column(nssec, "L12 Semi-routine") + _column(nssec, "L13 Routine")
    out["students"] = _column(nssec, "L15 Full-time students")
    return out


def _majority(pairs: pd.DataFrame, old: str, new: str) -> dict[str, str]:
    """Old district -> the new district holding most of its LSOAs."""
    counts = pairs.groupby([old, new]).size().reset_index(name="n")
    counts = counts.sort_values([old, "n", new], ascending=[True, False, True])
    return dict(counts.drop_duplicates(old).set_index(old)[new])


def district_maps(shared: Path) -> tuple[dict[str, str], dict[str, str], pd.Series]:
    """(2021/22 district -> 2023 district, 2019 district -> 2023 district, LSOAs per 2019
    district), from the ONS LSOA lookups and IoD2019 File 1."""
    lsoa21 = pd.read_csv(
        shared / "ons" / LSOA21_LOOKUP, encoding="utf-8-sig", usecols=["LSOA21CD", "LAD23CD"]
    )
    lsoa11 = pd.read_csv(
        shared / "ons" / LSOA11_LOOKUP,
        encoding="utf-8-sig",
        usecols=["LSOA11CD", "LSOA21CD", "LAD22CD"],
    )
    joined = lsoa11.merge(lsoa21, on="LSOA21CD", how="inner")
    lad22_to_23 = _majority(joined, "LAD22CD", "LAD23CD")
    imd = pd.read_excel(shared / "ons" / IOD_LSOAS, sheet_name="IMD2019")
    imd = imd.rename(
        columns={
            "LSOA code (2011)": "LSOA11CD",
            "Local Authority District code (2019)": "LAD19CD",
        }
    )[["LSOA11CD", "LAD19CD"]]
    lad19_to_23 = _majority(imd.merge(joined, on="LSOA11CD", how="inner"), "LAD19CD", "LAD23CD")
    return lad22_to_23, lad19_to_23, imd.groupby("LAD19CD").size()


def imd_scores(shared: Path) -> pd.DataFrame:
    frame = pd.read_excel(shared / "ons" / IOD_DISTRICTS, sheet_name="IMD")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.rename(
        columns={"Local Authority District code (2019)": "lad19", "IMD - Average score": "imd"}
    )[["lad19", "imd"]]


def land_areas(shared: Path) -> pd.Series:
    """Square kilometres of each December 2023 district (British National Grid metres)."""
    import shapely
    from pyogrio import raw

    meta, _, geometry, fields = raw.read(shared / "ons" / BOUNDARIES)
    if meta["crs"] != "EPSG:27700":
        raise SystemExit(f"expected British National Grid boundaries, got {meta['crs']}")
    codes = fields[list(meta["fields"]).index("LAD23CD")]
    return pd.Series(shapely.area(shapely.from_wkb(geometry)) / 1e6, index=codes)


def build(shared: Path) -> pd.DataFrame:
    registry = load_registry()
    lad_to_area = {lad: csp for csp in registry.csps for lad in csp.lad_codes}
    country = {csp.code: "Wales" if csp.code.startswith("W") else "England"
               for csp in registry.csps}  # fmt: skip
    lad22_to_23, lad19_to_23, lsoas_per_lad19 = district_maps(shared)

    counts = census_counts(shared)
    unmapped = [c for c in counts.index if lad22_to_23.get(c, c) not in lad_to_area]
    if unmapped:
        raise SystemExit(f"Census districts with no partnership area: {unmapped}")
    counts["area"] = [lad_to_area[lad22_to_23.get(c, c)].code for c in counts.index]
    by_area = counts.groupby("area").sum()

    imd = imd_scores(shared)
    imd["lad23"] = imd["lad19"].map(lambda c: lad19_to_23.get(c, c))
    missing = imd.loc[~imd["lad23"].isin(list(lad_to_area)), "lad19"].tolist()
    if missing:
        raise SystemExit(f"IoD2019 districts with no partnership area: {missing}")
    imd["area"] = imd["lad23"].map(lambda c: lad_to_area[c].code)
    imd["weight"] = imd["lad19"].map(lsoas_per_lad19)
    if imd["weight"].isna().any():
        raise SystemExit("IoD2019 File 10 districts missing from File 1")
    imd_by_area = (imd["imd"] * imd["weight"]).groupby(imd["area"]).sum() / imd.groupby("area")[
        "weight"
    ].sum()

    km2 = land_areas(shared)
    area_km2 = {csp.code: float(sum(km2[lad] for lad in csp.lad_codes)) for csp in registry.csps}
    rows = []
    for csp in registry.csps:
        c = by_area.loc[csp.code]
        rows.append(
            {
                "area_code": csp.code,
                "area_name": csp.name,
                "country": country[csp.code],
                "residents_2021": int(c["residents"]),
                "households_2021": int(c["households"]),
                "area_km2": round(area_km2[csp.code], 1),
                "density_per_km2": round(c["residents"] / area_km2[csp.code], 1),
                "pct_aged_under_15": round(100 * c["aged_under_15"] / c["residents"], 2),
                "pct_aged_15_24": round(100 * c["aged_15_24"] / c["residents"], 2),
                "pct_aged_65_plus": round(100 * c["aged_65_plus"] / c["residents"], 2),
                "pct_social_rented": round(100 * c["social_rented"] / c["households"], 2),
                "pct_private_rented": round(100 * c["private_rented"] / c["households"], 2),
                "pct_no_car": round(100 * c["no_car"] / c["car_households"], 2),
                "pct_higher_managerial": round(100 * c["nssec_higher"] / c["residents_16_plus"], 2),
                "pct_routine": round(100 * c["nssec_routine"] / c["residents_16_plus"], 2),
                "pct_students": round(100 * c["students"] / c["residents_16_plus"], 2),
                "imd_average_score": (
                    round(float(imd_by_area[csp.code]), 3) if csp.code in imd_by_area else None
                ),
            }
        )
    frame = pd.DataFrame(rows)
    welsh_with_imd = frame[(frame["country"] == "Wales") & frame["imd_average_score"].notna()]
    english_without = frame[(frame["country"] == "England") & frame["imd_average_score"].isna()]
    if len(welsh_with_imd) or len(english_without):
        raise SystemExit("IMD2019 must cover every English area and no Welsh one")
    if not np.isfinite(frame.drop(columns=["area_code", "area_name", "country",
                                           "imd_average_score"]).to_numpy(float)).all():  # fmt: skip
        raise SystemExit("a profile value is not finite")
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    frame = build(Path(args.shared))
    out = Path(args.out)
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\n")
        frame.to_csv(handle, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    counts = Counter(frame["country"])
    print(f"wrote {out}: {len(frame)} partnership areas ({dict(counts)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
