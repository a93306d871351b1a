"""The notebooks' entry point: ``from csp_analysis.report import review``.

Re-exports every section of :mod:`csp_analysis.report.sections` with ``load_context`` and
``show``, so a report notebook needs one import.
"""

from __future__ import annotations

from csp_analysis.report.sections import *  # noqa: F403 - the sections are this module's API
from csp_analysis.report.sections import __all__ as __all__  # noqa: PLE0605
from csp_analysis.report.sections.common import STRICT_ENV as STRICT_ENV


def warm_partnership(csp: str, period_end: str = "latest", processed_dir: str = "") -> None:
    """Prepare in this process what every report of a partnership shares (its force's
    records to the period end, its neighbourhood shapes, outlines and contiguity: see
    ``ReviewContext.shared_memo``). A batch worker's kernel template calls it before forking a
    report's kernel, so the partnership's other reports on that worker start with it done."""
    from csp_analysis.report.context import load_context
    from csp_analysis.report.sections.places import prepare_partnership

    prepare_partnership(load_context(csp=csp, period_end=period_end, processed_dir=processed_dir))
