"""What every chart builder shares: periods (months or quarters), input validation, axes with
exact ticks, label placement clear of the data, and the phrases of alt text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import matplotlib.path
import matplotlib.transforms
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter, MaxNLocator

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import wording
from csp_analysis.report.charts.style import (
    _RC,
    _TEXT_BOX,
    DPI,
    FONT_SIZE,
    GREY,
    LIGHT_GRID,
    WIDTH_INCHES,
    text_colour,
)
from csp_analysis.report.wording import SUPPRESSED

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
        return (
            wording.month_label(start) if self.name == "month" else wording.fy_quarter_label(start)
        )

    def count(self, n: int) -> str:
        return f"{n} {self.name}{'s' if n != 1 else ''}"

    def half(self) -> pd.Timedelta:
        return pd.Timedelta(days=15 * self.months)

    def table_index(self, index: pd.DatetimeIndex) -> pd.Index:
        """The data-table row headers: month-start Timestamps, or quarter labels."""
        if self.name == "month":
            return pd.DatetimeIndex(index, name="Month")
        return pd.Index([wording.fy_quarter_label(m) for m in index], name="Quarter")


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


def _is_whole(values: pd.Series) -> bool:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    return bool(len(numbers)) and bool(np.all(np.isclose(numbers, np.round(numbers))))


def _auto_decimals(values: pd.Series) -> int:
    return 0 if _is_whole(values) or values.dropna().empty else 1


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
        return wording.number(x, decimals)


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
            label = wording.fy_quarter_label(pd.Timestamp(mdates.num2date(x)).tz_localize(None))
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


def _total_overlap(box, boxes: np.ndarray) -> float:
    """The sum of :func:`_overlap` of ``box`` with each row of ``boxes`` (n x 4), at once."""
    if not len(boxes):
        return 0.0
    width = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    height = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return float(np.where((width > 0) & (height > 0), width * height, 0.0).sum())


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
    marker_boxes = np.asarray(markers, dtype=float).reshape(-1, 4)
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
            crowding += _total_overlap(box, marker_boxes)  # 300 markers on a national funnel
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


def _change_phrase(start: float, end: float, decimals: int) -> str:
    """'rose from 95 to 120', 'fell from ...', or 'stayed broadly level (95 and 96)' (< 2%)."""
    a, b = wording.number(start, decimals), wording.number(end, decimals)
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
