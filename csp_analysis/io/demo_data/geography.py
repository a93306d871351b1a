"""The synthetic geography: LSOAs and wards per real district, with coordinates inside the
force's bounding box, all labelled synthetic."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csp_analysis.core.schema import POLICE_UK_CRIME_TYPES
from csp_analysis.io.demo_data.calibration import (
    _PLACES,
    _STREET_STEMS,
    _STREET_SUFFIXES,
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    LOOKUP_COLUMNS,
    LSOA_CONCENTRATION,
    SYNTHETIC_LSOA_PREFIX,
    SYNTHETIC_SUFFIX,
    SYNTHETIC_WARD_PREFIX,
)
from csp_analysis.io.demo_data.force import WEST_MERCIA, DemoForce


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


def _build_geography(rng: np.random.Generator, force: DemoForce = WEST_MERCIA) -> _Geography:
    """Synthetic LSOAs, wards and street points, and per-LSOA gamma weights."""
    rows = []
    lsoa_csp = []
    centres = []
    serial = 0
    ward_serial = 0
    csp_of_lad = {lad: i for i, (_, _, lads, _) in enumerate(force.csps) for lad in lads}
    districts = [
        (lad, spec[0], spec[1], spec[2], spec[3:]) for lad, spec in force.districts.items()
    ]
    districts += [
        (lad, name, count, 1, (lat, lon, 0.01, 0.01))
        for lad, (name, count, lat, lon) in force.outside_districts.items()
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
