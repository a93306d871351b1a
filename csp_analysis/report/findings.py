"""Key findings in plain English, chosen by rule, for a strategic assessment.

Method
------
Each candidate finding gets an importance score and the highest-scoring ones are returned, most
important first. The rules (documented in docs/methods.md, "Key findings"):

* **Year-to-date change** (:class:`csp_analysis.analysis.series.YearToDate`): reported when the exact
  conditional Poisson test is significant at its alpha; score ``3 + min(|% change| / 10, 2)``.
  Non-significant changes are reported only on request (score 1), and unavailable comparisons
  never (their reason belongs with the chart, not in the headline findings).
* **SPC signals** (NHS England *Making Data Count* rules, from :func:`csp_analysis.analysis.spc.xmr` or
  plain dicts with ``rule``, ``start``, ``end``, ``n_points``, ``direction``): the latest signal of
  each rule per series is reported when it ends within the last ``recent_points`` points (6 by
  default) of the series; score 3.5 when it reaches the latest point, 2.5 otherwise.
* **Position against peers** (:func:`csp_analysis.analysis.rates.peer_comparison` with a focus area): always
  reported as context; score 3 when the focus area's confidence interval excludes the group
  average, 1.5 otherwise.
* **Contributions to change** (:func:`contributions_to_change`): categories moving the same way as
  the net change and accounting for at least ``min_share`` (25%) of it, up to three; score
  ``1 + 2 x share`` (capped at 3). A category moving against the net change by at least the same
  share is reported as offsetting it.

Numbers are formatted with thousands separators; percentages are whole numbers (one decimal
below 1%). Rates per 1,000 population are given to one decimal place in sentences, as in the
review's headline figures; the ONS whole-number rounding (halves up) belongs only to the
published-style comparison table (:func:`csp_analysis.analysis.rates.peer_comparison`'s
``published_rate``), not to prose. The indefinite article before a number follows its spoken
form ("an 8% increase", "an 11% fall", "a 1,800% rise"): see :func:`csp_analysis.report.wording.indefinite_article`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csp_analysis.analysis.same_period import YearToDate, year_to_date_table
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.wording import month_label, period_label

__all__ = [
    "Finding",
    "contributions_from_totals",
    "contributions_to_change",
    "key_findings",
    "peer_findings",
    "spc_findings",
    "ytd_findings",
    "contribution_findings",
]

KINDS = ("ytd_change", "spc_signal", "peer_position", "contribution")


@dataclass(frozen=True)
class Finding:
    """One key finding.

    Attributes
    ----------
    text : str
        A plain-English sentence with its numbers, ready to paste into a strategic assessment.
    kind : str
        "ytd_change", "spc_signal", "peer_position" or "contribution".
    importance : float
        Score used to order findings (higher first); see the module docstring.
    series : str or None
        The series or area the finding is about.
    numbers : dict
        The figures quoted in ``text``, unrounded.
    """

    text: str
    kind: str
    importance: float
    series: str | None = None
    numbers: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


def _is_month(value) -> bool:
    return isinstance(value, pd.Timestamp) or (hasattr(value, "month") and hasattr(value, "year"))


def _label(value) -> str:
    return month_label(value) if _is_month(value) else str(value)


def _prefix(series: str | None) -> str:
    return f"{series}: " if series else ""


# --------------------------------------------------------------------------- year to date


def _iter_ytd(ytd) -> Iterable[tuple[str | None, YearToDate]]:
    if ytd is None:
        return []
    if isinstance(ytd, YearToDate):
        return [(ytd.name, ytd)]
    if isinstance(ytd, pd.DataFrame):
        if "result" not in ytd:
            raise AnalysisError("ytd table needs the 'result' column of year_to_date_table()")
        return [(r.name, r) for r in ytd["result"]]
    if isinstance(ytd, Mapping):
        return list(ytd.items())
    items = []
    for item in ytd:
        if not isinstance(item, YearToDate):
            raise AnalysisError(f"ytd items must be YearToDate results, got {type(item).__name__}")
        items.append((item.name, item))
    return items


def _ytd_text(name: str | None, result: YearToDate, noun: str) -> str:
    singular = noun[:-1] if noun.endswith("s") else noun
    change = int(round(result.change))
    what = singular if abs(change) == 1 else noun
    head = f"{_prefix(name)}{wording.count(result.current)} {noun} in {result.current_label}"
    if change == 0:
        body = f", the same as in {result.previous_label}"
    elif result.pct_change is None:
        body = f", up from none in {result.previous_label}"
    else:
        more = "more" if change > 0 else "fewer"
        pct = wording.percent(result.pct_change)
        body = (
            f", {wording.indefinite_article(pct)} {pct} {result.direction} ({wording.count(abs(change))} {more} "
            f"{what}) on the {wording.count(result.previous)} in {result.previous_label}"
        )
    verdict = "statistically significant" if result.significant else "not statistically significant"
    p_text = wording.p_value(result.p_value)
    method = result.method.removesuffix(" (binomial)")
    return f"{head}{body}; the change is {verdict} ({p_text}; {method})"


def ytd_findings(
    ytd, noun: str = "offences", include_not_significant: bool = False
) -> list[Finding]:
    """Findings from year-to-date comparisons.

    Parameters
    ----------
    ytd : YearToDate, list of YearToDate, mapping name -> YearToDate, or the DataFrame of
        :func:`csp_analysis.analysis.series.year_to_date_table`.
    noun : str
        What is counted ("offences", "incidents").
    include_not_significant : bool
        Also report changes that are not statistically significant (low importance).
    """
    found = []
    for name, result in _iter_ytd(ytd):
        if not isinstance(result, YearToDate):
            raise AnalysisError(f"ytd[{name!r}] is not a YearToDate result")
        if not result.available:
            continue
        if not result.significant and not include_not_significant:
            continue
        if result.significant:
            magnitude = abs(result.pct_change) if result.pct_change is not None else 20.0
            importance = 3 + min(magnitude / 10, 2)
        else:
            importance = 1.0
        text = _ytd_text(name, result, noun)
        found.append(
            Finding(
                wording.sentence(text),
                "ytd_change",
                importance,
                name,
                {
                    "current": result.current,
                    "previous": result.previous,
                    "change": result.change,
                    "pct_change": result.pct_change,
                    "p_value": result.p_value,
                    "method": result.method,
                },
            )
        )
    return found


# --------------------------------------------------------------------------- SPC


def _get(item, *names, default=None):
    for name in names:
        if isinstance(item, Mapping) and name in item:
            return item[name]
        if not isinstance(item, Mapping) and hasattr(item, name):
            return getattr(item, name)
    return default


_RULE_TEXT = {
    "beyond_limits": {
        "up": "{n_text}above the upper process limit",
        "down": "{n_text}below the lower process limit",
    },
    "shift": {
        "up": "{n} consecutive points above the average",
        "down": "{n} consecutive points below the average",
    },
    "trend": {
        "up": "a run of {n} consecutive rising points",
        "down": "a run of {n} consecutive falling points",
    },
    "two_of_three": {
        "up": "two of three points close to the upper process limit",
        "down": "two of three points close to the lower process limit",
    },
}
_DIRECTION_ALIASES = {
    "up": "up", "higher": "up", "increase": "up", "above": "up", 1: "up",
    "down": "down", "lower": "down", "decrease": "down", "below": "down", -1: "down",
}  # fmt: skip


def _signal_text(signal, unit: str) -> str:
    rule = str(_get(signal, "rule", "signal", default="special cause"))
    direction = _DIRECTION_ALIASES.get(_get(signal, "direction"), None)
    n = int(_get(signal, "n_points", default=1) or 1)
    template = _RULE_TEXT.get(rule, {}).get(direction)
    if template is None:
        described = _get(signal, "description", "text", default=rule.replace("_", " "))
        return str(described)
    n_text = "a point " if n == 1 else f"{n} points "
    text = (
        template.format(n=n, n_text=n_text)
        .replace("points", unit + "s")
        .replace("point ", unit + " ")
    )
    start, end = _get(signal, "start"), _get(signal, "end")
    if start is not None and end is not None and start != end:
        if _is_month(start) and _is_month(end):
            text += f" ({period_label(start, end)})"
        else:
            text += f" ({_label(start)} to {_label(end)})"
    elif end is not None:
        text += f" ({_label(end)})"
    return text


def _iter_spc(spc) -> Iterable[tuple[str | None, list, object]]:
    """(series name, signal list, result object or None) from the accepted shapes."""
    if spc is None:
        return []
    if isinstance(spc, Mapping) and not {"rule", "signal"} & set(spc):
        out = []
        for name, value in spc.items():
            if hasattr(value, "signals"):
                out.append((name, list(value.signals), value))
            else:
                out.append((name, list(value), None))
        return out
    if hasattr(spc, "signals"):
        return [(_get(spc, "name", "series"), list(spc.signals), spc)]
    if isinstance(spc, Mapping):
        spc = [spc]
    grouped: dict = {}
    for item in spc:
        if hasattr(item, "signals"):
            grouped.setdefault(_get(item, "name", "series"), ([], item))[0].extend(item.signals)
        else:
            name = _get(item, "series", "name", "title")
            grouped.setdefault(name, ([], None))[0].append(item)
    return [(name, signals, obj) for name, (signals, obj) in grouped.items()]


def spc_findings(spc, recent_points: int = 6, unit: str = "month") -> list[Finding]:
    """Findings from SPC special-cause signals.

    Parameters
    ----------
    spc : SpcResult, mapping name -> SpcResult (or -> list of signal dicts), or list of signal
        dicts each carrying a ``series`` name. Signal dicts need ``rule`` (or ``signal``) and
        ``direction`` ("up"/"down"); ``start``, ``end`` and ``n_points`` are used when present.
    recent_points : int
        A signal is reported when it ends within this many points of the end of the series
        (needs the result's ``frame``; without it every signal counts as recent).
    unit : str
        What one point is ("month", "quarter").
    """
    found = []
    for name, signals, result in _iter_spc(spc):
        frame = getattr(result, "frame", None)
        observed = None
        if isinstance(frame, pd.DataFrame) and "value" in frame:
            observed = list(frame.index[frame["value"].notna()])
        latest_by_rule: dict = {}
        for signal in signals:
            key = (_get(signal, "rule", "signal"), _get(signal, "direction"))
            latest_by_rule[key] = signal  # signals come in time order within a rule
        for signal in latest_by_rule.values():
            end = _get(signal, "end")
            ongoing, recent = False, True
            if observed and end in observed:
                position = len(observed) - 1 - observed.index(end)
                ongoing = position == 0
                recent = position < recent_points
            if not recent:
                continue
            text = f"{_prefix(name)}special-cause variation: {_signal_text(signal, unit)}"
            variation = getattr(result, "variation", None) if result is not None else None
            if ongoing and isinstance(variation, str) and variation.startswith("special cause"):
                kind = variation.removeprefix("special cause ").strip()
                if kind in ("improving", "concerning"):
                    text += f"; the latest {unit} shows {kind} variation"
            found.append(
                Finding(
                    wording.sentence(text),
                    "spc_signal",
                    3.5 if ongoing else 2.5,
                    name,
                    {
                        "rule": _get(signal, "rule", "signal"),
                        "direction": _get(signal, "direction"),
                        "start": _get(signal, "start"),
                        "end": end,
                        "n_points": _get(signal, "n_points"),
                        "ongoing": ongoing,
                    },
                )
            )
    return found


# --------------------------------------------------------------------------- peers


def peer_findings(
    peers: pd.DataFrame,
    focus: str | None = None,
    noun: str = "offences",
    period: str = "",
    group: str = "areas in its peer group",
) -> list[Finding]:
    """The focus area's position in its peer group, from :func:`rates.peer_comparison`.

    Parameters
    ----------
    peers : pandas.DataFrame
        Output of :func:`csp_analysis.analysis.rates.peer_comparison`.
    focus : str, optional
        Area to describe (default: the row flagged ``is_focus``).
    noun : str
    period : str
        e.g. "in the year ending December 2025", appended after the rate.
    group : str
        What the group is, after "of N": e.g. "partnerships of West Mercia", "areas in its
        most similar group".
    """
    if peers is None:
        return []
    needed = {"area", "rate", "rank", "n_areas", "group_average", "comparison"}
    missing = needed - set(peers.columns)
    if missing:
        raise AnalysisError(
            f"peers must be a peer_comparison() table; missing {', '.join(sorted(missing))}"
        )
    if focus is None:
        if "is_focus" not in peers or not peers["is_focus"].any():
            raise AnalysisError(
                "peer_findings: no focus area (pass focus= or use peer_comparison(focus=))"
            )
        row = peers.loc[peers["is_focus"]].iloc[0]
    else:
        matches = peers.loc[peers["area"] == focus]
        if matches.empty:
            raise AnalysisError(f"peer_findings: focus area {focus!r} is not in the table")
        row = matches.iloc[0]
    rank, n = int(row["rank"]), int(row["n_areas"])
    ties = int((peers["rank"] == rank).sum())
    position = "the highest" if rank == 1 else f"the {wording.ordinal(rank)} highest"
    if ties > 1:
        position += " (joint)"
    when = f" {period.strip()}" if period else ""
    comparison = str(row["comparison"])
    if comparison == "not significantly different":
        verdict = "the difference from the average is not statistically significant"
    else:
        verdict = f"the rate is {comparison} than the group average"
    text = (
        f"{row['area']} had {wording.rate(float(row['rate']))} {noun} per 1,000 population{when}, "
        f"{position} of {n} {group}; the group average is "
        f"{wording.rate(float(row['group_average']))} per 1,000 and {verdict}"
    )
    significant = row["comparison"] != "not significantly different"
    return [
        Finding(
            wording.sentence(text),
            "peer_position",
            3.0 if significant else 1.5,
            str(row["area"]),
            {
                "rate": float(row["rate"]),
                "rank": rank,
                "n_areas": n,
                "group_average": float(row["group_average"]),
                "difference": float(row.get("difference", np.nan)),
                "comparison": row["comparison"],
            },
        )
    ]


# --------------------------------------------------------------------------- contributions


def contributions_from_totals(current: pd.Series, previous: pd.Series) -> pd.DataFrame:
    """Each category's part in the change between two periods.

    Parameters
    ----------
    current, previous : pandas.Series
        Totals by category for the two periods (same categories; a category missing from one
        side counts as 0 there - it had no records - but NaN is rejected as a gap).

    Returns
    -------
    pandas.DataFrame
        ``category, current, previous, change, pct_change, share_of_net_change`` sorted by
        absolute change, largest first. ``share_of_net_change`` is ``change / net change``
        (NaN when the net change is 0); shares of categories moving against the net are negative.
    """
    for label, series in (("current", current), ("previous", previous)):
        if not isinstance(series, pd.Series):
            raise AnalysisError(f"contributions: {label} must be a Series by category")
        if series.isna().any():
            bad = series.index[series.isna()][0]
            raise AnalysisError(
                f"contributions: {label} total for {bad!r} is missing (a gap); it cannot be "
                "compared"
            )
    frame = pd.concat([current.rename("current"), previous.rename("previous")], axis=1).fillna(0)
    frame.index.name = "category"
    frame = frame.reset_index()
    frame["change"] = frame["current"] - frame["previous"]
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["pct_change"] = np.where(
            frame["previous"] > 0, 100 * frame["change"] / frame["previous"], np.nan
        )
    net = frame["change"].sum()
    frame["share_of_net_change"] = frame["change"] / net if net != 0 else np.nan
    frame = frame.iloc[frame["change"].abs().argsort()[::-1]].reset_index(drop=True)
    frame.attrs["net_change"] = float(net)
    return frame


def contributions_to_change(
    monthly: pd.DataFrame, period_end, by: str = "crime_type"
) -> pd.DataFrame:
    """Each category's part in the financial year-to-date change.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Monthly counts of one area with a category column, e.g.
        ``monthly_counts(selected_for_one_csp, by="crime_type")``.
    period_end : date-like
        Last month of the year-to-date period.
    by : str
        The category column.

    Returns
    -------
    pandas.DataFrame
        As :func:`contributions_from_totals` (the category column named ``by``), with
        ``attrs["current_period"]``, ``attrs["previous_period"]`` and ``attrs["net_change"]``.

    Raises
    ------
    AnalysisError
        When any month of either period is a gap for any category (the reason is given).
    """
    if by not in monthly:
        raise AnalysisError(f"contributions_to_change: column {by!r} not in the monthly table")
    other = [c for c in monthly.columns if c not in ("month", "count", by)]
    for col in other:
        if monthly[col].nunique(dropna=False) > 1:
            raise AnalysisError(
                f"contributions_to_change needs one area, but column {col!r} has several "
                "values; filter the table first"
            )
    table = year_to_date_table(monthly[["month", by, "count"]], period_end, by=by)
    if table.empty:
        raise AnalysisError("contributions_to_change: the monthly table is empty")
    unavailable = table.loc[~table["available"]]
    if len(unavailable):
        raise AnalysisError(
            f"contributions_to_change: no year-to-date comparison for "
            f"{unavailable[by].iloc[0]!r}: {unavailable['reason'].iloc[0]}"
        )
    frame = contributions_from_totals(
        table.set_index(by)["current"].astype(float), table.set_index(by)["previous"].astype(float)
    ).rename(columns={"category": by})
    frame.attrs["current_period"] = table["current_period"].iloc[0]
    frame.attrs["previous_period"] = table["previous_period"].iloc[0]
    frame.attrs["net_change"] = float(frame["change"].sum())
    return frame


def contribution_findings(
    contributions: pd.DataFrame,
    noun: str = "offences",
    min_share: float = 0.25,
    series: str | None = None,
) -> list[Finding]:
    """Findings naming the categories that drove the net change.

    Parameters
    ----------
    contributions : pandas.DataFrame
        Output of :func:`contributions_to_change` or :func:`contributions_from_totals`.
    noun : str
    min_share : float, default 0.25
        Smallest share of the net change worth reporting.
    series : str, optional
        Name of the series (e.g. "All crime") to prefix the findings.
    """
    if contributions is None or len(contributions) == 0:
        return []
    needed = {"change", "share_of_net_change", "current", "previous"}
    if needed - set(contributions.columns):
        raise AnalysisError(
            "contributions must come from contributions_to_change(); missing "
            + ", ".join(sorted(needed - set(contributions.columns)))
        )
    category = next(c for c in contributions.columns if c not in (*needed, "pct_change"))
    net = float(contributions["change"].sum())
    if net == 0:
        return []
    direction = "increase" if net > 0 else "decrease"
    period = contributions.attrs.get("current_period")
    when = f" in {period}" if period else ""
    found = []
    drivers = contributions.loc[contributions["share_of_net_change"] >= min_share].head(3)
    for _, row in drivers.iterrows():
        share = float(row["share_of_net_change"])
        more = "more" if row["change"] > 0 else "fewer"
        text = (
            f"{_prefix(series)}{row[category]} contributed {wording.percent(100 * min(share, 9.99))} of the "
            f"net {direction} of {wording.count(abs(net))} {noun}{when}: {wording.count(abs(row['change']))} "
            f"{more} {noun} ({wording.count(row['current'])} against {wording.count(row['previous'])} a year earlier)"
        )
        if share > 1:
            text = text.replace(
                f"contributed {wording.percent(100 * min(share, 9.99))} of",
                "changed by more than",
            )
        found.append(
            Finding(
                wording.sentence(text),
                "contribution",
                min(1 + 2 * share, 3.0),
                series,
                {
                    "category": row[category],
                    "change": float(row["change"]),
                    "share_of_net_change": share,
                    "net_change": net,
                },
            )
        )
    offsets = contributions.loc[contributions["share_of_net_change"] <= -min_share].head(1)
    for _, row in offsets.iterrows():
        moved = "fell" if row["change"] < 0 else "rose"
        text = (
            f"{_prefix(series)}{row[category]} {moved} by {wording.count(abs(row['change']))} {noun}"
            f"{when}, offsetting part of the overall {direction}"
        )
        found.append(
            Finding(
                wording.sentence(text),
                "contribution",
                min(1 + abs(float(row["share_of_net_change"])), 2.0),
                series,
                {"category": row[category], "change": float(row["change"]), "net_change": net},
            )
        )
    return found


# --------------------------------------------------------------------------- all together


def key_findings(
    ytd=None,
    spc=None,
    peers: pd.DataFrame | None = None,
    contributions: pd.DataFrame | None = None,
    *,
    noun: str = "offences",
    series: str | None = None,
    peer_period: str = "",
    peer_group: str = "areas in its peer group",
    max_findings: int | None = 8,
    include_not_significant: bool = False,
    kinds: Sequence[str] = KINDS,
) -> list[Finding]:
    """Key findings from every analysis, most important first.

    Parameters
    ----------
    ytd : YearToDate or collection, optional
        See :func:`ytd_findings`.
    spc : SpcResult, mapping or list of signal dicts, optional
        See :func:`spc_findings`.
    peers : pandas.DataFrame, optional
        A :func:`csp_analysis.analysis.rates.peer_comparison` table with a focus area.
    contributions : pandas.DataFrame, optional
        A :func:`contributions_to_change` table.
    noun : str
        What is counted ("offences", "incidents").
    series : str, optional
        Name prefixed to contribution findings.
    peer_period : str
        Period of the peer rates, e.g. "in the year ending December 2025".
    peer_group : str
        What the peer group is (see :func:`peer_findings`).
    max_findings : int or None
        Keep at most this many (None keeps all).
    include_not_significant : bool
        Report non-significant year-to-date changes too.
    kinds : sequence of str
        Which kinds of finding to consider.

    Returns
    -------
    list of Finding
        Ordered by importance (ties keep the order ytd, spc, peers, contributions).
    """
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise AnalysisError(
            f"key_findings: unknown kind(s) {', '.join(sorted(unknown))}; use {', '.join(KINDS)}"
        )
    if max_findings is not None and max_findings < 1:
        raise AnalysisError(f"key_findings: max_findings must be at least 1, got {max_findings}")
    found: list[Finding] = []
    if "ytd_change" in kinds:
        found += ytd_findings(ytd, noun, include_not_significant)
    if "spc_signal" in kinds:
        found += spc_findings(spc)
    if "peer_position" in kinds and peers is not None:
        found += peer_findings(peers, noun=noun, period=peer_period, group=peer_group)
    if "contribution" in kinds and contributions is not None:
        found += contribution_findings(contributions, noun, series=series)
    ordered = sorted(found, key=lambda f: -f.importance)  # stable: ties keep the input order
    return ordered if max_findings is None else ordered[:max_findings]
