"""Synthetic demonstration data: the project's embedded default input.

``csp-analysis demo-data`` writes, deterministically from a seed, ten financial years (April 2016
to March 2026) of data for the five West Mercia Community Safety Partnerships in the formats of
the real sources, so every loader, analysis and report can run without real data:

* monthly police.uk street-level files (``police_uk/YYYY-MM/YYYY-MM-west-mercia-street.csv``);
* an ONS-format LSOA21 -> ward -> LAD23 best-fit lookup for the synthetic LSOAs
  (``lsoa_lookup.csv``);
* a local police extract with Home Office offence codes, domestic abuse, hate and alcohol flags
  and victim sex (``local_extract.csv``);
* quarterly partner indicators with targets (``indicators.csv``);
* the known truth behind the counts (``truth.json``) and a ``DEMO_DATA`` marker.

Everything built from it must be labelled :data:`LABEL` ("Synthetic demonstration data").

The model
---------
For CSP *c*, police.uk crime type *k* and month *t* the expected count is::

    mu[c,k,t] = base[c,k]
                * (1 + trend[c,k]) ** ((t - 2016-04) in months / 12)
                * seasonal[k][calendar month of t]        (12 factors, Jan..Dec, mean exactly 1)
                * lockdown[k].get(t, 1)                   (COVID-19 lockdown months)
                * product of step[k].multiplier for every step with step.from <= t

and the observed count is negative binomial with that mean and size ``dispersion[k]``
(variance ``mu + mu**2 / size``), drawn as ``numpy.random.Generator.negative_binomial(size,
size / (size + mu))``. Each count is then spread over the CSP's synthetic LSOAs by a multinomial
draw with per-LSOA, per-type gamma weights (so some LSOAs are hot spots). ``base`` is the
expected count in the reference month, April 2016, before its seasonal factor.

On top of the CSP series, rows that no CSP owns are added as in the real files: "No Location"
rows (empty coordinates and LSOA) at ``NO_LOCATION_SHARE[k] * sum_c mu[c,k,t]`` and rows in
LSOAs of districts outside the force at ``OUTSIDE_FORCE_SHARE * sum_c mu[c,k,t]``, both Poisson.
They are never part of a CSP series, so an ingest that assigns rows by LSOA recovers the truth.

Calibration (see ``scripts/calibrate_demo.py``, which computes every figure below from the real
files read in place): ``base`` is solved so that the expected 2025 calendar-year total of every
CSP x crime type equals the real police.uk West Mercia count for January-December 2025;
outcome mixes, "No Location" and outside-force shares come from the same files; LSOA and ward
counts per district from the ONS LSOA21 best-fit lookup; offence-code weights from the Home
Office police recorded crime open data table for West Mercia, 2017/18. Seasonality, trends,
lockdown effects and recording-practice steps are stylised from published national patterns
(ONS Crime in England and Wales; HMICFRS crime data integrity; Home Office Counting Rules), not
estimated from the one real year. Flag and victim-sex shares are stylised to match published
proportions (about a third of violence domestic abuse related, ~15% of crime overall).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.core.offences import OFFENCES
from csp_analysis.core.paths import DEMO_RAW_DIR
from csp_analysis.core.schema import ASB, POLICE_UK_CRIME_TYPES

LABEL = "Synthetic demonstration data"
DEFAULT_SEED = 2016
DEFAULT_START = "2016-04"
DEFAULT_END = "2026-03"
REFERENCE_MONTH = "2016-04"  # month in which base_monthly_mean applies, whatever the span
FORCE_SLUG = "west-mercia"
FORCE_NAME = "West Mercia Police"

MARKER_FILE = "DEMO_DATA"
TRUTH_FILE = "truth.json"
LOOKUP_FILE = "lsoa_lookup.csv"
EXTRACT_FILE = "local_extract.csv"
INDICATORS_FILE = "indicators.csv"
POLICE_UK_DIR = "police_uk"

STREET_COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
LOOKUP_COLUMNS = [
    "LSOA21CD", "LSOA21NM", "LSOA21NMW", "WD23CD", "WD23NM", "WD23NMW",
    "LAD23CD", "LAD23NM", "LAD23NMW", "ObjectId",
]  # fmt: skip
EXTRACT_COLUMNS = [
    "CrimeRef", "RecordedMonth", "LSOA", "HOOffenceCode", "HOOffenceSubgroup",
    "PoliceUKCategory", "DomesticAbuse", "HateFlag", "AlcoholFlag", "VictimSex", "Outcome",
]  # fmt: skip
INDICATORS_COLUMNS = [
    "area_code", "area_name", "period_type", "period", "indicator", "value", "unit", "target",
    "direction",
]  # fmt: skip
NO_LOCATION = "No Location"  # police.uk's spelling, capital L (West Mercia 2025 files)

# Synthetic codes cannot collide with real ones: real LSOA21 codes run E01000001-E01035xxx and
# W01000001-W0100xxxx, real ward codes E05000xxx-E0501xxxx.
SYNTHETIC_LSOA_PREFIX = "E019"
SYNTHETIC_WARD_PREFIX = "E059"
SYNTHETIC_SUFFIX = " (synthetic)"

LOCKDOWNS = {
    "first": ("2020-04", "2020-06"),
    "second": ("2020-11", "2020-11"),
    "third": ("2021-01", "2021-03"),
}

# The five West Mercia CSPs: ONS CSP23 code, display name (config/areas.yaml), districts
# (ONS LAD23 codes), and mid-2023 population (sum of districts, ONS MYE4, as in areas.yaml).
# Pinned here rather than read from config/areas.yaml so that editing the configuration never
# changes the demonstration data.
CSPS: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("E22000326", "Herefordshire", ("E06000019",), 189_890),
    ("E22000360", "Shropshire", ("E06000051",), 329_260),
    ("E22000333", "Telford and Wrekin", ("E06000020",), 191_915),
    ("E22000368", "North Worcestershire", ("E07000234", "E07000236", "E07000239"), 290_991),
    ("E22000332", "South Worcestershire", ("E07000235", "E07000237", "E07000238"), 323_194),
)

# ---------------------------------------------------------------------------- calibration
# Source of every constant in this block: scripts/calibrate_demo.py run on ../shared/data
# (police.uk West Mercia street files 2025-01..2025-12, 102,105 rows; ONS LSOA21 -> WD23 -> LAD23
# best-fit lookup; Home Office prc-pfa-201718_new.csv). Aggregates only. Contains public sector
# information licensed under the Open Government Licence v3.0.

# Real police.uk rows in 2025 per CSP and crime type, assigned by LSOA -> LAD23 -> CSP.
REAL_2025_COUNTS: dict[str, dict[str, int]] = {
    "E22000326": {  # Herefordshire
        "Anti-social behaviour": 1968, "Bicycle theft": 106, "Burglary": 480,
        "Criminal damage and arson": 1042, "Drugs": 352, "Other crime": 300, "Other theft": 748,
        "Possession of weapons": 132, "Public order": 780, "Robbery": 56, "Shoplifting": 937,
        "Theft from the person": 44, "Vehicle crime": 276, "Violence and sexual offences": 4727,
    },
    "E22000360": {  # Shropshire
        "Anti-social behaviour": 3341, "Bicycle theft": 183, "Burglary": 812,
        "Criminal damage and arson": 1643, "Drugs": 461, "Other crime": 471,
        "Other theft": 1300, "Possession of weapons": 182, "Public order": 1283, "Robbery": 122,
        "Shoplifting": 1523, "Theft from the person": 63, "Vehicle crime": 540,
        "Violence and sexual offences": 8060,
    },
    "E22000333": {  # Telford and Wrekin
        "Anti-social behaviour": 3000, "Bicycle theft": 113, "Burglary": 507,
        "Criminal damage and arson": 1228, "Drugs": 633, "Other crime": 451,
        "Other theft": 1028, "Possession of weapons": 227, "Public order": 1266, "Robbery": 149,
        "Shoplifting": 1838, "Theft from the person": 48, "Vehicle crime": 456,
        "Violence and sexual offences": 7444,
    },
    "E22000368": {  # North Worcestershire
        "Anti-social behaviour": 4011, "Bicycle theft": 101, "Burglary": 1052,
        "Criminal damage and arson": 1745, "Drugs": 510, "Other crime": 532,
        "Other theft": 1553, "Possession of weapons": 273, "Public order": 1567, "Robbery": 232,
        "Shoplifting": 2087, "Theft from the person": 84, "Vehicle crime": 1233,
        "Violence and sexual offences": 8656,
    },
    "E22000332": {  # South Worcestershire
        "Anti-social behaviour": 4357, "Bicycle theft": 231, "Burglary": 1195,
        "Criminal damage and arson": 1896, "Drugs": 486, "Other crime": 602,
        "Other theft": 1634, "Possession of weapons": 282, "Public order": 1764, "Robbery": 245,
        "Shoplifting": 2604, "Theft from the person": 96, "Vehicle crime": 1105,
        "Violence and sexual offences": 9342,
    },
}  # fmt: skip

# Share of each type's 2025 rows with "No Location" (1,962 of 102,105 rows in all, 1.9%).
NO_LOCATION_SHARE: dict[str, float] = {
    "Anti-social behaviour": 0.0066, "Bicycle theft": 0.0041, "Burglary": 0.0068,
    "Criminal damage and arson": 0.0086, "Drugs": 0.0184, "Other crime": 0.0352,
    "Other theft": 0.0133, "Possession of weapons": 0.0108, "Public order": 0.0111,
    "Robbery": 0.0086, "Shoplifting": 0.0031, "Theft from the person": 0.0261,
    "Vehicle crime": 0.0104, "Violence and sexual offences": 0.0344,
}  # fmt: skip
# Share of 2025 rows in LSOAs of districts outside the force (348 of 102,105).
OUTSIDE_FORCE_SHARE = 0.0034

# Real 2025 "Last outcome category" counts per crime type (ASB has none).
OUTCOME_WEIGHTS: dict[str, dict[str, int]] = {
    "Bicycle theft": {
        "Investigation complete; no suspect identified": 517, "Unable to prosecute suspect": 160,
        "Status update unavailable": 30, "Court result unavailable": 20,
        "Awaiting court outcome": 8, "Local resolution": 2, "Offender given a caution": 1,
    },
    "Burglary": {
        "Investigation complete; no suspect identified": 2586, "Unable to prosecute suspect": 960,
        "Status update unavailable": 353, "Court result unavailable": 120,
        "Awaiting court outcome": 53, "Local resolution": 7, "Offender given a caution": 4,
        "Further action is not in the public interest": 4,
        "Suspect charged as part of another case": 3,
        "Formal action is not in the public interest": 1,
        "Action to be taken by another organisation": 1,
    },
    "Criminal damage and arson": {
        "Investigation complete; no suspect identified": 3765,
        "Unable to prosecute suspect": 2888, "Status update unavailable": 375,
        "Court result unavailable": 234, "Local resolution": 150, "Awaiting court outcome": 138,
        "Offender given a caution": 88, "Further action is not in the public interest": 16,
        "Action to be taken by another organisation": 11,
        "Formal action is not in the public interest": 3,
    },
    "Drugs": {
        "Unable to prosecute suspect": 589, "Status update unavailable": 544,
        "Local resolution": 433, "Investigation complete; no suspect identified": 358,
        "Court result unavailable": 316, "Awaiting court outcome": 180,
        "Offender given a caution": 41, "Formal action is not in the public interest": 13,
        "Further action is not in the public interest": 12,
        "Action to be taken by another organisation": 4,
        "Further investigation is not in the public interest": 4,
        "Offender given a drugs possession warning": 2,
    },
    "Other crime": {
        "Unable to prosecute suspect": 1099, "Status update unavailable": 593,
        "Investigation complete; no suspect identified": 264,
        "Further action is not in the public interest": 191, "Court result unavailable": 103,
        "Awaiting court outcome": 79, "Further investigation is not in the public interest": 74,
        "Action to be taken by another organisation": 16, "Offender given a caution": 14,
        "Local resolution": 10, "Formal action is not in the public interest": 3,
    },
    "Other theft": {
        "Investigation complete; no suspect identified": 3501,
        "Unable to prosecute suspect": 2274, "Status update unavailable": 408,
        "Local resolution": 63, "Court result unavailable": 54, "Awaiting court outcome": 41,
        "Offender given a caution": 18, "Further action is not in the public interest": 11,
        "Action to be taken by another organisation": 9,
        "Formal action is not in the public interest": 2,
    },
    "Possession of weapons": {
        "Unable to prosecute suspect": 545, "Status update unavailable": 198,
        "Court result unavailable": 137, "Investigation complete; no suspect identified": 89,
        "Awaiting court outcome": 71, "Offender given a caution": 37,
        "Further action is not in the public interest": 10, "Local resolution": 9,
        "Formal action is not in the public interest": 8,
        "Action to be taken by another organisation": 5,
        "Further investigation is not in the public interest": 2,
    },
    "Public order": {
        "Unable to prosecute suspect": 4146, "Investigation complete; no suspect identified": 1352,
        "Status update unavailable": 533, "Court result unavailable": 328,
        "Awaiting court outcome": 207, "Local resolution": 87, "Offender given a caution": 43,
        "Further action is not in the public interest": 28,
        "Action to be taken by another organisation": 18,
        "Formal action is not in the public interest": 5,
        "Further investigation is not in the public interest": 3,
    },
    "Robbery": {
        "Unable to prosecute suspect": 383, "Investigation complete; no suspect identified": 215,
        "Status update unavailable": 111, "Court result unavailable": 58,
        "Awaiting court outcome": 42, "Action to be taken by another organisation": 1,
        "Further action is not in the public interest": 1, "Offender given a caution": 1,
        "Local resolution": 1,
    },
    "Shoplifting": {
        "Investigation complete; no suspect identified": 3344,
        "Unable to prosecute suspect": 2301, "Court result unavailable": 2069,
        "Awaiting court outcome": 665, "Status update unavailable": 323,
        "Local resolution": 217, "Offender given a caution": 76,
        "Formal action is not in the public interest": 16,
        "Further action is not in the public interest": 11,
        "Further investigation is not in the public interest": 3,
        "Suspect charged as part of another case": 2,
        "Action to be taken by another organisation": 1,
    },
    "Theft from the person": {
        "Unable to prosecute suspect": 163, "Investigation complete; no suspect identified": 149,
        "Status update unavailable": 23, "Court result unavailable": 6, "Local resolution": 3,
        "Offender given a caution": 1,
    },
    "Vehicle crime": {
        "Investigation complete; no suspect identified": 2681, "Unable to prosecute suspect": 717,
        "Status update unavailable": 169, "Court result unavailable": 53,
        "Awaiting court outcome": 28, "Action to be taken by another organisation": 9,
        "Offender given a caution": 3, "Further action is not in the public interest": 2,
        "Formal action is not in the public interest": 2, "Local resolution": 1,
    },
    "Violence and sexual offences": {
        "Unable to prosecute suspect": 27775, "Status update unavailable": 4948,
        "Investigation complete; no suspect identified": 3383, "Court result unavailable": 1200,
        "Awaiting court outcome": 922, "Local resolution": 452,
        "Action to be taken by another organisation": 443, "Offender given a caution": 291,
        "Further action is not in the public interest": 237,
        "Further investigation is not in the public interest": 30,
        "Formal action is not in the public interest": 21,
    },
}  # fmt: skip

# Districts: LAD23 code -> (name as in the ONS lookup, real LSOA21 count, real ward count,
# mean latitude and longitude of the district's 2025 police.uk points, and their SDs).
DISTRICTS: dict[str, tuple[str, int, int, float, float, float, float]] = {
    "E06000019": ("Herefordshire", 117, 53, 52.078, -2.692, 0.093, 0.119),
    "E06000051": ("Shropshire", 198, 63, 52.712, -2.720, 0.155, 0.194),
    "E06000020": ("Telford and Wrekin", 115, 32, 52.684, -2.461, 0.034, 0.036),
    "E07000234": ("Bromsgrove", 60, 30, 52.359, -2.027, 0.032, 0.067),
    "E07000236": ("Redditch", 57, 12, 52.300, -1.930, 0.012, 0.022),
    "E07000239": ("Wyre Forest", 67, 12, 52.377, -2.261, 0.022, 0.031),
    "E07000235": ("Malvern Hills", 45, 18, 52.142, -2.313, 0.068, 0.078),
    "E07000237": ("Worcester", 64, 15, 52.196, -2.213, 0.010, 0.020),
    "E07000238": ("Wychavon", 81, 27, 52.158, -2.042, 0.084, 0.110),
}
# Neighbouring districts outside the force where the real files place a few rows (Stratford-on-
# Avon and Birmingham are the two largest in 2025): a handful of synthetic LSOAs each, placed
# near the shared boundary. Real LAD23 codes and names, so an ingest sees "outside the
# configured areas".
OUTSIDE_DISTRICTS: dict[str, tuple[str, int, float, float]] = {
    "E07000221": ("Stratford-on-Avon", 4, 52.240, -1.860),
    "E08000025": ("Birmingham", 3, 52.395, -1.990),
    "E07000196": ("South Staffordshire", 2, 52.520, -2.250),
}

# West Mercia offences recorded in 2017/18 by Home Office offence code (all four quarters),
# the weights for drawing a crime's offence code within its police.uk category.
HOME_OFFICE_WEST_MERCIA_201718: dict[str, int] = {
    "1/4.1/4.10/4.2": 17, "104": 383, "105A": 10230, "105B": 90, "106": 47, "10A": 35,
    "10B": 50, "10C": 255, "10D": 316, "11A": 354, "126": 865, "13": 28, "15": 1, "17A": 106,
    "17B": 93, "19C": 754, "19D": 175, "19E": 132, "19F": 39, "19G": 25, "19H": 56, "2": 8,
    "20A": 722, "20B": 226, "21": 257, "22A": 9, "22B": 503, "23": 12, "24": 1, "26": 1,
    "28E": 4736, "28F": 848, "28G": 45, "28H": 6, "29A": 35, "30C": 2014, "30D": 329,
    "31A": 2, "33": 41, "33A": 17, "34A": 64, "34B": 486, "35": 125, "36": 82, "37.2": 79,
    "38": 49, "39": 789, "3A": 1, "3B": 492, "4.3": 1, "4.4": 20, "4.7": 4, "4.8": 4,
    "40": 1030, "41": 196, "42": 49, "43": 19, "44": 1158, "45": 3846, "46": 7453, "47": 69,
    "48": 1217, "49": 6079, "49A": 1618, "54": 64, "56A": 67, "56B": 375, "58A": 2414,
    "58B": 773, "58C": 4212, "58D": 2665, "58J": 36, "59": 271, "5D": 501, "5E": 13, "60": 4,
    "61": 119, "61A": 2, "62A": 39, "66": 1022, "67": 1, "69": 49, "70": 5, "71": 36, "73": 5,
    "76": 4, "79": 199, "80": 40, "802": 76, "81": 55, "814": 5, "86": 529, "88A": 110,
    "88C": 5, "88D": 2, "88E": 165, "8L": 2264, "8M": 20, "8N": 9338, "8P": 48, "8Q": 467,
    "8R": 3618, "8S": 198, "92A": 531, "92C": 7, "92D": 476, "92E": 1162, "95": 5, "96": 3,
    "99": 113, "9A": 2906, "9B": 538,
}  # fmt: skip

# ---------------------------------------------------------------------------- the known truth
# Stylised, not estimated: per crime type, the annual trend (% a year), the calendar month of
# the seasonal peak and its amplitude (factor = 1 + amplitude * cos(2 pi (month - peak) / 12),
# so the 12 factors average exactly 1), the negative binomial size, and lockdown multipliers
# for (Apr 2020, May 2020, Jun 2020, Nov 2020, Jan-Mar 2021). Directions follow ONS Crime in
# England and Wales: ASB surged in lockdowns (breaches of the rules were logged as ASB) while
# acquisitive crime fell; drug offences rose with proactive policing of empty streets.


@dataclass(frozen=True)
class TypeModel:
    trend_pct: float
    peak_month: int
    amplitude: float
    dispersion: float
    lockdown: tuple[float, float, float, float, float]


TYPE_MODELS: dict[str, TypeModel] = {
    "Anti-social behaviour": TypeModel(-3.0, 7, 0.22, 40, (1.60, 1.55, 1.35, 1.30, 1.40)),
    "Bicycle theft": TypeModel(-2.0, 7, 0.35, 60, (0.85, 1.05, 1.10, 0.80, 0.70)),
    "Burglary": TypeModel(-5.0, 12, 0.12, 50, (0.65, 0.70, 0.80, 0.80, 0.72)),
    "Criminal damage and arson": TypeModel(-1.0, 10, 0.06, 60, (0.85, 0.90, 0.95, 0.92, 0.88)),
    "Drugs": TypeModel(0.5, 3, 0.05, 40, (1.35, 1.40, 1.25, 1.15, 1.20)),
    "Other crime": TypeModel(4.0, 3, 0.04, 50, (0.90, 0.95, 1.00, 0.95, 0.95)),
    "Other theft": TypeModel(-2.5, 8, 0.06, 50, (0.55, 0.60, 0.75, 0.75, 0.65)),
    "Possession of weapons": TypeModel(3.0, 6, 0.06, 50, (0.95, 1.00, 1.05, 1.00, 0.95)),
    "Public order": TypeModel(2.0, 7, 0.10, 50, (0.95, 1.05, 1.10, 0.95, 0.92)),
    "Robbery": TypeModel(-1.0, 11, 0.08, 60, (0.55, 0.60, 0.75, 0.75, 0.65)),
    "Shoplifting": TypeModel(6.0, 12, 0.06, 45, (0.55, 0.60, 0.75, 0.75, 0.65)),
    "Theft from the person": TypeModel(-1.0, 12, 0.10, 60, (0.35, 0.40, 0.55, 0.55, 0.45)),
    "Vehicle crime": TypeModel(-4.0, 11, 0.08, 45, (0.65, 0.65, 0.75, 0.85, 0.75)),
    "Violence and sexual offences": TypeModel(3.0, 7, 0.09, 100, (0.80, 0.88, 0.92, 0.90, 0.85)),
}
# Local departures from the type trend (percentage points a year), so CSPs differ.
CSP_TREND_ADJUSTMENT: dict[tuple[str, str], float] = {
    ("E22000333", "Shoplifting"): 3.0,
    ("E22000368", "Burglary"): -2.0,
    ("E22000326", "Violence and sexual offences"): -1.0,
    ("E22000332", "Vehicle crime"): 2.0,
    ("E22000360", "Anti-social behaviour"): -2.0,
}
# Recording-practice step changes: (first month in force, multiplier, reason), every CSP.
STEP_CHANGES: dict[str, tuple[tuple[str, float, str], ...]] = {
    "Violence and sexual offences": (
        ("2018-04", 1.15, "recording-standards change: crime data integrity improvement "
         "after HMICFRS inspection (more violence, stalking and harassment recorded)"),
        ("2023-05", 0.93, "Home Office Counting Rules change: principal crime rule for "
         "stalking, harassment and controlling behaviour (fewer secondary crimes recorded)"),
    ),
    "Public order": (
        ("2018-04", 1.20, "recording-standards change: public fear, alarm or distress "
         "recorded as crimes rather than incidents"),
    ),
}  # fmt: skip

# Share of LSOA-level concentration by type: the gamma shape of the per-type weight modifier
# (smaller = more concentrated). Shoplifting sits in the few LSOAs with shops.
LSOA_CONCENTRATION: dict[str, float] = {
    "Anti-social behaviour": 1.5, "Bicycle theft": 1.0, "Burglary": 4.0,
    "Criminal damage and arson": 3.0, "Drugs": 0.8, "Other crime": 2.0, "Other theft": 1.5,
    "Possession of weapons": 1.2, "Public order": 1.5, "Robbery": 0.8, "Shoplifting": 0.35,
    "Theft from the person": 0.6, "Vehicle crime": 3.0, "Violence and sexual offences": 2.0,
}  # fmt: skip

# ---------------------------------------------------------------------------- flags and victims
# Stylised to published proportions (ONS Domestic abuse in England and Wales; Home Office Hate
# crime statistics): about a third of violence and ~15% of all crime domestic abuse related,
# hate crime 2-3% of crime, mostly public order and violence; alcohol in ~15% of violence.
DOMESTIC_ABUSE_BY_SUBGROUP = {
    "Violence with injury": 0.34, "Violence without injury": 0.34,
    "Stalking and harassment": 0.34, "Rape offences": 0.32, "Other sexual offences": 0.10,
    "Homicide": 0.25, "Criminal damage": 0.07, "Arson": 0.06, "Public order offences": 0.04,
    "Other theft offences": 0.02, "Domestic burglary": 0.02, "Miscellaneous crimes": 0.04,
    "Theft of a motor vehicle": 0.01, "Possession of weapons offences": 0.02,
}  # fmt: skip
DOMESTIC_ABUSE_BY_CODE = {  # offences that are never, or unusually often, domestic
    "104": 0.0, "8S": 0.0, "106": 0.0, "4.4": 0.0, "4.8": 0.0, "4.9": 0.0, "4.6": 0.0,
    "37.1": 0.0, "3B": 0.55, "8Q": 0.55, "11A": 0.25, "79": 0.15,
}  # fmt: skip
HATE_BY_SUBGROUP = {
    "Public order offences": 0.04, "Violence with injury": 0.010,
    "Violence without injury": 0.015, "Stalking and harassment": 0.02, "Criminal damage": 0.01,
}  # fmt: skip
HATE_DEFAULT = 0.002
# Racially or religiously aggravated offences are hate crimes by definition.
HATE_CODES = frozenset({"105B", "8P", "8M", "58J", "9B"})
ALCOHOL_BY_SUBGROUP = {
    "Violence with injury": 0.24, "Violence without injury": 0.17,
    "Stalking and harassment": 0.03, "Rape offences": 0.10, "Other sexual offences": 0.06,
    "Homicide": 0.20, "Public order offences": 0.18, "Criminal damage": 0.07, "Arson": 0.05,
}  # fmt: skip
ALCOHOL_DEFAULT = 0.02
# Victim sex probabilities (F, M); the rest is U (unknown or no individual victim).
VICTIM_SEX_DOMESTIC = (0.76, 0.23)
VICTIM_SEX_BY_SUBGROUP = {
    "Rape offences": (0.87, 0.12), "Other sexual offences": (0.82, 0.16),
    "Violence with injury": (0.40, 0.58), "Violence without injury": (0.42, 0.56),
    "Stalking and harassment": (0.62, 0.36), "Homicide": (0.30, 0.68),
    "Domestic burglary": (0.45, 0.45), "Non-domestic burglary": (0.05, 0.10),
    "Theft from a vehicle": (0.35, 0.55), "Theft of a motor vehicle": (0.35, 0.55),
    "Vehicle interference": (0.35, 0.55), "Bicycle theft": (0.25, 0.65),
    "Theft from the person": (0.55, 0.42), "Robbery of personal property": (0.25, 0.72),
    "Robbery of business property": (0.05, 0.10), "Shoplifting": (0.02, 0.02),
    "Other theft offences": (0.40, 0.45), "Criminal damage": (0.38, 0.47),
    "Arson": (0.30, 0.40), "Public order offences": (0.35, 0.35),
    "Possession of weapons offences": (0.02, 0.03), "Trafficking of drugs": (0.0, 0.0),
    "Possession of drugs": (0.0, 0.0), "Miscellaneous crimes": (0.20, 0.20),
}  # fmt: skip
VICTIM_SEX_BY_CODE = {  # offences defined by the victim's sex
    "17A": (0.0, 1.0), "17B": (0.0, 1.0), "19F": (0.0, 1.0), "19G": (0.0, 1.0),
    "19H": (0.0, 1.0), "19C": (1.0, 0.0), "19D": (1.0, 0.0), "19E": (1.0, 0.0),
    "20A": (1.0, 0.0), "20B": (1.0, 0.0), "104": (0.3, 0.7), "8S": (0.3, 0.7),
}  # fmt: skip

# ---------------------------------------------------------------------------- streets
_STREET_STEMS = (
    "Abbey", "Acorn", "Alder", "Ash", "Aston", "Badger", "Barley", "Beech", "Birch", "Bishop",
    "Bramble", "Brook", "Castle", "Cedar", "Chapel", "Cherry", "Church", "Clover", "Coppice",
    "Court", "Crown", "Dale", "Elm", "Fern", "Field", "Forge", "Fox", "Garden", "Glebe",
    "Hawthorn", "Hazel", "Heath", "Hill", "Holly", "Kestrel", "Kingfisher", "Larch", "Laurel",
    "Lime", "Linden", "Malthouse", "Manor", "Maple", "Meadow", "Mill", "Oak", "Orchard",
    "Park", "Priory", "Quarry", "Rectory", "Rowan", "School", "Severn", "Sheep", "Spring",
    "Station", "Teme", "Tithe", "Vicarage", "Walnut", "Well", "Willow", "Wye", "Yew",
)  # fmt: skip
_STREET_SUFFIXES = (
    "Road", "Street", "Lane", "Close", "Avenue", "Drive", "Way", "Grove", "Crescent", "Place",
    "Gardens", "Walk", "Mews", "Rise", "View",
)  # fmt: skip
_PLACES = (
    "Supermarket", "Shopping Area", "Parking Area", "Petrol Station", "Sports/Recreation Area",
    "Nightclub", "Hospital", "Further/Higher Educational Building", "Police Station",
    "Bus/Coach Station", "Theatre/Concert Hall", "Pedestrian Subway",
)  # fmt: skip
LATITUDE_RANGE = (52.0, 52.9)
LONGITUDE_RANGE = (-3.2, -1.8)

# ---------------------------------------------------------------------------- months


def _parse_month(value: str, what: str) -> int:
    """Return a month as an integer count (year * 12 + month - 1) or raise a clear error."""
    try:
        year_text, month_text = value.split("-")
        year, month = int(year_text), int(month_text)
        if len(year_text) != 4 or len(month_text) != 2 or not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise CspAnalysisError(f"demo-data: {what} {value!r} is not a month YYYY-MM") from None
    return year * 12 + month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _financial_quarter(index: int) -> tuple[str, int]:
    """Financial year label ("2024/25") and quarter (1 = Apr-Jun) of a month index."""
    year, month = divmod(index, 12)  # month 0 = January
    start_year = year if month >= 3 else year - 1
    quarter = ((month - 3) % 12) // 3 + 1
    return f"{start_year}/{(start_year + 1) % 100:02d}", quarter


# ---------------------------------------------------------------------------- the truth


def seasonal_factors(crime_type: str) -> list[float]:
    """Multiplicative seasonal factors of a crime type, January..December, mean exactly 1.

    Parameters
    ----------
    crime_type : str
        A police.uk crime type.

    Returns
    -------
    list of float
        Twelve factors ``1 + amplitude * cos(2 pi (month - peak) / 12)``, renormalised so that
        their mean is 1 to machine precision.
    """
    model = TYPE_MODELS[crime_type]
    months = np.arange(1, 13)
    factors = 1 + model.amplitude * np.cos(2 * np.pi * (months - model.peak_month) / 12)
    factors = factors / factors.mean()
    return [float(f) for f in factors]


def lockdown_multipliers(crime_type: str) -> dict[str, float]:
    """Lockdown multipliers of a crime type by month ("YYYY-MM"), as in ``truth.json``."""
    first_apr, first_may, first_jun, second, third = TYPE_MODELS[crime_type].lockdown
    return {
        "2020-04": first_apr, "2020-05": first_may, "2020-06": first_jun, "2020-11": second,
        "2021-01": third, "2021-02": third, "2021-03": third,
    }  # fmt: skip


def _trend_pct(csp_code: str, crime_type: str) -> float:
    return TYPE_MODELS[crime_type].trend_pct + CSP_TREND_ADJUSTMENT.get((csp_code, crime_type), 0)


def _shape(month_indices: np.ndarray, crime_type: str, trend_pct: float) -> np.ndarray:
    """Expected count relative to ``base`` for the given months (the formula without base)."""
    reference = _parse_month(REFERENCE_MONTH, "reference month")
    years = (month_indices - reference) / 12.0
    seasonal = np.asarray(seasonal_factors(crime_type))[month_indices % 12]
    lockdown = lockdown_multipliers(crime_type)
    lock = np.array([lockdown.get(_month_label(m), 1.0) for m in month_indices])
    steps = np.ones(len(month_indices))
    for start, multiplier, _ in STEP_CHANGES.get(crime_type, ()):
        steps = np.where(month_indices >= _parse_month(start, "step"), steps * multiplier, steps)
    return (1 + trend_pct / 100.0) ** years * seasonal * lock * steps


def build_truth(seed: int = DEFAULT_SEED, start: str = DEFAULT_START, end: str = DEFAULT_END):
    """The known truth behind the demonstration counts, as written to ``truth.json``.

    ``base_monthly_mean`` is solved so that the expected January-December 2025 total of each
    CSP x crime type equals the real West Mercia 2025 count (:data:`REAL_2025_COUNTS`).

    Parameters
    ----------
    seed : int
        Recorded in the truth; the truth itself does not depend on it.
    start, end : str
        First and last month ("YYYY-MM") of the generated span.

    Returns
    -------
    dict
        The ``truth.json`` document (without the indicator signals and expected counts, which
        :func:`generate_demo_data` adds).
    """
    first, last = _parse_month(start, "start"), _parse_month(end, "end")
    if first > last:
        raise CspAnalysisError(f"demo-data: start {start} is after end {end}")
    calendar_2025 = np.arange(_parse_month("2025-01", "m"), _parse_month("2025-12", "m") + 1)
    series = []
    for csp_code, csp_name, _, _ in CSPS:
        for crime_type in POLICE_UK_CRIME_TYPES:
            trend = _trend_pct(csp_code, crime_type)
            base = (
                REAL_2025_COUNTS[csp_code][crime_type]
                / _shape(calendar_2025, crime_type, trend).sum()
            )
            series.append(
                {
                    "csp_code": csp_code,
                    "csp_name": csp_name,
                    "crime_type": crime_type,
                    "base_monthly_mean": round(float(base), 6),
                    "annual_trend_pct": trend,
                    "seasonal_factors": seasonal_factors(crime_type),
                    "lockdown_multipliers": lockdown_multipliers(crime_type),
                    "step_changes": [
                        {"from": s, "multiplier": m, "reason": r}
                        for s, m, r in STEP_CHANGES.get(crime_type, ())
                    ],
                    "dispersion": TYPE_MODELS[crime_type].dispersion,
                    "calibration_2025_count": REAL_2025_COUNTS[csp_code][crime_type],
                }
            )
    return {
        "synthetic": True,
        "label": LABEL,
        "seed": seed,
        "start": _month_label(first),
        "end": _month_label(last),
        "reference_month": REFERENCE_MONTH,
        "lockdowns": {name: list(span) for name, span in LOCKDOWNS.items()},
        "formula": (
            "expected[c,k,t] = base_monthly_mean * (1 + annual_trend_pct/100) ** "
            "(months since reference_month / 12) * seasonal_factors[calendar month - 1] * "
            "lockdown_multipliers.get(t, 1) * product(step.multiplier for steps with from <= t); "
            "observed ~ NegBin(mean=expected, size=dispersion)"
        ),
        "series": series,
        "unassigned": {
            "no_location_share": NO_LOCATION_SHARE,
            "outside_force_share": OUTSIDE_FORCE_SHARE,
            "outside_districts": {code: spec[0] for code, spec in OUTSIDE_DISTRICTS.items()},
            "note": (
                "extra rows per crime type and month, Poisson with mean share * sum of the CSP "
                "expected counts; not part of any CSP series"
            ),
        },
    }


def expected_monthly(truth: dict) -> pd.DataFrame:
    """Expected count of every CSP x crime type x month from a truth document.

    Parameters
    ----------
    truth : dict
        The parsed ``truth.json`` (see :func:`load_truth`).

    Returns
    -------
    pandas.DataFrame
        Columns ``csp_code, csp_name, crime_type, month`` (first day of the month, datetime64)
        and ``expected`` (float), one row per series and month from ``start`` to ``end``.
    """
    first, last = _parse_month(truth["start"], "start"), _parse_month(truth["end"], "end")
    reference = _parse_month(truth.get("reference_month", REFERENCE_MONTH), "reference month")
    months = np.arange(first, last + 1)
    labels = [_month_label(m) for m in months]
    frames = []
    for s in truth["series"]:
        years = (months - reference) / 12.0
        value = s["base_monthly_mean"] * (1 + s["annual_trend_pct"] / 100.0) ** years
        value = value * np.asarray(s["seasonal_factors"])[months % 12]
        value = value * np.array([s["lockdown_multipliers"].get(lb, 1.0) for lb in labels])
        for step in s["step_changes"]:
            value = np.where(months >= _parse_month(step["from"], "step"),
                             value * step["multiplier"], value)  # fmt: skip
        frames.append(
            pd.DataFrame(
                {
                    "csp_code": s["csp_code"],
                    "csp_name": s["csp_name"],
                    "crime_type": s["crime_type"],
                    "month": pd.to_datetime(labels, format="%Y-%m"),
                    "expected": value,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def is_demo_data(directory: str | Path) -> bool:
    """Whether ``directory`` was written by ``csp-analysis demo-data`` (has the marker file)."""
    return (Path(directory) / MARKER_FILE).is_file()


def load_truth(demo_dir: str | Path = DEMO_RAW_DIR) -> dict:
    """Read ``truth.json`` from a demonstration data directory.

    Raises
    ------
    CspAnalysisError
        When the directory holds no demonstration data.
    """
    path = Path(demo_dir) / TRUTH_FILE
    if not path.is_file():
        raise CspAnalysisError(
            f"{path}: no truth file; generate the data with `csp-analysis demo-data`"
        )
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------- geography


@dataclass
class _Geography:
    lookup: pd.DataFrame  # the lsoa_lookup.csv table
    lsoa_code: np.ndarray  # all synthetic LSOAs, in-force first then outside
    lsoa_name: np.ndarray
    lsoa_csp: np.ndarray  # CSP index, -1 outside the force
    weights: np.ndarray  # (n_lsoa, n_types) sampling weights
    street_start: np.ndarray  # first street point of each LSOA
    street_count: np.ndarray
    street_name: np.ndarray  # "On or near ..."
    street_lat: np.ndarray
    street_lon: np.ndarray


def _truncated_normal(rng: np.random.Generator, mean, sd, bounds: tuple[float, float]):
    """Normal draws redrawn until inside ``bounds`` (clipping would pile points on the edge)."""
    scalar = np.ndim(mean) == 0
    mean = np.atleast_1d(np.asarray(mean, dtype=float))
    value = rng.normal(mean, sd)
    outside = (value < bounds[0]) | (value > bounds[1])
    while np.any(outside):
        value[outside] = rng.normal(mean[outside], sd)
        outside = (value < bounds[0]) | (value > bounds[1])
    return float(value[0]) if scalar else value


def _build_geography(rng: np.random.Generator) -> _Geography:
    """Synthetic LSOAs, wards and street points, and per-LSOA gamma weights."""
    rows = []
    lsoa_csp = []
    centres = []
    serial = 0
    ward_serial = 0
    csp_of_lad = {lad: i for i, (_, _, lads, _) in enumerate(CSPS) for lad in lads}
    districts = [(lad, spec[0], spec[1], spec[2], spec[3:]) for lad, spec in DISTRICTS.items()]
    districts += [
        (lad, name, count, 1, (lat, lon, 0.01, 0.01))
        for lad, (name, count, lat, lon) in OUTSIDE_DISTRICTS.items()
    ]
    for lad, lad_name, n_lsoa, n_ward, (lat, lon, sd_lat, sd_lon) in districts:
        # LSOAs come in MSOA groups of 4-6, named like ONS names: "<district> 001A".
        msoa_sizes = []
        while sum(msoa_sizes) < n_lsoa:
            msoa_sizes.append(int(rng.integers(4, 7)))
        msoa_sizes[-1] -= sum(msoa_sizes) - n_lsoa
        ward_codes = [f"{SYNTHETIC_WARD_PREFIX}{ward_serial + w + 1:05d}" for w in range(n_ward)]
        ward_names = [f"{lad_name} ward {w + 1:02d}{SYNTHETIC_SUFFIX}" for w in range(n_ward)]
        ward_serial += n_ward
        k = 0
        for msoa, size in enumerate(msoa_sizes, start=1):
            for letter in range(size):
                serial += 1
                ward = k * n_ward // n_lsoa  # contiguous blocks of LSOAs per ward
                rows.append(
                    {
                        "LSOA21CD": f"{SYNTHETIC_LSOA_PREFIX}{serial:05d}",
                        "LSOA21NM": f"{lad_name} {msoa:03d}{chr(65 + letter)}{SYNTHETIC_SUFFIX}",
                        "LSOA21NMW": "",
                        "WD23CD": ward_codes[ward],
                        "WD23NM": ward_names[ward],
                        "WD23NMW": "",
                        "LAD23CD": lad,
                        "LAD23NM": lad_name,
                        "LAD23NMW": "",
                        "ObjectId": serial,
                    }
                )
                lsoa_csp.append(csp_of_lad.get(lad, -1))
                centres.append(
                    (
                        _truncated_normal(rng, lat, sd_lat, LATITUDE_RANGE),
                        _truncated_normal(rng, lon, sd_lon, LONGITUDE_RANGE),
                    )
                )
                k += 1
    lookup = pd.DataFrame(rows, columns=LOOKUP_COLUMNS)
    n_lsoa = len(lookup)
    n_types = len(POLICE_UK_CRIME_TYPES)
    # A shared "busyness" of each LSOA times a per-type modifier: busy town-centre LSOAs are hot
    # for most types, and shoplifting concentrates in a few of them.
    busyness = rng.gamma(1.5, 1.0, n_lsoa)
    weights = np.empty((n_lsoa, n_types))
    for j, crime_type in enumerate(POLICE_UK_CRIME_TYPES):
        shape = LSOA_CONCENTRATION[crime_type]
        weights[:, j] = busyness * rng.gamma(shape, 1.0 / shape, n_lsoa)
    # Street points: police.uk snaps every crime to one of a set of anonymised map points, so
    # each synthetic LSOA gets a handful of named points that its crimes share.
    street_count = 4 + rng.poisson(6, n_lsoa)
    street_start = np.concatenate([[0], np.cumsum(street_count)[:-1]])
    n_points = int(street_count.sum())
    stems = rng.integers(0, len(_STREET_STEMS), n_points)
    suffixes = rng.integers(0, len(_STREET_SUFFIXES), n_points)
    is_place = rng.random(n_points) < 0.08
    places = rng.integers(0, len(_PLACES), n_points)
    names = np.array(
        [
            "On or near " + (_PLACES[p] if flag else f"{_STREET_STEMS[s]} {_STREET_SUFFIXES[x]}")
            for s, x, flag, p in zip(stems, suffixes, is_place, places, strict=True)
        ],
        dtype=object,
    )
    centre = np.asarray(centres)
    owner = np.repeat(np.arange(n_lsoa), street_count)
    lat = _truncated_normal(rng, centre[owner, 0], 0.004, LATITUDE_RANGE)
    lon = _truncated_normal(rng, centre[owner, 1], 0.006, LONGITUDE_RANGE)
    return _Geography(
        lookup=lookup,
        lsoa_code=lookup["LSOA21CD"].to_numpy(dtype=object),
        lsoa_name=lookup["LSOA21NM"].to_numpy(dtype=object),
        lsoa_csp=np.asarray(lsoa_csp),
        weights=weights,
        street_start=street_start,
        street_count=street_count,
        street_name=names,
        street_lat=np.round(lat, 6),
        street_lon=np.round(lon, 6),
    )


# ---------------------------------------------------------------------------- generation


def _categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` indices from one discrete distribution by inverse CDF."""
    cumulative = np.cumsum(probabilities) / np.sum(probabilities)
    return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"),
                      len(cumulative) - 1)  # fmt: skip


def _draw_counts(rng, truth: dict, months: np.ndarray):
    """Observed counts (CSP, type, month) and unassigned counts (type, month) with their means."""
    n_csp, n_types = len(CSPS), len(POLICE_UK_CRIME_TYPES)
    expected = np.empty((n_csp, n_types, len(months)))
    for s_index, s in enumerate(truth["series"]):
        c, k = divmod(s_index, n_types)
        trend = s["annual_trend_pct"]
        expected[c, k] = s["base_monthly_mean"] * _shape(months, s["crime_type"], trend)
    dispersion = np.array([TYPE_MODELS[t].dispersion for t in POLICE_UK_CRIME_TYPES])
    size = np.broadcast_to(dispersion[None, :, None], expected.shape)
    observed = rng.negative_binomial(size, size / (size + expected))
    force_expected = expected.sum(axis=0)
    no_location_rate = np.array([NO_LOCATION_SHARE[t] for t in POLICE_UK_CRIME_TYPES])
    no_location = rng.poisson(force_expected * no_location_rate[:, None])
    outside = rng.poisson(force_expected * OUTSIDE_FORCE_SHARE)
    return expected, observed, no_location, outside


def _lsoa_shares(geo: _Geography) -> dict:
    """Per in-force LSOA, the probability that a crime of each type in its CSP falls there."""
    shares = {}
    for c in range(len(CSPS)):
        members = np.flatnonzero(geo.lsoa_csp == c)
        within = geo.weights[members] / geo.weights[members].sum(axis=0)
        for lsoa, row in zip(members, within, strict=True):
            shares[str(geo.lsoa_code[lsoa])] = [round(float(v), 6) for v in row]
    return {"crime_types": list(POLICE_UK_CRIME_TYPES), "shares": shares}


def _assign_rows(rng, geo: _Geography, observed, no_location, outside) -> pd.DataFrame:
    """One row per crime or incident: month, type, LSOA index (-1 = no location), street point."""
    n_csp, n_types, n_months = observed.shape
    cells = observed.reshape(-1)
    csp_idx = np.repeat(np.repeat(np.arange(n_csp), n_types * n_months), cells)
    type_idx = np.repeat(np.tile(np.repeat(np.arange(n_types), n_months), n_csp), cells)
    month_idx = np.repeat(np.tile(np.arange(n_months), n_csp * n_types), cells)
    lsoa = np.empty(len(csp_idx), dtype=np.int64)
    # Multinomial spread over the CSP's LSOAs: inverse-CDF per (CSP, type) group, vectorised by
    # offsetting each CSP's cumulative weights by its index so one searchsorted serves all CSPs.
    in_force = np.flatnonzero(geo.lsoa_csp >= 0)
    in_force = in_force[np.argsort(geo.lsoa_csp[in_force], kind="stable")]
    in_force_csp = geo.lsoa_csp[in_force]
    uniform = rng.random(len(csp_idx))
    for k in range(n_types):
        rows = np.flatnonzero(type_idx == k)
        w = geo.weights[in_force, k]
        cumulative = np.empty(len(in_force))
        for c in range(n_csp):
            members = in_force_csp == c
            share = np.cumsum(w[members]) / w[members].sum()
            share[-1] = 1.0  # exact, so a CSP's draws in [c, c + 1) never cross into c + 1
            cumulative[members] = c + share
        pick = np.searchsorted(cumulative, csp_idx[rows] + uniform[rows], side="right")
        lsoa[rows] = in_force[pick]
    outside_lsoas = np.flatnonzero(geo.lsoa_csp < 0)
    extra_type = np.concatenate(
        [np.repeat(np.repeat(np.arange(n_types), n_months), counts.reshape(-1))
         for counts in (no_location, outside)]
    )  # fmt: skip
    extra_month = np.concatenate(
        [np.repeat(np.tile(np.arange(n_months), n_types), counts.reshape(-1))
         for counts in (no_location, outside)]
    )  # fmt: skip
    n_outside = int(outside.sum())
    extra_lsoa = np.concatenate(
        [
            np.full(int(no_location.sum()), -1),
            outside_lsoas[rng.integers(0, len(outside_lsoas), n_outside)],
        ]
    )
    type_idx = np.concatenate([type_idx, extra_type])
    month_idx = np.concatenate([month_idx, extra_month])
    lsoa = np.concatenate([lsoa, extra_lsoa])
    located = lsoa >= 0
    street = np.full(len(lsoa), -1)
    offset = (rng.random(located.sum()) * geo.street_count[lsoa[located]]).astype(np.int64)
    street[located] = geo.street_start[lsoa[located]] + offset
    frame = pd.DataFrame({"month": month_idx, "type": type_idx, "lsoa": lsoa, "street": street})
    # File order: by month, then located rows by LSOA code and type, "No Location" rows last
    # (as in the real files).
    frame["nowhere"] = ~located
    frame = frame.sort_values(["month", "nowhere", "lsoa", "type"], kind="stable")
    return frame.drop(columns="nowhere").reset_index(drop=True)


def _crime_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 64-hex-digit identifiers like police.uk Crime IDs."""
    raw = rng.bytes(32 * n)
    return np.frombuffer(raw.hex().encode("ascii"), dtype="S64").astype(str).astype(object)


def _offence_tables():
    """Per crime type: offence codes and their 2017/18 West Mercia weights."""
    tables = {}
    for crime_type in POLICE_UK_CRIME_TYPES:
        if crime_type == ASB:
            continue
        codes = [
            code
            for code, offence in OFFENCES.items()
            if offence.police_uk_category == crime_type
            and HOME_OFFICE_WEST_MERCIA_201718.get(code, 0) > 0
        ]
        if not codes:
            raise CspAnalysisError(f"demo-data: no weighted offence codes for {crime_type!r}")
        weights = np.array([HOME_OFFICE_WEST_MERCIA_201718[c] for c in codes], dtype=float)
        tables[crime_type] = (codes, weights)
    return tables


def _code_probability(code: str, by_code: dict, by_subgroup: dict, default: float) -> float:
    if code in by_code:
        return by_code[code]
    return by_subgroup.get(OFFENCES[code].subgroup, default)


def _extract_fields(rng, crime_types: np.ndarray) -> pd.DataFrame:
    """Offence code, flags and victim sex for non-ASB crimes of the given types."""
    n = len(crime_types)
    codes = np.empty(n, dtype=object)
    for crime_type, (type_codes, weights) in _offence_tables().items():
        rows = np.flatnonzero(crime_types == crime_type)
        codes[rows] = np.asarray(type_codes, dtype=object)[_categorical(rng, weights, len(rows))]
    unique_codes, code_index = np.unique(codes.astype(str), return_inverse=True)
    p_domestic = np.array(
        [_code_probability(c, DOMESTIC_ABUSE_BY_CODE, DOMESTIC_ABUSE_BY_SUBGROUP, 0.01)
         for c in unique_codes]
    )[code_index]  # fmt: skip
    p_hate = np.array(
        [1.0 if c in HATE_CODES else HATE_BY_SUBGROUP.get(OFFENCES[c].subgroup, HATE_DEFAULT)
         for c in unique_codes]
    )[code_index]  # fmt: skip
    p_alcohol = np.array(
        [ALCOHOL_BY_SUBGROUP.get(OFFENCES[c].subgroup, ALCOHOL_DEFAULT) for c in unique_codes]
    )[code_index]
    domestic = rng.random(n) < p_domestic
    hate = rng.random(n) < p_hate
    alcohol = rng.random(n) < p_alcohol
    sex_table = np.array(
        [VICTIM_SEX_BY_CODE.get(c, VICTIM_SEX_BY_SUBGROUP.get(OFFENCES[c].subgroup, (0.3, 0.3)))
         for c in unique_codes]
    )[code_index]  # fmt: skip
    # Domestic abuse victims are mostly women, unless the offence fixes the victim's sex.
    fixed_sex = np.isin(unique_codes, list(VICTIM_SEX_BY_CODE))[code_index]
    use_domestic = domestic & ~fixed_sex
    sex_table[use_domestic] = VICTIM_SEX_DOMESTIC
    u = rng.random(n)
    victim_sex = np.where(
        u < sex_table[:, 0], "F", np.where(u < sex_table[:, 0] + sex_table[:, 1], "M", "U")
    )
    subgroups = np.array([OFFENCES[c].subgroup for c in unique_codes], dtype=object)[code_index]
    return pd.DataFrame(
        {
            "HOOffenceCode": codes,
            "HOOffenceSubgroup": subgroups,
            "DomesticAbuse": np.where(domestic, "Y", "N"),
            "HateFlag": np.where(hate, "Y", "N"),
            "AlcoholFlag": np.where(alcohol, "Y", "N"),
            "VictimSex": victim_sex,
        }
    )


def _outcomes(rng, crime_types: np.ndarray) -> np.ndarray:
    """A "Last outcome category" per row, drawn from the real 2025 mix of its crime type."""
    outcome = np.full(len(crime_types), "", dtype=object)
    for crime_type, mix in OUTCOME_WEIGHTS.items():
        rows = np.flatnonzero(crime_types == crime_type)
        labels = np.asarray(list(mix), dtype=object)
        outcome[rows] = labels[_categorical(rng, np.array(list(mix.values()), float), len(rows))]
    return outcome


# ---------------------------------------------------------------------------- indicators

# Per CSP quarterly rates per 100,000 residents, and the genuine signals an SPC chart should
# find. Stylised: levels of the order published in OHID Fingertips (alcohol-related A&E
# admissions), Home Office fire statistics (deliberate fires) and SafeLives MARAC data.
INDICATORS = {
    # name: (unit, direction, baseline per 100k per quarter or percent, annual trend %)
    "alcohol_related_ae_assaults": ("count", "lower", 11.0, -1.5),
    "deliberate_fires": ("count", "lower", 24.0, -2.0),
    "marac_repeat_referral_rate": ("percent", "lower", 32.0, 0.0),
    "drug_treatment_successful_completions_pct": ("percent", "higher", 27.0, 0.0),
}
INDICATOR_SEASONALITY = {  # by financial quarter Q1..Q4 (Apr-Jun .. Jan-Mar)
    "alcohol_related_ae_assaults": (1.00, 1.12, 1.14, 0.74),
    "deliberate_fires": (1.40, 1.15, 0.85, 0.60),
}
# Lockdown quarters (financial year 2020/21): night-time economy shut, fewer A&E assaults.
INDICATOR_COVID = {"alcohol_related_ae_assaults": {("2020/21", 1): 0.45, ("2020/21", 3): 0.75,
                                                   ("2020/21", 4): 0.60}}  # fmt: skip
INDICATOR_SIGNALS = (
    {"area_code": "E22000333", "indicator": "alcohol_related_ae_assaults", "kind": "spike",
     "from": "2023/24 Q2", "to": "2023/24 Q2", "multiplier": 1.9,
     "note": "one-quarter spike (a summer of town-centre violence)"},
    {"area_code": "E22000360", "indicator": "deliberate_fires", "kind": "spike",
     "from": "2022/23 Q2", "to": "2022/23 Q2", "multiplier": 2.3,
     "note": "heatwave grass fires, summer 2022"},
    {"area_code": "E22000368", "indicator": "marac_repeat_referral_rate", "kind": "shift",
     "from": "2023/24 Q1", "to": None, "level": 23.0,
     "note": "sustained fall (improvement) after a new MARAC coordinator"},
    {"area_code": "E22000326", "indicator": "drug_treatment_successful_completions_pct",
     "kind": "shift", "from": "2024/25 Q1", "to": None, "level": 38.0,
     "note": "sustained rise (improvement) after recommissioning of treatment services"},
)  # fmt: skip
INDICATOR_TARGETS = {  # percent indicators: fixed targets; counts: 90% of the first year
    "marac_repeat_referral_rate": 35.0,
    "drug_treatment_successful_completions_pct": 30.0,
}


def _quarters(first: int, last: int) -> list[tuple[str, int, int]]:
    """Financial quarters wholly inside the span: (year label, quarter, first month index)."""
    out = []
    for m in range(first, last + 1):
        if (m % 12) in (3, 6, 9, 0) and m + 2 <= last:
            label, q = _financial_quarter(m)
            out.append((label, q, m))
    return out


def _in_signal(signal: dict, period: str) -> bool:
    def key(p: str) -> tuple[str, str]:
        year, quarter = p.split(" ")
        return year, quarter

    after = key(period) >= key(signal["from"])
    before = signal["to"] is None or key(period) <= key(signal["to"])
    return after and before


def _indicators(rng, first: int, last: int) -> pd.DataFrame:
    quarters = _quarters(first, last)
    reference = _parse_month(REFERENCE_MONTH, "reference month")
    rows = []
    for csp_index, (csp_code, csp_name, _, population) in enumerate(CSPS):
        for name, (unit, direction, level, trend) in INDICATORS.items():
            values = []
            for year_label, quarter, month in quarters:
                period = f"{year_label} Q{quarter}"
                years = (month - reference) / 12.0
                signal = next(
                    (s for s in INDICATOR_SIGNALS
                     if s["area_code"] == csp_code and s["indicator"] == name
                     and _in_signal(s, period)),
                    None,
                )  # fmt: skip
                if unit == "count":
                    mean = level * population / 100_000 * (1 + trend / 100) ** years
                    mean *= INDICATOR_SEASONALITY[name][quarter - 1]
                    mean *= INDICATOR_COVID.get(name, {}).get((year_label, quarter), 1.0)
                    if signal is not None:
                        mean *= signal["multiplier"]
                    value: float = float(rng.poisson(mean))
                else:
                    # A percentage of a binomial denominator (referrals or people in treatment),
                    # with a small CSP-specific offset in the underlying rate.
                    rate = level + (csp_index - 2) * 0.8
                    if signal is not None:
                        rate = signal["level"]
                    denominator = int(rng.integers(60, 140)) * population // 250_000 + 20
                    value = round(100.0 * rng.binomial(denominator, rate / 100) / denominator, 1)
                values.append((period, value))
            if unit == "count":
                first_year = [v for _, v in values[:4]]
                target = float(round(0.9 * np.mean(first_year))) if first_year else math.nan
            else:
                target = INDICATOR_TARGETS[name]
            for period, value in values:
                rows.append((csp_code, csp_name, "quarter", period, name, value, unit, target,
                             direction))  # fmt: skip
    frame = pd.DataFrame(rows, columns=INDICATORS_COLUMNS)
    return frame


def _format_number(value: float) -> str:
    if value != value:  # NaN
        return ""
    return f"{int(value)}" if float(value).is_integer() else f"{value:.1f}"


# ---------------------------------------------------------------------------- writing


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\n")


def _replace_directory(tmp: Path, out_dir: Path) -> None:
    """Move a freshly written directory into place, replacing an earlier demo output whole."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(out_dir)


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to delete a directory that is not an earlier demonstration output."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise CspAnalysisError(f"demo-data: {out_dir} exists and is not a directory")
    if any(out_dir.iterdir()) and not (out_dir / MARKER_FILE).is_file():
        raise CspAnalysisError(
            f"demo-data: {out_dir} is not empty and holds no {MARKER_FILE} marker; refusing to "
            "replace a directory that demo-data did not write (choose another --out)"
        )


def generate_demo_data(
    out_dir: str | Path = DEMO_RAW_DIR,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
) -> Path:
    """Generate the synthetic demonstration data set into ``out_dir``.

    The directory is written to a temporary sibling and then moved into place, replacing an
    earlier demonstration output whole. The same seed and span give byte-identical files.

    Parameters
    ----------
    out_dir : str or Path
        Target directory (default ``data/raw/demo``). An existing directory is replaced only if
        it is empty or holds a ``DEMO_DATA`` marker.
    seed : int
        Seed of the random generator (non-negative).
    start, end : str
        First and last month, "YYYY-MM" (defaults: 2016-04 and 2026-03).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    CspAnalysisError
        On a malformed month, ``start`` after ``end``, a negative seed, or an ``out_dir`` that
        is not a demonstration output.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CspAnalysisError(f"demo-data: seed must be a non-negative integer, got {seed!r}")
    out_dir = Path(out_dir).resolve()
    truth = build_truth(int(seed), start, end)
    first, last = _parse_month(truth["start"], "start"), _parse_month(truth["end"], "end")
    _check_replaceable(out_dir)
    rng = np.random.default_rng(int(seed))
    months = np.arange(first, last + 1)
    labels = np.array([_month_label(m) for m in months], dtype=object)

    geo = _build_geography(rng)
    expected, observed, no_location, outside = _draw_counts(rng, truth, months)
    rows = _assign_rows(rng, geo, observed, no_location, outside)
    crime_types = np.asarray(POLICE_UK_CRIME_TYPES, dtype=object)[rows["type"].to_numpy()]
    is_crime = crime_types != ASB
    n_rows = len(rows)
    ids = np.full(n_rows, "", dtype=object)
    ids[is_crime] = _crime_ids(rng, int(is_crime.sum()))
    outcome = _outcomes(rng, crime_types)
    lsoa = rows["lsoa"].to_numpy()
    located = lsoa >= 0
    street = rows["street"].to_numpy()
    lsoa_code = np.full(n_rows, "", dtype=object)
    lsoa_code[located] = geo.lsoa_code[lsoa[located]]
    lsoa_name = np.full(n_rows, "", dtype=object)
    lsoa_name[located] = geo.lsoa_name[lsoa[located]]
    location = np.full(n_rows, NO_LOCATION, dtype=object)
    location[located] = geo.street_name[street[located]]
    longitude = np.full(n_rows, np.nan)
    longitude[located] = geo.street_lon[street[located]]
    latitude = np.full(n_rows, np.nan)
    latitude[located] = geo.street_lat[street[located]]
    month_label = labels[rows["month"].to_numpy()]
    street_frame = pd.DataFrame(
        {
            "Crime ID": ids, "Month": month_label, "Reported by": FORCE_NAME,
            "Falls within": FORCE_NAME, "Longitude": longitude, "Latitude": latitude,
            "Location": location, "LSOA code": lsoa_code, "LSOA name": lsoa_name,
            "Crime type": crime_types, "Last outcome category": outcome, "Context": "",
        }
    )  # fmt: skip
    extract = _extract_fields(rng, crime_types[is_crime])
    extract.insert(0, "CrimeRef", ids[is_crime])
    extract.insert(1, "RecordedMonth", month_label[is_crime])
    extract.insert(2, "LSOA", lsoa_code[is_crime])
    extract.insert(5, "PoliceUKCategory", crime_types[is_crime])
    extract["Outcome"] = outcome[is_crime]
    extract = extract[EXTRACT_COLUMNS]
    indicators = _indicators(rng, first, last)
    for column in ("value", "target"):
        indicators[column] = [_format_number(v) for v in indicators[column]]

    truth["indicators"] = {
        "signals": [dict(s) for s in INDICATOR_SIGNALS],
        "targets": "counts: 90% of the first four quarters' mean; percents: fixed",
    }
    truth["expected_monthly"] = {
        "months": [str(m) for m in labels],
        "values": {
            f"{s['csp_code']}|{s['crime_type']}": [
                round(float(v), 4)
                for v in expected[i // len(POLICE_UK_CRIME_TYPES), i % len(POLICE_UK_CRIME_TYPES)]
            ]
            for i, s in enumerate(truth["series"])
        },
    }
    truth["lsoa_weights"] = _lsoa_shares(geo)
    truth["generated_rows"] = {
        "street": n_rows,
        "crimes": int(is_crime.sum()),
        "no_location": int((~located).sum()),
        "outside_force": int(outside.sum()),
    }

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        (tmp / MARKER_FILE).write_text(
            f"{LABEL} generated by csp-analysis demo-data, seed {seed}. Not real crime data.\n",
            encoding="utf-8",
        )
        month_codes = rows["month"].to_numpy()
        boundaries = np.searchsorted(month_codes, np.arange(len(months) + 1))
        for i, label in enumerate(labels):
            part = street_frame.iloc[boundaries[i] : boundaries[i + 1]]
            path = tmp / POLICE_UK_DIR / label / f"{label}-{FORCE_SLUG}-street.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            part.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")
        # The ONS lookup is published with a byte-order mark; so is this one.
        _write_csv(geo.lookup, tmp / LOOKUP_FILE, encoding="utf-8-sig")
        _write_csv(extract, tmp / EXTRACT_FILE)
        _write_csv(indicators, tmp / INDICATORS_FILE)
        (tmp / TRUTH_FILE).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
        tmp.chmod(0o755)
        _replace_directory(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


# ---------------------------------------------------------------------------- CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``csp-analysis demo-data``."""
    parser.add_argument(
        "--out", type=Path, default=DEMO_RAW_DIR,
        help="output directory, replaced whole (default: data/raw/demo)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (2016)")
    parser.add_argument("--start", default=DEFAULT_START, help="first month YYYY-MM (2016-04)")
    parser.add_argument("--end", default=DEFAULT_END, help="last month YYYY-MM (2026-03)")


def run(args: argparse.Namespace) -> int:
    """Generate the demonstration data and print a one-paragraph summary."""
    began = time.perf_counter()
    out_dir = generate_demo_data(args.out, seed=args.seed, start=args.start, end=args.end)
    truth = load_truth(out_dir)
    counts = truth["generated_rows"]
    print(
        f"{LABEL}: wrote {counts['street']:,} police.uk rows ({counts['crimes']:,} crimes, "
        f"{counts['no_location']:,} without a location, {counts['outside_force']:,} outside the "
        f"force) for {truth['start']} to {truth['end']}, seed {truth['seed']}, to {out_dir} "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0
