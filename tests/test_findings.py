"""Key findings: selection rules, wording with numbers, ordering and accepted input shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis.rates import peer_comparison
from csp_analysis.analysis.same_period import year_to_date
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report.findings import (
    Finding,
    contribution_findings,
    contributions_from_totals,
    contributions_to_change,
    key_findings,
    peer_findings,
    spc_findings,
    ytd_findings,
)
from csp_analysis.report.wording import indefinite_article


def monthly(values, start="2024-04-01", **groups):
    months = pd.date_range(start, periods=len(values), freq="MS")
    out = pd.DataFrame({"month": months, "count": np.asarray(values, dtype=float)})
    for col, value in groups.items():
        out.insert(1, col, value)
    return out


@pytest.fixture
def significant_ytd():
    # April-September: 4,385 in 2024, 4,955 in 2025.
    values = [730] * 5 + [735] + [700] * 6 + [825] * 5 + [830]
    return year_to_date(monthly(values), "2025-09", name="All crime")


@pytest.fixture
def flat_ytd():
    return year_to_date(monthly([10] * 12 + [11]), "2025-04", name="Drugs")


# --------------------------------------------------------------------------- year to date


def test_ytd_finding_text_and_numbers(significant_ytd):
    (finding,) = ytd_findings([significant_ytd])
    assert finding.kind == "ytd_change" and finding.series == "All crime"
    assert finding.text == (
        "All crime: 4,955 offences in April to September 2025, a 13% increase (570 more "
        "offences) on the 4,385 in April to September 2024; the change is statistically "
        "significant (p < 0.001; exact conditional test of two Poisson counts)."
    )
    assert finding.numbers["change"] == 570
    assert finding.importance == pytest.approx(3 + 100 * 570 / 4385 / 10)


def test_ytd_not_significant_only_on_request(flat_ytd):
    assert ytd_findings({"Drugs": flat_ytd}) == []
    (finding,) = ytd_findings({"Drugs": flat_ytd}, include_not_significant=True)
    assert finding.importance == 1.0
    assert "not statistically significant" in finding.text
    assert finding.text.startswith(
        "Drugs: 11 offences in April 2025, a 10% increase (1 more offence)"
    )


def test_unavailable_ytd_is_never_a_finding():
    gap = year_to_date(monthly([10] * 6, start="2025-01-01"), "2025-06")
    assert ytd_findings([gap], include_not_significant=True) == []


def test_ytd_accepts_year_to_date_table():
    from csp_analysis.analysis.same_period import year_to_date_table

    table = year_to_date_table(
        pd.concat([monthly([10] * 12 + [40], csp="A"), monthly([10] * 13, csp="B")]),
        "2025-04",
        by="csp",
    )
    found = ytd_findings(table, noun="incidents")
    assert [f.series for f in found] == ["A"]
    assert "40 incidents in April 2025, a 300% increase (30 more incidents)" in found[0].text


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (108, "an 8.0% increase (8 more offences)"),
        (111, "an 11% increase"),
        (118, "an 18% increase"),
        (180, "an 80% increase"),
        (189, "an 89% increase"),
        (900, "an 800% increase"),
        (92, "an 8.0% decrease (8 fewer offences)"),
        (101, "a 1.0% increase"),
        (119, "a 19% increase"),
        (208, "a 108% increase"),
    ],
)
def test_ytd_article_follows_the_spoken_number(current, expected):
    result = year_to_date(monthly([100] * 12 + [current]), "2025-04", name="X")
    (finding,) = ytd_findings([result], include_not_significant=True)
    assert f"offences in April 2025, {expected}" in finding.text


@pytest.mark.parametrize(
    "number",
    [
        "8",
        "8%",
        "8.5%",
        "11",
        "11%",
        "18%",
        "80%",
        "84%",
        "89.9%",
        "800%",
        "899%",
        "8,000%",
        "8000",
        "11,000",
        "18,000",
        "80,000",
        "800,000",
        "8,000,000",
        "11,500,000",
        8,
        18_000,
        11.5,
        " 8%",
    ],
)
def test_indefinite_article_an(number):
    assert indefinite_article(number) == "an"


@pytest.mark.parametrize(
    "number",
    [
        "1%",
        "7%",
        "9%",
        "10%",
        "12%",
        "17%",
        "19%",
        "20%",
        "79%",
        "90%",
        "100%",
        "108%",
        "111%",
        "118%",
        "180%",
        "1,100",
        "1,800%",
        "10,000",
        "110,000",
        "0.8%",
        "0%",
        "-8%",
        "\u22128",
        "1,000,000",
        1,
        0.8,
        100.0,
    ],
)
def test_indefinite_article_a(number):
    assert indefinite_article(number) == "a"


def test_indefinite_article_needs_a_number():
    with pytest.raises(AnalysisError, match="'about 8' does not start with a number"):
        indefinite_article("about 8")
    with pytest.raises(AnalysisError, match="does not start with a number"):
        indefinite_article("")


def test_ytd_validation():
    with pytest.raises(AnalysisError, match="must be YearToDate results"):
        ytd_findings([{"current": 3}])
    with pytest.raises(AnalysisError, match="'result' column"):
        ytd_findings(pd.DataFrame({"x": [1]}))


# --------------------------------------------------------------------------- SPC


def test_spc_plain_dict_signals():
    signals = [
        {"series": "Shoplifting", "rule": "shift", "direction": "up", "n_points": 8,
         "start": pd.Timestamp("2025-05-01"), "end": pd.Timestamp("2025-12-01")},
        {"series": "Burglary", "rule": "beyond_limits", "direction": "down", "n_points": 1,
         "start": pd.Timestamp("2025-11-01"), "end": pd.Timestamp("2025-11-01")},
    ]  # fmt: skip
    found = spc_findings(signals)
    assert [f.text for f in found] == [
        "Shoplifting: special-cause variation: 8 consecutive months above the average (May to "
        "December 2025).",
        "Burglary: special-cause variation: a month below the lower process limit (November 2025).",
    ]
    assert all(f.kind == "spc_signal" for f in found)


def test_spc_result_object_recent_and_ongoing():
    from csp_analysis.analysis.spc import xmr

    # 24 steady months, then 7 months well above: a shift reaching the latest month.
    rng = np.random.default_rng(3)
    values = np.r_[rng.normal(100, 3, 24).round(), np.full(7, 112.0)]
    series = pd.Series(values, index=pd.date_range("2023-06-01", periods=31, freq="MS"))
    result = xmr(series, direction="lower", baseline=24)
    found = spc_findings({"All crime": result})
    assert found, result.signals
    ongoing = [f for f in found if f.numbers["ongoing"]]
    assert ongoing and all(f.importance == 3.5 for f in ongoing)
    assert any("the latest month shows concerning variation" in f.text for f in ongoing)


def test_spc_old_signals_are_dropped():
    class Result:  # the shape of spc.SpcResult that findings rely on
        frame = pd.DataFrame(
            {"value": np.arange(20.0)}, index=pd.date_range("2024-01-01", periods=20, freq="MS")
        )
        signals = [
            {"rule": "trend", "direction": "up", "n_points": 6,
             "start": pd.Timestamp("2024-01-01"), "end": pd.Timestamp("2024-06-01")},
        ]  # fmt: skip
        variation = "common cause"

    assert spc_findings({"Old": Result()}) == []
    assert len(spc_findings({"Old": Result()}, recent_points=20)) == 1


def test_spc_unknown_rule_uses_description():
    found = spc_findings([{"series": "X", "rule": "custom", "description": "a local rule fired"}])
    assert found[0].text == "X: special-cause variation: a local rule fired."


# --------------------------------------------------------------------------- peers


@pytest.fixture
def peers():
    table = pd.DataFrame(
        {
            "area": ["Herefordshire", "Shropshire", "Telford and Wrekin"],
            "count": [9980, 16643, 15388],
            "population": [189_890, 329_260, 191_915],
        }
    )
    return peer_comparison(table, focus="Shropshire")


def test_peer_finding_text(peers):
    (finding,) = peer_findings(peers, period="in 2025")
    # Rates 52.56, 50.55 and 80.18 per 1,000; their mean is 61.10.
    # One decimal, as the review's headline rate (the ONS whole numbers 51 and 61 are for the
    # published-style table only).
    assert finding.text == (
        "Shropshire had 50.5 offences per 1,000 population in 2025, the 3rd highest of 3 areas "
        "in its peer group; the group average is 61.1 per 1,000 and the rate is significantly "
        "lower than the group average."
    )
    assert finding.importance == 3.0
    assert finding.numbers["rank"] == 3


def test_peer_finding_not_significant_and_explicit_focus():
    table = pd.DataFrame({"area": ["A", "B"], "count": [11, 9], "population": [2000, 2000]})
    (finding,) = peer_findings(peer_comparison(table), focus="A", noun="crimes")
    assert "A had 5.5 crimes per 1,000 population, the highest of 2 areas" in finding.text
    assert finding.text.endswith(
        "the difference from the average is not statistically significant."
    )
    assert finding.importance == 1.5


@pytest.mark.parametrize(
    ("count", "rate_text", "average_text"),
    [
        # 10,692 / 200,000 = 53.46 per 1,000: "53.5" as in the headline, not the ONS "53".
        (10_692, "53.5", "28.0"),
        (500_000, "2,500.0", "1,251.3"),
        (512, "2.6", "2.6"),
    ],
)
def test_peer_finding_rates_have_one_decimal(count, rate_text, average_text):
    table = pd.DataFrame(
        {"area": ["A", "B"], "count": [count, 520], "population": [200_000, 200_000]}
    )
    (finding,) = peer_findings(peer_comparison(table, focus="A"))
    assert finding.text.startswith(f"A had {rate_text} offences per 1,000 population,")
    assert f"the group average is {average_text} per 1,000" in finding.text
    assert finding.numbers["rate"] == pytest.approx(count / 200)


def test_peer_finding_validation(peers):
    with pytest.raises(AnalysisError, match="missing comparison"):
        peer_findings(peers.drop(columns="comparison"))
    with pytest.raises(AnalysisError, match="no focus area"):
        peer_findings(peers.assign(is_focus=False))
    with pytest.raises(AnalysisError, match="focus area 'Nowhere' is not in the table"):
        peer_findings(peers, focus="Nowhere")


# --------------------------------------------------------------------------- contributions


def test_contributions_from_totals_hand_computed():
    current = pd.Series({"Shoplifting": 900, "Burglary": 300, "Drugs": 120, "Robbery": 5})
    previous = pd.Series({"Shoplifting": 600, "Burglary": 400, "Drugs": 100})
    table = contributions_from_totals(current, previous)
    assert table["category"].tolist() == ["Shoplifting", "Burglary", "Drugs", "Robbery"]
    assert table["change"].tolist() == [300, -100, 20, 5]
    net = 225
    assert table.attrs["net_change"] == net
    assert table["share_of_net_change"].tolist() == pytest.approx(
        [300 / net, -100 / net, 20 / net, 5 / net]
    )
    assert table["pct_change"].iloc[0] == pytest.approx(50.0)
    assert np.isnan(table["pct_change"].iloc[3])  # Robbery had none last year


def test_contribution_findings_text():
    current = pd.Series({"Shoplifting": 900, "Burglary": 300, "Drugs": 120})
    previous = pd.Series({"Shoplifting": 600, "Burglary": 400, "Drugs": 100})
    found = contribution_findings(contributions_from_totals(current, previous), series="All crime")
    assert [f.text for f in found] == [
        "All crime: Shoplifting changed by more than the net increase of 220 offences: 300 more "
        "offences (900 against 600 a year earlier).",
        "All crime: Burglary fell by 100 offences, offsetting part of the overall increase.",
    ]
    assert found[0].importance == 3.0


def test_contribution_share_wording():
    current = pd.Series({"A": 160, "B": 130, "C": 100})
    previous = pd.Series({"A": 100, "B": 100, "C": 90})
    found = contribution_findings(contributions_from_totals(current, previous))
    assert found[0].text == (
        "A contributed 60% of the net increase of 100 offences: 60 more offences (160 against "
        "100 a year earlier)."
    )
    assert found[1].text.startswith("B contributed 30% of the net increase")
    assert len(found) == 2  # C's 10% is below the 25% rule


def test_contributions_to_change_from_monthly():
    rows = pd.concat(
        [
            monthly([10] * 12 + [20, 20], crime_type="Shoplifting"),
            monthly([10] * 12 + [5, 5], crime_type="Burglary"),
        ]
    )
    table = contributions_to_change(rows, "2025-05")
    assert table.set_index("crime_type")["change"].to_dict() == {"Shoplifting": 20, "Burglary": -10}
    assert table.attrs["current_period"] == "April to May 2025"
    assert table.attrs["net_change"] == 10
    (driver, offset) = contribution_findings(table)
    assert "in April to May 2025" in driver.text


def test_contributions_validation():
    with pytest.raises(AnalysisError, match="total for 'B' is missing"):
        contributions_from_totals(pd.Series({"A": 1, "B": np.nan}), pd.Series({"A": 1, "B": 2}))
    with pytest.raises(AnalysisError, match="column 'crime_type' not in the monthly table"):
        contributions_to_change(monthly([1] * 13), "2025-04")
    two_areas = pd.concat(
        [monthly([1] * 13, crime_type="X", csp="A"), monthly([1] * 13, crime_type="X", csp="B")]
    )
    with pytest.raises(AnalysisError, match="needs one area"):
        contributions_to_change(two_areas, "2025-04")
    gap = monthly([1] * 13, crime_type="X")
    gap.loc[0, "count"] = np.nan  # April 2024, in the previous period
    with pytest.raises(AnalysisError, match="no year-to-date comparison for 'X'"):
        contributions_to_change(gap, "2025-04")
    with pytest.raises(AnalysisError, match="missing change"):
        contribution_findings(pd.DataFrame({"category": ["A"], "current": [1]}))


# --------------------------------------------------------------------------- together


def test_key_findings_ordered_and_capped(significant_ytd, flat_ytd, peers):
    contributions = contributions_from_totals(
        pd.Series({"Shoplifting": 900, "Burglary": 300}),
        pd.Series({"Shoplifting": 600, "Burglary": 330}),
    )
    spc = [{"series": "Shoplifting", "rule": "shift", "direction": "up", "n_points": 7}]
    found = key_findings(
        ytd=[significant_ytd, flat_ytd], spc=spc, peers=peers, contributions=contributions,
        series="All crime",
    )  # fmt: skip
    assert [f.kind for f in found] == ["ytd_change", "peer_position", "contribution", "spc_signal"]
    importances = [f.importance for f in found]
    assert importances == sorted(importances, reverse=True)
    assert all(isinstance(f, Finding) and f.text.endswith(".") for f in found)
    assert str(found[0]) == found[0].text
    assert len(key_findings(ytd=[significant_ytd], peers=peers, max_findings=1)) == 1
    only = key_findings(ytd=[significant_ytd], peers=peers, kinds=["peer_position"])
    assert [f.kind for f in only] == ["peer_position"]
    assert key_findings() == []


def test_key_findings_validation():
    with pytest.raises(AnalysisError, match="unknown kind"):
        key_findings(kinds=["gossip"])
    with pytest.raises(AnalysisError, match="max_findings must be at least 1"):
        key_findings(max_findings=0)


def test_more_input_validation():
    with pytest.raises(AnalysisError, match=r"ytd\['X'\] is not a YearToDate result"):
        ytd_findings({"X": 3})
    with pytest.raises(AnalysisError, match="current must be a Series by category"):
        contributions_from_totals([1, 2], pd.Series([1, 2]))
    empty = pd.DataFrame(
        {"month": pd.Series(dtype="datetime64[ns]"), "crime_type": [], "count": []}
    )
    with pytest.raises(AnalysisError, match="the monthly table is empty"):
        contributions_to_change(empty, "2025-04")
