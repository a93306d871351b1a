"""Partnership commentary: reading and validating the file, sanitised rendering, attribution,
the period check, and the section a report shows."""

from __future__ import annotations

import re

import pytest

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.paths import PROCESSED_DIR
from csp_analysis.io.commentary import commentary_path, read_commentary
from csp_analysis.report import review
from csp_analysis.report.commentary import render_markdown

FRONT = "---\nauthor: Jane Smith\nrole: Community Safety Analyst\ndate: 2026-04-14\nperiod_end: {period}\n---\n"


def _without_ids(html: str) -> str:
    return re.sub(r' id="[^"]*"', "", html)


def write(tmp_path, body: str, period: str = "2026-03", csp="herefordshire", stem="asb"):
    path = commentary_path(csp, stem, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FRONT.format(period=period) + body, encoding="utf-8")
    return path


def test_hostile_markdown_is_sanitised():
    html = render_markdown(
        "# A heading\n\nText <script>alert(1)</script> and <img src=http://evil.example/x.png "
        'onerror="alert(2)"> ![pic](http://evil.example/y.png) [ok](https://www.gov.uk/x) '
        "[plain](http://example.com) [js](javascript:alert(3))\n\n<iframe src=https://x></iframe>"
    )
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    # No element carries an event handler (the img above survives only as escaped text).
    assert not re.search(r"<[a-z][^>]*\son\w+=", html)
    assert "&lt;script&gt;" in html  # raw HTML is shown as typed, never run
    assert '<a href="https://www.gov.uk/x" rel="noopener noreferrer">ok</a>' in html
    assert "http://example.com" not in html and "http://evil.example" not in html.split("&lt;")[0]
    assert 'href="javascript' not in html
    assert "<h4>A heading</h4>" in html  # demoted below the section's own heading


def test_a_commentary_file_is_read_and_checked(tmp_path):
    path = write(tmp_path, "Local knowledge.\n")
    found = read_commentary(path)
    assert found.meta.author == "Jane Smith" and found.body == "Local knowledge."
    assert found.applies_to("2026-03") and not found.applies_to("2026-06")
    assert read_commentary(tmp_path / "missing.md") is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("No front matter at all.\n", r"asb\.md: line 1: no front matter"),
        ("---\nauthor: [unclosed\n---\nText\n", r"front matter is not valid YAML"),
        ("---\n- a list\n---\nText\n", r"line 2: front matter must be 'key: value' lines"),
        (
            "---\nrole: x\ndate: 2026-04-14\nperiod_end: 2026-03\n---\nText\n",
            r"front matter: author: Field required",
        ),
        (
            "---\nauthor: A\ndate: 2026-04-14\nperiod_end: March 2026\n---\nText\n",
            r"front matter: period_end: String should match pattern",
        ),
        (
            "---\nauthor: A\ndate: yesterday\nperiod_end: 2026-03\n---\nText\n",
            r"front matter: date: ",
        ),
        (
            "---\nauthor: A\ndate: 2026-04-14\nperiod_end: 2026-03\nmood: good\n---\nText\n",
            r"front matter: mood: Extra inputs are not permitted",
        ),
        (
            "---\nauthor: A\ndate: 2026-04-14\nperiod_end: 2026-03\n---\n\n",
            r"has front matter but no text",
        ),
    ],
)
def test_each_rule_names_the_file_and_the_problem(tmp_path, text, match):
    path = commentary_path("herefordshire", "asb", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=match):
        read_commentary(path)


def test_encoding_and_length_are_checked(tmp_path):
    path = commentary_path("herefordshire", "asb", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"---\nauthor: \xff\n---\n")
    with pytest.raises(InputFileError, match=r"asb\.md: not UTF-8 text"):
        read_commentary(path)
    path.write_text(FRONT.format(period="2026-03") + "x" * 30_000, encoding="utf-8")
    with pytest.raises(InputFileError, match=r"commentary is limited to 20,000"):
        read_commentary(path)


@pytest.fixture(scope="module")
def ctx():
    if not (PROCESSED_DIR / "crimes.parquet").is_file():
        pytest.fail("no demo data in data/processed: run `make data` (make test does)")
    return review.load_context(csp="herefordshire", period_end="2026-03")


def test_the_section_is_attributed_dated_and_period_checked(ctx, tmp_path):
    write(tmp_path, "The increase may reflect more disclosures of abuse.\n<script>x</script>\n")
    section = review.commentary(ctx, "asb", root=tmp_path)
    html = section.html()
    assert html.startswith('<h2 id="partnership-commentary')
    assert "Written by Jane Smith, Community Safety Analyst, on 14 April 2026." in html
    assert "may reflect more disclosures of abuse" in html and "<script" not in html
    assert section.text[0].startswith("Written by Jane Smith")
    # JupyterLab shows what the page shows (heading ids are numbered per page, so left out).
    assert _without_ids(section._repr_html_()) == _without_ids(html)
    # Written for an earlier period: left out entirely, heading and all.
    write(tmp_path, "Old words.\n", period="2025-12")
    assert review.commentary(ctx, "asb", root=tmp_path).html() == ""
    # No commentary: nothing.
    assert review.commentary(ctx, "drugs", root=tmp_path).html() == ""


def test_a_broken_commentary_file_says_so_without_its_folder(ctx, tmp_path, monkeypatch):
    monkeypatch.delenv(review.STRICT_ENV, raising=False)
    path = commentary_path("herefordshire", "asb", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("no front matter\n", encoding="utf-8")
    html = review.commentary(ctx, "asb", root=tmp_path).html()
    assert "the commentary file asb.md cannot be read: line 1: no front matter" in html
    assert str(tmp_path) not in html
