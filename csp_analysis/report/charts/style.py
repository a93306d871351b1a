"""Chart style: the Okabe-Ito palette with markers and line styles, sizes, and colour contrast
(WCAG 2.2 SC 1.4.3 and 1.4.11)."""

from __future__ import annotations

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
