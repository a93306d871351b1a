"""Peer groups of partnership areas: the user's most similar group, or nearest neighbours on
ONS indicators.

The Home Office's most similar groups (MSGs) of Community Safety Partnerships are not openly
published (they reach analysts through the restricted iQuanta service). A partnership that has
its MSG lists it in ``config/areas.yaml`` and that list is used as given. Otherwise its group is
the ``k`` partnership areas nearest to it on a profile of ONS indicators
(:mod:`csp_analysis.core.profiles`): this is *not* the Home Office MSG and every page says so.

Method (documented in docs/methods.md):

1. Variables (:data:`VARIABLES`): population density (log10 residents per km2), the shares of
   residents aged under 15, 15-24 and 65 and over, of households socially and privately
   rented and without a car or van, of residents 16+ in higher managerial and professional and in
   routine and semi-routine occupations and full-time students (Census 2021), and the IMD2019
   average score (England only).
2. Each variable is standardised to mean 0 and standard deviation 1 over all partnership areas
   of England and Wales (population standard deviation; the IMD over English areas).
3. Distance is the weighted Euclidean distance between standardised profiles. Where a variable
   is missing for either area (the IMD for any Welsh area) it is left out and the sum of the
   remaining squared differences is scaled up by total weight / weight present, the
   "nan-Euclidean" distance (as scikit-learn's ``nan_euclidean_distances``; Dixon 1979,
   "Pattern recognition with partly missing data", IEEE SMC 9(10)), so distances with and
   without the IMD stay on one scale.
4. The ``k`` nearest other areas (default 7) form the group, nearest first; equal distances
   are broken by ONS code, so the group does not depend on the order of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from csp_analysis.core.config import AreasConfig
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.core.profiles import load_area_profiles

__all__ = [
    "DEFAULT_PEERS",
    "VARIABLES",
    "PeerGroup",
    "Variable",
    "distance_matrix",
    "nearest_neighbours",
    "peer_group",
    "standardised_profiles",
]

DEFAULT_PEERS = 7


@dataclass(frozen=True)
class Variable:
    """One profile variable: its column, what it measures, how it is transformed, its weight."""

    column: str
    label: str
    log: bool = False
    weight: float = 1.0


VARIABLES: tuple[Variable, ...] = (
    Variable("density_per_km2", "Population density (log scale)", log=True),
    Variable("pct_aged_under_15", "Residents aged under 15 (%)"),
    Variable("pct_aged_15_24", "Residents aged 15 to 24 (%)"),
    Variable("pct_aged_65_plus", "Residents aged 65 and over (%)"),
    Variable("pct_social_rented", "Households socially rented (%)"),
    Variable("pct_private_rented", "Households privately rented (%)"),
    Variable("pct_no_car", "Households with no car or van (%)"),
    Variable("pct_higher_managerial", "Higher managerial and professional occupations (%)"),
    Variable("pct_routine", "Routine and semi-routine occupations (%)"),
    Variable("pct_students", "Full-time students (%)"),
    Variable("imd_average_score", "Index of Multiple Deprivation 2019, average score"),
)


@dataclass(frozen=True)
class PeerGroup:
    """A partnership area's peer group.

    Attributes
    ----------
    area_code : str
        The partnership area the group belongs to.
    members : tuple of str
        The peers' partnership-area codes, nearest first; the area itself is never one.
    method : {"user", "nearest_neighbours"}
        The user's own list (``config/areas.yaml``) or computed nearest neighbours.
    source : str
        Where a user's list came from, as the user described it; for computed groups, the
        profile the distances were measured on.
    distances : tuple of float
        Distance of each member (nearest neighbours only; empty for a user's list).
    variables_missing : tuple of str
        Profile variables left out of the area's distances (the IMD for a Welsh area).
    """

    area_code: str
    members: tuple[str, ...]
    method: Literal["user", "nearest_neighbours"]
    source: str
    distances: tuple[float, ...] = field(default_factory=tuple)
    variables_missing: tuple[str, ...] = field(default_factory=tuple)

    @property
    def codes(self) -> tuple[str, ...]:
        """The area followed by its peers: the whole group a group average is taken over."""
        return (self.area_code, *self.members)

    @property
    def size(self) -> int:
        """Number of peers (the area itself not counted)."""
        return len(self.members)

    @property
    def official(self) -> bool:
        """False for computed groups: they are never the Home Office MSG."""
        return self.method == "user"


def standardised_profiles(
    profiles: pd.DataFrame, variables: tuple[Variable, ...] = VARIABLES
) -> pd.DataFrame:
    """Each variable transformed (log10 where set) and standardised to mean 0, SD 1.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Indexed by area code, with the variables' columns (NaN where a value does not exist).

    Returns
    -------
    pandas.DataFrame
        Same index, one column per variable. A constant variable becomes 0 everywhere.
    """
    missing = [v.column for v in variables if v.column not in profiles]
    if missing:
        raise AnalysisError(f"profile variables missing: {', '.join(missing)}")
    out = {}
    for variable in variables:
        values = pd.to_numeric(profiles[variable.column], errors="coerce").astype(float)
        if variable.log:
            if (values <= 0).any():
                raise AnalysisError(f"{variable.column} must be positive to take its log")
            values = np.log10(values)
        mean, sd = values.mean(), values.std(ddof=0)
        out[variable.column] = (values - mean) / sd if sd > 0 else values * 0.0
    return pd.DataFrame(out, index=profiles.index)


def distance_matrix(z: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
    """Weighted nan-Euclidean distances between every pair of rows of ``z``.

    ``d(a, b)^2 = (W / W_ab) * sum_i w_i (z_ai - z_bi)^2`` over the variables present in both,
    where ``W`` is the total weight and ``W_ab`` the weight of the variables present in both.
    """
    values = z.to_numpy(dtype=float)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    weights = np.asarray(weights, dtype=float)
    both = present[:, None, :] & present[None, :, :]
    squared = ((filled[:, None, :] - filled[None, :, :]) ** 2 * both * weights).sum(axis=2)
    weight_present = (both * weights).sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = squared * weights.sum() / weight_present
    scaled[weight_present == 0] = np.inf
    return np.sqrt(scaled)


def nearest_neighbours(
    profiles: pd.DataFrame,
    k: int = DEFAULT_PEERS,
    variables: tuple[Variable, ...] = VARIABLES,
) -> dict[str, PeerGroup]:
    """The ``k`` nearest neighbours of every area on the standardised profile.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Indexed by area code (unique), with the variables' columns.
    k : int, default 7
        Peers per area.
    variables : tuple of Variable
        What to match on, with weights.

    Returns
    -------
    dict
        Area code -> :class:`PeerGroup`, members nearest first, ties broken by code.

    Raises
    ------
    AnalysisError
        Duplicate area codes, too few areas for ``k``, or a bad ``k``.
    """
    if profiles.index.duplicated().any():
        raise AnalysisError("nearest_neighbours: an area code appears more than once")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise AnalysisError(f"nearest_neighbours: k must be a positive integer, got {k!r}")
    if len(profiles) <= k:
        raise AnalysisError(f"nearest_neighbours: {len(profiles)} areas cannot give {k} peers each")
    # Sort first: the same areas in any row order give the same groups, to the last bit.
    profiles = profiles.sort_index()
    z = standardised_profiles(profiles, variables)
    distances = distance_matrix(z, np.array([v.weight for v in variables]))
    codes = z.index.to_numpy()
    groups = {}
    for i, code in enumerate(codes):
        row = distances[i].copy()
        row[i] = np.inf  # an area is never its own peer
        order = np.lexsort((codes, row))[:k]
        missing = tuple(v.column for v in variables if np.isnan(z.iloc[i][v.column]))
        groups[code] = PeerGroup(
            area_code=code,
            members=tuple(codes[order]),
            method="nearest_neighbours",
            source="nearest neighbours on ONS indicators",
            distances=tuple(float(d) for d in row[order]),
            variables_missing=missing,
        )
    return groups


_computed: dict[int, dict[str, PeerGroup]] = {}


def nearest_neighbour_groups(k: int = DEFAULT_PEERS) -> dict[str, PeerGroup]:
    """Every area's ``k`` nearest neighbours on the shipped ONS profiles, computed once per
    process (a report kernel template computes them before forking its reports)."""
    if k not in _computed:
        _computed[k] = nearest_neighbours(load_area_profiles(), k=k)
    return _computed[k]


def peer_group(
    area_code: str, areas: AreasConfig | None = None, k: int = DEFAULT_PEERS
) -> PeerGroup:
    """The peer group of a partnership area: the user's list from ``config/areas.yaml`` where
    there is one, otherwise its ``k`` nearest neighbours on the shipped ONS profiles.

    Parameters
    ----------
    area_code : str
        ONS code of the partnership area (as in the registry).
    areas : AreasConfig, optional
        The loaded areas configuration carrying the user's groups.
    k : int, default 7
    """
    if areas is not None and area_code in areas.peer_groups:
        given = areas.peer_groups[area_code]
        return PeerGroup(
            area_code=area_code,
            members=tuple(given.members),
            method="user",
            source=given.source,
        )
    try:
        return nearest_neighbour_groups(k)[area_code]
    except KeyError:
        raise AnalysisError(f"no ONS profile for partnership area {area_code}") from None


# --------------------------------------------------------------------------- command line


def add_arguments(parser) -> None:
    parser.add_argument("csp", nargs="+", help="partnership id, ONS code or name")
    parser.add_argument(
        "-k", type=int, default=DEFAULT_PEERS, help="peers in a computed group (default 7)"
    )


def describe(group: PeerGroup, areas: AreasConfig) -> str:
    """The group as ``csp-analysis peers`` prints it: members, forces, distances, method."""
    from csp_analysis.core.registry import load_registry

    registry = load_registry()
    area = registry.csp(group.area_code)
    how = (
        f"supplied in config/areas.yaml ({group.source})"
        if group.official
        else "nearest neighbours on ONS indicators, not the Home Office MSG"
    )
    lines = [f"{area.name} ({area.code}): {group.size} peers, {how}"]
    if group.variables_missing:
        lines.append(f"  not matched on: {', '.join(group.variables_missing)} (England only)")
    for i, code in enumerate(group.members):
        peer = registry.csp(code)
        force = registry.force_of(code).name
        distance = f"  distance {group.distances[i]:.2f}" if group.distances else ""
        lines.append(f"  {i + 1}. {peer.name} ({code}, {force}){distance}")
    return "\n".join(lines)


def run(args) -> int:
    from csp_analysis.core.registry import load_areas

    areas = load_areas()
    for key in args.csp:
        group = peer_group(areas.csp(key).code, areas, k=args.k)
        print(describe(group, areas))
    return 0
