"""The papermill engine report workers run notebooks with: papermill's own nbclient engine,
writing the executed notebook a few times per report instead of at every cell.

papermill's execution manager writes the whole executed notebook (JSON, indented, validated)
when each cell starts and again when it ends, so a report of 20 cells whose outputs hold a
dozen charts wrote it about 40 times, each larger than the last: measured 2.5 s of a thematic
review's worker time (of about 9 s). This engine keeps papermill's bookkeeping (cell status,
timings, progress) and writes:

* when the notebook starts (so a report killed at its timeout still leaves its executed
  notebook, where the batch notes why it stopped);
* at most once every ``SAVE_EVERY_S`` seconds while cells run (what a slow report has done so
  far stays visible, as papermill's own ``autosave_cell_every`` intends for long cells);
* when a cell fails and when the run ends, finished or not.

Registered with papermill's public engine registry (``papermill_engines.register``) under
``ENGINE_NAME``; the worker passes that name to ``papermill.execute_notebook``.
"""

from __future__ import annotations

import time

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

ENGINE_NAME = "csp-analysis"
SAVE_EVERY_S = 10.0


class ThrottledSaveManager(NotebookExecutionManager):
    """papermill's execution manager, writing the executed notebook at the start, on a
    failure, at the end, and otherwise at most once every ``SAVE_EVERY_S`` seconds."""

    def __init__(self, *args, **kwargs):
        self._last_write = float("-inf")
        self._must_write = False
        super().__init__(*args, **kwargs)

    def save(self, **kwargs):
        now = time.monotonic()
        if self._must_write or now - self._last_write >= SAVE_EVERY_S:
            super().save(**kwargs)
            self._last_write = now

    def _saving(self, method, *args, **kwargs):
        self._must_write = True
        try:
            return method(*args, **kwargs)
        finally:
            self._must_write = False

    def cell_exception(self, *args, **kwargs):
        return self._saving(super().cell_exception, *args, **kwargs)

    def notebook_complete(self, **kwargs):
        return self._saving(super().notebook_complete, **kwargs)


class ThrottledSaveEngine(NBClientEngine):
    """papermill's nbclient engine with :class:`ThrottledSaveManager`."""

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        **kwargs,
    ):
        # papermill's Engine.execute_notebook, with the manager swapped.
        nb_man = ThrottledSaveManager(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


def register() -> str:
    """Register the engine with papermill (idempotent); returns its name."""
    papermill_engines.register(ENGINE_NAME, ThrottledSaveEngine)
    return ENGINE_NAME
