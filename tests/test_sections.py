"""Sections as objects: every section of every report type carries the tables and figures it
shows and renders the same HTML in a notebook as on the page; an analyst's edits in the notebook
reach the published page."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure

from csp_analysis.core.paths import NOTEBOOKS_DIR, PROCESSED_DIR
from csp_analysis.report import review
from csp_analysis.report.html_export import PageInfo, render_html
from csp_analysis.report.sections import Paragraph, Section

papermill = pytest.importorskip("papermill")

SECTIONS = {
    "summary": [
        "overview", "headline", "key_findings", "year_to_date", "crime_type_table",
        "trend_section", "control_chart", "forecast_section", "top_lsoas", "data_and_methods",
        "most_similar_group", "national_funnel", "crime_map", "hotspots",
    ],
    "thematic": [
        "definition", "breakdowns", "seasonality_section", "peer_comparison",
    ],
    "force": ["partnership_table", "partnership_funnel", "partnership_positions",
              "priority_rates_table", "msg_overview", "national_funnel"],
    "performance": ["performance_summary", "performance_by_quarter", "performance_charts"],
}  # fmt: skip


def _without_ids(html: str) -> str:
    """Element ids (and the references to them) are numbered per page, so differ between two
    renderings of the same section; everything else must not."""
    html = re.sub(r' (aria-labelledby|aria-describedby|for)="[^"]*"', "", html)
    return re.sub(r' (id|href)="#?[^"]*?(-\d+)?"', "", html)


@pytest.fixture(scope="module")
def contexts():
    if not (PROCESSED_DIR / "crimes.parquet").is_file():
        pytest.fail("no demo data in data/processed: run `make data` (make test does)")
    return {
        "summary": review.load_context(csp="herefordshire", period_end="2026-03"),
        "thematic": review.load_context(
            csp="herefordshire", priority="domestic_abuse", period_end="2026-03"
        ),
        "force": review.load_context(force="west-mercia", period_end="2026-03"),
        "performance": review.load_context(csp="herefordshire", period_end="2026-03"),
    }


@pytest.mark.parametrize(
    ("kind", "name"), [(kind, name) for kind, names in SECTIONS.items() for name in names]
)
def test_every_section_is_an_object_with_its_data(contexts, kind, name, monkeypatch):
    monkeypatch.setenv(review.STRICT_ENV, "1")
    section = getattr(review, name)(contexts[kind])
    assert isinstance(section, Section) and section.name == name and not section.failed
    assert section.parts, name
    for key, table in section.tables.items():
        assert isinstance(table, pd.DataFrame) and not table.empty, key
    for key, figure in section.figures.items():
        assert isinstance(figure, Figure), key
    # JupyterLab shows what the page shows (heading ids are numbered per page).
    assert _without_ids(section._repr_html_()) == _without_ids(section.html())
    assert name in repr(section)


def test_tables_are_the_figures_shown_after_disclosure_control(contexts, monkeypatch):
    monkeypatch.setenv(review.STRICT_ENV, "1")
    ytd = review.year_to_date(contexts["thematic"])
    (table,) = [t for key, t in ytd.tables.items() if "crime-type" in key]
    html = ytd.html()
    for value in table.iloc[:, 0].astype(str):
        assert value.replace(",", "") in html.replace(",", "")
    trend = review.trend_section(contexts["summary"])
    chart = next(iter(trend.charts.values()))
    assert trend.tables[chart.name] is chart.data


def test_an_analyst_can_change_the_words_and_restyle_a_chart(contexts, monkeypatch):
    monkeypatch.setenv(review.STRICT_ENV, "1")
    trend = review.trend_section(contexts["summary"])
    before = trend.html()
    trend.paragraphs[0].text = "The rise follows the new recording rules in the force."
    trend.add(Paragraph("Local knowledge: a new night-time economy scheme began in June."))
    (figure,) = trend.figures.values()
    figure.axes[0].set_facecolor("#F5F5F5")
    after = trend.html()
    assert "The rise follows the new recording rules" in after
    assert after.rstrip().endswith("a new night-time economy scheme began in June.</p>")
    old_png = re.search(r'src="(data:image/png[^"]+)"', before).group(1)
    new_png = re.search(r'src="(data:image/png[^"]+)"', after).group(1)
    assert old_png != new_png  # the page shows the restyled figure


def test_the_published_page_carries_the_notebooks_edits(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {
        "name": "csp-analysis",
        "display_name": "csp-analysis",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from csp_analysis.report import review\n"
            "from csp_analysis.report.sections import Paragraph\n"
            'ctx = review.load_context(csp="herefordshire", period_end="2026-03")'
        ),
        nbformat.v4.new_code_cell(
            "ytd = review.year_to_date(ctx)\n"
            'ytd.paragraphs[0].text = "Edited in the notebook by the analyst."\n'
            'ytd.add(Paragraph("Added for the partnership board."))\n'
            "ytd"
        ),
    ]
    source, executed = tmp_path / "edit.ipynb", tmp_path / "edit.out.ipynb"
    nbformat.write(nb, source)
    from jupyter_client.kernelspec import KernelSpecManager

    kernel = (
        "csp-analysis" if "csp-analysis" in KernelSpecManager().find_kernel_specs() else "python3"
    )
    papermill.execute_notebook(
        str(source), str(executed), kernel_name=kernel, progress_bar=False, cwd=str(NOTEBOOKS_DIR)
    )
    page = render_html(nbformat.read(executed, as_version=4), PageInfo(title="Edit", period="Test"))
    assert "Edited in the notebook by the analyst." in page
    assert "Added for the partnership board." in page
    assert "Section year_to_date" not in page  # the text/plain summary never reaches the page
