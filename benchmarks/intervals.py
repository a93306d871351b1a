"""Do the forecast ranges hold? Held-out coverage of prediction intervals (issue #14).

    .venv/bin/python benchmarks/intervals.py [--origins 4] [--simulated 60]

For every series the last 12 months are held out. On the months before them the backtest
chooses a model and calibrates its intervals (``forecast.backtest``, as the reports run it:
``--origins`` origins three months apart); the forecast of the held-out year is then scored:
the share of its months inside the 80% and 95% intervals, calibrated and the model's own, and
whether the chosen model beats the seasonal naive on the held-out year (MASE).

Series:

* the demo truth: 70 series (5 West Mercia CSPs x 14 crime types), one negative-binomial draw
  of each from the demo generator's expected counts, April 2016 to March 2025 (108 months);
* simulated: negative-binomial counts with a trend, a seasonal cycle and a random level,
  ``--simulated`` series at each of three lengths (48, 72 and 120 months).

Prints the figures; docs/benchmarks.md records them. The targets (issue #14): the chosen
model's 95% intervals cover 90-98% of held-out months, 80% intervals 75-88%.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from csp_analysis.analysis import forecast as fc  # noqa: E402
from csp_analysis.core.exceptions import AnalysisError  # noqa: E402

HOLDOUT = 12


def demo_series(seed: int = 1, end: str = "2025-03") -> dict[str, pd.Series]:
    """Every demo series (CSP x crime type), one negative-binomial draw each."""
    from csp_analysis.io.demo_data import build_truth, expected_monthly

    truth = build_truth()
    expected = expected_monthly(truth)
    rng = np.random.default_rng(seed)
    out = {}
    for spec in truth["series"]:
        mean = (
            expected[
                (expected["csp_code"] == spec["csp_code"])
                & (expected["crime_type"] == spec["crime_type"])
            ]
            .set_index("month")
            .loc[:end, "expected"]
        )
        size = spec["dispersion"]
        counts = rng.negative_binomial(size, size / (size + mean.to_numpy()))
        out[f"{spec['csp_code']} {spec['crime_type']}"] = pd.Series(
            counts.astype(float), index=mean.index
        )
    return out


def simulated_series(n: int, months: int, seed: int) -> dict[str, pd.Series]:
    """Negative-binomial counts: level 10-400 a month, trend -3% to +3% a year, seasonal
    amplitude 0-25%, dispersion size 5-60 (the spread of the demo's crime types)."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-04-01", periods=months, freq="MS")
    t = np.arange(months)
    out = {}
    for i in range(n):
        level = np.exp(rng.uniform(np.log(10), np.log(400)))
        trend = rng.uniform(-0.03, 0.03) / 12
        amplitude = rng.uniform(0, 0.25)
        phase = rng.uniform(0, 2 * np.pi)
        size = rng.uniform(5, 60)
        mean = level * np.exp(trend * t) * (1 + amplitude * np.sin(2 * np.pi * t / 12 + phase))
        counts = rng.negative_binomial(size, size / (size + mean))
        out[f"sim{months}-{i}"] = pd.Series(counts.astype(float), index=index)
    return out


def held_out(series: pd.Series, origins: int) -> dict | None:
    """Score one series' held-out year; None when the training part is too short."""
    train, test = series.iloc[:-HOLDOUT], series.iloc[-HOLDOUT:].to_numpy()
    try:
        tested = fc.backtest(train, horizon=HOLDOUT, max_origins=origins, step=3)
    except AnalysisError:
        return None
    row = {"model": tested.chosen_model, "calibrated": tested.calibrated}
    scale = fc.seasonal_naive_mae(train.to_numpy())
    naive = train.to_numpy()[-12:]
    for level in fc.LEVELS:
        key = round(level * 100)
        result = fc.forecast(train, horizon=HOLDOUT, level=level, backtest_result=tested)
        inside = (test >= result.lower.to_numpy()) & (test <= result.upper.to_numpy())
        row[f"cal_{key}"] = inside.mean() if result.calibrated else np.nan
        own = fc.forecast(train, horizon=HOLDOUT, level=level, model=tested.chosen_model)
        row[f"own_{key}"] = ((test >= own.lower.to_numpy()) & (test <= own.upper.to_numpy())).mean()
        if level == fc.LEVELS[-1]:
            row["mase"] = np.mean(np.abs(test - result.mean.to_numpy())) / scale
            row["mase_naive"] = np.mean(np.abs(test - naive)) / scale
    return row


def report(name: str, series: dict[str, pd.Series], origins: int) -> pd.DataFrame:
    started = time.perf_counter()
    rows = []
    for key, values in series.items():
        row = held_out(values, origins)
        if row is not None:
            row["series"] = key
            rows.append(row)
    frame = pd.DataFrame(rows)
    seconds = time.perf_counter() - started
    calibrated = frame[frame["calibrated"]]
    print(
        f"{name}: {len(frame)} series, {origins} origins, {seconds:.1f} s; calibrated "
        f"{len(calibrated)}; held-out coverage, calibrated: 80% {calibrated['cal_80'].mean():.1%}, "
        f"95% {calibrated['cal_95'].mean():.1%}; the model's own: 80% {frame['own_80'].mean():.1%}, "
        f"95% {frame['own_95'].mean():.1%}; chosen beats seasonal naive on the held-out year "
        f"{int((frame['mase'] < frame['mase_naive']).sum())} of {len(frame)}; chosen: "
        + ", ".join(f"{m} {n}" for m, n in frame["model"].value_counts().items())
    )
    for model, part in calibrated.groupby("model"):
        print(
            f"    {model}: {len(part)} series, calibrated 80% {part['cal_80'].mean():.1%}, "
            f"95% {part['cal_95'].mean():.1%}; own 80% {part['own_80'].mean():.1%}, "
            f"95% {part['own_95'].mean():.1%}"
        )
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", type=int, default=8, help="backtest origins (reports: 8)")
    parser.add_argument("--simulated", type=int, default=60, help="simulated series per length")
    args = parser.parse_args()
    report("demo truth", demo_series(), args.origins)
    for months in (48, 72, 120):
        report(f"simulated, {months} months", simulated_series(args.simulated, months, months),
               args.origins)  # fmt: skip


if __name__ == "__main__":
    main()
