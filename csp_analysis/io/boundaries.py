"""ONS boundary files: lower layer super output areas (LSOAs) for maps and hotspot tests.

Reads the ONS Geoportal's published formats - GeoJSON, GeoPackage, Shapefile - with geopandas
(pyogrio underneath), for example "Lower layer Super Output Areas (December 2021) Boundaries EW
BGC" (generalised, clipped), whole or split by district. The LSOA code column is found by name
(``LSOA21CD``, ``LSOA11CD``, ``lsoa_code``...). Every feature is projected to British National
Grid (EPSG:27700), where areas and adjacency are measured in metres.

Counted rejections, with file and feature number: a feature with no LSOA code, with no or an
empty geometry, or whose code was already read (from this file or an earlier one: the same
boundaries given twice are read once). Invalid polygons (self-intersections, common after
generalisation) are repaired with ``make_valid`` and counted in the notes, not rejected.
Source: Office for National Statistics licensed under the Open Government Licence v3.0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.io.rejections import LoadResult, RejectionLog

__all__ = ["BNG", "read_boundaries"]

BNG = "EPSG:27700"
_CODE = re.compile(r"^(lsoa\d{2}cd|lsoa_?code|lsoa|code)$", re.IGNORECASE)
_NAME = re.compile(r"^(lsoa\d{2}nm|lsoa_?name|name)$", re.IGNORECASE)
REJECT_NO_CODE = "feature without an LSOA code"
REJECT_NO_GEOMETRY = "feature without a geometry"
REJECT_DUPLICATE = "LSOA already read"
SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


def _files(paths: Sequence[str | Path]) -> list[Path]:
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise InputFileError(path, "boundary file or folder not found")
    if not files:
        raise InputFileError(
            ", ".join(map(str, paths)), "no boundary files (.geojson, .gpkg, .shp)"
        )
    return files


def _read_one(path: Path):
    import geopandas as gpd

    if path.suffix.lower() not in SUFFIXES:
        raise InputFileError(
            path, f"unsupported boundary format {path.suffix!r}; expected GeoJSON, GeoPackage or "
            "Shapefile"
        )  # fmt: skip
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # the GDAL drivers raise many types for a damaged file
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputFileError(path, f"cannot read as boundaries: {first}") from None
    if frame.crs is None:
        raise InputFileError(path, "boundaries have no coordinate reference system")
    return frame


def read_boundaries(paths: Sequence[str | Path] | str | Path) -> LoadResult:
    """Read LSOA boundaries from one or more files or folders.

    Parameters
    ----------
    paths : path or sequence of paths
        Files (.geojson, .json, .gpkg, .shp) or folders of them (read recursively, in name
        order).

    Returns
    -------
    LoadResult
        ``frame``: a GeoDataFrame with ``lsoa_code``, ``lsoa_name`` (empty when the file has
        none), ``source_file`` and ``geometry`` in British National Grid; ``rows_read`` counts
        features. ``rows_read = loaded + rejected``.

    Raises
    ------
    InputFileError
        A missing or unreadable file, no LSOA code column, or no coordinate reference system.
    """
    import geopandas as gpd
    import shapely

    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames, log, notes, rows_read, seen, files = [], RejectionLog(), [], 0, set(), []
    for path in _files(paths):
        frame = _read_one(path)
        files.append(path.name)
        code_col = next((c for c in frame.columns if _CODE.match(str(c))), None)
        if code_col is None:
            raise InputFileError(
                path,
                "no LSOA code column (LSOA21CD, LSOA11CD or lsoa_code); found "
                + ", ".join(map(str, frame.columns)),
            )
        name_col = next((c for c in frame.columns if _NAME.match(str(c))), None)
        rows_read += len(frame)
        features = pd.RangeIndex(1, len(frame) + 1)
        codes = frame[code_col].astype("string").str.strip().fillna("")
        geometry = frame.geometry
        ok = pd.Series(True, index=frame.index)
        for mask, reason in (
            (codes == "", REJECT_NO_CODE),
            (geometry.isna() | geometry.is_empty, REJECT_NO_GEOMETRY),
        ):
            fresh = mask & ok
            if fresh.any():
                log.add_many(path.name, features[fresh.to_numpy()], reason,
                             [f"feature {n}" for n in features[fresh.to_numpy()]])  # fmt: skip
            ok &= ~mask
        repeated = codes.isin(seen) | codes.duplicated()
        fresh = repeated & ok
        if fresh.any():
            log.add_many(path.name, features[fresh.to_numpy()], REJECT_DUPLICATE,
                         list(codes[fresh]))  # fmt: skip
        ok &= ~repeated
        kept = frame[ok.to_numpy()]
        seen |= set(codes[ok])
        invalid = ~kept.geometry.is_valid
        out = gpd.GeoDataFrame(
            {
                "lsoa_code": codes[ok].to_numpy(),
                "lsoa_name": (kept[name_col].astype(str).to_numpy() if name_col
                              else [""] * len(kept)),
                "source_file": path.name,
            },
            geometry=kept.geometry.to_numpy(),
            crs=frame.crs,
        )  # fmt: skip
        if invalid.any():
            out.loc[invalid.to_numpy(), "geometry"] = shapely.make_valid(
                out.geometry[invalid.to_numpy()].to_numpy()
            )
            notes.append(f"{path.name}: {int(invalid.sum())} invalid polygon(s) repaired")
        frames.append(out.to_crs(BNG))
    frame = pd.concat(frames, ignore_index=True) if frames else None
    result = LoadResult(frame=gpd.GeoDataFrame(frame, crs=BNG), rows_read=rows_read,
                        rejections=log, files=files)  # fmt: skip
    result.notes.extend(notes)
    result.check_invariant()
    return result
