"""The report batch runner: parameter checks, fingerprints, HTML export, index, manifest, and
end-to-end runs with a failing notebook, a dying kernel and a timeout in the same batch.

The end-to-end tests run the small test notebooks in tests/notebooks against a tiny synthetic
processed-data folder written here (a handful of generated rows, no real data).
"""

from __future__ import annotations

import json
import re
import time
from datetime import date
from pathlib import Path

import nbformat
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from csp_analysis.batch import fingerprint, runner, worker
from csp_analysis.batch import plan as batch_plan
from csp_analysis.batch.matrix import load_batch_config
from csp_analysis.batch.runner import RunOptions
from csp_analysis.core import cli
from csp_analysis.core.config import load_priorities
from csp_analysis.core.exceptions import ReportError, UnknownNameError
from csp_analysis.core.registry import load_areas
from csp_analysis.report.html_export import (
    OGL_ONS,
    OGL_POLICE,
    PageInfo,
    finish_html,
    prepare_for_publication,
    render_html,
    write_atomic,
)
from tests.ingest_reports import valid_report

NOTEBOOKS = Path(__file__).parent / "notebooks"
AREAS = load_areas().restrict(["west-mercia"])
PRIORITIES = load_priorities()


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def processed(tmp_path) -> Path:
    """A tiny synthetic processed-data folder: months 2025-01..2025-12 for West Mercia."""
    return write_processed(tmp_path / "processed")


def write_processed(folder: Path) -> Path:
    """Write the tiny synthetic processed-data folder (see the ``processed`` fixture)."""
    folder.mkdir()
    months = [date(2025, m, 1) for m in range(1, 13)]
    table = pa.table(
        {
            "month": pa.array(months, pa.date32()),
            "force": ["west-mercia"] * 12,
            "source": ["demo"] * 12,
        }
    )
    pq.write_table(table, folder / "crimes.parquet")
    (folder / "ingest_report.json").write_text(
        json.dumps(
            valid_report(
                ingested_at="2026-01-15T10:00:00+00:00",
                synthetic=True,
                out=str(folder),
                sources={
                    "police_uk": {"paths": ["/secret/raw"], "files": [{"name": "a.csv"}] * 12},
                    "lsoa_lookup": {"name": "lsoa_lookup.csv", "path": "/secret/lsoa.csv"},
                },
            )
        ),
        encoding="utf-8",
    )
    return folder


def _report(id, notebook, scope="csp", **extra):
    output = {
        "csp": "{csp}/%s.html",
        "csp_priority": "{csp}/{priority}.html",
        "force": "{force}/%s.html",
    }[scope]
    title = {
        "csp": "{csp_name}: %s, {period}",
        "csp_priority": "{csp_name}: {priority_title} review, {period}",
        "force": "{force_name}: %s, {period}",
    }[scope]
    spec = {
        "id": id,
        "notebook": str(NOTEBOOKS / notebook),
        "scope": scope,
        "title": title.replace("%s", id),
        "output": output.replace("%s", id),
    }
    spec.update(extra)
    return spec


def _batch(tmp_path, reports, **top) -> Path:
    top.setdefault("timeout", 60)
    top["reports"] = reports
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump(top), encoding="utf-8")
    return path


def _options(tmp_path, config, processed, **kw) -> RunOptions:
    kw.setdefault("workers", 2)
    kw.setdefault("progress", False)
    return RunOptions(config=config, out_dir=tmp_path / "reports", processed_dir=processed, **kw)


MIXED = [
    _report("ok_report", "ok_report.ipynb", csps=["herefordshire", "shropshire"]),
    _report(
        "thematic",
        "ok_thematic_report.ipynb",
        scope="csp_priority",
        csps=["herefordshire"],
        priorities=["drugs", "asb"],
    ),
    _report("comparison", "ok_force_report.ipynb", scope="force"),
    _report("raises", "raises_error.ipynb", csps=["herefordshire"]),
    _report("dies", "kills_kernel.ipynb", csps=["herefordshire"]),
    _report("hangs", "sleeps_past_timeout.ipynb", csps=["herefordshire"], timeout=6),
]


# --------------------------------------------------------------------------- notebook parameters


def _jobs(tmp_path, reports, **top):
    path = _batch(tmp_path, reports, **top)
    batch = load_batch_config(path)
    jobs = batch.expand(AREAS, PRIORITIES, path)
    fps = {job.notebook: fingerprint.notebook_fingerprint(job.notebook) for job in jobs}
    return batch, jobs, fps


def test_parameters_checked_ok(tmp_path):
    batch, jobs, fps = _jobs(
        tmp_path, [_report("ok_report", "ok_report.ipynb")], parameters={"processed_dir": "x"}
    )
    declared, warnings = batch_plan.check_notebook_parameters(jobs, batch, fps, {})
    assert declared[NOTEBOOKS / "ok_report.ipynb"] == {"csp", "period_end", "processed_dir"}
    assert warnings == []


def test_missing_scope_parameter_names_report_notebook_and_parameter(tmp_path):
    batch, jobs, fps = _jobs(
        tmp_path, [_report("review", "ok_report.ipynb", scope="csp_priority", priorities=["drugs"])]
    )
    with pytest.raises(
        ReportError,
        match=r"report 'review', notebook .*ok_report.ipynb: parameter 'priority' is missing "
        r"from the notebook's parameters cell",
    ):
        batch_plan.check_notebook_parameters(jobs, batch, fps, {})


def test_scope_parameter_the_report_does_not_supply(tmp_path):
    batch, jobs, fps = _jobs(tmp_path, [_report("summary", "ok_thematic_report.ipynb")])
    with pytest.raises(
        ReportError,
        match=r"report 'summary', notebook .*ok_thematic_report.ipynb: the notebook declares "
        r"parameter 'priority' but reports of scope 'csp' do not supply it",
    ):
        batch_plan.check_notebook_parameters(jobs, batch, fps, {})


def test_unknown_fixed_parameter(tmp_path):
    batch, jobs, fps = _jobs(
        tmp_path, [_report("summary", "ok_report.ipynb", parameters={"colour": "red"})]
    )
    with pytest.raises(
        ReportError,
        match=r"report 'summary', notebook .*ok_report.ipynb: unknown parameter 'colour'",
    ):
        batch_plan.check_notebook_parameters(jobs, batch, fps, {})


def test_notebook_without_parameters_cell(tmp_path):
    batch, jobs, fps = _jobs(tmp_path, [_report("summary", "no_parameters_cell.ipynb")])
    with pytest.raises(ReportError, match=r"no cell tagged 'parameters'"):
        batch_plan.check_notebook_parameters(jobs, batch, fps, {})


def test_common_parameter_nobody_declares_is_a_warning_and_not_passed(tmp_path):
    batch, jobs, fps = _jobs(
        tmp_path,
        [_report("review", "ok_thematic_report.ipynb", scope="csp_priority", priorities=["drugs"])],
        parameters={"processed_dir": "x"},
    )
    _, warnings = batch_plan.check_notebook_parameters(jobs, batch, fps, {})
    assert warnings == [
        "common parameter 'processed_dir' is declared by none of the selected notebooks; not passed"
    ]


def test_inspection_is_cached_by_notebook_fingerprint(monkeypatch, tmp_path):
    cache = {"abc": {"csp": '""'}}
    import papermill

    monkeypatch.setattr(papermill, "inspect_notebook", lambda path: pytest.fail("not cached"))
    assert batch_plan.inspect_parameters(NOTEBOOKS / "ok_report.ipynb", "abc", cache) == {
        "csp": '""'
    }


# --------------------------------------------------------------------------- selection


def _all_jobs():
    batch = load_batch_config()
    return batch, batch.expand(AREAS, PRIORITIES)


def test_filters_select_reports():
    batch, jobs = _all_jobs()

    def keys(**kw):
        opts = RunOptions(**kw)
        return [j.key for j in batch_plan.select_jobs(jobs, opts, batch, AREAS, PRIORITIES)]

    assert len(keys(csps=["herefordshire"])) == 1 + 8 + 1 + 1  # + the force's comparison
    assert "partnership_comparison/west-mercia" in keys(csps=["herefordshire"])
    assert keys(reports=["partnership_comparison"]) == ["partnership_comparison/west-mercia"]
    assert len(keys(priorities=["drugs"])) == 5
    assert keys(csps=["shropshire"], priorities=["drugs"]) == ["thematic_review/shropshire/drugs"]
    assert len(keys(csps=["Telford and Wrekin"], reports=["all_crime_summary"])) == 1


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"csps": ["gotham"]}, r"unknown CSP 'gotham'; valid: herefordshire, north-worcestershire"),
        (
            {"reports": ["summary"]},
            r"unknown report 'summary'; valid: all_crime_summary, "
            r"partnership_comparison",
        ),
        ({"priorities": ["litter"]}, r"unknown priority 'litter'; valid: alcohol_related_violence"),
    ],
)
def test_unknown_filter_values_list_the_valid_ones(kw, message):
    batch, jobs = _all_jobs()
    with pytest.raises(UnknownNameError, match=message):
        batch_plan.select_jobs(jobs, RunOptions(**kw), batch, AREAS, PRIORITIES)


def test_filters_matching_nothing_is_an_error():
    batch, jobs = _all_jobs()
    opts = RunOptions(reports=["partnership_comparison"], priorities=["drugs"])
    with pytest.raises(ReportError, match="no report matches the filters"):
        batch_plan.select_jobs(jobs, opts, batch, AREAS, PRIORITIES)


def test_cli_unknown_csp_is_an_error_listing_valid_ones(capsys):
    assert cli.main(["run", "--csp", "gotham", "--list"]) == 1
    err = capsys.readouterr().err
    assert "unknown CSP 'gotham'; did you mean rotherham, oldham, nottingham" in err


def test_cli_rejects_bad_worker_count(capsys):
    assert cli.main(["run", "--workers", "0"]) == 1
    assert "--workers must be at least 1" in capsys.readouterr().err


# --------------------------------------------------------------------------- period and provenance


def test_latest_period_comes_from_the_data(processed):
    _, jobs = _all_jobs()
    months = batch_plan.read_data_months(processed)
    assert months == {"west-mercia": ("2025-01", "2025-12")}
    assert batch_plan.resolve_period_end(jobs[0], months, processed) == "2025-12"


def test_latest_period_without_data_is_an_error(tmp_path):
    _, jobs = _all_jobs()
    with pytest.raises(ReportError, match=r"period_end is 'latest' but there is no processed"):
        batch_plan.resolve_period_end(jobs[0], {}, tmp_path)
    with pytest.raises(ReportError, match=r"has no rows for force 'west-mercia'"):
        batch_plan.resolve_period_end(jobs[0], {"dyfed-powys": ("2025-01", "2025-02")}, tmp_path)


def test_provenance_reads_the_ingest_report_without_paths(processed):
    prov = batch_plan.read_provenance(processed)
    assert prov.synthetic is True
    assert prov.ingest_date == "2026-01-15"
    assert prov.sources == [
        "police.uk street-level crime and ASB data (Home Office) (12 files)",
        "ONS LSOA (2021) to ward to local authority best-fit lookup (lsoa_lookup.csv)",
    ]
    assert not any("/secret" in s for s in prov.sources)
    assert prov.code_version.startswith("csp-analysis ")


def test_demo_rows_make_data_synthetic_even_without_the_flag(processed):
    report = json.loads((processed / "ingest_report.json").read_text())
    report["synthetic"] = False
    (processed / "ingest_report.json").write_text(json.dumps(report))
    assert batch_plan.read_provenance(processed).synthetic is True


def test_one_line_error_strips_paths_ansi_and_tracebacks():
    text = "\x1b[31mFileNotFoundError\x1b[0m: [Errno 2] '/home/a/data/crimes.parquet'\nTraceback"
    assert worker.one_line_error(text) == "FileNotFoundError: [Errno 2] 'crimes.parquet'"
    assert worker.one_line_error(r"bad C:\Users\me\x.csv here") == "bad x.csv here"
    assert len(worker.one_line_error("x" * 1000)) == worker.MAX_ERROR_CHARS


# --------------------------------------------------------------------------- fingerprints


def test_notebook_fingerprint_ignores_outputs_but_not_sources(tmp_path):
    nb = nbformat.read(NOTEBOOKS / "ok_report.ipynb", as_version=4)
    base = tmp_path / "a.ipynb"
    nbformat.write(nb, base)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi")]
    nb.cells[1].execution_count = 7
    executed = tmp_path / "b.ipynb"
    nbformat.write(nb, executed)
    assert fingerprint.notebook_fingerprint(base) == fingerprint.notebook_fingerprint(executed)
    nb.cells[1].source += "\n# changed"
    nbformat.write(nb, executed)
    assert fingerprint.notebook_fingerprint(base) != fingerprint.notebook_fingerprint(executed)


def test_notebook_fingerprint_bad_file(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    with pytest.raises(Exception, match=r"bad.ipynb: not a Jupyter notebook"):
        fingerprint.notebook_fingerprint(bad)
    with pytest.raises(Exception, match=r"absent.ipynb: notebook not found"):
        fingerprint.notebook_fingerprint(tmp_path / "absent.ipynb")


def test_data_fingerprint_changes_with_content_and_uses_its_cache(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.parquet").write_bytes(b"one")
    (data / "README.md").write_text("ignored")
    cache = tmp_path / "cache.json"
    first, digests = fingerprint.data_fingerprint(data, cache)
    assert list(digests) == ["a.parquet"]
    calls = []
    real = fingerprint.file_digest
    monkeypatch.setattr(fingerprint, "file_digest", lambda p: calls.append(p) or real(p))
    assert fingerprint.data_fingerprint(data, cache)[0] == first
    assert calls == []  # unchanged file: served from the cache
    (data / "a.parquet").write_bytes(b"two")
    assert fingerprint.data_fingerprint(data, cache)[0] != first
    assert len(calls) == 1


def test_code_fingerprint_ignores_reports_yaml(tmp_path):
    (tmp_path / "csp_analysis" / "templates").mkdir(parents=True)
    (tmp_path / "csp_analysis" / "a.py").write_text("x = 1\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "areas.yaml").write_text("a: 1\n")
    (tmp_path / "config" / "reports.yaml").write_text("r: 1\n")
    base = fingerprint.code_fingerprint(tmp_path)
    (tmp_path / "config" / "reports.yaml").write_text("r: 2\n")
    assert fingerprint.code_fingerprint(tmp_path) == base
    (tmp_path / "config" / "areas.yaml").write_text("a: 2\n")
    assert fingerprint.code_fingerprint(tmp_path) != base
    changed = fingerprint.code_fingerprint(tmp_path)
    (tmp_path / "csp_analysis" / "templates" / "x.css").write_text("b {}")
    assert fingerprint.code_fingerprint(tmp_path) != changed


# --------------------------------------------------------------------------- HTML export


def _executed_ok_notebook():
    nb = nbformat.read(NOTEBOOKS / "ok_report.ipynb", as_version=4)
    nb.cells[2].outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="debug output"),
        nbformat.v4.new_output("stream", name="stderr", text="UserWarning: careful"),
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/markdown": "## Summary\n\nSome **findings**.",
            },
        ),
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": "<table><caption>Counts &amp; rates</caption><tr><td>1</td></tr></table>",
            },
        ),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=["tb"]),
    ]
    nb.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="SECRET")]
    return nb


def _img_with(page: str, alt: str, src: str) -> bool:
    """Whether the page has an <img> with exactly this alt and a src starting with ``src``."""
    return any(
        f'alt="{alt}"' in tag and re.search(rf'src="{re.escape(src)}', tag)
        for tag in re.findall(r"<img\b[^>]*>", page)
    )


def _page(**kw):
    kw.setdefault("title", "Herefordshire: Drugs thematic review, year ending December 2025")
    kw.setdefault("period", "Year ending December 2025")
    return PageInfo(**kw)


def test_prepare_for_publication_removes_what_stakeholders_must_not_see():
    nb = _executed_ok_notebook()
    published = prepare_for_publication(nb)
    sources = [c.source for c in published.cells]
    assert not any("SECRET" in s for s in sources)  # tagged "remove"
    assert not any(c.metadata.get("tags") == ["parameters"] for c in published.cells)
    outputs = published.cells[1].outputs
    assert [sorted(o.get("data", {})) for o in outputs] == [["text/markdown"], ["text/html"]]
    assert "## A stray level-one heading" in published.cells[2].source
    assert len(nb.cells[2].outputs) == 6  # the input is untouched


def test_render_html_meets_the_template_contract():
    page = render_html(
        _executed_ok_notebook(),
        _page(
            synthetic=True,
            sources=["Synthetic"],
            parameters={"csp": "herefordshire", "processed_dir": "/home/x/data"},
            index_href="../index.html",
        ),
    )
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in page
    assert page.count("<h1") == 1
    assert (
        '<h1 id="report-title">Herefordshire: Drugs thematic review, year ending December 2025'
        in page
    )
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert "<header" in page and "<footer" in page
    assert "Synthetic demonstration data." in page
    for absent in (
        "<script",
        "debug output",
        "careful",
        "SECRET",
        "boom",
        "Traceback",
        "/home/x",
        "processed_dir",
        "In&nbsp;[",
        'csp = ""',
        "<link",
    ):
        assert absent not in page, absent
    assert (
        '<div class="table-scroll" role="region" tabindex="0" '
        'aria-label="Counts &amp; rates (scrollable)"><table>'
    ) in page
    assert "csp = herefordshire" in page
    assert 'href="../index.html"' in page
    assert "@media print" in page


def test_real_data_pages_carry_the_licence_attributions_and_no_banner():
    page = render_html(_executed_ok_notebook(), _page(synthetic=False))
    assert OGL_POLICE in page and OGL_ONS in page
    assert "Synthetic demonstration data." not in page


def test_images_without_alt_text_are_refused_and_with_it_published():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0K"})]
    with pytest.raises(ReportError, match=r"cell 1 shows an image \(image/png\) without alt text"):
        render_html(nb, _page())
    nb.cells[0].outputs[0].metadata = {"image/png": {"alt": "Crimes fell by 5%"}}
    page = render_html(nb, _page())
    assert _img_with(page, alt="Crimes fell by 5%", src="data:image/png;base64,iVBORw0K")


@pytest.mark.parametrize(
    "resource",
    [
        '<script src="https://cdn.example/require.js"></script>',
        '<link rel="stylesheet" href="https://fonts.example/css">',
        '<img src="http://example.org/x.png" alt="x">',
        "<style>@import url(https://example.org/x.css);</style>",
        '<img src="figures/chart.png" alt="a chart beside the page, not in it">',
        '<div style="background: url(/img/x.png)">',
    ],
)
def test_pages_loading_external_resources_are_refused(resource):
    page = f'<html><head></head><body><main id="main">{resource}</main></body></html>'
    with pytest.raises(ReportError, match="would load an external resource"):
        finish_html(page)


@pytest.mark.parametrize(
    "text",
    [
        # #13: an indicator named like markup is escaped on the page; the check reads the
        # parsed document, so the escaped text can no longer refuse the page.
        "&lt;img src=x onerror=alert(1)&gt;",
        '<img alt="Rate of &lt;img src=x onerror=alert(1)&gt; by month" src="data:image/png;base64,AA">',
        "Indicator: url(http://example.org) and @import in plain text",
        '<td>=HYPERLINK("http://x", "src=x")</td>',
    ],
)
def test_page_text_that_mentions_resources_publishes(text):
    page = f'<html><head></head><body><main id="main"><p>{text}</p></main></body></html>'
    assert finish_html(page) == page


def test_html_images_without_alt_are_refused():
    page = '<main id="main"><p>x</p><IMG src="data:image/png;base64,AAAA"></main>'
    with pytest.raises(ReportError, match="an image in the page has no alt text"):
        finish_html(page)
    decorative = '<main id="main"><img alt="" src="data:image/png;base64,AAAA"></main>'
    assert finish_html(decorative) == decorative


def test_links_to_other_sites_and_data_uris_are_allowed():
    page = (
        '<main id="main"><a href="https://www.police.uk/">police.uk</a>'
        '<img src="data:image/png;base64,AAAA" alt="x"><a href="data:text/csv,a">CSV</a>'
        "</main>"
    )
    assert finish_html(page) == page


def test_markdown_images_are_embedded(tmp_path):
    import base64

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )
    (tmp_path / "logo.png").write_bytes(png)
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("![Partnership logo](logo.png)")]
    )
    page = render_html(nb, _page(), base_dir=tmp_path)
    assert _img_with(page, alt="Partnership logo", src="data:image/png;base64,")


def test_write_atomic_replaces_whole_file(tmp_path):
    target = tmp_path / "a" / "page.html"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]


# --------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_batch_isolates_failures_writes_outputs_and_skips_on_rerun(
    tmp_path, processed, monkeypatch
):
    # Other work in the same tree changes the package code while this runs; pin the code
    # fingerprint (tested on its own above) so the re-run test sees only what it changes.
    monkeypatch.setattr(batch_plan, "code_fingerprint", lambda root: "pinned-code")
    config = _batch(tmp_path, MIXED, parameters={"processed_dir": str(processed)})
    out = tmp_path / "reports"
    started = time.monotonic()
    result = runner.run_batch(_options(tmp_path, config, processed))
    elapsed = time.monotonic() - started

    assert result.exit_code == 1
    assert result.ran == 8 and result.skipped == 0
    status = {e["key"]: (e["status"], e["error_kind"]) for e in result.entries}
    assert status == {
        "ok_report/herefordshire": ("ok", None),
        "ok_report/shropshire": ("ok", None),
        "thematic/herefordshire/drugs": ("ok", None),
        "thematic/herefordshire/asb": ("ok", None),
        "comparison/west-mercia": ("ok", None),
        "raises/herefordshire": ("failed", "error"),
        "dies/herefordshire": ("failed", "kernel died"),
        "hangs/herefordshire": ("failed", "timeout"),
    }
    # The hung report (600 s of sleep) was stopped at its 6 s timeout: a hang guard, not a
    # speed test (speed is benchmarks/batch.py's job).
    assert elapsed < 300, elapsed
    errors = {e["key"]: e["error"] for e in result.failed}
    assert (
        errors["raises/herefordshire"] == "ValueError: no data for herefordshire in crimes.parquet"
    )

    # Outputs where the issue says, executed notebooks beside them.
    for rel in (
        "herefordshire/ok_report.html",
        "shropshire/ok_report.html",
        "herefordshire/drugs.html",
        "herefordshire/asb.html",
        "west-mercia/comparison.html",
    ):
        assert (out / rel).is_file(), rel
    for rel in ("herefordshire/raises.html", "herefordshire/dies.html", "herefordshire/hangs.html"):
        assert not (out / rel).exists()
    for name in ("ok_report", "raises", "dies", "hangs"):
        assert (out / "_executed" / "herefordshire" / f"{name}.ipynb").is_file()
    hung = nbformat.read(out / "_executed/herefordshire/hangs.ipynb", as_version=4)
    assert "per-report timeout of 6 s" in hung.cells[-1].source

    page = (out / "herefordshire" / "ok_report.html").read_text()
    assert "Herefordshire: ok_report, year ending December 2025" in page
    assert "Period ending 2025-12; 2 data files; BLAS threads: 1." in page  # processed_dir given
    assert "Synthetic demonstration data." in page
    assert _img_with(page, alt="A one-pixel test image standing in for a chart", src="data:")
    assert "debug output" not in page and "must not be published" not in page
    assert str(processed) not in page and "processed_dir" not in page
    drugs = (out / "herefordshire" / "drugs.html").read_text()
    assert "Herefordshire: Drugs review, year ending December 2025" in drugs

    # Manifest: parameters, fingerprints, status, duration and output of every report.
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    entry = next(e for e in manifest["reports"] if e["key"] == "thematic/herefordshire/drugs")
    assert entry["parameters"] == {
        "csp": "herefordshire",
        "priority": "drugs",
        "period_end": "2025-12",
    }
    assert entry["output"] == "herefordshire/drugs.html"
    assert entry["executed"] == "_executed/herefordshire/drugs.ipynb"
    assert entry["duration_s"] > 0
    for key in ("notebook_fingerprint", "code_fingerprint", "data_fingerprint", "fingerprint"):
        assert len(entry[key]) == 64 or entry[key] == "pinned-code"

    # Index: every report, status in words, failures with their error and executed notebook.
    index = (out / "index.html").read_text()
    assert '<html lang="en-GB">' in index and index.count("<h1") == 1
    assert "8 reports: 5 ready, 3 failed." in index
    # The national index lists every failure and each force; the force's index every report,
    # grouped by partnership, failures first, with a status filter that needs no script.
    assert '<a href="index-west-mercia.html">West Mercia</a>' in index
    force_index = (out / "index-west-mercia.html").read_text()
    assert '<a href="herefordshire/drugs.html">Herefordshire: Drugs review' in force_index
    assert force_index.count("<h1") == 1 and 'id="show-failed"' in force_index
    assert "<h2" in force_index and ">Herefordshire</h2>" in force_index
    herefordshire = force_index.split(">Herefordshire</h2>")[1].split("</section>")[0]
    assert herefordshire.index("Failed:") < herefordshire.index("Ready")  # failures first
    assert 'href="../index-west-mercia.html"' in page  # a report's "All reports" link
    assert "Failed: timed out" in index and "Failed: kernel died" in index
    assert "ValueError: no data for herefordshire in crimes.parquet" in index
    assert '<a href="_executed/herefordshire/raises.ipynb">' in index
    assert "<caption>" in index and 'scope="col"' in index
    assert "Synthetic demonstration data." in index
    assert '<a href="accessibility.html">' in index
    assert "WCAG" in (out / "accessibility.html").read_text()
    for html_file in out.rglob("*.html"):
        assert "<script" not in html_file.read_text(), html_file

    # Re-run with nothing changed: every good report is skipped (its time: the benchmark).
    ok_only = ["ok_report", "thematic", "comparison"]
    again = runner.run_batch(_options(tmp_path, config, processed, reports=ok_only))
    assert (again.ran, again.skipped, again.exit_code) == (0, 5, 0)
    # The index still lists the failures from the earlier run.
    assert "8 reports: 5 ready, 3 failed." in (out / "index.html").read_text()

    # Editing a commentary file re-runs only its report; one written for an earlier period is
    # left out and the index says so.
    commentary = tmp_path / "commentary" / "herefordshire" / "ok_report.md"
    commentary.parent.mkdir(parents=True)
    text = "---\nauthor: A. Analyst\nrole: Analyst\ndate: 2026-01-10\nperiod_end: {}\n---\nWords.\n"
    commentary.write_text(text.format("2025-12"))
    with_commentary = _options(tmp_path, config, processed, reports=ok_only)
    with_commentary.commentary_dir = tmp_path / "commentary"
    plan = runner.plan_batch(with_commentary)
    assert {p.job.key: p.reason for p in plan.planned if p.run} == {
        "ok_report/herefordshire": "changed: commentary"
    }
    commentary.write_text(text.format("2025-09"))
    plan = runner.plan_batch(with_commentary)
    (item,) = [p for p in plan.planned if p.run]
    assert (
        item.note
        == "commentary written for an earlier period (year ending September 2025); not shown"
    )
    runner.run_batch(with_commentary)
    index = (out / "index-west-mercia.html").read_text()
    assert (
        "Commentary written for an earlier period (year ending September 2025); not shown." in index
    )
    commentary.unlink()
    runner.run_batch(with_commentary)  # back to no commentary, for what follows

    # A changed parameter re-runs only the reports it touches.
    changed = [dict(r) for r in MIXED[:3]]
    changed[1]["priorities"] = ["drugs", "asb", "vawg"]
    config = _batch(tmp_path, changed, parameters={"processed_dir": str(processed)})
    plan = runner.plan_batch(_options(tmp_path, config, processed))
    assert [p.job.key for p in plan.planned if p.run] == ["thematic/herefordshire/vawg"]
    plan = runner.plan_batch(_options(tmp_path, config, processed, timeout=5))
    assert not any(p.run for p in plan.planned if p.job.priority != "vawg")  # not a parameter

    changed[0]["title"] = "{csp_name}: renamed, {period}"
    config = _batch(tmp_path, changed, parameters={"processed_dir": str(processed)})
    plan = runner.plan_batch(_options(tmp_path, config, processed))
    assert sorted(p.job.key for p in plan.planned if p.run) == [
        "ok_report/herefordshire",
        "ok_report/shropshire",
        "thematic/herefordshire/vawg",
    ]

    # A changed notebook re-runs the reports that use it; --force re-runs everything.
    notebook = tmp_path / "force_report.ipynb"
    notebook.write_text((NOTEBOOKS / "ok_force_report.ipynb").read_text())
    changed[0]["title"] = MIXED[0]["title"]
    changed[2]["notebook"] = str(notebook)
    config = _batch(tmp_path, changed, parameters={"processed_dir": str(processed)})
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[-1].source += "\ndisplay(Markdown('More.'))"
    nbformat.write(nb, notebook)
    plan = runner.plan_batch(_options(tmp_path, config, processed))
    runs = {p.job.key: p.reason for p in plan.planned if p.run}
    assert runs == {
        "thematic/herefordshire/vawg": "new",
        "comparison/west-mercia": "changed: notebook",
    }
    plan = runner.plan_batch(_options(tmp_path, config, processed, force=True))
    assert all(p.run for p in plan.planned)

    # New data re-runs everything; a deleted page is regenerated.
    (processed / "extra.parquet").write_bytes(b"new data")
    (out / "herefordshire" / "ok_report.html").unlink()
    plan = runner.plan_batch(_options(tmp_path, config, processed))
    assert all(p.run for p in plan.planned)


@pytest.mark.slow
def test_cli_run_survives_a_killed_worker_and_prints_failures(tmp_path, processed, capsys):
    config = _batch(
        tmp_path,
        [
            _report("kills_worker", "kills_worker.ipynb", csps=["telford-and-wrekin"]),
            _report("ok_report", "ok_report.ipynb", csps=["telford-and-wrekin"]),
            _report("raises", "raises_error.ipynb", csps=["telford-and-wrekin"]),
        ],
        period_end="2025-06",
    )
    out = tmp_path / "reports"
    code = cli.main(
        [
            "run",
            "--config",
            str(config),
            "--out",
            str(out),
            "--workers",
            "1",
            "--processed-dir",
            str(processed),
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    assert code == 1
    # One worker: the batch goes on in a fresh worker after the first one is killed.
    assert "3 reports: 3 run, 0 up to date, 2 failed" in captured.out
    assert (
        "FAILED kills_worker/telford-and-wrekin (worker died): the worker process running "
        "the report died" in captured.err
    )
    assert f"Index: {out / 'index.html'}" in captured.out
    assert (
        "FAILED raises/telford-and-wrekin (error): ValueError: no data for "
        "telford-and-wrekin in crimes.parquet" in captured.err
    )
    assert "executed notebook:" in captured.err
    page = (out / "telford-and-wrekin" / "ok_report.html").read_text()
    assert "year ending June 2025" in page and "Period ending 2025-06" in page
    assert (out / "_executed" / "logs" / "worker-1.log").is_file()

    assert (
        cli.main(
            [
                "run",
                "--config",
                str(config),
                "--out",
                str(out),
                "--list",
                "--processed-dir",
                str(processed),
            ]
        )
        == 0
    )
    listing = capsys.readouterr().out
    assert "run  raises/telford-and-wrekin" in listing and "(failed last time)" in listing


def test_index_rows_say_status_in_words_and_escape_text():
    from csp_analysis.report.index_page import render_force_index, render_index

    rows = [
        {
            "title": "A <b>",
            "area": "Herefordshire",
            "report": "all_crime_summary",
            "priority": None,
            "period": "year ending December 2025",
            "status": "ok",
            "output": "herefordshire/all_crime_summary.html",
            "executed": "_executed/x.ipynb",
        },
        {
            "title": "B",
            "area": "Shropshire",
            "report": "thematic_review",
            "priority": "Drugs",
            "period": "year ending December 2025",
            "status": "failed",
            "error_kind": "timeout",
            "error": "stopped after 5 s",
            "output": None,
            "executed": "_executed/s/drugs.ipynb",
        },
        {
            "title": "C",
            "area": "Shropshire",
            "report": "thematic_review",
            "priority": "ASB",
            "period": "year ending latest",
            "status": "not run",
            "output": None,
            "executed": None,
        },
    ]
    national = render_index(rows, synthetic=False, generated="2026-01-01 10:00 UTC")
    assert "3 reports: 1 ready, 1 failed, 1 not run yet." in national
    assert "Failed: timed out" in national and "A &lt;b&gt;" not in national  # failures only
    page = render_force_index("West Mercia", rows, False, "2026-01-01 10:00 UTC")
    assert "3 reports: 1 ready, 1 failed, 1 not run yet." in page
    assert '<a href="herefordshire/all_crime_summary.html">A &lt;b&gt;</a>' in page
    assert '<span class="status-failed">Failed: timed out</span>' in page
    assert '<span class="error-text">stopped after 5 s</span>' in page
    assert '<a href="_executed/s/drugs.ipynb">Executed notebook for B</a>' in page
    assert '<span class="status-pending">Not run yet</span>' in page
    assert "_executed/x.ipynb" not in page  # only failures link their executed notebook
    assert "Synthetic demonstration data" not in page
    assert page.count("<h1") == 1 and '<main id="main"' in page


def test_the_batch_reports_on_the_chosen_forces_or_those_in_the_data():
    national = load_areas()
    months = {"west-mercia": ("2025-01", "2025-12"), "btp": ("2025-01", "2025-12")}
    areas, warnings = batch_plan.forces_to_report(national, months)
    assert [f.id for f in areas.forces] == ["west-mercia"]
    assert warnings == [
        "the processed data hold records of 'btp', which is not a police force area of England "
        "and Wales: no reports for them"
    ]
    chosen = national.model_copy(update={"selected": ["west-yorkshire", "west-mercia"]})
    areas, warnings = batch_plan.forces_to_report(chosen, {"west-mercia": ("2025-01", "2025-12")})
    assert [f.id for f in areas.forces] == ["west-mercia"]
    assert warnings == [
        "force 'west-yorkshire' is chosen in config/areas.yaml but the processed data hold no "
        "records for it: its reports are not run"
    ]
    only_yorkshire = national.model_copy(update={"selected": ["west-yorkshire"]})
    with pytest.raises(ReportError, match=r"none of the forces chosen in config/areas\.yaml"):
        batch_plan.forces_to_report(only_yorkshire, {"west-mercia": ("2025-01", "2025-12")})
    _, warnings = batch_plan.forces_to_report(
        national.model_copy(update={"selected": ["west-mercia"]}),
        {"west-mercia": ("2025-01", "2025-12"), "west-yorkshire": ("2016-07", "2016-07")},
    )
    assert warnings == [
        "the processed data hold records of 'west-yorkshire', which config/areas.yaml does not "
        "choose: no reports for it"
    ]
    with pytest.raises(ReportError, match=r"hold no records for any police force"):
        batch_plan.forces_to_report(national, {})
