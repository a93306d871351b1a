"""Disclosure and leak checks over every published HTML page (no browser needed).

Issue #5: no code, prompts, tracebacks, file-system paths, user names, Crime IDs, coordinates
or record-level rows; small counts suppressed in sensitive themes (including secondary
suppression, per csp_analysis.analysis.disclosure); nothing loaded from the network. Embedded
``data:`` payloads are decoded and checked too (a CSV download could leak a Crime ID), and are
cut out of the page before the text checks (base64 can spell "/tmp" by chance).

Pages: every *.html under reports/ (not reports/_executed/ or screenshots) plus the blocks
gallery. Without generated reports the report checks skip locally (run `make reports`) and fail
under CI.
"""

from __future__ import annotations

import base64
import getpass
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from csp_analysis.analysis.disclosure import SUPPRESSED, primary_threshold
from csp_analysis.core.paths import PROJECT_ROOT, REPORTS_DIR
from tests.browser.pages import (
    IN_CI,
    build_gallery,
    is_sensitive,
    no_reports_message,
    published_pages,
    report_pages,
    site_of,
    sites,
)

# --------------------------------------------------------------------------- the checks

_DATA_URI = re.compile(r"data:([\w.+-]+/[\w.+-]+)((?:;[\w-]+=[\w.-]+)*)(;base64)?,([^\"'\s)<>]*)")
_SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE)
_EMBED = re.compile(r"<(iframe|object|embed|frame|audio|video|source|track)\b", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(
    r"\b(src|href|srcset|poster|action|formaction|data|background|xlink:href)\s*=\s*"
    r"[\"']?\s*((?:https?:|ftp:|wss?:)?//[^\"'\s>]*)",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"url\(\s*[\"']?\s*((?:https?:|ftp:)?//[^)\"']*)|@import\b", re.IGNORECASE)
_META_REFRESH = re.compile(r"<meta[^>]+http-equiv\s*=\s*[\"']?refresh", re.IGNORECASE)
_TRACEBACK = re.compile(
    r"Traceback|most recent call last|site-packages|ipykernel_\d+|File \"[^\"]+\", line \d+"
)
_PATHS = re.compile(
    r"(?<![\w.~-])/(?:work|home|tmp|root|Users|var/folders|private/var|opt/conda)(?:/|\b)"
    r"|\b[A-Za-z]:\\(?:Users|Documents and Settings)\\"
)
_CRIME_ID = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])")
_COORDINATES = re.compile(r"(-?\d{1,3}\.\d{4,})\s*[,;/ ]\s*(-?\d{1,3}\.\d{4,})")
_PROMPTS = re.compile(
    r"\b(?:In|Out)\s?\[\s*\d*\s*\]:"
    r"|\b(?:jp-InputArea|jp-InputPrompt|jp-OutputPrompt|input_area|input_prompt|output_prompt"
    r"|jp-CodeMirrorEditor|cm-editor|highlight hl-ipython\d?|injected-parameters)\b"
)
_CODE = re.compile(
    r"(?m)^\s*(?:import \w+|from [\w.]+ import |def \w+\(|class \w+[(:]|print\()"
    r"|\b(?:from csp_analysis|import csp_analysis|import pandas|pd\.read_|plt\.\w+\()"
)
_STDERR = re.compile(
    r"application/vnd\.jupyter\.stderr|output_stderr"
    r"|\b(?:Future|User|Deprecation|Runtime|Pending\w*|SettingWithCopy|Performance)Warning\b"
)
_RECORD_HEADERS = re.compile(
    r"^\s*(crime id|latitude|longitude|lat|lon|lng|falls within|reported by|"
    r"lsoa code|lsoa name|context|location)\s*$",
    re.IGNORECASE,
)
_UK_LATITUDE, _UK_LONGITUDE = (49.0, 61.5), (-8.7, 2.1)
_SVG = re.compile(r"<svg\b.*?</svg>", re.IGNORECASE | re.DOTALL)
_COMMON_USER_NAMES = {"root", "runner", "user", "admin", "ubuntu", "jovyan", "vscode", "ci"}


def _payloads(page: str) -> list[tuple[str, str]]:
    """(mime type, decoded text) of every non-image data: URI (CSV, SVG, text, HTML...)."""
    found = []
    for match in _DATA_URI.finditer(page):
        mime, _params, is_base64, payload = match.groups()
        if mime.startswith("image/") and mime != "image/svg+xml":
            continue
        try:
            raw = base64.b64decode(payload) if is_base64 else unquote(payload).encode("utf-8")
            found.append((mime, raw.decode("utf-8", errors="replace")))
        except (ValueError, UnicodeDecodeError):
            found.append((mime, "<undecodable data: URI>"))
    return found


def _text_problems(text: str, where: str) -> list[str]:
    """Leaks in markup, visible text or a decoded payload (coordinates: see below)."""
    problems = []
    checks = (
        (_TRACEBACK, "a traceback or Python internals"),
        (_PATHS, "a file-system path"),
        (_CRIME_ID, "a 64-hex-digit identifier (police.uk Crime ID format)"),
        (_PROMPTS, "notebook prompt or input-cell markup"),
        (_CODE, "program code"),
        (_STDERR, "a warning or stderr output"),
    )
    for pattern, what in checks:
        hit = pattern.search(text)
        if hit:
            context = text[max(0, hit.start() - 40) : hit.end() + 40].replace("\n", " ")
            problems.append(f"{where}: {what}: ...{context}...")
    for home in {str(Path.home()), str(PROJECT_ROOT)}:
        if len(home) > 1 and re.search(re.escape(home) + r"(?![\w.-])", text):
            problems.append(f"{where}: the path {home}")
    user = getpass.getuser()
    if user and user.lower() not in _COMMON_USER_NAMES and len(user) >= 3:
        if re.search(rf"\b{re.escape(user)}\b", text):
            problems.append(f"{where}: the user name {user!r}")
    return problems


def _coordinate_problems(text: str, where: str) -> list[str]:
    """Decimal pairs that fall inside the UK as latitude and longitude (either order).

    Not applied to SVG drawings, whose path data is all decimal pairs.
    """
    problems = []
    for lat, lon in _COORDINATES.findall(text):
        a, b = float(lat), float(lon)
        for first, second in ((a, b), (b, a)):
            if _UK_LATITUDE[0] <= first <= _UK_LATITUDE[1] and (
                _UK_LONGITUDE[0] <= second <= _UK_LONGITUDE[1]
            ):
                problems.append(f"{where}: a latitude/longitude pair {lat}, {lon}")
                break
    return problems


class _Tables(HTMLParser):
    """Tables as lists of rows of (tag, class, text) cells, plus the page's visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, str, str]]]] = []
        self.text: list[str] = []
        self._cell: list | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = [tag, attributes.get("class") or "", ""]

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(tuple(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell[2] += data


def _number(text: str) -> float | None:
    cleaned = text.strip().replace(",", "").replace("\u2212", "-")
    try:
        return float(cleaned)
    except ValueError:
        return None


_COUNT_HEADER = re.compile(r"offences|crimes|incidents|count|number|victims|cases", re.IGNORECASE)
_NOT_COUNT_HEADER = re.compile(
    r"rate|per |%|percent|average|mean|median|limit|forecast|interval|adjusted|expected|change|"
    r"population|year|rank|score|lower|upper",
    re.IGNORECASE,
)


def _count_cells(table) -> list[tuple[str, str]]:
    """(column header, text) of the cells holding counts: marked ``count`` by the blocks, or,
    for tables made elsewhere, in a column whose header names a count."""
    header = next((row for row in table if row and all(c[0] == "th" for c in row)), None)
    marked = [(None, c[2]) for row in table for c in row if "count" in c[1].split()]
    if marked:
        return marked
    if header is None:
        return []
    out = []
    names = [c[2].strip() for c in header]
    for row in table:
        if row is header or len(row) != len(names):
            continue
        for name, cell in zip(names, row, strict=True):
            if (
                cell[0] == "td"
                and _COUNT_HEADER.search(name)
                and not _NOT_COUNT_HEADER.search(name)
            ):
                out.append((name, cell[2]))
    return out


def _recoverable(table) -> list[str]:
    """Suppressed cells a reader can work out: the only [c] in a row or column whose published
    total is shown (secondary suppression missing)."""
    rows = [r for r in table if r]
    if len(rows) < 2:
        return []
    header = [c[2].strip() for c in rows[0]]
    body = rows[1:]
    total_col = next((i for i, name in enumerate(header) if name.lower().startswith("total")), None)
    problems = []
    total_row = next((r for r in body if r[0][2].strip().lower().startswith("total")), None)
    width = len(header)
    for row in body:
        if len(row) != width or total_col is None or row is total_row:
            continue
        inner = [c[2].strip() for i, c in enumerate(row) if i not in (0, total_col)]
        if inner.count(SUPPRESSED) == 1 and _number(row[total_col][2]) is not None:
            problems.append(
                f"row {row[0][2].strip()!r}: its one [c] equals the total minus the rest"
            )
    if total_row is not None and len(total_row) == width:
        for column in range(1, width):
            cells = [r[column][2].strip() for r in body if len(r) == width and r is not total_row]
            if (
                cells.count(SUPPRESSED) == 1
                and _number(total_row[column][2]) is not None
                and all(c == SUPPRESSED or _number(c) is not None for c in cells)
            ):
                problems.append(
                    f"column {header[column]!r}: its one [c] equals the total minus the rest"
                )
    return problems


def _csv_tables(payloads) -> list:
    """Decoded CSV downloads in the same (tag, class, text) shape as HTML tables."""
    import csv
    import io

    tables = []
    for mime, text in payloads:
        if not mime.startswith("text/csv"):
            continue
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        if rows:
            table = [[("th", "", c) for c in rows[0]]]
            table += [[("th", "", r[0]), *(("td", "", c) for c in r[1:])] for r in rows[1:] if r]
            tables.append(table)
    return tables


def leak_problems(page: str, name: str = "page", sensitive: bool = False) -> list[str]:
    """Every disclosure or self-containment problem in a published page.

    Parameters
    ----------
    page : str
        The HTML.
    name : str
        How to name the page in messages.
    sensitive : bool
        Whether the page reports a sensitive theme: counts 1 to ``primary_threshold(True)``
        must then be suppressed.

    Returns
    -------
    list of str
        One line per problem; empty when the page is fit to publish.
    """
    problems = []
    for pattern, what in (
        (_SCRIPT_SRC, "a script loaded from a file or server (<script src>)"),
        (_EMBED, "an embedded frame or media element"),
        (_META_REFRESH, "a meta refresh"),
    ):
        hit = pattern.search(page)
        if hit:
            problems.append(f"{name}: {what}: {page[hit.start() : hit.start() + 80]!r}")
    for attribute, url in _URL_ATTRIBUTE.findall(page):
        problems.append(f"{name}: external URL in {attribute}=: {url[:80]}")
    for hit in _CSS_URL.finditer(page):
        problems.append(f"{name}: a stylesheet loads from elsewhere: {hit.group(0)[:80]}")

    payloads = _payloads(page)
    stripped = _DATA_URI.sub("data:", page)
    parser = _Tables()
    parser.feed(stripped)
    parser.close()
    problems += _text_problems(stripped, f"{name} (markup)")
    problems += _coordinate_problems(_SVG.sub("<svg></svg>", stripped), f"{name} (markup)")
    for index, (mime, text) in enumerate(payloads, 1):
        where = f"{name} (embedded {mime} #{index})"
        problems += _text_problems(text, where)
        if mime != "image/svg+xml":
            problems += _coordinate_problems(text, where)

    tables = parser.tables + _csv_tables(payloads)
    threshold = primary_threshold(True)
    for number, table in enumerate(tables, 1):
        headers = [c[2] for row in table for c in row if c[0] == "th"]
        record = sorted({h.strip() for h in headers if _RECORD_HEADERS.match(h)})
        if record:
            problems.append(f"{name}: table {number} looks record-level (columns {record})")
        if sensitive:
            for column, text in _count_cells(table):
                value = _number(text)
                if value is not None and value.is_integer() and 1 <= value <= threshold:
                    where = f" in column {column!r}" if column else ""
                    problems.append(
                        f"{name}: table {number} publishes a count of {text.strip()}{where}; "
                        f"counts of 1 to {threshold} must be [c] in sensitive themes"
                    )
        problems += [f"{name}: table {number}: {p}" for p in _recoverable(table)]
    return problems


# --------------------------------------------------------------------------- the checks, tested

CLEAN = """<!DOCTYPE html><html lang="en-GB"><head><title>t</title><style>a{color:#1d70b8}</style>
</head><body><main id="main"><h1>Report</h1><p>Offences rose from 95 to 120.</p>
<img src="data:image/png;base64,iVBORw0KGgo/tmp/work/home" alt="Monthly offences rose">
<a href="../index.html">All reports</a><a href="#main">Top</a>
<table><thead><tr><th scope="col">Area</th><th scope="col">Offences</th><th scope="col">Total</th></tr></thead>
<tbody><tr><th scope="row">A</th><td class="num count">12</td><td class="num">12</td></tr></tbody></table>
</main></body></html>"""


def _with(fragment: str) -> str:
    return CLEAN.replace("</main>", fragment + "</main>")


def _csv_link(text: str) -> str:
    payload = base64.b64encode(text.encode()).decode()
    return f'<a download="x.csv" href="data:text/csv;charset=utf-8;base64,{payload}">CSV</a>'


def test_a_clean_page_passes():
    assert leak_problems(CLEAN, sensitive=True) == []


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<script src="app.js"></script>', "<script src>"),
        ('<img src="https://tiles.example/x.png" alt="Map of offences by ward">', "external URL"),
        ('<a href="http://example.org/">source</a>', "external URL"),
        ("<style>@import 'x.css';</style>", "stylesheet loads from elsewhere"),
        ("<style>@font-face{src:url(https://fonts.example/f.woff2)}</style>", "stylesheet"),
        ('<iframe title="x"></iframe>', "embedded frame"),
        ("<p>Traceback (most recent call last):</p>", "traceback"),
        ('<p>KeyError in File "/x/y.py", line 3</p>', "traceback"),
        ("<p>see /home/alice/data.csv</p>", "file-system path"),
        ("<p>written to /tmp/tmpab12/out.parquet</p>", "file-system path"),
        ("<p>C:\\Users\\alice\\crimes.csv</p>", "file-system path"),
        ("<p>" + "ab12" * 16 + "</p>", "Crime ID"),
        ("<p>52.0563, -2.7160</p>", "latitude/longitude"),
        ("<p>In [3]: df.head()</p>", "prompt"),
        ('<div class="jp-InputArea">x</div>', "prompt"),
        ("<pre>import pandas as pd\ndf = pd.read_csv(x)</pre>", "program code"),
        ("<pre>FutureWarning: the default will change</pre>", "warning"),
        ("<table><tr><th>Crime ID</th><th>Month</th></tr></table>", "record-level"),
        (_csv_link("Crime ID,Month\r\nabc,2024-01\r\n"), "record-level"),
        (_csv_link("Month,Offences\r\n2024-01," + "f" * 64 + "\r\n"), "embedded text/csv"),
    ],
)
def test_each_leak_is_caught(fragment, expected):
    problems = leak_problems(_with(fragment))
    assert problems and any(expected in p for p in problems), problems


def test_small_counts_in_sensitive_pages():
    small = _with(
        '<table><thead><tr><th scope="col">Month</th><th scope="col">Offences</th></tr></thead>'
        '<tbody><tr><th scope="row">May</th><td class="num count">3</td></tr>'
        '<tr><th scope="row">June</th><td class="num count">0</td></tr>'
        '<tr><th scope="row">July</th><td class="num count">[c]</td></tr></tbody></table>'
    )
    problems = leak_problems(small, sensitive=True)
    assert len(problems) == 1 and "count of 3" in problems[0], problems
    assert leak_problems(small, sensitive=False) == []
    # A table not made by the blocks is judged by its column headers.
    foreign = _with(
        "<table><tr><th>Ward</th><th>Hate crimes</th><th>Rate per 1,000</th></tr>"
        "<tr><td>X</td><td>2</td><td>1.0</td></tr></table>"
    )
    problems = leak_problems(foreign, sensitive=True)
    assert len(problems) == 1 and "column 'Hate crimes'" in problems[0], problems
    csv_small = _with(_csv_link("Month,Offences\r\n2024-01,4\r\n"))
    assert any("count of 4" in p for p in leak_problems(csv_small, sensitive=True))


def test_secondary_suppression_gaps_are_caught():
    by_row = _with(
        '<table><tr><th scope="col">Area</th><th scope="col">Male</th><th scope="col">Female</th>'
        '<th scope="col">Total</th></tr>'
        '<tr><th scope="row">A</th><td>[c]</td><td>40</td><td>42</td></tr></table>'
    )
    assert any("row 'A'" in p for p in leak_problems(by_row))
    by_column = _with(
        '<table><tr><th scope="col">Month</th><th scope="col">Offences</th></tr>'
        '<tr><th scope="row">May</th><td>[c]</td></tr><tr><th scope="row">June</th><td>30</td></tr>'
        '<tr><th scope="row">Total</th><td>32</td></tr></table>'
    )
    assert any("column 'Offences'" in p for p in leak_problems(by_column))
    protected = by_column.replace("<td>30</td>", "<td>[c]</td>")
    assert leak_problems(protected) == []


# --------------------------------------------------------------------------- the pages


def _pages() -> list:
    pages: list = ["gallery", *published_pages()]
    if not report_pages():
        pages.append("missing-reports")
    return pages


def _page_id(page) -> str:
    return page.relative_to(REPORTS_DIR).as_posix() if isinstance(page, Path) else page


@pytest.fixture(scope="module")
def gallery(tmp_path_factory) -> Path:
    return build_gallery(tmp_path_factory.mktemp("gallery"))


@pytest.mark.parametrize("page", _pages(), ids=_page_id)
def test_published_page_leaks_nothing(page, gallery):
    if page == "missing-reports":
        message = no_reports_message()
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    path = gallery if page == "gallery" else page
    sensitive = page != "gallery" and is_sensitive(path)
    text = path.read_text(encoding="utf-8")
    problems = leak_problems(text, path.name, sensitive=sensitive)
    assert not problems, "\n".join(problems[:20])


def test_gallery_sensitive_checks_pass_because_blocks_suppress(gallery):
    # The gallery's hate-crime series withholds counts 1-4 via trend_chart(suppressed=...).
    text = gallery.read_text(encoding="utf-8")
    assert "[c]" in text
    assert leak_problems(text, "gallery", sensitive=True) == []


def test_accessibility_statement_is_published_and_linked():
    """Every published batch (reports/, reports/real/, the test sample, any --out) is a site of
    its own: its index links its statement, and each of its pages links that statement."""
    if not report_pages():
        message = no_reports_message()
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    for site in sites():
        statement = site / "accessibility.html"
        assert statement.is_file(), f"{site.name}/accessibility.html (the statement) is missing"
        index = (site / "index.html").read_text(encoding="utf-8")
        assert re.search(r'href="(\./)?accessibility\.html"', index), site.name
        assert "<h1" in statement.read_text(encoding="utf-8")
    for page in report_pages():
        site = site_of(page)
        href = re.search(
            r'href="((?:\.\./)*accessibility\.html)"', page.read_text(encoding="utf-8")
        )
        assert href, f"{page.name} does not link to the accessibility statement"
        assert (page.parent / href.group(1)).resolve() == (site / "accessibility.html").resolve()
