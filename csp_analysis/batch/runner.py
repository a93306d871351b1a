"""``csp-analysis run``: the report batch (papermill + nbconvert), incremental and failure-isolated.

The batch declared in ``config/reports.yaml`` (see :mod:`csp_analysis.batch.matrix`) is expanded
into one job per report, checked against each notebook's parameters with papermill's
inspection, fingerprinted (:mod:`csp_analysis.batch.fingerprint`) and compared with
``reports/manifest.json``: a report whose fingerprint is unchanged and whose page exists is
skipped. The rest run in a pool of worker processes started with the "spawn" method
(papermill's ``cwd`` handling changes the process's working directory, so it is not
thread-safe). Each worker executes one notebook at a time with papermill and renders it with
one reused nbconvert exporter (:mod:`csp_analysis.report.html_export`).

Failure isolation: the parent watches each job's clock and, past the per-report timeout, kills
the kernel's process group and the worker, then starts a fresh worker. A notebook that raises,
a kernel that dies and a report past its timeout are each recorded with a one-line error; the
batch finishes the others, writes ``reports/index.html`` (:mod:`csp_analysis.report.index_page`) and
the manifest, and exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from csp_analysis.batch.matrix import in_a_pack, period_label
from csp_analysis.batch.packs import PackResult, build_packs, plan_packs
from csp_analysis.batch.plan import (
    EXECUTED_DIR,
    MANIFEST,
    PlannedReport,
    Provenance,
    RunOptions,
    plan_batch,
)
from csp_analysis.batch.worker import (
    STATUS_OK,
    ReportTask,
    TaskResult,
    execute_tasks,
)
from csp_analysis.core.exceptions import ReportError
from csp_analysis.core.paths import (
    REPORTS_CONFIG,
    REPORTS_DIR,
)
from csp_analysis.io import remote
from csp_analysis.report import wording

if TYPE_CHECKING:
    from csp_analysis.report.html_export import PageInfo


@dataclass
class BatchResult:
    """What a batch did: per-report manifest entries for the selected reports, and totals."""

    entries: list[dict[str, Any]]
    ran: int
    skipped: int
    failed: list[dict[str, Any]]
    seconds: float
    index_path: Path
    manifest_path: Path
    packs: list[PackResult] = field(default_factory=list)

    @property
    def failed_packs(self) -> list[PackResult]:
        return [p for p in self.packs if p.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.failed_packs else 0


def _kernel_available(name: str) -> str:
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    if name in specs:
        return name
    if "python3" in specs:
        return "python3"
    raise ReportError(
        f"Jupyter kernel {name!r} not found and no python3 kernel either; run `make setup`"
    )


def _display_path(path: Path) -> str:
    """A path for the terminal: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _page_info(item: PlannedReport, provenance: Provenance, generated: str) -> PageInfo:
    from csp_analysis.report.html_export import PageInfo, relative_href
    from csp_analysis.report.index_page import force_index_page

    job = item.job
    months = provenance.months.get(job.force)
    data_period = None
    if months:
        data_period = f"{wording.month_label(months[0])} to {wording.month_label(months[1])}"
    return PageInfo(
        title=job.title,
        period=wording.sentence_start(period_label(job.period_end)),
        kicker="Partnership comparison"
        if job.scope == "force"
        else "Community Safety Partnership report",
        synthetic=provenance.synthetic,
        sources=provenance.sources,
        data_period=data_period,
        ingest_date=provenance.ingest_date,
        code_version=provenance.code_version,
        parameters=item.parameters,
        generated=generated,
        # "All reports" leads to the force's own index (which links the national one).
        index_href=relative_href(job.output_relpath, force_index_page(job.force)),
        accessibility_href=relative_href(job.output_relpath, "accessibility.html"),
    )


PANGO_MISSING = (
    "PDFs not made: WeasyPrint needs the Pango library (Debian/Ubuntu: apt-get install "
    "libpango-1.0-0 libpangoft2-1.0-0); the pages and spreadsheets are published"
)


def pdf_unavailable() -> str | None:
    """Why PDFs cannot be made on this machine (WeasyPrint cannot load Pango), or None."""
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return PANGO_MISSING
    return None


def run_batch(options: RunOptions) -> BatchResult:
    """Run the batch: plan, execute what changed, write the manifest, index and statement.

    Parameters
    ----------
    options : RunOptions

    Returns
    -------
    BatchResult

    Raises
    ------
    ConfigError, ReportError, UnknownNameError
        The batch is misdeclared; nothing has run.
    """
    from csp_analysis.report.index_page import write_accessibility_statement, write_index

    t0 = time.monotonic()
    if options.pdf and (why := pdf_unavailable()):
        print(f"warning: {why}", file=sys.stderr)
        options = replace(options, pdf=False)
    plan = plan_batch(options)
    out_dir = Path(options.out_dir)
    provenance: Provenance = plan.provenance
    for warning in plan.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    to_run = [p for p in plan.planned if p.run]
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results: dict[str, TaskResult] = {}
    if to_run:
        tasks = _tasks(to_run, plan, out_dir, provenance, generated, options.pdf)
        if options.scheduler:
            from csp_analysis.batch.distributed import execute_on_cluster

            results = execute_on_cluster(tasks, options.scheduler, progress=options.progress)
        else:
            workers = options.workers or os.cpu_count() or 1
            results = execute_tasks(
                tasks, workers, progress=options.progress, log_dir=out_dir / EXECUTED_DIR / "logs"
            )
    entries = []
    for item in plan.planned:
        before = plan.previous.get(item.job.key)
        if not item.run and before is not None:
            entries.append(before)
        else:
            entries.append(
                _manifest_entry(item, results[item.job.key], plan, provenance, options.pdf)
            )
    packs = _board_packs(options, plan, entries, set(results))
    manifest_path = _write_manifest(out_dir, plan, entries, packs)
    index_path = write_index(
        out_dir,
        _index_rows(plan, entries, out_dir),
        synthetic=provenance.synthetic,
        generated=generated,
        packs=[p.as_dict() for p in packs],
    )
    write_accessibility_statement(out_dir)
    failed = [e for e in entries if e["key"] in results and e["status"] != STATUS_OK]
    return BatchResult(
        packs=packs,
        entries=entries,
        ran=len(results),
        skipped=len(plan.planned) - len(results),
        failed=failed,
        seconds=time.monotonic() - t0,
        index_path=index_path,
        manifest_path=manifest_path,
    )


def _board_packs(options: RunOptions, plan, entries, ran: set[str]) -> list[PackResult]:
    """Build the board packs of this batch (with ``--pdf`` and a ``board_pack:`` declared)."""
    spec = plan.batch.board_pack
    if not options.pdf or spec is None:
        return []
    merged = dict(plan.previous)
    merged.update({e["key"]: e for e in entries})
    selected = {item.job.key for item in plan.planned}
    # Packs of the partnerships this run selected; each pack holds all of its reports.
    csps = {job.csp for job in plan.all_jobs if job.key in selected and job.csp}
    jobs = [job for job in plan.all_jobs if job.csp in csps]
    packs = plan_packs(spec, jobs, merged, ran, Path(options.out_dir), plan.provenance.synthetic)
    workers = options.workers or os.cpu_count() or 1
    return build_packs(packs, Path(options.out_dir), workers)


def _tasks(
    to_run, plan, out_dir: Path, provenance: Provenance, generated: str, pdf: bool
) -> list[ReportTask]:
    """One task per report to run, longest first."""
    kernel = _kernel_available(plan.batch.kernel)
    pack_pdfs = plan.batch.board_pack is not None
    forces = tuple(sorted({item.job.force for item in to_run}))
    tasks = [
        ReportTask(
            key=item.job.key,
            notebook=str(item.job.notebook),
            executed_path=str(out_dir / item.job.executed_relpath),
            html_path=str(out_dir / item.job.output_relpath),
            parameters=item.parameters,
            kernel=kernel,
            timeout=item.timeout,
            cwd=str(item.job.notebook.parent),
            page=_page_info(item, provenance, generated),
            # A report in a board pack gets its PDF from the pack step (laid out once).
            pdf=pdf and not (pack_pdfs and in_a_pack(plan.batch.board_pack, item.job)),
            batch_forces=forces,
        )
        for item in to_run
    ]
    # Longest first (by last run's duration; reports never timed go first), so a slow
    # report does not start last and leave the other workers idle at the end.
    tasks.sort(key=lambda t: -(plan.previous.get(t.key, {}).get("duration_s") or float("inf")))
    return tasks


def _manifest_entry(
    item: PlannedReport, result: TaskResult, plan, provenance, options_pdf: bool
) -> dict[str, Any]:
    """The manifest's record of one report that ran (a JSON object in manifest.json)."""
    job = item.job
    return {
        "key": job.key,
        "report": job.report,
        "title": job.title,
        "scope": job.scope,
        "force": job.force,
        "csp": job.csp,
        "csp_name": job.names.get("csp_name"),
        "priority": job.priority,
        "priority_title": job.names.get("priority_title"),
        "period_end": job.period_end,
        "parameters": item.parameters,
        "notebook": job.notebook_label,
        "notebook_fingerprint": item.notebook_fingerprint,
        "code_fingerprint": plan.code,
        "data_fingerprint": plan.data,
        "fingerprint": item.fingerprint,
        "commentary_fingerprint": item.commentary_fingerprint,
        "note": item.note,
        "code_version": provenance.code_version,
        "synthetic": provenance.synthetic,
        "status": result.status,
        "error_kind": result.error_kind,
        "error": result.error,
        "duration_s": result.duration_s,
        "output": job.output_relpath if result.ok else None,
        "pdf": options_pdf,
        "executed": job.executed_relpath,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _write_manifest(out_dir: Path, plan, entries, packs: list[PackResult]) -> Path:
    """Merge this run's entries into the manifest; entries no longer in the batch are dropped."""
    from csp_analysis.report.html_export import write_atomic

    merged = dict(plan.previous)
    merged.update({e["key"]: e for e in entries})
    order = [job.key for job in plan.all_jobs]
    manifest = {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": plan.provenance.code_version,
        "code_fingerprint": plan.code,
        "data_fingerprint": plan.data,
        "synthetic": plan.provenance.synthetic,
        "reports": [merged[key] for key in order if key in merged],
        "board_packs": [p.as_dict() for p in packs],
    }
    path = out_dir / MANIFEST
    write_atomic(path, json.dumps(manifest, indent=2, default=str) + "\n")
    return path


def _companions(out_dir: Path, output: str | None) -> dict[str, str]:
    """The PDF and spreadsheets published beside a page, by format, when they exist."""
    if not output:
        return {}
    page = PurePosixPath(output)
    found = {}
    for label, suffix in (("PDF", ".pdf"), ("Excel", ".xlsx"), ("OpenDocument", ".ods")):
        relpath = str(page.with_suffix(suffix))
        if (out_dir / relpath).is_file():
            found[label] = relpath
    return found


def _index_rows(plan, entries, out_dir: Path) -> list[dict[str, Any]]:
    merged = dict(plan.previous)
    merged.update({e["key"]: e for e in entries})
    rows = []
    for job in plan.all_jobs:
        entry = merged.get(job.key)
        rows.append(
            {
                "key": job.key,
                "title": entry["title"] if entry else job.title,
                "report": job.report,
                "area": job.names.get("csp_name") or job.names.get("force_name"),
                "force": job.force,
                "force_name": job.names.get("force_name") or job.force,
                "csp_name": job.names.get("csp_name"),
                "priority": job.names.get("priority_title"),
                "period": period_label((entry or {}).get("period_end") or job.period_end),
                "status": entry["status"] if entry else "not run",
                "error": entry.get("error") if entry else None,
                "error_kind": entry.get("error_kind") if entry else None,
                "output": entry.get("output") if entry else None,
                "executed": entry.get("executed") if entry else None,
                "note": entry.get("note") if entry else None,
                "formats": _companions(out_dir, entry.get("output") if entry else None),
            }
        )
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``csp-analysis run``."""
    parser.add_argument(
        "--config",
        type=Path,
        default=REPORTS_CONFIG,
        metavar="FILE",
        help="batch file (default: config/reports.yaml)",
    )
    parser.add_argument(
        "--csp",
        action="append",
        default=[],
        metavar="ID",
        help="only this CSP's reports (and its force's); repeatable",
    )
    parser.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="TYPE",
        help="only this report type; repeatable",
    )
    parser.add_argument(
        "--priority",
        action="append",
        default=[],
        metavar="ID",
        help="only thematic reviews of this priority; repeatable",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="reports run at once (default: number of cores)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="seconds allowed per report (default: from the batch file)",
    )
    parser.add_argument("--force", action="store_true", help="re-run even unchanged reports")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPORTS_DIR,
        metavar="DIR",
        help="reports folder (default: reports/)",
    )
    parser.add_argument(
        "--processed-dir",
        type=_path_or_url,
        default=None,
        metavar="DIR",
        help="processed data folder (default: data/processed), or a URL such as "
        "s3://bucket/processed (fsspec; each machine keeps a local copy); passed to "
        "notebooks that take processed_dir",
    )
    parser.add_argument(
        "--list", action="store_true", help="print what would run or be skipped, and run nothing"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run the reports on this Dask cluster (e.g. tcp://10.0.0.5:8786); workers must "
        "reach --processed-dir (see docs/reports.md)",
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also write each report as a tagged PDF, and a board pack per partnership",
    )


def _path_or_url(value: str) -> Path | str:
    # Path() would fold "s3://bucket" into "s3:/bucket".
    return value if remote.is_url(value) else Path(value)


def _options_from_args(args: argparse.Namespace) -> RunOptions:
    if args.workers is not None and args.workers < 1:
        raise ReportError(f"--workers must be at least 1, got {args.workers}")
    if args.timeout is not None and args.timeout <= 0:
        raise ReportError(f"--timeout must be positive, got {args.timeout:g}")
    return RunOptions(
        config=args.config,
        csps=args.csp,
        reports=args.report,
        priorities=args.priority,
        workers=args.workers,
        timeout=args.timeout,
        force=args.force,
        out_dir=args.out,
        processed_dir=args.processed_dir,
        list_only=args.list,
        progress=not args.no_progress,
        pdf=args.pdf,
        scheduler=args.scheduler,
    )


def run(args: argparse.Namespace) -> int:
    """Entry point of ``csp-analysis run``; returns 1 when any report failed."""
    options = _options_from_args(args)
    if options.list_only:
        plan = plan_batch(options)
        for item in plan.planned:
            action = "run " if item.run else "skip"
            print(f"{action} {item.job.key} -> {item.job.output_relpath} ({item.reason})")
        print(
            f"{sum(p.run for p in plan.planned)} to run, "
            f"{sum(not p.run for p in plan.planned)} up to date"
        )
        return 0
    result = run_batch(options)
    print(
        f"{wording.plural(len(result.entries), 'report')}: {result.ran} run, {result.skipped} up to date, "
        f"{len(result.failed)} failed, in {result.seconds:.1f} s"
    )
    for entry in result.failed:
        print(f"FAILED {entry['key']} ({entry['error_kind']}): {entry['error']}", file=sys.stderr)
        print(
            f"       executed notebook: {_display_path(options.out_dir / entry['executed'])}",
            file=sys.stderr,
        )
    if result.packs:
        built = sum(p.status == "ok" for p in result.packs)
        print(f"{wording.plural(len(result.packs), 'board pack')}: {built} published")
    for pack in result.packs:
        if pack.status != "ok":
            print(f"BOARD PACK {pack.status.upper()} {pack.csp}: {pack.error}", file=sys.stderr)
    print(f"Index: {_display_path(result.index_path)}")
    return result.exit_code
