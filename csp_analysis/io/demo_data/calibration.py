"""The demo generator's calibration: areas, levels, outcome mixes, flags, the known trends,
seasonality and step changes (computed from the real files by ``scripts/calibrate_demo.py``
or stylised from published patterns, each with its source)."""

from __future__ import annotations

from dataclasses import dataclass

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
# force's area".
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


# Every force's 2017/18 rate of police recorded crime excluding fraud per 1,000 residents
# (Home Office police recorded crime open data tables, police force area level, 2017/18;
# mid-2017 ONS populations of the force's districts), by ONS PFA code. Printed by
# scripts/calibrate_demo.py. The synthetic national CSP tables are drawn around these levels.
FORCE_RATES_201718: dict[str, float] = {
    "E23000001": 93.0,  # Metropolitan Police
    "E23000002": 57.2,  # Cumbria
    "E23000003": 84.9,  # Lancashire
    "E23000004": 89.2,  # Merseyside
    "E23000005": 121.2,  # Greater Manchester
    "E23000006": 81.7,  # Cheshire
    "E23000007": 106.6,  # Northumbria
    "E23000008": 98.2,  # Durham
    "E23000009": 48.2,  # North Yorkshire
    "E23000010": 114.7,  # West Yorkshire
    "E23000011": 103.7,  # South Yorkshire
    "E23000012": 92.8,  # Humberside
    "E23000013": 101.1,  # Cleveland
    "E23000014": 80.8,  # West Midlands
    "E23000015": 74.7,  # Staffordshire
    "E23000016": 66.3,  # West Mercia
    "E23000017": 72.4,  # Warwickshire
    "E23000018": 53.2,  # Derbyshire
    "E23000019": 85.0,  # Nottinghamshire
    "E23000020": 54.0,  # Lincolnshire
    "E23000021": 76.9,  # Leicestershire
    "E23000022": 71.9,  # Northamptonshire
    "E23000023": 76.1,  # Cambridgeshire
    "E23000024": 62.8,  # Norfolk
    "E23000025": 70.5,  # Suffolk
    "E23000026": 70.0,  # Bedfordshire
    "E23000027": 69.9,  # Hertfordshire
    "E23000028": 73.6,  # Essex
    "E23000029": 61.1,  # Thames Valley
    "E23000030": 80.7,  # Hampshire
    "E23000031": 61.5,  # Surrey
    "E23000032": 97.3,  # Kent
    "E23000033": 67.5,  # Sussex
    "E23000034": 745.2,  # London, City of
    "E23000035": 59.3,  # Devon & Cornwall
    "E23000036": 82.3,  # Avon and Somerset
    "E23000037": 54.1,  # Gloucestershire
    "E23000038": 60.1,  # Wiltshire
    "E23000039": 63.5,  # Dorset
    "W15000001": 75.1,  # North Wales
    "W15000002": 84.0,  # Gwent
    "W15000003": 80.5,  # South Wales
    "W15000004": 50.4,  # Dyfed-Powys
}
