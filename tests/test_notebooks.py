"""The four report notebooks run end to end with papermill on 12 months of police.uk-like data.

nbval (``pytest --nbval-lax notebooks/``) runs them on their defaults (the demonstration data).
Here they run on what the real West Mercia 2025 files give - one year, police.uk fields only,
no flags - and must finish without an error, print nothing (no stream output at all: no
prints, no warnings) and say plainly what cannot be shown.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from csp_analysis.core.paths import NOTEBOOKS_DIR
from tests.test_published_html import leak_problems
from tests.test_review import FOCUS, FORCE, write_processed

papermill = pytest.importorskip("papermill")

KERNEL = "csp-analysis" if "csp-analysis" in KernelSpecManager().find_kernel_specs() else "python3"
CASES = {
    "all_crime_summary": (
        {"csp": FOCUS},
        ["No comparison with the same period last year", "No seasonal adjustment",
         "A forecast needs at least 36 months"],
    ),
    "thematic_review": (
        {"csp": FOCUS, "priority": "domestic_abuse"},
        ["Proxy measure", "not domestic abuse figures", "needs at least 24 months",
         "do not record"],
    ),
    "partnership_comparison": ({"force": FORCE}, ["Total recorded crime (excluding fraud)"]),
    "performance_overview": ({"csp": FOCUS}, ["not enough quarters"]),
}  # fmt: skip


@pytest.fixture(scope="module")
def short_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("short_nb")
    write_processed(directory, "2025-01", "2025-12", rich=False, indicators=False)
    return directory


def _html_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("data", {}).get("text/html", ""))
    return "\n".join(parts)


@pytest.mark.parametrize("name", sorted(CASES))
def test_notebook_runs_on_one_year_of_police_uk_data(name, short_dir, tmp_path):
    parameters, statements = CASES[name]
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / f"{name}.ipynb"),
        str(out),
        parameters={**parameters, "period_end": "2025-12", "processed_dir": str(short_dir)},
        kernel_name=KERNEL,
        progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
    )
    nb = nbformat.read(out, as_version=4)
    kinds = {o["output_type"] for c in nb.cells for o in c.get("outputs", [])}
    assert "error" not in kinds
    assert "stream" not in kinds, "a notebook printed or warned"
    html = _html_outputs(nb)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    for statement in statements:
        assert statement in text, statement
    assert "could not be produced" not in text
    sensitive = parameters.get("priority") == "domestic_abuse"
    assert leak_problems(html, name, sensitive=sensitive) == []
    assert str(short_dir) not in html


def test_notebooks_are_committed_clean_with_the_project_kernel():
    for name in CASES:
        nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
        assert nb.metadata.kernelspec.name == "csp-analysis"
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1
        assert 'period_end = "2026-03"' in tagged[0].source
        assert 'processed_dir = ""' in tagged[0].source
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, name
                assert "print(" not in cell.source
            else:
                # The template owns the h1: markdown headings are h2 or h3.
                assert not re.search(r"(?m)^#\s", cell.source), name


@pytest.mark.realdata
def test_thematic_review_on_the_real_west_mercia_2025_files(shared_data, tmp_path):
    """Ingest the real police.uk files (12 months, 2025) into tmp_path and run a thematic
    review on them: proxy caveat, plain statements for what 12 months cannot show."""
    from csp_analysis.io.ingest import ingest
    from tests.conftest import CSP_LOOKUP, LSOA_LOOKUP, POPULATION_WORKBOOK, WEST_MERCIA_DIR

    processed = tmp_path / "processed"
    ingest(
        police_uk=[WEST_MERCIA_DIR],
        lsoa_lookup=LSOA_LOOKUP,
        csp_lookup=CSP_LOOKUP,
        population=POPULATION_WORKBOOK,
        out=processed,
        workers=1,
    )
    out = tmp_path / "thematic.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / "thematic_review.ipynb"),
        str(out),
        parameters={
            "csp": FOCUS,
            "priority": "domestic_abuse",
            "period_end": "latest",
            "processed_dir": str(processed),
        },  # fmt: skip
        kernel_name=KERNEL,
        progress_bar=False,
        cwd=str(NOTEBOOKS_DIR),
    )
    nb = nbformat.read(out, as_version=4)
    assert "error" not in {o["output_type"] for c in nb.cells for o in c.get("outputs", [])}
    html = _html_outputs(nb)
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "year ending December 2025" in text
    assert "These figures are not domestic abuse figures" in text
    assert "No comparison with the same period last year" in text
    assert "A forecast needs at least 36 months" in text
    assert "could not be produced" not in text
    assert leak_problems(html, "real thematic", sensitive=True) == []
