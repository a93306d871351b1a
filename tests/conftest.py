"""Shared fixtures. Real-data tests read ../shared/data in place; they skip when it is absent
locally, and fail under CI (CI=true), where the files must be there."""

from __future__ import annotations

import os

import pytest

from csp_analysis.core.paths import SHARED_DATA_DIR

IN_CI = os.environ.get("CI", "").lower() == "true"

WEST_MERCIA_DIR = SHARED_DATA_DIR / "police_uk" / "west-mercia"
WEST_YORKSHIRE_FILE = (
    SHARED_DATA_DIR / "police_uk" / "west-yorkshire" / "2016-07-west-yorkshire-street.csv"
)
LSOA_LOOKUP = (
    SHARED_DATA_DIR
    / "ons"
    / "LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv"
)
CSP_LOOKUP = (
    SHARED_DATA_DIR
    / "ons"
    / "Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December_2023)_Lookup.csv"
)
POPULATION_WORKBOOK = SHARED_DATA_DIR / "ons" / "LAD23_Mid_Year_pop_2011_to_2023.xlsx"
HOME_OFFICE_PFA = SHARED_DATA_DIR / "home_office" / "prc-pfa-201718_new.csv"
HOME_OFFICE_MAPPINGS = SHARED_DATA_DIR / "home_office" / "CrimeCatMappings.csv"


@pytest.fixture(scope="session")
def shared_data():
    """The real published files; skip (locally) or fail (CI) when they are not beside the repo."""
    if not SHARED_DATA_DIR.is_dir():
        message = f"real data not found at ../shared/data ({SHARED_DATA_DIR})"
        if IN_CI:
            pytest.fail(message + " - CI must have it")
        pytest.skip(message)
    return SHARED_DATA_DIR


def pytest_terminal_summary(terminalreporter):
    """One line at the end saying what this machine could not run, and why (`make test` runs
    every test it can; nothing is skipped silently)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ").strip()
        reasons[reason] = reasons.get(reason, 0) + 1
    parts = [f"{n} test{'s' if n != 1 else ''}: {reason}" for reason, n in
             sorted(reasons.items(), key=lambda item: -item[1])]  # fmt: skip
    terminalreporter.write_line("Not run on this machine: " + "; ".join(parts))
