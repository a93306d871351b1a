"""XmR charts against the NHSRplotthedots worked example and hand-worked Making Data Count cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis.spc import xmr
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from tests.reference.analysis_truth import REFERENCE

# Ten points alternating 11, 9 (mean 10, every moving range 2): used as a fixed baseline so the
# hand-worked limits are mean 10, UCL 10 + 2.66 x 2 = 15.32, LCL 4.68, and the two-sigma lines
# 10 +/- (2/3) x 2.66 x 2 = 10 +/- 3.5467.
BASELINE = [11.0, 9.0] * 5


def months(n: int) -> pd.DatetimeIndex:
    return pd.date_range("2020-01", periods=n, freq="MS")


def chart(values, **kwargs):
    return xmr(pd.Series(values, index=months(len(values))), **kwargs)


def test_ptd_vignette_limits_and_special_cause():
    case = REFERENCE["spc_ptd_vignette"]
    for screened, key in ((True, "screened"), (False, "unscreened")):
        result = xmr(
            pd.Series(case["values"], dtype=float), direction="higher", screen_outliers=screened
        )
        limits = result.latest_limits
        for name in ("ucl", "mean", "lcl"):
            assert round(limits[name], 2) == pytest.approx(case[key][name])
        flagged = np.flatnonzero(result.frame["special_cause"].to_numpy()).tolist()
        assert flagged == case["special_cause_positions"]
        assert result.frame["special_cause_type"].iloc[4] == "improving"
        assert result.variation == "common cause"


def test_direction_decides_improving_or_concerning():
    values = REFERENCE["spc_ptd_vignette"]["values"]
    lower = xmr(pd.Series(values, dtype=float), direction="lower")
    neutral = xmr(pd.Series(values, dtype=float))
    assert lower.frame["special_cause_type"].iloc[4] == "concerning"
    assert neutral.frame["special_cause_type"].iloc[4] == "neither"


def test_hand_worked_limits():
    case = REFERENCE["spc_hand"]
    frame = chart(case["values"]).frame
    assert frame["mean"].iloc[0] == pytest.approx(case["mean"])
    assert frame["ucl"].iloc[0] == pytest.approx(case["ucl"])
    assert frame["lcl"].iloc[0] == pytest.approx(case["lcl"])
    assert frame["moving_range"].tolist()[1:] == [2.0, 1.0, 2.0, 1.0]
    assert np.isnan(frame["moving_range"].iloc[0])
    assert frame["upper_two_sigma"].iloc[0] == pytest.approx(11.6 + 2 / 3 * 2.66 * 1.5)


def test_fixed_baseline_limits_carry_forward():
    result = chart(BASELINE + [10.5, 9.5, 10.2], baseline=10)
    frame = result.frame
    assert frame["mean"].unique().tolist() == [10.0]
    assert frame["ucl"].iloc[-1] == pytest.approx(15.32)
    assert frame["lcl"].iloc[-1] == pytest.approx(4.68)
    assert frame["in_baseline"].sum() == 10


def test_baseline_period_by_dates():
    values = BASELINE + [14.0] * 3
    result = chart(values, baseline=(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-10-01")))
    assert result.frame["mean"].iloc[-1] == pytest.approx(10.0)


def test_shift_of_seven_and_the_six_option():
    seven_above = [10.5, 10.6] * 3 + [10.5]  # within limits, no trend, all above the mean 10
    result = chart(BASELINE + seven_above, baseline=10)
    assert result.frame["shift"].tolist() == [False] * 10 + [True] * 7
    assert [s["rule"] for s in result.signals] == ["shift"]
    assert result.signals[0]["n_points"] == 7 and result.signals[0]["direction"] == "up"

    six_above = BASELINE + seven_above[:6] + [9.0]
    assert not chart(six_above, baseline=10).frame["shift"].any()
    assert chart(six_above, baseline=10, run_length=6).frame["shift"].sum() == 6


def test_point_on_the_mean_breaks_a_run():
    values = BASELINE + [10.5, 10.6, 10.5, 10.0, 10.6, 10.5, 10.6, 10.5]
    assert not chart(values, baseline=10).frame["shift"].any()


def test_trend_of_six_rising_points():
    rising = [8.0, 8.5, 9.0, 9.5, 10.5, 11.0]  # crosses the mean: a trend but no shift
    result = chart(BASELINE + rising + [10.0], baseline=10, direction="lower")
    assert result.frame["trend"].tolist() == [False] * 10 + [True] * 6 + [False]
    assert (result.frame["special_cause_type"].iloc[10:16] == "concerning").all()
    assert result.signals == [
        {
            "rule": "trend",
            "start": months(17)[10],
            "end": months(17)[15],
            "n_points": 6,
            "direction": "up",
        }
    ]
    # Five rising points are not a trend; equal neighbours break one.
    assert not chart(BASELINE + rising[1:] + [10.0], baseline=10).frame["trend"].any()
    flat = [8.0, 8.5, 9.0, 9.0, 10.5, 11.0]
    assert not chart(BASELINE + flat, baseline=10).frame["trend"].any()


def test_two_of_three_beyond_two_sigma_same_side():
    # 14 is beyond the two-sigma line 13.547 and inside the UCL 15.32; 12 is above the mean.
    result = chart(BASELINE + [14.0, 12.0, 14.0, 10.0], baseline=10, direction="lower")
    assert result.frame["two_of_three"].tolist() == [False] * 10 + [True, False, True, False]
    assert not result.frame["beyond_limits"].any()
    assert result.frame["special_cause_type"].iloc[10] == "concerning"
    # NHSRplotthedots issue #143: a middle point below the mean means no signal.
    assert not chart(BASELINE + [14.0, 9.0, 14.0], baseline=10).frame["two_of_three"].any()
    # Only one of the three beyond two sigma: no signal.
    assert not chart(BASELINE + [14.0, 12.0, 12.0], baseline=10).frame["two_of_three"].any()


def test_beyond_limits_below_is_improving_when_lower_is_better():
    result = chart(BASELINE + [3.0], baseline=10, direction="lower")
    assert result.frame["beyond_limits"].iloc[-1]
    assert result.variation == "special cause improving"
    assert result.signals[-1]["direction"] == "down"


def test_rebase_gives_each_segment_its_own_limits():
    values = [10.0, 12.0] * 6 + [20.0, 23.0] * 6
    index = months(len(values))
    result = xmr(pd.Series(values, index=index), rebase_at=[index[12]])
    frame = result.frame
    assert frame["segment"].tolist() == [0] * 12 + [1] * 12
    assert frame["mean"].iloc[0] == pytest.approx(11.0)
    assert frame["mean"].iloc[-1] == pytest.approx(21.5)
    # The moving range across the rebase (12 -> 20) is not used.
    assert np.isnan(frame["moving_range"].iloc[12])
    assert frame["ucl"].iloc[-1] == pytest.approx(21.5 + 2.66 * 3)
    # Without the rebase the step up shows as special cause.
    assert xmr(pd.Series(values, index=index)).frame["special_cause"].any()
    assert not frame["special_cause"].any()


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        ("lower", 20.0, "consistently passing"),  # target above the UCL 15.32
        ("lower", 3.0, "consistently failing"),  # target below the LCL 4.68
        ("lower", 12.0, "hit and miss"),
        ("higher", 20.0, "consistently failing"),
        ("higher", 3.0, "consistently passing"),
        ("higher", 12.0, "hit and miss"),
        (None, None, None),
    ],
)
def test_assurance(direction, target, expected):
    assert chart(BASELINE, direction=direction, target=target).assurance == expected


def test_gaps_are_skipped_not_zero():
    values = BASELINE[:5] + [np.nan] + BASELINE[5:]
    result = chart(values)
    frame = result.frame
    assert len(frame) == 11 and np.isnan(frame["value"].iloc[5])
    assert not frame["special_cause"].iloc[5]
    assert frame["mean"].iloc[0] == pytest.approx(10.0)
    assert any("gap" in note for note in result.notes)
    # The moving range after the gap joins the observed points either side (11 -> 9).
    assert frame["moving_range"].iloc[6] == pytest.approx(2.0)


def test_summary_and_trial_limit_note():
    result = chart(BASELINE + [3.0], baseline=10, direction="lower", target=12.0)
    text = wording.spc(result)
    assert "special cause improving" in text and "hit and miss" in text
    assert any("trial limits" in note for note in result.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"direction": "up"}, "direction must be"),
        ({"target": 5.0}, "a target needs a direction"),
        ({"direction": "lower", "target": float("nan")}, "finite"),
        ({"run_length": 2}, "run_length must be an integer >= 3"),
        ({"trend_length": 1.5}, "trend_length must be an integer"),
        ({"baseline": 1}, "at least 2 points"),
        ({"baseline": "first"}, "baseline must be"),
        ({"baseline": (pd.Timestamp("2030-01-01"), pd.Timestamp("2030-12-01"))}, "holds 0"),
        ({"rebase_at": [pd.Timestamp("2019-01-01")]}, "rebase point"),
        ({"rebase_at": [pd.Timestamp("2020-10-01")]}, "1 baseline point"),
    ],
)
def test_validation_errors(kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        chart(BASELINE, **kwargs)


def test_input_errors():
    with pytest.raises(AnalysisError, match="expected a pandas Series"):
        xmr([1.0, 2.0, 3.0])
    with pytest.raises(AnalysisError, match="values must be numeric"):
        xmr(pd.Series(["a", "b", "c"]))
    with pytest.raises(AnalysisError, match="at least 2 observed points"):
        xmr(pd.Series([1.0, np.nan]))
    with pytest.raises(AnalysisError, match="time order"):
        xmr(pd.Series([1.0, 2.0, 3.0], index=[3, 2, 1]))
    with pytest.raises(AnalysisError, match="infinite"):
        xmr(pd.Series([1.0, np.inf, 3.0]))
