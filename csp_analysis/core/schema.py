"""The processed data model: column names and types of every table in data/processed.

Documented for people in docs/data_model.md; this module is the single source of truth that
loaders write to and analyses read from.
"""

from __future__ import annotations

from typing import Literal, get_args

import pyarrow as pa

#: The police flags a local extract may carry (police.uk carries none). Domestic abuse is a
#: flag on offences, not an offence type. Every list of flags in the package is this one.
Flag = Literal["domestic_abuse", "hate", "alcohol"]
FLAGS: tuple[str, ...] = get_args(Flag)

# One row per recorded crime or ASB incident. Flags and victim_sex are null where the source
# (police.uk) does not carry them; unassigned_reason is null when the row belongs to a
# partnership of its force.
CRIMES_SCHEMA = pa.schema(
    [
        ("month", pa.date32()),  # first day of the month
        ("force", pa.string()),  # police.uk force slug, e.g. "west-mercia"
        ("csp_code", pa.string()),  # ONS CSP23 code
        ("csp_name", pa.string()),  # display name from config/areas.yaml
        ("lad_code", pa.string()),
        ("lsoa_code", pa.string()),
        ("lsoa_name", pa.string()),
        ("crime_type", pa.string()),  # police.uk category
        ("offence_code", pa.string()),  # Home Office offence code, where known
        ("offence_subgroup", pa.string()),
        ("outcome", pa.string()),
        *((flag, pa.bool_()) for flag in FLAGS),
        ("victim_sex", pa.string()),
        ("source", pa.string()),  # "police_uk", "local_extract", "demo"
        ("source_file", pa.string()),  # file name (not path) the row came from
        ("source_row", pa.int64()),  # 1-based line number in that file (header is line 1)
        ("unassigned_reason", pa.string()),
    ]
)
CRIMES_COLUMNS = CRIMES_SCHEMA.names

# Reasons a row is kept but not assigned to a partnership.
UNASSIGNED_NO_LOCATION = "no location"
UNASSIGNED_LSOA_NOT_IN_LOOKUP = "LSOA not in lookup"
UNASSIGNED_LSOA11_NO_LOOKUP = "2011 LSOA without an LSOA11 lookup"
# A row placed by its LSOA in a partnership of another force (police.uk snap points near a
# force boundary), or recorded by a force with no partnerships (British Transport Police).
UNASSIGNED_OUTSIDE_AREAS = "outside the force's area"
UNASSIGNED_REASONS = (
    UNASSIGNED_NO_LOCATION,
    UNASSIGNED_LSOA_NOT_IN_LOOKUP,
    UNASSIGNED_LSOA11_NO_LOOKUP,
    UNASSIGNED_OUTSIDE_AREAS,
)

POPULATION_SCHEMA = pa.schema(
    [
        ("csp_code", pa.string()),
        ("csp_name", pa.string()),
        ("year", pa.int32()),  # mid-year of the ONS estimate
        ("population", pa.int64()),
        ("source", pa.string()),
    ]
)

# Home Office police recorded crime open data, one row per area x quarter x offence code.
HOME_OFFICE_SCHEMA = pa.schema(
    [
        ("financial_year", pa.string()),  # "2017/18"
        ("financial_quarter", pa.int8()),  # 1 = Apr-Jun
        ("quarter_start", pa.date32()),
        ("area_type", pa.string()),  # "force" or "csp"
        ("area_code", pa.string()),
        ("area_name", pa.string()),
        # The registry's partnership area a CSP row belongs to (CSPs that share a merged
        # district are one area); empty for force rows.
        ("partnership_code", pa.string()),
        ("offence_code", pa.string()),
        ("offence_description", pa.string()),
        ("offence_group", pa.string()),
        ("offence_subgroup", pa.string()),
        ("police_uk_category", pa.string()),
        ("count", pa.int64()),
        ("source_file", pa.string()),
    ]
)

# Partner indicators in long format. period_type is "month", "quarter" or "financial_year";
# period_start is the first day of the period. direction is "lower" or "higher" is better.
INDICATORS_SCHEMA = pa.schema(
    [
        ("area_code", pa.string()),
        ("area_name", pa.string()),
        ("period_type", pa.string()),
        ("period_start", pa.date32()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("target", pa.float64()),
        ("direction", pa.string()),
        ("source_file", pa.string()),
    ]
)

# The 14 police.uk street-level crime categories (including ASB), as published since 2013.
# Older data used a few categories that were later split; they are accepted and kept as given.
POLICE_UK_CRIME_TYPES = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)
LEGACY_POLICE_UK_CRIME_TYPES = (
    "Violent crime",
    "Public disorder and weapons",
    "Other crime",
)
ASB = "Anti-social behaviour"
