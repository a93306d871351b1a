"""Sections of the published reviews: each takes a :class:`ReviewContext` and returns a
:class:`~csp_analysis.report.sections.base.Section` holding its tables, charts and words.

The report notebooks are thin: a parameters cell, ``ctx = review.load_context(...)``, then
markdown prose and cells such as ``ytd = review.year_to_date(ctx)`` followed by ``ytd``, which
displays the section as the page will show it; ``ytd.tables`` holds its figures. Everything
else - period arithmetic, counting, model fitting, disclosure control and wording - is here,
built from the analysis modules (:mod:`~csp_analysis.analysis.series`, :mod:`~csp_analysis.analysis.rates`,
:mod:`~csp_analysis.analysis.disclosure`, :mod:`~csp_analysis.report.findings`,
:mod:`~csp_analysis.analysis.seasonality`, :mod:`~csp_analysis.analysis.trend`, :mod:`~csp_analysis.analysis.forecast`,
:mod:`~csp_analysis.analysis.spc`) and rendered with :mod:`~csp_analysis.report.charts` and
:mod:`~csp_analysis.report.blocks`. Methods are documented in ``docs/methods.md``.

Rules every section follows
---------------------------
* **Never a traceback on the page.** A section that cannot be computed because of the data
  (too little history, an unavailable priority) says so in a plain sentence. An unexpected
  error raises with its traceback in JupyterLab; in the report batch (``CSP_ANALYSIS_LENIENT=1``,
  set by the runner) it is written to the notebook's stderr (kept in the executed notebook for
  the analyst, stripped from the page) and the page says the section could not be produced.
  ``CSP_ANALYSIS_STRICT=1`` (the tests) raises in every case.
* **History needed.** Year-to-date comparisons need the same months a year earlier; a
  seasonal decomposition and the trend model need 24 months; a forecast needs 36 (24 to
  train and 12 to test in a rolling-origin backtest); a control chart needs 12 points.
* **Disclosure control** (:mod:`csp_analysis.analysis.disclosure`). Counts of 1 to 2 - 1 to 4 in
  sensitive themes (``sensitive: true`` in ``config/priorities.yaml``) - are published as
  ``[c]`` in every table, with secondary suppression wherever a total is shown, and so are the
  figures derived from them (shares, rates, changes). Neighbourhood (LSOA) tables list only
  areas above the threshold. A monthly chart would publish each month's count in its data
  table and, with the year's total printed beside it, let a reader recover a withheld month;
  so when any month shown would need suppression, the point-level monthly charts (trend,
  control chart, seasonal profile, forecast) are replaced by a quarterly table under the same
  rules, with a sentence saying why.
* **Headings.** The page template owns the h1; notebooks put h2 headings in markdown cells;
  sections here use h3 only.

Running on the real West Mercia 2025 data
-----------------------------------------
``make ingest-real`` loads the police.uk files in ``../shared/data`` into ``data/processed``
(replacing the demonstration data; ``csp-analysis ingest ... --out DIR`` and
``csp-analysis run --processed-dir DIR`` keep them apart), then ``csp-analysis run`` builds
every report for the year ending December 2025. Those data hold 12 months of police.uk records
only, so: year-to-date comparisons, seasonal decomposition, the trend model and forecasts each
say plainly that they need more history; thematic reviews of domestic abuse, violence against
women and girls, hate crime and alcohol-related violence use the police.uk proxy with its
caveat at the top of the page; breakdowns are limited to crime type and outcome; monthly
control charts (12 points) and every year-ending table, comparison and funnel plot are shown.
"""

from __future__ import annotations

from csp_analysis.report.context import ReviewContext, load_context
from csp_analysis.report.sections.base import (
    Caveat,
    Findings,
    Heading,
    KeyFigures,
    Markup,
    Paragraph,
    Section,
    Table,
)
from csp_analysis.report.sections.commentary import commentary
from csp_analysis.report.sections.common import focus
from csp_analysis.report.sections.methods import data_and_methods
from csp_analysis.report.sections.national import (
    most_similar_group,
    msg_overview,
    national_funnel,
)
from csp_analysis.report.sections.partnership import (
    partnership_funnel,
    partnership_positions,
    partnership_table,
    priority_rates_table,
)
from csp_analysis.report.sections.performance import (
    performance_by_quarter,
    performance_charts,
    performance_indicators,
    performance_summary,
)
from csp_analysis.report.sections.places import crime_map, hotspots, top_lsoas
from csp_analysis.report.sections.summary import headline, key_findings, overview
from csp_analysis.report.sections.thematic import breakdowns, definition, peer_comparison
from csp_analysis.report.sections.timeline import (
    control_chart,
    crime_type_table,
    forecast_section,
    seasonality_section,
    trend_section,
    year_to_date,
)

__all__ = [
    "Caveat",
    "Markup",
    "commentary",
    "Findings",
    "Heading",
    "KeyFigures",
    "Paragraph",
    "ReviewContext",
    "Section",
    "Table",
    "breakdowns",
    "control_chart",
    "crime_map",
    "crime_type_table",
    "data_and_methods",
    "definition",
    "focus",
    "forecast_section",
    "headline",
    "hotspots",
    "key_findings",
    "load_context",
    "most_similar_group",
    "msg_overview",
    "national_funnel",
    "overview",
    "partnership_funnel",
    "partnership_positions",
    "partnership_table",
    "peer_comparison",
    "performance_by_quarter",
    "performance_charts",
    "performance_indicators",
    "performance_summary",
    "priority_rates_table",
    "seasonality_section",
    "top_lsoas",
    "trend_section",
    "year_to_date",
]
