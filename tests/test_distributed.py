"""The batch on a real Dask cluster: a scheduler and two workers started as separate processes
on 127.0.0.1 with Dask's own command line (``dask scheduler``, ``dask worker``), exactly as
docs/reports.md tells a user to start them (issue #15).

Checked: reports publish through the cluster and the client writes pages, executed notebooks,
spreadsheets, manifest and index; a notebook that raises, a kernel that dies and a report past
its timeout each fail with their one-line error while the rest finish; a worker killed from
outside mid-report is replaced and its report rescheduled and published; a report that kills
every worker that runs it fails "worker died" once the scheduler's retry limit is reached.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from csp_analysis.batch import runner
from csp_analysis.core import cli
from tests.dask_cluster import local_cluster
from tests.test_runner import _batch, _options, _report, write_processed

pytestmark = pytest.mark.slow


@pytest.fixture
def processed(tmp_path) -> Path:
    """The runner tests' tiny synthetic processed-data folder (tests/test_runner.py)."""
    return write_processed(tmp_path / "processed")


BIN = Path(sys.executable).parent
ALLOWED_FAILURES = 1  # the scheduler gives up on a report after its second lost worker


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Scheduler and 2 single-threaded workers (with their nannies) on 127.0.0.1."""
    env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=str(ALLOWED_FAILURES))
    with local_cluster(tmp_path_factory.mktemp("dask"), env) as address:
        yield address


def _worker_pids(address) -> dict[str, int]:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        return client.run(os.getpid)  # {worker address: its process id}


def test_reports_publish_through_the_cluster_and_failures_stay_isolated(
    tmp_path,
    processed,
    cluster,
):
    config = _batch(
        tmp_path,
        [
            _report("ok_report", "ok_report.ipynb", csps=["herefordshire", "shropshire"]),
            _report("raises", "raises_error.ipynb", csps=["herefordshire"]),
            _report("dies", "kills_kernel.ipynb", csps=["herefordshire"]),
            _report("hangs", "sleeps_past_timeout.ipynb", csps=["herefordshire"], timeout=6),
            _report("kills_worker", "kills_worker.ipynb", csps=["herefordshire"]),
        ],
        parameters={"processed_dir": str(processed)},
    )
    started = time.monotonic()
    result = runner.run_batch(_options(tmp_path, config, processed, scheduler=cluster))
    elapsed = time.monotonic() - started
    status = {e["key"]: (e["status"], e["error_kind"]) for e in result.entries}
    assert status == {
        "ok_report/herefordshire": ("ok", None),
        "ok_report/shropshire": ("ok", None),
        "raises/herefordshire": ("failed", "error"),
        "dies/herefordshire": ("failed", "kernel died"),
        "hangs/herefordshire": ("failed", "timeout"),
        "kills_worker/herefordshire": ("failed", "worker died"),
    }
    assert result.exit_code == 1
    assert elapsed < 600, elapsed  # a hang guard: the hung report was stopped at its timeout
    errors = {e["key"]: e["error"] for e in result.failed}
    assert errors["raises/herefordshire"] == (
        "ValueError: no data for herefordshire in crimes.parquet"
    )
    assert "per-report timeout of 6 s" in errors["hangs/herefordshire"]
    out = tmp_path / "reports"
    page = (out / "herefordshire" / "ok_report.html").read_text()
    assert "Herefordshire: ok_report, year ending December 2025" in page
    assert "debug output" not in page and str(processed) not in page
    assert (out / "_executed" / "herefordshire" / "raises.ipynb").is_file()
    assert (out / "_executed" / "herefordshire" / "ok_report.ipynb").is_file()
    index = (out / "index.html").read_text()
    assert "6 reports: 2 ready, 4 failed." in index and "Failed: worker process died" in index
    # A re-run with nothing changed runs nothing, cluster or not.
    again = runner.run_batch(
        _options(tmp_path, config, processed, scheduler=cluster, reports=["ok_report"])
    )
    assert (again.ran, again.skipped) == (0, 2)


def test_a_worker_killed_mid_report_is_replaced_and_the_report_published(
    tmp_path,
    processed,
    cluster,
    capsys,
):
    config = _batch(
        tmp_path,
        [_report("slow", "slow_ok_report.ipynb", csps=["herefordshire", "shropshire"])],
        parameters={"processed_dir": str(processed)},
    )
    before = _worker_pids(cluster)
    killed: list[int] = []

    def kill_a_busy_worker():
        from distributed import Client

        with Client(cluster, timeout="30s") as client:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                processing = client.processing()
                busy = [w for w, keys in processing.items() if keys]
                if busy:
                    time.sleep(1.5)  # mid-report: the kernel is up and sleeping
                    pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.2)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    code = cli.main(
        ["run", "--config", str(config), "--out", str(tmp_path / "reports"),
         "--processed-dir", str(processed), "--scheduler", cluster, "--no-progress"]
    )  # fmt: skip
    killer.join(10)
    printed = capsys.readouterr()
    assert killed and killed[0] in before.values()
    assert code == 0, printed.err
    assert "2 reports: 2 run, 0 up to date, 0 failed" in printed.out
    for csp in ("herefordshire", "shropshire"):
        assert (tmp_path / "reports" / csp / "slow.html").is_file()
    # The nanny replaced the killed worker: the cluster is back to two.
    from distributed import Client

    with Client(cluster, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    assert killed[0] not in _worker_pids(cluster).values()


def test_an_unreachable_scheduler_is_one_line(tmp_path, processed, capsys, monkeypatch):
    from csp_analysis.batch import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", "3s")  # not the 30 s a user gets
    config = _batch(
        tmp_path,
        [_report("ok_report", "ok_report.ipynb", csps=["herefordshire"])],
        parameters={"processed_dir": str(processed)},
    )
    code = cli.main(
        ["run", "--config", str(config), "--out", str(tmp_path / "reports"),
         "--processed-dir", str(processed), "--scheduler", "tcp://127.0.0.1:9", "--no-progress"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code != 0
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert "Traceback" not in err
