"""A real Dask cluster for tests: a scheduler and workers started as separate processes on
127.0.0.1 with Dask's own command line, as docs/reports.md tells a user to start them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BIN = Path(sys.executable).parent


@contextmanager
def local_cluster(folder: Path, env: dict[str, str], workers: int = 2):
    """Start ``dask scheduler`` and ``dask worker --nworkers N --nthreads 1``; yield the
    scheduler's address once every worker has joined; stop both (their process groups)."""
    folder.mkdir(parents=True, exist_ok=True)
    scheduler_file = folder / "scheduler.json"
    log = open(folder / "cluster.log", "wb")  # noqa: SIM115 (closed below)
    common = {"stdout": log, "stderr": subprocess.STDOUT, "env": env, "start_new_session": True}
    processes = []
    try:
        processes.append(subprocess.Popen(
            [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", scheduler_file],
            **common,
        ))  # fmt: skip
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file():
            assert time.monotonic() < deadline, (folder / "cluster.log").read_text()
            assert processes[0].poll() is None, (folder / "cluster.log").read_text()
            time.sleep(0.2)
        time.sleep(0.5)  # the file is written before it is complete on slow disks
        address = json.loads(scheduler_file.read_text())["address"]
        processes.append(subprocess.Popen(
            [BIN / "dask", "worker", address, "--nworkers", str(workers), "--nthreads", "1",
             "--no-dashboard", "--local-directory", folder / "workers"],
            **common,
        ))  # fmt: skip
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            stop_process_group(process)
        log.close()


def stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM the process's group, then SIGKILL it if it has not gone within 20 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except OSError:
        return
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
