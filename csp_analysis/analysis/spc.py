"""Statistical process control: XmR charts following NHS England "Making Data Count".

Method
------
NHS England / NHS Improvement, *Making Data Count* (2017, 2019 "Strengthening your decisions")
and the NHS-R Community's ``NHSRplotthedots`` R package that implements it:

* Limits. Within each segment (see rebasing) the centre line is the mean of the baseline points
  and the moving range ``mR_i = |x_i - x_{i-1}|`` is taken between consecutive baseline points
  (never across a rebase). Process limits are ``mean +/- 2.66 x mean(mR)``; 2.66 = 3 / d2 with
  d2 = 1.128 for ranges of two, so one sigma is ``2.66 / 3 x mean(mR)`` and the "two sigma" lines
  are ``mean +/- 1.773 x mean(mR)``. With ``screen_outliers=True`` moving ranges of 3.267 x
  mean(mR) or more are dropped and the mean recomputed, as ``NHSRplotthedots`` does by default;
  the default here (``False``) reproduces the Making Data Count Excel tool.
* Baseline. By default every point of a segment sets its limits. ``baseline=n`` fixes each
  segment's limits on its first ``n`` points (``fix_after_n_points`` in NHSRplotthedots);
  ``baseline=(start, end)`` fixes the limits of the segment(s) overlapping that period on the
  points inside it; later points are judged against those fixed limits.
* Rebasing. ``rebase_at`` dates start new segments with their own limits.
* Rules, applied within a segment, each flagging every point that takes part:

  - ``beyond_limits``: a point above the upper or below the lower process limit;
  - ``shift``: ``run_length`` (default 7; 6 is the other common choice) or more consecutive
    points all above, or all below, the mean. A point exactly on the mean breaks a run;
  - ``trend``: ``trend_length`` (default 6) or more consecutive points each strictly higher (or
    each strictly lower) than the one before. Equal neighbours break a trend;
  - ``two_of_three``: two or three of three consecutive points beyond a two-sigma line, all
    three on the same side of the mean (the NHSRplotthedots reading, issue #143); the points
    beyond two sigma are flagged.
* Variation. A flagged point is special cause *improving* if every rule flagging it points in
  the indicator's better direction (``direction="higher"`` or ``"lower"``), *concerning* if every
  one points the worse way, and *neither* when the indicator has no direction or the rules
  disagree. A trend's direction is that of the trend (the Making Data Count icons), a run's or a
  limit breach's is the side of the mean. :attr:`SpcResult.variation` is the latest point's
  category.
* Assurance against a target uses the latest segment's limits, as NHSRplotthedots does: when the
  target lies outside the limits on the good side the process will *consistently pass*, on the
  bad side it will *consistently fail*; a target within the limits means *hit and miss*.

Gaps (NaN) are left out of the calculation (moving ranges join the observed points either side
of a gap) and kept in the per-point frame unflagged; their number is reported in the notes.
Segments with fewer than 12 points get provisional ("trial") limits, as NHSRplotthedots warns;
Making Data Count recommends 15 to 20.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError

LIMIT_FACTOR = 2.66
TWO_SIGMA_FACTOR = 2 * LIMIT_FACTOR / 3
SCREEN_FACTOR = 3.267
TRIAL_LIMIT_POINTS = 12
#: The fewest points a chart should show: a year of months (below it limits are trial
#: limits), or two years of quarters (a quarterly year is too few points for any run rule).
MIN_MONTHS = TRIAL_LIMIT_POINTS
MIN_QUARTERS = 8
RULES = ("beyond_limits", "shift", "trend", "two_of_three")
_DIRECTIONS = {
    "higher": "higher",
    "increase": "higher",
    "lower": "lower",
    "decrease": "lower",
    None: None,
    "neutral": None,
}


@dataclass
class SpcResult:
    """The result of :func:`xmr`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per input point (same index): ``value``, ``segment``, ``in_baseline``,
        ``moving_range``, ``mean``, ``lcl``, ``ucl``, ``lower_two_sigma``, ``upper_two_sigma``,
        one boolean column per rule (``beyond_limits``, ``shift``, ``trend``, ``two_of_three``),
        ``special_cause`` (bool) and ``special_cause_type`` (``"improving"``, ``"concerning"``,
        ``"neither"``, or ``""`` for common cause).
    signals : list of dict
        One dict per rule occurrence: ``rule``, ``start``, ``end`` (index labels), ``n_points``,
        ``direction`` (``"up"``/``"down"``).
    direction : str or None
        ``"higher"`` or ``"lower"`` is better, or None.
    target : float or None
    notes : list of str
    """

    frame: pd.DataFrame
    signals: list[dict]
    direction: str | None
    target: float | None
    run_length: int
    trend_length: int
    notes: list[str] = field(default_factory=list)

    @property
    def variation(self) -> str:
        """Latest observed point's category: "common cause" or "special cause improving" /
        "special cause concerning" / "special cause neither"."""
        observed = self.frame[self.frame["value"].notna()]
        last = observed.iloc[-1]
        if not last["special_cause"]:
            return "common cause"
        return f"special cause {last['special_cause_type']}"

    @property
    def assurance(self) -> str | None:
        """ "consistently passing", "consistently failing", "hit and miss", or None (no target)."""
        if self.target is None:
            return None
        last = self.frame[self.frame["value"].notna()].iloc[-1]
        lcl, ucl = float(last["lcl"]), float(last["ucl"])
        higher_better = self.direction == "higher"
        if self.target > ucl:
            return "consistently failing" if higher_better else "consistently passing"
        if self.target < lcl:
            return "consistently passing" if higher_better else "consistently failing"
        return "hit and miss"

    @property
    def latest_limits(self) -> dict[str, float]:
        """Mean and process limits of the latest segment."""
        last = self.frame[self.frame["value"].notna()].iloc[-1]
        return {key: float(last[key]) for key in ("mean", "lcl", "ucl")}


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) positions, inclusive, of each run of True values."""
    runs, start = [], None
    for i, flag in enumerate(mask):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(mask) - 1))
    return runs


def _same_sign_runs(signs: np.ndarray, min_length: int) -> list[tuple[int, int, int]]:
    """Runs of at least ``min_length`` equal non-zero signs: (start, end, sign)."""
    found = []
    for sign in (1, -1):
        for start, end in _runs(signs == sign):
            if end - start + 1 >= min_length:
                found.append((start, end, sign))
    return found


def _segment_rules(
    y: np.ndarray,
    mean: float,
    lcl: float,
    ucl: float,
    lo2: float,
    up2: float,
    run_length: int,
    trend_length: int,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], list[tuple[str, int, int, int]]]:
    """Apply the four rules to one segment's observed values.

    Returns per-rule flags, per-rule point directions (+1 up / -1 down / 0) and the signal list
    (rule, start, end, sign) in positions.
    """
    n = len(y)
    flags = {rule: np.zeros(n, dtype=bool) for rule in RULES}
    dirs = {rule: np.zeros(n, dtype=int) for rule in RULES}
    signals: list[tuple[str, int, int, int]] = []

    above, below = y > ucl, y < lcl
    for mask, sign in ((above, 1), (below, -1)):
        flags["beyond_limits"] |= mask
        dirs["beyond_limits"][mask] = sign
        for start, end in _runs(mask):
            signals.append(("beyond_limits", start, end, sign))

    side = np.sign(y - mean).astype(int)
    for start, end, sign in _same_sign_runs(side, run_length):
        flags["shift"][start : end + 1] = True
        dirs["shift"][start : end + 1] = sign
        signals.append(("shift", start, end, sign))

    # A trend of k points is k - 1 consecutive steps in one direction.
    steps = np.sign(np.diff(y)).astype(int)
    for start, end, sign in _same_sign_runs(steps, trend_length - 1):
        flags["trend"][start : end + 2] = True
        dirs["trend"][start : end + 2] = sign
        signals.append(("trend", start, end + 1, sign))

    beyond_two = np.where(y > up2, 1, np.where(y < lo2, -1, 0))
    two_three = np.zeros(n, dtype=bool)
    for i in range(n - 2):
        window = slice(i, i + 3)
        sides = side[window]
        if abs(sides.sum()) != 3:
            continue
        sign = int(sides[0])
        hits = beyond_two[window] == sign
        if hits.sum() >= 2:
            two_three[i : i + 3] |= hits
            dirs["two_of_three"][i : i + 3][hits] = sign
    flags["two_of_three"] = two_three
    for start, end in _runs(two_three):
        # Contiguous flagged points can still have gaps (x . x); group windows by span.
        signals.append(("two_of_three", start, end, int(dirs["two_of_three"][start])))
    return flags, dirs, signals


def xmr(
    values: pd.Series,
    direction: str | None = None,
    target: float | None = None,
    baseline: int | tuple | None = None,
    rebase_at: Iterable = (),
    run_length: int = 7,
    trend_length: int = 6,
    screen_outliers: bool = False,
) -> SpcResult:
    """XmR (individuals and moving range) chart with Making Data Count rules.

    Parameters
    ----------
    values : pandas.Series
        The measure, in time order (typically monthly, indexed by month-start Timestamps). NaN
        marks a gap and is skipped.
    direction : {"higher", "lower", None}
        Which way is better ("increase"/"decrease"/"neutral" are accepted as aliases). For
        crime counts "lower" is better.
    target : float, optional
        Target for the assurance reading; needs a direction.
    baseline : int or (start, end), optional
        Fix limits on each segment's first ``n`` points, or on the points between ``start`` and
        ``end`` (index labels, inclusive).
    rebase_at : iterable of index labels
        Points at which a new segment, with its own limits, starts.
    run_length : int
        Points on one side of the mean that make a shift (7, or 6).
    trend_length : int
        Consecutive rising (or falling) points that make a trend.
    screen_outliers : bool
        Drop moving ranges >= 3.267 x their mean before setting limits (NHSRplotthedots' default).

    Returns
    -------
    SpcResult

    Raises
    ------
    AnalysisError
        For a non-Series input, non-numeric values, an unknown direction, a target without a
        direction, invalid rule lengths, a baseline or rebase date outside the data, or a segment
        with fewer than two usable points.
    """
    direction, target = _checked_options(direction, target, run_length, trend_length)
    y_all = _numeric(values)
    observed = y_all.dropna()
    if len(observed) < 2:
        raise AnalysisError(f"xmr: need at least 2 observed points, got {len(observed)}")
    notes: list[str] = []
    if len(observed) < len(y_all):
        notes.append(f"{len(y_all) - len(observed)} gap(s) left out of the calculation")
    index = observed.index
    segment = _segments(index, rebase_at)
    in_baseline = _baseline_mask(index, segment, baseline)
    limits = _segment_limits(
        observed.to_numpy(), index, segment, in_baseline, screen_outliers, notes
    )
    flags, dirs, signals = _apply_rules(
        observed.to_numpy(), index, segment, limits, run_length, trend_length
    )
    special, kinds = _special_cause_types(flags, dirs, direction)
    frame = _result_frame(y_all, observed, segment, in_baseline, limits, flags, special, kinds)
    return SpcResult(
        frame=frame,
        signals=signals,
        direction=direction,
        target=target,
        run_length=int(run_length),
        trend_length=int(trend_length),
        notes=notes,
    )


def _checked_options(
    direction, target, run_length, trend_length
) -> tuple[str | None, float | None]:
    if direction not in _DIRECTIONS:
        raise AnalysisError(f"xmr: direction must be 'higher', 'lower' or None, got {direction!r}")
    direction = _DIRECTIONS[direction]
    if target is not None:
        if direction is None:
            raise AnalysisError("xmr: a target needs a direction ('higher' or 'lower' is better)")
        if not np.isfinite(target):
            raise AnalysisError(f"xmr: target must be a finite number, got {target!r}")
        target = float(target)
    for name, length in (("run_length", run_length), ("trend_length", trend_length)):
        if not isinstance(length, (int, np.integer)) or length < 3:
            raise AnalysisError(f"xmr: {name} must be an integer >= 3, got {length!r}")
    return direction, target


def _numeric(values) -> pd.Series:
    """The values as floats in time order, NaN for gaps; errors for anything else."""
    if not isinstance(values, pd.Series):
        raise AnalysisError(f"xmr: expected a pandas Series, got {type(values).__name__}")
    try:
        y_all = pd.to_numeric(values, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise AnalysisError(f"xmr: values must be numeric ({exc})") from None
    if np.isinf(y_all.dropna().to_numpy()).any():
        raise AnalysisError("xmr: values include an infinite number")
    if not y_all.index.is_monotonic_increasing:
        raise AnalysisError("xmr: values must be in time order (sorted index)")
    if y_all.index.has_duplicates:
        raise AnalysisError("xmr: the index has duplicate labels")
    return y_all


def _segments(index: pd.Index, rebase_at: Iterable) -> np.ndarray:
    """Segment number of each point: 0, then one more at each rebase point."""
    segment = np.zeros(len(index), dtype=int)
    for label in sorted(rebase_at):
        if not (index[0] < label <= index[-1]):
            raise AnalysisError(
                f"xmr: rebase point {label} is not after the first and within the last point "
                f"({index[0]} to {index[-1]})"
            )
        segment += np.asarray(index >= label, dtype=int)
    return segment


def _baseline_mask(index: pd.Index, segment: np.ndarray, baseline) -> np.ndarray:
    """Which points set their segment's limits (all of them without a baseline)."""
    if baseline is None:
        return np.ones(len(index), dtype=bool)
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if baseline < 2:
            raise AnalysisError(f"xmr: a baseline needs at least 2 points, got {baseline}")
        rank = pd.Series(segment).groupby(segment).cumcount().to_numpy()
        return rank < baseline
    if isinstance(baseline, tuple) and len(baseline) == 2:
        start, end = baseline
        period = np.asarray((index >= start) & (index <= end))
        if period.sum() < 2:
            raise AnalysisError(
                f"xmr: baseline period {start} to {end} holds {int(period.sum())} observed "
                "point(s); at least 2 are needed"
            )
        # Segments overlapping the baseline period use only its points; others use all.
        overlapping = set(segment[period])
        return np.where(np.isin(segment, list(overlapping)), period, True)
    raise AnalysisError(
        f"xmr: baseline must be a number of points or a (start, end) pair, got {baseline!r}"
    )


_LIMIT_COLUMNS = ("moving_range", "mean", "lcl", "ucl", "lower_two_sigma", "upper_two_sigma")


def _segment_limits(
    y: np.ndarray,
    index: pd.Index,
    segment: np.ndarray,
    in_baseline: np.ndarray,
    screen_outliers: bool,
    notes: list[str],
) -> dict[str, np.ndarray]:
    """Moving ranges, mean and limits of each segment from its baseline points (mean +/- 2.66
    x the mean moving range; two-sigma lines at 2/3 of the way)."""
    cols = {key: np.full(len(y), np.nan) for key in _LIMIT_COLUMNS}
    for seg in np.unique(segment):
        pos = np.flatnonzero(segment == seg)
        base = pos[in_baseline[pos]]
        if len(base) < 2:
            raise AnalysisError(
                f"xmr: segment starting {index[pos[0]]} has {len(base)} baseline point(s); "
                "at least 2 are needed for a moving range"
            )
        if len(base) < TRIAL_LIMIT_POINTS:
            notes.append(
                f"limits for the segment starting {index[pos[0]]} rest on {len(base)} points "
                f"(fewer than {TRIAL_LIMIT_POINTS}): treat them as trial limits"
            )
        base_y = y[base]
        moving = np.abs(np.diff(base_y))
        cols["moving_range"][base[1:]] = moving
        mean = float(base_y.mean())
        mr_bar = float(moving.mean())
        if screen_outliers:
            kept = moving[moving < SCREEN_FACTOR * mr_bar]
            mr_bar = float(kept.mean()) if len(kept) else mr_bar
        cols["mean"][pos] = mean
        cols["lcl"][pos] = mean - LIMIT_FACTOR * mr_bar
        cols["ucl"][pos] = mean + LIMIT_FACTOR * mr_bar
        cols["lower_two_sigma"][pos] = mean - TWO_SIGMA_FACTOR * mr_bar
        cols["upper_two_sigma"][pos] = mean + TWO_SIGMA_FACTOR * mr_bar
    return cols


def _apply_rules(y, index, segment, limits, run_length, trend_length):
    """The four special-cause rules within each segment: flags and directions per point, and
    one signal record per run that triggered a rule."""
    flags = {rule: np.zeros(len(y), dtype=bool) for rule in RULES}
    dirs = {rule: np.zeros(len(y), dtype=int) for rule in RULES}
    signals: list[dict] = []
    for seg in np.unique(segment):
        pos = np.flatnonzero(segment == seg)
        first = pos[0]
        seg_flags, seg_dirs, seg_signals = _segment_rules(
            y[pos],
            limits["mean"][first],
            limits["lcl"][first],
            limits["ucl"][first],
            limits["lower_two_sigma"][first],
            limits["upper_two_sigma"][first],
            run_length,
            trend_length,
        )
        for rule in RULES:
            flags[rule][pos] = seg_flags[rule]
            dirs[rule][pos] = seg_dirs[rule]
        for rule, start, end, sign in seg_signals:
            signals.append(
                {
                    "rule": rule,
                    "start": index[pos[start]],
                    "end": index[pos[end]],
                    "n_points": int(end - start + 1),
                    "direction": "up" if sign > 0 else "down",
                }
            )
    signals.sort(key=lambda s: (s["start"], RULES.index(s["rule"])))
    return flags, dirs, signals


def _special_cause_types(flags, dirs, direction) -> tuple[np.ndarray, np.ndarray]:
    """Whether each point is a special cause, and whether it is improving, concerning or
    neither (no direction given, or rules pointing both ways)."""
    n = len(next(iter(flags.values())))
    special = np.zeros(n, dtype=bool)
    for rule in RULES:
        special |= flags[rule]
    kinds = np.full(n, "", dtype=object)
    good_sign = {"higher": 1, "lower": -1, None: 0}[direction]
    for i in np.flatnonzero(special):
        point_dirs = {int(dirs[rule][i]) for rule in RULES if flags[rule][i]}
        if good_sign == 0 or len(point_dirs) != 1:
            kinds[i] = "neither"
        else:
            kinds[i] = "improving" if point_dirs == {good_sign} else "concerning"
    return special, kinds


def _result_frame(y_all, observed, segment, in_baseline, limits, flags, special, kinds):
    """One row per input point (gaps included) with its limits, rule flags and type."""
    frame = pd.DataFrame(
        {"value": observed.to_numpy(), "segment": segment, "in_baseline": in_baseline},
        index=observed.index,
    )
    for key, col in limits.items():
        frame[key] = col
    for rule in RULES:
        frame[rule] = flags[rule]
    frame["special_cause"] = special
    frame["special_cause_type"] = kinds
    frame = frame.reindex(y_all.index)
    frame["value"] = y_all
    for col in (*RULES, "special_cause", "in_baseline"):
        frame[col] = frame[col].astype("boolean").fillna(False).astype(bool)
    frame["special_cause_type"] = frame["special_cause_type"].fillna("")
    # Gaps carry their segment's limits so a chart can draw unbroken lines across them.
    limit_cols = ["segment", "mean", "lcl", "ucl", "lower_two_sigma", "upper_two_sigma"]
    frame[limit_cols] = frame[limit_cols].ffill().bfill()
    frame["segment"] = frame["segment"].astype(int)
    return frame
