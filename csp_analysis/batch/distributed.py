"""The batch on a Dask distributed cluster (``csp-analysis run --scheduler ADDRESS``).

The client (``csp-analysis run``) plans the batch as always, sends each report to the cluster
with :meth:`distributed.Client.submit` and writes what comes back (the page, its executed
notebook, PDF and spreadsheets), the manifest, index and board packs itself. Workers need the
same version of csp-analysis installed and must reach the processed data given by
``--processed-dir``: a path on a shared filesystem, or a URL such as ``s3://bucket/processed``
of which each worker keeps its own local copy (:mod:`csp_analysis.io.remote`); the notebook
itself travels with the task, so a worker needs no checkout of the notebooks.

Failure isolation, as in the local pool (:mod:`csp_analysis.batch.worker`):

* a notebook that raises, a kernel that dies: a failed result with a one-line error;
* a report past its timeout: a watchdog thread on the worker kills the kernel's process group
  (the kernel runs in its own session) and the report fails "timeout";
* a worker lost mid-report (killed, out of memory, machine gone): the scheduler reschedules
  the report on another worker, up to its ``distributed.scheduler.allowed-failures`` limit
  (Dask's default 3); past it, the report fails "worker died".

The rest of the batch finishes in every case and the exit status is non-zero. One report runs
at a time in each worker process (papermill changes the process's working directory, which is
not thread-safe): start workers with ``--nthreads 1`` and as many processes as cores
(``dask worker ADDRESS --nworkers N --nthreads 1``); a lock enforces it if they have more.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from csp_analysis.batch.worker import (
    COMPANION_SUFFIXES,
    STATUS_FAILED,
    ReportTask,
    TaskResult,
    _execute_task,
    companion_path,
    one_line_error,
    prepare_worker_process,
    set_kernel_started_hook,
    use_kernel_template,
)
from csp_analysis.core.exceptions import ReportError
from csp_analysis.report.html_export import write_atomic_bytes

__all__ = ["RemoteOutcome", "execute_on_cluster", "run_report_remotely"]

CONNECT_TIMEOUT = "30s"

_ONE_REPORT_AT_A_TIME = threading.Lock()
_PREPARED = False


@dataclass
class RemoteOutcome:
    """What a worker sends back: the result and the files to publish, by suffix."""

    result: TaskResult
    page: bytes | None = None
    executed: bytes | None = None
    companions: dict[str, bytes] = field(default_factory=dict)


class _Watchdog:
    """Kills the report's kernel (its whole process group) once the report is past its time."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self.pgid: int | None = None
        self.fired = False
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def kernel_started(self, pgid: int) -> None:
        self.pgid = pgid

    def _fire(self) -> None:
        self.fired = True
        if self.pgid:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except OSError:  # already gone
                pass

    def __enter__(self) -> _Watchdog:
        set_kernel_started_hook(self.kernel_started)
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        set_kernel_started_hook(None)


def run_report_remotely(task: ReportTask, notebook_json: str) -> RemoteOutcome:
    """Run one report on a Dask worker and return its files (the task function).

    Parameters
    ----------
    task : ReportTask
        Its paths are the client's; the report runs in a temporary folder on the worker.
    notebook_json : str
        The report notebook, sent with the task.
    """
    global _PREPARED
    import nbformat

    with _ONE_REPORT_AT_A_TIME:
        if not _PREPARED:
            prepare_worker_process()
            _PREPARED = True
        with tempfile.TemporaryDirectory(prefix="csp-report-") as tmp:
            here = Path(tmp)
            notebook = here / "report.ipynb"
            notebook.write_text(notebook_json, encoding="utf-8")
            nbformat.read(notebook, as_version=4)  # a corrupt notebook fails here, plainly
            local = replace(
                task,
                notebook=str(notebook),
                executed_path=str(here / "executed.ipynb"),
                html_path=str(here / "page.html"),
                cwd=tmp,
            )
            use_kernel_template(task)
            with _Watchdog(task.timeout) as watchdog:
                result = _execute_task(local)
            if watchdog.fired and not result.ok:
                result.error_kind = "timeout"
                result.error = (
                    f"stopped after the per-report timeout of {task.timeout:g} s (kernel killed)"
                )
            outcome = RemoteOutcome(result=result)
            executed = Path(local.executed_path)
            if executed.is_file():
                outcome.executed = executed.read_bytes()
            if result.ok:
                outcome.page = Path(local.html_path).read_bytes()
                for suffix in COMPANION_SUFFIXES:
                    path = companion_path(local.html_path, suffix)
                    if path.is_file():
                        outcome.companions[suffix] = path.read_bytes()
            return outcome


def _publish(task: ReportTask, outcome: RemoteOutcome) -> None:
    """Write a report's files where the batch publishes them (the client's reports folder)."""
    if outcome.executed is not None:
        write_atomic_bytes(task.executed_path, outcome.executed)
    if outcome.page is None:
        return
    write_atomic_bytes(task.html_path, outcome.page)
    for suffix in COMPANION_SUFFIXES:
        path = companion_path(task.html_path, suffix)
        if suffix in outcome.companions:
            write_atomic_bytes(path, outcome.companions[suffix])
        else:
            path.unlink(missing_ok=True)


def connect(scheduler: str):
    """A client of the cluster at ``scheduler``, or a one-line error saying why not."""
    from distributed import Client

    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ReportError(
            f"cannot reach the Dask scheduler at {scheduler}: {one_line_error(str(exc))}"
        ) from None
    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    return client


def execute_on_cluster(
    tasks: list[ReportTask], scheduler: str, progress: bool = True
) -> dict[str, TaskResult]:
    """Run the tasks on the Dask cluster at ``scheduler`` and publish their files.

    Returns
    -------
    dict of str to TaskResult
        The result of each task, by its key (as :func:`~csp_analysis.batch.worker.execute_tasks`).
    """
    from distributed import as_completed
    from distributed.client import FutureCancelledError
    from distributed.scheduler import KilledWorker
    from tqdm import tqdm

    client = connect(scheduler)
    results: dict[str, TaskResult] = {}
    started: dict[str, float] = {}
    try:
        batch_id = uuid.uuid4().hex[:8]
        futures = {}
        for task in tasks:
            notebook_json = Path(task.notebook).read_text(encoding="utf-8")
            future = client.submit(
                run_report_remotely,
                task,
                notebook_json,
                key=f"csp-report-{batch_id}-{task.key}",
                pure=False,
            )
            futures[future] = task
            started[task.key] = time.monotonic()
        bar = tqdm(
            total=len(tasks),
            unit="report",
            disable=None if progress else True,
            file=sys.stderr,
            dynamic_ncols=True,
        )
        for future in as_completed(futures):
            task = futures[future]
            try:
                outcome = future.result()
            except KilledWorker:
                result = TaskResult(
                    key=task.key,
                    status=STATUS_FAILED,
                    error_kind="worker died",
                    error="the Dask workers running the report died each time it was tried",
                )
            except FutureCancelledError:
                result = TaskResult(task.key, STATUS_FAILED, "error", "the report was cancelled")
            except Exception as exc:  # the task function itself failed: report it, go on
                result = TaskResult(
                    task.key,
                    STATUS_FAILED,
                    "error",
                    one_line_error(f"{type(exc).__name__}: {exc}"),
                )
            else:
                result = outcome.result
                try:
                    _publish(task, outcome)
                except OSError as exc:
                    result = TaskResult(
                        task.key, STATUS_FAILED, "export", one_line_error(f"writing: {exc}")
                    )
            if not result.duration_s:
                result.duration_s = round(time.monotonic() - started[task.key], 2)
            results[task.key] = result
            bar.update(1)
            if progress and not result.ok:
                bar.write(f"FAILED {result.key} ({result.error_kind}): {result.error}")
        bar.close()
    finally:
        client.close()
    return results
