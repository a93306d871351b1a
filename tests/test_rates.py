"""Rates, Poisson confidence intervals, peer comparison and funnel limits against published values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csp_analysis.analysis.rates import (
    funnel_limits,
    funnel_position,
    level_key,
    peer_comparison,
    poisson_ci,
    population_for_year,
    rate_per_1000,
    round_half_up,
)
from csp_analysis.core.exceptions import AnalysisError

# Exact (Garwood 1936) 95% limits for a Poisson count, as tabulated in the standard tables of
# exact Poisson confidence limits (e.g. Sahai and Khurshid 1993; reproduced in Daly 1992,
# Comput Biol Med 22:351, table 2), to the 3 decimals published.
GARWOOD_95 = {
    0: (0.000, 3.689),
    1: (0.025, 5.572),
    2: (0.242, 7.225),
    3: (0.619, 8.767),
    4: (1.090, 10.242),
    5: (1.623, 11.668),
    10: (4.795, 18.390),
    50: (37.111, 65.919),
    100: (81.364, 121.627),
}


@pytest.mark.parametrize(("count", "expected"), sorted(GARWOOD_95.items()))
def test_garwood_matches_published_table(count, expected):
    lower, upper = poisson_ci(count, 0.95, "garwood")
    assert lower == pytest.approx(expected[0], abs=6e-4)
    assert upper == pytest.approx(expected[1], abs=6e-4)


def test_garwood_matches_published_rate_example():
    # DescTools::PoissonCI documentation, von Bortkiewicz horse-kick data: 196 deaths in 280
    # corps-years, exact interval 0.6054271 to 0.8051570 per corps-year.
    lower, upper = poisson_ci(196, 0.95, "garwood")
    assert lower / 280 == pytest.approx(0.6054271, abs=5e-8)
    assert upper / 280 == pytest.approx(0.8051570, abs=5e-8)


def test_byar_matches_published_values():
    # APHO/PHE worked values for O = 65 as used in PHEindicatormethods' tests (byars_lower(65)):
    # Byar 50.1632 to 82.8491, against the exact 50.1656 to 82.8478.
    assert poisson_ci(65, 0.95, "byar") == pytest.approx((50.1632, 82.8491), abs=5e-5)
    assert poisson_ci(65, 0.95, "garwood") == pytest.approx((50.1656, 82.8478), abs=5e-5)
    # PHE's Python port of PHEindicatormethods tests byars_lower(100) = 81.36210549052788.
    assert poisson_ci(100, 0.95, "byar")[0] == pytest.approx(81.36210549052788, rel=1e-12)


def test_byar_within_published_accuracy_of_exact():
    # PHE Technical Guide: Confidence Intervals (2018): "for 95% confidence intervals, Byar's
    # method is within 0.2% of the exact value for numerators of 10 or more".
    counts = np.arange(10, 2001)
    exact = np.vstack(poisson_ci(counts, 0.95, "garwood"))
    byar = np.vstack(poisson_ci(counts, 0.95, "byar"))
    assert np.max(np.abs(byar - exact) / exact) < 0.002


def test_poisson_ci_vectorised_and_scalar_agree():
    lower, upper = poisson_ci([0, 7, 1000], 0.9, "byar")
    for i, count in enumerate([0, 7, 1000]):
        assert poisson_ci(count, 0.9, "byar") == pytest.approx((lower[i], upper[i]))
    assert isinstance(poisson_ci(3)[0], float)


@given(st.integers(min_value=0, max_value=100_000), st.sampled_from(["garwood", "byar"]))
@settings(max_examples=200, deadline=None)
def test_interval_contains_count_and_nests(count, method):
    lo95, hi95 = poisson_ci(count, 0.95, method)
    lo998, hi998 = poisson_ci(count, 0.998, method)
    assert 0 <= lo998 <= lo95 <= count <= hi95 <= hi998


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": -1}, "non-negative"),
        ({"count": 2.5}, "whole numbers"),
        ({"count": [1, np.nan]}, "missing values"),
        ({"count": 5, "level": 95}, "between 0 and 1"),
        ({"count": 5, "level": 0}, "between 0 and 1"),
        ({"count": 5, "method": "wald"}, "unknown confidence interval method 'wald'"),
    ],
)
def test_poisson_ci_validation(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        poisson_ci(**kwargs)


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (25 * 1000, 10_000, 3),  # 2.5 -> 3 (round() would give 2)
        (45 * 1000, 10_000, 5),  # 4.5 -> 5 (round() would give 4)
        (35 * 1000, 10_000, 4),
        (2_499_999, 1_000_000, 2),
        (1, 2, 1),
        (-5, 2, -3),
        ("0.285", "0.1", 3),  # 2.85 exactly, not the float 2.8499999
        (0, 7, 0),
    ],
)
def test_round_half_up(numerator, denominator, expected):
    assert round_half_up(numerator, denominator) == expected


def test_published_rate_is_rounded_on_the_exact_fraction():
    # 1,307 offences in 522,800 people is exactly 2.5 per 1,000 and 5 in 2,000 is 2.5 too: ONS
    # publishes 3, where Python's round() (half to even) would give 2.
    assert round(1307 / 522_800 * 1000) == 2
    frame = rate_per_1000([1307, 5, 9, 21], [522_800, 2_000, 2_000, 2_000])
    assert frame["published_rate"].tolist() == [3, 3, 5, 11]


def test_rate_per_1000_reference_example():
    frame = rate_per_1000([65, 0], [100_000, 5_000])
    assert frame["rate"].tolist() == pytest.approx([0.65, 0.0])
    assert frame.loc[0, "lower"] == pytest.approx(0.501656, abs=1e-6)
    assert frame.loc[0, "upper"] == pytest.approx(0.828478, abs=1e-6)
    assert frame.loc[1, "upper"] == pytest.approx(3.689 / 5, abs=1e-3)
    assert frame["method"].iloc[0] == "exact Poisson (Garwood) 95% confidence interval"


@pytest.mark.parametrize(
    ("count", "population", "message"),
    [
        ([1, 2], [10, 20, 30], "different lengths"),
        (5, 0, "population must be positive"),
        (5, np.nan, "population contains missing values"),
    ],
)
def test_rate_per_1000_validation(count, population, message):
    with pytest.raises(AnalysisError, match=message):
        rate_per_1000(count, population)


# --------------------------------------------------------------------------- peers


@pytest.fixture
def group():
    return pd.DataFrame(
        {
            "area": ["Alpha", "Beta", "Gamma", "Delta"],
            "count": [1500, 1000, 900, 1000],
            "population": [100_000, 90_000, 95_000, 100_000],
        }
    )


def test_peer_comparison_hand_computed(group):
    table = peer_comparison(group, focus="Gamma")
    rates = {"Alpha": 15.0, "Beta": 1000 / 90, "Gamma": 900 / 95, "Delta": 10.0}
    average = sum(rates.values()) / 4  # the mean of the rates, the area itself included
    assert table["area"].tolist() == ["Alpha", "Beta", "Delta", "Gamma"]
    assert table["rank"].tolist() == [1, 2, 3, 4]
    assert table["group_average"].iloc[0] == pytest.approx(average)
    gamma = table.set_index("area").loc["Gamma"]
    assert gamma["rate"] == pytest.approx(rates["Gamma"])
    assert gamma["difference"] == pytest.approx(rates["Gamma"] - average)
    assert gamma["published_rate"] == 9  # 9.47 -> 9
    assert table.set_index("area").loc["Beta", "published_rate"] == 11  # 11.11 -> 11
    assert bool(gamma["is_focus"]) and table["is_focus"].sum() == 1
    assert gamma["comparison"] == "significantly lower"
    assert table.set_index("area").loc["Alpha", "comparison"] == "significantly higher"


def test_peer_comparison_ties_share_best_rank():
    table = pd.DataFrame({"area": list("ABC"), "count": [10, 10, 5], "population": [1000] * 3})
    ranks = peer_comparison(table).set_index("area")["rank"]
    assert ranks.to_dict() == {"A": 1, "B": 1, "C": 3}


def test_peer_comparison_not_significant_when_interval_covers_average():
    table = pd.DataFrame({"area": list("AB"), "count": [11, 9], "population": [1000, 1000]})
    assert set(peer_comparison(table)["comparison"]) == {"not significantly different"}


def test_peer_comparison_custom_columns(group):
    renamed = group.rename(columns={"area": "csp_name", "count": "n", "population": "pop"})
    table = peer_comparison(renamed, area="csp_name", count="n", population="pop")
    assert table["area"].iloc[0] == "Alpha"


@pytest.mark.parametrize(
    ("mutate", "kwargs", "message"),
    [
        (lambda t: t.drop(columns="population"), {}, "column 'population' not in the table"),
        (lambda t: t.iloc[:1], {}, "at least two areas"),
        (lambda t: t.assign(area=["A", "A", "C", "D"]), {}, "area 'A' appears more than once"),
        (lambda t: t.assign(count=[1, -2, 3, 4]), {}, "area 'Beta': count must be"),
        (lambda t: t.assign(count=[1, 2.5, 3, 4]), {}, "area 'Beta': count must be"),
        (lambda t: t.assign(population=[1, 0, 3, 4]), {}, "area 'Beta': population must be"),
        (lambda t: t, {"focus": "Omega"}, "focus area 'Omega' is not in the group"),
        (lambda t: t.assign(area=["A", None, "C", "D"]), {}, "area name is missing"),
    ],
)
def test_peer_comparison_validation(group, mutate, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        peer_comparison(mutate(group), **kwargs)


# --------------------------------------------------------------------------- funnels


def test_funnel_limits_bracket_target_and_narrow():
    pops = np.array([1_000, 10_000, 100_000, 1_000_000])
    limits = funnel_limits(pops, 10.0)
    assert list(limits.columns) == [
        "population", "expected", "lower_95", "upper_95", "lower_998", "upper_998",
    ]  # fmt: skip
    assert (limits["lower_998"] <= limits["lower_95"]).all()
    assert (limits["lower_95"] < 10).all() and (limits["upper_95"] > 10).all()
    assert (limits["upper_998"] >= limits["upper_95"]).all()
    assert limits["upper_95"].is_monotonic_decreasing
    assert limits["lower_95"].is_monotonic_increasing


@pytest.mark.parametrize(
    ("level", "key"), [(0.95, "95"), (0.998, "998"), (0.99, "99"), (0.999, "999"), (0.8, "80")]
)
def test_level_key_drops_the_decimal_point(level, key):
    assert level_key(level) == key
    assert f"upper_{key}" in funnel_limits([10_000], 10.0, levels=(level,)).columns


def test_level_key_rejects_a_level_outside_zero_to_one():
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        level_key(99.8)


def test_funnel_limits_match_exact_poisson_quantiles_and_normal_limit():
    # Spiegelhalter's interpolated limit lies between the discrete quantile and the one below it.
    from scipy import stats

    expected = 100.0
    limits = funnel_limits([10_000], 10.0, levels=(0.95,)).iloc[0]
    upper_count = limits["upper_95"] * 10_000 / 1000
    r = stats.poisson.ppf(0.975, expected)
    assert r - 1 <= upper_count <= r
    # For a large expected count the limits approach target +/- 1.96 sqrt(E).
    big = funnel_limits([10_000_000], 10.0, levels=(0.95,)).iloc[0]
    half_width = 1.959964 * math.sqrt(100_000) / 10_000_000 * 1000
    assert big["upper_95"] - 10 == pytest.approx(half_width, rel=0.01)
    assert 10 - big["lower_95"] == pytest.approx(half_width, rel=0.01)


def test_funnel_position_flags_outliers(group):
    table = pd.concat(
        [group, pd.DataFrame({"area": ["Outlier"], "count": [3000], "population": [100_000]})]
    )
    position = funnel_position(table).set_index("area")["position"]
    assert position["Outlier"] == "above 99.8% limit"
    assert position.str.startswith(("above", "below", "within")).all()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1000], 0.0), "group rate must be positive"),
        (([1000], float("nan")), "group rate must be positive"),
        (([0], 5.0), "population must be positive"),
    ],
)
def test_funnel_limits_validation(args, message):
    with pytest.raises(AnalysisError, match=message):
        funnel_limits(*args)


def test_funnel_limits_level_validation():
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        funnel_limits([1000], 5.0, levels=(95,))


# --------------------------------------------------------------------------- real-data reference

REFERENCE = Path(__file__).parent / "reference" / "west_mercia_2025_rates.csv"


def test_peer_comparison_matches_west_mercia_reference():
    """West Mercia's five CSPs, police.uk 2025 crime per 1,000 mid-2023 population, against the
    independent computation in tests/reference/make_rates_reference.py (decimal rounding,
    statsmodels exact limits, Byar typed from Breslow and Day)."""
    reference = pd.read_csv(REFERENCE, comment="#").set_index("csp_code")
    table = reference.reset_index()[["csp_code", "count", "population"]]
    garwood = peer_comparison(table, area="csp_code", focus="E22000360").set_index("area")
    byar = peer_comparison(table, area="csp_code", method="byar").set_index("area")
    for code, ref in reference.iterrows():
        row = garwood.loc[code]
        assert row["rate"] == pytest.approx(ref["rate"], rel=1e-9)
        assert row["published_rate"] == ref["published_rate"]
        assert row["rank"] == ref["rank"]
        assert row["group_average"] == pytest.approx(ref["group_average"], rel=1e-9)
        assert row["lower"] == pytest.approx(ref["garwood_lower"], rel=1e-8)
        assert row["upper"] == pytest.approx(ref["garwood_upper"], rel=1e-8)
        assert byar.loc[code, "lower"] == pytest.approx(ref["byar_lower"], rel=1e-8)
        assert byar.loc[code, "upper"] == pytest.approx(ref["byar_upper"], rel=1e-8)
    # Shropshire (50.5 per 1,000) is the lowest of the five and well below their average (63.4).
    assert garwood.loc["E22000360", "rank"] == 5
    assert garwood.loc["E22000360", "comparison"] == "significantly lower"


# --------------------------------------------------------------------------- population


@pytest.fixture
def population():
    return pd.DataFrame(
        {
            "csp_code": ["E22000326", "E22000326", "E22000360", "E22000360"],
            "csp_name": ["Herefordshire", "Herefordshire", "Shropshire", "Shropshire"],
            "year": [2022, 2023, 2022, 2023],
            # ONS mid-year estimates (MYE4, June 2023 release)
            "population": [188_696, 189_890, 327_479, 329_260],
            "source": "ons",
        }
    )


def test_population_for_year_exact_and_fallback(population):
    exact = population_for_year(population, 2022).set_index("csp_code")
    assert exact.loc["E22000360", "population"] == 327_479
    assert exact.loc["E22000360", "note"] == ""
    latest = population_for_year(population, 2025).set_index("csp_code")
    assert latest.loc["E22000326", "population"] == 189_890
    assert latest.loc["E22000326", "population_year"] == 2023
    assert latest.loc["E22000326", "note"] == "mid-2023 estimate, the latest available for 2025"
    assert latest.loc["E22000326", "csp_name"] == "Herefordshire"


def test_population_for_year_validation(population):
    with pytest.raises(AnalysisError, match="no population estimate for 'E22000326' for 2019"):
        population_for_year(population, 2019)
    with pytest.raises(AnalysisError, match="population for 'E22000360' in 2023 must be positive"):
        population_for_year(population.assign(population=[1, 2, 3, 0]), 2023)
    with pytest.raises(AnalysisError, match="column 'year' not in the population table"):
        population_for_year(population.drop(columns="year"), 2023)


def test_funnel_position_validation(group):
    with pytest.raises(AnalysisError, match="funnel_position: column 'count' not in the table"):
        funnel_position(group.drop(columns="count"))
    with pytest.raises(AnalysisError, match="count must be whole numbers"):
        funnel_position(group.assign(count=[1.5, 2, 3, 4]))
