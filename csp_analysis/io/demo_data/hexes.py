"""Synthetic LSOA boundaries for the demonstration data: a hexagonal tiling per district.

The demo's LSOAs are invented, so their boundaries are too, and say so: each district's
synthetic LSOAs tile a compact patch of hexagons (800 m corner to corner), the busiest LSOA (most
expected crime) at the patch's centre and the quietest at its edge, as a town centre sits in
its district. Patches are laid out side by side in British National Grid around the middle of
West Mercia, never touching, and written as GeoJSON in longitude and latitude like the ONS
files, one file, with a ``synthetic`` property on every feature. Hexagon corners are integer
points of one lattice, so neighbouring hexagons share their corners exactly and the hotspot
test's contiguity finds them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["BOUNDARIES_DIR", "BOUNDARIES_FILE", "hex_boundaries", "write_hex_boundaries"]

BOUNDARIES_DIR = "boundaries"
BOUNDARIES_FILE = "lsoa_boundaries_synthetic.geojson"
HEX_RADIUS_M = 400.0  # centre to corner
ORIGIN_BNG = (360_000.0, 260_000.0)  # near the middle of West Mercia
_AXIAL_DIRECTIONS = ((1, 0), (1, -1), (0, -1), (-1, 0), (-1, 1), (0, 1))


def spiral(n: int) -> list[tuple[int, int]]:
    """The first ``n`` cells of a hexagonal spiral in axial coordinates, centre first."""
    cells = [(0, 0)]
    ring = 1
    while len(cells) < n:
        q, r = -ring, ring  # start of the ring: ``ring`` steps in direction 4
        for dq, dr in _AXIAL_DIRECTIONS:
            for _ in range(ring):
                cells.append((q, r))
                q, r = q + dq, r + dr
        ring += 1
    return cells[:n]


def _ring_radius(n: int) -> int:
    """Rings needed for ``n`` cells (1 + 3k(k + 1) cells within ring k)."""
    k = 0
    while 1 + 3 * k * (k + 1) < n:
        k += 1
    return k


# Corners of a pointy-top hexagon in lattice units (x in half-widths, y in half-radii): every
# corner is an integer lattice point, so neighbours compute shared corners identically.
_CORNER_STEPS = ((1, -1), (1, 1), (0, 2), (-1, 1), (-1, -1), (0, -2))


def _corners(q: int, r: int, origin_q: int, origin_r: int) -> list[tuple[float, float]]:
    """The six corners (and the closing first one) of hexagon (q, r) in British National Grid
    metres."""
    q, r = q + origin_q, r + origin_r
    i0, j0 = 2 * q + r, 3 * r
    half_width, half_radius = HEX_RADIUS_M * np.sqrt(3) / 2, HEX_RADIUS_M / 2
    out = [(ORIGIN_BNG[0] + half_width * (i0 + di), ORIGIN_BNG[1] + half_radius * (j0 + dj))
           for di, dj in _CORNER_STEPS]  # fmt: skip
    return [*out, out[0]]


def hex_boundaries(lsoa_code, lsoa_name, lad_code, busyness, in_force) -> dict:
    """A GeoJSON FeatureCollection (longitude, latitude) of the in-force synthetic LSOAs.

    Parameters
    ----------
    lsoa_code, lsoa_name, lad_code : array-like
        One per synthetic LSOA.
    busyness : array-like
        Expected crime weight of each LSOA: the busiest sit at the centre of their district.
    in_force : array-like of bool
        LSOAs of the demo force (the others, in neighbouring districts, get no boundary).
    """
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    codes = np.asarray(lsoa_code, dtype=object)
    names = np.asarray(lsoa_name, dtype=object)
    lads = np.asarray(lad_code, dtype=object)
    weight = np.asarray(busyness, dtype=float)
    keep = np.asarray(in_force, dtype=bool)
    districts = list(dict.fromkeys(lads[keep]))
    radius = max(_ring_radius(int((lads[keep] == d).sum())) for d in districts)
    pitch = 2 * radius + 2  # patches never touch
    per_row = int(np.ceil(np.sqrt(len(districts))))
    features = []
    for index, district in enumerate(districts):
        members = np.flatnonzero(keep & (lads == district))
        members = members[np.lexsort((codes[members], -weight[members]))]  # busiest first
        origin_q = (index % per_row) * pitch - (index // per_row) * pitch // 2
        origin_r = (index // per_row) * pitch
        for (q, r), i in zip(spiral(len(members)), members, strict=True):
            xs, ys = zip(*_corners(q, r, origin_q, origin_r), strict=True)
            lon, lat = to_lonlat.transform(np.array(xs), np.array(ys))
            ring = [[round(float(x), 7), round(float(y), 7)] for x, y in zip(lon, lat, strict=True)]
            features.append(
                {
                    "type": "Feature",
                    "properties": {"LSOA21CD": codes[i], "LSOA21NM": names[i],
                                   "LAD23CD": district, "synthetic": True},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            )  # fmt: skip
    return {
        "type": "FeatureCollection",
        "name": "Synthetic LSOA boundaries (csp-analysis demonstration data; not real)",
        "features": features,
    }


def write_hex_boundaries(collection: dict, out_dir: Path) -> Path:
    folder = Path(out_dir) / BOUNDARIES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / BOUNDARIES_FILE
    path.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    return path
