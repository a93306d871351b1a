"""Quarterly partner indicators with targets and planted special-cause signals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from csp_analysis.io.demo_data.calibration import CSPS, INDICATORS_COLUMNS, REFERENCE_MONTH
from csp_analysis.io.demo_data.truth import _financial_quarter, _parse_month

# Per CSP quarterly rates per 100,000 residents, and the genuine signals an SPC chart should
# find. Stylised: levels of the order published in OHID Fingertips (alcohol-related A&E
# admissions), Home Office fire statistics (deliberate fires) and SafeLives MARAC data.
INDICATORS = {
    # name: (unit, direction, baseline per 100k per quarter or percent, annual trend %)
    "alcohol_related_ae_assaults": ("count", "lower", 11.0, -1.5),
    "deliberate_fires": ("count", "lower", 24.0, -2.0),
    "marac_repeat_referral_rate": ("percent", "lower", 32.0, 0.0),
    "drug_treatment_successful_completions_pct": ("percent", "higher", 27.0, 0.0),
}


INDICATOR_SEASONALITY = {  # by financial quarter Q1..Q4 (Apr-Jun .. Jan-Mar)
    "alcohol_related_ae_assaults": (1.00, 1.12, 1.14, 0.74),
    "deliberate_fires": (1.40, 1.15, 0.85, 0.60),
}


# Lockdown quarters (financial year 2020/21): night-time economy shut, fewer A&E assaults.
INDICATOR_COVID = {"alcohol_related_ae_assaults": {("2020/21", 1): 0.45, ("2020/21", 3): 0.75,
                                                   ("2020/21", 4): 0.60}}  # fmt: skip


INDICATOR_SIGNALS = (
    {"area_code": "E22000333", "indicator": "alcohol_related_ae_assaults", "kind": "spike",
     "from": "2023/24 Q2", "to": "2023/24 Q2", "multiplier": 1.9,
     "note": "one-quarter spike (a summer of town-centre violence)"},
    {"area_code": "E22000360", "indicator": "deliberate_fires", "kind": "spike",
     "from": "2022/23 Q2", "to": "2022/23 Q2", "multiplier": 2.3,
     "note": "heatwave grass fires, summer 2022"},
    {"area_code": "E22000368", "indicator": "marac_repeat_referral_rate", "kind": "shift",
     "from": "2023/24 Q1", "to": None, "level": 23.0,
     "note": "sustained fall (improvement) after a new MARAC coordinator"},
    {"area_code": "E22000326", "indicator": "drug_treatment_successful_completions_pct",
     "kind": "shift", "from": "2024/25 Q1", "to": None, "level": 38.0,
     "note": "sustained rise (improvement) after recommissioning of treatment services"},
)  # fmt: skip


INDICATOR_TARGETS = {  # percent indicators: fixed targets; counts: 90% of the first year
    "marac_repeat_referral_rate": 35.0,
    "drug_treatment_successful_completions_pct": 30.0,
}


def _quarters(first: int, last: int) -> list[tuple[str, int, int]]:
    """Financial quarters wholly inside the span: (year label, quarter, first month index)."""
    out = []
    for m in range(first, last + 1):
        if (m % 12) in (3, 6, 9, 0) and m + 2 <= last:
            label, q = _financial_quarter(m)
            out.append((label, q, m))
    return out


def _in_signal(signal: dict, period: str) -> bool:
    def key(p: str) -> tuple[str, str]:
        year, quarter = p.split(" ")
        return year, quarter

    after = key(period) >= key(signal["from"])
    before = signal["to"] is None or key(period) <= key(signal["to"])
    return after and before


def _indicators(rng, first: int, last: int, csps=CSPS) -> pd.DataFrame:
    quarters = _quarters(first, last)
    reference = _parse_month(REFERENCE_MONTH, "reference month")
    rows = []
    for csp_index, (csp_code, csp_name, _, population) in enumerate(csps):
        for name, (unit, direction, level, trend) in INDICATORS.items():
            values = []
            for year_label, quarter, month in quarters:
                period = f"{year_label} Q{quarter}"
                years = (month - reference) / 12.0
                signal = next(
                    (s for s in INDICATOR_SIGNALS
                     if s["area_code"] == csp_code and s["indicator"] == name
                     and _in_signal(s, period)),
                    None,
                )  # fmt: skip
                if unit == "count":
                    mean = level * population / 100_000 * (1 + trend / 100) ** years
                    mean *= INDICATOR_SEASONALITY[name][quarter - 1]
                    mean *= INDICATOR_COVID.get(name, {}).get((year_label, quarter), 1.0)
                    if signal is not None:
                        mean *= signal["multiplier"]
                    value: float = float(rng.poisson(mean))
                else:
                    # A percentage of a binomial denominator (referrals or people in treatment),
                    # with a small CSP-specific offset in the underlying rate.
                    rate = level + (csp_index - 2) * 0.8
                    if signal is not None:
                        rate = signal["level"]
                    denominator = int(rng.integers(60, 140)) * population // 250_000 + 20
                    value = round(100.0 * rng.binomial(denominator, rate / 100) / denominator, 1)
                values.append((period, value))
            if unit == "count":
                first_year = [v for _, v in values[:4]]
                target = float(round(0.9 * np.mean(first_year))) if first_year else math.nan
            else:
                target = INDICATOR_TARGETS[name]
            for period, value in values:
                rows.append((csp_code, csp_name, "quarter", period, name, value, unit, target,
                             direction))  # fmt: skip
    frame = pd.DataFrame(rows, columns=INDICATORS_COLUMNS)
    return frame


def _format_number(value: float) -> str:
    if value != value:  # NaN
        return ""
    return f"{int(value)}" if float(value).is_integer() else f"{value:.1f}"
