"""Every police force area, Community Safety Partnership and district of England and Wales.

The registry is ``csp_analysis/core/data/area_registry.csv``, built by
``scripts/build_area_registry.py`` from the ONS LAD to CSP to PFA lookup (December 2023) and
the ONS mid-year population estimates (MYE4, 2011 to 2023): 43 forces, 314 CSPs, 318 districts.
Source: Office for National Statistics licensed under the Open Government Licence v3.0.

Seven districts formed by merging districts that had their own CSPs are listed by ONS under
several CSPs; those CSPs are reported together as one partnership area named after its
districts (see the build script). Every other CSP is its own partnership area.

``config/areas.yaml`` holds only what a user chooses (:class:`AreasChoice`): which forces to
report on (default: the forces present in the data) and display-name overrides.
``csp-analysis areas [--force X] [--csv]`` lists the registry.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from csp_analysis.core.config import (
    AreasConfig,
    Csp,
    District,
    Force,
    UserPeerGroup,
    _mtime,
    _Strict,
    load_yaml_model,
)
from csp_analysis.core.exceptions import ConfigError, UnknownNameError
from csp_analysis.core.paths import AREAS_CONFIG

__all__ = [
    "ATTRIBUTION",
    "REGISTRY_FILE",
    "AreasChoice",
    "csp_index",
    "load_areas",
    "load_registry",
    "normalise_csp_name",
]

REGISTRY_FILE = Path(__file__).with_name("data") / "area_registry.csv"
# iQuanta's CSP most similar groups have 15 members; a longer list is a mistake, not a group.
MAX_USER_PEERS = 30
USER_PEER_SOURCE = "most similar group supplied by the user in config/areas.yaml"
ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0"
)
CSV_COLUMNS = (
    "pfa_code",
    "pfa_name",
    "csp_code",
    "csp_name",
    "csp_id",
    "population",
    "population_year",
)


class PeerListChoice(_Strict):
    """One partnership's own most similar group, e.g. as iQuanta or the force supplies it."""

    peers: list[str] = Field(
        min_length=1, max_length=MAX_USER_PEERS,
        description="the peer partnerships: ids, ONS CSP codes or names",
    )  # fmt: skip
    source: str = Field(
        default=USER_PEER_SOURCE, min_length=1, description="where the list came from"
    )


class AreasChoice(_Strict):
    """``config/areas.yaml``: the user's choices over the national registry."""

    forces: list[str] | None = Field(
        default=None, description="force ids to report on; absent: the forces in the data"
    )
    display_names: dict[str, str] = Field(
        default_factory=dict, description="partnership id or ONS code -> name to show"
    )
    peer_groups: dict[str, PeerListChoice | list[str]] = Field(
        default_factory=dict,
        description="partnership id or ONS code -> its most similar group (a list of peers, "
        "or {peers: [...], source: ...}); absent: nearest neighbours on ONS indicators",
    )


def _rows() -> list[dict[str, str]]:
    text = REGISTRY_FILE.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


@lru_cache(maxsize=1)
def load_registry() -> AreasConfig:
    """The national registry: every force with its partnership areas and their districts."""
    forces: dict[str, dict] = {}
    for row in _rows():
        force = forces.setdefault(
            row["pfa_code"],
            {"id": row["force_id"], "name": row["pfa_name"], "pfa_code": row["pfa_code"],
             "csps": {}},
        )  # fmt: skip
        area = force["csps"].setdefault(
            row["area_code"],
            {"id": row["area_id"], "code": row["area_code"], "name": row["area_name"],
             "ons_names": {}, "districts": {}},
        )  # fmt: skip
        area["ons_names"][row["csp_code"]] = row["csp_ons_name"]
        area["districts"].setdefault(
            row["lad_code"],
            District(
                code=row["lad_code"],
                name=row["lad_name"],
                population={
                    int(key[4:]): int(value)
                    for key, value in row.items()
                    if key.startswith("pop_") and value
                },
            ),
        )
    return AreasConfig(
        forces=[
            Force(
                id=f["id"],
                name=f["name"],
                pfa_code=f["pfa_code"],
                csps=[
                    Csp(
                        id=a["id"],
                        code=a["code"],
                        name=a["name"],
                        ons_name=" / ".join(a["ons_names"].values()),
                        districts=list(a["districts"].values()),
                        csp_codes=sorted(a["ons_names"]) if len(a["ons_names"]) > 1 else [],
                    )
                    for a in f["csps"].values()
                ],
            )
            for f in forces.values()
        ]
    )


def normalise_csp_name(name: str) -> str:
    """A CSP name reduced to what editions of the Home Office tables agree on: case, "&",
    punctuation, a trailing ", County of" / ", City of" and the words "Community Safety
    Partnership" do not matter."""
    text = str(name).lower().replace("&", " and ")
    text = re.sub(r",\s*(county|city) of\s*$", "", text)
    text = re.sub(r"\b(community safety partnership|csp)\b", " ", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


@lru_cache(maxsize=1)
def csp_index() -> dict[str, str]:
    """Every ONS CSP code, and every normalised CSP name the registry knows (the ONS name, the
    display name, the partnership area's name), -> the partnership-area code."""
    index: dict[str, str] = {}
    for row in _rows():
        index[row["csp_code"]] = row["area_code"]
        for name in (row["csp_ons_name"], row["csp_name"], row["area_name"]):
            index.setdefault(normalise_csp_name(name), row["area_code"])
    return index


@lru_cache(maxsize=8)
def _load_areas(path: str, mtime: float) -> AreasConfig:
    choice = load_yaml_model(path, AreasChoice) if Path(path).is_file() else AreasChoice()
    registry = load_registry()
    for key in choice.display_names:
        try:
            registry.csp(key)
        except UnknownNameError as exc:
            raise ConfigError(path, f"display_names.{key}", str(exc)) from None
    forces = []
    for force in registry.forces:
        csps = [
            csp.model_copy(
                update={
                    "name": choice.display_names.get(csp.id)
                    or choice.display_names.get(csp.code)
                    or csp.name
                }
            )
            for csp in force.csps
        ]
        forces.append(force.model_copy(update={"csps": csps}))
    selected = None
    if choice.forces is not None:
        try:
            selected = [registry.force(key).id for key in choice.forces]
        except UnknownNameError as exc:
            raise ConfigError(path, "forces", str(exc)) from None
    peer_groups = _user_peer_groups(path, choice, registry)
    return AreasConfig(forces=forces, selected=selected, peer_groups=peer_groups)


def _partnership_named(registry: AreasConfig, key: str):
    """A partnership by id, code or name, or else the partnership of the district so named
    (MSG lists often name a district, "West Suffolk", where ONS names the CSP "Western
    Suffolk"); None when neither is known."""
    try:
        return registry.csp(key)
    except UnknownNameError:
        pass
    wanted = normalise_csp_name(key)
    for csp in registry.csps:
        for district in csp.districts:
            if key == district.code or wanted == normalise_csp_name(district.name):
                return csp
    return None


def _user_peer_groups(path: str, choice: AreasChoice, registry: AreasConfig) -> dict:
    """Each user-supplied group resolved to partnership-area codes and checked: every name
    known to the registry, the area not its own peer, no peer listed twice."""
    groups: dict[str, UserPeerGroup] = {}
    for key, given in choice.peer_groups.items():
        where = f"peer_groups.{key}"
        listed = given.peers if isinstance(given, PeerListChoice) else given
        source = given.source if isinstance(given, PeerListChoice) else USER_PEER_SOURCE
        if not listed:
            raise ConfigError(path, where, "the list of peers is empty")
        try:
            area = registry.csp(key)
        except UnknownNameError as exc:
            raise ConfigError(path, where, str(exc)) from None
        members: list[str] = []
        for name in listed:
            peer = _partnership_named(registry, str(name))
            if peer is None:
                try:
                    registry.csp(str(name))
                except UnknownNameError as exc:
                    raise ConfigError(path, where, str(exc)) from None
            if peer.code == area.code:
                raise ConfigError(path, where, f"{name!r} is {area.name} itself, not a peer")
            if peer.code in members:
                raise ConfigError(path, where, f"{name!r} ({peer.name}) is listed twice")
            members.append(peer.code)
        if area.code in groups:
            raise ConfigError(path, where, f"{area.name} has two peer groups")
        if len(members) > MAX_USER_PEERS:
            raise ConfigError(path, where, f"more than {MAX_USER_PEERS} peers")
        groups[area.code] = UserPeerGroup(members=members, source=source)
    return groups


def load_areas(path: str | Path = AREAS_CONFIG) -> AreasConfig:
    """The national registry with the choices of ``config/areas.yaml`` applied (cached until
    the file changes). ``.selected`` holds the chosen forces (None: those in the data)."""
    path = Path(path)
    return _load_areas(str(path), _mtime(path))


def latest_population(csp: Csp) -> tuple[int, int]:
    """(population, mid-year) of the latest year every district has."""
    population = csp.population
    year = max(population)
    return population[year], year


# --------------------------------------------------------------------------- command line


def add_arguments(parser) -> None:
    parser.add_argument("--force", metavar="FORCE", help="one force (id, name or PFA code)")
    parser.add_argument(
        "--csv",
        action="store_true",
        help="one row per ONS CSP: " + ",".join(CSV_COLUMNS),
    )


def csv_text(areas: AreasConfig) -> str:
    """One row per ONS CSP (a partnership area standing for several CSPs gives each of them its
    row, with the area's id and the area's population)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    ons_names = {row["csp_code"]: row["csp_name"] for row in _rows()}
    for force in areas.forces:
        for csp in force.csps:
            population, year = latest_population(csp)
            for code in csp.ons_codes:
                name = csp.name if len(csp.ons_codes) == 1 else ons_names[code]
                writer.writerow([force.pfa_code, force.name, code, name, csp.id, population, year])
    return out.getvalue()


def listing(areas: AreasConfig) -> str:
    lines = []
    for force in areas.forces:
        lines.append(f"{force.name} ({force.id}, {force.pfa_code}, {force.country})")
        for csp in force.csps:
            population, year = latest_population(csp)
            codes = ", ".join(csp.ons_codes)
            lines.append(
                f"  {csp.name} ({csp.id}; {codes}): population {population:,} (mid-{year})"
            )
            if csp.csp_codes:
                lines.append(f"    reported together: {csp.ons_name}")
            lines.append(
                "    districts: " + ", ".join(f"{d.name} ({d.code})" for d in csp.districts)
            )
    n_csps = sum(len(c.ons_codes) for c in areas.csps)
    lines.append(
        f"{len(areas.forces)} force(s), {n_csps} CSP(s) in {len(areas.csps)} partnership area(s). "
        f"{ATTRIBUTION}."
    )
    return "\n".join(lines)


def run(args) -> int:
    areas = load_areas()
    if args.force:
        areas = areas.restrict([args.force])
    sys.stdout.write(csv_text(areas) if args.csv else listing(areas) + "\n")
    return 0
