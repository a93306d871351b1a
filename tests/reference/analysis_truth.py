"""Known-truth monthly series for the analysis tests, drawn from the demo generator's formula.

expected_t = base x (1 + trend/100) ** (months since start / 12) x seasonal[calendar month]
             x lockdown.get(t, 1) x product(step multipliers in force at t)
observed_t ~ negative binomial with mean expected_t and size ``dispersion``.

The parameters live in ``analysis_reference.json`` (written by make_analysis_reference.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE = json.loads((Path(__file__).with_name("analysis_reference.json")).read_text())
SIMULATION = REFERENCE["simulation"]


def expected_series(params: dict | None = None, **overrides) -> pd.Series:
    """Expected monthly counts under the truth ``params`` (default: the reference simulation)."""
    p = {**(params or SIMULATION), **overrides}
    index = pd.date_range(p["start"], periods=p["months"], freq="MS")
    years = np.arange(len(index)) / 12.0
    seasonal = np.asarray(p["seasonal_factors"])[index.month - 1]
    lockdown = np.array([p["lockdown_multipliers"].get(f"{m:%Y-%m}", 1.0) for m in index])
    steps = np.ones(len(index))
    for step in p["step_changes"]:
        steps = np.where(index >= pd.Timestamp(step["from"]), steps * step["multiplier"], steps)
    value = p["base_monthly_mean"] * (1 + p["annual_trend_pct"] / 100) ** years
    return pd.Series(value * seasonal * lockdown * steps, index=index, name="expected")


def simulate(params: dict | None = None, seed: int | None = None, **overrides) -> pd.Series:
    """One negative-binomial draw around :func:`expected_series`."""
    p = {**(params or SIMULATION), **overrides}
    expected = expected_series(p)
    rng = np.random.default_rng(p["seed"] if seed is None else seed)
    size = p["dispersion"]
    counts = rng.negative_binomial(size, size / (size + expected.to_numpy()))
    return pd.Series(counts.astype(float), index=expected.index, name="count")
