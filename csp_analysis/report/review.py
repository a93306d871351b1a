"""The notebooks' entry point: ``from csp_analysis.report import review``.

Re-exports every section of :mod:`csp_analysis.report.sections` with ``load_context`` and
``show``, so a report notebook needs one import.
"""

from __future__ import annotations

from csp_analysis.report.sections import *  # noqa: F403 - the sections are this module's API
from csp_analysis.report.sections import __all__ as __all__  # noqa: PLE0605
from csp_analysis.report.sections.common import STRICT_ENV as STRICT_ENV
