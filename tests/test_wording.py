"""The wording layer: each format against hand-worked values, and one way of writing each figure
on a real page (the sections of a demo all-crime summary and thematic review)."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from csp_analysis.analysis import same_period
from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.core.paths import PROCESSED_DIR
from csp_analysis.report import review, wording


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5.3, "5.3%"),
        (-5.3, "5.3%"),  # the sentence says "decrease"
        (0.04, "0.0%"),
        (8, "8.0%"),
        (9.94, "9.9%"),
        (9.96, "10%"),  # rounds to 10.0, so written as a whole number
        (10, "10%"),
        (13.4, "13%"),
        (1234.5, "1,235%"),
        (12.5, "13%"),  # half up, as ONS rounds
        (0.05, "0.1%"),
    ],
)
def test_percent_one_decimal_below_ten(value, expected):
    assert wording.percent(value) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12345.678, 1, "12,345.7"),
        (-2, 0, "\u22122"),
        (-0.04, 1, "0.0"),
        (None, 0, "[x]"),
        (float("nan"), 1, "[x]"),
        ("[c]", 0, "[c]"),
    ],
)
def test_number(value, decimals, expected):
    assert wording.number(value, decimals) == expected


def test_counts_rates_and_p_values():
    assert wording.count(1234.4) == "1,234"
    assert wording.count(2.5) == "2"  # round half to even, as Python and pandas do
    assert wording.rate(53.46) == "53.5"
    assert wording.rate(0.04) == "0.0"
    assert wording.p_value(0.0004) == "p < 0.001"
    assert wording.p_value(0.0042) == "p = 0.004"
    assert wording.p_value(0.234) == "p = 0.23"
    assert wording.significance(0.01, True) == "statistically significant, p = 0.01"
    assert wording.significance(None, False) == ""


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
     (13, "13th"), (21, "21st"), (101, "101st"), (111, "111th"), (112, "112th")],
)  # fmt: skip
def test_ordinal(n, expected):
    assert wording.ordinal(n) == expected


def test_sentences_and_clauses():
    assert wording.sentence("  the count   rose ") == "The count rose."
    assert wording.sentence("Is it?") == "Is it?"
    assert wording.clause("The data cover 12 months.") == "the data cover 12 months"
    assert wording.clause("ASB is counted separately.") == "ASB is counted separately"
    assert wording.lower_first("Monthly offences in Telford") == "monthly offences in Telford"
    assert wording.lower_first("Average") == "average"
    assert wording.lower_first("West Mercia average") == "West Mercia average"
    assert wording.join_words(["a"]) == "a"
    assert wording.join_words(["a", "b", "c"]) == "a, b and c"
    assert wording.join_words(["a", "b"], "or") == "a or b"
    assert wording.plural(1, "month") == "1 month"
    assert wording.plural(3, "month") == "3 months"


def test_periods_come_from_the_calendar():
    assert wording.month_label("2025-09") == "September 2025"
    assert wording.period_label("2025-04", "2025-09") == "April to September 2025"
    assert wording.period_label("2025-04", "2026-01") == "April 2025 to January 2026"
    assert wording.fy_quarter_label("2026-01") == "2025/26 Q4"
    assert wording.year_ending_label("2025-12") == "year ending December 2025"


def test_indefinite_article_needs_a_number():
    with pytest.raises(AnalysisError, match="does not start with a number"):
        wording.indefinite_article("about 8")


def test_year_to_date_sentence_uses_the_same_percent_as_everywhere():
    months = pd.date_range("2024-04-01", "2025-09-01", freq="MS")
    counts = [100] * 12 + [105, 106, 105, 106, 105, 106]  # +5.3% on the same months
    result = same_period.year_to_date(pd.DataFrame({"month": months, "count": counts}), "2025-09")
    text = wording.year_to_date(result)
    assert text.startswith(f"{wording.percent(result.pct_change)} increase, or 33 more offences")
    assert "5.5% increase" in text


# --------------------------------------------------------------------------- on a real page

_PERCENT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})*(?:\.\d+)?)%")


def _text(fragment: str) -> str:
    """The words of an HTML fragment (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _renderings_of(percent: float, text: str) -> set[str]:
    """Every percentage printed in ``text`` that could be a rounding of ``percent``."""
    found = set()
    for match in _PERCENT.finditer(text):
        value = float(match.group(1).replace(",", ""))
        if abs(value - abs(percent)) < 0.51:
            found.add(match.group(0))
    return found


@pytest.fixture(scope="module")
def demo_context():
    if not (PROCESSED_DIR / "crimes.parquet").is_file():
        pytest.fail("no demo data in data/processed: run `make data` (make test does)")
    return review.load_context(csp="herefordshire", period_end="2025-09")


def test_the_context_names_its_periods_with_the_calendar(demo_context):
    assert demo_context.year_label == "year ending September 2025"


def test_a_real_page_writes_each_figure_one_way(demo_context, monkeypatch):
    monkeypatch.setenv(review.STRICT_ENV, "1")
    ctx = demo_context
    page = _text(
        "\n".join(
            s.html()
            for s in (review.headline(ctx), review.key_findings(ctx), review.year_to_date(ctx))
        )
    )
    item = review.focus(ctx)
    frame = pd.DataFrame({"month": item.monthly.index, "count": item.monthly.to_numpy()})
    ytd = same_period.year_to_date(frame, ctx.period_end)
    assert ytd.available and ytd.pct_change is not None
    expected = wording.percent(ytd.pct_change)
    renderings = _renderings_of(ytd.pct_change, page)
    # The change appears in the headline, the findings and the year-to-date sentence, always
    # as the wording layer writes it (never "5%" beside "5.3%").
    assert renderings == {expected}, (ytd.pct_change, renderings)
    assert page.count(expected) >= 2
    # The year-to-date totals are written one way too.
    assert wording.count(ytd.current) in page
    assert f"{ytd.current:.0f} " not in page or ytd.current < 1000
