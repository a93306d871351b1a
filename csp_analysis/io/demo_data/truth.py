"""The known truth behind the demo counts: the expected monthly mean of every CSP x crime type,
written as ``truth.json`` so tests can check the analyses recover it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.core.paths import DEMO_RAW_DIR
from csp_analysis.core.schema import POLICE_UK_CRIME_TYPES
from csp_analysis.io.demo_data.calibration import (
    DEFAULT_END,
    DEFAULT_SEED,
    DEFAULT_START,
    LABEL,
    LOCKDOWNS,
    MARKER_FILE,
    NO_LOCATION_SHARE,
    OUTSIDE_FORCE_SHARE,
    REFERENCE_MONTH,
    STEP_CHANGES,
    TRUTH_FILE,
    TYPE_MODELS,
)
from csp_analysis.io.demo_data.force import WEST_MERCIA, DemoForce


def _parse_month(value: str, what: str) -> int:
    """Return a month as an integer count (year * 12 + month - 1) or raise a clear error."""
    try:
        year_text, month_text = value.split("-")
        year, month = int(year_text), int(month_text)
        if len(year_text) != 4 or len(month_text) != 2 or not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise CspAnalysisError(f"demo-data: {what} {value!r} is not a month YYYY-MM") from None
    return year * 12 + month - 1


def _month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _financial_quarter(index: int) -> tuple[str, int]:
    """Financial year label ("2024/25") and quarter (1 = Apr-Jun) of a month index."""
    year, month = divmod(index, 12)  # month 0 = January
    start_year = year if month >= 3 else year - 1
    quarter = ((month - 3) % 12) // 3 + 1
    return f"{start_year}/{(start_year + 1) % 100:02d}", quarter


def seasonal_factors(crime_type: str) -> list[float]:
    """Multiplicative seasonal factors of a crime type, January..December, mean exactly 1.

    Parameters
    ----------
    crime_type : str
        A police.uk crime type.

    Returns
    -------
    list of float
        Twelve factors ``1 + amplitude * cos(2 pi (month - peak) / 12)``, renormalised so that
        their mean is 1 to machine precision.
    """
    model = TYPE_MODELS[crime_type]
    months = np.arange(1, 13)
    factors = 1 + model.amplitude * np.cos(2 * np.pi * (months - model.peak_month) / 12)
    factors = factors / factors.mean()
    return [float(f) for f in factors]


def lockdown_multipliers(crime_type: str) -> dict[str, float]:
    """Lockdown multipliers of a crime type by month ("YYYY-MM"), as in ``truth.json``."""
    first_apr, first_may, first_jun, second, third = TYPE_MODELS[crime_type].lockdown
    return {
        "2020-04": first_apr, "2020-05": first_may, "2020-06": first_jun, "2020-11": second,
        "2021-01": third, "2021-02": third, "2021-03": third,
    }  # fmt: skip


def _trend_pct(csp_code: str, crime_type: str, adjustment: dict) -> float:
    return TYPE_MODELS[crime_type].trend_pct + adjustment.get((csp_code, crime_type), 0)


def _shape(month_indices: np.ndarray, crime_type: str, trend_pct: float) -> np.ndarray:
    """Expected count relative to ``base`` for the given months (the formula without base)."""
    reference = _parse_month(REFERENCE_MONTH, "reference month")
    years = (month_indices - reference) / 12.0
    seasonal = np.asarray(seasonal_factors(crime_type))[month_indices % 12]
    lockdown = lockdown_multipliers(crime_type)
    lock = np.array([lockdown.get(_month_label(m), 1.0) for m in month_indices])
    steps = np.ones(len(month_indices))
    for start, multiplier, _ in STEP_CHANGES.get(crime_type, ()):
        steps = np.where(month_indices >= _parse_month(start, "step"), steps * multiplier, steps)
    return (1 + trend_pct / 100.0) ** years * seasonal * lock * steps


def build_truth(
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    force: DemoForce = WEST_MERCIA,
):
    """The known truth behind the demonstration counts, as written to ``truth.json``.

    ``base_monthly_mean`` is solved so that the expected January-December 2025 total of each
    CSP x crime type equals the real West Mercia 2025 count (:data:`REAL_2025_COUNTS`).

    Parameters
    ----------
    seed : int
        Recorded in the truth; the truth itself does not depend on it.
    start, end : str
        First and last month ("YYYY-MM") of the generated span.
    force : DemoForce
        The force the data are for (:func:`csp_analysis.io.demo_data.force.demo_force`).

    Returns
    -------
    dict
        The ``truth.json`` document (without the indicator signals and expected counts, which
        :func:`generate_demo_data` adds).
    """
    first, last = _parse_month(start, "start"), _parse_month(end, "end")
    if first > last:
        raise CspAnalysisError(f"demo-data: start {start} is after end {end}")
    calendar_2025 = np.arange(_parse_month("2025-01", "m"), _parse_month("2025-12", "m") + 1)
    series = []
    for csp_code, csp_name, _, _ in force.csps:
        for crime_type in POLICE_UK_CRIME_TYPES:
            trend = _trend_pct(csp_code, crime_type, force.trend_adjustment)
            base = (
                force.counts_2025[csp_code][crime_type]
                / _shape(calendar_2025, crime_type, trend).sum()
            )
            series.append(
                {
                    "csp_code": csp_code,
                    "csp_name": csp_name,
                    "crime_type": crime_type,
                    "base_monthly_mean": round(float(base), 6),
                    "annual_trend_pct": trend,
                    "seasonal_factors": seasonal_factors(crime_type),
                    "lockdown_multipliers": lockdown_multipliers(crime_type),
                    "step_changes": [
                        {"from": s, "multiplier": m, "reason": r}
                        for s, m, r in STEP_CHANGES.get(crime_type, ())
                    ],
                    "dispersion": TYPE_MODELS[crime_type].dispersion,
                    "calibration_2025_count": force.counts_2025[csp_code][crime_type],
                }
            )
    return {
        "synthetic": True,
        "label": LABEL,
        "force": force.slug,
        "seed": seed,
        "start": _month_label(first),
        "end": _month_label(last),
        "reference_month": REFERENCE_MONTH,
        "lockdowns": {name: list(span) for name, span in LOCKDOWNS.items()},
        "formula": (
            "expected[c,k,t] = base_monthly_mean * (1 + annual_trend_pct/100) ** "
            "(months since reference_month / 12) * seasonal_factors[calendar month - 1] * "
            "lockdown_multipliers.get(t, 1) * product(step.multiplier for steps with from <= t); "
            "observed ~ NegBin(mean=expected, size=dispersion)"
        ),
        "series": series,
        "unassigned": {
            "no_location_share": NO_LOCATION_SHARE,
            "outside_force_share": OUTSIDE_FORCE_SHARE if force.outside_districts else 0.0,
            "outside_districts": {code: spec[0] for code, spec in force.outside_districts.items()},
            "note": (
                "extra rows per crime type and month, Poisson with mean share * sum of the CSP "
                "expected counts; not part of any CSP series"
            ),
        },
    }


def expected_monthly(truth: dict) -> pd.DataFrame:
    """Expected count of every CSP x crime type x month from a truth document.

    Parameters
    ----------
    truth : dict
        The parsed ``truth.json`` (see :func:`load_truth`).

    Returns
    -------
    pandas.DataFrame
        Columns ``csp_code, csp_name, crime_type, month`` (first day of the month, datetime64)
        and ``expected`` (float), one row per series and month from ``start`` to ``end``.
    """
    first, last = _parse_month(truth["start"], "start"), _parse_month(truth["end"], "end")
    reference = _parse_month(truth.get("reference_month", REFERENCE_MONTH), "reference month")
    months = np.arange(first, last + 1)
    labels = [_month_label(m) for m in months]
    frames = []
    for s in truth["series"]:
        years = (months - reference) / 12.0
        value = s["base_monthly_mean"] * (1 + s["annual_trend_pct"] / 100.0) ** years
        value = value * np.asarray(s["seasonal_factors"])[months % 12]
        value = value * np.array([s["lockdown_multipliers"].get(lb, 1.0) for lb in labels])
        for step in s["step_changes"]:
            value = np.where(months >= _parse_month(step["from"], "step"),
                             value * step["multiplier"], value)  # fmt: skip
        frames.append(
            pd.DataFrame(
                {
                    "csp_code": s["csp_code"],
                    "csp_name": s["csp_name"],
                    "crime_type": s["crime_type"],
                    "month": pd.to_datetime(labels, format="%Y-%m"),
                    "expected": value,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def is_demo_data(directory: str | Path) -> bool:
    """Whether ``directory`` was written by ``csp-analysis demo-data`` (has the marker file)."""
    return (Path(directory) / MARKER_FILE).is_file()


def load_truth(demo_dir: str | Path = DEMO_RAW_DIR) -> dict:
    """Read ``truth.json`` from a demonstration data directory.

    Raises
    ------
    CspAnalysisError
        When the directory holds no demonstration data.
    """
    path = Path(demo_dir) / TRUTH_FILE
    if not path.is_file():
        raise CspAnalysisError(
            f"{path}: no truth file; generate the data with `csp-analysis demo-data`"
        )
    return json.loads(path.read_text(encoding="utf-8"))
