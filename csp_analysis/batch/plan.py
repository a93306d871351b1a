"""Planning a batch: which reports, for which forces and partnerships, with which parameters,
and which must run (fingerprints against the manifest), before anything runs."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csp_analysis import __version__
from csp_analysis.batch.fingerprint import (
    code_fingerprint,
    data_fingerprint,
    file_digest,
    notebook_fingerprint,
)
from csp_analysis.batch.fingerprint import report_fingerprint as combine_fingerprints
from csp_analysis.batch.matrix import (
    ALL_SCOPE_PARAMETERS,
    SCOPE_PARAMETERS,
    BatchConfig,
    ReportJob,
    in_a_pack,
    load_batch_config,
    period_label,
)
from csp_analysis.batch.worker import (
    STATUS_OK,
    skip_slow_optional_imports,
)
from csp_analysis.core.config import load_priorities
from csp_analysis.core.exceptions import InputFileError, ReportError
from csp_analysis.core.paths import (
    AREAS_CONFIG,
    COMMENTARY_DIR,
    CRIMES_PARQUET,
    PRIORITIES_CONFIG,
    PROCESSED_DIR,
    PROJECT_ROOT,
    REPORTS_CONFIG,
    REPORTS_DIR,
)
from csp_analysis.core.registry import load_areas
from csp_analysis.io import remote
from csp_analysis.io.commentary import commentary_path, read_commentary
from csp_analysis.io.ingest_report import IngestReport, data_are_synthetic

MANIFEST = "manifest.json"


EXECUTED_DIR = "_executed"


_DATA_HASH_CACHE = ".data_hashes.json"


_PARAMETER_CACHE = ".notebook_parameters.json"


@dataclass
class RunOptions:
    """Everything ``csp-analysis run`` accepts; tests build one directly."""

    config: Path = REPORTS_CONFIG
    csps: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    workers: int | None = None
    timeout: float | None = None
    force: bool = False
    out_dir: Path = REPORTS_DIR
    processed_dir: Path | str | None = None  # a folder, or a URL (s3://...: io/remote.py)
    areas_config: Path = AREAS_CONFIG
    priorities_config: Path = PRIORITIES_CONFIG
    project_root: Path = PROJECT_ROOT
    commentary_dir: Path = COMMENTARY_DIR
    list_only: bool = False
    progress: bool = True
    pdf: bool = False  # each report also as a tagged PDF, and a board pack per partnership
    scheduler: str | None = None  # a Dask scheduler's address: run the reports on its cluster


@dataclass
class Provenance:
    """What the processed data says about itself; printed in every page's footer."""

    synthetic: bool = False
    sources: list[str] = field(default_factory=list)
    ingest_date: str = "not recorded"
    months: dict[str, tuple[str, str]] = field(default_factory=dict)  # force -> (first, last)
    code_version: str = f"csp-analysis {__version__}"


@dataclass
class PlannedReport:
    """A job with its resolved parameters, fingerprint and whether it must run."""

    job: ReportJob
    parameters: dict[str, Any]
    fingerprint: str
    notebook_fingerprint: str
    timeout: float
    run: bool
    reason: str
    commentary_fingerprint: str | None = None  # the commentary file's digest, when there is one
    note: str | None = None  # for the index, e.g. commentary written for an earlier period


@dataclass
class BatchPlan:
    """What a run will do: every job, the selected ones with whether each must run and why,
    the previous manifest's entries, and the fingerprints and provenance of the data."""

    batch: BatchConfig
    all_jobs: list[ReportJob]
    planned: list[PlannedReport]
    provenance: Provenance
    warnings: list[str]
    previous: dict[str, dict[str, Any]]  # manifest entries by report key
    data: str  # data fingerprint
    code: str  # code fingerprint
    processed_dir: Path


def _month_text(value) -> str:
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)[:7]


def read_data_months(processed_dir: Path) -> dict[str, tuple[str, str]]:
    """First and last month with data, per force, from ``crimes.parquet`` (two columns only)."""
    path = processed_dir / CRIMES_PARQUET
    if not path.is_file():
        return {}
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path, columns=["force", "month"])
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise ReportError(f"{path}: cannot read the force and month columns: {exc}") from None
    grouped = table.group_by("force").aggregate([("month", "min"), ("month", "max")]).to_pylist()
    return {
        row["force"]: (_month_text(row["month_min"]), _month_text(row["month_max"]))
        for row in grouped
        if row["force"] is not None and row["month_max"] is not None
    }


# How ingest_report.json's source keys are named for readers (see csp_analysis/ingest.py).
SOURCE_NAMES = {
    "police_uk": "police.uk street-level crime and ASB data (Home Office)",
    "local_extract": "Local police crime extract",
    "home_office": "Home Office police recorded crime open data",
    "lsoa_lookup": "ONS LSOA (2021) to ward to local authority best-fit lookup",
    "lsoa11_lookup": "ONS LSOA (2011) to LSOA (2021) lookup",
    "csp_lookup": "ONS local authority to CSP to police force area lookup",
    "population": "ONS mid-year population estimates",
    "indicators": "Partner indicators",
    "demo": "Synthetic demonstration data (csp-analysis demo-data)",
}


def _file_name(value: Any) -> str:
    # Published pages carry no paths: a path is reduced to its file name.
    return Path(str(value).replace("\\", "/")).name


def _source_label(key: str, source: dict) -> str:
    """A reader-facing label for one entry of the ingest report's ``sources``."""
    label = SOURCE_NAMES.get(key, key)
    files = source.get("files")
    if isinstance(files, list) and files:
        detail = f"{len(files)} file{'s' if len(files) != 1 else ''}"
    elif source.get("name"):
        detail = _file_name(source["name"])
    else:
        detail = None
    return f"{label} ({detail})" if detail else label


def _git_version(project_root: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=project_root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def read_provenance(processed_dir: Path, project_root: Path = PROJECT_ROOT) -> Provenance:
    """Provenance of the processed data for the pages' footers and the synthetic banner.

    From the ingest report (:class:`csp_analysis.io.ingest_report.IngestReport`): the sources
    and the ingest date; from ``crimes.parquet``, the months per force; and whether the data
    are synthetic by the one rule, :func:`csp_analysis.io.ingest_report.data_are_synthetic`.
    """
    prov = Provenance(synthetic=data_are_synthetic(processed_dir))
    report = IngestReport.read(processed_dir)
    if report is not None:
        prov.sources = [_source_label(key, value) for key, value in report.sources.items()]
        prov.ingest_date = report.ingested_at[:10]
    prov.months = read_data_months(processed_dir)
    commit = _git_version(project_root)
    if commit:
        prov.code_version = f"csp-analysis {__version__} (git {commit})"
    return prov


def resolve_period_end(job: ReportJob, months: dict[str, tuple[str, str]], processed_dir) -> str:
    """The month a report covers: as declared, or for "latest" the force's last month of data."""
    declared = job.period_end
    if declared != "latest":
        return declared
    if not months:
        raise ReportError(
            f"period_end is 'latest' but there is no processed crime data in "
            f"{Path(processed_dir) / CRIMES_PARQUET}; run `make data` (or csp-analysis ingest) "
            "first, or set period_end: YYYY-MM in the batch file"
        )
    if job.force not in months:
        raise ReportError(
            f"period_end is 'latest' but {CRIMES_PARQUET} has no rows for force {job.force!r} "
            f"(forces with data: {', '.join(sorted(months))})"
        )
    return months[job.force][1]


def forces_to_report(national, months: dict[str, tuple[str, str]]):
    """The part of the registry the batch reports on, and what to tell the user about it.

    The forces chosen in ``config/areas.yaml``, or, with none chosen, every force the processed
    data hold records for. A chosen force without data, and data of a force not chosen, are each
    said plainly (the first has no reports; the second's rows are not reported on).
    """
    known = {f.id for f in national.forces}
    in_data = [force for force in months if force in known]
    unknown = sorted(force for force in months if force not in known)
    warnings = [
        f"the processed data hold records of {force!r}, which is not a police force area of "
        "England and Wales: no reports for them"
        for force in unknown
    ]
    if national.selected is None:
        chosen = in_data
        if not chosen:
            raise ReportError(
                "the processed data hold no records for any police force of England and Wales; "
                "run `make data` (or csp-analysis ingest) first"
            )
    else:
        chosen = list(national.selected)
        for force in chosen:
            if force not in months:
                warnings.append(
                    f"force {force!r} is chosen in config/areas.yaml but the processed data hold "
                    "no records for it: its reports are not run"
                )
        for force in in_data:
            if force not in chosen:
                warnings.append(
                    f"the processed data hold records of {force!r}, which config/areas.yaml does "
                    "not choose: no reports for it"
                )
        chosen = [force for force in chosen if force in months]
        if not chosen:
            raise ReportError(
                "none of the forces chosen in config/areas.yaml ("
                + ", ".join(national.selected)
                + ") has records in the processed data"
            )
    return national.restrict(chosen), warnings


def select_jobs(
    jobs: list[ReportJob], options: RunOptions, batch: BatchConfig, national, priorities, areas=None
):
    """The jobs matching ``--csp``/``--report``/``--priority``; unknown values list valid ones.

    ``--csp`` (id, ONS code or name) keeps that CSP's reports and its force's force-level
    reports; ``--priority`` keeps the thematic reports on that priority; filters combine with
    AND. A partnership of a force the batch does not report on is said to be so.
    """
    areas = areas or national
    for report in options.reports:
        batch.report(report)  # raises UnknownNameError listing the valid report ids
    csp_ids = [national.csp(c).id for c in options.csps]
    for csp_id in csp_ids:
        force = national.force_of(csp_id)
        if force.id not in {f.id for f in areas.forces}:
            raise ReportError(
                f"{national.csp(csp_id).name} ({csp_id}) is in {force.name}, which this batch "
                "does not report on: ingest its data"
                + (" and choose it in config/areas.yaml" if national.selected else "")
            )
    forces = {national.force_of(c).id for c in csp_ids}
    for priority in options.priorities:
        priorities.get(priority)
    selected = []
    for job in jobs:
        if options.reports and job.report not in options.reports:
            continue
        if csp_ids and not (job.csp in csp_ids or (job.csp is None and job.force in forces)):
            continue
        if options.priorities and job.priority not in options.priorities:
            continue
        selected.append(job)
    if not selected:
        raise ReportError(
            "no report matches the filters given (--csp/--report/--priority); "
            "csp-analysis run --list shows the batch"
        )
    return selected


def inspect_parameters(notebook: Path, fingerprint: str, cache: dict[str, Any]) -> dict[str, Any]:
    """A notebook's declared parameters (papermill inspection), cached by notebook fingerprint."""
    if fingerprint in cache:
        return cache[fingerprint]
    skip_slow_optional_imports()
    import papermill

    try:
        declared = papermill.inspect_notebook(str(notebook))
    except Exception as exc:  # papermill raises plain exceptions for unparsable notebooks
        raise ReportError(f"{notebook}: papermill cannot inspect its parameters: {exc}") from None
    cache[fingerprint] = {name: info.get("default") for name, info in declared.items()}
    return cache[fingerprint]


def check_notebook_parameters(
    jobs: list[ReportJob],
    batch: BatchConfig,
    notebook_fingerprints: dict[Path, str],
    cache: dict[str, Any],
) -> tuple[dict[Path, set[str]], list[str]]:
    """Check every selected report's notebook against the parameters the batch will give it.

    Returns
    -------
    (dict, list)
        Each notebook's declared parameter names, and warnings (common parameters that no
        selected notebook declares, which are therefore not passed).

    Raises
    ------
    ReportError
        Naming the report, the notebook and the parameter: a notebook without a cell tagged
        "parameters", a scope parameter (csp, priority, force, period_end) the notebook does
        not declare, a scope parameter it declares but the report does not supply, or a fixed
        parameter of the report that the notebook does not declare.
    """
    declared_by: dict[Path, set[str]] = {}
    checked: set[tuple[str, Path]] = set()
    for job in jobs:
        if (job.report, job.notebook) in checked:
            continue
        checked.add((job.report, job.notebook))
        where = f"report {job.report!r}, notebook {job.notebook_label}"
        declared = set(inspect_parameters(job.notebook, notebook_fingerprints[job.notebook], cache))
        declared_by[job.notebook] = declared
        if not declared:
            raise ReportError(
                f"{where}: no cell tagged 'parameters' (papermill found no parameters); tag the "
                "cell that sets csp/priority/force/period_end"
            )
        supplied = set(SCOPE_PARAMETERS[job.scope])
        for name in SCOPE_PARAMETERS[job.scope]:
            if name not in declared:
                raise ReportError(
                    f"{where}: parameter {name!r} is missing from the notebook's parameters cell "
                    f"(reports of scope {job.scope!r} are given {', '.join(sorted(supplied))})"
                )
        for name in sorted((set(ALL_SCOPE_PARAMETERS) & declared) - supplied):
            raise ReportError(
                f"{where}: the notebook declares parameter {name!r} but reports of scope "
                f"{job.scope!r} do not supply it"
            )
        for name in sorted(job.fixed_parameters):
            if name not in declared:
                raise ReportError(
                    f"{where}: unknown parameter {name!r} (set in the batch file, not declared "
                    f"in the notebook's parameters cell; it declares {', '.join(sorted(declared))})"
                )
    warnings = []
    all_declared = set().union(*declared_by.values()) if declared_by else set()
    for name in sorted(batch.parameters):
        if name not in all_declared:
            warnings.append(
                f"common parameter {name!r} is declared by none of the selected notebooks; "
                "not passed"
            )
    return declared_by, warnings


def _load_json(path: Path, default):
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, OSError):
        return default


def plan_batch(options: RunOptions) -> BatchPlan:
    """Load, expand, select, check and fingerprint the batch without running anything.

    Returns
    -------
    dict
        ``batch``, ``all_jobs`` (the whole matrix), ``planned`` (list of PlannedReport for the
        selected jobs), ``provenance``, ``warnings``, ``previous`` (manifest entries by key),
        ``data`` and ``code`` fingerprints and the processed-data folder.
    """
    batch = load_batch_config(options.config)
    national = load_areas(options.areas_config)
    priorities = load_priorities(options.priorities_config)
    common = dict(batch.parameters)
    processed_dir = options.processed_dir or common.get("processed_dir") or PROCESSED_DIR
    if remote.is_url(processed_dir):
        # The notebooks (and a cluster's workers) get the URL; the plan reads this machine's
        # copy of it.
        common["processed_dir"] = str(processed_dir).strip()
        processed_dir = remote.local_processed_dir(processed_dir)
    else:
        processed_dir = Path(processed_dir)
        if not processed_dir.is_absolute():
            processed_dir = options.project_root / processed_dir
        if options.processed_dir is not None or "processed_dir" in common:
            common["processed_dir"] = str(processed_dir)

    areas, scope_warnings = forces_to_report(national, read_data_months(processed_dir))
    all_jobs = batch.expand(areas, priorities, options.config, options.project_root)
    selected = select_jobs(all_jobs, options, batch, national, priorities, areas)

    out_dir = Path(options.out_dir)
    cache_dir = out_dir / EXECUTED_DIR
    notebook_fps = {}
    for job in selected:
        if job.notebook not in notebook_fps:
            if not job.notebook.is_file():
                raise ReportError(f"report {job.report!r}: notebook {job.notebook_label} not found")
            notebook_fps[job.notebook] = notebook_fingerprint(job.notebook)
    parameter_cache = _load_json(cache_dir / _PARAMETER_CACHE, {})
    declared_by, warnings = check_notebook_parameters(
        selected, batch, notebook_fps, parameter_cache
    )
    warnings = scope_warnings + warnings
    cache_dir.mkdir(parents=True, exist_ok=True)
    (cache_dir / _PARAMETER_CACHE).write_text(json.dumps(parameter_cache), encoding="utf-8")

    provenance = read_provenance(processed_dir, options.project_root)
    data_fp, _ = data_fingerprint(processed_dir, cache_dir / _DATA_HASH_CACHE)
    code_fp = code_fingerprint(options.project_root)
    previous = {e["key"]: e for e in _load_json(out_dir / MANIFEST, {}).get("reports", [])}

    planned = []
    for job in selected:
        job.scope_parameters["period_end"] = resolve_period_end(
            job, provenance.months, processed_dir
        )
        parameters = dict(job.scope_parameters)
        parameters.update({k: v for k, v in common.items() if k in declared_by[job.notebook]})
        parameters.update(job.fixed_parameters)
        timeout = options.timeout or job.timeout or batch.timeout
        commentary_fp, note = _commentary(job, options.commentary_dir)
        fp = combine_fingerprints(
            notebook=notebook_fps[job.notebook],
            code=code_fp,
            data=data_fp,
            parameters=parameters,
            extra={
                "title": job.title,
                "output": job.output_relpath,
                "commentary": commentary_fp,
                # Turning PDFs on re-runs every report (each PDF is made with its page).
                "pdf": options.pdf,
            },
        )
        before = previous.get(job.key)
        if options.force:
            run, reason = True, "--force"
        elif before is None:
            run, reason = True, "new"
        elif before.get("status") != STATUS_OK:
            run, reason = True, "failed last time"
        elif before.get("fingerprint") != fp:
            run, reason = (
                True,
                _what_changed(
                    before,
                    notebook_fps[job.notebook],
                    code_fp,
                    data_fp,
                    parameters,
                    commentary_fp,
                    options.pdf,
                ),
            )
        elif not (out_dir / job.output_relpath).is_file():
            run, reason = True, "output missing"
        elif (
            options.pdf
            and not in_a_pack(batch.board_pack, job)  # the pack step writes those PDFs
            and not (out_dir / job.output_relpath).with_suffix(".pdf").is_file()
        ):
            run, reason = True, "PDF missing"
        else:
            run, reason = False, "up to date"
        planned.append(
            PlannedReport(
                job, parameters, fp, notebook_fps[job.notebook], timeout, run, reason,
                commentary_fp, note,
            )
        )  # fmt: skip
    for job in all_jobs:  # unselected jobs still need a resolvable period for the index
        if job.scope_parameters["period_end"] == "latest" and job.force in provenance.months:
            job.scope_parameters["period_end"] = provenance.months[job.force][1]
    return BatchPlan(
        batch=batch,
        all_jobs=all_jobs,
        planned=planned,
        provenance=provenance,
        warnings=warnings,
        previous=previous,
        data=data_fp,
        code=code_fp,
        processed_dir=processed_dir,
    )


def _commentary(job: ReportJob, commentary_dir: Path) -> tuple[str | None, str | None]:
    """The report's commentary file digest (part of its fingerprint, so editing the file re-runs
    this report only), and a note for the index when it will not be shown."""
    area = job.csp or job.force
    path = commentary_path(area, Path(job.output_relpath).stem, commentary_dir)
    if not path.is_file():
        return None, None
    digest = file_digest(path)
    try:
        found = read_commentary(path)
    except InputFileError as exc:
        return digest, f"commentary cannot be read: {exc.problem}"
    if not found.applies_to(job.period_end):
        return digest, (
            f"commentary written for an earlier period ({period_label(found.meta.period_end)}); "
            "not shown"
        )
    return digest, None


def _what_changed(
    before, notebook_fp, code_fp, data_fp, parameters, commentary_fp, pdf: bool
) -> str:
    changed = []
    if before.get("notebook_fingerprint") != notebook_fp:
        changed.append("notebook")
    if before.get("code_fingerprint") != code_fp:
        changed.append("code")
    if before.get("data_fingerprint") != data_fp:
        changed.append("data")
    if before.get("parameters") != parameters:
        changed.append("parameters")
    if before.get("commentary_fingerprint") != commentary_fp:
        changed.append("commentary")
    if bool(before.get("pdf")) != pdf:
        changed.append("PDF on" if pdf else "PDF off")
    return "changed: " + (", ".join(changed) or "title or output")
