"""Tests for csp_analysis.report.charts: alt text against hand-worked values, accessibility rules of the
figures (palette contrast, markers, no dual axes, horizontal ticks, direct labels, gaps), and
every validation rule."""

from __future__ import annotations

import re

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from csp_analysis.core.exceptions import AnalysisError
from csp_analysis.report import charts
from csp_analysis.report.charts import (
    LINESTYLES,
    MARKERS,
    PALETTE,
    SPC_STYLES,
    bar_chart,
    contrast_ratio,
    forecast_chart,
    funnel_chart,
    funnel_position,
    png_size,
    seasonal_profile_chart,
    spc_chart,
    text_colour,
    trend_chart,
)
from csp_analysis.report.wording import financial_year
from csp_analysis.report.wording import month_label as format_month
from csp_analysis.report.wording import number as format_number

MONTHS = pd.date_range("2023-04-01", periods=36, freq="MS")  # April 2023 to March 2026


def linear(start: float, end: float, months=MONTHS) -> pd.Series:
    return pd.Series(np.linspace(start, end, len(months)), index=months)


def spc_frame(values, mean=100.0, lcl=70.0, ucl=130.0, special=None, kinds=None):
    frame = pd.DataFrame({"value": values, "mean": mean, "lcl": lcl, "ucl": ucl}, index=MONTHS)
    frame["special_cause"] = False if special is None else special
    if kinds is not None:
        frame["type"] = kinds
    return frame


def all_texts(chart) -> list[str]:
    axes = chart.figure.axes[0]
    return [t.get_text() for t in axes.texts]


def funnel_grid(centre=45.0, half_95=5.0, half_998=8.0):
    populations = np.linspace(50_000, 500_000, 50)
    return pd.DataFrame(
        {
            "population": populations,
            "lower_95": centre - half_95,
            "upper_95": centre + half_95,
            "lower_998": centre - half_998,
            "upper_998": centre + half_998,
        }
    )


# --------------------------------------------------------------------------- formatting


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (12345.678, 1, "12,345.7"),
        (1234567, 0, "1,234,567"),
        (95, 0, "95"),
        (-1500, 0, "\u22121,500"),
        (-0.04, 1, "0.0"),
        (float("nan"), 0, "[x]"),
        (None, 0, "[x]"),
        ("[c]", 0, "[c]"),
        (np.int64(2500), 0, "2,500"),
    ],
)
def test_format_number(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_months_and_financial_years():
    assert format_month(pd.Timestamp("2023-04-01")) == "April 2023"
    assert financial_year(pd.Timestamp("2023-04-01")) == "2023/24"
    assert financial_year(pd.Timestamp("2024-03-01")) == "2023/24"
    assert financial_year(pd.Timestamp("1999-12-01")) == "1999/00"


# --------------------------------------------------------------------------- palette


def test_palette_meets_non_text_contrast_and_text_colours_meet_aa():
    # WCAG 1.4.11: graphical objects need 3:1 against white; text in images needs 4.5:1.
    for colour in [*PALETTE, *(s["color"] for s in SPC_STYLES.values()), charts.style.GREY]:
        assert contrast_ratio(colour) >= 3.0, colour
        assert contrast_ratio(text_colour(colour)) >= 4.5, colour
    assert len(set(PALETTE)) == len(MARKERS) == len(set(MARKERS)) == len(LINESTYLES)
    assert len({s["marker"] for s in SPC_STYLES.values()}) == len(SPC_STYLES)


def test_contrast_ratio_reference_values():
    assert contrast_ratio("#000000") == pytest.approx(21.0)
    assert contrast_ratio("#FFFFFF") == pytest.approx(1.0)
    assert contrast_ratio("#0072B2") == pytest.approx(5.17, abs=0.05)  # WebAIM checker: 5.17


# --------------------------------------------------------------------------- trend


def test_trend_alt_text_reference_sentence():
    counts = linear(95, 120).round()
    chart = trend_chart(
        counts,
        measure="domestic abuse offences",
        area="Herefordshire",
        usual_range=(70, 134),
    )
    assert chart.alt.startswith(
        "Monthly domestic abuse offences in Herefordshire rose from 95 to 120 between April 2023 "
        "and March 2026; the latest month is within the usual range (70 to 134)."
    )
    # The 12-month average goes from the mean of the first twelve months to the last twelve.
    first, last = counts.iloc[:12].mean(), counts.iloc[-12:].mean()
    assert f"rose from {first:.1f} to {last:.1f}" in chart.alt
    for word in ("image", "png", "picture"):
        assert word not in chart.alt.lower()


def test_trend_alt_text_falling_unchanged_and_outside_range():
    falling = trend_chart(
        linear(2400, 1800).round(), measure="thefts", area="Shropshire", usual_range=(1900, 2500)
    )
    assert "fell from 2,400 to 1,800" in falling.alt
    assert "the latest month is below the usual range (1,900 to 2,500)" in falling.alt
    flat = trend_chart(linear(100, 101).round(), measure="thefts", area="Shropshire")
    assert "Monthly thefts in Shropshire stayed broadly level (100 and 101) between" in flat.alt
    same = trend_chart(pd.Series(7.0, index=MONTHS), measure="thefts", area="Shropshire")
    assert "started and ended at 7 between" in same.alt
    high = trend_chart(
        linear(100, 200).round(), measure="thefts", area="Shropshire", usual_range=(80, 150)
    )
    assert "the latest month is above the usual range" in high.alt


def test_trend_gaps_are_breaks_not_zero():
    counts = linear(95, 120).round()
    counts.iloc[10] = np.nan
    counts = counts.drop(MONTHS[20])  # a month missing from the index is a gap too
    chart = trend_chart(counts, measure="offences", area="Herefordshire")
    line = chart.figure.axes[0].lines[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert len(y) == 36
    assert np.isnan(y[10]) and np.isnan(y[20])
    assert (np.nan_to_num(y, nan=1) > 0).all()  # nothing drawn at zero
    assert "The line has gaps for 2 months with no data." in chart.alt
    assert pd.isna(chart.data.iloc[10, 0]) and pd.isna(chart.data.iloc[20, 0])
    # The rolling mean needs a full window, so a gap leaves the average undefined near it.
    rolling = chart.data["12-month rolling average"]
    assert rolling.iloc[11:22].isna().all() and rolling.iloc[32:].notna().all()


def test_trend_suppressed_months_are_gaps_marked_c():
    counts = linear(5, 20).round()
    suppressed = pd.Series(False, index=MONTHS)
    suppressed.iloc[[0, 1]] = True
    chart = trend_chart(counts, measure="hate crimes", area="Worcester", suppressed=suppressed)
    column = chart.data["Hate crimes"]
    assert list(column.iloc[:3]) == ["[c]", "[c]", counts.iloc[2]]
    assert np.isnan(chart.figure.axes[0].lines[0].get_ydata()[:2].astype(float)).all()
    assert "2 months withheld to protect confidentiality" in chart.alt
    # The alt text starts from the first published month, never a suppressed one.
    assert f"from {counts.iloc[2]:.0f} to 20 between June 2023" in chart.alt


def test_trend_direct_labels_and_no_legend_or_dual_axis():
    sa = linear(95, 120) + 1
    chart = trend_chart(
        linear(95, 120),
        measure="offences",
        area="Herefordshire",
        adjusted=sa,
        usual_range=(70, 134),
    )
    texts = all_texts(chart)
    for label in ("Monthly count", "12-month average", "Seasonally adjusted"):
        assert label in texts
    assert "Seasonally adjusted" in chart.data.columns


@pytest.mark.parametrize("builder", ["trend", "spc", "seasonal", "forecast", "funnel", "bar"])
def test_every_chart_is_single_axis_horizontal_and_legend_free(builder):
    chart = build(builder)
    assert len(chart.figure.axes) == 1  # no dual axes
    axes = chart.figure.axes[0]
    assert axes.get_legend() is None  # direct labels instead
    chart.figure.canvas.draw()
    for label in axes.get_xticklabels() + axes.get_yticklabels():
        assert label.get_rotation() == 0
        if label.get_text():
            assert label.get_fontsize() >= 10
    assert chart.alt and chart.caption and not chart.data.empty
    assert plt.get_fignums() == []  # never registered with pyplot: nothing to leak or re-show


def build(kind: str):
    values = linear(95, 120).round()
    if kind == "trend":
        return trend_chart(values, measure="offences", area="Herefordshire")
    if kind == "spc":
        return spc_chart(spc_frame(values), measure="offences", area="Herefordshire")
    if kind == "seasonal":
        return seasonal_profile_chart(values, measure="offences", area="Herefordshire")
    if kind == "forecast":
        future = pd.date_range("2026-04-01", periods=6, freq="MS")
        fc = pd.DataFrame({"mean": 120.0, "lower": 100.0, "upper": 140.0}, index=future)
        return forecast_chart(values, fc, measure="offences", area="Herefordshire")
    if kind == "funnel":
        points = pd.DataFrame(
            {"area": ["A", "B"], "population": [100_000, 200_000], "rate": [44.0, 47.0]}
        )
        return funnel_chart(points, funnel_grid(), 45.0, measure="offences")
    return bar_chart(
        pd.Series({"Burglary": 10, "Robbery": 4}),
        measure="offences",
        area="Herefordshire",
        by="crime type",
    )


def test_png_is_compact_deterministic_and_carries_no_metadata():
    chart = build("trend")
    png = chart.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = png_size(png)
    assert 900 <= width <= 1500 and 450 <= height <= 900  # 8 inches at 150 dpi, trimmed
    assert len(png) < 80_000
    assert b"matplotlib" not in png.lower() and b"Software" not in png
    assert chart.png() == png  # same figure, same bytes: re-runs do not churn reports
    with pytest.raises(AnalysisError, match="not a PNG"):
        png_size(b"GIF89a" + b"\0" * 30)


def test_png_keeps_every_palette_colour_of_the_chart_exactly():
    # The contrast checks are made on the palette's colours; the PNG must show those colours,
    # not a quantiser's average of a fill and its anti-aliased edge.
    from io import BytesIO

    from PIL import Image

    chart = build("trend")
    with Image.open(BytesIO(chart.png())) as image:
        assert image.mode == "P"
        shown = {tuple(c) for c in np.asarray(image.convert("RGB")).reshape(-1, 3)}
    drawn = {
        tuple(int(round(255 * v)) for v in matplotlib.colors.to_rgb(line.get_color()))
        for line in chart.figure.axes[0].get_lines()
    }
    assert drawn and drawn <= shown


def test_palette_image_exact_when_few_colours_nearest_when_many():
    from csp_analysis.report.charts.figure import palette_image

    few = np.zeros((4, 6, 3), np.uint8)
    few[:2] = (11, 83, 148)
    few[:, :2] = (255, 255, 255)
    assert (np.asarray(palette_image(few).convert("RGB")) == few).all()

    # 300 colours: the 256 most frequent are exact, each of the 44 rare ones takes its nearest.
    rng = np.random.default_rng(7)
    colours = rng.integers(0, 256, (300, 3), dtype=np.uint8)
    repeats = np.r_[np.full(256, 5), np.ones(44, int)]
    pixels = np.repeat(colours, repeats, axis=0)
    image = pixels[:1320].reshape(33, 40, 3)
    shown = np.asarray(palette_image(image).convert("RGB")).reshape(-1, 3)
    assert (shown[:1280] == pixels[:1280]).all()
    frequent = colours[:256].astype(int)
    for rare, got in zip(pixels[1280:1320].astype(int), shown[1280:].astype(int), strict=True):
        nearest = frequent[((frequent - rare) ** 2).sum(axis=1).argmin()]
        assert ((got - rare) ** 2).sum() == ((nearest - rare) ** 2).sum()


# --------------------------------------------------------------------------- SPC


def test_spc_alt_text_lists_special_causes_and_latest_position():
    values = pd.Series(100.0, index=MONTHS)
    values.iloc[5] = 140  # above the upper limit: concerning
    values.iloc[9] = 60  # below the lower limit: improving
    values.iloc[-1] = 135
    special = values.ne(100)
    kinds = np.where(values > 100, "concerning", np.where(values < 100, "improving", None))
    chart = spc_chart(
        spc_frame(values, special=special, kinds=kinds),
        measure="burglaries",
        area="Telford and Wrekin",
    )
    assert chart.alt.startswith(
        "Monthly burglaries in Telford and Wrekin from April 2023 to March 2026, with a mean of "
        "100.0 and a usual range (process limits) of 70.0 to 130.0."
    )
    assert (
        "3 months show special cause variation (concerning: September 2023 and March 2026; "
        "improving: January 2024)." in chart.alt
    )
    assert "The latest month, March 2026, was 135, above the usual range." in chart.alt
    texts = all_texts(chart)
    assert "Concerning special cause" in texts and "Improving special cause" in texts
    assert "Mean 100.0" in texts and "Upper limit 130.0" in texts and "Lower limit 70.0" in texts
    # Special causes differ from common cause by marker AND colour, not colour alone.
    axes = chart.figure.axes[0]
    markers = {line.get_marker(): line.get_color() for line in axes.lines}
    assert markers["^"] == SPC_STYLES["concerning"]["color"]
    assert markers["s"] == SPC_STYLES["improving"]["color"]
    assert list(chart.data["Special cause"].iloc[[5, 9, 0]]) == [
        "Yes (concerning)",
        "Yes (improving)",
        "No",
    ]


def test_spc_without_special_causes_or_types():
    chart = spc_chart(spc_frame(pd.Series(100.0, index=MONTHS)), measure="thefts", area="X")
    assert "No month shows special cause variation" in chart.alt
    assert "within the usual range" in chart.alt
    special = pd.Series(False, index=MONTHS)
    special.iloc[3] = True
    chart = spc_chart(
        spc_frame(pd.Series(100.0, index=MONTHS), special=special), measure="thefts", area="X"
    )
    assert "1 month shows special cause variation (other: July 2023)" in chart.alt


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="ucl"), "missing column"),
        (lambda f: f.assign(type="worrying", special_cause=True), "unknown type 'worrying'"),
        (lambda f: f.assign(special_cause="yes"), "special_cause must be True or False"),
        (lambda f: f.assign(mean=np.nan), "column mean has no numbers"),
    ],
)
def test_spc_validation(change, message):
    with pytest.raises(AnalysisError, match=message):
        spc_chart(change(spc_frame(pd.Series(100.0, index=MONTHS))), measure="x", area="y")


# --------------------------------------------------------------------------- seasonal


def test_seasonal_profile_reference_values():
    # Three financial years; July is always 30 above April-level 100, February always 80.
    values = pd.Series(100.0, index=MONTHS)
    values[values.index.month == 7] = 130
    values[values.index.month == 2] = 80
    chart = seasonal_profile_chart(values, measure="assaults", area="Worcester")
    assert list(chart.data.columns) == ["2023/24", "2024/25", "2025/26"]
    assert list(chart.data.index[:2]) == ["April", "May"] and chart.data.index[-1] == "March"
    average_month = (130 + 80 + 10 * 100) / 12  # 100.8
    assert chart.alt.startswith(
        "Monthly assaults in Worcester for each financial year from 2023/24 to 2025/26, April "
        "to March. Averaged over 3 financial years, the highest month is July (130.0) and the "
        "lowest is February (80.0)"
    )
    above = round((130 / average_month - 1) * 100)
    below = round((1 - 80 / average_month) * 100)
    assert f"{above}% above and {below}% below the average month." in chart.alt
    assert set(all_texts(chart)) >= {"2023/24", "2024/25", "2025/26"}


def test_seasonal_profile_limits_years_drawn_not_tabled():
    months = pd.date_range("2019-04-01", periods=84, freq="MS")  # seven financial years
    chart = seasonal_profile_chart(
        pd.Series(10.0, index=months), measure="x", area="y", max_years=3
    )
    assert len(chart.data.columns) == 7
    assert len(chart.figure.axes[0].lines) == 3
    assert "Earlier years are in the data table only." in chart.alt
    with pytest.raises(AnalysisError, match="max_years must be 1 to 5"):
        seasonal_profile_chart(pd.Series(10.0, index=months), measure="x", area="y", max_years=6)


# --------------------------------------------------------------------------- forecast


def test_forecast_alt_text_and_table():
    future = pd.date_range("2026-04-01", periods=12, freq="MS")
    fc = pd.DataFrame(
        {"mean": 120.0, "lower": np.linspace(110, 90, 12), "upper": np.linspace(130, 150, 12)},
        index=future,
    )
    history = linear(100, 118).round()
    chart = forecast_chart(history, fc, measure="vehicle crimes", area="Wyre Forest")
    last12 = history.iloc[-12:].mean()
    assert chart.alt == (
        "Monthly vehicle crimes in Wyre Forest: recorded from April 2023 to March 2026 (latest "
        "118), then a forecast for April 2026 to March 2027. The forecast averages 120 a month "
        f"(1,440 in total) against {last12:,.0f} a month over the last 12 recorded months; the "
        "95% prediction interval for March 2027 is 90 to 150."
    )
    assert list(chart.data.columns) == [
        "Recorded",
        "Forecast",
        "95% prediction interval: lower",
        "95% prediction interval: upper",
    ]
    assert len(chart.data) == 48 and chart.data["Forecast"].notna().sum() == 12
    assert {"Forecast", "Upper 95%", "Lower 95%", "Recorded"} <= set(all_texts(chart))


def test_forecast_validation():
    history = linear(100, 118)
    overlap = pd.DataFrame({"mean": [1.0], "lower": [0.0], "upper": [2.0]}, index=[MONTHS[-1]])
    with pytest.raises(AnalysisError, match="not after the last recorded month March 2026"):
        forecast_chart(history, overlap, measure="x", area="y")
    future = [pd.Timestamp("2026-04-01")]
    crossed = pd.DataFrame({"mean": [1.0], "lower": [3.0], "upper": [2.0]}, index=future)
    with pytest.raises(AnalysisError, match="lower is above upper for April 2026"):
        forecast_chart(history, crossed, measure="x", area="y")
    with pytest.raises(AnalysisError, match="missing column"):
        forecast_chart(history, crossed.drop(columns="upper"), measure="x", area="y")


# --------------------------------------------------------------------------- funnel


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (45.0, "within the 95% limits"),
        (51.0, "above the 95% upper limit"),
        (54.0, "above the 99.8% upper limit"),
        (39.0, "below the 95% lower limit"),
        (36.0, "below the 99.8% lower limit"),
    ],
)
def test_funnel_position(rate, expected):
    assert funnel_position(200_000, rate, funnel_grid()) == expected


def test_funnel_alt_text_names_highlight_and_outliers():
    points = pd.DataFrame(
        {
            "area": ["Herefordshire", "Shropshire", "Telford and Wrekin", "Worcester"],
            "population": [189_890, 329_260, 191_915, 103_000],
            "rate": [40.1, 45.0, 58.0, 36.5],
        }
    )
    chart = funnel_chart(
        points, funnel_grid(), 45.0, measure="violent offences", highlight="Herefordshire"
    )
    assert chart.alt == (
        "Violent offences per 1,000 residents for 4 areas, plotted against population with 95% "
        "and 99.8% funnel limits around the average of 45.0. Herefordshire (rate 40.1, "
        "population 189,890) is within the 95% limits. Telford and Wrekin is above the 99.8% "
        "upper limit. Worcester is below the 99.8% lower limit."
    )
    assert {"Herefordshire", "Shropshire", "Telford and Wrekin", "Worcester"} <= {
        t.get_text() for t in chart.figure.axes[0].texts
    }
    assert chart.data.loc["Telford and Wrekin", "Compared with the funnel limits"] == (
        "Above the 99.8% upper limit"
    )


def test_funnel_validation():
    points = pd.DataFrame({"area": ["A"], "population": [10_000], "rate": [40.0]})
    with pytest.raises(AnalysisError, match="cover populations 50,000 to 500,000, not 10,000"):
        funnel_chart(points, funnel_grid(), 45.0, measure="x")
    points = pd.DataFrame({"area": ["A"], "population": [100_000], "rate": [40.0]})
    with pytest.raises(AnalysisError, match="highlight 'B' is not one of the areas"):
        funnel_chart(points, funnel_grid(), 45.0, measure="x", highlight="B")
    with pytest.raises(AnalysisError, match="missing column"):
        funnel_chart(points.drop(columns="rate"), funnel_grid(), 45.0, measure="x")
    twice = pd.concat([points, points])
    with pytest.raises(AnalysisError, match="area 'A' appears twice"):
        funnel_chart(twice, funnel_grid(), 45.0, measure="x")


# --------------------------------------------------------------------------- bars


def test_bar_chart_alt_text_order_and_suppression():
    values = pd.Series(
        {"Shoplifting": 980, "Burglary": 500, "Violence": 4210, "Drugs": 300, "Weapons": 3}
    )
    chart = bar_chart(
        values,
        measure="offences in the year ending March 2026",
        area="Herefordshire",
        by="crime type",
        average=1100,
        average_label="West Mercia average",
        highlight="Shoplifting",
        suppressed=pd.Series({"Weapons": True}),
    )
    assert chart.alt == (
        "Offences in the year ending March 2026 in Herefordshire by crime type, 5 categories. "
        "The highest are Violence (4,210), Shoplifting (980) and Burglary (500); the lowest is "
        "Drugs (300). Shoplifting is 980, 2nd of 4, below the West Mercia average of 1,100. "
        "1 value is withheld to protect confidentiality."
    )
    assert list(chart.data.index) == ["Violence", "Shoplifting", "Burglary", "Drugs", "Weapons"]
    assert chart.data.loc["Weapons", "Offences"] == "[c]"
    texts = all_texts(chart)
    assert "West Mercia average 1,100" in texts and "[c]" in texts and "4,210" in texts
    # The highlighted bar differs by hatching as well as colour.
    hatched = [p for p in chart.figure.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 1


def test_bar_chart_validation():
    with pytest.raises(AnalysisError, match="non-empty pandas Series"):
        bar_chart(pd.Series(dtype=float), measure="x", area="y", by="z")
    with pytest.raises(AnalysisError, match="value 'lots' for 'A' is not a number"):
        bar_chart(pd.Series({"A": "lots"}), measure="x", area="y", by="z")
    with pytest.raises(AnalysisError, match="highlight 'B' is not one of the categories"):
        bar_chart(pd.Series({"A": 1}), measure="x", area="y", by="z", highlight="B")
    with pytest.raises(AnalysisError, match="every value is missing or suppressed"):
        bar_chart(
            pd.Series({"A": 1}), measure="x", area="y", by="z", suppressed=pd.Series({"A": True})
        )
    with pytest.raises(AnalysisError, match="suppressed names 'Q', which is not in the data"):
        bar_chart(
            pd.Series({"A": 1}), measure="x", area="y", by="z", suppressed=pd.Series({"Q": True})
        )


# --------------------------------------------------------------------------- series validation


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([1, 2, 3], "expected a pandas Series"),
        (pd.Series([1, 2]), "must be month-start Timestamps"),
        (pd.Series([1.0], index=[pd.Timestamp("2024-01-15")]), "2024-01-15 is not"),
        (
            pd.Series([1.0, 2.0], index=[pd.Timestamp("2024-01-01")] * 2),
            "January 2024 appears twice",
        ),
        (
            pd.Series(["a"], index=[pd.Timestamp("2024-01-01")]),
            "'a' for January 2024 is not a number",
        ),
        (pd.Series([np.nan], index=[pd.Timestamp("2024-01-01")]), "every value is missing"),
        (pd.Series([], index=pd.DatetimeIndex([]), dtype=float), "the series is empty"),
    ],
)
def test_monthly_series_validation(series, message):
    with pytest.raises(AnalysisError, match=message):
        trend_chart(series, measure="x", area="y")


def test_rolling_window_validation():
    with pytest.raises(AnalysisError, match="rolling_window must be at least 2"):
        trend_chart(linear(1, 2), measure="x", area="y", rolling_window=1)


# --------------------------------------------------------------------------- analysis outputs


def test_spc_chart_reads_xmr_results_directly():
    from csp_analysis.analysis.spc import xmr

    values = pd.Series(100.0 + np.tile([3, -2, 1, -1, 2, -3], 6), index=MONTHS)
    values.iloc[-1] = 160  # far above the limits: special cause, concerning (lower is better)
    result = xmr(values, direction="lower")
    assert result.frame["special_cause"].iloc[-1]
    chart = spc_chart(result, measure="burglaries", area="Worcester")
    assert "concerning: March 2026" in chart.alt
    assert "The latest month, March 2026, was 160, above the usual range." in chart.alt
    assert chart.data["Special cause"].iloc[-1] == "Yes (concerning)"


def test_forecast_chart_reads_forecast_results_and_their_level():
    from csp_analysis.analysis.forecast import forecast

    history = pd.Series(100.0 + 10 * np.sin(np.arange(36) / 12 * 2 * np.pi), index=MONTHS)
    result = forecast(history, horizon=6, model="seasonal_naive", level=0.8)
    chart = forecast_chart(history, result, measure="thefts", area="Shropshire")
    assert "the 80% prediction interval for September 2026 is" in chart.alt
    assert "80% prediction interval: lower" in chart.data.columns
    renamed = forecast_chart(history, result.frame(), measure="thefts", area="Shropshire")
    assert "the 95% prediction interval for September 2026" in renamed.alt


def test_period_index_is_read_as_months():
    periods = pd.period_range("2023-04", periods=36, freq="M")
    chart = trend_chart(
        pd.Series(np.linspace(95, 120, 36).round(), index=periods),
        measure="thefts",
        area="Worcester",
    )
    assert "between April 2023 and March 2026" in chart.alt


def test_suppression_in_spc_seasonal_and_forecast():
    counts = pd.Series(np.tile([3.0, 8.0, 12.0], 12), index=MONTHS)
    withheld = counts.between(1, 4)
    spc = spc_chart(
        spc_frame(counts, mean=7.7, lcl=0.0, ucl=20.0),
        measure="hate crimes",
        area="Worcester",
        suppressed=withheld,
    )
    assert (spc.data.loc[withheld, "Hate crimes"] == "[c]").all()
    assert np.isnan(np.asarray(spc.figure.axes[0].lines[0].get_ydata(), float)[withheld]).all()
    seasonal = seasonal_profile_chart(
        counts, measure="hate crimes", area="Worcester", suppressed=withheld
    )
    assert (seasonal.data.loc[["April", "July", "October", "January"]] == "[c]").all().all()
    assert (seasonal.data.loc["May"] == 8).all()
    assert "the lowest is May (8.0)" in seasonal.alt  # averages skip withheld months
    future = pd.date_range("2026-04-01", periods=3, freq="MS")
    fc = pd.DataFrame({"mean": 8.0, "lower": 2.0, "upper": 14.0}, index=future)
    forecast = forecast_chart(
        counts, fc, measure="hate crimes", area="Worcester", suppressed=withheld
    )
    assert (forecast.data["Recorded"].iloc[:36][withheld.to_numpy()] == "[c]").all()
    assert forecast.data["Recorded"].iloc[36:].isna().all()
    for chart in (spc, seasonal, forecast):  # a withheld 3 never reaches the alt text
        assert "(3" not in chart.alt and "was 3," not in chart.alt and "latest 3)" not in chart.alt


# --------------------------------------------------------------------------- quarters

QUARTERS = pd.date_range("2023-04-01", periods=12, freq="3MS")  # 2023/24 Q1 to 2025/26 Q4


def quarterly_spc_frame():
    values = pd.Series(100.0, index=QUARTERS)
    values.iloc[6] = 140.0  # October 2024 = 2024/25 Q3
    frame = pd.DataFrame({"value": values, "mean": 100.0, "lcl": 70.0, "ucl": 130.0})
    frame["special_cause"] = values.gt(130)
    frame["type"] = np.where(values.gt(130), "concerning", None)
    return frame


def test_format_quarter_matches_the_series_label():
    from csp_analysis.core.calendar import fy_quarter_label

    for month in pd.date_range("2023-01-01", periods=24, freq="MS"):
        assert charts.figure.wording.fy_quarter_label(month) == fy_quarter_label(month)
    assert charts.figure.wording.fy_quarter_label(pd.Timestamp("2026-01-01")) == "2025/26 Q4"


def test_spc_alt_text_says_quarters_for_a_quarterly_series():
    chart = spc_chart(quarterly_spc_frame(), measure="burglaries", area="Telford and Wrekin")
    assert chart.alt == (
        "Quarterly burglaries in Telford and Wrekin from 2023/24 Q1 to 2025/26 Q4, with a mean "
        "of 100.0 and a usual range (process limits) of 70.0 to 130.0. 1 quarter shows special "
        "cause variation (concerning: 2024/25 Q3). The latest quarter, 2025/26 Q4, was 100, "
        "within the usual range."
    )
    assert "month" not in chart.alt.lower()
    # One row per quarter, named as the review's quarterly tables name them; no filler months.
    assert chart.data.index.name == "Quarter"
    assert list(chart.data.index[[0, 6, -1]]) == ["2023/24 Q1", "2024/25 Q3", "2025/26 Q4"]
    assert len(chart.data) == 12
    assert chart.caption == "Control chart of quarterly burglaries in Telford and Wrekin"
    axes = chart.figure.axes[0]
    # The points are joined by one unbroken line (no NaN months between quarters).
    assert np.isfinite(np.asarray(axes.lines[0].get_ydata(), float)).all()
    ticks = [t.get_text() for t in axes.get_xticklabels()]
    assert ticks and all(re.fullmatch(r"Q[1-4]\n\d{4}/\d{2}", t) for t in ticks)
    assert "Offences per quarter" in all_texts(chart)


def test_quarterly_period_from_a_period_index_or_given_explicitly():
    frame = quarterly_spc_frame()
    by_period = frame.set_axis(pd.PeriodIndex(QUARTERS, freq="Q-MAR"))
    assert spc_chart(by_period, measure="x", area="y").alt.startswith("Quarterly x in y")
    # Two quarter starts a quarter apart would read as quarterly; period="month" says otherwise
    # and the gap between them becomes two missing months.
    pair = pd.Series([5.0, 7.0], index=QUARTERS[:2])
    assert trend_chart(pair, measure="x", area="y", rolling_window=None).alt.startswith(
        "Quarterly x in y rose from 5 to 7 between 2023/24 Q1 and 2023/24 Q2"
    )
    monthly = trend_chart(pair, measure="x", area="y", rolling_window=None, period="month")
    assert "between April 2023 and July 2023" in monthly.alt
    assert "2 months with no data" in monthly.alt


@pytest.mark.parametrize(
    ("index", "period", "message"),
    [
        (pd.date_range("2023-05-01", periods=8, freq="3MS"), "quarter", "first day of a quarter"),
        (QUARTERS[:8], "week", "period must be one of month, quarter"),
    ],
)
def test_period_validation(index, period, message):
    with pytest.raises(AnalysisError, match=message):
        trend_chart(pd.Series(1.0, index=index), measure="x", area="y", period=period)


def test_trend_and_forecast_speak_in_quarters():
    counts = pd.Series(np.linspace(400, 510, 12).round(), index=QUARTERS)
    counts.iloc[4] = np.nan
    chart = trend_chart(counts, measure="thefts", area="Shropshire")
    assert chart.alt == (
        "Quarterly thefts in Shropshire rose from 400 to 510 between 2023/24 Q1 and 2025/26 Q4. "
        "The highest quarter was 2025/26 Q4 (510). The 4-quarter average rose from 415.0 to "
        "495.0. The line has gaps for 1 quarter with no data."
    )
    assert "4-quarter rolling average" in chart.data.columns
    assert {"Quarterly count", "4-quarter average"} <= set(all_texts(chart))
    assert chart.name == "thefts-shropshire-quarterly"
    future = pd.date_range("2026-04-01", periods=4, freq="3MS")
    fc = pd.DataFrame({"mean": 500.0, "lower": 450.0, "upper": 550.0}, index=future)
    forecast = forecast_chart(counts.fillna(440), fc, measure="thefts", area="Shropshire")
    assert forecast.alt.startswith(
        "Quarterly thefts in Shropshire: recorded from 2023/24 Q1 to 2025/26 Q4 (latest 510), "
        "then a forecast for 2026/27 Q1 to 2026/27 Q4. The forecast averages 500 a quarter "
        "(2,000 in total) against 495 a quarter over the last 4 recorded quarters; the 95% "
        "prediction interval for 2026/27 Q4 is 450 to 550."
    )
    assert forecast.data.index.name == "Quarter" and len(forecast.data) == 16


# --------------------------------------------------------------------------- label geometry


def _box(chart, text):
    """The text's own extent (an Annotation's extent would include its leader line)."""
    renderer = chart.figure.canvas.get_renderer()
    if hasattr(text, "update_positions"):
        text.update_positions(renderer)  # place the annotation's text before measuring it
    return Text.get_window_extent(text, renderer)


def _boxes(chart, texts):
    return {t.get_text(): _box(chart, t) for t in texts}


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# West Mercia partnerships, all recorded crime in the year ending March 2026 (police.uk
# street-level crime, data/processed) over ONS mid-2024 populations: the chart on which the
# limit labels used to collide with the names of the right-hand points.
WEST_MERCIA = pd.DataFrame(
    {
        "area": ["Telford and Wrekin", "North Worcestershire", "South Worcestershire",
                 "Herefordshire", "Shropshire"],
        "count": [15135, 19486, 20745, 10160, 16561],
        "population": [191915, 290991, 323194, 189890, 329260],
    }
)  # fmt: skip


def test_funnel_chart_accepts_funnel_limits_output_directly():
    from csp_analysis.analysis import rates

    table = WEST_MERCIA.assign(rate=WEST_MERCIA["count"] / WEST_MERCIA["population"] * 1000)
    pooled = table["count"].sum() / table["population"].sum() * 1000
    grid = np.linspace(150_000, 400_000, 200)
    chart = funnel_chart(
        table,
        rates.funnel_limits(grid, pooled),
        pooled,
        measure="recorded crimes",
        highlight="Shropshire",
    )
    # The chart's verdicts agree with rates.funnel_position at each area's own population.
    expected = rates.funnel_position(table, pooled).set_index("area")["position"]
    shown = chart.data["Compared with the funnel limits"]
    assert expected["Telford and Wrekin"] == "above 99.8% limit"
    assert shown["Telford and Wrekin"] == "Above the 99.8% upper limit"
    assert expected["Shropshire"] == "below 99.8% limit"
    assert shown["Shropshire"] == "Below the 99.8% lower limit"


@pytest.mark.parametrize("highlight", [None, "South Worcestershire"])
def test_funnel_labels_never_collide(highlight):
    from csp_analysis.analysis import rates

    table = WEST_MERCIA.assign(rate=WEST_MERCIA["count"] / WEST_MERCIA["population"] * 1000)
    pooled = table["count"].sum() / table["population"].sum() * 1000
    pops = table["population"].to_numpy(float)
    grid = np.linspace(pops.min() * 0.8, pops.max() * 1.2, 200)  # as review._funnel builds it
    chart = funnel_chart(
        table,
        rates.funnel_limits(grid, pooled),
        pooled,
        measure="recorded crimes",
        highlight=highlight,
    )
    axes = chart.figure.axes[0]
    names = [t for t in axes.texts if t.get_text() in set(table["area"])]
    margin = [t for t in axes.texts if "limits" in t.get_text() or "Average" in t.get_text()]
    assert len(names) == 5 and len(margin) == 5
    name_boxes = [_box(chart, t) for t in names]
    margin_boxes = [_box(chart, t) for t in margin]
    frame = axes.get_window_extent()
    to_px = axes.transData.transform
    markers = [to_px((p, r)) for p, r in zip(table["population"], table["rate"], strict=True)]
    for k, box in enumerate(name_boxes):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, names[k].get_text()  # not in margin
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, names[k].get_text()
        for other in name_boxes[k + 1 :] + margin_boxes:
            assert not _overlaps(box, other), names[k].get_text()
        for x, y in markers:
            assert not (box.x0 - 4 < x < box.x1 + 4 and box.y0 - 4 < y < box.y1 + 4)
    for k, box in enumerate(margin_boxes):
        assert box.x0 >= frame.x1
        assert not any(_overlaps(box, other) for other in margin_boxes[k + 1 :])


def test_spc_special_cause_labels_stay_inside_the_plot():
    # The latest special causes sit at the left and right edges, where a centred label used to
    # run over the tick labels and into the limit labels in the margin.
    values = pd.Series(100.0 + 8 * np.sin(np.arange(36)), index=MONTHS)
    values.iloc[1] = 150.0
    values.iloc[-2] = 55.0
    kinds = np.where(values > 130, "concerning", np.where(values < 70, "improving", None))
    chart = spc_chart(
        spc_frame(values, special=values.gt(130) | values.lt(70), kinds=kinds),
        measure="thefts",
        area="X",
    )
    axes = chart.figure.axes[0]
    boxes = _boxes(chart, axes.texts)
    frame = axes.get_window_extent()
    for name in ("Concerning special cause", "Improving special cause"):
        box = boxes[name]
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, name
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, name
        for other in ("Mean 100.0", "Upper limit 130.0", "Lower limit 70.0"):
            assert not _overlaps(box, boxes[other]), (name, other)


def test_crowded_funnel_drops_names_rather_than_overlap_but_keeps_the_highlight():
    rng = np.random.default_rng(3)
    n = 40
    points = pd.DataFrame({"area": [f"Partnership {i}" for i in range(n)],
                           "population": rng.uniform(60_000, 600_000, n).round(),
                           "rate": 60 + rng.normal(0, 6, n)})  # fmt: skip
    grid = funnel_grid(centre=60.0, half_95=1.0, half_998=1.6).assign(
        population=np.linspace(50_000, 700_000, 50)
    )
    chart = funnel_chart(points, grid, 60.0, measure="x", highlight="Partnership 3")
    axes = chart.figure.axes[0]
    names = [t for t in axes.texts if t.get_text().startswith("Partnership")]
    boxes = [_box(chart, t) for t in names]
    assert "Partnership 3" in [t.get_text() for t in names]
    assert 10 < len(names) < n  # crowded: some names left off, most kept
    frame = axes.get_window_extent()
    for k, box in enumerate(boxes):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1
        assert not any(_overlaps(box, other) for other in boxes[k + 1 :])
    assert len(chart.data) == n  # the table still names every area


def test_forecast_recorded_label_clear_of_points_and_the_forecast():
    history = pd.Series(100 + 10 * np.sin(np.arange(36) / 12 * 2 * np.pi), index=MONTHS).round()
    future = pd.date_range("2026-04-01", periods=12, freq="MS")
    fc = pd.DataFrame({"mean": 100.0, "lower": 85.0, "upper": 115.0}, index=future)
    chart = forecast_chart(history, fc, measure="thefts", area="Worcester")
    axes = chart.figure.axes[0]
    box = _box(chart, next(t for t in axes.texts if t.get_text() == "Recorded"))
    to_px = axes.transData.transform
    divider = to_px((charts.common.mdates.date2num(pd.Timestamp("2026-03-16")), 0))[0]
    assert box.x1 <= divider
    for month, value in history.items():
        x, y = to_px((charts.common.mdates.date2num(month), value))
        assert not (box.x0 - 2 < x < box.x1 + 2 and box.y0 - 2 < y < box.y1 + 2), month


# --------------------------------------------------------------------------- axes tell the truth


def _tick_values(axis) -> list[tuple[float, str]]:
    """(location, label) of every major tick drawn on a numeric axis, read after a draw."""
    axis.figure.canvas.draw()
    low, high = sorted(axis.get_view_interval())
    return [
        (tick.get_loc(), tick.label1.get_text())
        for tick in axis.get_major_ticks()
        if low - 1e-9 * max(1, abs(low)) <= tick.get_loc() <= high + 1e-9 * max(1, abs(high))
    ]


def _read_label(text: str) -> float:
    return float(text.replace(",", "").replace("\u2212", "-"))


# (builder, axis name): the value axes of every chart, on small-range and large-range data.
# The first is the published West Mercia chart of alcohol-related violence per 1,000 residents
# (year ending March 2026, review.peer_comparison): ticks at 1.5 and 4.5 were labelled "2"
# and "4".
TICK_CASES = {
    "bar rates 3.6 to 5.1": (
        lambda: bar_chart(
            pd.Series({"Telford and Wrekin": 5.1, "North Worcestershire": 4.4,
                       "Herefordshire": 3.9, "South Worcestershire": 3.7, "Shropshire": 3.6}),
            measure="x", area="West Mercia", by="CSP", average=4.1, decimals=1, counts=False,
            highlight="Herefordshire"),
        "x",
    ),
    "bar small rates": (
        lambda: bar_chart(pd.Series({"A": 0.012, "B": 0.047, "C": 0.031}), measure="x",
                          area="y", by="z", decimals=3, counts=False),
        "x",
    ),
    "bar large counts": (
        lambda: bar_chart(pd.Series({"A": 12_480, "B": 3_115, "C": 120}), measure="x",
                          area="y", by="z"),
        "x",
    ),
    "trend small counts": (
        lambda: trend_chart(pd.Series(np.arange(36) % 4, index=MONTHS, dtype=float),
                            measure="x", area="y"),
        "y",
    ),
    "trend rates": (lambda: trend_chart(linear(3.21, 4.87), measure="x", area="y"), "y"),
    "trend large counts": (
        lambda: trend_chart(linear(21_000, 26_500).round(), measure="x", area="y"),
        "y",
    ),
    "spc span 12": (
        lambda: spc_chart(spc_frame(pd.Series(10.0 + np.sin(np.arange(36)), index=MONTHS),
                                    mean=10.3, lcl=4.1, ucl=16.2), measure="x", area="y"),
        "y",
    ),
    "spc small rates": (
        lambda: spc_frame_chart(0.42, 0.31, 0.53),
        "y",
    ),
    "spc large counts": (
        lambda: spc_chart(spc_frame(linear(2400, 2700).round(), mean=2550.2, lcl=2210.7,
                                    ucl=2889.7), measure="x", area="y"),
        "y",
    ),
    "seasonal rates": (
        lambda: seasonal_profile_chart(linear(1.05, 1.62), measure="x", area="y"),
        "y",
    ),
    "forecast counts": (lambda: build("forecast"), "y"),
    "funnel rates, y": (lambda: small_funnel(), "y"),
    "funnel population, x": (lambda: small_funnel(), "x"),
    "funnel large rates, y": (lambda: build("funnel"), "y"),
}  # fmt: skip


def spc_frame_chart(mean: float, lcl: float, ucl: float):
    values = pd.Series(mean + 0.05 * np.sin(np.arange(36)), index=MONTHS)
    return spc_chart(spc_frame(values, mean=mean, lcl=lcl, ucl=ucl), measure="x", area="y")


def small_funnel():
    points = pd.DataFrame({"area": ["A", "B", "C"], "population": [90_000, 180_000, 330_000],
                           "rate": [3.6, 5.1, 4.2]})  # fmt: skip
    grid = funnel_grid(centre=4.1, half_95=0.6, half_998=1.0)
    return funnel_chart(points, grid, 4.1, measure="x")


@pytest.mark.parametrize("case", list(TICK_CASES))
def test_every_tick_label_states_its_tick_exactly(case):
    builder, axis_name = TICK_CASES[case]
    chart = builder()
    axes = chart.figure.axes[0]
    ticks = _tick_values(axes.xaxis if axis_name == "x" else axes.yaxis)
    assert len(ticks) >= 3, ticks  # an axis with fewer ticks cannot be read
    for location, label in ticks:
        assert _read_label(label) == pytest.approx(location, rel=1e-9, abs=1e-12), (label, location)
    # One axis, one number of decimals, so the labels line up and read alike.
    assert len({len(label.partition(".")[2]) for _, label in ticks}) == 1, ticks


def test_rate_axis_of_the_published_peer_chart():
    chart = TICK_CASES["bar rates 3.6 to 5.1"][0]()
    ticks = _tick_values(chart.figure.axes[0].xaxis)
    assert [label for _, label in ticks] == ["0", "2", "4", "6"]
    # Counts get whole-number ticks only: no tick at half an offence.
    small = TICK_CASES["trend small counts"][0]()
    assert all(float(loc).is_integer() for loc, _ in _tick_values(small.figure.axes[0].yaxis))


def _drawn_points(axes) -> np.ndarray:
    """Every vertex of every line, band, bar and span of the axes, in display pixels."""
    chunks = []
    for line in axes.lines:
        chunks.append(line.get_transform().transform(np.asarray(line.get_xydata(), float)))
    for collection in axes.collections:
        transform = collection.get_transform()
        chunks += [transform.transform(path.vertices) for path in collection.get_paths()]
    for patch in axes.patches:
        chunks.append(patch.get_transform().transform(patch.get_path().vertices))
    points = np.concatenate([c for c in chunks if len(c)])
    return points[np.isfinite(points).all(axis=1)]


def _outside_the_axes(chart) -> np.ndarray:
    axes = chart.figure.axes[0]
    chart.figure.canvas.draw()
    frame = axes.get_window_extent()
    points = _drawn_points(axes)
    x, y = points[:, 0], points[:, 1]
    out = (y < frame.y0 - 0.5) | (y > frame.y1 + 0.5) | (x < frame.x0 - 0.5) | (x > frame.x1 + 0.5)
    return axes.transData.inverted().transform(points[out])


def _adjusted_above_every_count():
    # As published for Herefordshire alcohol-related violence: the seasonally adjusted value
    # for October 2025 above the highest monthly count, which set the top of the axis.
    counts = linear(40, 80).round()
    adjusted = counts.copy()
    adjusted[pd.Timestamp("2025-10-01")] = 110.0
    return trend_chart(counts, measure="x", area="y", adjusted=adjusted)


def _forecast_below_zero():
    future = pd.date_range("2026-04-01", periods=6, freq="MS")
    fc = pd.DataFrame({"mean": 3.0, "lower": -4.0, "upper": 11.0}, index=future)
    return forecast_chart(linear(2, 9).round(), fc, measure="x", area="y")


def _funnel_limit_below_zero():
    points = pd.DataFrame({"area": ["A", "B"], "population": [2_000, 9_000], "rate": [0.4, 1.1]})
    return funnel_chart(
        points,
        funnel_grid(centre=0.8, half_95=0.9, half_998=1.4).assign(
            population=np.linspace(1_000, 10_000, 50)
        ),
        0.8,
        measure="x",
    )


LIMIT_CASES = {
    "trend adjusted above counts": _adjusted_above_every_count,
    "trend usual range and rolling mean": lambda: trend_chart(
        linear(10, 30).round(), measure="x", area="y", usual_range=(-5.0, 45.0)),
    "trend adjusted below zero": lambda: trend_chart(
        linear(1, 6).round(), measure="x", area="y", adjusted=linear(1, 6) - 3),
    "forecast interval below zero and above history": _forecast_below_zero,
    "spc limits wider than the points": lambda: spc_chart(
        spc_frame(pd.Series(100.0, index=MONTHS), mean=100, lcl=-20, ucl=260),
        measure="x", area="y"),
    "spc mean outside the points": lambda: spc_chart(
        spc_frame(pd.Series(100.0, index=MONTHS), mean=150, lcl=90, ucl=110),
        measure="x", area="y"),
    "seasonal": lambda: build("seasonal"),
    "funnel limit below zero": _funnel_limit_below_zero,
    "bar average above every bar": lambda: bar_chart(
        pd.Series({"A": 4.0, "B": 2.0}), measure="x", area="y", by="z", average=9.0),
    "bar negative values": lambda: bar_chart(
        pd.Series({"A": 4.0, "B": -7.0}), measure="change", area="y", by="z", counts=False),
}  # fmt: skip


@pytest.mark.parametrize("case", list(LIMIT_CASES))
def test_every_plotted_series_lies_inside_the_axes(case):
    outside = _outside_the_axes(LIMIT_CASES[case]())
    assert len(outside) == 0, outside[:5]


def test_bar_value_labels_sit_beyond_the_bar_end_on_a_white_box():
    chart = bar_chart(pd.Series({"A": 4.0, "B": -7.0, "C": 2.5}), measure="change", area="y",
                      by="z", counts=False, average=1.0)  # fmt: skip
    axes = chart.figure.axes[0]
    chart.figure.canvas.draw()
    labels = {t.get_text(): t for t in axes.texts if t.get_text() in {"4.0", "\u22127.0", "2.5"}}
    assert len(labels) == 3
    for bar in axes.patches:
        end = bar.get_x() + bar.get_width()
        value = format_number(bar.get_width(), 1)
        box = _box(chart, labels[value])
        edge = axes.transData.transform((end, 0))[0]
        # Outside the bar, never over it: right of a positive bar, left of a negative one.
        assert box.x0 >= edge if bar.get_width() > 0 else box.x1 <= edge, value
        assert labels[value].get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_total_overlap_is_the_sum_of_pairwise_overlaps():
    from csp_analysis.report.charts.common import _overlap, _total_overlap

    rng = np.random.default_rng(3)
    corners = rng.uniform(0, 100, (200, 2))
    boxes = np.c_[corners, corners + rng.uniform(0, 20, (200, 2))]
    for box in boxes[:20]:
        expected = sum(_overlap(tuple(box), tuple(other)) for other in boxes)
        assert _total_overlap(tuple(box), boxes) == pytest.approx(expected, rel=1e-12)
    assert _total_overlap((0, 0, 1, 1), np.empty((0, 4))) == 0.0
