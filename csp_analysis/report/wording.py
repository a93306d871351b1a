"""The one wording layer: every number, period and sentence a reader sees is written here.

Analysis (:mod:`csp_analysis.analysis`) returns numbers; sections, charts, tables and findings
turn them into text only through these functions, so the same figure is written the same way
everywhere on a page (a change of 5.3% is never "5%" two paragraphs later).

Conventions
-----------
* Counts: whole numbers with thousands separators ("12,345").
* Rates per 1,000: one decimal ("53.5"), in sentences and tables alike.
* Percentages (:func:`percent`): magnitude only (the sentence says "increase" or "decrease"),
  one decimal below 10% ("5.3%"), whole numbers from 10% ("13%"), so small changes keep their
  precision and large ones are not falsely precise.
* p-values (:func:`p_value`): "p < 0.001", three decimals below 0.01, otherwise two.
* Negative numbers use the true minus sign (U+2212); "-0.0" is written "0.0".
* GSS markers: ``[c]`` for a value withheld to protect confidentiality, ``[x]`` for not
  available (GSS guidance on symbols in tables, 2021).
* Periods come from :mod:`csp_analysis.core.calendar` and are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from csp_analysis.analysis.disclosure import SUPPRESSED
from csp_analysis.core.calendar import (
    MONTH_NAMES,
    financial_year,
    fy_quarter_label,
    month_label,
    period_label,
    year_ending_label,
)
from csp_analysis.core.config import load_display_names
from csp_analysis.core.exceptions import AnalysisError

__all__ = [
    "MONTH_NAMES",
    "NOT_AVAILABLE",
    "SUPPRESSED",
    "clause",
    "count",
    "financial_year",
    "fy_quarter_label",
    "indefinite_article",
    "join_words",
    "lower_first",
    "measure",
    "month_label",
    "number",
    "ordinal",
    "p_value",
    "percent",
    "period_label",
    "plural",
    "rate",
    "sentence",
    "sentence_start",
    "target",
    "significance",
    "year_ending_label",
]

#: GSS marker for a value that is not available.
NOT_AVAILABLE = "[x]"


# --------------------------------------------------------------------------- numbers


def _missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value, decimals: int = 0) -> str:
    """A number for reading: thousands separators, fixed decimals, a real minus sign.

    Parameters
    ----------
    value : number, str or None
        The value. Strings (markers such as ``"[c]"``, or text formatted upstream) pass through;
        None and NaN become ``"[x]"``.
    decimals : int, default 0
        Decimal places.

    Returns
    -------
    str
        For example ``number(12345.678, 1) == "12,345.7"`` and ``number(-2) == "\u22122"``.
    """
    if isinstance(value, str):
        return value
    if _missing(value):
        return NOT_AVAILABLE
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # "-0.0" reads as a negative nothing
    return text.replace("-", "\u2212")


def count(value) -> str:
    """A count: rounded to a whole number, with thousands separators ("1,234")."""
    return number(round(float(value)) if not _missing(value) else value, 0)


def rate(value) -> str:
    """A rate per 1,000: one decimal whatever its size ("53.5", "0.4")."""
    return number(value, 1)


def _half_up(value: float, places: int) -> Decimal:
    # Rounded half up, as ONS rounds (12.5% is "13%"), not Python's half-to-even.
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(value) -> str:
    """The magnitude of a percentage: one decimal below 10% ("5.3%"), whole from 10% ("13%"),
    rounded half up."""
    magnitude = abs(float(value))
    tenths = _half_up(magnitude, 1)
    return f"{tenths:.1f}%" if tenths < 10 else f"{_half_up(magnitude, 0):,.0f}%"


def p_value(p: float) -> str:
    """A p-value as printed beside a test: "p < 0.001", "p = 0.004", "p = 0.23"."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def significance(p: float | None, significant: bool) -> str:
    """ "statistically significant, p = 0.002" or "not statistically significant, p = 0.41"."""
    if p is None:
        return ""
    word = "statistically significant" if significant else "not statistically significant"
    return f"{word}, {p_value(p)}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 month", "3 months"; pass ``plural_form`` for irregular nouns."""
    return f"{n} {singular if n == 1 else (plural_form or singular + 's')}"


_LEADING_NUMBER = re.compile(r"^\s*([+\-\u2212]?)\s*(\d[\d,]*)(?:\.\d+)?")


def indefinite_article(value) -> str:
    """The indefinite article ("a" or "an") to put before a number, by how it is spoken.

    The article follows the sound of the first spoken word, which depends only on the leading
    group of digits (the part before "thousand", "million"...): "eight" (8, 8xx as "eight
    hundred"), "eleven", "eighteen" and "eighty(-)" (80-89) begin with a vowel sound; every
    other number begins with a consonant ("one", "two", ..., "nought point eight").

    Parameters
    ----------
    value : str, int or float
        The number as it will be printed (pass the formatted text, e.g. ``"8%"``,
        ``"1,800"`` or ``"11.5"``, so that the article matches the digits the reader sees);
        anything after the number (``%``, units) is ignored.

    Returns
    -------
    str
        ``"an"`` for 8, 11, 18, 80-89, 800-899, 8,000, 11,000, 18,000, 80,000-89,999,
        800,000-899,999, 8.5, ...; ``"a"`` otherwise (1, 10, 100, 1,100, 0.8, -8, ...).

    Raises
    ------
    AnalysisError
        If the text does not start with a number.

    Examples
    --------
    >>> f"{indefinite_article('8%')} 8% increase"
    'an 8% increase'
    >>> indefinite_article("1,800%"), indefinite_article(18_000)
    ('a', 'an')
    """
    text = str(value)
    match = _LEADING_NUMBER.match(text)
    if match is None:
        raise AnalysisError(f"indefinite_article: {text!r} does not start with a number")
    sign, digits = match.group(1), match.group(2).replace(",", "")
    if sign in ("-", "\u2212"):
        return "a"  # "minus ..."
    digits = digits.lstrip("0")
    if not digits:
        return "a"  # "nought" / "zero", e.g. 0.8
    # The leading group of one to three digits is said first, then "thousand", "million"...
    leading = int(digits[: len(digits) % 3 or 3])
    first = leading // 100 if leading >= 100 else leading  # 8xx is "eight hundred ..."
    vowel = first == 8 or first in (11, 18) or 80 <= first <= 89
    return "an" if vowel else "a"


# --------------------------------------------------------------------------- sentences


def sentence_start(text: str) -> str:
    """Capitalise the first letter only ("rate per 1,000" -> "Rate per 1,000")."""
    return text[:1].upper() + text[1:]


def sentence(text: str) -> str:
    """One sentence: white space folded, first letter capitalised, a full stop at the end."""
    text = " ".join(str(text).split())
    text = sentence_start(text)
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def lower_first(text: str) -> str:
    """Lower-case the first word for use mid-sentence, unless it is a name or an acronym.

    "Monthly offences in Telford" -> "monthly offences in Telford"; "Average" -> "average";
    but "West Mercia average" (a name of several capitalised words) and "ASB" stay.
    """
    words = str(text).split(" ", 2)
    first = words[0]
    if len(first) < 2 or not first[1:].islower() or not first[:1].isupper():
        return text
    if len(words) > 1 and words[1][:1].isupper():
        return text  # "West Mercia ...", "South Worcestershire ...": a proper name
    return text[:1].lower() + text[1:]


def clause(text: str) -> str:
    """A sentence made into a clause to follow a colon or "because": no full stop, first
    letter lowered unless the first word is a name or an acronym."""
    text = " ".join(str(text).split()).rstrip(".")
    return lower_first(text)


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """ "a", "a and b", "a, b and c" (no serial comma, as GOV.UK style); or "a, b or c"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


# --------------------------------------------------------------------------- priorities


def measure(priority, method: str = "definition") -> str:
    """What a priority's count is called in a sentence: its configured ``measure``
    ("recorded crimes"), else "<title> offences"; a proxy measure says it is one."""
    if priority.measure:
        return priority.measure
    title = priority.title[:1].lower() + priority.title[1:]
    if method == "proxy":
        return f"offences in the {title} proxy measure"
    return f"{title} offences"


def target(target, annual: float | None = None) -> str:
    """A performance target in words, as partnerships state them: "maintain the level of
    9,500 a year", "5.0% fewer than in 2024/25 (1,234 a year)", or, with no target set, "the
    same quarter a year earlier"."""
    if target is None:
        return "the same quarter a year earlier"
    if target.level is not None:
        return f"maintain the level of {count(target.level)} a {target.per}"
    more = "fewer" if target.change_pct < 0 else "more"
    text = f"{percent(target.change_pct)} {more} than in {target.baseline}"
    return text + (f" ({count(annual)} a year)" if annual is not None else "")


# --------------------------------------------------------------------------- analysis results
# One function per analysis result: the result carries numbers, these write the sentences.


def year_to_date(result, noun: str = "offences", singular: str | None = None) -> str:
    """The change between a year-to-date total and the same months a year earlier.

    Parameters
    ----------
    result : csp_analysis.analysis.series.YearToDate
        The comparison (exact conditional test of two Poisson counts).
    noun : str, default "offences"
        Plural noun for the counted things ("incidents" for ASB).
    singular : str, optional
        Singular form (default: ``noun`` without its final "s").

    Returns
    -------
    str
        e.g. "13% increase, or 570 more offences, compared with the same period last year
        (statistically significant, p = 0.002)".
    """
    if not result.available:
        return f"No comparison with the same period last year: {result.reason}"
    singular = singular or (noun[:-1] if noun.endswith("s") else noun)
    change = int(round(result.change))
    what = singular if abs(change) == 1 else noun
    tested = significance(result.p_value, result.significant)
    tail = f"compared with the same period last year ({tested})"
    if change == 0:
        return f"No change: {count(result.current)} {noun} in both periods ({tested})"
    more = "more" if change > 0 else "fewer"
    if result.pct_change is None:
        return f"{count(abs(change))} {more} {what} ({count(result.current)}, up from none), {tail}"
    return (
        f"{percent(result.pct_change)} {result.direction}, or {count(abs(change))} "
        f"{more} {what}, {tail}"
    )


def _signed_percent(value: float) -> str:
    return number(value, 1) if value < 0 else "+" + number(value, 1)


def trend(result, subject: str = "the count") -> str:
    """One sentence on the underlying trend of a fitted trend model
    (:class:`csp_analysis.analysis.trend.TrendResult`)."""
    what = f"{subject} per head of population" if result.per_population else subject
    span = f"between {month_label(result.start)} and {month_label(result.end)}"
    adjusted = "after allowing for the seasonal pattern"
    if len(result.effects):
        adjusted += " and the intervention periods and step changes given"
    interval = f"95% interval {_signed_percent(result.lower)}% to {_signed_percent(result.upper)}%"
    if not result.significant:
        return (
            f"There is no clear underlying trend in {what} {span}, {adjusted}: the estimate "
            f"is {_signed_percent(result.annual_pct_change)}% a year ({interval})."
        )
    verb = "rose" if result.annual_pct_change > 0 else "fell"
    return (
        f"{sentence_start(what)} {verb} by an underlying "
        f"{number(abs(result.annual_pct_change), 1)}% a year {span}, {adjusted} ({interval})."
    )


def expected_vs_observed(result, subject: str = "the count") -> str:
    """What happened against what the earlier trend predicted
    (:class:`csp_analysis.analysis.trend.ExpectedVsObserved`)."""
    start, end = result.frame.index[0], result.frame.index[-1]
    base = (
        f"From {month_label(start)} to {month_label(end)} {subject} was "
        f"{count(result.observed_total)}, against {count(result.expected_total)} expected from "
        f"the trend to {month_label(result.fit.end)} ({result.level:.0%} interval "
        f"{count(result.lower_total)} to {count(result.upper_total)})"
    )
    if result.lower_total <= result.observed_total <= result.upper_total:
        return base + ": within what the earlier trend predicted."
    word = "above" if result.observed_total > result.upper_total else "below"
    return base + f": {percent(result.difference_pct)} {word} expectation."


def _strength(value: float) -> str:
    # Thresholds are conventional reading aids, not tests: FPP3 treats > 0.64 as strong.
    if value >= 0.64:
        return "strong"
    if value >= 0.3:
        return "moderate"
    return "weak"


def _season_name(label) -> str:
    abbreviations = [name[:3] for name in MONTH_NAMES]
    if isinstance(label, str) and label in abbreviations:
        return MONTH_NAMES[abbreviations.index(label)]
    return f"season position {label}"


def seasonality(result) -> str:
    """One or two sentences on the seasonal pattern and trend of an STL decomposition
    (:class:`csp_analysis.analysis.seasonality.Decomposition`)."""
    if not result.ok:
        return f"No seasonal decomposition: {result.reason}."
    indices = result.seasonal_indices
    high, low = indices.idxmax(), indices.idxmin()
    text = (
        f"Seasonality is {_strength(result.strength_seasonal)} (strength "
        f"{result.strength_seasonal:.2f}): {_season_name(high)} runs "
        f"{100 * (indices[high] - 1):.0f}% above an average month and {_season_name(low)} "
        f"{100 * (1 - indices[low]):.0f}% below."
    )
    text += (
        f" The trend is {_strength(result.strength_trend)} (strength {result.strength_trend:.2f})."
    )
    if result.n_gaps_filled:
        text += f" {plural(result.n_gaps_filled, 'missing month')} were interpolated for the fit."
    return text


def _month_span(first, last) -> str:
    return f"{first:%b %Y}" if first == last else f"{first:%b %Y} to {last:%b %Y}"


def backtest(result) -> str:
    """Which model won a rolling-origin backtest and by how much
    (:class:`csp_analysis.analysis.forecast.BacktestResult`)."""
    span = _month_span(result.origins[0], result.origins[-1])
    text = (
        f"Backtest over {plural(len(result.origins), 'forecast origin')} ({span}), "
        f"{result.horizon} months ahead: {result.chosen_model} had the lowest error (MASE "
        f"{result.mase[result.chosen_model]:.2f}"
    )
    if result.chosen_model == "seasonal_naive":
        return text + "); no model beat the seasonal naive forecast."
    return text + (
        f", {100 * (1 - result.relative_mase):.0f}% below the seasonal naive's "
        f"{result.mase['seasonal_naive']:.2f})."
    )


def _in_how_many(level: float) -> str:
    """``0.95`` -> "about 19 months out of 20"; ``0.8`` -> "about 4 months out of 5"."""
    for out_of in (2, 3, 4, 5, 10, 20):  # the simplest fraction
        inside = level * out_of
        if abs(inside - round(inside)) < 1e-9:
            return f"about {round(inside)} months out of {out_of}"
    return f"about {percent(100 * level)} of months"


def forecast_band(level: float, calibrated: bool, n_errors: int) -> str:
    """What the shaded forecast range means, for a board member; or why none is drawn."""
    if not calibrated:
        return (
            "No range is drawn around the forecast: there is not yet enough history to test "
            "how often such a range would hold, so the line is a central estimate only and "
            "should be read as a rough guide."
        )
    return (
        f"In {_in_how_many(level)}, the recorded count should fall inside the shaded range if "
        "nothing changes. The range is set from how far this model's forecasts missed when "
        f"it was tested on earlier years ({plural(n_errors, 'forecast month')}), not only from "
        "the model's own assumptions, which are often too narrow."
    )


def forecast(result, description: str) -> str:
    """The total forecast for the horizon with its interval
    (:class:`csp_analysis.analysis.forecast.ForecastResult`); ``description`` names the model."""
    span = _month_span(result.mean.index[0], result.mean.index[-1])
    chosen = "chosen by backtest" if result.backtest is not None else "set by the caller"
    intervals = (
        f"monthly {result.level:.0%} prediction intervals calibrated on the backtest"
        if result.calibrated
        else f"monthly {result.level:.0%} prediction intervals are the model's own, not checked"
    )
    return (
        f"{description} forecasts about {count(result.mean.sum())} in total for {span} "
        f"({intervals}; the model was {chosen})."
    )


_SPC_RULES = {
    "beyond_limits": ("point beyond a process limit", "points beyond a process limit"),
    "shift": ("run on one side of the mean", "runs on one side of the mean"),
    "trend": ("trend of consecutive rises or falls", "trends of consecutive rises or falls"),
    "two_of_three": ("two-of-three near-limit pattern", "two-of-three near-limit patterns"),
}


def spc_limits(result) -> str:
    """The centre line and process limits of the latest segment of an XmR chart."""
    limits = result.latest_limits
    return (
        f"Values vary around a mean of {number(limits['mean'], 1)}, with process limits "
        f"{number(limits['lcl'], 1)} to {number(limits['ucl'], 1)}"
    )


def spc(result) -> str:
    """A plain reading of an XmR chart (:class:`csp_analysis.analysis.spc.SpcResult`)."""
    text = f"{spc_limits(result)}; the latest point shows {result.variation}."
    if result.signals:
        counts = pd.Series([s["rule"] for s in result.signals]).value_counts()
        parts = [plural(int(n), *_SPC_RULES[rule]) for rule, n in counts.items()]
        text += " Signals: " + ", ".join(parts) + "."
    else:
        text += " No special-cause signals."
    if result.assurance is not None:
        text += (
            f" Against the target of {number(result.target, 1)} the process is {result.assurance}."
        )
    return text


# --------------------------------------------------------------------------- categories
# Analysis results name their categories with short codes (NHS "Making Data Count" variation
# types, funnel positions, model ids); these are the words a reader sees for them.

_SPC_VARIATION = {
    "common cause": "common cause (no significant change)",
    "special cause improving": "special cause, improving",
    "special cause concerning": "special cause, concerning",
    "special cause neither": "special cause (neither better nor worse)",
}
_FUNNEL_POSITION = {
    "within limits": "it lies within the funnel limits (no more different than chance allows)",
    "above 95% limit": "it lies above the 95% upper funnel limit",
    "below 95% limit": "it lies below the 95% lower funnel limit",
    "above 99.8% limit": "it lies above the 99.8% upper funnel limit",
    "below 99.8% limit": "it lies below the 99.8% lower funnel limit",
}
_FORECAST_MODEL = {
    "seasonal_naive": "a seasonal naive forecast (each month as the same month a year earlier)",
    "ets": "an exponential smoothing (ETS) model",
    "sarima": "a seasonal ARIMA (airline) model",
}


def spc_variation(variation: str) -> str:
    """An SPC variation type in words ("special cause, improving")."""
    return _SPC_VARIATION.get(variation, variation)


def funnel_position(position: str) -> str:
    """Where an area lies on a funnel plot, as a clause ("it lies above the 95% ...")."""
    return _FUNNEL_POSITION.get(position, position)


def forecast_model(model: str) -> str:
    """A forecasting model's id in words ("an exponential smoothing (ETS) model")."""
    return _FORECAST_MODEL.get(model, model)


def _either(values) -> str:
    return join_words(values, "or")


def priority_clause(clause) -> str:
    """A clause of a priority definition in words: its fields joined by "and", each field's
    values by "or" ("in the police.uk category Burglary and with the outcome ...")."""
    flag_names = load_display_names().flags
    parts = []
    if clause.crime_types:
        parts.append("in the police.uk category " + _either(clause.crime_types))
    if clause.exclude_crime_types:
        parts.append("in any category except " + " and ".join(clause.exclude_crime_types))
    if clause.offence_subgroups:
        parts.append("in the Home Office offence subgroup " + _either(clause.offence_subgroups))
    if clause.offence_codes:
        parts.append("with Home Office offence code " + _either(clause.offence_codes))
    if clause.outcomes:
        parts.append("with the outcome " + _either(clause.outcomes))
    if clause.flags:
        parts.append(
            "flagged by the police as " + _either(flag_names.get(f, f) for f in clause.flags)
        )
    if clause.victim_sex:
        parts.append("with a " + {"F": "female", "M": "male"}[clause.victim_sex] + " victim")
    return ", and ".join(parts) if len(parts) > 2 else " and ".join(parts)


# --------------------------------------------------------------------------- peer groups

#: How every page names a computed peer group: never to be mistaken for the official MSG.
NEAREST_NEIGHBOURS = "nearest neighbours on ONS indicators, not the Home Office MSG"


def peer_group(group, area: str, members: Sequence[str]) -> str:
    """Who is in a partnership's peer group and how it was chosen, for the page.

    ``group`` is a :class:`csp_analysis.analysis.peers.PeerGroup`; ``members`` its peers' names.
    """
    names = join_words(list(members))
    if group.method == "user":
        return (
            f"{area}'s most similar group is the list of {plural(len(members), 'partnership')} "
            f"supplied for it ({group.source.rstrip('.')}): {names}."
        )
    text = (
        f"{area} is compared with the {plural(len(members), 'partnership area')} most like it "
        f"on ONS indicators ({NEAREST_NEIGHBOURS}): {names}. They are its nearest neighbours on "
        "population density, age structure, housing tenure, car ownership, occupation and "
        "deprivation (Census 2021; English Indices of Deprivation 2019); the Home Office's own "
        "most similar groups are not published openly."
    )
    if "imd_average_score" in group.variables_missing:
        text += (
            " The Index of Multiple Deprivation covers England only, so this Welsh partnership "
            "is matched on the other indicators."
        )
    return text


def national_source(source: str, synthetic: bool) -> str:
    """Where the national counts come from."""
    if synthetic:
        return (
            "Every count here is a synthetic demonstration figure, laid out like the Home "
            "Office tables; none is real."
        )
    if source == "home_office":
        return (
            "Counts: Home Office, police recorded crime by Community Safety Partnership (open "
            "data tables), which may differ slightly from the police.uk counts elsewhere in "
            "this report."
        )
    return "Counts: police.uk street-level records of every force."


# --------------------------------------------------------------------------- hotspots


def hotspots(n_hot: int, n_cold: int, n_areas: int, alpha: float, change=None) -> str:
    """What the hotspot test found, and how it changed from the year before."""
    found = []
    if n_hot:
        found.append(plural(n_hot, "hot spot"))
    if n_cold:
        found.append(plural(n_cold, "cold spot"))
    text = (
        f"Of {count(n_areas)} neighbourhoods, the test finds "
        + (join_words(found) if found else "no hot or cold spot")
        + ": clusters of neighbourhoods whose counts, taken with their neighbours', are higher "
        "(hot) or lower (cold) than chance would make them, allowing for the many "
        f"neighbourhoods tested (false discovery rate {percent(100 * alpha)})."
    )
    if change is not None:
        tally = change[change != ""].value_counts()
        text += (
            " Against the year before: "
            + join_words([plural(int(n), kind) for kind, n in tally.items()]) + "."
            if len(tally) else " Nothing changed from the year before."
        )  # fmt: skip
    return text
