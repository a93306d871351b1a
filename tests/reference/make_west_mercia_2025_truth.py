"""Make the ground truth of the West Mercia 2025 backtest (tests/backtest/), WITHOUT csp_analysis.

The figures are derived from the real published files with the ``csv`` module, ``decimal`` and
``fractions`` (pandas only to read the ONS population workbook), so that a bug in the package's
loaders, LSOA assignment, priority selection, counting or rate code shows up as a difference
from this truth (the NHS RAP "backtest" idea: the pipeline's outputs on real inputs compared
with independently computed, committed figures).

Inputs, read in place from ../shared/data (see its SOURCES.md; Open Government Licence v3.0):

* police.uk street-level crime, West Mercia Police, January to December 2025 (12 files);
* ONS LSOA (2021) -> ward (2023) -> LAD (2023) best-fit lookup;
* ONS LAD -> CSP -> police force area lookup (December 2023): the districts of each of the five
  CSPs of West Mercia (PFA E23000016) are taken from it, not from the package's registry;
* ONS mid-year population estimates, June 2023 release, sheet MYE4, mid-2023 column.

Rules applied (the documented behaviour of ``csp-analysis ingest`` and config/priorities.yaml):

* a row with an empty LSOA code has reason "no location"; a code missing from the LSOA21 lookup
  "LSOA not in lookup" (or "2011 LSOA without an LSOA11 lookup" when it lies in the 2011 code
  range, E01000001-E01033768 and W01000001-W01001958); a code whose district belongs to no
  West Mercia CSP "outside the force's area"; the rest belong to their district's CSP;
* "all_crime" is every crime type except "Anti-social behaviour"; "asb" is that type alone;
* rate per 1,000 = count x 1000 / mid-2023 population (sum over the CSP's districts), published
  as a whole number with halves rounded up (exact, with ``fractions``).

Outputs, aggregate figures only (no rows of the source files):

* ``west_mercia_2025_counts.csv``: columns ``figure,csp_code,category,month,count`` where
  ``figure`` is ``rows_read`` (all rows), ``csp_rows`` (records per CSP), ``csp_crime_type``
  (calendar-2025 records per CSP and police.uk crime type, zeros included), ``csp_month``
  (records per CSP, month and series ``all_crime`` / ``asb``) or ``unassigned`` (rows per
  reason, zeros included);
* ``west_mercia_2025_csp_totals.csv``: per CSP the mid-2023 population and, for ``all_crime``
  and ``asb``, the calendar-2025 count, the rate per 1,000 (6 decimals) and the published rate.

Run from the project root:  .venv/bin/python tests/reference/make_west_mercia_2025_truth.py
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
POLICE_DIR = SHARED / "police_uk" / "west-mercia"
LSOA_LOOKUP = (
    SHARED / "ons" / "LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv"
)
CSP_LOOKUP = (
    SHARED
    / "ons"
    / "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December_2023)_Lookup.csv"
)
POPULATION = SHARED / "ons" / "LAD23_Mid_Year_pop_2011_to_2023.xlsx"
COUNTS_OUT = Path(__file__).with_name("west_mercia_2025_counts.csv")
TOTALS_OUT = Path(__file__).with_name("west_mercia_2025_csp_totals.csv")

WEST_MERCIA_PFA = "E23000016"
ASB = "Anti-social behaviour"
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
NO_LOCATION = "no location"
NOT_IN_LOOKUP = "LSOA not in lookup"
LSOA11_NO_LOOKUP = "2011 LSOA without an LSOA11 lookup"
OUTSIDE = "outside the force's area"
REASONS = (NO_LOCATION, NOT_IN_LOOKUP, LSOA11_NO_LOOKUP, OUTSIDE)
# Last LSOA numbers of the 2011 geography (ONS LSOA 2011 names and codes); higher were new in 2021.
LAST_2011 = {"E": 33768, "W": 1958}
SOURCE_NOTE = (
    "# West Mercia Police, police.uk street-level crime January-December 2025, assigned to CSPs\n"
    "# with the ONS LSOA21 -> LAD23 best-fit lookup and the ONS LAD -> CSP -> PFA (Dec 2023)\n"
    "# lookup{population}.\n"
    "# Source: police.uk and Office for National Statistics, Open Government Licence v3.0.\n"
    "# Aggregate figures only. Made by tests/reference/make_west_mercia_2025_truth.py\n"
    "# (independently of csp_analysis); checked by tests/backtest/test_west_mercia_2025.py.\n"
)


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def west_mercia_csps() -> tuple[dict[str, str], dict[str, str]]:
    """(LAD code -> CSP code, CSP code -> ONS CSP name) for West Mercia, from the ONS lookup."""
    csp_of_lad, name_of_csp = {}, {}
    for row in read_csv_rows(CSP_LOOKUP):
        if row["PFA23CD"] == WEST_MERCIA_PFA:
            csp_of_lad[row["LAD23CD"]] = row["CSP23CD"]
            name_of_csp[row["CSP23CD"]] = row["CSP23NM"]
    assert len(name_of_csp) == 5 and len(csp_of_lad) == 9, (name_of_csp, csp_of_lad)
    return csp_of_lad, name_of_csp


def reason_or_csp(code: str, lad_of_lsoa: dict[str, str], csp_of_lad: dict[str, str]):
    """(csp_code, None) for an assigned row, (None, reason) otherwise."""
    if code == "":
        return None, NO_LOCATION
    lad = lad_of_lsoa.get(code)
    if lad is None:
        match = re.fullmatch(r"([EW])01(\d{6})", code)
        in_2011_range = match is not None and int(match.group(2)) <= LAST_2011[match.group(1)]
        return None, LSOA11_NO_LOOKUP if in_2011_range else NOT_IN_LOOKUP
    csp = csp_of_lad.get(lad)
    return (csp, None) if csp is not None else (None, OUTSIDE)


def mid_2023_population(csp_of_lad: dict[str, str]) -> dict[str, int]:
    sheet = pd.read_excel(POPULATION, sheet_name="MYE4", header=7, dtype={"Code": str})
    by_lad = dict(zip(sheet["Code"], sheet["Mid-2023"], strict=True))
    population: Counter = Counter()
    for lad, csp in csp_of_lad.items():
        population[csp] += int(by_lad[lad])
    return dict(population)


def published_rate(count: int, population: int) -> int:
    """count x 1000 / population rounded to a whole number, halves up, exactly."""
    value = Fraction(count * 1000, population)
    whole = int(value)
    return whole + (1 if value - whole >= Fraction(1, 2) else 0)


def main() -> None:
    files = sorted(POLICE_DIR.glob("2025-*-west-mercia-street.csv"))
    assert [f.name[:7] for f in files] == MONTHS, files
    lad_of_lsoa = {row["LSOA21CD"]: row["LAD23CD"] for row in read_csv_rows(LSOA_LOOKUP)}
    csp_of_lad, name_of_csp = west_mercia_csps()
    csps = sorted(name_of_csp)

    rows_read = 0
    by_type: Counter = Counter()
    by_month: Counter = Counter()
    unassigned: Counter = Counter()
    crime_types: set[str] = set()
    for path in files:
        for row in read_csv_rows(path):
            rows_read += 1
            crime_type, month = row["Crime type"], row["Month"]
            crime_types.add(crime_type)
            csp, reason = reason_or_csp(row["LSOA code"].strip(), lad_of_lsoa, csp_of_lad)
            if reason is not None:
                unassigned[reason] += 1
                continue
            by_type[csp, crime_type] += 1
            by_month[csp, "asb" if crime_type == ASB else "all_crime", month] += 1
    assert set(by_month) <= {(c, s, m) for c in csps for s in ("all_crime", "asb") for m in MONTHS}
    assert rows_read == sum(by_type.values()) + sum(unassigned.values())

    counts = [("rows_read", "", "", "", rows_read)]
    for csp in csps:
        counts.append(("csp_rows", csp, "", "", sum(by_type[csp, t] for t in crime_types)))
    for csp in csps:
        for crime_type in sorted(crime_types):
            counts.append(("csp_crime_type", csp, crime_type, "", by_type[csp, crime_type]))
    for csp in csps:
        for series in ("all_crime", "asb"):
            for month in MONTHS:
                counts.append(("csp_month", csp, series, month, by_month[csp, series, month]))
    for reason in REASONS:
        counts.append(("unassigned", "", reason, "", unassigned[reason]))
    with COUNTS_OUT.open("w", newline="") as handle:
        handle.write("# Backtest ground truth: record counts.\n")
        handle.write(SOURCE_NOTE.format(population=""))
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["figure", "csp_code", "category", "month", "count"])
        writer.writerows(counts)

    population = mid_2023_population(csp_of_lad)
    with TOTALS_OUT.open("w", newline="") as handle:
        handle.write("# Backtest ground truth: calendar-2025 counts and rates per 1,000 per CSP.\n")
        handle.write(
            SOURCE_NOTE.format(population=", with ONS mid-2023 population (MYE4, June 2023)")
        )
        writer = csv.writer(handle, lineterminator="\n")
        header = ["csp_code", "csp_ons_name", "population_mid2023"]
        for series in ("all_crime", "asb"):
            header += [f"{series}_count", f"{series}_rate", f"{series}_published_rate"]
        writer.writerow(header)
        for csp in csps:
            line = [csp, name_of_csp[csp], population[csp]]
            for series in ("all_crime", "asb"):
                count = sum(by_month[csp, series, m] for m in MONTHS)
                rate = Fraction(count * 1000, population[csp])
                line += [count, f"{float(rate):.6f}", published_rate(count, population[csp])]
            writer.writerow(line)
    print(f"wrote {COUNTS_OUT.name} ({len(counts)} figures) and {TOTALS_OUT.name}")


if __name__ == "__main__":
    main()
