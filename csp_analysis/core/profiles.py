"""The ONS profile of every partnership area: what nearest-neighbour peer groups are matched on.

``csp_analysis/core/data/area_profiles.csv`` is built by ``scripts/build_area_profiles.py`` from
Census 2021 district tables, the English Indices of Deprivation 2019 district summaries and the
ONS district boundaries (December 2023): one row per partnership area of the registry, shares
in per cent, density in residents per square kilometre, and Census 2021 households (the
denominator of residential burglary rates). ``imd_average_score`` is blank for Welsh areas:
IMD2019 covers England only. Sources: Office for National Statistics and Ministry of Housing,
Communities and Local Government, licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from csp_analysis.core.exceptions import ConfigError

__all__ = ["PROFILES_FILE", "PROFILE_ATTRIBUTION", "load_area_profiles"]

PROFILES_FILE = Path(__file__).with_name("data") / "area_profiles.csv"
PROFILE_ATTRIBUTION = (
    "Census 2021 and district boundaries: Office for National Statistics; English Indices of "
    "Deprivation 2019: Ministry of Housing, Communities and Local Government; both licensed "
    "under the Open Government Licence v3.0"
)


@lru_cache(maxsize=1)
def _read() -> pd.DataFrame:
    frame = pd.read_csv(PROFILES_FILE, comment="#", dtype={"area_code": str})
    if frame["area_code"].duplicated().any():
        raise ConfigError(PROFILES_FILE, "area_code", "a partnership area appears twice")
    return frame.set_index("area_code")


def load_area_profiles() -> pd.DataFrame:
    """The profiles, indexed by partnership-area code (a copy: callers may change it)."""
    return _read().copy()
