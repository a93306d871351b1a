"""Where it happens: boundaries, maps and hotspots (#12)."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis import hotspots
from csp_analysis.core.exceptions import AnalysisError, InputFileError
from csp_analysis.io.boundaries import REJECT_DUPLICATE, REJECT_NO_CODE, read_boundaries
from csp_analysis.io.demo_data.hexes import hex_boundaries, spiral
from csp_analysis.report.charts.maps import class_breaks
from tests.conftest import SHARED_DATA_DIR

WEST_MERCIA_LSOAS = SHARED_DATA_DIR / "ons" / "boundaries" / "lsoa21_bgc_west_mercia"


# --------------------------------------------------------------------------- Gi*


def _chain(values):
    from libpysal.weights import W

    ids = [f"A{i}" for i in range(len(values))]
    neighbours = {ids[i]: [ids[j] for j in (i - 1, i + 1) if 0 <= j < len(ids)]
                  for i in range(len(ids))}  # fmt: skip
    return pd.Series(values, index=ids, dtype=float), W(neighbours)


def test_gi_star_matches_the_hand_worked_formula(monkeypatch):
    # A chain of 7 areas, each with its neighbours either side (reference: the formula of
    # Ord & Getis 1995, eq. 9, computed here by hand with binary weights including self).
    monkeypatch.setattr(hotspots, "MIN_AREAS", 3)
    x, w = _chain([10, 12, 30, 35, 28, 5, 4])
    result = hotspots.gi_star(x, w)
    hand = [-0.871392, -0.067699, 1.413226, 2.361018, 0.880093, -0.956255, -1.714974]
    np.testing.assert_allclose(result.table["z"].to_numpy(), hand, atol=1e-6)
    # Two-sided p of z; nothing survives a 5% false discovery rate with 7 areas this noisy.
    assert result.table.loc["A3", "p"] == pytest.approx(2 * (1 - 0.990887), abs=1e-5)
    assert (result.table["status"] == "not significant").all()


def test_a_clear_cluster_is_a_hot_spot_after_the_fdr(monkeypatch):
    values = [1] * 20 + [40, 45, 50, 42] + [1] * 20
    x, w = _chain(values)
    result = hotspots.gi_star(x, w)
    assert {"A21", "A22"} <= set(result.hot.index)
    assert result.cold.empty
    assert (result.table["q"] >= result.table["p"] - 1e-12).all()  # BH never lowers a p


def test_benjamini_hochberg_reference_values():
    # Reference: p = (0.01, 0.04, 0.03, 0.2) -> BH adjusted (0.04, 0.0533, 0.0533, 0.2).
    adjusted = hotspots._benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.2]))
    np.testing.assert_allclose(adjusted, [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])


def test_hotspot_change_says_new_persistent_and_ended(monkeypatch):
    table = lambda statuses: hotspots.HotspotResult(  # noqa: E731
        pd.DataFrame({"status": statuses}, index=["a", "b", "c", "d"]), 0.05, 2.0
    )
    now = table(["hot spot", "hot spot", "not significant", "cold spot"])
    before = table(["hot spot", "not significant", "hot spot", "cold spot"])
    change = hotspots.hotspot_change(now, before)
    assert change.tolist() == ["persistent hot spot", "new hot spot", "ended hot spot",
                               "persistent cold spot"]  # fmt: skip


def test_gi_star_refuses_what_it_cannot_test():
    x, w = _chain([3] * 12)
    with pytest.raises(AnalysisError, match="the same in every area"):
        hotspots.gi_star(x, w)
    x, w = _chain([1, 2, 3])
    with pytest.raises(AnalysisError, match="at least 10 areas"):
        hotspots.gi_star(x, w)


# --------------------------------------------------------------------------- classes


def test_map_classes_hide_withheld_counts_in_sensitive_themes():
    values = pd.Series([0, 1, 2, 3, 4, 9, 15, 30, 60, 120])
    sensitive = class_breaks(values, lowest_upper=4)
    assert sensitive[0] == 4  # 0-4 together: a withheld 1-4 looks like a zero
    assert sensitive[-1] == 120 and sensitive == sorted(set(sensitive))
    plain = class_breaks(pd.Series([5, 9, 15, 30, 60, 120]))
    assert plain[0] > 0 and plain[-1] == 120  # no empty "0" class when no area has none


# --------------------------------------------------------------------------- boundaries


@pytest.mark.realdata
def test_real_ons_lsoa_boundaries_read_in_every_format(shared_data, tmp_path):
    result = read_boundaries([WEST_MERCIA_LSOAS])
    assert result.rows_read == 804 == result.rows_loaded
    assert result.frame.crs.to_epsg() == 27700
    assert result.frame["lsoa_code"].str.match(r"^E01\d{6}$").all()
    # The same polygons as GeoPackage and Shapefile (as the ONS Geoportal offers them).
    one = result.frame[result.frame["source_file"] == "E06000019.geojson"]
    one = one.drop(columns="source_file")  # a Shapefile keeps 10-character field names
    one.to_file(tmp_path / "hereford.gpkg", driver="GPKG")
    one.to_file(tmp_path / "hereford.shp")
    for name in ("hereford.gpkg", "hereford.shp"):
        again = read_boundaries(tmp_path / name)
        assert again.rows_loaded == 117
    # The same files twice are read once.
    twice = read_boundaries([WEST_MERCIA_LSOAS / "E06000019.geojson"] * 2)
    assert twice.rows_loaded == 117 and twice.rejections.counts[REJECT_DUPLICATE] == 117


def test_boundary_features_without_a_code_are_counted(tmp_path):
    square = {"type": "Polygon", "coordinates": [[[0, 51], [0, 51.01], [0.01, 51.01], [0.01, 51],
                                                  [0, 51]]]}  # fmt: skip
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LSOA21CD": "E01000001"}, "geometry": square},
        {"type": "Feature", "properties": {"LSOA21CD": ""}, "geometry": square},
        {"type": "Feature", "properties": {"LSOA21CD": "E01000001"}, "geometry": square},
    ]}  # fmt: skip
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(collection))
    result = read_boundaries(path)
    assert result.rows_read == 3 and result.rows_loaded == 1
    assert result.rejections.examples[REJECT_NO_CODE][0].where() == "b.geojson:2"
    assert result.rejections.counts[REJECT_DUPLICATE] == 1
    with pytest.raises(
        InputFileError, match=r"nothing\.geojson: boundary file or folder not found"
    ):
        read_boundaries(tmp_path / "nothing.geojson")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputFileError, match="unsupported boundary format"):
        read_boundaries(tmp_path / "notes.txt")


def test_synthetic_hexagons_tile_each_district_with_shared_corners():
    import geopandas as gpd

    from csp_analysis.analysis.hotspots import contiguity

    ring = spiral(7)
    assert ring[0] == (0, 0) and len(set(ring)) == 7
    assert all(max(abs(q), abs(r), abs(q + r)) == 1 for q, r in ring[1:])  # the first ring
    n = 19
    codes = [f"E0199{i:05d}" for i in range(n + 2)]
    collection = hex_boundaries(
        codes, [f"X {i} (synthetic)" for i in range(n + 2)],
        ["E06000019"] * n + ["E06000051"] * 2, np.arange(n + 2, dtype=float),
        [True] * n + [True, False],
    )  # fmt: skip
    assert len(collection["features"]) == n + 1
    assert all(f["properties"]["synthetic"] for f in collection["features"])
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    frame = frame.set_index("LSOA21CD").to_crs("EPSG:27700")
    weights = contiguity(frame)
    # The busiest LSOA sits in the middle of its district's patch: six neighbours.
    assert len(weights.neighbors[codes[n - 1]]) == 6
    assert weights.neighbors[codes[n]] == []  # a district of one: its own patch


def test_map_pages_carry_no_coordinates():
    """The map's data is names and numbers: no easting, northing, latitude or longitude."""
    from csp_analysis.report.charts.maps import choropleth_map
    from tests.test_places_support import demo_shapes

    shapes, values, names = demo_shapes()
    chart = choropleth_map(shapes, values, names, measure="recorded crimes", area="Testshire",
                           period="year ending March 2026")  # fmt: skip
    assert chart.alt.startswith("Map of recorded crimes by neighbourhood")
    assert list(chart.data.columns) == ["Recorded crimes", "Class on the map"]
    assert not any(
        re.search(r"\d{6}\.\d|\b5[0-9]\.\d{3,}", str(v)) for v in chart.data.to_numpy().ravel()
    )
