"""The report workers' papermill engine (batch/engine.py): the executed notebook is written at
the start, on a failure and at the end, not at every cell, and papermill's bookkeeping stays."""

from __future__ import annotations

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

from csp_analysis.batch import engine


def _notebook(path, sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@pytest.fixture
def writes(monkeypatch):
    """Every write of the executed notebook by papermill's execution manager."""
    import papermill.engines

    calls = []
    original = papermill.engines.write_ipynb

    def counting(nb, path):
        calls.append([c.get("outputs", []) for c in nb.cells])
        return original(nb, path)

    monkeypatch.setattr(papermill.engines, "write_ipynb", counting)
    return calls


def test_a_quick_report_is_written_at_start_and_end_not_per_cell(tmp_path, writes):
    source = _notebook(tmp_path / "in.ipynb", [f"print({i})" for i in range(12)])
    out = tmp_path / "out.ipynb"
    nb = papermill.execute_notebook(
        str(source), str(out), kernel_name="python3", progress_bar=False,
        engine_name=engine.register(),
    )  # fmt: skip
    # papermill's own manager writes at each cell's start and end: 2 x 12 + 2 = 26 writes.
    assert len(writes) == 2  # start (nothing run yet) and end (everything)
    assert writes[0] == [[] for _ in range(12)]
    assert all(outputs for outputs in writes[-1])
    executed = nbformat.read(out, as_version=4)
    assert [c.outputs[0]["text"] for c in executed.cells] == [f"{i}\n" for i in range(12)]
    assert {c.metadata.papermill["status"] for c in nb.cells} == {"completed"}
    assert executed.metadata.papermill["duration"] > 0


def test_a_failing_cell_is_written_with_its_error(tmp_path, writes):
    source = _notebook(tmp_path / "in.ipynb", ["x = 1", "raise ValueError('boom')", "y = 2"])
    out = tmp_path / "out.ipynb"
    with pytest.raises(PapermillExecutionError, match="boom"):
        papermill.execute_notebook(
            str(source), str(out), kernel_name="python3", progress_bar=False,
            engine_name=engine.register(),
        )  # fmt: skip
    executed = nbformat.read(out, as_version=4)
    failed = next(c for c in executed.cells if "boom" in c.source)
    assert failed.outputs[0]["ename"] == "ValueError"
    assert failed.metadata.papermill["status"] == "failed"


def test_a_slow_report_is_also_written_while_it_runs(tmp_path, writes, monkeypatch):
    monkeypatch.setattr(engine, "SAVE_EVERY_S", 0.5)
    source = _notebook(tmp_path / "in.ipynb", ["import time", "time.sleep(0.7)", "print('a')"])
    papermill.execute_notebook(
        str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False,
        engine_name=engine.register(),
    )  # fmt: skip
    assert 3 <= len(writes) < 8  # start, once the sleep has passed SAVE_EVERY_S, end
