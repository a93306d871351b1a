"""The PDF, board packs and spreadsheets published beside every report page (issue #16).

Checked on every published batch under reports/ (the sample `make test` builds with --pdf, the
demo batch, any other): each page's spreadsheets (XLSX and ODS) open, hold a cover and contents
sheet and one sheet per table in page order, and every sheet's title and cells are the page's
(numbers as numbers, [c] and [x] as printed); each PDF is tagged (pdfinfo), titled as the page,
and its text holds the title and the headline figures; each board pack holds its reports in
order. No published file carries a path, code or coordinates.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from csp_analysis.core.paths import REPORTS_DIR
from csp_analysis.report.blocks import PublishedTable, table_cells
from csp_analysis.report.spreadsheet import (
    ReportWorkbook,
    SheetTable,
    published_tables,
    write_ods,
    write_xlsx,
)
from tests.browser.pages import IN_CI, no_reports_message, report_pages, sites
from tests.test_published_html import leak_problems

POPPLER = "pdfinfo and pdftotext not found: apt-get install poppler-utils"


def _need_poppler() -> None:
    if shutil.which("pdfinfo") and shutil.which("pdftotext"):
        return
    if IN_CI:
        pytest.fail(POPPLER + " - CI must have it")
    pytest.skip(POPPLER)


def _no_reports() -> None:
    message = no_reports_message()
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


# --------------------------------------------------------------------------- reading a page


class _PageTables(HTMLParser):
    """Each table's caption and rows of cell texts, and the headline figures' values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.headlines: list[str] = []
        self._cell: list[str] | None = None
        self._caption: list[str] | None = None
        self._headline: list[str] | None = None
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "csp-visually-hidden" in classes and tag == "span":
            self._hidden += 1
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
        elif tag == "dd" and "csp-headline-value" in classes:
            self._headline = []

    def handle_endtag(self, tag):
        if tag == "span" and self._hidden:
            self._hidden -= 1
        elif tag == "caption" and self._caption is not None:
            self.tables[-1]["caption"] = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "dd" and self._headline is not None:
            self.headlines.append(" ".join("".join(self._headline).split()))
            self._headline = None

    def handle_data(self, data):
        for buffer in (self._caption, self._cell, self._headline):
            if buffer is not None and not self._hidden:
                buffer.append(data)


def _read_page(page: Path) -> _PageTables:
    parser = _PageTables()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _same_cell(printed: str, value) -> bool:
    """A spreadsheet cell against the page's printed text: numbers by value, text exactly."""
    if isinstance(value, float) and pd.isna(value):
        return printed == ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(printed.replace(",", "").replace("\u2212", "-"))
        return abs(number - float(value)) < 1e-9
    return str(value).strip() == printed


def _sheet_table(sheet: pd.DataFrame) -> tuple[str, list[list]]:
    """A table sheet's title (A1) and its table rows (header first), read without headers."""
    title = str(sheet.iloc[0, 0])
    header_row = next(
        i
        for i in range(1, len(sheet))
        if not str(sheet.iloc[i, 0]).startswith(
            ("Report section:", "This worksheet", "This table has notes")
        )
        and not pd.isna(sheet.iloc[i, 0])
    )
    body = sheet.iloc[header_row:]
    # The table is as wide as the sheet (the text rows above it use column A only); an empty
    # cell reads back as NaN and is the page's empty cell.
    rows = [list(row) for row in body.values]
    return title, rows


def _compare(page_table: dict, sheet: pd.DataFrame, where: str) -> None:
    title, rows = _sheet_table(sheet)
    assert title == page_table["caption"], f"{where}: sheet title {title!r}"
    page_rows = page_table["rows"]
    assert len(rows) == len(page_rows), f"{where}: {len(rows)} rows, page has {len(page_rows)}"
    # The header row (the page's corner cell may be empty; the sheet names it).
    assert [str(v) for v in rows[0][1:]] == page_rows[0][1:], where
    for got, want in zip(rows[1:], page_rows[1:], strict=True):
        assert len(got) == len(want), f"{where}: row {want[0]!r} has {len(got)} cells"
        for value, printed in zip(got, want, strict=True):
            assert _same_cell(printed, value), f"{where}: row {want[0]!r}: {value!r} vs {printed!r}"


# --------------------------------------------------------------------------- unit: spreadsheet


def _workbook(tmp_path) -> tuple[ReportWorkbook, Path, Path]:
    frame = pd.DataFrame(
        {"Offences": [1234, "[c]", 7], "Rate per 1,000": [12.345, 0.5, None]},
        index=pd.Index(["Burglary", "Robbery", "Drugs"], name="Crime type"),
    )
    cells = table_cells(frame, note="Source: synthetic.", number_format={"Rate per 1,000": 1})
    tables = [SheetTable("Crime by type", PublishedTable("Offences by type", cells))]
    book = ReportWorkbook("A report", "Year ending March 2026", tables, synthetic=True)
    return book, write_xlsx(tmp_path / "r.xlsx", book), write_ods(tmp_path / "r.ods", book)


def test_spreadsheets_hold_the_cells_as_printed(tmp_path):
    _, xlsx, ods = _workbook(tmp_path)
    for path, engine in ((xlsx, "openpyxl"), (ods, "odf")):
        sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
        assert list(sheets) == ["Cover", "Contents", "Notes", "Table_1"], path.suffix
        assert sheets["Cover"].iloc[0, 0] == "A report"
        assert "Synthetic demonstration data" in sheets["Cover"].to_string()
        title, rows = _sheet_table(sheets["Table_1"])
        assert title == "Offences by type"
        assert rows[0] == ["Crime type", "Offences", "Rate per 1,000"]
        # Numbers are numbers (1,234 -> 1234; 12.345 printed to 1 decimal -> 12.3); markers
        # and missing values as the page prints them.
        assert rows[1] == ["Burglary", 1234, 12.3], path.suffix
        assert rows[2] == ["Robbery", "[c]", 0.5], path.suffix
        assert rows[3] == ["Drugs", 7, "[x]"], path.suffix
        # Notes once, numbered, on the Notes sheet; each table names the notes that apply.
        notes = sheets["Notes"]
        header = notes.index[notes[0] == "Note number"][0]
        texts = list(notes.iloc[header + 1 :, 1])
        assert texts[0] == "Source: synthetic." and texts[1].startswith("[c] = confidential")
        assert texts[2].startswith("[x] = not available")
        assert list(notes.iloc[header + 1 :, 0]) == [1, 2, 3]
        lines = list(sheets["Table_1"].iloc[:4, 0])
        assert "This table has notes (see the Notes worksheet): [note 1][note 2][note 3]" in lines


def test_ods_is_valid_opendocument_with_a_header_row_and_the_report_title(tmp_path):
    import zipfile
    from xml.etree import ElementTree

    book, _, _ = _workbook(tmp_path)
    book.title = 'Crime & disorder: "A" <report>'
    book.tables[0].table.cells.rows[1][0] = "  two  spaces\tand a tab"  # was "[c]"
    ods = write_ods(tmp_path / "t.ods", book)
    with zipfile.ZipFile(ods) as archive:
        first = archive.infolist()[0]
        # ODF 1.2 part 3, 3.3: the mimetype first, uncompressed, so the type is in the bytes.
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        names = set(archive.namelist())
        assert {"content.xml", "meta.xml", "META-INF/manifest.xml"} <= names
        content = ElementTree.fromstring(archive.read("content.xml"))
        meta = ElementTree.fromstring(archive.read("meta.xml"))
    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "dc": "http://purl.org/dc/elements/1.1/",
    }
    assert meta.find(".//dc:title", ns).text == book.title
    sheet = content.find(".//table:table[@table:name='Table_1']", ns)
    header = sheet.findall("table:table-header-rows/table:table-row/table:table-cell", ns)
    assert ["".join(c.itertext()) for c in header] == ["Crime type", "Offences", "Rate per 1,000"]
    number = sheet.findall("table:table-row", ns)[-3].findall("table:table-cell", ns)[1]
    value_type = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"
    assert number.get(value_type) == "float"
    # What a spreadsheet program reads back: the title escaped and whitespace kept.
    sheets = pd.read_excel(ods, sheet_name=None, header=None, engine="odf")
    assert sheets["Cover"].iloc[0, 0] == book.title
    assert sheets["Table_1"].iloc[-2, 1].startswith("  two  spaces")  # pandas drops the tab
    spaced = sheet.findall("table:table-row", ns)[-2].findall("table:table-cell", ns)[1]
    assert spaced.find(".//{urn:oasis:names:tc:opendocument:xmlns:text:1.0}tab") is not None
    assert write_ods(tmp_path / "again.ods", book).read_bytes() == ods.read_bytes()


def test_a_report_with_no_table_gets_no_spreadsheet(tmp_path):
    book = ReportWorkbook("Empty report", "Year ending March 2026", [])
    with pytest.raises(Exception, match="shows no table to put in a spreadsheet"):
        write_xlsx(tmp_path / "e.xlsx", book)
    with pytest.raises(Exception, match="shows no table to put in a spreadsheet"):
        write_ods(tmp_path / "e.ods", book)


def test_published_tables_come_from_the_displayed_sections_in_page_order():
    import nbformat

    from csp_analysis.report.sections.base import Heading, Section, Table

    first = Section("one", [Heading("x"), Table(pd.DataFrame({"A": ["a"], "B": [1]}), "First")])
    second = Section("two", [Table(pd.DataFrame({"A": ["b"], "B": [2]}), "Second")])
    removed = Section("gone", [Table(pd.DataFrame({"A": ["c"], "B": [3]}), "Removed")])

    def output(section):
        return nbformat.v4.new_output(
            "display_data", data={k: v for k, v in section._repr_mimebundle_().items()}
        )

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Headline figures\n\nText."),
        nbformat.v4.new_code_cell("first", outputs=[output(first)]),
        nbformat.v4.new_code_cell("gone", outputs=[output(removed)], metadata={"tags": ["remove"]}),
        nbformat.v4.new_markdown_cell("## Breakdowns"),
        nbformat.v4.new_code_cell("second", outputs=[output(second)]),
    ]
    found = published_tables(nb)
    assert [(t.section, t.table.caption) for t in found] == [
        ("Headline figures", "First"),
        ("Breakdowns", "Second"),
    ]


def test_pdf_drops_chart_data_tables_for_the_spreadsheet_note():
    from csp_analysis.report.pdf import DATA_NOTE, pdf_html

    page = '<p>a</p><details class="csp-chart-data"><table><tr><td>1</td></tr></table></details>'
    printed = pdf_html(page)
    assert "<table" not in printed and DATA_NOTE in printed


def test_board_pack_declaration_is_checked():
    from csp_analysis.batch.matrix import BatchConfig

    reports = [
        {"id": "summary", "notebook": "n.ipynb", "scope": "csp", "title": "t", "output": "{csp}/s.html"},
        {"id": "force_page", "notebook": "n.ipynb", "scope": "force", "title": "t",
         "output": "{force}/f.html"},
    ]  # fmt: skip
    with pytest.raises(ValueError, match="'force_page' is not a partnership report"):
        BatchConfig(reports=reports, board_pack={"order": ["force_page"]})
    with pytest.raises(ValueError, match="'nope' is not a partnership report"):
        BatchConfig(reports=reports, board_pack={"order": ["nope"]})
    with pytest.raises(ValueError, match="names a report twice"):
        BatchConfig(reports=reports, board_pack={"order": ["summary", "summary"]})
    with pytest.raises(ValueError, match="must contain \\{csp\\}"):
        BatchConfig(reports=reports, board_pack={"order": ["summary"], "output": "pack.pdf"})
    with pytest.raises(ValueError, match="ending in .pdf"):
        BatchConfig(reports=reports, board_pack={"order": ["summary"], "output": "{csp}/p.html"})
    with pytest.raises(ValueError, match="uses priority"):
        BatchConfig(reports=reports, board_pack={"order": ["summary"], "title": "{priority}"})
    with pytest.raises(ValueError, match="at least 1 item"):
        BatchConfig(reports=reports, board_pack={"order": []})
    assert BatchConfig(reports=reports, board_pack={"order": ["summary"]}).board_pack.output == (
        "{csp}/board_pack.pdf"
    )


# --------------------------------------------------------------------------- published files


def _pages_with(suffix: str) -> list[Path]:
    return [p for p in report_pages() if p.with_suffix(suffix).is_file()]


def _id(page: Path) -> str:
    return page.relative_to(REPORTS_DIR).as_posix()


def test_every_page_of_a_pdf_batch_has_its_pdf_and_spreadsheets():
    """The sample (and `make reports`) run with --pdf: no page may lack its PDF or tables."""
    if not report_pages():
        _no_reports()
    checked = 0
    for site in sites():
        manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
        for entry in manifest["reports"]:
            # Entries without "pdf" were published by a version before spreadsheets and PDFs
            # (an old local batch); every batch this version publishes records it.
            if entry["status"] != "ok" or "pdf" not in entry:
                continue
            page = site / entry["output"]
            assert page.with_suffix(".xlsx").is_file(), f"{page} has no spreadsheet"
            assert page.with_suffix(".ods").is_file(), f"{page} has no ODS spreadsheet"
            if entry.get("pdf"):
                assert page.with_suffix(".pdf").is_file(), f"{page} has no PDF"
                checked += 1
    sample = REPORTS_DIR / "sample" / "manifest.json"
    if sample.is_file() or IN_CI:
        assert checked, "the report sample was built without --pdf"


@pytest.mark.parametrize("page", _pages_with(".xlsx"), ids=_id)
def test_spreadsheets_match_the_page(page):
    parsed = _read_page(page)
    for suffix, engine in ((".xlsx", "openpyxl"), (".ods", "odf")):
        sheets = pd.read_excel(
            page.with_suffix(suffix), sheet_name=None, header=None, engine=engine
        )
        names = list(sheets)
        assert names[:2] == ["Cover", "Contents"], f"{page.name}{suffix}: {names[:3]}"
        table_sheets = [sheets[n] for n in names if n.startswith("Table_")]
        front = 3 if "Notes" in names else 2
        assert len(table_sheets) == len(names) - front, f"{page.name}{suffix}: stray sheets"
        key_figures = [s for s in table_sheets if s.iloc[0, 0] == "Key figures"]
        others = [s for s in table_sheets if s.iloc[0, 0] != "Key figures"]
        assert len(others) == len(parsed.tables), f"{page.name}{suffix}: sheets vs page tables"
        for i, (table, sheet) in enumerate(zip(parsed.tables, others, strict=True)):
            _compare(table, sheet, f"{page.name}{suffix} table {i + 1}")
        values = [str(r[1]) for s in key_figures for r in _sheet_table(s)[1][1:]]
        for value in values:
            assert value in parsed.headlines or any(
                _same_cell(h, float(value)) for h in parsed.headlines if _is_number(h)
            ), f"{page.name}{suffix}: key figure {value!r} is not on the page"
        text = "\n".join(str(v) for s in sheets.values() for v in s.values.ravel() if v == v)
        problems = leak_problems(text, f"{page.name}{suffix}")
        assert not problems, "\n".join(problems[:10])


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[\u2212-]?[\d,]+(\.\d+)?", text))


def _pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return " ".join(out.stdout.split())


def _pdf_info(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return dict(
        (k.strip(), v.strip()) for k, v in (ln.split(":", 1) for ln in out.stdout.splitlines())
    )


@pytest.mark.parametrize("page", _pages_with(".pdf"), ids=_id)
def test_pdf_is_tagged_and_carries_the_page(page):
    _need_poppler()
    pdf = page.with_suffix(".pdf")
    info = _pdf_info(pdf)
    parsed = _read_page(page)
    title = re.search(r"<title>(.*?)</title>", page.read_text(encoding="utf-8")).group(1)
    import html

    title = html.unescape(title)
    assert info["Tagged"] == "yes", f"{pdf.name} is not tagged"
    assert info["Title"] == title
    text = _pdf_text(pdf)
    assert " ".join(title.split()) in text.replace("- ", "") or all(
        word in text for word in title.split()
    ), f"{pdf.name}: title not in the text layer"
    for value in parsed.headlines:
        assert value in text, f"{pdf.name}: headline figure {value!r} not in the text layer"
    # The structure tree: a Figure (carrying the chart's alt text) per image on the page, and
    # the page's tables as Table elements (the chart data tables are in the spreadsheet).
    from csp_analysis.report.pdf import pdf_html

    printed = pdf_html(page.read_text(encoding="utf-8"))
    struct = subprocess.run(["pdfinfo", "-struct", str(pdf)], capture_output=True, text=True)
    elements = [line.strip().split(" ")[0].rstrip(":") for line in struct.stdout.splitlines()]
    assert elements.count("Figure") == printed.count("<img "), f"{pdf.name}: figures"
    assert elements.count("Table") == printed.count("<table"), f"{pdf.name}: tables"
    assert "H1" in elements
    problems = leak_problems(text, pdf.name)
    assert not problems, "\n".join(problems[:10])


def test_board_packs_hold_their_reports_in_order():
    """Each site's board packs: tagged, titled, every report's pages in the configured order."""
    if not report_pages():
        _no_reports()
    packs = []
    for site in sites():
        manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
        packs += [(site, p) for p in manifest.get("board_packs", [])]
    if not packs:
        pytest.skip("no batch here was built with --pdf and a board_pack declaration")
    _need_poppler()
    for site, pack in packs:
        assert pack["status"] == "ok", f"{pack['title']}: {pack['error']}"
        path = site / pack["output"]
        info = _pdf_info(path)
        assert info["Tagged"] == "yes" and info["Title"] == pack["title"]
        text = _pdf_text(path)
        positions = [text.find(" ".join(t.split())) for t in pack["reports"]]
        assert all(p >= 0 for p in positions), f"{path.name}: a report title is missing"
        assert positions == sorted(positions), f"{path.name}: reports out of order"
        members = [
            site / e["output"]
            for e in json.loads((site / "manifest.json").read_text())["reports"]
            if e["title"] in pack["reports"] and e.get("output")
        ]
        member_pages = sum(int(_pdf_info(m.with_suffix(".pdf"))["Pages"]) for m in members)
        assert int(info["Pages"]) > member_pages, f"{path.name}: no cover page"


def test_packs_rebuild_when_a_report_ran_and_never_hold_a_failed_one(tmp_path):
    from csp_analysis.batch.matrix import BoardPackSpec, ReportJob
    from csp_analysis.batch.packs import build_packs, plan_packs

    def job(report, csp, priority=None):
        params = {"csp": csp, "period_end": "2026-03"}
        if priority:
            params["priority"] = priority
        return ReportJob(
            report=report, notebook=Path("n.ipynb"), notebook_label="n.ipynb",
            scope="csp_priority" if priority else "csp", scope_parameters=params,
            fixed_parameters={}, title_template=f"{{csp_name}} {report} {priority or ''}",
            output_template=f"{{csp}}/{priority or report}.html", timeout=None,
            names={"csp_name": csp.title(), "force": "f", "force_name": "F"},
        )  # fmt: skip

    jobs = [job("summary", "a"), job("review", "a", "drugs"), job("review", "a", "asb"),
            job("summary", "b"), job("performance", "b")]  # fmt: skip
    spec = BoardPackSpec(order=["review", "summary"])
    ok = {j.key: {"status": "ok"} for j in jobs}
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "board_pack.pdf").write_bytes(b"%PDF old")
    (tmp_path / "a").mkdir()
    for old in ("b/summary.pdf", "a/drugs.pdf", "a/asb.pdf"):
        (tmp_path / old).write_bytes(b"%PDF old")
    packs = {p.csp: p for p in plan_packs(spec, jobs, ok, {"summary/a"}, tmp_path, True)}
    # Pack order: the declared order, a review type's priorities in batch order; reports not
    # in the order (performance) are left out.
    assert [m.html_relpath for m in packs["a"].members] == [
        "a/drugs.html",
        "a/asb.html",
        "a/summary.html",
    ]
    assert packs["a"].build and not packs["b"].build  # b: nothing ran, its PDFs exist
    # The pack step writes the PDFs of the reports that ran (laid out once for both).
    assert [m.needs_pdf for m in packs["a"].members] == [False, False, True]
    assert packs["a"].title == "A: board pack, year ending March 2026"

    failed = dict(ok, **{"summary/b": {"status": "failed"}})
    blocked = {p.csp: p for p in plan_packs(spec, jobs, failed, {"summary/b"}, tmp_path, True)}
    assert not blocked["b"].build and "1 of its 1 reports did not publish" in blocked["b"].note
    results = build_packs([blocked["b"]], tmp_path, workers=1)
    assert results[0].status == "not built"
    assert not (tmp_path / "b" / "board_pack.pdf").exists()  # never an out-of-date pack
