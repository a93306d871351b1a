"""Typed model of ``config/reports.yaml``: which report notebooks run, for which areas.

The batch file declares report types, each with its notebook, its scope (one report per CSP, per
CSP and priority, or per police force), the areas and priorities it covers, its title and
output-path templates and any fixed notebook parameters. :func:`load_batch_config` validates it
with pydantic (every problem becomes a :class:`~csp_analysis.core.exceptions.ConfigError` naming the
file and key) and :meth:`BatchConfig.expand` turns it into the concrete list of
:class:`ReportJob` objects, checked against ``config/areas.yaml`` and ``config/priorities.yaml``.

Whether the notebooks really take the parameters the batch gives them is checked separately by
:func:`csp_analysis.batch.runner.check_notebook_parameters` (papermill's inspection), before any runs.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from csp_analysis.core.config import AreasConfig, PrioritiesConfig, load_yaml_model
from csp_analysis.core.exceptions import ConfigError, UnknownNameError
from csp_analysis.core.paths import PROJECT_ROOT, REPORTS_CONFIG
from csp_analysis.report import wording

Scope = Literal["csp", "csp_priority", "force"]
PERIOD_PATTERN = r"^(latest|\d{4}-(0[1-9]|1[0-2]))$"

# The parameters the batch itself supplies for each scope; every report notebook must declare
# them in its cell tagged "parameters" (and must not declare scope parameters it is not given).
SCOPE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "csp": ("csp", "period_end"),
    "csp_priority": ("csp", "priority", "period_end"),
    "force": ("force", "period_end"),
}
ALL_SCOPE_PARAMETERS = ("csp", "priority", "force", "period_end")

# Fields a title or output template may use, per scope.
_TEMPLATE_FIELDS: dict[str, set[str]] = {
    "csp": {"report", "csp", "csp_name", "force", "force_name", "period"},
    "csp_priority": {
        "report",
        "csp",
        "csp_name",
        "force",
        "force_name",
        "priority",
        "priority_title",
        "period",
    },
    "force": {"report", "force", "force_name", "period"},
}
_OUTPUT_FIELDS_NEEDED: dict[str, set[str]] = {
    "csp": {"csp"},
    "csp_priority": {"csp", "priority"},
    "force": {"force"},
}

ParameterValue = str | int | float | bool | None | list[str | int | float | bool]


def _template_fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"template {template!r} is not a valid format string: {exc}") from None


def _no_scope_parameters(cls, value: dict[str, Any]) -> dict[str, Any]:
    """Fixed parameters may not set what the batch sets for each report (csp, period_end...)."""
    clash = sorted(set(value) & set(ALL_SCOPE_PARAMETERS))
    if clash:
        raise ValueError(
            f"{', '.join(clash)} are set by the batch for each report; do not set them here"
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportSpec(_Strict):
    """One report type: a notebook run once per area (and priority) of its scope."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="report type, e.g. thematic_review")
    notebook: str = Field(description="path of the notebook, relative to the project root")
    scope: Scope
    title: str = Field(min_length=1, description="format template of the report's h1")
    output: str = Field(description="format template of the HTML path under the reports folder")
    csps: list[str] | Literal["all"] = "all"
    forces: list[str] | Literal["all"] = "all"
    priorities: list[str] | Literal["all"] = "all"
    exclude_priorities: list[str] = Field(default_factory=list)
    parameters: dict[str, ParameterValue] = Field(
        default_factory=dict, description="fixed parameters every run of this notebook gets"
    )
    timeout: float | None = Field(default=None, gt=0, description="seconds, overrides the batch")

    @field_validator("notebook")
    @classmethod
    def _is_notebook(cls, value: str) -> str:
        if not value.endswith(".ipynb"):
            raise ValueError(f"notebook {value!r} must be a .ipynb file")
        return value

    _not_scope_parameters = field_validator("parameters")(_no_scope_parameters)

    @model_validator(mode="after")
    def _templates_fit_scope(self) -> ReportSpec:
        allowed = _TEMPLATE_FIELDS[self.scope]
        for name in ("title", "output"):
            used = _template_fields(getattr(self, name))
            unknown = used - allowed
            if unknown:
                raise ValueError(
                    f"{name} template uses {', '.join(sorted(unknown))}, not available for scope "
                    f"{self.scope!r}; use {', '.join(sorted(allowed))}"
                )
        needed = _OUTPUT_FIELDS_NEEDED[self.scope] - _template_fields(self.output)
        if needed:
            raise ValueError(
                f"output template must contain {{{'}, {'.join(sorted(needed))}}} so that every "
                "report of this scope gets its own file"
            )
        out = PurePosixPath(self.output)
        if out.is_absolute() or ".." in out.parts or out.suffix != ".html" or "\\" in self.output:
            raise ValueError(
                f"output {self.output!r} must be a relative path ending in .html, without '..'"
            )
        if self.scope != "csp_priority" and (self.priorities != "all" or self.exclude_priorities):
            raise ValueError("priorities apply only to reports with scope 'csp_priority'")
        if self.scope == "force" and self.csps != "all":
            raise ValueError("csps do not apply to reports with scope 'force'; use forces")
        if self.scope != "force" and self.forces != "all":
            raise ValueError("forces apply only to reports with scope 'force'")
        return self


class BoardPackSpec(_Strict):
    """A partnership's board pack: one PDF of its reports in committee order (``--pdf``)."""

    title: str = Field(
        default="{csp_name}: board pack, {period}", min_length=1, description="cover title"
    )
    output: str = Field(
        default="{csp}/board_pack.pdf", description="format template of the PDF's path"
    )
    order: list[str] = Field(
        min_length=1,
        description="report ids of scope csp or csp_priority, in pack order; a csp_priority "
        "report contributes each of its priorities in config/priorities.yaml order",
    )

    @model_validator(mode="after")
    def _templates(self) -> BoardPackSpec:
        allowed = _TEMPLATE_FIELDS["csp"] - {"report"}
        for name in ("title", "output"):
            unknown = _template_fields(getattr(self, name)) - allowed
            if unknown:
                raise ValueError(
                    f"board_pack {name} template uses {', '.join(sorted(unknown))}; use "
                    f"{', '.join(sorted(allowed))}"
                )
        if "csp" not in _template_fields(self.output):
            raise ValueError("board_pack output template must contain {csp}")
        out = PurePosixPath(self.output)
        if out.is_absolute() or ".." in out.parts or out.suffix != ".pdf":
            raise ValueError(
                f"board_pack output {self.output!r} must be a relative path ending in .pdf, "
                "without '..'"
            )
        if len(set(self.order)) != len(self.order):
            raise ValueError("board_pack order names a report twice")
        return self


class BatchConfig(_Strict):
    """The whole batch: the period, defaults, common parameters and report types."""

    period_end: str = Field(
        default="latest",
        pattern=PERIOD_PATTERN,
        description='"latest" (last month with data for the force) or "YYYY-MM"',
    )
    timeout: float = Field(default=600, gt=0, description="seconds allowed per report")
    kernel: str = Field(default="csp-analysis", description="Jupyter kernel; python3 if absent")
    parameters: dict[str, ParameterValue] = Field(
        default_factory=dict,
        description="passed to every notebook whose parameters cell declares them",
    )
    reports: list[ReportSpec] = Field(min_length=1)
    board_pack: BoardPackSpec | None = None

    _not_scope_parameters = field_validator("parameters")(_no_scope_parameters)

    @model_validator(mode="after")
    def _unique_ids(self) -> BatchConfig:
        ids = [r.id for r in self.reports]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"report ids declared twice: {', '.join(dupes)}")
        if self.board_pack is not None:
            scopes = {r.id: r.scope for r in self.reports}
            for report_id in self.board_pack.order:
                if scopes.get(report_id) not in ("csp", "csp_priority"):
                    valid = [i for i, scope in scopes.items() if scope != "force"]
                    raise ValueError(
                        f"board_pack order: {report_id!r} is not a partnership report of this "
                        f"batch; valid: {', '.join(valid)}"
                    )
        return self

    @property
    def report_ids(self) -> list[str]:
        return [r.id for r in self.reports]

    def report(self, report_id: str) -> ReportSpec:
        """Return a report type by id; an unknown id lists the valid ones."""
        for spec in self.reports:
            if spec.id == report_id:
                return spec
        raise UnknownNameError("report", report_id, self.report_ids)

    def expand(
        self,
        areas: AreasConfig,
        priorities: PrioritiesConfig,
        source: str | Path = REPORTS_CONFIG,
        project_root: Path = PROJECT_ROOT,
    ) -> list[ReportJob]:
        """Every report of the batch, in a stable order, with its parameters and paths.

        Parameters
        ----------
        areas, priorities : AreasConfig, PrioritiesConfig
            The validated area and priority configuration the ids are checked against.
        source : str or Path
            The batch file, named in error messages.
        project_root : Path
            Relative notebook paths are resolved against it.

        Returns
        -------
        list of ReportJob
            ``period_end`` is left as declared (possibly "latest"); the runner resolves it.

        Raises
        ------
        ConfigError
            An unknown CSP, force or priority id, or two reports writing the same file.
        """
        jobs: list[ReportJob] = []
        for index, spec in enumerate(self.reports):
            where = f"reports.{index}"
            for combo in _combinations(spec, areas, priorities, source, where):
                params = dict(combo)
                params["period_end"] = self.period_end
                notebook = Path(spec.notebook)
                if not notebook.is_absolute():
                    notebook = project_root / notebook
                jobs.append(
                    ReportJob(
                        report=spec.id,
                        notebook=notebook,
                        notebook_label=spec.notebook,
                        scope=spec.scope,
                        scope_parameters=params,
                        fixed_parameters=dict(spec.parameters),
                        title_template=spec.title,
                        output_template=spec.output,
                        timeout=spec.timeout,
                        names=_display_names(spec.scope, params, areas, priorities),
                    )
                )
        seen: dict[str, str] = {}
        for job in jobs:
            out = job.output_relpath
            if out in seen:
                raise ConfigError(
                    source,
                    "reports",
                    f"{seen[out]} and {job.key} would both write {out}; make the output "
                    "templates distinct",
                )
            seen[out] = job.key
        return jobs


def _combinations(spec, areas, priorities, source, where):
    def check(kind, ids, valid, key):
        for value in ids:
            if value not in valid:
                raise ConfigError(
                    source,
                    f"{where}.{key}",
                    f"unknown {kind} {value!r}; valid: {', '.join(valid)}",
                )

    if spec.scope == "force":
        valid_forces = [f.id for f in areas.forces]
        forces = valid_forces if spec.forces == "all" else list(spec.forces)
        check("force", forces, valid_forces, "forces")
        return [{"force": f} for f in forces]
    valid_csps = [c.id for c in areas.csps]
    csps = valid_csps if spec.csps == "all" else list(spec.csps)
    check("CSP", csps, valid_csps, "csps")
    if spec.scope == "csp":
        return [{"csp": c} for c in csps]
    valid_priorities = priorities.ids
    chosen = valid_priorities if spec.priorities == "all" else list(spec.priorities)
    check("priority", chosen, valid_priorities, "priorities")
    check("priority", spec.exclude_priorities, valid_priorities, "exclude_priorities")
    chosen = [p for p in chosen if p not in spec.exclude_priorities]
    if not chosen:
        raise ConfigError(source, f"{where}.priorities", "no priorities left after exclusions")
    return [{"csp": c, "priority": p} for c in csps for p in chosen]


def _display_names(scope, params, areas: AreasConfig, priorities: PrioritiesConfig):
    names: dict[str, str] = {}
    if "csp" in params:
        csp = areas.csp(params["csp"])
        force = areas.force_of(csp.id)
        names.update(csp_name=csp.name, force=force.id, force_name=force.name)
    if "force" in params:
        names.update(force=params["force"], force_name=areas.force(params["force"]).name)
    if "priority" in params:
        names["priority_title"] = priorities.get(params["priority"]).title
    return names


@dataclass
class ReportJob:
    """One concrete report: a notebook with its parameters, and where its outputs go."""

    report: str
    notebook: Path
    notebook_label: str
    scope: str
    scope_parameters: dict[str, Any]
    fixed_parameters: dict[str, Any]
    title_template: str
    output_template: str
    timeout: float | None
    names: dict[str, str] = field(default_factory=dict)

    @property
    def csp(self) -> str | None:
        return self.scope_parameters.get("csp")

    @property
    def priority(self) -> str | None:
        return self.scope_parameters.get("priority")

    @property
    def force(self) -> str:
        return self.scope_parameters.get("force") or self.names["force"]

    @property
    def period_end(self) -> str:
        return self.scope_parameters["period_end"]

    @property
    def key(self) -> str:
        """Stable identity across runs: report type and area ids, e.g. thematic_review/x/drugs."""
        parts = [self.report] + [
            str(self.scope_parameters[p])
            for p in ("force", "csp", "priority")
            if p in self.scope_parameters
        ]
        return "/".join(parts)

    def _fields(self) -> dict[str, str]:
        fields = {"report": self.report, "period": period_label(self.period_end)}
        fields.update({k: str(v) for k, v in self.scope_parameters.items()})
        fields.update(self.names)
        return fields

    @property
    def title(self) -> str:
        return self.title_template.format(**self._fields())

    @property
    def output_relpath(self) -> str:
        """HTML path relative to the reports folder, POSIX style."""
        return self.output_template.format(**self._fields())

    @property
    def executed_relpath(self) -> str:
        """Executed-notebook path relative to the reports folder."""
        return str(
            PurePosixPath("_executed") / PurePosixPath(self.output_relpath).with_suffix(".ipynb")
        )


def in_a_pack(spec: BoardPackSpec | None, job: ReportJob) -> bool:
    """Whether a report is in its partnership's board pack (whose step writes its PDF)."""
    return spec is not None and bool(job.csp) and job.report in spec.order


def period_label(period_end: str) -> str:
    """The reporting period in words: "2025-12" -> "year ending December 2025".

    Reports cover the rolling 12 months ending with ``period_end`` (the house convention for
    "year ending"). An unresolved "latest" is shown as such.
    """
    if not re.fullmatch(r"\d{4}-\d{2}", period_end):
        return f"year ending {period_end}"
    return wording.year_ending_label(period_end)


def load_batch_config(path: str | Path = REPORTS_CONFIG) -> BatchConfig:
    """Read and validate a batch file such as ``config/reports.yaml``.

    Parameters
    ----------
    path : str or Path
        The YAML file.

    Returns
    -------
    BatchConfig

    Raises
    ------
    ConfigError
        The file is missing, is not YAML, or breaks the model (names the key and problem).
    """
    return load_yaml_model(path, BatchConfig)
