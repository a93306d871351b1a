"""A small synthetic map for the map tests (no real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def demo_shapes():
    import geopandas as gpd

    from csp_analysis.io.demo_data.hexes import hex_boundaries

    n = 37
    codes = [f"E0199{i:05d}" for i in range(n)]
    collection = hex_boundaries(codes, [f"Area {i}" for i in range(n)], ["E06000019"] * n,
                                np.arange(n, 0, -1, dtype=float), [True] * n)  # fmt: skip
    frame = gpd.GeoDataFrame.from_features(collection["features"], crs="EPSG:4326")
    shapes = (
        frame.set_index("LSOA21CD").to_crs("EPSG:27700").rename(columns={"LSOA21NM": "lsoa_name"})
    )
    values = pd.Series(np.arange(n, 0, -1), index=codes, dtype=float)
    names = pd.Series([f"Area {i}" for i in range(n)], index=codes)
    return shapes, values, names
