"""The partnership's own performance indicators and targets: ``config/performance.yaml``.

Each partnership's performance overview lists indicators, each counted from a priority's
police-recorded offences or taken from a partner indicator, with a direction and a target:

* none: the default, each quarter against the same quarter a year earlier;
* a level, per year or per quarter ("maintain the level of 9,501 a year");
* a change on a baseline financial year ("1% fewer than 2024/25").

``defaults`` applies to every partnership that does not list its own; ``partnerships`` maps a
CSP id (``herefordshire``) to its own list. Errors name the file, the key and the problem.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from csp_analysis.core.config import _mtime, load_yaml_model
from csp_analysis.core.paths import PERFORMANCE_CONFIG

__all__ = ["IndicatorSpec", "PerformanceConfig", "Target", "load_performance"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Strict):
    """A target: a level (per year or quarter), or a percentage change on a baseline year."""

    level: float | None = Field(default=None, ge=0, description="e.g. 9501")
    per: Literal["year", "quarter"] = "year"
    change_pct: float | None = Field(
        default=None, gt=-100, le=1000, description="e.g. -1 for 1% fewer"
    )
    baseline: str | None = Field(
        default=None, pattern=r"^\d{4}/\d{2}$", description="financial year, e.g. 2024/25"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        if (self.level is None) == (self.change_pct is None):
            raise ValueError("give either level (with per) or change_pct (with baseline)")
        if self.change_pct is not None and self.baseline is None:
            raise ValueError("change_pct needs a baseline financial year, e.g. baseline: 2024/25")
        if self.level is not None and self.baseline is not None:
            raise ValueError("baseline goes with change_pct, not with level")
        if self.baseline is not None:
            start, end = int(self.baseline[:4]), int(self.baseline[5:])
            if (start + 1) % 100 != end:
                raise ValueError(f"baseline {self.baseline!r} is not a financial year")
        return self


class IndicatorSpec(_Strict):
    """One indicator of the overview: a priority's police count or a partner indicator."""

    priority: str | None = Field(default=None, description="priority id, e.g. all_crime")
    indicator: str | None = Field(default=None, description="partner indicator id")
    direction: Literal["lower", "higher"] | None = None
    target: Target | None = None

    @model_validator(mode="after")
    def _one_source(self) -> IndicatorSpec:
        if (self.priority is None) == (self.indicator is None):
            raise ValueError("give either priority (police-recorded) or indicator (partner data)")
        if self.indicator is not None and self.target is not None:
            raise ValueError(
                "a partner indicator's targets come with its data; set targets for priorities"
            )
        return self

    @property
    def key(self) -> str:
        return self.priority or self.indicator


class PerformanceConfig(_Strict):
    """``config/performance.yaml``: indicators for every partnership, and per partnership."""

    defaults: list[IndicatorSpec] = Field(min_length=1)
    partner_indicators: Literal["all", "listed"] = Field(
        default="all",
        description="show every partner indicator in the data, or only those listed",
    )
    partnerships: dict[str, list[IndicatorSpec]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _no_duplicates(self) -> PerformanceConfig:
        for where, specs in [("defaults", self.defaults), *self.partnerships.items()]:
            keys = [s.key for s in specs]
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:
                raise ValueError(f"{where}: {', '.join(repeated)} listed more than once")
        return self

    def for_csp(self, csp_id: str) -> list[IndicatorSpec]:
        """The partnership's own list, else the defaults."""
        return self.partnerships.get(csp_id, self.defaults)

    def check(self, areas, priorities, path: str | Path = PERFORMANCE_CONFIG) -> None:
        """Every partnership and priority named must exist (errors name the file and key)."""
        from csp_analysis.core.exceptions import ConfigError

        known_csps = {csp.id for csp in areas.csps}
        for csp_id in self.partnerships:
            if csp_id not in known_csps:
                raise ConfigError(
                    path, f"partnerships.{csp_id}", f"unknown CSP id; known: {sorted(known_csps)}"
                )
        ids = {p.id for p in priorities.priorities}
        for where, specs in [("defaults", self.defaults), *self.partnerships.items()]:
            for i, spec in enumerate(specs):
                if spec.priority is not None and spec.priority not in ids:
                    key = (
                        f"{where}.{i}.priority"
                        if where == "defaults"
                        else (f"partnerships.{where}.{i}.priority")
                    )
                    raise ConfigError(path, key, f"unknown priority {spec.priority!r}")


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> PerformanceConfig:
    return load_yaml_model(path, PerformanceConfig)


def load_performance(path: str | Path = PERFORMANCE_CONFIG) -> PerformanceConfig:
    """Load and validate ``config/performance.yaml`` (cached until the file changes)."""
    path = Path(path)
    return _load(str(path), _mtime(path))
