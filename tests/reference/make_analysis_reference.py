"""Write tests/reference/analysis_reference.json: reference values for the analysis B tests.

Run from the project root: ``.venv/bin/python tests/reference/make_analysis_reference.py``.

Nothing here imports csp_analysis: the values are worked by hand (exact fractions) or copied
from published documentation, so the tests compare the package against an independent answer.

* ``spc_ptd_vignette``: the worked example in the NHSRplotthedots vignette "Screening outliers"
  (nhs-r-community/NHSRplotthedots, vignettes; data ``1, 2, 1, 2, 10, 1, ...``), whose captions
  give the process limits with and without moving-range screening, and which says the fifth
  point is the one special-cause point (improvement, with the default "increase" direction).
* ``spc_hand``: a five-point XmR chart worked with exact fractions.
* ``mase_hand``: seasonal-naive MASE of a short series with season 4, worked with exact
  fractions following Hyndman & Koehler (2006).
* ``simulation``: the parameters of the simulated "known truth" series the recovery tests draw
  (same formula as the demo-data generator: base x (1 + trend)^years x seasonal x lockdown x
  steps, negative binomial noise).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent


def xmr_limits(values: list[Fraction]) -> dict[str, float]:
    """Mean and limits mean +/- 2.66 x mean moving range (Making Data Count)."""
    mean = sum(values) / len(values)
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mr_bar = sum(ranges) / len(ranges)
    k = Fraction(266, 100)
    return {
        "mean": float(mean),
        "mr_bar": float(mr_bar),
        "lcl": float(mean - k * mr_bar),
        "ucl": float(mean + k * mr_bar),
    }


def seasonal_naive_mase(y: list[int], season: int, horizon: int, origins: list[int]) -> float:
    """MASE of the seasonal naive forecast over the given origins (exact arithmetic)."""
    scaled = []
    for origin in origins:
        train = y[:origin]
        diffs = [abs(train[t] - train[t - season]) for t in range(season, origin)]
        scale = Fraction(sum(diffs), len(diffs))
        for k in range(horizon):
            forecast = train[origin - season + (k % season)]
            scaled.append(Fraction(abs(y[origin + k] - forecast)) / scale)
    return float(sum(scaled) / len(scaled))


def main() -> None:
    hand = [Fraction(v) for v in (10, 12, 11, 13, 12)]
    mase_series = [10, 20, 30, 40, 12, 22, 28, 44, 14, 18, 30]
    reference = {
        "spc_ptd_vignette": {
            "source": "NHSRplotthedots vignette, screen_outliers example (captions)",
            "values": [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1],
            "screened": {"ucl": 4.6, "mean": 1.94, "lcl": -0.72},
            "unscreened": {"ucl": 6.95, "mean": 1.94, "lcl": -3.06},
            "special_cause_positions": [4],
        },
        "spc_hand": {"values": [float(v) for v in hand], **xmr_limits(hand)},
        "mase_hand": {
            "series": mase_series,
            "season": 4,
            "horizon": 2,
            "one_origin": {
                "origins": [8],
                "series_length": 10,
                "mase": seasonal_naive_mase(mase_series[:10], 4, 2, [8]),
            },
            "two_origins": {
                "origins": [8, 9],
                "series_length": 11,
                "mase": seasonal_naive_mase(mase_series, 4, 2, [8, 9]),
            },
        },
        "simulation": {
            "start": "2016-04",
            "months": 108,
            "base_monthly_mean": 400.0,
            "annual_trend_pct": -3.0,
            "seasonal_factors": [
                0.85,
                0.82,
                0.92,
                0.97,
                1.05,
                1.1,
                1.16,
                1.12,
                1.04,
                1.01,
                0.97,
                0.99,
            ],
            "lockdown_multipliers": {
                "2020-04": 0.6,
                "2020-05": 0.7,
                "2020-06": 0.85,
                "2020-11": 0.85,
                "2021-01": 0.8,
                "2021-02": 0.8,
                "2021-03": 0.9,
            },
            "step_changes": [{"from": "2018-04", "multiplier": 1.15}],
            "dispersion": 60.0,
            "seed": 20240401,
        },
    }
    factors = reference["simulation"]["seasonal_factors"]
    mean = sum(factors) / 12
    reference["simulation"]["seasonal_factors"] = [f / mean for f in factors]
    out = HERE / "analysis_reference.json"
    out.write_text(json.dumps(reference, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
