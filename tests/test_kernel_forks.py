"""Report kernels forked from a warm template (csp_analysis.batch.kernel_forks, issue #15).

Each report must still run in a fresh interpreter: a report that sets a global, matplotlib
rcParams, a warning filter, an environment variable, module state and the working directory
runs first on a one-worker batch; the next report on the same worker fails if it sees any of
it, and says whether its kernel really was forked from the template.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csp_analysis.batch import runner
from csp_analysis.batch.kernel_forks import forking_available
from tests.test_runner import _batch, _options, _report, write_processed

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system")


@pytest.fixture
def processed(tmp_path) -> Path:
    """The runner tests' tiny synthetic processed-data folder (tests/test_runner.py)."""
    return write_processed(tmp_path / "processed")


def _run(tmp_path, processed):
    config = _batch(
        tmp_path,
        [
            _report("sets", "sets_state.ipynb", csps=["herefordshire"]),
            _report("checks", "checks_state.ipynb", csps=["herefordshire", "shropshire"]),
        ],
        parameters={"processed_dir": str(processed)},
    )
    return runner.run_batch(_options(tmp_path, config, processed, workers=1))


def test_forked_report_kernels_see_nothing_an_earlier_report_set(tmp_path, processed):
    assert forking_available()
    result = _run(tmp_path, processed)
    status = {e["key"]: (e["status"], e["error"]) for e in result.entries}
    assert all(s == "ok" for s, _ in status.values()), status
    for csp in ("herefordshire", "shropshire"):
        page = (tmp_path / "reports" / csp / "checks.html").read_text()
        assert "Kernel forked from the template: True." in page, csp


def test_ordinary_kernels_when_forking_is_off(tmp_path, processed, monkeypatch):
    monkeypatch.setenv("CSP_ANALYSIS_FORK_KERNELS", "0")
    result = _run(tmp_path, processed)
    assert all(e["status"] == "ok" for e in result.entries)
    page = (tmp_path / "reports" / "herefordshire" / "checks.html").read_text()
    assert "Kernel forked from the template: False." in page


def test_a_partnerships_shared_work_is_prepared_in_the_template_before_forking(tmp_path):
    # The demo data (make data): boundaries, so there are outlines and contiguity to share.
    from csp_analysis.core.paths import PROCESSED_DIR

    config = _batch(
        tmp_path,
        [_report("prepared", "shows_prepared.ipynb", csps=["herefordshire", "shropshire"])],
        parameters={"processed_dir": str(PROCESSED_DIR)},
    )
    result = runner.run_batch(_options(tmp_path, config, PROCESSED_DIR, workers=1))
    assert all(e["status"] == "ok" for e in result.entries), [e["error"] for e in result.entries]
    for csp in ("herefordshire", "shropshire"):
        page = (tmp_path / "reports" / csp / "prepared.html").read_text()
        # Its own shapes, outlines and contiguity were in the kernel before the report began.
        assert f"Shared work inherited for {csp}: boundaries, contiguity, outlines." in page
