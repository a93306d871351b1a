"""Accessible matplotlib charts for the published reports, each with alt text made from its data.

Every builder returns a :class:`Chart`: the figure, an alt text written from the numbers it
shows (start and end values, direction, the latest month against the usual range when limits
are given), a caption, and the same numbers as a tidy DataFrame that :mod:`csp_analysis.report.blocks`
publishes as an accessible table and an embedded CSV beside the image.

Design rules, from issue #5 and the guidance they follow:

* Colour never carries meaning alone (WCAG 2.2 SC 1.4.1): every series has its own marker and
  line style as well as its own colour, and is named by a direct label at the end of its line
  rather than a legend (GSS Government Analysis Function, "Data visualisation: charts", 2023).
* The palette is the Okabe-Ito colour-blind-safe palette (Okabe and Ito, "Color Universal
  Design", 2008), restricted to the five colours with at least 3:1 contrast against white, the
  WCAG 2.2 SC 1.4.11 minimum for graphical objects. Text drawn in a series colour is darkened to
  4.5:1 (SC 1.4.3), because text in an image is still text.
* Tick labels are horizontal, the y-axis title sits horizontally above the axis, and no chart
  has a second y axis (dual axes invite false comparisons; GSS guidance).
* Axes state the data truthfully: value ticks fall at 1, 2, 2.5 or 5 times a power of ten
  (whole numbers for counts) and every tick label carries the decimals that make it exactly
  its tick's value; the limits cover every series drawn (counts, averages, seasonally adjusted
  lines, usual ranges, intervals, control and funnel limits), so no line runs off the plot.
* Missing months or quarters (NaN) are drawn as breaks in the line, never as zero, and are
  counted in the alt text.
* Time series are monthly or quarterly (``period``, inferred from the index when not given):
  the alt text, caption, axis ticks and table rows then speak of months ("April 2025") or
  financial quarters ("2025/26 Q1", as :func:`csp_analysis.core.calendar.fy_quarter_label`).
* No label may cover another: line labels stack in the right margin with leader lines when
  they are pushed off their line's height; point labels (funnel areas, SPC special causes,
  "Recorded") are placed in pixels inside the plot area, clear of every point, label and the
  margin, in the spirit of ggrepel; a funnel name with no clear place is left to the table.

Figures are built with :class:`matplotlib.figure.Figure` directly rather than ``pyplot``: they
are never registered with pyplot, so the notebook inline backend cannot display them a second
time without their alt text, and a batch of hundreds of charts does not accumulate open
figures (nothing to ``plt.close``).
"""

from __future__ import annotations

from csp_analysis.report.blocks import slugify
from csp_analysis.report.charts.bar import bar_chart
from csp_analysis.report.charts.common import PERIODS
from csp_analysis.report.charts.figure import Chart, figure_block, png_size, render_png
from csp_analysis.report.charts.forecast import forecast_chart
from csp_analysis.report.charts.funnel import funnel_chart, funnel_position
from csp_analysis.report.charts.maps import choropleth_map, hotspot_map
from csp_analysis.report.charts.seasonal import seasonal_profile_chart
from csp_analysis.report.charts.spc import spc_chart
from csp_analysis.report.charts.style import (
    CSS_SCALE,
    DPI,
    LINESTYLES,
    MARKERS,
    PALETTE,
    SPC_STYLES,
    contrast_ratio,
    text_colour,
)
from csp_analysis.report.charts.trend import trend_chart
from csp_analysis.report.wording import NOT_AVAILABLE, SUPPRESSED

__all__ = [
    "CSS_SCALE",
    "Chart",
    "DPI",
    "LINESTYLES",
    "MARKERS",
    "NOT_AVAILABLE",
    "PALETTE",
    "PERIODS",
    "SPC_STYLES",
    "SUPPRESSED",
    "bar_chart",
    "choropleth_map",
    "contrast_ratio",
    "figure_block",
    "forecast_chart",
    "funnel_chart",
    "funnel_position",
    "hotspot_map",
    "png_size",
    "render_png",
    "seasonal_profile_chart",
    "slugify",
    "spc_chart",
    "text_colour",
    "trend_chart",
]
