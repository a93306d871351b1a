"""A chart as a result: the figure with its alt text, caption and data, rendered to PNG and to
the accessible HTML of the published page (image, caption, data table, CSV download)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib
import matplotlib.path
import matplotlib.transforms
import numpy as np
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
    """Render a figure to a compact PNG with an exact 256-colour palette.

    Charts are a handful of flat colours plus their anti-aliased edges, so a palette image is
    visually lossless and about a third of the size of matplotlib's RGBA output. The palette is
    built by :func:`palette_image`: every colour of the chart kept exactly when there are at
    most 256, otherwise the 256 most frequent (the fills, lines and text, whose contrast the
    page checks rely on) with each rarer edge shade drawn as its nearest kept colour. The
    ``Software`` metadata tag is dropped so the file carries nothing but the image.

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
            # Stored, not compressed: it is decoded straight back (compressing it cost more
            # than drawing the chart).
            pil_kwargs={"compress_level": 0},
        )
    raw.seek(0)
    with Image.open(raw) as image:
        rgb = np.asarray(image.convert("RGB"))
    out = io.BytesIO()
    # zlib level 6: level 9 / optimize=True took 3-5x as long for 2-7% smaller files.
    palette_image(rgb).save(out, format="PNG", compress_level=6)
    return out.getvalue()


def palette_image(rgb: np.ndarray, colours: int = 256):
    """An RGB image as a palette image whose frequent colours are exact.

    Parameters
    ----------
    rgb : numpy.ndarray
        ``(height, width, 3)`` uint8 pixels.
    colours : int, default 256
        Palette size.

    Returns
    -------
    PIL.Image.Image
        Mode ``"P"``. Every pixel of the ``colours`` most frequent colours (all of them when
        there are no more) keeps its exact colour; any other pixel takes the nearest kept
        colour (squared RGB distance). Unlike median-cut or octree quantisation, which average
        a chart's flat colours with their edge shades (octree shifted them by up to 10 levels),
        a fill or line colour is never changed, so its measured contrast is the designed one.
    """
    from PIL import Image

    height, width, _ = rgb.shape
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8)
    packed |= rgb[..., 2]
    # A hash table, not a sort: a 1 MP chart in about 10 ms against 50 ms for np.unique.
    pixel_colour, distinct = pd.factorize(packed.ravel())
    counts = np.bincount(pixel_colour, minlength=len(distinct))
    if len(distinct) <= colours:
        kept, index_of_distinct = distinct, np.arange(len(distinct))
    else:
        kept = distinct[np.sort(np.argsort(-counts, kind="stable")[:colours])]
        channels_distinct = _channels(distinct).astype(np.int32)
        channels_kept = _channels(kept).astype(np.int32)
        squared = ((channels_distinct[:, None, :] - channels_kept[None, :, :]) ** 2).sum(axis=2)
        index_of_distinct = squared.argmin(axis=1)
    indices = index_of_distinct[pixel_colour].astype(np.uint8).reshape(height, width)
    image = Image.frombytes("P", (width, height), indices.tobytes())
    image.putpalette(_channels(kept).astype(np.uint8).ravel().tobytes())
    return image


def _channels(packed: np.ndarray) -> np.ndarray:
    """``(n, 3)`` red, green, blue from colours packed as ``0xRRGGBB``."""
    return np.stack([(packed >> 16) & 255, (packed >> 8) & 255, packed & 255], axis=1)


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
