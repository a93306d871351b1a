"""The national batch: measured per-report cost on a real local Dask cluster and on the local
pool, side by side, and the projected wall time for England and Wales.

1. For each chosen force, the demo generator writes that force's synthetic police.uk data
   (``csp-analysis demo-data --force F``, scaled from the calibrated West Mercia by population)
   for the last ``--years`` years, and ``csp-analysis ingest`` loads it into its own processed
   folder (the national matrix's data, force by force).
2. A Dask cluster is started as separate processes on 127.0.0.1 with Dask's own command line
   (``dask scheduler``; ``dask worker --nworkers W --nthreads 1``).
3. The same reports run twice, both with ``--force``: through the cluster
   (``csp-analysis run --scheduler``) and with the local default (``--workers W``). Per force,
   one partnership's reports (all crime summary, every thematic review, performance overview)
   and the force's partnership comparison; ``--all-csps`` runs every partnership.
4. Printed: reports, wall seconds, reports per minute, worker-seconds per report (wall x
   workers / reports) for each; the national matrix's size (every partnership of England and
   Wales x the report types of config/reports.yaml) and its projected wall time on N workers
   from the measured per-report cost.

Usage::

    .venv/bin/python benchmarks/national.py [--forces N|all] [--years 3] [--workers 2]
                                            [--all-csps] [--pdf] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.batch import _spread  # noqa: E402  (n items spread over a list)
from csp_analysis.batch.matrix import load_batch_config  # noqa: E402
from csp_analysis.core.config import load_priorities  # noqa: E402
from csp_analysis.core.paths import PRIORITIES_CONFIG, REPORTS_CONFIG  # noqa: E402
from csp_analysis.core.registry import load_registry  # noqa: E402

BIN = Path(sys.executable).parent
END = "2026-03"


def _run(cmd: list, **kw) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    return time.perf_counter() - started, done


def national_matrix_size() -> int:
    """Reports in the full national batch: config/reports.yaml over every partnership."""
    registry = load_registry()
    batch = load_batch_config(REPORTS_CONFIG)
    return len(batch.expand(registry, load_priorities(PRIORITIES_CONFIG)))


def _start_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen]]:
    scheduler_file = folder / "scheduler.json"
    log = open(folder / "cluster.log", "wb")  # noqa: SIM115 (lives as long as the cluster)
    common = {"stdout": log, "stderr": subprocess.STDOUT, "start_new_session": True}
    scheduler = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", scheduler_file],
        **common,
    )  # fmt: skip
    while not scheduler_file.is_file():
        time.sleep(0.2)
    time.sleep(0.5)
    address = json.loads(scheduler_file.read_text())["address"]
    worker = subprocess.Popen(
        [BIN / "dask", "worker", address, "--nworkers", str(workers), "--nthreads", "1",
         "--no-dashboard", "--local-directory", folder / "dask-workers"],
        **common,
    )  # fmt: skip
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=120)
    return address, [worker, scheduler]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", default="3", help="how many forces (spread), or 'all'")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--all-csps", action="store_true", help="every partnership of a force")
    parser.add_argument("--pdf", action="store_true", help="also PDFs and board packs")
    parser.add_argument("--keep", type=Path, default=None, help="keep the work in this folder")
    args = parser.parse_args(argv)

    registry = load_registry()
    forces = [f for f in registry.forces if f.csps]
    chosen = forces if args.forces == "all" else _spread(forces, int(args.forces))
    start = f"{int(END[:4]) - args.years}-{END[5:]}"
    start = f"{int(start[:4]) + (int(start[5:]) == 12)}-{int(start[5:]) % 12 + 1:02d}"
    work = Path(tempfile.mkdtemp(prefix="csp-national-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    n_national = national_matrix_size()
    print(
        f"national matrix: {n_national} reports ({sum(len(f.csps) for f in forces)} "
        f"partnerships, {len(forces)} forces); measuring {len(chosen)} forces, {start} to {END}; "
        f"{os.cpu_count()} cores, {args.workers} workers"
    )

    data_s = 0.0
    for force in chosen:
        raw, processed = work / "raw" / force.id, work / "processed" / force.id
        if (processed / "crimes.parquet").is_file():
            continue
        seconds, done = _run([BIN / "csp-analysis", "demo-data", "--force", force.id,
                              "--start", start, "--end", END, "--out", raw])  # fmt: skip
        if done.returncode:
            print(done.stderr[-1500:], file=sys.stderr)
            return 1
        data_s += seconds
        seconds, done = _run([BIN / "csp-analysis", "ingest", "--demo", raw, "--out", processed,
                              "--no-progress"])  # fmt: skip
        if done.returncode:
            print(done.stderr[-1500:], file=sys.stderr)
            return 1
        data_s += seconds
    print(f"generated and ingested {len(chosen)} forces' data in {data_s:.0f} s")

    def batch(mode: str, extra: list[str]) -> tuple[float, int, int]:
        total_s, reports, failed = 0.0, 0, 0
        for force in chosen:
            cmd = [BIN / "csp-analysis", "run", "--force", "--no-progress",
                   "--processed-dir", work / "processed" / force.id,
                   "--out", work / f"reports-{mode}" / force.id, *extra]  # fmt: skip
            if not args.all_csps:
                cmd += ["--csp", force.csps[0].id]
            if args.pdf:
                cmd.append("--pdf")
            seconds, done = _run(cmd)
            total_s += seconds
            line = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
            print(f"  {mode:5} {force.id:22} {seconds:7.1f} s  {line}")
            manifest = json.loads(
                (work / f"reports-{mode}" / force.id / "manifest.json").read_text()
            )
            reports += len(manifest["reports"])
            failed += sum(r["status"] != "ok" for r in manifest["reports"])
        return total_s, reports, failed

    cluster_dir = work / "cluster"
    cluster_dir.mkdir(exist_ok=True)
    address, processes = _start_cluster(cluster_dir, args.workers)
    try:
        dask_s, dask_n, dask_failed = batch("dask", ["--scheduler", address])
    finally:
        _stop(processes)
    local_s, local_n, local_failed = batch("local", ["--workers", str(args.workers)])

    print()
    print(f"| {len(chosen)} forces, {dask_n} reports, {args.workers} workers | wall s | "
          "reports/min | worker-s/report | failed |")  # fmt: skip
    print("|---|---:|---:|---:|---:|")
    rows = [("Dask cluster (`--scheduler`, scheduler + workers on 127.0.0.1)", dask_s, dask_n,
             dask_failed), ("local pool (`--workers`)", local_s, local_n, local_failed)]  # fmt: skip
    per_report = {}
    for label, seconds, n, failed in rows:
        per_report[label] = seconds * args.workers / n
        print(f"| {label} | {seconds:.1f} | {60 * n / seconds:.1f} | "
              f"{per_report[label]:.2f} | {failed} |")  # fmt: skip
    cost = per_report[rows[0][0]]
    print()
    print(
        f"Projected national wall time ({n_national} reports at {cost:.2f} worker-s each, "
        "the Dask figure):"
    )
    for n_workers in (2, 8, 32, 128):
        hours = n_national * cost / n_workers / 3600
        print(f"  {n_workers:4} workers: {hours:6.2f} h")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not (dask_failed or local_failed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
