"""Memory of reading a hostile file: one 200 MB line inside a police.uk archive member (#13).

    .venv/bin/python benchmarks/hostile.py [--megabytes 200]

Writes a zip whose street file holds a header, a good row, one line of ``--megabytes`` MB and
another good row, then loads it in fresh processes and prints each one's peak memory (max
RSS, Linux VmHWM reset after the imports) above the same process's resident size then:

* with the line-length guard (the default, :data:`csp_analysis.io.csv_text.MAX_LINE_BYTES`):
  the line is cut out before parsing and counted as a rejected row;
* without it (the limit raised above the line's size), as the reader behaved before: the line
  goes through the parser.

Both in one run, side by side. docs/benchmarks.md records the figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context"
)
ROW = (
    "a" * 64 + ",2025-01,West Mercia Police,West Mercia Police,-2.7,52.05,On or near High "
    "Street,E01014001,Herefordshire 001A,Burglary,Under investigation,"
)

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from csp_analysis.io import csv_text
from csp_analysis.io.police_uk import load_street_files
if {unguarded}:
    csv_text.MAX_LINE_BYTES = 1 << 40
def high_water_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
def current_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
# Reset the peak to the current size (Linux: writing 5 to clear_refs resets VmHWM), so the
# peak below is this load's own.
try:
    open("/proc/self/clear_refs", "w").write("5")
except OSError:
    pass
before = current_kb()
started = time.perf_counter()
try:
    result, _ = load_street_files([{archive!r}], workers=1)
    outcome = f"read {{result.rows_read}}, loaded {{result.rows_loaded}}, rejected {{result.rejections.total}}"
except Exception as exc:
    outcome = f"{{type(exc).__name__}}: {{str(exc)[:120]}}"
seconds = time.perf_counter() - started
peak = high_water_kb()
print(json.dumps({{"baseline_mb": before / 1024, "peak_mb": peak / 1024, "seconds": seconds,
                  "outcome": outcome}}))
"""


def measure(archive: Path, unguarded: bool) -> dict:
    code = CHILD.format(root=str(ROOT), archive=str(archive), unguarded=unguarded)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"outcome": f"process failed: {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        archive = Path(folder) / "2025-01.zip"
        line = b"x" * (args.megabytes << 20)
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(
                "2025-01/2025-01-west-mercia-street.csv",
                b"\n".join([HEADER.encode(), ROW.encode(), line, ROW.encode()]) + b"\n",
            )
        del line
        print(f"archive with one {args.megabytes} MB line: {archive.stat().st_size / 1e6:.1f} MB "
              "compressed")  # fmt: skip
        for label, unguarded in (("with the line guard", False), ("without it", True)):
            figures = measure(archive, unguarded)
            if "peak_mb" in figures:
                print(f"{label}: peak {figures['peak_mb']:.0f} MB (baseline "
                      f"{figures['baseline_mb']:.0f} MB, +{figures['peak_mb'] - figures['baseline_mb']:.0f} MB), "
                      f"{figures['seconds']:.2f} s; {figures['outcome']}")  # fmt: skip
            else:
                print(f"{label}: {figures['outcome']}")


if __name__ == "__main__":
    main()
