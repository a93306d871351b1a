"""Worker processes of the batch: each runs one report at a time with papermill on the
report kernel, exports it to HTML, and returns a :class:`TaskResult`.

Workers are started with the "spawn" method (papermill's ``cwd`` handling changes the process's
working directory, so it is not thread-safe) and warm their imports and the nbconvert exporter
once. The parent watches each task's clock and, past the per-report timeout, kills the kernel's
process group and the worker, then starts a fresh worker; a notebook that raises, a kernel that
dies, a worker that dies and a timeout are each a failed :class:`TaskResult` with a one-line
error, and the other reports go on.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_for_connections
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # nbconvert is imported by the workers, not by the command line
    from csp_analysis.report.html_export import PageInfo

LENIENT_ENV = "CSP_ANALYSIS_LENIENT"  # read by csp_analysis.report.sections.common
WORKER_PID_ENV = "CSP_ANALYSIS_WORKER_PID"
STATUS_OK = "ok"
STATUS_FAILED = "failed"
MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class ReportTask:
    """One report for a worker: what to run, where to write, and the page's metadata."""

    key: str
    notebook: str
    executed_path: str
    html_path: str
    parameters: dict[str, Any]
    kernel: str
    timeout: float
    cwd: str
    page: PageInfo
    pdf: bool = False  # also write the page as a tagged PDF beside it
    batch_forces: tuple[str, ...] = ()  # every force of the batch, pre-read by the template


# What the batch publishes beside a page: its PDF and its spreadsheets.
COMPANION_SUFFIXES = (".pdf", ".xlsx", ".ods")
SPREADSHEET_SUFFIXES = (".xlsx", ".ods")


def companion_path(html_path: str | Path, suffix: str) -> Path:
    """A report's PDF or spreadsheet: its page's path with another suffix (".pdf", ".xlsx")."""
    return Path(html_path).with_suffix(suffix)


@dataclass
class TaskResult:
    """How one report went: ``status`` is "ok" or "failed" with a one-line ``error``."""

    key: str
    status: str = STATUS_FAILED
    error_kind: str | None = None
    error: str | None = None
    cell: int | None = None
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK


# Called with the kernel's process group when a report's kernel starts, so whoever enforces
# the per-report timeout can kill it: the local pool's worker tells its parent through its
# pipe; a Dask worker arms its own watchdog (csp_analysis.batch.distributed).
_KERNEL_STARTED: Callable[[int], None] | None = None
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def skip_slow_optional_imports() -> None:
    """Stop jsonschema from importing ``rfc3987_syntax`` (an optional IRI checker nbformat
    never needs), which builds a grammar at import time: measured 1.9 s of papermill's 3.0 s
    import. Has no effect once it is imported."""
    sys.modules.setdefault("rfc3987_syntax", None)


# The kernel spec report kernels start from: a fork of this worker's warm template
# (batch/kernel_forks.py) when it is running, else None (the batch's registered kernel).
_FORK_SPEC = None
_TEMPLATE = None


def use_kernel_template(task: ReportTask) -> None:
    """Start (or reuse) this worker's kernel template for the task's data; fall back to
    ordinary kernels, with a line in the worker's log, if it cannot start."""
    global _FORK_SPEC, _TEMPLATE
    from csp_analysis.batch.kernel_forks import KernelTemplate, forking_available
    from csp_analysis.core.paths import PROCESSED_DIR

    if not forking_available():
        _FORK_SPEC = None
        return
    processed_dir = str(task.parameters.get("processed_dir") or PROCESSED_DIR)
    forces = sorted(set(task.batch_forces))
    if _TEMPLATE is not None and _TEMPLATE.key() == (processed_dir, tuple(forces)):
        if _TEMPLATE.alive():
            return
    if _TEMPLATE is not None:
        _TEMPLATE.stop()
    _TEMPLATE = KernelTemplate(processed_dir, forces)
    if _TEMPLATE.wait_ready():
        _FORK_SPEC = _TEMPLATE.kernel_spec()
    else:
        print("kernel template did not start: using ordinary kernels", file=sys.stderr)
        _TEMPLATE.stop()
        _TEMPLATE, _FORK_SPEC = None, None


def stop_kernel_template() -> None:
    global _FORK_SPEC, _TEMPLATE
    if _TEMPLATE is not None:
        _TEMPLATE.stop()
    _TEMPLATE, _FORK_SPEC = None, None


def _kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class ReportingKernelManager(AsyncKernelManager):
        """Tells the parent the kernel's process group, so a hung report can be killed: the
        kernel runs in its own session, out of reach of a kill aimed at the worker. Starts
        the kernel as a fork of the worker's warm template when there is one.

        Extends the public ``start_kernel`` (which nbclient awaits) rather than a private hook.
        """

        @property
        def kernel_spec(self):
            if _FORK_SPEC is not None:
                return _FORK_SPEC
            return super().kernel_spec

        async def start_kernel(self, **kw):
            await super().start_kernel(**kw)
            pgid = getattr(self.provisioner, "pgid", None) or getattr(self.provisioner, "pid", None)
            if _KERNEL_STARTED is not None and pgid:
                _KERNEL_STARTED(int(pgid))

    return ReportingKernelManager


def one_line_error(text: str) -> str:
    """An error message fit for the index: first line, no ANSI codes, no paths, bounded."""
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", str(text))
    text = " ".join(text.strip().splitlines()[:1]) if text.strip() else "unknown error"
    # Absolute paths (POSIX or Windows) become their file name.
    text = re.sub(
        r"(?:[A-Za-z]:\\|/)(?:[^\s'\"():,]+[/\\])+([^\s'\"():,/\\]*)",
        lambda m: m.group(1) or "(folder)",
        text,
    )
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _execute_task(task: ReportTask) -> TaskResult:
    """Run one notebook and export it (in a worker process). Never raises."""
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    from csp_analysis.batch import engine
    from csp_analysis.batch.kernel_forks import PREPARE_ENV
    from csp_analysis.report.html_export import render_html, write_atomic

    started = time.monotonic()
    result = TaskResult(key=task.key, status=STATUS_FAILED)
    executed = Path(task.executed_path)
    executed.parent.mkdir(parents=True, exist_ok=True)
    # Tells this worker's kernel template which partnership the report is for (kernel_forks).
    # The kernel's environment is copied from this process's when papermill starts it.
    os.environ[PREPARE_ENV] = json.dumps(
        {k: task.parameters.get(k) for k in ("csp", "period_end", "processed_dir")}
    )
    try:
        nb = papermill.execute_notebook(
            task.notebook,
            str(executed),
            parameters=task.parameters,
            kernel_name=task.kernel,
            progress_bar=False,
            log_output=False,
            cwd=task.cwd,
            execution_timeout=task.timeout,
            start_timeout=60,
            kernel_manager_class=_kernel_manager_class(),
            engine_name=engine.register(),  # the executed notebook written a few times, not per cell
        )
    except PapermillExecutionError as exc:
        result.error_kind, result.error, result.cell = (
            "error",
            one_line_error(f"{exc.ename}: {exc.evalue}"),
            exc.exec_count,
        )
    except DeadKernelError:
        result.error_kind, result.error = (
            "kernel died",
            "the kernel died while running the notebook (crash or out of memory)",
        )
    except (CellTimeoutError, TimeoutError):
        result.error_kind, result.error = (
            "timeout",
            f"a cell ran past the per-report timeout of {task.timeout:g} s",
        )
    except Exception as exc:  # any other failure is this report's, never the batch's
        result.error_kind, result.error = "error", one_line_error(f"{type(exc).__name__}: {exc}")
    else:
        step = "HTML export"
        try:
            page_html = render_html(nb, task.page, base_dir=task.cwd)
            write_atomic(task.html_path, page_html)
            step = "spreadsheet"
            _write_spreadsheets(nb, task)
            if task.pdf:
                from csp_analysis.report.pdf import write_report_pdf

                step = "PDF"
                write_report_pdf(page_html, companion_path(task.html_path, ".pdf"))
            result.status, result.error_kind = STATUS_OK, None
        except Exception as exc:
            result.error_kind, result.error = (
                "export",
                one_line_error(f"{step} failed: {type(exc).__name__}: {exc}"),
            )
    os.environ.pop(PREPARE_ENV, None)
    result.duration_s = round(time.monotonic() - started, 2)
    return result


def _write_spreadsheets(nb, task: ReportTask) -> None:
    """Every table the page shows, as XLSX and ODS beside it (none when it shows no table)."""
    from csp_analysis.report.spreadsheet import (
        ReportWorkbook,
        published_tables,
        write_ods,
        write_xlsx,
    )

    tables = published_tables(nb)
    for suffix in SPREADSHEET_SUFFIXES:
        companion_path(task.html_path, suffix).unlink(missing_ok=True)
    if not tables:
        return
    page = task.page
    workbook = ReportWorkbook(
        title=page.title,
        period=page.period,
        tables=tables,
        synthetic=page.synthetic,
        sources=list(page.sources),
        licence=page.attributions(),
        generated=page.generated,
    )
    write_xlsx(companion_path(task.html_path, ".xlsx"), workbook)
    write_ods(companion_path(task.html_path, ".ods"), workbook)


def prepare_worker_process() -> None:
    """Set a report worker's environment and warm its imports (once per process)."""
    # Reports run in parallel processes, so each kernel gets one BLAS/OpenMP thread: threads
    # per kernel on top would oversubscribe the cores, and on the small matrices of these
    # analyses one thread was measured 3-4x faster than many (docs/benchmarks.md, forecast).
    # Kernels inherit the worker's environment; a value the user set is kept.
    for variable in _THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
    # In the batch a section's unexpected error becomes a plain sentence on the page (its
    # traceback stays in the executed notebook); in JupyterLab it raises.
    os.environ[LENIENT_ENV] = "1"
    # Tells a report's kernel which process is its batch worker (a forked kernel's parent is
    # the worker's template); the tests' "kills the worker" notebook uses it.
    os.environ[WORKER_PID_ENV] = str(os.getpid())
    # Warm the imports and the exporter once per worker, not once per report.
    skip_slow_optional_imports()
    import papermill  # noqa: F401

    from csp_analysis.report.html_export import make_exporter, report_css

    make_exporter()
    report_css()


def set_kernel_started_hook(hook: Callable[[int], None] | None) -> None:
    """Who is told each report kernel's process group (see ``_KERNEL_STARTED``)."""
    global _KERNEL_STARTED
    _KERNEL_STARTED = hook


def _worker_main(conn, log_path: str | None = None) -> None:
    """Worker process loop: receive a task, run it, send the result; None stops the worker.

    The worker's stdout and stderr (and so its kernels', which inherit them) go to
    ``log_path``: kernel start-up chatter and library warnings belong in a log for analysts,
    not in the batch's terminal output.
    """
    global _KERNEL_STARTED
    _KERNEL_STARTED = lambda pgid: conn.send(("kernel", pgid))  # noqa: E731
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and cleans up
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
    prepare_worker_process()
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            use_kernel_template(task)
            conn.send(("done", _execute_task(task)))
    finally:
        stop_kernel_template()


class _Worker:
    def __init__(self, ctx, log_path: str | None = None):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, log_path), daemon=True)
        self.process.start()
        child.close()
        self.task: ReportTask | None = None
        self.started = 0.0
        self.kernel_pgid: int | None = None

    def assign(self, task: ReportTask) -> None:
        self.task, self.started, self.kernel_pgid = task, time.monotonic(), None
        self.conn.send(task)

    def kill(self) -> None:
        if self.kernel_pgid:
            try:
                if hasattr(os, "killpg"):
                    os.killpg(self.kernel_pgid, signal.SIGKILL)
                else:  # Windows: no process groups; the provisioner reported the pid
                    os.kill(self.kernel_pgid, signal.SIGTERM)
            except OSError:  # already gone, or not ours
                pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        else:
            self.conn.close()


def _note_in_executed(path: Path, message: str) -> None:
    """Append a markdown cell saying why a run was stopped to its executed notebook."""
    if not path.is_file():
        return
    try:
        skip_slow_optional_imports()
        import nbformat

        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_markdown_cell(f"**csp-analysis run:** {message}"))
        nbformat.write(nb, path)
    except Exception:  # a half-written notebook stays as it is; the error is in the manifest
        pass


def execute_tasks(
    tasks: list[ReportTask], workers: int, progress: bool = True, log_dir: Path | None = None
) -> dict[str, TaskResult]:
    """Run tasks in ``workers`` spawned processes with per-task hard timeouts.

    Parameters
    ----------
    tasks : list of ReportTask
        From :func:`csp_analysis.batch.runner.run_batch`.
    workers : int
        Processes to run at once (no more than there are tasks).
    progress : bool
        Show a tqdm progress bar on stderr.
    log_dir : Path, optional
        Where each worker (and its kernels) logs stdout and stderr, one file per worker slot;
        without it they share the batch's terminal.

    Returns
    -------
    dict of str to TaskResult
        The result of each task, by its key.
    """
    pool = _Pool(tasks, workers, progress, log_dir)
    try:
        while pool.busy_or_pending():
            pool.assign_idle()
            pool.collect(timeout=0.2)
            pool.stop_overdue()
    finally:
        pool.close()
    return pool.results


class _Pool:
    """The worker processes of one batch: hands out tasks, collects results, replaces a worker
    that dies or runs past its task's timeout, and keeps the progress bar."""

    def __init__(self, tasks, workers: int, progress: bool, log_dir: Path | None):
        from tqdm import tqdm

        self.ctx = mp.get_context("spawn")
        self.results: dict[str, TaskResult] = {}
        self.pending = deque(tasks)
        self.progress = progress
        self.log_dir = log_dir
        if log_dir:
            log_dir.mkdir(parents=True, exist_ok=True)
            for old_log in log_dir.glob("worker-*.log"):
                old_log.unlink()
        # disable=None: tqdm draws only on a terminal, so CI logs are not flooded with redraws.
        self.bar = tqdm(
            total=len(tasks),
            unit="report",
            disable=None if progress else True,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        slots = max(1, min(workers, len(tasks)))
        self.workers = [_Worker(self.ctx, self._log(slot)) for slot in range(slots)]

    def _log(self, slot: int) -> str | None:
        return str(self.log_dir / f"worker-{slot + 1}.log") if self.log_dir else None

    def busy_or_pending(self) -> bool:
        return bool(self.pending) or any(w.task for w in self.workers)

    def finish(self, worker: _Worker, result: TaskResult) -> None:
        self.results[result.key] = result
        worker.task = None
        self.bar.update(1)
        if self.progress and not result.ok:
            self.bar.write(f"FAILED {result.key} ({result.error_kind}): {result.error}")
        self.bar.set_postfix(failed=sum(not r.ok for r in self.results.values()))

    def fail(self, worker: _Worker, kind: str, error: str, duration_s: float) -> None:
        """Record the worker's task as failed and put a fresh worker in its slot."""
        result = TaskResult(
            key=worker.task.key,
            status=STATUS_FAILED,
            error_kind=kind,
            error=error,
            duration_s=round(duration_s, 2),
        )
        self.replace(worker)
        self.finish(worker, result)

    def replace(self, worker: _Worker) -> None:
        worker.kill()
        slot = self.workers.index(worker)
        self.workers[slot] = _Worker(self.ctx, self._log(slot))

    def assign_idle(self) -> None:
        for worker in list(self.workers):
            if worker.task is None and self.pending:
                task = self.pending.popleft()
                try:
                    worker.assign(task)
                except (OSError, ValueError):  # the idle worker died (broken pipe)
                    self.fail(
                        worker, "worker died", "the worker process could not take the report", 0.0
                    )

    def collect(self, timeout: float) -> None:
        busy = [w for w in self.workers if w.task]
        ready = wait_for_connections([w.conn for w in busy], timeout=timeout)
        for worker in busy:
            if worker.conn not in ready:
                continue
            try:
                kind, payload = worker.conn.recv()
            except (EOFError, OSError):
                self.fail(
                    worker,
                    "worker died",
                    "the worker process running the report died",
                    time.monotonic() - worker.started,
                )
                continue
            if kind == "kernel":
                worker.kernel_pgid = payload
            elif kind == "done":
                self.finish(worker, payload)

    def stop_overdue(self) -> None:
        now = time.monotonic()
        for worker in list(self.workers):
            task = worker.task
            if task and now - worker.started > task.timeout:
                message = (
                    f"stopped after the per-report timeout of {task.timeout:g} s "
                    "(kernel and worker killed)"
                )
                self.fail(worker, "timeout", message, now - worker.started)
                _note_in_executed(Path(task.executed_path), message)

    def close(self) -> None:
        for worker in self.workers:
            if worker.task:
                worker.kill()
            else:
                worker.stop()
        self.bar.close()
