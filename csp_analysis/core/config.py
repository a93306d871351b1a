"""Typed configuration: police force areas and their CSPs, and priority-area definitions.

The YAML files in ``config/`` are validated by pydantic models. Every problem (an unknown key, a
missing field, an unknown crime type or offence code) becomes a :class:`ConfigError` naming the
file, the key path and what was expected, never a pydantic traceback.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from csp_analysis.core.exceptions import ConfigError, UnknownNameError
from csp_analysis.core.paths import DISPLAY_NAMES_CONFIG, PRIORITIES_CONFIG
from csp_analysis.core.schema import (
    FLAGS,
    LEGACY_POLICE_UK_CRIME_TYPES,
    POLICE_UK_CRIME_TYPES,
    Flag,
)

# Which record fields each data source carries. A priority whose definition needs a field the
# source lacks falls back to that source's proxy (with its caveat), or is unavailable there.
SOURCE_FIELDS: dict[str, frozenset[str]] = {
    "police_uk": frozenset({"crime_types", "outcomes"}),
    "local_extract": frozenset(
        {"crime_types", "outcomes", "offence_codes", "offence_subgroups", "flags", "victim_sex"}
    ),
    "home_office": frozenset({"crime_types", "offence_codes", "offence_subgroups"}),
}
DataSource = Literal["police_uk", "local_extract", "home_office"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- areas


class District(_Strict):
    code: str = Field(pattern=r"^[EW]0[6-9]\d{6}$", description="ONS LAD23 code")
    name: str
    population: dict[int, int] = Field(
        description="ONS mid-year population estimate by mid-year (typed in from MYE4)"
    )

    @field_validator("population")
    @classmethod
    def _population_positive(cls, value: dict[int, int]) -> dict[int, int]:
        for year, pop in value.items():
            if not 1990 <= year <= 2100:
                raise ValueError(f"population year {year} is not a plausible mid-year")
            if pop <= 0:
                raise ValueError(f"population for {year} must be positive, got {pop}")
        return value


class Csp(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="slug used in file names")
    code: str = Field(pattern=r"^(E22|W14|W22)\d{6}$", description="ONS CSP23 code")
    name: str = Field(description="display name")
    ons_name: str = Field(description="name as in the ONS LAD-CSP-PFA lookup")
    districts: list[District] = Field(min_length=1)
    csp_codes: list[str] = Field(
        default_factory=list,
        description="the ONS CSPs reported together as this area (several only where the "
        "ONS lookup puts one merged district under several CSPs); empty means [code]",
    )

    @property
    def ons_codes(self) -> list[str]:
        """The ONS CSP codes this partnership area stands for."""
        return self.csp_codes or [self.code]

    @property
    def country(self) -> str:
        """ "England" or "Wales", from the ONS code (E22, W14/W22)."""
        return "Wales" if self.code.startswith("W") else "England"

    @property
    def lad_codes(self) -> list[str]:
        return [d.code for d in self.districts]

    @property
    def population(self) -> dict[int, int]:
        """Mid-year population of the CSP: the sum of its districts, for years all of them have."""
        years = set.intersection(*(set(d.population) for d in self.districts))
        return {y: sum(d.population[y] for d in self.districts) for y in sorted(years)}


class Force(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="police.uk force slug")
    name: str
    pfa_code: str = Field(pattern=r"^[EW]\d{2}\d{6}$")
    csps: list[Csp] = Field(min_length=1)

    @property
    def country(self) -> str:
        return "Wales" if self.pfa_code.startswith("W") else "England"


class UserPeerGroup(_Strict):
    """A partnership's most similar group as the user supplied it (``config/areas.yaml``,
    ``peer_groups``), resolved to partnership-area codes of the registry."""

    members: list[str] = Field(
        min_length=1, description="peer partnership-area codes, the area itself not included"
    )
    source: str = Field(description="where the list came from, as the user wrote it")


class AreasConfig(_Strict):
    """Police force areas with their partnerships and districts: the national registry
    (:mod:`csp_analysis.core.registry`), or a part of it."""

    forces: list[Force] = Field(min_length=1)
    selected: list[str] | None = Field(
        default=None,
        description="forces chosen in config/areas.yaml; None: the forces present in the data",
    )
    peer_groups: dict[str, UserPeerGroup] = Field(
        default_factory=dict,
        description="partnership-area code -> its most similar group as the user supplied it",
    )

    @model_validator(mode="after")
    def _unique(self) -> AreasConfig:
        seen: dict[str, str] = {}
        for force in self.forces:
            for csp in force.csps:
                for key in (csp.id, csp.code):
                    if key in seen:
                        raise ValueError(f"CSP {key!r} is declared twice")
                    seen[key] = csp.id
                for lad in csp.lad_codes:
                    if lad in seen:
                        raise ValueError(f"district {lad} belongs to two CSPs")
                    seen[lad] = csp.id
        return self

    @property
    def csps(self) -> list[Csp]:
        return [csp for force in self.forces for csp in force.csps]

    def csp(self, key: str) -> Csp:
        """A partnership by id, ONS code (any of the CSP codes it stands for) or display name;
        an unknown one is an error listing close matches."""
        for csp in self.csps:
            if key in (csp.id, csp.code, csp.name) or key in csp.csp_codes:
                return csp
        raise UnknownNameError("CSP", key, [c.id for c in self.csps])

    def force(self, key: str) -> Force:
        for force in self.forces:
            if key in (force.id, force.name, force.pfa_code):
                return force
        raise UnknownNameError("force", key, [f.id for f in self.forces])

    def restrict(self, force_ids) -> AreasConfig:
        """Only these forces (ids, names or PFA codes), in registry order."""
        wanted = {self.force(key).id for key in force_ids}
        kept = [f for f in self.forces if f.id in wanted]
        if not kept:
            raise UnknownNameError("force", ", ".join(force_ids), [f.id for f in self.forces])
        return AreasConfig(forces=kept, selected=self.selected, peer_groups=self.peer_groups)

    def force_of(self, csp_key: str) -> Force:
        csp = self.csp(csp_key)
        return next(f for f in self.forces if csp in f.csps)

    def lad_to_csp(self) -> dict[str, Csp]:
        return {lad: csp for csp in self.csps for lad in csp.lad_codes}


# --------------------------------------------------------------------------- priorities


class Clause(_Strict):
    """One way a record can belong to a priority: every field given must match (AND)."""

    crime_types: list[str] | None = None
    exclude_crime_types: list[str] | None = None
    offence_codes: list[str] | None = None
    offence_subgroups: list[str] | None = None
    outcomes: list[str] | None = None
    flags: list[Flag] | None = None
    victim_sex: Literal["F", "M"] | None = None

    @field_validator("crime_types", "exclude_crime_types")
    @classmethod
    def _known_crime_types(cls, value: list[str] | None) -> list[str] | None:
        known = set(POLICE_UK_CRIME_TYPES) | set(LEGACY_POLICE_UK_CRIME_TYPES)
        for name in value or []:
            if name not in known:
                raise ValueError(
                    f"unknown police.uk crime type {name!r}; expected one of: "
                    + ", ".join(POLICE_UK_CRIME_TYPES)
                )
        return value

    @field_validator("offence_codes")
    @classmethod
    def _known_offence_codes(cls, value: list[str] | None) -> list[str] | None:
        from csp_analysis.core.offences import (
            OFFENCE_CODES,  # late import: offences reads this module's types
        )

        for code in value or []:
            if code not in OFFENCE_CODES:
                raise ValueError(
                    f"unknown Home Office offence code {code!r}; expected a code from the Home "
                    "Office offence classification (see csp_analysis/offences.py)"
                )
        return value

    @field_validator("offence_subgroups")
    @classmethod
    def _known_subgroups(cls, value: list[str] | None) -> list[str] | None:
        from csp_analysis.core.offences import OFFENCE_SUBGROUPS

        for name in value or []:
            if name not in OFFENCE_SUBGROUPS:
                raise ValueError(
                    f"unknown Home Office offence subgroup {name!r}; expected one of: "
                    + ", ".join(sorted(OFFENCE_SUBGROUPS))
                )
        return value

    def fields_used(self) -> set[str]:
        used = set()
        for name in ("offence_codes", "offence_subgroups", "outcomes", "flags"):
            if getattr(self, name):
                used.add(name)
        if self.crime_types or self.exclude_crime_types:
            used.add("crime_types")
        if self.victim_sex:
            used.add("victim_sex")
        return used


class Proxy(_Strict):
    match: list[Clause] = Field(min_length=1)
    caveat: str = Field(min_length=10)


class Priority(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    description: str
    sensitive: bool = Field(
        default=False, description="counts of 3-4 are also suppressed (domestic abuse, VAWG...)"
    )
    direction: Literal["lower", "higher"] = "lower"
    definition: list[Clause] = Field(min_length=1, description="OR of clauses")
    proxies: dict[DataSource, Proxy] = Field(default_factory=dict)
    caveat: str | None = Field(default=None, description="applies whatever the source")
    noun: str = Field(default="offences", description="what is counted, plural (incidents)")
    measure: str | None = Field(
        default=None,
        description="what the count is called in sentences; default '<title> offences'",
    )

    def fields_used(self) -> set[str]:
        return set().union(*(c.fields_used() for c in self.definition))

    def selection(self, source: str, available: set[str] | None = None) -> Selection:
        """How to select this priority's records from a data source.

        Parameters
        ----------
        source : str
            "police_uk", "local_extract" or "home_office".
        available : set of str, optional
            Fields the data actually carries (defaults to what the source can carry). A local
            extract without flags, say, falls back like police.uk does.
        """
        if source not in SOURCE_FIELDS:
            raise UnknownNameError("data source", source, SOURCE_FIELDS)
        have = SOURCE_FIELDS[source] if available is None else set(available)
        if self.fields_used() <= have:
            return Selection(self, source, "definition", self.definition, self.caveat)
        if source in self.proxies:
            proxy = self.proxies[source]
            caveat = proxy.caveat if not self.caveat else f"{proxy.caveat} {self.caveat}"
            return Selection(self, source, "proxy", proxy.match, caveat)
        missing = ", ".join(sorted(self.fields_used() - have))
        return Selection(
            self,
            source,
            "unavailable",
            [],
            f"{self.title} cannot be measured from {source} data: it lacks {missing}.",
        )


class Selection:
    """A priority as applied to one source: the clauses to match, whether they are the real
    definition or a proxy, and the caveat a report must print."""

    def __init__(self, priority: Priority, source: str, method: str, clauses, caveat):
        self.priority = priority
        self.source = source
        self.method = method  # "definition", "proxy" or "unavailable"
        self.clauses = list(clauses)
        self.caveat = caveat

    @property
    def available(self) -> bool:
        return self.method != "unavailable"

    def __repr__(self) -> str:
        return f"Selection({self.priority.id!r}, {self.source!r}, {self.method!r})"


class PrioritiesConfig(_Strict):
    priorities: list[Priority] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PrioritiesConfig:
        ids = [p.id for p in self.priorities]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"priority ids declared twice: {', '.join(sorted(dupes))}")
        return self

    def get(self, key: str) -> Priority:
        for priority in self.priorities:
            if priority.id == key:
                return priority
        raise UnknownNameError("priority", key, [p.id for p in self.priorities])

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.priorities]


# --------------------------------------------------------------------------- loading


def _format_validation_error(file: Path, error: ValidationError) -> ConfigError:
    first = error.errors()[0]
    key = ".".join(str(p) for p in first["loc"]) or "(top level)"
    kind = first["type"]
    if kind == "extra_forbidden":
        problem = "unknown key; check the spelling against docs/configuration.md"
    elif kind == "missing":
        problem = "required field is missing"
    else:
        problem = first["msg"].removeprefix("Value error, ")
    more = len(error.errors()) - 1
    if more:
        problem += f" (and {more} more problem{'s' if more > 1 else ''})"
    return ConfigError(file, key, problem)


def load_yaml_model(path: str | Path, model: type[BaseModel]):
    """Read a YAML file and validate it against ``model``, raising :class:`ConfigError`."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(path, "(file)", "configuration file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ConfigError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise ConfigError(path, "(top level)", "expected a mapping of keys to values")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _format_validation_error(path, exc) from None


class DisplayNames(_Strict):
    """Reader-facing names of police flags and partner indicators (config/display_names.yaml)."""

    flags: dict[Flag, str]
    indicators: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_flag_named(self) -> DisplayNames:
        missing = [flag for flag in FLAGS if flag not in self.flags]
        if missing:
            raise ValueError(f"flags: no display name for {', '.join(missing)}")
        return self

    def indicator(self, key: str) -> str:
        """The indicator's configured name, else one made from its id."""
        if key in self.indicators:
            return self.indicators[key]
        words = key.replace("_pct", " (%)").replace("_", " ").strip()
        return words[:1].upper() + words[1:]


@lru_cache(maxsize=8)
def _load_display_names(path: str, mtime: float) -> DisplayNames:
    return load_yaml_model(path, DisplayNames)


def load_display_names(path: str | Path = DISPLAY_NAMES_CONFIG) -> DisplayNames:
    """Load and validate ``config/display_names.yaml`` (cached until the file changes)."""
    path = Path(path)
    return _load_display_names(str(path), _mtime(path))


@lru_cache(maxsize=8)
def _load_priorities(path: str, mtime: float) -> PrioritiesConfig:
    return load_yaml_model(path, PrioritiesConfig)


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


def load_priorities(path: str | Path = PRIORITIES_CONFIG) -> PrioritiesConfig:
    """Load and validate ``config/priorities.yaml`` (cached until the file changes)."""
    path = Path(path)
    return _load_priorities(str(path), _mtime(path))
