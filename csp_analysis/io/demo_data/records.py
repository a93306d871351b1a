"""Drawing the records: counts from the truth, rows spread over LSOAs, crime IDs, outcomes,
offence codes, flags and victim sex."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.core.offences import OFFENCES
from csp_analysis.core.schema import ASB, POLICE_UK_CRIME_TYPES
from csp_analysis.io.demo_data.calibration import (
    ALCOHOL_BY_SUBGROUP,
    ALCOHOL_DEFAULT,
    DOMESTIC_ABUSE_BY_CODE,
    DOMESTIC_ABUSE_BY_SUBGROUP,
    HATE_BY_SUBGROUP,
    HATE_CODES,
    HATE_DEFAULT,
    HOME_OFFICE_WEST_MERCIA_201718,
    NO_LOCATION_SHARE,
    OUTCOME_WEIGHTS,
    TYPE_MODELS,
    VICTIM_SEX_BY_CODE,
    VICTIM_SEX_BY_SUBGROUP,
    VICTIM_SEX_DOMESTIC,
)
from csp_analysis.io.demo_data.geography import _Geography
from csp_analysis.io.demo_data.truth import _shape


def _categorical(rng: np.random.Generator, probabilities: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` indices from one discrete distribution by inverse CDF."""
    cumulative = np.cumsum(probabilities) / np.sum(probabilities)
    return np.minimum(np.searchsorted(cumulative, rng.random(size), side="right"),
                      len(cumulative) - 1)  # fmt: skip


def _draw_counts(rng, truth: dict, months: np.ndarray):
    """Observed counts (CSP, type, month) and unassigned counts (type, month) with their means."""
    n_types = len(POLICE_UK_CRIME_TYPES)
    n_csp = len(truth["series"]) // n_types
    expected = np.empty((n_csp, n_types, len(months)))
    for s_index, s in enumerate(truth["series"]):
        c, k = divmod(s_index, n_types)
        trend = s["annual_trend_pct"]
        expected[c, k] = s["base_monthly_mean"] * _shape(months, s["crime_type"], trend)
    dispersion = np.array([TYPE_MODELS[t].dispersion for t in POLICE_UK_CRIME_TYPES])
    size = np.broadcast_to(dispersion[None, :, None], expected.shape)
    observed = rng.negative_binomial(size, size / (size + expected))
    force_expected = expected.sum(axis=0)
    no_location_rate = np.array([NO_LOCATION_SHARE[t] for t in POLICE_UK_CRIME_TYPES])
    no_location = rng.poisson(force_expected * no_location_rate[:, None])
    outside = rng.poisson(force_expected * truth["unassigned"]["outside_force_share"])
    return expected, observed, no_location, outside


def _lsoa_shares(geo: _Geography) -> dict:
    """Per in-force LSOA, the probability that a crime of each type in its CSP falls there."""
    shares = {}
    for c in range(int(geo.lsoa_csp.max()) + 1):
        members = np.flatnonzero(geo.lsoa_csp == c)
        within = geo.weights[members] / geo.weights[members].sum(axis=0)
        for lsoa, row in zip(members, within, strict=True):
            shares[str(geo.lsoa_code[lsoa])] = [round(float(v), 6) for v in row]
    return {"crime_types": list(POLICE_UK_CRIME_TYPES), "shares": shares}


def _assign_rows(rng, geo: _Geography, observed, no_location, outside) -> pd.DataFrame:
    """One row per crime or incident: month, type, LSOA index (-1 = no location), street point."""
    n_csp, n_types, n_months = observed.shape
    cells = observed.reshape(-1)
    csp_idx = np.repeat(np.repeat(np.arange(n_csp), n_types * n_months), cells)
    type_idx = np.repeat(np.tile(np.repeat(np.arange(n_types), n_months), n_csp), cells)
    month_idx = np.repeat(np.tile(np.arange(n_months), n_csp * n_types), cells)
    lsoa = np.empty(len(csp_idx), dtype=np.int64)
    # Multinomial spread over the CSP's LSOAs: inverse-CDF per (CSP, type) group, vectorised by
    # offsetting each CSP's cumulative weights by its index so one searchsorted serves all CSPs.
    in_force = np.flatnonzero(geo.lsoa_csp >= 0)
    in_force = in_force[np.argsort(geo.lsoa_csp[in_force], kind="stable")]
    in_force_csp = geo.lsoa_csp[in_force]
    uniform = rng.random(len(csp_idx))
    for k in range(n_types):
        rows = np.flatnonzero(type_idx == k)
        w = geo.weights[in_force, k]
        cumulative = np.empty(len(in_force))
        for c in range(n_csp):
            members = in_force_csp == c
            share = np.cumsum(w[members]) / w[members].sum()
            share[-1] = 1.0  # exact, so a CSP's draws in [c, c + 1) never cross into c + 1
            cumulative[members] = c + share
        pick = np.searchsorted(cumulative, csp_idx[rows] + uniform[rows], side="right")
        lsoa[rows] = in_force[pick]
    outside_lsoas = np.flatnonzero(geo.lsoa_csp < 0)
    extra_type = np.concatenate(
        [np.repeat(np.repeat(np.arange(n_types), n_months), counts.reshape(-1))
         for counts in (no_location, outside)]
    )  # fmt: skip
    extra_month = np.concatenate(
        [np.repeat(np.tile(np.arange(n_months), n_types), counts.reshape(-1))
         for counts in (no_location, outside)]
    )  # fmt: skip
    n_outside = int(outside.sum())
    extra_lsoa = np.concatenate(
        [
            np.full(int(no_location.sum()), -1),
            outside_lsoas[rng.integers(0, len(outside_lsoas), n_outside)],
        ]
    )
    type_idx = np.concatenate([type_idx, extra_type])
    month_idx = np.concatenate([month_idx, extra_month])
    lsoa = np.concatenate([lsoa, extra_lsoa])
    located = lsoa >= 0
    street = np.full(len(lsoa), -1)
    offset = (rng.random(located.sum()) * geo.street_count[lsoa[located]]).astype(np.int64)
    street[located] = geo.street_start[lsoa[located]] + offset
    frame = pd.DataFrame({"month": month_idx, "type": type_idx, "lsoa": lsoa, "street": street})
    # File order: by month, then located rows by LSOA code and type, "No Location" rows last
    # (as in the real files).
    frame["nowhere"] = ~located
    frame = frame.sort_values(["month", "nowhere", "lsoa", "type"], kind="stable")
    return frame.drop(columns="nowhere").reset_index(drop=True)


def _crime_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 64-hex-digit identifiers like police.uk Crime IDs."""
    raw = rng.bytes(32 * n)
    return np.frombuffer(raw.hex().encode("ascii"), dtype="S64").astype(str).astype(object)


def _offence_tables():
    """Per crime type: offence codes and their 2017/18 West Mercia weights."""
    tables = {}
    for crime_type in POLICE_UK_CRIME_TYPES:
        if crime_type == ASB:
            continue
        codes = [
            code
            for code, offence in OFFENCES.items()
            if offence.police_uk_category == crime_type
            and HOME_OFFICE_WEST_MERCIA_201718.get(code, 0) > 0
        ]
        if not codes:
            raise CspAnalysisError(f"demo-data: no weighted offence codes for {crime_type!r}")
        weights = np.array([HOME_OFFICE_WEST_MERCIA_201718[c] for c in codes], dtype=float)
        tables[crime_type] = (codes, weights)
    return tables


def _code_probability(code: str, by_code: dict, by_subgroup: dict, default: float) -> float:
    if code in by_code:
        return by_code[code]
    return by_subgroup.get(OFFENCES[code].subgroup, default)


def _extract_fields(rng, crime_types: np.ndarray) -> pd.DataFrame:
    """Offence code, flags and victim sex for non-ASB crimes of the given types."""
    n = len(crime_types)
    codes = np.empty(n, dtype=object)
    for crime_type, (type_codes, weights) in _offence_tables().items():
        rows = np.flatnonzero(crime_types == crime_type)
        codes[rows] = np.asarray(type_codes, dtype=object)[_categorical(rng, weights, len(rows))]
    unique_codes, code_index = np.unique(codes.astype(str), return_inverse=True)
    p_domestic = np.array(
        [_code_probability(c, DOMESTIC_ABUSE_BY_CODE, DOMESTIC_ABUSE_BY_SUBGROUP, 0.01)
         for c in unique_codes]
    )[code_index]  # fmt: skip
    p_hate = np.array(
        [1.0 if c in HATE_CODES else HATE_BY_SUBGROUP.get(OFFENCES[c].subgroup, HATE_DEFAULT)
         for c in unique_codes]
    )[code_index]  # fmt: skip
    p_alcohol = np.array(
        [ALCOHOL_BY_SUBGROUP.get(OFFENCES[c].subgroup, ALCOHOL_DEFAULT) for c in unique_codes]
    )[code_index]
    domestic = rng.random(n) < p_domestic
    hate = rng.random(n) < p_hate
    alcohol = rng.random(n) < p_alcohol
    sex_table = np.array(
        [VICTIM_SEX_BY_CODE.get(c, VICTIM_SEX_BY_SUBGROUP.get(OFFENCES[c].subgroup, (0.3, 0.3)))
         for c in unique_codes]
    )[code_index]  # fmt: skip
    # Domestic abuse victims are mostly women, unless the offence fixes the victim's sex.
    fixed_sex = np.isin(unique_codes, list(VICTIM_SEX_BY_CODE))[code_index]
    use_domestic = domestic & ~fixed_sex
    sex_table[use_domestic] = VICTIM_SEX_DOMESTIC
    u = rng.random(n)
    victim_sex = np.where(
        u < sex_table[:, 0], "F", np.where(u < sex_table[:, 0] + sex_table[:, 1], "M", "U")
    )
    subgroups = np.array([OFFENCES[c].subgroup for c in unique_codes], dtype=object)[code_index]
    return pd.DataFrame(
        {
            "HOOffenceCode": codes,
            "HOOffenceSubgroup": subgroups,
            "DomesticAbuse": np.where(domestic, "Y", "N"),
            "HateFlag": np.where(hate, "Y", "N"),
            "AlcoholFlag": np.where(alcohol, "Y", "N"),
            "VictimSex": victim_sex,
        }
    )


def _outcomes(rng, crime_types: np.ndarray) -> np.ndarray:
    """A "Last outcome category" per row, drawn from the real 2025 mix of its crime type."""
    outcome = np.full(len(crime_types), "", dtype=object)
    for crime_type, mix in OUTCOME_WEIGHTS.items():
        rows = np.flatnonzero(crime_types == crime_type)
        labels = np.asarray(list(mix), dtype=object)
        outcome[rows] = labels[_categorical(rng, np.array(list(mix.values()), float), len(rows))]
    return outcome
