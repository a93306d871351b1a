"""Hot and cold spots of crime by LSOA: local Getis-Ord Gi*, with a false-discovery-rate check.

Method (docs/methods.md):

* Neighbours: LSOAs sharing a boundary point (queen contiguity) from the boundary polygons
  (libpysal); binary weights with each LSOA its own neighbour (the "star" in Gi*).
* Statistic: Gi* (Getis & Ord 1992, "The analysis of spatial association by use of distance
  statistics", Geographical Analysis 24:189-206; Ord & Getis 1995, ibid. 27:286-306), from
  PySAL's ``esda.G_Local(star=True)``: for LSOA i, the standardised sum of the counts in i and
  its neighbours, ``(sum_j w_ij x_j - xbar W_i) / (S sqrt((n S1_i - W_i^2) / (n - 1)))`` with
  ``W_i = sum_j w_ij``, ``S1_i = sum_j w_ij^2`` and ``S`` the standard deviation of the counts.
  A large positive z is a hot spot (a cluster of high counts), a large negative one a cold spot.
* Multiple testing: two-sided normal p-values of the z-scores, Benjamini-Hochberg false
  discovery rate at 5% across all LSOAs (Caldas de Castro & Singer 2006 recommend FDR for
  local statistics: thousands of tests would otherwise flag many areas by chance).
* Change: the same test on the year before; each LSOA's hot-spot status is new, persistent or
  ended (and likewise for cold spots).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from csp_analysis.core.exceptions import AnalysisError

__all__ = ["FDR_ALPHA", "MIN_AREAS", "HotspotResult", "contiguity", "gi_star", "hotspot_change"]

FDR_ALPHA = 0.05
MIN_AREAS = 10  # fewer LSOAs than this cannot show a local cluster


@dataclass(frozen=True)
class HotspotResult:
    """Gi* per LSOA.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by LSOA code: ``count``, ``z`` (Gi* z-score), ``p`` (two-sided), ``q``
        (Benjamini-Hochberg adjusted), ``status`` ("hot spot", "cold spot", "not significant").
    alpha : float
        The false discovery rate.
    n_neighbours : float
        Mean number of neighbours (the LSOA itself not counted).
    """

    table: pd.DataFrame
    alpha: float
    n_neighbours: float

    @property
    def hot(self) -> pd.DataFrame:
        return self.table[self.table["status"] == "hot spot"].sort_values("z", ascending=False)

    @property
    def cold(self) -> pd.DataFrame:
        return self.table[self.table["status"] == "cold spot"].sort_values("z")


def contiguity(boundaries) -> object:
    """Queen contiguity of LSOA polygons (a GeoDataFrame indexed by LSOA code)."""
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        # Disconnected patches (islands of LSOAs) are expected: a force's LSOAs need not join.
        warnings.simplefilter("ignore")
        return Queen.from_dataframe(boundaries, use_index=True)


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (monotone, capped at 1)."""
    n = len(p)
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def gi_star(counts: pd.Series, weights, alpha: float = FDR_ALPHA) -> HotspotResult:
    """Gi* hot and cold spots of ``counts`` (indexed by LSOA code) with contiguity ``weights``.

    LSOAs without a count (no records) count as zero; LSOAs of ``weights`` only are tested.

    Raises
    ------
    AnalysisError
        Fewer than :data:`MIN_AREAS` LSOAs, or counts that do not vary.
    """
    from esda.getisord import G_Local

    ids = list(weights.id_order)
    if len(ids) < MIN_AREAS:
        raise AnalysisError(f"a hotspot test needs at least {MIN_AREAS} areas with boundaries")
    y = counts.reindex(ids).fillna(0).astype(float).to_numpy()
    if np.allclose(y, y[0]):
        raise AnalysisError("the counts are the same in every area, so there is no hotspot")
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        weights.transform = "B"
        local = G_Local(y, weights, transform="B", permutations=0, star=True)
    z = np.asarray(local.Zs, dtype=float)
    p = 2 * stats.norm.sf(np.abs(z))
    q = _benjamini_hochberg(p)
    status = np.where(q <= alpha, np.where(z > 0, "hot spot", "cold spot"), "not significant")
    table = pd.DataFrame({"count": y, "z": z, "p": p, "q": q, "status": status},
                         index=pd.Index(ids, name="lsoa_code"))  # fmt: skip
    return HotspotResult(table, alpha, float(weights.mean_neighbors))


def hotspot_change(current: HotspotResult, previous: HotspotResult) -> pd.Series:
    """Each LSOA's change in status: "new hot spot", "persistent hot spot", "ended hot spot"
    (and the same for cold spots), or "" when it is neither now nor before."""
    now = current.table["status"]
    before = previous.table["status"].reindex(now.index).fillna("not significant")
    out = pd.Series("", index=now.index)
    for kind in ("hot spot", "cold spot"):
        out[(now == kind) & (before != kind)] = f"new {kind}"
        out[(now == kind) & (before == kind)] = f"persistent {kind}"
        out[(now != kind) & (before == kind)] = f"ended {kind}"
    return out
