"""Which force the demonstration data are made for: West Mercia as calibrated, or any force of
England and Wales from the national area registry, scaled from West Mercia by population.

For West Mercia every level, district size and boundary share is calibrated on the real 2025
files (:mod:`csp_analysis.io.demo_data.calibration`). For another force the partnerships,
districts and mid-2023 populations are the force's real ones from the registry; each
partnership's 2025 level of each crime type is West Mercia's rate per resident times its
population; a district gets one synthetic LSOA per 1,650 residents (about the average LSOA
population in England and Wales, 2021) and one ward per five LSOAs. Coordinates are synthetic
and not located in the force (they are never published); no boundary-crossing rows are drawn.
Everything stays labelled synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.core.registry import load_registry
from csp_analysis.io.demo_data.calibration import (
    CSP_TREND_ADJUSTMENT,
    CSPS,
    DISTRICTS,
    FORCE_NAME,
    FORCE_SLUG,
    OUTSIDE_DISTRICTS,
    REAL_2025_COUNTS,
)

__all__ = ["DemoForce", "demo_force"]

RESIDENTS_PER_LSOA = 1_650
LSOAS_PER_WARD = 5
# The demo's coordinate box (the West Mercia one): other forces' synthetic points fall in it too.
_CENTRE = (52.45, -2.5)


@dataclass(frozen=True)
class DemoForce:
    """The force, partnerships, districts and 2025 levels the generator draws from."""

    slug: str
    name: str  # as in police.uk's "Reported by" and "Falls within" columns
    csps: tuple[tuple[str, str, tuple[str, ...], int], ...]  # code, name, districts, population
    districts: dict[str, tuple]  # LAD -> (name, LSOAs, wards, lat, lon, sd lat, sd lon)
    counts_2025: dict[str, dict[str, int]]  # CSP code -> crime type -> 2025 count
    outside_districts: dict[str, tuple] = field(default_factory=dict)
    trend_adjustment: dict = field(default_factory=dict)


WEST_MERCIA = DemoForce(
    slug=FORCE_SLUG,
    name=FORCE_NAME,
    csps=CSPS,
    districts=DISTRICTS,
    counts_2025=REAL_2025_COUNTS,
    outside_districts=OUTSIDE_DISTRICTS,
    trend_adjustment=CSP_TREND_ADJUSTMENT,
)


def demo_force(force: str | None = None) -> DemoForce:
    """The demo's force: West Mercia (the default, calibrated) or any force by id, name or code.

    Raises
    ------
    UnknownNameError
        An unknown force (listing close matches).
    """
    if force in (None, FORCE_SLUG):
        return WEST_MERCIA
    registry = load_registry()
    chosen = registry.force(force)
    if chosen.id == FORCE_SLUG:
        return WEST_MERCIA
    wm_population = sum(population for *_, population in CSPS)
    wm_totals: dict[str, int] = {}
    for by_type in REAL_2025_COUNTS.values():
        for crime_type, n in by_type.items():
            wm_totals[crime_type] = wm_totals.get(crime_type, 0) + n
    csps, districts, counts = [], {}, {}
    for index, csp in enumerate(chosen.csps):
        population = csp.population.get(2023)
        if population is None:
            raise CspAnalysisError(f"demo-data: no mid-2023 population for {csp.name}")
        csps.append((csp.code, csp.name, tuple(csp.lad_codes), population))
        counts[csp.code] = {
            crime_type: max(1, round(total * population / wm_population))
            for crime_type, total in wm_totals.items()
        }
        for d_index, district in enumerate(csp.districts):
            n_lsoa = max(4, round(district.population[2023] / RESIDENTS_PER_LSOA))
            # Spread the districts' synthetic centres over the box, one per district.
            offset = (index * 3 + d_index) % 9
            districts[district.code] = (
                district.name,
                n_lsoa,
                max(1, n_lsoa // LSOAS_PER_WARD),
                _CENTRE[0] + 0.25 * (offset // 3 - 1),
                _CENTRE[1] + 0.4 * (offset % 3 - 1),
                0.05,
                0.08,
            )
    return DemoForce(
        slug=chosen.id,
        name=f"{chosen.name} Police",
        csps=tuple(csps),
        districts=districts,
        counts_2025=counts,
    )
