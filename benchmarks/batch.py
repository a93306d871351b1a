"""Time the report batch against the loop a user would otherwise write, and the no-change re-run.

Three timings on the same matrix (by default the full demo batch of config/reports.yaml, 51
reports), each as a user would see it from the shell:

1. ``csp-analysis run --force`` into a fresh folder (workers = cores unless --workers);
2. the same command again with nothing changed (every report skipped);
3. the naive loop: for each report, the ``papermill`` CLI, then
   ``jupyter nbconvert --to html --no-input``, one report at a time.

Targets (issues #4, #15): the batch at least 6x faster than the naive loop; worker time per
report at most 3 s; the re-run under 3 s. The batch is also timed with every kernel started
the usual way (``CSP_ANALYSIS_FORK_KERNELS=0``), side by side, to show what forking from a
warm template saves.
``--naive-limit N`` times the naive loop on N reports spread over the report types and scales
it to the matrix (reported as an estimate); the default runs it on every report.

Usage::

    .venv/bin/python benchmarks/batch.py [--config FILE] [--processed-dir DIR] [--workers N]
                                         [--naive-limit N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csp_analysis.batch.runner import RunOptions, plan_batch  # noqa: E402
from csp_analysis.core.paths import PROCESSED_DIR, REPORTS_CONFIG  # noqa: E402

BIN = Path(sys.executable).parent


def _timed(cmd: list[str], **kw) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    return time.perf_counter() - started, done


def _spread(items: list, n: int) -> list:
    """n items spread over the list (every report type gets its share)."""
    if n >= len(items):
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPORTS_CONFIG)
    parser.add_argument("--processed-dir", type=Path, default=PROCESSED_DIR)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--naive-limit", type=int, default=None, metavar="N")
    parser.add_argument("--keep", type=Path, default=None, help="keep outputs in this folder")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="csp-batch-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    batch_out, naive_out = work / "batch", work / "naive"
    shutil.rmtree(batch_out, ignore_errors=True)
    shutil.rmtree(naive_out, ignore_errors=True)

    # Run against a snapshot of the code, configuration, notebooks and processed data
    # (CSP_ANALYSIS_ROOT), so that edits made in the working tree while the benchmark runs do
    # not change the fingerprints between the batch and its no-change re-run.
    snapshot = work / "snapshot"
    shutil.rmtree(snapshot, ignore_errors=True)
    for folder in ("csp_analysis", "config", "notebooks"):
        shutil.copytree(
            ROOT / folder,
            snapshot / folder,
            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"),
        )
    processed = work / "processed"  # a copy too: someone may re-ingest data/processed meanwhile
    shutil.rmtree(processed, ignore_errors=True)
    shutil.copytree(args.processed_dir, processed)
    config = args.config.resolve()
    if config.is_relative_to(ROOT):
        config = snapshot / config.relative_to(ROOT)
    env = dict(os.environ, CSP_ANALYSIS_ROOT=str(snapshot))

    plan = plan_batch(
        RunOptions(
            config=config,
            out_dir=batch_out,
            project_root=snapshot,
            processed_dir=processed,
            progress=False,
        )
    )
    planned = plan.planned
    kernel = plan.batch.kernel
    n = len(planned)
    print(f"matrix: {n} reports; {os.cpu_count()} cores; workers {args.workers}")

    run_cmd = [
        str(BIN / "csp-analysis"),
        "run",
        "--config",
        str(config),
        "--out",
        str(batch_out),
        "--processed-dir",
        str(processed),
        "--workers",
        str(args.workers),
        "--no-progress",
    ]
    batch_s, done = _timed(run_cmd + ["--force"], env=env)
    print(done.stdout.strip())
    if done.returncode != 0:
        print(done.stderr.strip()[-2000:], file=sys.stderr)
    # The same batch with every kernel started the usual way (no template to fork from), side
    # by side, into its own folder.
    unforked_cmd = [c if c != str(batch_out) else str(work / "batch-unforked") for c in run_cmd]
    unforked_s, done = _timed(
        unforked_cmd + ["--force"], env=dict(env, CSP_ANALYSIS_FORK_KERNELS="0")
    )
    print(done.stdout.strip())
    worker_s = {"forked": batch_s * args.workers / n, "unforked": unforked_s * args.workers / n}
    # Others may edit the package while the batch runs (a shared working tree); that changes
    # the code fingerprint and the re-run rightly re-runs. Refresh until a re-run finds nothing
    # to do, and time that one.
    refreshes = 0
    while True:
        rerun_s, done = _timed(run_cmd, env=env)
        print(done.stdout.strip())
        if " 0 run," in done.stdout or refreshes == 3:
            break
        refreshes += 1
    if refreshes:
        print(
            f"note: the code or data changed during the batch; {refreshes} refresh run(s) "
            "before the timed no-change re-run"
        )

    sample = _spread(planned, args.naive_limit or n)
    naive_s = 0.0
    naive_failed = 0
    for item in sample:
        job = item.job
        executed = naive_out / job.executed_relpath
        executed.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(BIN / "papermill"),
            str(job.notebook),
            str(executed),
            "-k",
            kernel,
            "--no-progress-bar",
            "--cwd",
            str(job.notebook.parent),
        ]
        for name, value in item.parameters.items():
            cmd += ["-r", name, str(value)]  # -r: raw strings, as the batch passes them
        seconds, done = _timed(cmd, env=env)
        naive_s += seconds
        if done.returncode != 0:
            naive_failed += 1
            continue
        seconds, done = _timed(
            [
                str(BIN / "jupyter"),
                "nbconvert",
                "--to",
                "html",
                "--no-input",
                "--output-dir",
                str((naive_out / job.output_relpath).parent),
                str(executed),
            ],
            env=env,
        )
        naive_s += seconds
    naive_total = naive_s * n / len(sample)
    estimate = "" if len(sample) == n else f" (estimated from {len(sample)} reports)"

    print()
    print(f"| Batch of {n} reports | seconds | per report |")
    print("|---|---:|---:|")
    print(
        f"| `csp-analysis run --force`, {args.workers} workers, kernels forked from a warm "
        f"template | {batch_s:.1f} | {batch_s / n:.2f} |"
    )
    print(
        f"| the same, every kernel started the usual way (`CSP_ANALYSIS_FORK_KERNELS=0`) | "
        f"{unforked_s:.1f} | {unforked_s / n:.2f} |"
    )
    print(
        f"| naive loop: papermill CLI + nbconvert CLI{estimate} | {naive_total:.1f} | "
        f"{naive_total / n:.2f} |"
    )
    print(f"| re-run, nothing changed (`csp-analysis run`) | {rerun_s:.2f} | - |")
    print()
    print(
        f"speed-up over the naive loop: {naive_total / batch_s:.1f}x forked, "
        f"{naive_total / unforked_s:.1f}x unforked (target >= 6x); "
        f"re-run {rerun_s:.2f} s (target < 3 s)"
    )
    print(
        f"worker-seconds per report: {worker_s['forked']:.2f} forked, "
        f"{worker_s['unforked']:.2f} unforked (target <= 3 s)"
    )
    if naive_failed:
        print(f"note: {naive_failed} naive-loop papermill runs failed", file=sys.stderr)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
