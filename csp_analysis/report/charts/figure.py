"""A chart as a result: the figure with its alt text, caption and data, rendered to PNG and to
the accessible HTML of the published page (image, caption, data table, CSV download)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib
import matplotlib.path
import matplotlib.transforms
import pandas as pd
from matplotlib.figure import Figure

from csp_analysis.core.exceptions import AnalysisError, ReportError
from csp_analysis.report import wording
from csp_analysis.report.blocks import (
    DATA_SUMMARY,
    csv_text,
    data_uri,
    escape_html,
    file_size,
    slugify,
    table_block,
)
from csp_analysis.report.charts.style import _RC, CSS_SCALE, DPI


@dataclass
class Chart:
    """A rendered-ready chart and everything needed to publish it accessibly.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure (not registered with pyplot).
    alt : str
        Alt text made from the data: what the chart shows and its trend, in plain English.
    data : pandas.DataFrame
        The numbers the chart shows. The index is the row header (months as month-start
        Timestamps, quarters as labels such as "2025/26 Q1", or category names); cells may hold ``"[c]"`` (suppressed) or NaN (not
        available).
    caption : str
        The visible caption (figcaption and table caption).
    name : str
        A file-name slug, used for the CSV download.
    decimals : dict of str to int
        Decimal places per data column for the table and CSV.
    count_columns : list of str
        Data columns holding counts (not rates or model values); the table marks their cells
        so the published-page checks can verify small counts were suppressed.
    """

    figure: Figure
    alt: str
    data: pd.DataFrame
    caption: str
    name: str
    decimals: dict[str, int] = field(default_factory=dict)
    count_columns: list[str] = field(default_factory=list)

    def png(self) -> bytes:
        """Render the figure to PNG bytes (see :func:`render_png`)."""
        return render_png(self.figure)

    def _repr_html_(self) -> str:
        # A Chart left as the last expression of a notebook cell displays accessibly.
        return figure_block(self)


def render_png(figure: Figure, dpi: int = DPI) -> bytes:
    """Render a figure to a compact PNG.

    The image is quantised to a 256-colour palette (charts use a handful of flat colours, so
    this is visually lossless) which makes it roughly a third of the size of matplotlib's RGBA
    output; the ``Software`` metadata tag is dropped so the file carries nothing but the image.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    dpi : int, default DPI

    Returns
    -------
    bytes
        PNG data.
    """
    from PIL import Image

    raw = io.BytesIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(
            raw,
            format="png",
            dpi=dpi,
            bbox_inches="tight",
            pad_inches=0.15,
            facecolor="white",
            metadata={"Software": None},
        )
    raw.seek(0)
    with Image.open(raw) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        palette.save(out, format="PNG", optimize=True)
    return out.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels read from a PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise AnalysisError("not a PNG image")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def figure_block(chart: Chart, *, download_name: str | None = None) -> str:
    """A chart as an image with alt text and caption, then its data and a CSV download.

    Parameters
    ----------
    chart : csp_analysis.report.charts.Chart
        From one of the :mod:`csp_analysis.report.charts` builders.
    download_name : str, optional
        File name (without ``.csv``) for the download; defaults to ``chart.name``.

    Returns
    -------
    str
        ``<div class="csp-chart">`` holding a ``<figure>`` (``<img>`` with a ``data:`` PNG and
        the chart's alt text, ``<figcaption>``), then ``<details>`` whose ``<summary>`` reads
        "Show the data for this chart", holding the data table and the download link.

    Raises
    ------
    ReportError
        If the chart has no alt text or no caption.
    """
    if not isinstance(chart, Chart):
        raise ReportError(f"figure_block: expected a Chart, got {type(chart).__name__}")
    alt = " ".join(str(chart.alt or "").split())
    if not alt:
        raise ReportError(f"figure_block: chart {chart.name!r} has no alt text")
    if not str(chart.caption or "").strip():
        raise ReportError(f"figure_block: chart {chart.name!r} has no caption")
    png = chart.png()
    width, height = png_size(png)
    css_width, css_height = round(width / CSS_SCALE), round(height / CSS_SCALE)
    filename = slugify(download_name or chart.name) + ".csv"
    # The byte-order mark makes Excel read the file as UTF-8 (names with accents, the pound sign).
    csv_payload = ("\ufeff" + csv_text(chart.data, chart.decimals)).encode("utf-8")
    table = table_block(
        chart.data,
        f"Data for: {chart.caption}",
        number_format=chart.decimals,
        count_columns=[c for c in chart.count_columns if c in chart.data.columns],
    )
    return "\n".join(
        [
            '<div class="csp-chart">',
            '<figure class="csp-figure">',
            f'<img class="csp-chart-img" src="{data_uri(png, "image/png")}" alt="{escape_html(alt)}" '
            f'width="{css_width}" height="{css_height}">',
            f"<figcaption>{escape_html(chart.caption)}</figcaption>",
            "</figure>",
            '<details class="csp-chart-data">',
            # Screen-reader users moving from summary to summary hear which chart each opens.
            f'<summary>{DATA_SUMMARY}<span class="csp-visually-hidden">: '
            f"{escape_html(chart.caption)}</span></summary>",
            table,
            f'<p class="csp-download"><a download="{escape_html(filename)}" '
            f'href="{data_uri(csv_payload, "text/csv;charset=utf-8")}">'
            f"Download the data for {escape_html(wording.lower_first(chart.caption))} "
            f"(CSV, {file_size(len(csv_payload))})</a></p>",
            "</details>",
            "</div>",
        ]
    )
