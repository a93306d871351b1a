"""Time everything one CSP's reports fit: about 15 monthly series x all models.

For each series :func:`csp_analysis.analysis.evaluate.fit_all` runs the STL decomposition, the trend GLM
(negative binomial, lockdown and step terms), the rolling-origin backtest of seasonal naive, ETS
and SARIMA (8 origins, 12 months ahead), the final forecast with the chosen model, and the XmR
chart. The series are the demo generator's known truth for one CSP (14 police.uk crime types
plus their total, April 2016 to March 2025, negative-binomial draws), so the benchmark needs no
generated files. Target: under 2 s on the project machine (2 shared cores).

Usage: ``.venv/bin/python benchmarks/models.py [--csp E22000326] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict

# These fits multiply tiny matrices, where a multi-threaded BLAS only adds thread hand-offs
# (measured 3-4x slower on the 2 shared cores); set before numpy loads, as the report runner
# should for its kernels too. An explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402 - after the thread settings above
import pandas as pd  # noqa: E402

TARGET_SECONDS = 2.0


def csp_series(csp_code: str, end: str = "2025-03", seed: int = 1) -> dict[str, pd.Series]:
    """One CSP's monthly counts by crime type, plus the total, drawn from the demo truth."""
    from csp_analysis.io.demo_data import build_truth, expected_monthly

    truth = build_truth()
    expected = expected_monthly(truth)
    rng = np.random.default_rng(seed)
    series, steps = {}, {}
    for spec in truth["series"]:
        if spec["csp_code"] != csp_code:
            continue
        mean = expected[
            (expected["csp_code"] == csp_code) & (expected["crime_type"] == spec["crime_type"])
        ].set_index("month")
        mean = mean.loc[:end, "expected"]
        size = spec["dispersion"]
        counts = rng.negative_binomial(size, size / (size + mean.to_numpy()))
        series[spec["crime_type"]] = pd.Series(counts.astype(float), index=mean.index)
        steps[spec["crime_type"]] = spec["step_changes"]
    if not series:
        raise SystemExit(f"no demo series for CSP {csp_code}")
    series["All crime"] = sum(series.values())
    steps["All crime"] = []
    return {name: (s, steps[name]) for name, s in series.items()}


def run_once(series) -> tuple[float, float, dict[str, float]]:
    """Fit everything; return wall seconds, CPU seconds and wall seconds per part (timed
    separately). CPU time shows the cost when other jobs share the two cores."""
    from csp_analysis.analysis import forecast as fc
    from csp_analysis.analysis.evaluate import fit_all
    from csp_analysis.analysis.seasonality import decompose
    from csp_analysis.analysis.spc import xmr
    from csp_analysis.analysis.trend import fit_trend

    start, cpu_start = time.perf_counter(), time.process_time()
    for values, steps in series.values():
        fit_all(values, steps=steps)
    total = time.perf_counter() - start
    parts_cpu = time.process_time() - cpu_start

    parts: dict[str, float] = defaultdict(float)
    for values, steps in series.values():
        for name, call in (
            ("decompose", lambda v=values: decompose(v)),
            ("trend GLM", lambda v=values, s=steps: fit_trend(v, steps=s)),
            ("backtest (3 models x 8 origins)", lambda v=values: fc.backtest(v)),
            ("forecast (chosen model, refit)", lambda v=values: fc.forecast(v, model="sarima")),
            ("xmr", lambda v=values: xmr(v, direction="lower")),
        ):
            t0 = time.perf_counter()
            call()
            parts[name] += time.perf_counter() - t0
    return total, parts_cpu, dict(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csp", default="E22000326", help="CSP code (default Herefordshire)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    t0 = time.perf_counter()
    import csp_analysis.analysis.evaluate  # noqa: F401 - imports statsmodels, scipy, pandas

    import_seconds = time.perf_counter() - t0
    series = csp_series(args.csp)
    n_months = len(next(iter(series.values()))[0])
    print(f"{len(series)} series x {n_months} months; models: seasonal_naive, ets, sarima")
    print(f"import csp_analysis.analysis.evaluate (statsmodels etc.): {import_seconds:.2f} s")

    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    totals, cpus, last_parts = [], [], {}
    for repeat in range(args.repeats + 1):
        total, cpu, parts = run_once(series)
        label = "cold (first call, includes lazy imports)" if repeat == 0 else f"run {repeat}"
        print(f"fit_all over all series, {label}: {total:.2f} s wall, {cpu:.2f} s CPU")
        if repeat:
            totals.append(total)
            cpus.append(cpu)
            last_parts = parts
    median = statistics.median(totals)
    print(
        f"median of {args.repeats} warm runs: {median:.2f} s wall "
        f"({1000 * median / len(series):.0f} ms a series), {statistics.median(cpus):.2f} s CPU;"
        f" target < {TARGET_SECONDS:.0f} s: {'met' if median < TARGET_SECONDS else 'NOT met'}"
    )
    print("parts, timed separately (last run; forecast timed with SARIMA, the slowest):")
    for name, seconds in last_parts.items():
        print(f"  {name:<34} {seconds:6.3f} s")


if __name__ == "__main__":
    main()
