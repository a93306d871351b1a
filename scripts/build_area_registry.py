"""Build the area registry shipped in the package: every police force area, Community Safety
Partnership and district of England and Wales, with mid-year populations.

    python scripts/build_area_registry.py [--shared ../shared/data]

Reads, in place, the ONS "Local Authority District to CSPs to Police Force Areas (December
2023)" lookup and the ONS mid-year population estimates workbook (June 2023 release, 2023
boundaries, sheet MYE4), and writes ``csp_analysis/core/data/area_registry.csv``: one row per
district and CSP pair (332 rows: 318 districts, 314 CSPs, 43 police force areas), aggregate
figures only. Source: Office for National Statistics licensed under the Open Government Licence
v3.0.

What it decides, and why:

* Display names: the ONS name, less a trailing ", County of" or ", City of" ("Herefordshire,
  County of" -> "Herefordshire"; "London, City of" -> "City of London"), and the names
  partnerships use where ONS abbreviates (``DISPLAY_NAMES``: "South Worcester" is the South
  Worcestershire CSP). Ids are slugs of the display names.
* Reporting areas: the lookup puts seven districts under more than one CSP. Each is a unitary
  district formed by merging districts that had their own CSP (Buckinghamshire, 2020; North and
  West Northamptonshire, 2021; Cumberland, Westmorland and Furness, 2023; Bournemouth,
  Christchurch and Poole and East Suffolk, 2019). Crime is placed by LSOA and district, and ONS
  publishes populations for the merged district only, so the CSPs sharing a district are
  reported together as one partnership area (``area_id``) named after its districts; each CSP
  keeps its own row and code.
* police.uk force ids: the slug of the PFA name, except where data.police.uk uses another
  (``FORCE_IDS``).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csp_analysis.io.lookups import read_csp_lookup  # noqa: E402
from csp_analysis.io.population import read_district_populations  # noqa: E402

LOOKUP = "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December_2023)_Lookup.csv"
WORKBOOK = "LAD23_Mid_Year_pop_2011_to_2023.xlsx"
OUT = ROOT / "csp_analysis" / "core" / "data" / "area_registry.csv"
YEARS = range(2011, 2024)

# data.police.uk force ids that are not the slug of the ONS PFA name.
FORCE_IDS = {
    "E23000001": "metropolitan",  # Metropolitan Police
    "E23000034": "city-of-london",  # London, City of
    "E23000035": "devon-and-cornwall",  # Devon & Cornwall
}
# Names partnerships use where the ONS lookup shortens or differs.
DISPLAY_NAMES = {"E22000332": "South Worcestershire"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def display_name(ons_name: str) -> str:
    for suffix in (", County of", ", City of"):
        if ons_name.endswith(suffix):
            base = ons_name[: -len(suffix)]
            return f"City of {base}" if base == "London" else base
    return ons_name


def reporting_areas(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Group CSPs that share a district (union-find over CSP codes): CSP code -> group root."""
    parent: dict[str, str] = {}

    def find(code: str) -> str:
        parent.setdefault(code, code)
        while parent[code] != code:
            parent[code] = parent[parent[code]]
            code = parent[code]
        return code

    by_lad: dict[str, list[str]] = {}
    for lad, csp in pairs:
        by_lad.setdefault(lad, []).append(csp)
        find(csp)
    for csps in by_lad.values():
        for other in csps[1:]:
            parent[find(other)] = find(csps[0])
    return {code: find(code) for code in parent}


def build(shared: Path) -> list[dict]:
    lookup = read_csp_lookup(shared / "ons" / LOOKUP)
    populations = read_district_populations(shared / "ons" / WORKBOOK)
    by_district = {
        (code, int(year)): int(pop)
        for code, year, pop in populations[["code", "year", "population"]].itertuples(index=False)
        if pop is not None
    }
    rows = [r for listed in lookup.values() for r in listed]
    groups = reporting_areas([(r.lad_code, r.csp_code) for r in rows])
    members: dict[str, list] = {}
    for r in rows:
        members.setdefault(groups[r.csp_code], []).append(r)
    out = []
    for r in sorted(rows, key=lambda r: (r.pfa_code, r.csp_code, r.lad_code)):
        csp_name = DISPLAY_NAMES.get(r.csp_code) or display_name(r.csp_name)
        group = members[groups[r.csp_code]]
        if len({m.csp_code for m in group}) > 1:
            # Named after its districts: "Buckinghamshire", "Bournemouth, Christchurch and
            # Poole and Dorset".
            districts = sorted({display_name(m.lad_name) for m in group})
            area_name = (
                districts[0]
                if len(districts) == 1
                else ", ".join(districts[:-1]) + " and " + districts[-1]
            )
            area_code = min(m.csp_code for m in group)
        else:
            area_name, area_code = csp_name, r.csp_code
        row = {
            "pfa_code": r.pfa_code,
            "pfa_name": r.pfa_name,
            "force_id": FORCE_IDS.get(r.pfa_code, slug(r.pfa_name)),
            "csp_code": r.csp_code,
            "csp_ons_name": r.csp_name,
            "csp_name": csp_name,
            "csp_id": slug(csp_name),
            "area_code": area_code,
            "area_name": area_name,
            "area_id": slug(area_name),
            "lad_code": r.lad_code,
            "lad_name": r.lad_name,
        }
        for year in YEARS:
            population = by_district.get((r.lad_code, year))
            if population is None:
                raise SystemExit(f"{WORKBOOK}: no mid-{year} population for {r.lad_code}")
            row[f"pop_{year}"] = population
        out.append(row)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    rows = build(args.shared)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as handle:
        handle.write(
            "# Source: Office for National Statistics licensed under the Open Government "
            "Licence v3.0. Built by scripts/build_area_registry.py from the LAD to CSP to PFA "
            "lookup (December 2023) and mid-year population estimates (MYE4, June 2023).\n"
        )
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    forces = {r["pfa_code"] for r in rows}
    csps = {r["csp_code"] for r in rows}
    areas = {r["area_code"] for r in rows}
    print(f"{OUT.relative_to(ROOT)}: {len(rows)} rows, {len(forces)} forces, {len(csps)} CSPs, "
          f"{len(areas)} reporting areas")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
