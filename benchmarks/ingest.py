"""Ingest benchmark: rows/s and peak memory of ``csp-analysis ingest`` against pandas defaults.

Two inputs, each measured in a fresh subprocess so peak RSS (``ru_maxrss``) is that run's own:

1. the real West Mercia 2025 street files in ../shared/data (12 files, 102,105 rows);
2. a national-size archive zip generated on the fly in a temporary directory, in the
   data.police.uk archive layout (``YYYY-MM/YYYY-MM-<force>-street.csv`` plus the -outcomes and
   -stop-and-search files the ingest skips): 43 forces x 36 months of street files, each built
   from a real West Mercia month with its Month, force names and row count changed (about
   11,600 rows a file, the national average: ~18M rows). It is deleted afterwards.

For each, the ingest (read + validate + assign + write parquet) is timed end to end, and
``pandas.read_csv`` with default settings reads the same files (parse only, nothing written)
as the baseline. Usage: ``python benchmarks/ingest.py [--months 36] [--forces 43]``; figures
are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from csp_analysis.core.paths import SHARED_DATA_DIR  # noqa: E402

WEST_MERCIA = SHARED_DATA_DIR / "police_uk" / "west-mercia"
LSOA_LOOKUP = (
    SHARED_DATA_DIR
    / "ons"
    / "LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv"
)
# The 43 territorial police forces of England and Wales, as police.uk slugs.
FORCES = (
    "avon-and-somerset", "bedfordshire", "cambridgeshire", "cheshire", "city-of-london",
    "cleveland", "cumbria", "derbyshire", "devon-and-cornwall", "dorset", "durham",
    "dyfed-powys", "essex", "gloucestershire", "greater-manchester", "gwent", "hampshire",
    "hertfordshire", "humberside", "kent", "lancashire", "leicestershire", "lincolnshire",
    "merseyside", "metropolitan", "norfolk", "north-wales", "north-yorkshire", "northamptonshire",
    "northumbria", "nottinghamshire", "south-wales", "south-yorkshire", "staffordshire", "suffolk",
    "surrey", "sussex", "thames-valley", "warwickshire", "west-mercia", "west-midlands",
    "west-yorkshire", "wiltshire",
)  # fmt: skip
NATIONAL_ROWS_PER_FILE = 11_600  # ~6.5M crimes + ~1.1M ASB a year / 43 forces / 12 months


def generate_archive(target: Path, months: int, forces: int) -> tuple[int, int]:
    """Write the national-size archive zip; returns (street files, data rows)."""
    templates = []
    for path in sorted(WEST_MERCIA.glob("2025-*-west-mercia-street.csv")):
        data = path.read_bytes()
        header, _, body = data.partition(b"\n")
        lines = body.splitlines(keepends=True)
        # Pad to the national average by repeating rows: same shape, same parse cost.
        while len(lines) < NATIONAL_ROWS_PER_FILE:
            lines.extend(lines[: NATIONAL_ROWS_PER_FILE - len(lines)])
        templates.append((path.name[:7], header + b"\n", b"".join(lines), len(lines)))
    rows = files = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for index in range(months):
            year, month = 2023 + index // 12, index % 12 + 1
            stamp = f"{year}-{month:02d}"
            source_month, header, body, count = templates[index % len(templates)]
            body = body.replace(source_month.encode(), stamp.encode())
            for slug in FORCES[:forces]:
                name = slug.replace("-", " ").title() + " Police"
                member = body.replace(b"West Mercia Police", name.encode())
                out.writestr(f"{stamp}/{stamp}-{slug}-street.csv", header + member)
                files += 1
                rows += count
            out.writestr(f"{stamp}/{stamp}-{FORCES[0]}-outcomes.csv", b"Crime ID,Month\n")
            out.writestr(f"{stamp}/{stamp}-{FORCES[0]}-stop-and-search.csv", b"Type,Date\n")
    return files, rows


# --------------------------------------------------------------------------- measured children


def _cpu_seconds() -> float:
    """User + system CPU time of this process, all threads included."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child_ingest(inputs: list[str], out: str) -> dict:
    from csp_analysis.io.ingest import ingest

    cpu, start = _cpu_seconds(), time.perf_counter()
    report = ingest(police_uk=inputs, lsoa_lookup=str(LSOA_LOOKUP), out=out)
    seconds = time.perf_counter() - start
    return {
        "rows": report["tables"]["crimes"]["rows_read"],
        "seconds": seconds,
        "cpu_seconds": _cpu_seconds() - cpu,
    }


def _child_pandas(inputs: list[str]) -> dict:
    import pandas as pd

    cpu, start = _cpu_seconds(), time.perf_counter()
    rows = 0
    for raw in inputs:
        path = Path(raw)
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    if member.endswith("-street.csv"):
                        rows += len(pd.read_csv(io.BytesIO(archive.read(member))))
        else:
            for file in sorted(path.rglob("*-street.csv")) if path.is_dir() else [path]:
                rows += len(pd.read_csv(file))
    return {
        "rows": rows,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": _cpu_seconds() - cpu,
    }


def _measure(kind: str, inputs: list[str], out: str | None = None) -> dict:
    """Run one measurement in a fresh interpreter and return its figures and peak RSS."""
    command = [sys.executable, __file__, "--child", kind, "--out", out or "", "--", *inputs]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["rows_per_s"] = result["rows"] / result["seconds"]
    return result


def _child_main(kind: str, inputs: list[str], out: str) -> None:
    import resource

    figures = _child_ingest(inputs, out) if kind == "ingest" else _child_pandas(inputs)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures))


def _compare(label: str, inputs: list[str], out: str) -> dict:
    ours = _measure("ingest", inputs, out)
    pandas = _measure("pandas", inputs)
    speedup = ours["rows_per_s"] / pandas["rows_per_s"]
    print(f"{label}: {ours['rows']:,} rows")
    for name, figures in (("csp-analysis ingest", ours), ("pandas read_csv", pandas)):
        print(
            f"  {name:<20}: {figures['seconds']:7.2f} s wall "
            f"{figures['rows_per_s'] / 1e6:5.2f} M rows/s | {figures['cpu_seconds']:7.2f} s CPU "
            f"{figures['rows'] / figures['cpu_seconds'] / 1e6:5.2f} M rows/CPU-s | "
            f"peak RSS {figures['peak_rss_mb']:,.0f} MB"
        )
    print(f"  speed-up vs pandas defaults (wall): {speedup:.2f}x", flush=True)
    return {"ingest": ours, "pandas": pandas, "speedup": speedup}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--forces", type=int, default=len(FORCES))
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--child", choices=["ingest", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("inputs", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_main(args.child, args.inputs, args.out)
        return
    if not WEST_MERCIA.is_dir() or not LSOA_LOOKUP.is_file():
        raise SystemExit(f"the benchmark needs the real files in {SHARED_DATA_DIR}")
    print(f"nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (1 min)", flush=True)
    with tempfile.TemporaryDirectory(prefix="csp-bench-") as tmp:
        _compare("West Mercia 2025 (real, 12 files)", [str(WEST_MERCIA)], f"{tmp}/wm")
        if args.skip_national:
            return
        archive = Path(tmp) / "national.zip"
        start = time.perf_counter()
        files, rows = generate_archive(archive, args.months, args.forces)
        print(
            f"generated {archive.name}: {files:,} street files, {rows:,} rows, "
            f"{archive.stat().st_size / 1e9:.2f} GB zipped, in {time.perf_counter() - start:.0f} s",
            flush=True,
        )
        _compare(
            f"National archive ({args.forces} forces x {args.months} months)",
            [str(archive)],
            f"{tmp}/national",
        )
        print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
