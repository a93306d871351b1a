"""Accessible matplotlib charts for the published reports, each with alt text made from its data.

Every builder returns a :class:`Chart`: the figure, an alt text written from the numbers it
shows (start and end values, direction, the latest month against the usual range when limits
are given), a caption, and the same numbers as a tidy DataFrame that :mod:`csp_analysis.blocks`
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
  financial quarters ("2025/26 Q1", as :func:`csp_analysis.series.fy_quarter_label`).
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

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib
import matplotlib.dates as mdates
import matplotlib.path
import matplotlib.transforms
import numpy as np
import pandas as pd

# The Agg canvas is attached to each figure directly, so importing this module never changes
# the pyplot backend a notebook has chosen (e.g. inline).
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter, MaxNLocator

from .exceptions import AnalysisError

# One spelling of months, financial years and quarters across charts, tables and sentences.
from .series import financial_year
from .series import fy_quarter_label as format_quarter
from .series import month_label as format_month

# --------------------------------------------------------------------------- style

#: Okabe-Ito colours with >= 3:1 contrast on white (WCAG 1.4.11), in the order series take them.
PALETTE: tuple[str, ...] = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7")
#: Markers and line styles paired with PALETTE, so a series is identifiable in greyscale print.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v")
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))

GREY = "#595959"  # 7:1 on white: common-cause points, limits, secondary text
LIGHT_GRID = "#D9D9D9"
BAND_FILL = "#0072B2"  # the forecast interval, drawn at low alpha AND edged with dotted lines

#: SPC special-cause styles: colour AND marker AND a direct text label differ per type.
SPC_STYLES: dict[str, dict[str, str]] = {
    "concerning": {"color": "#D55E00", "marker": "^", "label": "Concerning special cause"},
    "improving": {"color": "#0072B2", "marker": "s", "label": "Improving special cause"},
    "neither": {"color": "#CC79A7", "marker": "D", "label": "Special cause"},
}

FONT_SIZE = 12
WIDTH_INCHES = 8.0
DPI = 150  # rendered at 1.5x the CSS size so the chart stays sharp on high-density screens
CSS_SCALE = 1.5

SUPPRESSED = "[c]"  # GSS convention for a value withheld to protect confidentiality
NOT_AVAILABLE = "[x]"  # GSS convention for a value that is not available

_RC = {
    "font.size": FONT_SIZE,
    "axes.titlesize": FONT_SIZE + 1,
    "axes.labelsize": FONT_SIZE,
    "xtick.labelsize": FONT_SIZE - 1,
    "ytick.labelsize": FONT_SIZE - 1,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": GREY,
    "xtick.color": "#0B0C0C",
    "ytick.color": "#0B0C0C",
    "text.color": "#0B0C0C",
    "axes.labelcolor": "#0B0C0C",
    "svg.fonttype": "none",
}

# A white box behind labels drawn over data, so a line crossing them cannot hide a letter.
_TEXT_BOX = {"boxstyle": "square,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}

_FY_MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)


# --------------------------------------------------------------------------- the result


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
        from .blocks import figure_block

        return figure_block(self)


# --------------------------------------------------------------------------- formatting


def format_number(value, decimals: int = 0) -> str:
    """Format a number for reading: thousands separators, fixed decimals, a real minus sign.

    Parameters
    ----------
    value : number, str or None
        The value. ``"[c]"`` and other strings pass through; None and NaN become ``"[x]"``.
    decimals : int, default 0
        Decimal places.

    Returns
    -------
    str
        For example ``format_number(12345.678, 1) == "12,345.7"``.
    """
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NOT_AVAILABLE
    try:
        if pd.isna(value):
            return NOT_AVAILABLE
    except (TypeError, ValueError):
        pass
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # "-0.0" reads as a negative nothing
    return text.replace("-", "\u2212")


#: The periods a time-series chart can show, and the first months of each quarter.
PERIODS: tuple[str, ...] = ("month", "quarter")
_QUARTER_START_MONTHS = (1, 4, 7, 10)


@dataclass(frozen=True)
class _Period:
    """Words and spacing for one period length, so every sentence follows the data."""

    name: str  # "month" or "quarter"
    months: int  # months per period
    per_year: int  # periods in a year: the default rolling window

    @property
    def adjective(self) -> str:
        return "Monthly" if self.name == "month" else "Quarterly"

    @property
    def header(self) -> str:
        return self.name.capitalize()

    def label(self, start: pd.Timestamp) -> str:
        return format_month(start) if self.name == "month" else format_quarter(start)

    def count(self, n: int) -> str:
        return f"{n} {self.name}{'s' if n != 1 else ''}"

    def half(self) -> pd.Timedelta:
        return pd.Timedelta(days=15 * self.months)

    def table_index(self, index: pd.DatetimeIndex) -> pd.Index:
        """The data-table row headers: month-start Timestamps, or quarter labels."""
        if self.name == "month":
            return pd.DatetimeIndex(index, name="Month")
        return pd.Index([format_quarter(m) for m in index], name="Quarter")


_PERIODS = {"month": _Period("month", 1, 12), "quarter": _Period("quarter", 3, 4)}


def _infer_period(index: pd.DatetimeIndex, original: pd.Index) -> str:
    """'quarter' for a quarterly PeriodIndex or for quarter starts spaced in whole quarters.

    A series of at least two points, every one on January, April, July or October and every
    gap a whole number of quarters, is read as quarterly; anything else as monthly. Pass
    ``period`` explicitly when a short monthly series could look quarterly.
    """
    if isinstance(original, pd.PeriodIndex):
        return "quarter" if original.freqstr.upper().startswith("Q") else "month"
    if len(index) < 2 or not np.isin(index.month, _QUARTER_START_MONTHS).all():
        return "month"
    ordinals = np.sort(index.year * 12 + index.month)
    return "quarter" if (np.diff(ordinals) % 3 == 0).all() else "month"


def slugify(text: str) -> str:
    """A lower-case, hyphenated file-name slug (ASCII letters, digits and hyphens only)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "chart"


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join_words(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _is_whole(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool(np.all(np.isclose(numbers, np.round(numbers))))


def _auto_decimals(values: pd.Series) -> int:
    return 0 if _is_whole(values) or values.dropna().empty else 1


# --------------------------------------------------------------------------- colour


def relative_luminance(colour: str) -> float:
    """WCAG 2.2 relative luminance of a ``#RRGGBB`` colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.2 contrast ratio between two ``#RRGGBB`` colours (1 to 21)."""
    lighter, darker = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def text_colour(colour: str, minimum: float = 4.5) -> str:
    """``colour`` darkened just enough to reach ``minimum`` contrast on white, for text."""
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    factor = 1.0
    candidate = colour
    while contrast_ratio(candidate) < minimum and factor > 0:
        factor -= 0.02
        candidate = "#{:02X}{:02X}{:02X}".format(
            *(max(0, int(c * factor)) for c in (red, green, blue))
        )
    return candidate


# --------------------------------------------------------------------------- validation


def _regular(series: pd.Series, what: str, period: str | None = None) -> tuple[pd.Series, str]:
    """Validate a monthly or quarterly series; return it as floats on a complete index.

    The index holds the first day of each month (or of each quarter's first month). Periods
    missing from the index become NaN (a gap), so a break in recording is drawn as a break,
    never bridged by the line. ``period`` None infers it (see :func:`_infer_period`); the
    period used is returned with the series.
    """
    if period is not None and period not in PERIODS:
        raise AnalysisError(f"{what}: period must be one of {', '.join(PERIODS)}, got {period!r}")
    if not isinstance(series, pd.Series):
        raise AnalysisError(f"{what}: expected a pandas Series, got {type(series).__name__}")
    original = series.index
    if isinstance(series.index, pd.PeriodIndex):
        series = series.set_axis(_month_index(series.index))
    if not isinstance(series.index, pd.DatetimeIndex):
        raise AnalysisError(
            f"{what}: the index must be month-start Timestamps (a DatetimeIndex), "
            f"got {type(series.index).__name__}"
        )
    if series.empty:
        raise AnalysisError(f"{what}: the series is empty")
    index = series.index.tz_localize(None) if series.index.tz is not None else series.index
    not_month_start = index[(index.day != 1) | (index.normalize() != index)]
    if len(not_month_start):
        raise AnalysisError(
            f"{what}: index values must be the first day of a month; "
            f"{not_month_start[0].date()} is not"
        )
    if index.has_duplicates:
        raise AnalysisError(f"{what}: month {index[index.duplicated()][0]:%B %Y} appears twice")
    period = period or _infer_period(index, original)
    if period == "quarter":
        off = index[~np.isin(index.month, _QUARTER_START_MONTHS)]
        if len(off):
            raise AnalysisError(
                f"{what}: quarterly values must be indexed by the first day of a quarter "
                f"(January, April, July or October); {off[0].date()} is not"
            )
    values = pd.to_numeric(pd.Series(series.to_numpy(), index=index), errors="coerce")
    bad = values.isna() & pd.Series(series.to_numpy(), index=index).notna()
    if bad.any():
        month = values.index[bad.to_numpy()][0]
        raise AnalysisError(
            f"{what}: value {series.iloc[int(np.argmax(bad.to_numpy()))]!r} for "
            f"{_PERIODS[period].label(month)} is not a number"
        )
    values = values.sort_index().astype(float)
    full = pd.date_range(
        values.index.min(), values.index.max(), freq=f"{_PERIODS[period].months}MS"
    )
    values = values.reindex(full)
    if values.notna().sum() == 0:
        raise AnalysisError(f"{what}: every value is missing")
    return values, period


def _monthly(series: pd.Series, what: str) -> pd.Series:
    """Validate a monthly series (see :func:`_regular`)."""
    return _regular(series, what, "month")[0]


def _month_index(index: pd.Index) -> pd.DatetimeIndex:
    """Month-start Timestamps from a DatetimeIndex or a monthly PeriodIndex (tz dropped)."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp(how="start")
    index = pd.DatetimeIndex(index)
    return index.tz_localize(None) if index.tz is not None else index


def _suppression_mask(suppressed, index: pd.Index, what: str) -> pd.Series:
    if suppressed is None:
        return pd.Series(False, index=index)
    mask = pd.Series(suppressed).astype(bool)
    if isinstance(index, pd.DatetimeIndex):
        mask.index = _month_index(mask.index)
    unknown = mask.index.difference(index)
    if len(unknown):
        raise AnalysisError(f"{what}: suppressed names {unknown[0]!r}, which is not in the data")
    return mask.reindex(index, fill_value=False)


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise AnalysisError(f"{what}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"{what}: missing column(s) {', '.join(missing)}; has {', '.join(map(str, frame.columns))}"
        )


# --------------------------------------------------------------------------- drawing helpers


def _new_figure(height: float = 4.6) -> tuple[Figure, object]:
    with matplotlib.rc_context(_RC):
        figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
    # Fixed margins (not a layout engine) so direct-label positions computed in pixels stay
    # true at draw time; bbox_inches="tight" trims or widens the canvas to fit the labels.
    figure.subplots_adjust(left=0.1, right=0.78, top=0.88, bottom=0.14)
    axes.grid(axis="y", color=LIGHT_GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    return figure, axes


def _style_text(axes) -> None:
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        label.set_rotation(0)
        label.set_fontsize(FONT_SIZE - 1)


def _y_title(axes, text: str) -> None:
    """Put the y-axis title horizontally above the axis, where it is read first."""
    axes.set_ylabel("")
    axes.text(
        0,
        1.04,
        text,
        transform=axes.transAxes,
        ha="left",
        va="bottom",
        fontsize=FONT_SIZE,
    )


def _exact_decimals(values: Sequence[float], most: int = 6) -> int:
    """The fewest decimal places (up to ``most``) that state every value exactly.

    Tolerates the binary rounding of tick arithmetic (0.30000000000000004 needs 1 decimal).

    Parameters
    ----------
    values : sequence of float
    most : int, default 6

    Returns
    -------
    int
        For example 1 for ``[0, 1.5, 3]`` and 0 for ``[0, 2, 4]``.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    tolerance = 1e-9 * np.maximum(1.0, np.abs(finite))
    for decimals in range(most + 1):
        if np.all(np.abs(np.round(finite, decimals) - finite) <= tolerance):
            return decimals
    return most


class _ExactFormatter(Formatter):
    """Axis tick labels with thousands separators and the decimals every tick needs.

    A formatter with fixed decimals mislabels any tick it cannot state (a tick at 1.5 shown
    as "2"), so the decimals are taken from the tick locations themselves: all ticks of an
    axis share the fewest decimals that make each label exactly its tick's value.
    """

    def __init__(self) -> None:
        self.decimals: int | None = None

    def set_locs(self, locs) -> None:
        super().set_locs(locs)
        self.decimals = _exact_decimals(locs) if len(locs) else None

    def __call__(self, x, pos=None) -> str:
        decimals = self.decimals if self.decimals is not None else _exact_decimals([x])
        return format_number(x, decimals)


def _value_axis(axis, *, whole: bool, nbins: int = 6) -> None:
    """Give a numeric axis "nice" ticks (1, 2, 2.5 or 5 times a power of ten; whole
    numbers only for counts) labelled exactly by :class:`_ExactFormatter`."""
    axis.set_major_locator(MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=whole))
    axis.set_major_formatter(_ExactFormatter())


def _extent(*series) -> tuple[float, float]:
    """The smallest and largest finite value over every plotted series (numbers or arrays)."""
    parts = [np.asarray(s, dtype=float).ravel() for s in series if s is not None]
    values = np.concatenate(parts) if parts else np.array([])
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 0.0
    return float(values.min()), float(values.max())


def _zero_based_limits(*series, headroom: float = 0.12) -> tuple[float, float]:
    """Axis limits from zero (or below, for negative values) to above every plotted value.

    Taken over every series drawn (counts, averages, adjusted lines, ranges, intervals), so no
    line can run off the plot; ``headroom`` is the share of the span left above the highest.
    """
    low, high = _extent(*series)
    low, high = min(low, 0.0), max(high, 0.0)
    span = high - low
    if span == 0:
        return 0.0, 1.0
    return (low - headroom * span if low < 0 else 0.0), high + headroom * span


def _time_axis(axes, start: pd.Timestamp, end: pd.Timestamp, period: str = "month") -> None:
    """Horizontal ticks aligned to April, at most eight of them.

    Months are labelled 'Apr\\n2023'; quarters 'Q1\\n2023/24' (financial quarters, as the
    review's quarterly tables name them).
    """
    spec = _PERIODS[period]
    starts = pd.date_range(start, end, freq=f"{spec.months}MS")
    ticks: list[pd.Timestamp] = []
    for step in (1, 2, 3, 6, 12, 24, 36, 60):
        if step % spec.months:
            continue
        # Months counted from April, so ticks land on financial-year starts and quarters.
        ticks = [m for m in starts if (m.year * 12 + m.month - 4) % step == 0]
        if len(ticks) <= 8:
            break
    if not ticks:
        ticks = [starts[0]]
    axes.xaxis.set_major_locator(FixedLocator(mdates.date2num([t.to_pydatetime() for t in ticks])))
    if period == "quarter":

        def tick_label(x, _pos):
            label = format_quarter(pd.Timestamp(mdates.num2date(x)).tz_localize(None))
            year, quarter = label.split(" ")
            return f"{quarter}\n{year}"

    else:

        def tick_label(x, _pos):
            return mdates.num2date(x).strftime("%b\n%Y")

    axes.xaxis.set_major_formatter(FuncFormatter(tick_label))
    pad = spec.half()
    axes.set_xlim(start - pad, end + pad)


def _spread_labels(axes, items: list[dict], min_gap_px: float | None = None) -> None:
    """Place direct labels just right of the plot area, nudged apart so none overlap.

    ``items`` holds dicts with ``y`` (data units), ``text`` and ``colour``. Positions are
    solved in pixels (labels sorted by height, each pushed up to clear the one below), then
    converted back to data units so the labels sit on the blended axes/data transform.
    """
    items = [i for i in items if i["y"] is not None and np.isfinite(i["y"])]
    if not items:
        return
    figure = axes.figure
    gap = min_gap_px if min_gap_px is not None else FONT_SIZE * figure.dpi / 72 * 1.25
    to_px = axes.transData.transform
    from_px = axes.transData.inverted().transform
    ordered = sorted(items, key=lambda i: i["y"])
    pixels = [to_px((0, i["y"]))[1] for i in ordered]
    for k in range(1, len(pixels)):
        pixels[k] = max(pixels[k], pixels[k - 1] + gap)
    # If the stack ran off the top, shift it down as a whole (never below the axes bottom).
    top = axes.get_window_extent().y1 + gap
    overflow = pixels[-1] - top
    if overflow > 0:
        pixels = [p - overflow for p in pixels]
    transform = matplotlib.transforms.blended_transform_factory(axes.transAxes, axes.transData)
    for item, pixel, wanted in zip(ordered, pixels, (to_px((0, i["y"]))[1] for i in ordered),
                                   strict=True):  # fmt: skip
        y = from_px((0, pixel))[1]
        # A label pushed off its line's height gets a leader from the line's end, so
        # "95% limits" above and below the average still say which line they name.
        leader = abs(pixel - wanted) > 3
        axes.annotate(
            item["text"],
            xy=(1.0, item["y"]),
            xycoords=transform,
            xytext=(1.02, y),
            textcoords=transform,
            ha="left",
            va="center",
            color=text_colour(item.get("colour", "#0B0C0C")),
            fontsize=FONT_SIZE,
            fontweight=item.get("weight", "normal"),
            annotation_clip=False,
            arrowprops=(
                {
                    "arrowstyle": "-",
                    "color": GREY,
                    "linewidth": 0.8,
                    "relpos": (0, 0.5),
                    "shrinkA": 2,
                    "shrinkB": 0,
                }
                if leader
                else None
            ),
        )


def _is_time(x) -> bool:
    return isinstance(x, (pd.Timestamp, np.datetime64)) or hasattr(x, "isoformat")


def _overlap(a, b) -> float:
    """Area in square pixels shared by two (x0, y0, x1, y1) boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _line_paths(axes) -> list:
    """The drawn lines of ``axes`` (not marker-only series) as paths in pixels."""
    paths = []
    for line in axes.lines:
        if line.get_linestyle() in ("None", "none", " ", ""):
            continue
        if line.get_transform() != axes.transData:
            continue  # leader lines and other furniture outside the data
        xy = np.asarray(line.get_xydata(), dtype=float)  # x already converted from dates
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) >= 2:
            paths.append(matplotlib.path.Path(axes.transData.transform(xy)))
    return paths


def _place_point_labels(
    axes, points: list[dict], lines: list | None = None, blocked: Sequence[tuple] = ()
) -> list:
    """Label scatter points so no label overlaps another, a marker, or leaves the plot area.

    Each point tries candidate positions around its marker (right, left, above, below, the
    diagonals, then further up or down beside it) and takes the cheapest: overlap with labels
    already placed or with any marker costs most, then any part outside the axes (where the
    margin labels of the limit lines sit), then crossing a limit or average line (the label's
    white box would hide a stretch of it), then the candidate's rank, so an uncrowded point
    keeps the conventional label to its right. Points are placed most-constrained first:
    bold (highlighted) labels, then from the right-hand end. An ``optional`` label that finds
    no clear place is left off rather than drawn over another label, a point or the axis
    (the chart's data table names every point).

    ``points`` holds dicts with ``x`` (a number or Timestamp), ``y``, ``text``, ``bold``,
    ``radius`` (the marker's radius in points), ``label`` (False: an obstacle only, left
    unlabelled) and optionally ``colour``, ``size`` (font size) and ``optional``; ``lines``
    holds matplotlib paths in pixels (default: every drawn line of the axes); ``blocked``
    holds (x0, y0, x1, y1) pixel boxes no label may cover. Returns the annotations drawn.
    """
    figure = axes.figure
    renderer = figure.canvas.get_renderer()
    px_per_pt = figure.dpi / 72
    frame = axes.get_window_extent(renderer)
    frame = (frame.x0, frame.y0, frame.x1, frame.y1)
    if lines is None:
        lines = _line_paths(axes)

    def numeric(x):
        return mdates.date2num(pd.Timestamp(x).to_pydatetime()) if _is_time(x) else float(x)

    centres = [axes.transData.transform((numeric(p["x"]), p["y"])) for p in points]
    markers = [
        (cx - p["radius"] * px_per_pt, cy - p["radius"] * px_per_pt,
         cx + p["radius"] * px_per_pt, cy + p["radius"] * px_per_pt)
        for p, (cx, cy) in zip(points, centres, strict=True)
    ]  # fmt: skip
    line_height = (FONT_SIZE - 1) * 1.25
    order = sorted(
        (k for k, p in enumerate(points) if p.get("label", True)),
        key=lambda k: (not points[k]["bold"], -centres[k][0]),
    )
    placed: list[tuple[float, float, float, float]] = []
    annotations = []
    for k in order:
        point = points[k]
        gap = point["radius"] + 3
        candidates = [
            (gap, 0, "left", "center"),
            (-gap, 0, "right", "center"),
            (0, gap, "center", "bottom"),
            (0, -gap, "center", "top"),
            (gap * 0.8, gap * 0.8, "left", "bottom"),
            (-gap * 0.8, gap * 0.8, "right", "bottom"),
            (gap * 0.8, -gap * 0.8, "left", "top"),
            (-gap * 0.8, -gap * 0.8, "right", "top"),
        ]
        for lift in (1, -1, 2, -2, 3, -3):
            candidates += [
                (gap, lift * line_height, "left", "center"),
                (-gap, lift * line_height, "right", "center"),
            ]
        label = axes.annotate(
            point["text"],
            (point["x"], point["y"]),
            xytext=(gap, 0),
            textcoords="offset points",
            fontsize=point.get("size", FONT_SIZE - 1),
            fontweight="bold" if point["bold"] else "normal",
            color=point.get("colour", "#0B0C0C"),
            annotation_clip=False,
            bbox=_TEXT_BOX,
        )
        best = None
        for rank, (dx, dy, ha, va) in enumerate(candidates):
            label.xyann = (dx, dy)
            label.set_horizontalalignment(ha)
            label.set_verticalalignment(va)
            extent = label.get_window_extent(renderer).padded(3)
            box = (extent.x0, extent.y0, extent.x1, extent.y1)
            crowding = sum(_overlap(box, other) for other in placed)
            crowding += sum(_overlap(box, m) for m in markers)
            crowding += sum(_overlap(box, b) for b in blocked)
            area = (box[2] - box[0]) * (box[3] - box[1])
            outside = area - _overlap(box, frame)
            crossings = sum(path.intersects_bbox(extent, filled=False) for path in lines)
            cost = 1000 * crowding + 100 * outside + 50 * crossings + rank
            if best is None or cost < best[0]:
                best = (cost, (dx, dy, ha, va), box, crowding + outside)
        if point.get("optional", False) and best[3] > 0:
            label.remove()
            continue
        dx, dy, ha, va = best[1]
        label.xyann = (dx, dy)
        label.set_horizontalalignment(ha)
        label.set_verticalalignment(va)
        placed.append(best[2])
        annotations.append(label)
    return annotations


def _last_valid(series: pd.Series) -> tuple[pd.Timestamp, float] | None:
    valid = series.dropna()
    if valid.empty:
        return None
    return valid.index[-1], float(valid.iloc[-1])


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


# --------------------------------------------------------------------------- alt text helpers


def _change_phrase(start: float, end: float, decimals: int) -> str:
    """'rose from 95 to 120', 'fell from ...', or 'stayed broadly level (95 and 96)' (< 2%)."""
    a, b = format_number(start, decimals), format_number(end, decimals)
    if start == end or (start != 0 and abs(end - start) / abs(start) < 0.02):
        return f"stayed broadly level ({a} and {b})" if a != b else f"started and ended at {a}"
    verb = "rose" if end > start else "fell"
    return f"{verb} from {a} to {b}"


def _range_phrase(value: float, lower: float | None, upper: float | None) -> str:
    if upper is not None and np.isfinite(upper) and value > upper:
        return "above the usual range"
    if lower is not None and np.isfinite(lower) and value < lower:
        return "below the usual range"
    return "within the usual range"


def _gap_sentence(values: pd.Series, suppressed: pd.Series, period: str = "month") -> str:
    spec = _PERIODS[period]
    n_suppressed = int((values.isna() & suppressed).sum())
    n_missing = int((values.isna() & ~suppressed).sum())
    parts = []
    if n_missing:
        parts.append(f"{spec.count(n_missing)} with no data")
    if n_suppressed:
        parts.append(f"{spec.count(n_suppressed)} withheld to protect confidentiality")
    if not parts:
        return ""
    return " The line has gaps for " + " and ".join(parts) + "."


def _with_markers(series: pd.Series, suppressed: pd.Series, decimals: int) -> pd.Series:
    """A column for the data table: numbers, with '[c]' where suppressed."""
    out = series.astype(object)
    out[suppressed.reindex(series.index, fill_value=False).to_numpy()] = SUPPRESSED
    return out


# --------------------------------------------------------------------------- trend


def trend_chart(
    counts: pd.Series,
    *,
    measure: str,
    area: str,
    rolling_window: int | str | None = "year",
    adjusted: pd.Series | None = None,
    usual_range: tuple[float, float] | None = None,
    suppressed: pd.Series | None = None,
    unit: str | None = None,
    caption: str | None = None,
    period: str | None = None,
) -> Chart:
    """Monthly (or quarterly) counts, with an optional rolling mean and seasonally adjusted line.

    Parameters
    ----------
    counts : pandas.Series
        Counts indexed by month-start Timestamps (for quarters, the first day of each quarter's
        first month), or by a monthly or quarterly PeriodIndex. NaN, or a period absent from
        the index, is a gap (drawn as a break, never as zero).
    measure : str
        What is counted, lower case, e.g. ``"domestic abuse offences"``.
    area : str
        Where, e.g. ``"Herefordshire"``.
    rolling_window : int, "year" or None, default "year"
        Draw the rolling mean over this many periods (only where the window is complete);
        "year" means 12 months or 4 quarters. None draws none.
    adjusted : pandas.Series, optional
        A seasonally adjusted series on the same months, drawn as its own line.
    usual_range : (float, float), optional
        Lower and upper limits of the usual range (e.g. SPC process limits); the alt text then
        says where the latest month falls.
    suppressed : pandas.Series of bool, optional
        Months withheld for disclosure control: drawn as gaps and shown as ``"[c]"``.
    unit : str, optional
        The y-axis title; defaults to "Offences per month" (or "per quarter").
    caption : str, optional
        Defaults to "Monthly <measure> in <area>, <first month> to <last month>" (or
        "Quarterly ..., 2023/24 Q1 to 2025/26 Q4").
    period : {"month", "quarter"}, optional
        The length of each period; inferred from the index when None (quarter starts spaced
        in whole quarters, or a quarterly PeriodIndex, read as quarterly). It sets the words
        of the alt text, caption and table, and the axis ticks.

    Returns
    -------
    Chart

    Raises
    ------
    AnalysisError
        If the series is not monthly or quarterly, is empty or holds non-numbers, or
        ``rolling_window < 2``.

    Examples
    --------
    >>> months = pd.date_range("2023-04-01", periods=36, freq="MS")
    >>> chart = trend_chart(pd.Series(range(95, 131), index=months),
    ...                     measure="domestic abuse offences", area="Herefordshire")
    >>> chart.alt.split(";")[0].split(".")[0]
    'Monthly domestic abuse offences in Herefordshire rose from 95 to 130 between April 2023 and March 2026'
    """
    values, period = _regular(counts, "trend_chart counts", period)
    spec = _PERIODS[period]
    mask = _suppression_mask(suppressed, values.index, "trend_chart")
    values = values.mask(mask)
    if rolling_window == "year":
        rolling_window = spec.per_year
    if rolling_window is not None and (
        not isinstance(rolling_window, (int, np.integer)) or rolling_window < 2
    ):
        raise AnalysisError(
            f'trend_chart: rolling_window must be at least 2 (or "year" or None), got '
            f"{rolling_window!r}"
        )
    unit = unit or f"Offences per {period}"
    decimals = _auto_decimals(values)

    figure, axes = _new_figure()
    labels: list[dict] = []
    data = pd.DataFrame(index=values.index)
    count_col = _sentence_start(measure)
    data[count_col] = _with_markers(values, mask, decimals)
    col_decimals = {count_col: decimals}

    axes.plot(
        values.index,
        values.to_numpy(),
        color=PALETTE[0],
        marker=MARKERS[0],
        markersize=4,
        linestyle=LINESTYLES[0],
        linewidth=1.6,
    )
    last = _last_valid(values)
    labels.append({"y": last[1], "text": f"{spec.adjective} count", "colour": PALETTE[0]})

    rolling = None
    if rolling_window is not None and values.notna().sum() >= rolling_window:
        rolling = values.rolling(rolling_window, min_periods=rolling_window).mean()
        if rolling.notna().any():
            axes.plot(
                rolling.index,
                rolling.to_numpy(),
                color=PALETTE[1],
                linestyle=LINESTYLES[1],
                linewidth=2.4,
            )
            name = f"{rolling_window}-{period} average"
            labels.append({"y": _last_valid(rolling)[1], "text": name, "colour": PALETTE[1]})
            data[f"{rolling_window}-{period} rolling average"] = rolling.round(1)
            col_decimals[f"{rolling_window}-{period} rolling average"] = 1

    plotted_adjusted = None
    if adjusted is not None:
        sa = _regular(adjusted, "trend_chart adjusted", period)[0]
        sa = sa.reindex(values.index).mask(mask)
        axes.plot(
            sa.index,
            sa.to_numpy(),
            color=PALETTE[2],
            linestyle=LINESTYLES[2],
            marker=MARKERS[2],
            markersize=3.5,
            linewidth=1.6,
        )
        if _last_valid(sa):
            labels.append(
                {"y": _last_valid(sa)[1], "text": "Seasonally adjusted", "colour": PALETTE[2]}
            )
        plotted_adjusted = sa
        data["Seasonally adjusted"] = _with_markers(sa.round(1), mask, 1)
        col_decimals["Seasonally adjusted"] = 1

    if usual_range is not None:
        lower, upper = usual_range
        axes.axhspan(lower, upper, color="#000000", alpha=0.06, linewidth=0)
        for bound, name in ((upper, "Usual range top"), (lower, "Usual range bottom")):
            axes.axhline(bound, color=GREY, linestyle=":", linewidth=1.2)
            labels.append(
                {"y": bound, "text": f"{name} {format_number(bound, decimals)}", "colour": GREY}
            )

    # Limits over every series drawn: a seasonally adjusted month can sit above every count.
    axes.set_ylim(*_zero_based_limits(values, rolling, plotted_adjusted, usual_range))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _time_axis(axes, values.index[0], values.index[-1], period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)

    first_month, first_value = values.dropna().index[0], float(values.dropna().iloc[0])
    last_month, last_value = last
    alt = (
        f"{spec.adjective} {measure} in {area} {_change_phrase(first_value, last_value, decimals)} "
        f"between {spec.label(first_month)} and {spec.label(last_month)}"
    )
    if usual_range is not None:
        alt += f"; the latest {period} is {_range_phrase(last_value, *usual_range)}"
        alt += f" ({format_number(usual_range[0], decimals)} to {format_number(usual_range[1], decimals)})"
    alt += "."
    peak_month = values.idxmax()
    alt += (
        f" The highest {period} was {spec.label(peak_month)} "
        f"({format_number(values.max(), decimals)})."
    )
    if rolling is not None and rolling.notna().sum() >= 2:
        valid = rolling.dropna()
        alt += (
            f" The {rolling_window}-{period} average "
            f"{_change_phrase(float(valid.iloc[0]), float(valid.iloc[-1]), 1)}."
        )
    alt += _gap_sentence(values, mask, period)
    data.index = spec.table_index(data.index)

    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption
        or f"{spec.adjective} {measure} in {area}, {spec.label(values.index[0])} to "
        f"{spec.label(values.index[-1])}",
        name=slugify(f"{measure}-{area}-{spec.adjective.lower()}"),
        decimals=col_decimals,
        count_columns=[count_col] if decimals == 0 else [],
    )


# --------------------------------------------------------------------------- SPC


def spc_chart(
    spc: pd.DataFrame,
    *,
    measure: str,
    area: str,
    suppressed: pd.Series | None = None,
    unit: str | None = None,
    caption: str | None = None,
    period: str | None = None,
) -> Chart:
    """An XmR (individuals) control chart: points, mean, process limits and special causes.

    Parameters
    ----------
    spc : pandas.DataFrame or csp_analysis.spc.SpcResult
        Indexed by month-start Timestamps (quarter starts for quarterly data), with columns ``value``, ``mean``, ``lcl``, ``ucl``
        and ``special_cause`` (bool), and optionally ``type`` (or ``special_cause_type``, as
        :func:`csp_analysis.spc.xmr` gives it): ``"improving"``, ``"concerning"`` or
        ``"neither"`` for each special cause (empty for common cause). An ``SpcResult`` is read
        through its ``frame``. Limits may change between segments; they are drawn as steps.
    measure, area : str
        As for :func:`trend_chart`.
    suppressed : pandas.Series of bool, optional
        Periods withheld for disclosure control: not drawn, ``"[c]"`` in the table. The mean
        and limits are still drawn, so with few points they may narrow down a withheld value:
        do not chart small sensitive counts this way.
    unit : str, optional
        The y-axis title; defaults to "Offences per month" (or "per quarter").
    caption : str, optional
        Defaults to "Control chart of monthly <measure> in <area>" (or "quarterly").
    period : {"month", "quarter"}, optional
        As for :func:`trend_chart`: inferred from the index when None.

    Returns
    -------
    Chart

    Raises
    ------
    AnalysisError
        On missing columns, an index that is not monthly or quarterly, or unknown ``type``
        values.
    """
    spc = getattr(spc, "frame", spc)  # an SpcResult carries its table as .frame
    _require_columns(spc, ["value", "mean", "lcl", "ucl", "special_cause"], "spc_chart")
    values, period = _regular(spc["value"], "spc_chart value", period)
    spec = _PERIODS[period]
    unit = unit or f"Offences per {period}"
    mask = _suppression_mask(suppressed, values.index, "spc_chart")
    values = values.mask(mask)
    frame = spc.copy()
    if "type" not in frame.columns and "special_cause_type" in frame.columns:
        frame["type"] = frame["special_cause_type"].replace("", None)
    frame.index = _month_index(frame.index)
    frame = frame.sort_index().reindex(values.index)
    for column in ("mean", "lcl", "ucl"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
        if frame[column].isna().all():
            raise AnalysisError(f"spc_chart: column {column} has no numbers")
    special = frame["special_cause"].fillna(False)
    if not special.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        raise AnalysisError("spc_chart: special_cause must be True or False in every row")
    special = special.astype(bool) & values.notna()
    if "type" in frame.columns:
        kinds = frame["type"].where(special, None)
        unknown = set(kinds.dropna()) - set(SPC_STYLES)
        if unknown:
            raise AnalysisError(
                f"spc_chart: unknown type {sorted(unknown)[0]!r}; expected one of "
                + ", ".join(SPC_STYLES)
            )
        kinds = kinds.where(kinds.notna() | ~special, "neither")
    else:
        kinds = pd.Series(np.where(special, "neither", None), index=frame.index)
    decimals = _auto_decimals(values)

    figure, axes = _new_figure()
    x = values.index
    axes.plot(
        x,
        values.to_numpy(),
        color=GREY,
        linewidth=1.3,
        marker="o",
        markersize=4,
        markerfacecolor=GREY,
        markeredgecolor=GREY,
    )
    axes.step(x, frame["mean"].to_numpy(), where="mid", color=PALETTE[0], linewidth=1.8)
    for column in ("ucl", "lcl"):
        axes.step(
            x,
            frame[column].to_numpy(),
            where="mid",
            color=PALETTE[0],
            linewidth=1.4,
            linestyle="--",
        )
    labels = [
        {
            "y": frame["mean"].dropna().iloc[-1],
            "text": f"Mean {format_number(frame['mean'].dropna().iloc[-1], 1)}",
            "colour": PALETTE[0],
        },
        {
            "y": frame["ucl"].dropna().iloc[-1],
            "text": f"Upper limit {format_number(frame['ucl'].dropna().iloc[-1], 1)}",
            "colour": PALETTE[0],
        },
        {
            "y": frame["lcl"].dropna().iloc[-1],
            "text": f"Lower limit {format_number(frame['lcl'].dropna().iloc[-1], 1)}",
            "colour": PALETTE[0],
        },
    ]
    # Every point is an obstacle for the special-cause labels; the latest of each kind is named.
    point_labels = [
        {"x": month, "y": value, "text": "", "bold": False, "radius": 2.5, "label": False}
        for month, value in values.dropna().items()
    ]
    for kind, style in SPC_STYLES.items():
        points = special & (kinds == kind)
        if not points.any():
            continue
        axes.plot(
            x[points.to_numpy()],
            values[points].to_numpy(),
            linestyle="none",
            marker=style["marker"],
            markersize=10,
            color=style["color"],
            markeredgecolor="#000000",
            markeredgewidth=0.8,
        )
        latest = values[points].index[-1]
        for month in values[points].index:
            point_labels.append(
                {
                    "x": month,
                    "y": values[month],
                    # Name each kind directly beside its latest point (not a legend).
                    "text": style["label"],
                    "bold": True,
                    "radius": 5,
                    "label": month == latest,
                    "colour": text_colour(style["color"]),
                }
            )

    low, high = _extent(values, frame["mean"], frame["lcl"], frame["ucl"])
    span = high - low if high > low else max(abs(high), 1)
    axes.set_ylim(low - 0.12 * span, high + 0.18 * span)
    _value_axis(axes.yaxis, whole=decimals == 0)
    _time_axis(axes, x[0], x[-1], period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)
    # Placed once the limits are final and kept inside the plot area, clear of the margin
    # labels, the tick labels and every point.
    _place_point_labels(axes, point_labels)

    last_month, last_value = _last_valid(values)
    mean_now = frame.loc[last_month, "mean"]
    lcl_now, ucl_now = frame.loc[last_month, "lcl"], frame.loc[last_month, "ucl"]
    alt = (
        f"{spec.adjective} {measure} in {area} from {spec.label(x[0])} to {spec.label(x[-1])}, "
        f"with a mean of {format_number(mean_now, 1)} and a usual range (process limits) of "
        f"{format_number(lcl_now, 1)} to {format_number(ucl_now, 1)}. "
    )
    n_special = int(special.sum())
    if n_special == 0:
        alt += (
            f"No {period} shows special cause variation: the variation is what the process "
            "usually gives."
        )
    else:
        parts = []
        for kind in SPC_STYLES:
            months = list(x[(special & (kinds == kind)).to_numpy()])
            if not months:
                continue
            name = {"concerning": "concerning", "improving": "improving", "neither": "other"}[kind]
            if len(months) <= 4:
                listed = _join_words([spec.label(m) for m in months])
                parts.append(f"{name}: {listed}")
            else:
                parts.append(
                    f"{name}: {spec.count(len(months))}, the latest {spec.label(months[-1])}"
                )
        alt += (
            f"{spec.count(n_special)} {'show' if n_special != 1 else 'shows'} special cause "
            "variation (" + "; ".join(parts) + ")."
        )
    alt += (
        f" The latest {period}, {spec.label(last_month)}, was "
        f"{format_number(last_value, decimals)}, "
        f"{_range_phrase(last_value, lcl_now, ucl_now)}."
    )

    data = pd.DataFrame(index=x)
    value_col = _sentence_start(measure)
    data[value_col] = _with_markers(values, mask, decimals)
    data["Mean"] = frame["mean"].round(1)
    data["Lower limit"] = frame["lcl"].round(1)
    data["Upper limit"] = frame["ucl"].round(1)
    data["Special cause"] = [
        ({"neither": "Yes"}.get(k, f"Yes ({k})") if s else "No")
        for s, k in zip(special, kinds, strict=True)
    ]
    data.index = spec.table_index(data.index)
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"Control chart of {spec.adjective.lower()} {measure} in {area}",
        name=slugify(f"{measure}-{area}-control-chart"),
        decimals={value_col: decimals, "Mean": 1, "Lower limit": 1, "Upper limit": 1},
        count_columns=[value_col] if decimals == 0 else [],
    )


# --------------------------------------------------------------------------- seasonal profile


def seasonal_profile_chart(
    counts: pd.Series,
    *,
    measure: str,
    area: str,
    max_years: int = 4,
    suppressed: pd.Series | None = None,
    unit: str = "Offences per month",
    caption: str | None = None,
) -> Chart:
    """Each financial year's months from April to March, one line per year.

    Parameters
    ----------
    counts : pandas.Series
        Monthly counts indexed by month-start Timestamps.
    measure, area : str
        As for :func:`trend_chart`.
    max_years : int, default 4
        Draw the most recent financial years only (at most 5, one per palette colour); the
        data table holds all of them.
    suppressed : pandas.Series of bool, optional
        Months withheld for disclosure control: not drawn or averaged, ``"[c]"`` in the table.
    unit : str
        The y-axis title.
    caption : str, optional

    Returns
    -------
    Chart
    """
    if not 1 <= max_years <= len(PALETTE):
        raise AnalysisError(f"seasonal_profile_chart: max_years must be 1 to {len(PALETTE)}")
    values = _monthly(counts, "seasonal_profile_chart counts")
    mask = _suppression_mask(suppressed, values.index, "seasonal_profile_chart")
    values = values.mask(mask)
    decimals = _auto_decimals(values)
    month_names = [pd.Timestamp(2000, m, 1).strftime("%B") for m in _FY_MONTHS]

    def by_year(column: pd.Series) -> pd.DataFrame:
        grid = pd.DataFrame(
            {
                "year": [financial_year(m) for m in column.index],
                "month": [m.strftime("%B") for m in column.index],
                "value": column.to_numpy(),
            }
        ).pivot(index="month", columns="year", values="value")
        grid = grid.reindex(month_names)
        grid.index.name = "Month"
        grid.columns.name = None
        return grid

    table = by_year(values).astype(float)
    published = by_year(_with_markers(values, mask, decimals))
    years = list(table.columns)
    shown = years[-max_years:]

    figure, axes = _new_figure()
    positions = np.arange(12)
    labels = []
    # Most recent year drawn last (on top) and in black, the strongest colour.
    for rank, year in enumerate(reversed(shown)):
        column = table[year].to_numpy(dtype=float)
        axes.plot(
            positions,
            column,
            color=PALETTE[rank],
            marker=MARKERS[rank],
            linestyle=LINESTYLES[rank],
            linewidth=2.2 if rank == 0 else 1.5,
            markersize=5,
            zorder=10 - rank,
        )
        valid = np.flatnonzero(~np.isnan(column))
        if len(valid):
            labels.append(
                {
                    "y": column[valid[-1]],
                    "text": year,
                    "colour": PALETTE[rank],
                    "weight": "bold" if rank == 0 else "normal",
                }
            )
    axes.set_xticks(positions, [m[:3] for m in month_names])
    axes.set_xlim(-0.4, 11.4)
    axes.set_ylim(*_zero_based_limits(table[shown].to_numpy(dtype=float)))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)

    average = table[years].mean(axis=1, skipna=True)
    overall = average.mean()
    high_month, low_month = average.idxmax(), average.idxmin()
    span = shown[0] if len(shown) == 1 else f"{shown[0]} to {shown[-1]}"
    alt = (
        f"Monthly {measure} in {area} for each financial year from {span}, April to March. "
        f"Averaged over {len(years)} financial year{'s' if len(years) != 1 else ''}, the highest "
        f"month is {high_month} ({format_number(average[high_month], 1)}) and the lowest is "
        f"{low_month} ({format_number(average[low_month], 1)})"
    )
    if overall and np.isfinite(overall):
        above = (average[high_month] / overall - 1) * 100
        below = (1 - average[low_month] / overall) * 100
        alt += (
            f", {format_number(above, 0)}% above and {format_number(below, 0)}% below the "
            "average month"
        )
    alt += "."
    if len(years) > len(shown):
        alt += " Earlier years are in the data table only."
    return Chart(
        figure=figure,
        alt=alt,
        data=published,
        caption=caption or f"Monthly {measure} in {area} by financial year",
        name=slugify(f"{measure}-{area}-seasonal-profile"),
        decimals={year: decimals for year in years},
        count_columns=list(years) if decimals == 0 else [],
    )


# --------------------------------------------------------------------------- forecast


def forecast_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    *,
    measure: str,
    area: str,
    interval_label: str | None = None,
    suppressed: pd.Series | None = None,
    unit: str | None = None,
    caption: str | None = None,
    period: str | None = None,
) -> Chart:
    """Recorded history, then the forecast mean and its interval band, all labelled directly.

    Parameters
    ----------
    history : pandas.Series
        Recorded monthly (or quarterly) counts, indexed as for :func:`trend_chart`.
    forecast : pandas.DataFrame or csp_analysis.forecast.ForecastResult
        Indexed by the forecast periods, which must follow the history, with columns
        ``mean`` (or ``forecast``), ``lower`` and ``upper``; or a ``ForecastResult`` (its
        ``mean``, ``lower``, ``upper`` and ``level`` are used).
    measure, area : str
        As for :func:`trend_chart`.
    interval_label : str, optional
        Names the band in the chart, table and alt text; defaults to "95% prediction
        interval" (or the ForecastResult's level).
    suppressed : pandas.Series of bool, optional
        Recorded periods withheld for disclosure control: not drawn, ``"[c]"`` in the table.
    unit : str, optional
        The y-axis title; defaults to "Offences per month" (or "per quarter").
    caption : str, optional
    period : {"month", "quarter"}, optional
        As for :func:`trend_chart`: inferred from the history's index when None.

    Returns
    -------
    Chart

    Raises
    ------
    AnalysisError
        On missing columns, forecast months that do not follow the history, or a lower bound
        above its upper bound.
    """
    recorded, period = _regular(history, "forecast_chart history", period)
    spec = _PERIODS[period]
    unit = unit or f"Offences per {period}"
    mask = _suppression_mask(suppressed, recorded.index, "forecast_chart")
    recorded = recorded.mask(mask)
    if not isinstance(forecast, pd.DataFrame) and all(
        hasattr(forecast, a) for a in ("mean", "lower", "upper")
    ):
        level = getattr(forecast, "level", None)
        if interval_label is None and level is not None:
            interval_label = f"{format_number(float(level) * 100, 0)}% prediction interval"
        forecast = pd.DataFrame(
            {"mean": forecast.mean, "lower": forecast.lower, "upper": forecast.upper}
        )
    elif isinstance(forecast, pd.DataFrame) and "mean" not in forecast and "forecast" in forecast:
        forecast = forecast.rename(columns={"forecast": "mean"})
    interval_label = interval_label or "95% prediction interval"
    _require_columns(forecast, ["mean", "lower", "upper"], "forecast_chart forecast")
    future = forecast[["mean", "lower", "upper"]].apply(pd.to_numeric, errors="coerce")
    future.index = _month_index(future.index)
    future = future.sort_index()
    _regular(future["mean"], "forecast_chart forecast", period)
    if future.index[0] <= recorded.index[-1]:
        raise AnalysisError(
            f"forecast_chart: the forecast starts {spec.label(future.index[0])}, "
            f"not after the last recorded {period} {spec.label(recorded.index[-1])}"
        )
    if (future["lower"] > future["upper"]).any():
        month = future.index[(future["lower"] > future["upper"]).to_numpy()][0]
        raise AnalysisError(f"forecast_chart: lower is above upper for {spec.label(month)}")
    decimals = _auto_decimals(recorded)

    figure, axes = _new_figure()
    axes.plot(
        recorded.index,
        recorded.to_numpy(),
        color=PALETTE[0],
        marker=MARKERS[0],
        markersize=4,
        linewidth=1.6,
    )
    # Join the forecast to the last recorded point so the eye follows one line forward.
    last_month, last_value = _last_valid(recorded)
    join_x = [last_month, *future.index]
    join_mean = [last_value, *future["mean"].to_numpy()]
    axes.fill_between(
        future.index, future["lower"], future["upper"], color=BAND_FILL, alpha=0.18, linewidth=0
    )
    for column in ("lower", "upper"):
        axes.plot(
            future.index, future[column].to_numpy(), color=PALETTE[1], linestyle=":", linewidth=1.2
        )
    axes.plot(
        join_x,
        join_mean,
        color=PALETTE[1],
        linestyle="--",
        linewidth=2.2,
    )
    axes.axvline(last_month + spec.half(), color=GREY, linewidth=1, linestyle="-")
    axes.text(
        last_month + spec.half() + pd.Timedelta(days=10),
        0.02,
        "Forecast",
        transform=matplotlib.transforms.blended_transform_factory(axes.transData, axes.transAxes),
        ha="left",
        va="bottom",
        color=GREY,
        fontsize=FONT_SIZE - 1,
    )
    labels = [
        {
            "y": float(future["mean"].iloc[-1]),
            "text": "Forecast",
            "colour": PALETTE[1],
            "weight": "bold",
        },
        {
            "y": float(future["upper"].iloc[-1]),
            "text": f"Upper {interval_label.split()[0]}",
            "colour": PALETTE[1],
        },
        {
            "y": float(future["lower"].iloc[-1]),
            "text": f"Lower {interval_label.split()[0]}",
            "colour": PALETTE[1],
        },
    ]
    # Every series drawn, so a lower bound below zero or a mean above the band stays in view.
    axes.set_ylim(*_zero_based_limits(recorded, future["mean"], future["lower"], future["upper"]))
    _value_axis(axes.yaxis, whole=decimals == 0)
    _time_axis(axes, recorded.index[0], future.index[-1], period)
    _y_title(axes, unit)
    _style_text(axes)
    _spread_labels(axes, labels)
    # "Recorded" names the history beside its last point, clear of every recorded point and
    # of the forecast side of the divider (where it would sit on the band).
    divider = axes.transData.transform((mdates.date2num(last_month + spec.half()), 0))[0]
    frame = axes.get_window_extent()
    _place_point_labels(
        axes,
        [
            {
                "x": month,
                "y": value,
                "text": "Recorded",
                "bold": True,
                "radius": 2,
                "label": month == last_month,
                "size": FONT_SIZE,
                "colour": PALETTE[0],
            }
            for month, value in recorded.dropna().items()
        ],
        blocked=[(divider, frame.y0, frame.x1, frame.y1)],
    )

    total = float(future["mean"].sum())
    n_compared = min(len(future), int(recorded.notna().sum()))
    alt = (
        f"{spec.adjective} {measure} in {area}: recorded from {spec.label(recorded.index[0])} "
        f"to {spec.label(last_month)} (latest {format_number(last_value, decimals)}), then a "
        f"forecast for {spec.label(future.index[0])} to {spec.label(future.index[-1])}. "
        f"The forecast averages {format_number(future['mean'].mean(), 0)} a {period} "
        f"({format_number(total, 0)} in total) against "
        f"{format_number(recorded.dropna().iloc[-len(future) :].mean(), 0)} a {period} over the "
        f"last {n_compared} recorded {period}{'s' if n_compared != 1 else ''}; the "
        f"{interval_label} for "
        f"{spec.label(future.index[-1])} is {format_number(future['lower'].iloc[-1], 0)} to "
        f"{format_number(future['upper'].iloc[-1], 0)}."
    )
    data = pd.DataFrame(index=recorded.index.union(future.index))
    data["Recorded"] = _with_markers(recorded, mask.reindex(data.index, fill_value=False), decimals)
    data["Forecast"] = future["mean"].round(1)
    band = interval_label[:1].upper() + interval_label[1:]
    data[f"{band}: lower"] = future["lower"].round(1)
    data[f"{band}: upper"] = future["upper"].round(1)
    data.index = spec.table_index(data.index)
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"{spec.adjective} {measure} in {area}: recorded and forecast",
        name=slugify(f"{measure}-{area}-forecast"),
        decimals={"Recorded": decimals, "Forecast": 1, f"{band}: lower": 1, f"{band}: upper": 1},
        count_columns=["Recorded"] if decimals == 0 else [],
    )


# --------------------------------------------------------------------------- funnel

_FUNNEL_BANDS = (
    ("above the 99.8% upper limit", "upper_998", 1),
    ("above the 95% upper limit", "upper_95", 1),
    ("below the 99.8% lower limit", "lower_998", -1),
    ("below the 95% lower limit", "lower_95", -1),
)


def funnel_position(population: float, rate: float, funnel: pd.DataFrame) -> str:
    """Where a point lies against funnel limits interpolated at its population.

    Returns one of "above the 99.8% upper limit", "above the 95% upper limit", "within the 95%
    limits", "below the 95% lower limit", "below the 99.8% lower limit".
    """
    ordered = funnel.sort_values("population")
    pops = ordered["population"].to_numpy(dtype=float)
    if not pops[0] <= population <= pops[-1]:
        raise AnalysisError(
            f"funnel_chart: funnel limits cover populations {format_number(pops[0])} to "
            f"{format_number(pops[-1])}, not {format_number(population)}"
        )
    limit = {
        c: float(np.interp(population, pops, ordered[c].to_numpy(dtype=float)))
        for c in ("lower_95", "upper_95", "lower_998", "upper_998")
    }
    for text, column, sign in _FUNNEL_BANDS:
        if sign * (rate - limit[column]) > 0:
            return text
    return "within the 95% limits"


def funnel_chart(
    points: pd.DataFrame,
    funnel: pd.DataFrame,
    centre: float,
    *,
    measure: str,
    highlight: str | None = None,
    rate_label: str = "per 1,000 residents",
    max_labels: int = 12,
    caption: str | None = None,
) -> Chart:
    """Rates against population with 95% and 99.8% funnel limits, points labelled by name.

    Parameters
    ----------
    points : pandas.DataFrame
        Columns ``area``, ``population`` and ``rate``, one row per area.
    funnel : pandas.DataFrame
        Columns ``population``, ``lower_95``, ``upper_95``, ``lower_998``, ``upper_998``:
        the limits at a grid of populations spanning every point.
    centre : float
        The overall (target) rate the funnel is centred on.
    measure : str
        What the rate counts, lower case, e.g. ``"violent offences"``.
    highlight : str, optional
        The area the report is about: drawn with its own marker and a bold label.
    rate_label : str, default "per 1,000 residents"
    max_labels : int, default 12
        With more points than this, only the highlighted area and areas outside the 95%
        limits are labelled (the table names all of them). A name that cannot be placed
        clear of every other name, point and the axes is left off too; the highlighted area
        is always named.
    caption : str, optional

    Returns
    -------
    Chart
    """
    _require_columns(points, ["area", "population", "rate"], "funnel_chart points")
    _require_columns(
        funnel,
        ["population", "lower_95", "upper_95", "lower_998", "upper_998"],
        "funnel_chart funnel",
    )
    if points.empty:
        raise AnalysisError("funnel_chart: no points")
    if points["area"].duplicated().any():
        raise AnalysisError(
            f"funnel_chart: area {points['area'][points['area'].duplicated()].iloc[0]!r} appears twice"
        )
    if highlight is not None and highlight not in set(points["area"]):
        raise AnalysisError(f"funnel_chart: highlight {highlight!r} is not one of the areas")
    rows = points.reset_index(drop=True).copy()
    rows["population"] = pd.to_numeric(rows["population"], errors="raise").astype(float)
    rows["rate"] = pd.to_numeric(rows["rate"], errors="raise").astype(float)
    rows["position"] = [
        funnel_position(p, r, funnel) for p, r in zip(rows["population"], rows["rate"], strict=True)
    ]

    figure, axes = _new_figure(height=5.0)
    grid = funnel.sort_values("population")
    axes.axhline(centre, color=PALETTE[0], linewidth=1.6)
    for column, style in (
        ("upper_95", "--"),
        ("lower_95", "--"),
        ("upper_998", ":"),
        ("lower_998", ":"),
    ):
        axes.plot(grid["population"], grid[column], color=GREY, linestyle=style, linewidth=1.4)
    last = grid.iloc[-1]
    labels = [
        {"y": centre, "text": f"Average {format_number(centre, 1)}", "colour": PALETTE[0]},
        {"y": float(last["upper_95"]), "text": "95% limits", "colour": GREY},
        {"y": float(last["lower_95"]), "text": "95% limits", "colour": GREY},
        {"y": float(last["upper_998"]), "text": "99.8% limits", "colour": GREY},
        {"y": float(last["lower_998"]), "text": "99.8% limits", "colour": GREY},
    ]
    others = rows[rows["area"] != highlight]
    axes.plot(
        others["population"],
        others["rate"],
        linestyle="none",
        marker="o",
        markersize=8,
        color=PALETTE[1],
        markeredgecolor="#000000",
        markeredgewidth=0.6,
    )
    chosen = (
        rows
        if len(rows) <= max_labels
        else rows[(rows["area"] == highlight) | (rows["position"] != "within the 95% limits")]
    )
    if highlight is not None:
        focus = rows[rows["area"] == highlight]
        axes.plot(
            focus["population"],
            focus["rate"],
            linestyle="none",
            marker="D",
            markersize=11,
            color=PALETTE[0],
            markeredgecolor="#000000",
        )
    low, high = _extent(
        rows["rate"], centre, *(grid[c] for c in ("lower_95", "upper_95", "lower_998", "upper_998"))
    )
    span = high - low if high > low else 1
    # Rates cannot fall below zero, so the padding stops there unless a limit is drawn below.
    bottom = low - 0.08 * span
    axes.set_ylim(max(0, bottom) if low >= 0 else bottom, high + 0.08 * span)
    axes.set_xlim(0, float(grid["population"].max()) * 1.02)
    _value_axis(axes.xaxis, whole=True)
    _value_axis(axes.yaxis, whole=False)
    axes.set_xlabel("Resident population")
    _y_title(axes, f"Rate {rate_label}")
    _style_text(axes)
    _spread_labels(axes, labels)
    # Point labels are placed once the axis limits are final (positions are solved in pixels)
    # and kept inside the plot area, so they can never run into the limit labels in the margin.
    to_px = axes.transData.transform
    line_paths = [
        matplotlib.path.Path(to_px(np.column_stack([grid["population"], grid[column]])))
        for column in ("upper_95", "lower_95", "upper_998", "lower_998")
    ]
    x_low, x_high = axes.get_xlim()
    line_paths.append(matplotlib.path.Path(to_px([(x_low, centre), (x_high, centre)])))
    _place_point_labels(
        axes,
        [
            {
                "x": float(row.population),
                "y": float(row.rate),
                "text": row.area,
                "bold": row.area == highlight,
                # Every marker is an obstacle, labelled or not (markersize is a diameter).
                "radius": (11 if row.area == highlight else 8) / 2,
                "label": row.Index in chosen.index,
                "optional": row.area != highlight,
            }
            for row in rows.itertuples()
        ],
        line_paths,
    )

    n = len(rows)
    alt = (
        f"{_sentence_start(measure)} {rate_label} for {n} area{'s' if n != 1 else ''}, plotted "
        f"against population with 95% and 99.8% funnel limits around the average of "
        f"{format_number(centre, 1)}."
    )
    if highlight is not None:
        focus = rows[rows["area"] == highlight].iloc[0]
        alt += (
            f" {highlight} (rate {format_number(focus['rate'], 1)}, population "
            f"{format_number(focus['population'])}) is {focus['position']}."
        )
    outside = rows[(rows["position"] != "within the 95% limits") & (rows["area"] != highlight)]
    if outside.empty:
        alt += (
            " " + ("Every other area" if highlight else "Every area") + " is within the 95% limits."
        )
    else:
        for position, group in outside.groupby("position", sort=False):
            names = _join_words(list(group["area"]))
            alt += f" {names} {'is' if len(group) == 1 else 'are'} {position}."

    data = rows.set_index("area")[["population", "rate", "position"]]
    data.index.name = "Area"
    data.columns = ["Population", f"Rate {rate_label}", "Compared with the funnel limits"]
    data["Compared with the funnel limits"] = data[
        "Compared with the funnel limits"
    ].str.capitalize()
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"{_sentence_start(measure)} {rate_label} against population",
        name=slugify(f"{measure}-funnel"),
        decimals={"Population": 0, f"Rate {rate_label}": 1},
        count_columns=[],
    )


# --------------------------------------------------------------------------- bars


def bar_chart(
    values: pd.Series,
    *,
    measure: str,
    area: str,
    by: str,
    value_label: str = "Offences",
    average: float | None = None,
    average_label: str = "Average",
    highlight: str | None = None,
    suppressed: pd.Series | None = None,
    sort: bool = True,
    decimals: int | None = None,
    counts: bool = True,
    caption: str | None = None,
) -> Chart:
    """Horizontal bars, largest at the top, values labelled at the bar ends.

    Parameters
    ----------
    values : pandas.Series
        One number per category (the index holds the category names).
    measure : str
        What the values are, lower case, e.g. ``"offences in the year ending March 2026"``.
    area : str
        Where, e.g. ``"Herefordshire"`` or ``"West Mercia"``.
    by : str
        What the categories are, e.g. ``"crime type"`` or ``"Community Safety Partnership"``.
    value_label : str, default "Offences"
        The x-axis title and the value column of the table.
    average : float, optional
        A group average drawn as a labelled vertical line.
    average_label : str, default "Average"
        E.g. ``"West Mercia average"``.
    highlight : str, optional
        A category to pick out: drawn black AND hatched, with a bold label.
    suppressed : pandas.Series of bool, optional
        Categories withheld for disclosure control: no bar, and ``"[c]"`` at its place.
    sort : bool, default True
        Sort largest first; False keeps the given order (e.g. for ordered bands).
    decimals : int, optional
        Decimal places for value labels; inferred from the data when None.
    counts : bool, default True
        Whether the values are counts (False for rates, percentages, scores): counts are marked
        for the published-page disclosure checks.
    caption : str, optional

    Returns
    -------
    Chart
    """
    if not isinstance(values, pd.Series) or values.empty:
        raise AnalysisError("bar_chart: expected a non-empty pandas Series")
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = numbers.isna() & values.notna()
    if bad.any():
        raise AnalysisError(
            f"bar_chart: value {values[bad].iloc[0]!r} for {values.index[bad.to_numpy()][0]!r} is not a number"
        )
    if values.index.duplicated().any():
        raise AnalysisError(
            f"bar_chart: category {values.index[values.index.duplicated()][0]!r} appears twice"
        )
    if highlight is not None and highlight not in values.index:
        raise AnalysisError(f"bar_chart: highlight {highlight!r} is not one of the categories")
    mask = _suppression_mask(suppressed, numbers.index, "bar_chart")
    numbers = numbers.mask(mask)
    if sort:
        numbers = numbers.sort_values(ascending=False, na_position="last", kind="stable")
        mask = mask.reindex(numbers.index)
    decimals = _auto_decimals(numbers) if decimals is None else decimals

    figure, axes = _new_figure(height=max(2.6, 0.45 * len(numbers) + 1.3))
    figure.subplots_adjust(left=0.32, right=0.86, top=0.9, bottom=0.12)
    axes.grid(axis="y", visible=False)
    axes.grid(axis="x", color=LIGHT_GRID, linewidth=0.8)
    positions = np.arange(len(numbers))[::-1]  # first category at the top
    colours = [PALETTE[0] if name == highlight else PALETTE[1] for name in numbers.index]
    bars = axes.barh(
        positions,
        numbers.fillna(0).to_numpy(),
        color=colours,
        height=0.65,
        edgecolor="#000000",
        linewidth=0.6,
    )
    for bar, name in zip(bars, numbers.index, strict=True):
        if name == highlight:
            bar.set_hatch("///")
            bar.set_edgecolor("#FFFFFF")
    axes.set_xlim(*_zero_based_limits(numbers, average, headroom=0.18))
    for position, (name, value) in zip(positions, numbers.items(), strict=True):
        text = SUPPRESSED if mask[name] else format_number(value, decimals)
        # Beyond the bar's end (left of a negative bar), on a white box so the average line
        # cannot run through the digits.
        negative = not np.isnan(value) and value < 0
        axes.annotate(
            text,
            (0 if np.isnan(value) else value, position),
            xytext=(-4 if negative else 4, 0),
            textcoords="offset points",
            va="center",
            ha="right" if negative else "left",
            fontsize=FONT_SIZE - 1,
            fontweight="bold" if name == highlight else "normal",
            bbox=_TEXT_BOX,
        )
    axes.set_yticks(positions, [str(n) for n in numbers.index])
    for tick in axes.get_yticklabels():
        if tick.get_text() == str(highlight):
            tick.set_fontweight("bold")
    if average is not None:
        axes.axvline(average, color=PALETTE[2], linestyle="--", linewidth=1.8)
        axes.text(
            average,
            positions.max() + 0.6,
            f"{average_label} {format_number(average, decimals)}",
            ha="center",
            va="bottom",
            color=text_colour(PALETTE[2]),
            fontsize=FONT_SIZE - 1,
            fontweight="bold",
            bbox=_TEXT_BOX,
        )
        axes.set_ylim(-0.6, positions.max() + 1.3)
    _value_axis(axes.xaxis, whole=decimals == 0, nbins=5)
    axes.set_xlabel(value_label)
    axes.spines["left"].set_visible(False)
    axes.tick_params(axis="y", length=0)
    _style_text(axes)

    shown = numbers.dropna().sort_values(ascending=False)
    if shown.empty:
        raise AnalysisError("bar_chart: every value is missing or suppressed")
    alt = f"{_sentence_start(measure)} in {area} by {by}, {len(numbers)} categories. "
    leaders = [f"{name} ({format_number(v, decimals)})" for name, v in shown.iloc[:3].items()]
    alt += f"The highest {'is' if len(leaders) == 1 else 'are'} {_join_words(leaders)}"
    if len(shown) > 3:
        alt += f"; the lowest is {shown.index[-1]} ({format_number(shown.iloc[-1], decimals)})"
    alt += "."
    if highlight is not None and not mask[highlight] and not np.isnan(numbers[highlight]):
        rank = int(list(shown.index).index(highlight)) + 1
        alt += f" {highlight} is {format_number(numbers[highlight], decimals)}, {_ordinal(rank)} of {len(shown)}"
        if average is not None:
            alt += f", {'above' if numbers[highlight] > average else 'below' if numbers[highlight] < average else 'equal to'} the {_lower_first(average_label)} of {format_number(average, decimals)}"
        alt += "."
    elif average is not None:
        above = int((shown > average).sum())
        alt += f" {above} of {len(shown)} are above the {_lower_first(average_label)} of {format_number(average, decimals)}."
    if mask.any():
        alt += f" {int(mask.sum())} value{'s are' if mask.sum() != 1 else ' is'} withheld to protect confidentiality."

    column = value_label
    data = pd.DataFrame({column: _with_markers(numbers, mask, decimals)})
    data.index.name = _sentence_start(by)
    return Chart(
        figure=figure,
        alt=alt,
        data=data,
        caption=caption or f"{_sentence_start(measure)} in {area} by {by}",
        name=slugify(f"{measure}-{area}-by-{by}"),
        decimals={column: decimals},
        count_columns=[column] if decimals == 0 and counts else [],
    )


def _lower_first(label: str) -> str:
    """'Average' -> 'average' mid-sentence, but proper names ('West Mercia average') stay."""
    first = label.split(" ", 1)[0]
    if first in {"Average", "Mean", "Median", "Group", "All", "Overall"}:
        return label[:1].lower() + label[1:]
    return label


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


__all__ = [
    "Chart",
    "PALETTE",
    "MARKERS",
    "LINESTYLES",
    "SPC_STYLES",
    "SUPPRESSED",
    "NOT_AVAILABLE",
    "PERIODS",
    "bar_chart",
    "contrast_ratio",
    "financial_year",
    "forecast_chart",
    "format_month",
    "format_quarter",
    "format_number",
    "funnel_chart",
    "funnel_position",
    "png_size",
    "render_png",
    "seasonal_profile_chart",
    "slugify",
    "spc_chart",
    "text_colour",
    "trend_chart",
]
