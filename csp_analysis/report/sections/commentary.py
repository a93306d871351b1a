"""The partnership's own commentary: the analyst's words, attributed and dated, near the top."""

from __future__ import annotations

from pathlib import Path

from csp_analysis.core.exceptions import AnalysisError, InputFileError
from csp_analysis.io.commentary import commentary_path, read_commentary
from csp_analysis.report.commentary import attribution, render_markdown
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Heading, Markup, Paragraph, Section
from csp_analysis.report.sections.common import _section

TITLE = "Partnership commentary"


@_section
def commentary(ctx: ReviewContext, report: str, root: str | Path | None = None) -> Section:
    """The commentary an analyst wrote for this report, when written for this period.

    Reads ``commentary/<csp id>/<report>.md`` (see :mod:`csp_analysis.io.commentary`), where
    ``report`` is the page's file name without ``.html`` (``"all_crime_summary"``, a priority
    id such as ``"domestic_abuse"``, ``"performance_overview"``). Shows it under the heading
    "Partnership commentary" with who wrote it, in what role and when. A commentary written
    for another period is left out (the index says so), and with no commentary the section is
    empty, heading and all.

    Parameters
    ----------
    ctx : ReviewContext
    report : str
        The report's stem.
    root : path-like, optional
        The commentary folder (default ``commentary/`` in the project).

    Returns
    -------
    Section
    """
    area = ctx.csp.id if ctx.csp is not None else ctx.force.id
    try:
        found = read_commentary(commentary_path(area, report, root))
    except InputFileError as exc:
        # The page names the file, never its folder (published pages carry no paths).
        where = Path(exc.file).name + (f", line {exc.row}" if exc.row else "")
        raise AnalysisError(f"the commentary file {where} cannot be read: {exc.problem}") from None
    if found is None or not found.applies_to(f"{ctx.period_end:%Y-%m}"):
        return Section("commentary", [])
    return Section(
        "commentary",
        [
            Heading(TITLE, 2),
            Paragraph(attribution(found)),
            Markup(render_markdown(found.body), source=found.body),
        ],
    )
