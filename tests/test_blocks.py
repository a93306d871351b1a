"""Tests for csp_analysis.report.blocks: table markup (captions, scopes, alignment, separators, [c] and
[x] notes), the figure block (image, alt text, caption, data table, embedded CSV), the text
blocks, escaping, well-formedness, determinism and the stylesheet covering every class used."""

from __future__ import annotations

import base64
import io
import itertools
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from csp_analysis.core.exceptions import ReportError
from csp_analysis.report import blocks, charts
from csp_analysis.report.blocks import (
    BLOCKS_CSS,
    DATA_SUMMARY,
    Headline,
    caveat_block,
    csv_text,
    findings_block,
    headline_block,
    paragraph_block,
    section,
    table_block,
)
from csp_analysis.report.charts import figure_block

MONTHS = pd.date_range("2024-04-01", periods=12, freq="MS")
VOID = {"img", "br", "hr", "meta", "link", "input", "col", "source", "wbr"}


class _Tree(HTMLParser):
    """Records elements with their attributes and checks every tag is closed in order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.elements: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(fragment: str) -> _Tree:
    tree = _Tree()
    tree.feed(fragment)
    tree.close()
    assert tree.stack == [], f"unclosed elements {tree.stack}"
    return tree


def cells(fragment: str, tag: str) -> list[tuple[str, str]]:
    """(class, text) of every <tag> cell, in order."""
    pattern = re.compile(rf"<{tag}((?:\s[^>]*)?)>(.*?)</{tag}>", re.S)
    out = []
    for attrs, text in pattern.findall(fragment):
        css = re.search(r'class="([^"]*)"', attrs)
        out.append((css.group(1) if css else "", text))
    return out


@pytest.fixture(autouse=True)
def fresh_ids(monkeypatch):
    # Each notebook runs in a fresh kernel; each test gets a fresh id counter the same way.
    monkeypatch.setattr(blocks, "_ids", itertools.count(1))
    monkeypatch.setattr(blocks, "_anchors", {})


# --------------------------------------------------------------------------- tables


def test_table_has_caption_scopes_alignment_and_separators():
    frame = pd.DataFrame(
        {
            "Offences": [12345, 678],
            "Rate per 1,000 residents": [65.04, 3.5],
            "Trend": ["Up", "Down"],
        },
        index=pd.Index(["Herefordshire", "Shropshire"], name="Partnership"),
    )
    html = table_block(frame, "Offences by partnership", note="Source: police.uk")
    tree = parse(html)
    tags = [t for t, _ in tree.elements]
    assert tags.count("caption") == 1 and "<caption" in html
    heads = cells(html, "th")
    assert heads[0] == ("", "Partnership")
    assert [c for c, _ in heads[1:3]] == ["num", "num"] and heads[3] == ("", "Trend")
    assert re.findall(r'<th scope="(col|row)"', html) == ["col"] * 4 + ["row"] * 2
    data = cells(html, "td")
    assert data[:3] == [("num count", "12,345"), ("num", "65.0"), ("", "Up")]
    assert "Source: police.uk" in html
    region = next(a for t, a in tree.elements if a.get("role") == "region")
    caption = next(a for t, a in tree.elements if t == "caption")
    assert region["tabindex"] == "0" and region["aria-labelledby"] == caption["id"]
    table = next(a for t, a in tree.elements if t == "table")
    note = next(a for t, a in tree.elements if a.get("class") == "csp-table-notes")
    assert table["aria-describedby"] == note["id"]


def test_suppressed_and_missing_cells_are_marked_and_explained():
    frame = pd.DataFrame(
        {"Area": ["A", "B", "Total"], "Offences": ["1,234", "[c]", "[c]"], "Rate": [1.5, None, 2.0]}
    )
    html = table_block(frame, "Hate crimes")
    data = cells(html, "td")
    assert data == [
        ("num count", "1,234"),
        ("num", "1.5"),
        ("num count", "[c]"),
        ("num", "[x]"),
        ("num count", "[c]"),
        ("num", "2.0"),
    ]
    assert blocks.SUPPRESSED_NOTE in html and blocks.NOT_AVAILABLE_NOTE in html
    # The default RangeIndex is not shown; the first column names the rows.
    assert re.findall(r'<th scope="row">(.*?)</th>', html) == ["A", "B", "Total"]
    custom = table_block(frame, "Hate crimes", suppression_note="Counts of 1 to 4 are [c].")
    assert "Counts of 1 to 4 are [c]." in custom and blocks.SUPPRESSED_NOTE not in custom


def test_no_note_when_nothing_needs_explaining():
    html = table_block(pd.DataFrame({"A": ["x"], "B": [1]}), "Plain")
    assert "csp-table-notes" not in html and "aria-describedby" not in html


def test_number_formats_years_months_and_custom():
    frame = pd.DataFrame(
        {"Financial year": [2023, 2024], "Offences": [1500.0, 1600.0], "Change": [0.123, -0.05]},
    )
    html = table_block(frame, "By year", number_format={"Change": lambda v: f"{v:+.1%}"})
    assert re.findall(r'<th scope="row">(.*?)</th>', html) == ["2023", "2024"]
    data = [text for _, text in cells(html, "td")]
    assert data == ["1,500", "+12.3%", "1,600", "-5.0%"]
    assert 'class="num count">1,500' in html  # a whole-number column is a count
    assert 'class="num">+12.3%' in html  # a custom-formatted column is not
    monthly = pd.DataFrame({"Offences": [1, 2]}, index=pd.Index(MONTHS[:2], name="Month"))
    html = table_block(monthly, "Monthly", number_format=2)
    assert re.findall(r'<th scope="row">(.*?)</th>', html) == ["April 2024", "May 2024"]
    assert [t for _, t in cells(html, "td")] == ["1.00", "2.00"]
    negative = table_block(pd.DataFrame({"A": ["x"], "Change": [-1234.5]}), "Neg")
    assert "\u22121,234.5" in negative


def test_count_columns_default_and_explicit():
    frame = pd.DataFrame(
        {"Area": ["A"], "Offences": [3], "Population": [189890], "Rate per 1,000": [1.0]}
    )
    html = table_block(frame, "Counts")
    assert [c for c, _ in cells(html, "td")] == ["num count", "num", "num"]
    html = table_block(frame, "Counts", count_columns=["Population"])
    assert [c for c, _ in cells(html, "td")] == ["num", "num count", "num"]
    with pytest.raises(ReportError, match="count column 'Nope' is not in the table"):
        table_block(frame, "Counts", count_columns=["Nope"])


def test_text_is_escaped_everywhere():
    frame = pd.DataFrame(
        {"<b>Col</b>": ["<script>alert(1)</script>"]},
        index=pd.Index(['"quoted" & <i>'], name="<Row>"),
    )
    html = table_block(frame, "<img src=x onerror=alert(1)>", note="<a href='http://x'>")
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&quot;quoted&quot; &amp; &lt;i&gt;" in html
    parse(html)


def test_table_validation():
    with pytest.raises(ReportError, match="every table needs a caption"):
        table_block(pd.DataFrame({"A": [1]}), " ")
    with pytest.raises(ReportError, match="expected a pandas DataFrame"):
        table_block([1, 2], "Caption")
    with pytest.raises(ReportError, match="column 'A' appears twice"):
        table_block(pd.DataFrame([[1, 2]], columns=["A", "A"]), "Caption")


def test_multiindex_columns_are_flattened():
    frame = pd.DataFrame(
        [[1, 2]],
        columns=pd.MultiIndex.from_tuples([("2024", "Q1"), ("2024", "Q2")]),
        index=pd.Index(["A"], name="Area"),
    )
    html = table_block(frame, "Quarters")
    assert ">2024 - Q1</th>" in html and ">2024 - Q2</th>" in html


# --------------------------------------------------------------------------- CSV


def test_csv_round_trips_numbers_and_markers():
    frame = pd.DataFrame(
        {"Offences": [1234.0, np.nan, 5.0], "Rate": ["[c]", 1.25, 2.0]},
        index=pd.Index(MONTHS[:3], name="Month"),
    )
    text = csv_text(frame, {"Rate": 1})
    assert text.splitlines()[0] == "Month,Offences,Rate"
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(back["Month"]) == ["2024-04", "2024-05", "2024-06"]
    assert list(back["Offences"]) == ["1234", "[x]", "5"]
    assert list(back["Rate"]) == ["[c]", "1.2", "2.0"]
    assert text.endswith("\r\n")


def test_csv_quotes_and_defuses_formulas():
    frame = pd.DataFrame({"Name": ["=HYPERLINK(1)", "a, b", 'say "hi"', "-x", "+1"], "N": range(5)})
    lines = csv_text(frame).splitlines()
    assert lines[1].startswith("'=HYPERLINK(1),")
    assert lines[2].startswith('"a, b",') and lines[3].startswith('"say ""hi""",')
    assert lines[4].startswith("'-x,") and lines[5].startswith("'+1,")


def test_a_formula_holding_a_comma_or_after_spaces_is_defused_too():
    cells = ['=HYPERLINK("http://x","y")', " =1+1", "\t=1", "@SUM(A1,A2)", "-2.5", "plain"]
    lines = csv_text(pd.DataFrame({"Name": cells, "N": range(6)})).splitlines()
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",0'
    assert lines[2] == "' =1+1,1"
    assert lines[3] == "'\t=1,2"
    assert lines[4] == '"\'@SUM(A1,A2)",3'
    assert lines[5] == "-2.5,4" and lines[6] == "plain,5"


# --------------------------------------------------------------------------- figures


def demo_chart() -> charts.Chart:
    counts = pd.Series(np.arange(95, 107, dtype=float), index=MONTHS)
    counts.iloc[3] = np.nan
    return charts.trend_chart(
        counts,
        measure="domestic abuse offences",
        area="Herefordshire",
        rolling_window=3,
        usual_range=(80, 120),
    )


def test_figure_block_structure_image_table_and_download():
    chart = demo_chart()
    html = figure_block(chart)
    tree = parse(html)
    order = [
        t
        for t, _ in tree.elements
        if t in ("figure", "img", "figcaption", "details", "summary", "table", "a")
    ]
    assert order == ["figure", "img", "figcaption", "details", "summary", "table", "a"]
    img = next(a for t, a in tree.elements if t == "img")
    assert img["alt"] == chart.alt and img["src"].startswith("data:image/png;base64,")
    png = base64.b64decode(img["src"].split(",", 1)[1])
    width, height = charts.png_size(png)
    assert (int(img["width"]), int(img["height"])) == (round(width / 1.5), round(height / 1.5))
    assert f"<figcaption>{chart.caption}</figcaption>" in html
    assert (
        f'<summary>{DATA_SUMMARY}<span class="csp-visually-hidden">: {chart.caption}</span>'
        "</summary>" in html
    )
    assert "<caption id=" in html and f"Data for: {chart.caption}</caption>" in html
    link = next(a for t, a in tree.elements if t == "a")
    assert link["download"] == "domestic-abuse-offences-herefordshire-monthly.csv"
    prefix = "data:text/csv;charset=utf-8;base64,"
    assert link["href"].startswith(prefix)
    payload = base64.b64decode(link["href"][len(prefix) :]).decode("utf-8")
    assert payload == "\ufeff" + csv_text(chart.data, chart.decimals)
    assert payload.splitlines()[4].startswith("2024-07,[x],")  # the gap, marked not zero
    assert "<script" not in html and "style=" not in html


def test_figure_block_refuses_missing_alt_or_caption():
    chart = demo_chart()
    chart.alt = "  "
    with pytest.raises(ReportError, match="has no alt text"):
        figure_block(chart)
    chart = demo_chart()
    chart.caption = ""
    with pytest.raises(ReportError, match="has no caption"):
        figure_block(chart)
    with pytest.raises(ReportError, match="expected a Chart"):
        figure_block("chart.png")


def test_chart_displays_itself_accessibly_in_a_notebook():
    chart = demo_chart()
    assert chart._repr_html_().startswith('<div class="csp-chart">')


def test_output_is_deterministic(monkeypatch):
    first = figure_block(demo_chart()) + table_block(pd.DataFrame({"A": ["x"], "B": [1]}), "T")
    monkeypatch.setattr(blocks, "_ids", itertools.count(1))
    second = figure_block(demo_chart()) + table_block(pd.DataFrame({"A": ["x"], "B": [1]}), "T")
    assert first == second
    ids = re.findall(r' id="([^"]+)"', first)
    assert len(ids) == len(set(ids))  # unique within a page


# --------------------------------------------------------------------------- text blocks


def test_section_headings():
    assert section("Trends & patterns") == '<h2 id="trends-patterns">Trends &amp; patterns</h2>'
    assert section("Detail", 3, anchor="d1") == '<h3 id="d1">Detail</h3>'
    assert (
        section("Trends & patterns", 3) == '<h3 id="trends-patterns-2">Trends &amp; patterns</h3>'
    )
    with pytest.raises(ReportError, match="heading level must be 2, 3 or 4"):
        section("Title", 1)
    with pytest.raises(ReportError, match="empty heading"):
        section("  ")


def test_headline_block():
    html = headline_block(
        [
            Headline("Offences", 12345, "up 5% on the year before"),
            ("Rate per 1,000", 65.04, None, 1),
            {"label": "Rank", "value": "3rd of 6"},
        ],
        heading="Key figures",
    )
    tree = parse(html)
    assert [t for t, _ in tree.elements].count("dt") == 3
    values = re.findall(r'<dd class="csp-headline-value">(.*?)</dd>', html)
    assert values == ["12,345", "65.0", "3rd of 6"]
    assert '<dd class="csp-headline-context">up 5% on the year before</dd>' in html
    assert '<h3 id="key-figures">Key figures</h3>' in html
    with pytest.raises(ReportError, match="no key figures"):
        headline_block([])
    with pytest.raises(ReportError, match="cannot read 5 as a key figure"):
        headline_block([5])


def test_findings_and_caveat_and_paragraphs():
    html = findings_block(["Offences rose by 5%.", "", "<b>bold</b> claim"])
    assert html.count("<li>") == 2 and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert '<h3 id="key-findings">Key findings</h3>' in html
    assert "No findings to report" in findings_block([], heading=None)
    caveat = caveat_block(["police.uk data carries   no flag.", "Second."], title="Proxy")
    assert caveat.startswith('<div class="csp-caveat" role="note">')
    assert (
        '<strong class="csp-caveat-title">Proxy:</strong> police.uk data carries no flag.' in caveat
    )
    assert "<p>Second.</p>" in caveat
    with pytest.raises(ReportError, match="empty caveat"):
        caveat_block([" "])
    assert paragraph_block("One & two", "") == "<p>One &amp; two</p>"
    for fragment in (html, caveat):
        parse(fragment)


def test_stylesheet_covers_every_class_the_blocks_use():
    chart = demo_chart()
    html = "".join(
        [
            figure_block(chart),
            table_block(pd.DataFrame({"A": ["x"], "B": ["[c]"]}), "T"),
            headline_block([("a", 1, "b")], heading="H"),
            findings_block(["x"]),
            caveat_block("c"),
        ]
    )
    used = {c for attr in re.findall(r'class="([^"]+)"', html) for c in attr.split()}
    used = {c for c in used if c.startswith("csp-")}
    defined = set(re.findall(r"\.(csp-[a-z-]+)", BLOCKS_CSS))
    assert used - defined - {"csp-corner"} == set()
    assert "@media print" in BLOCKS_CSS and ":focus-visible" in BLOCKS_CSS
    assert "url(" not in BLOCKS_CSS and "@import" not in BLOCKS_CSS


def test_suppressed_tables_from_the_disclosure_module():
    from csp_analysis.analysis.disclosure import suppress

    counts = pd.DataFrame(
        {"Female": [3, 40], "Male": [12, 25]},
        index=pd.Index(["Herefordshire", "Worcester"], name="Partnership"),
    )
    table = suppress(counts, sensitive=True)
    html = table_block(table, "Victims by sex")
    assert table.note and table.note in html and blocks.SUPPRESSED_NOTE not in html
    assert ">3<" not in html  # the primary-suppressed count never reaches the page
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == 4 and "Total" in rows[-1]
    # Every cell, totals included, is a count; secondary suppression left >1 [c] per line.
    assert all(c == "num count" for c, _ in cells(html, "td"))
    hereford = [t for _, t in cells(rows[1], "td")]
    assert hereford.count("[c]") >= 2


def test_preformatted_numbers_are_right_aligned_but_kept():
    frame = pd.DataFrame(
        {
            "Indicator": ["Offences", "Completions", "Fires"],
            "Value": ["2,343", "38.0%", "[c]"],
            "Quarter": ["2025/26 Q4", "2025/26 Q4", "2025/26 Q3"],
            "Change": ["+4.5", "\u22122", "0"],
        }
    )
    html = table_block(frame, "Mixed")
    assert cells(html, "td")[:3] == [("num", "2,343"), ("", "2025/26 Q4"), ("num", "+4.5")]
    assert ("num", "38.0%") in cells(html, "td")
    # Mixed counts and percentages are not a count column; plain numbers are.
    assert "count" not in html.split("<tbody>")[1].split("</tr>")[0]


def test_formatters_leave_preformatted_text_alone():
    frame = pd.DataFrame({"Area": ["A", "B"], "Share": [0.25, "12.0%"], "Year": [2024, "2025"]})
    html = table_block(frame, "Mixed", number_format={"Share": lambda v: f"{v:.0%}"})
    assert [t for _, t in cells(html, "td")] == ["25%", "2024", "12.0%", "2025"]
    dated = pd.DataFrame({"N": [1]}, index=pd.Index([pd.Timestamp("2024-03-05")], name="Day"))
    assert '<th scope="row">5 March 2024</th>' in table_block(dated, "Dated")
