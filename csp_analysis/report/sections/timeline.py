"""Change over time: year to date, by crime type, trend, seasonality, control chart, forecast."""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from csp_analysis.analysis import disclosure, same_period, seasonality, spc, trend
from csp_analysis.analysis import forecast as forecasting
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.report import charts, findings, wording
from csp_analysis.report.context import ReviewContext
from csp_analysis.report.sections.base import Paragraph, Section, Table
from csp_analysis.report.sections.common import (
    MIN_DECOMPOSE_MONTHS,
    MIN_FORECAST_MONTHS,
    MIN_SPC_POINTS,
    Focus,
    _by_count,
    _history_statement,
    _require_available,
    _section,
    _ytd,
    focus,
)
from csp_analysis.report.sections.performance import _last_complete_quarter
from csp_analysis.report.sections.summary import _ytd_statement


@_section
def year_to_date(ctx: ReviewContext) -> Section:
    """Financial year to date against the same months last year, overall and by crime type,
    with absolute and percentage change and the exact Poisson test of the change.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    ytd = _ytd(ctx, item)
    parts = [Paragraph(_ytd_statement(item, ytd))]
    if not ytd.available:
        return parts
    by_type = ctx.monthly(item.priority, by="crime_type", csp_code=ctx.csp.code)
    table = same_period.year_to_date_table(by_type, ctx.period_end, by="crime_type")
    table = table[table["available"]]
    table = table[(table["current"] > 0) | (table["previous"] > 0)]
    if len(table) < 2:  # one crime type: the table would repeat the sentence
        return parts
    counts = table.set_index("crime_type")[["previous", "current"]].astype(int)
    counts = counts.loc[_by_count(counts["current"]).index]
    counts.index.name = "Crime type"
    protected = disclosure.suppress(counts, item.sensitive, totals="row")
    shown = protected.display.copy()
    shown.columns = [ytd.previous_label, ytd.current_label]
    change, pct, significance = [], [], []
    for label in protected.values.index:
        row = protected.values.loc[label]
        hidden = bool(protected.mask.loc[label].any())
        if hidden:
            change.append(wording.SUPPRESSED)
            pct.append(wording.SUPPRESSED)
            significance.append(wording.SUPPRESSED)
            continue
        diff = int(row["current"] - row["previous"])
        change.append(diff)
        pct.append(100 * diff / row["previous"] if row["previous"] else np.nan)
        p_value = same_period.poisson_ratio_test(row["current"], row["previous"])
        significance.append(
            ("significant" if p_value < same_period.ALPHA else "not significant")
            + f" ({wording.p_value(p_value)})"
        )
    shown["Change"] = change
    shown["Change (%)"] = pct
    shown["Significance"] = significance
    note = (
        f"Change tested with the {same_period.YTD_METHOD}; significant means p < {same_period.ALPHA}. "
        "Change (%) is [x] where there were none last year."
    )
    parts.append(
        Table(
            shown,
            f"{item.noun.capitalize()} by crime type, {ytd.current_label} against "
            f"{ytd.previous_label}, {ctx.area_name}",
            note=note,
            number_format={"Change (%)": 1},
            suppression_note=protected.note or None,
        )
    )
    return parts


@_section
def crime_type_table(ctx: ReviewContext) -> Section:
    """Counts, shares and rates per 1,000 residents by crime type for the year, with a chart.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    by_type = ctx.monthly(item.priority, by="crime_type", csp_code=ctx.csp.code)
    year = by_type[by_type["month"].isin(ctx.year_months)]
    if year["count"].isna().any() or year["month"].nunique() < 12:
        raise AnalysisError(f"some months of the {ctx.year_label} have no data")
    counts = year.groupby("crime_type")["count"].sum().astype(int)
    counts = _by_count(counts[counts > 0])
    if counts.empty:
        return Paragraph(f"No {item.noun} were recorded in the {ctx.year_label}.")
    counts.index.name = "Crime type"
    counts.name = item.noun.capitalize()
    protected = disclosure.suppress_series(counts, item.sensitive, total=True)
    population, pop_year = ctx.population_for(ctx.csp.code)
    total = int(counts.sum())
    table = protected.display.copy()
    mask = protected.mask.iloc[:, 0]
    values = protected.values.iloc[:, 0]
    table["Share of total (%)"] = [
        wording.SUPPRESSED if mask[k] else 100 * values[k] / total for k in table.index
    ]
    table["Rate per 1,000 residents"] = [
        wording.SUPPRESSED if mask[k] else values[k] / population * 1000 for k in table.index
    ]
    parts = [
        Table(
            table,
            f"{item.noun.capitalize()} by crime type, {ctx.area_name}, {ctx.year_label}",
            note=f"Rates use the mid-{pop_year} population estimate ({wording.count(population)}).",
            number_format={"Share of total (%)": 1, "Rate per 1,000 residents": 2},
            suppression_note=protected.note or None,
        )
    ]
    chart_values = counts.astype(float)
    suppressed = mask.drop(disclosure.TOTAL, errors="ignore").reindex(counts.index)
    chart = charts.bar_chart(
        chart_values,
        measure=f"{item.noun} in the {ctx.year_label}",
        area=ctx.area_name,
        by="crime type",
        value_label=item.noun.capitalize(),
        suppressed=suppressed if suppressed.any() else None,
        caption=f"{item.noun.capitalize()} by crime type, {ctx.area_name}, {ctx.year_label}",
    )
    parts.append(chart)
    return parts


def _quarterly_table(ctx: ReviewContext, item: Focus, years: int | None = None) -> list:
    """Quarterly totals of a small series, one row per year, disclosure-controlled.

    Rows are the years ending at the last complete quarter (so with a quarter-end
    ``period_end`` the latest row total is the year total printed in the headline), columns
    its four quarters, with a Total column. Secondary suppression therefore protects every
    withheld quarter against the year totals published elsewhere on the page.
    """
    last = _last_complete_quarter(ctx)
    rows, names = {}, None
    for back in range(years or ctx.windows.trend_months // 12):
        end = last + pd.DateOffset(months=2) - pd.DateOffset(years=back)
        starts = pd.date_range(end=end - pd.DateOffset(months=2), periods=4, freq="3MS")
        values = []
        for start in starts:
            months = item.monthly.reindex(pd.date_range(start, periods=3, freq="MS"))
            values.append(np.nan if months.isna().any() else float(months.sum()))
        if any(np.isnan(values)):
            continue
        names = names or [
            f"{calendar.month_abbr[s.month]} to {calendar.month_abbr[(s + pd.DateOffset(months=2)).month]}"
            for s in starts
        ]
        rows["Year ending " + wording.month_label(end)] = [int(v) for v in values]
    if not rows:
        return Paragraph(
            f"Some months have so few {item.measure} that they cannot be published month by "
            "month, and there is no complete year of quarters to show instead."
        )
    table = pd.DataFrame.from_dict(rows, orient="index", columns=names).iloc[::-1]
    table.index.name = "Year"
    protected = disclosure.suppress(table, item.sensitive, totals="column")
    return [
        Paragraph(
            f"Some months have so few {item.measure} that publishing them month by month "
            f"could identify people (counts of 1 to "
            f"{disclosure.primary_threshold(item.sensitive)} are withheld), so monthly "
            "charts are not shown; quarterly totals follow instead."
        ),
        Table(
            protected.display,
            f"{item.measure[:1].upper() + item.measure[1:]} by quarter, {ctx.area_name}",
            suppression_note=protected.note or None,
        ),
    ]


def _decomposition(ctx: ReviewContext, item: Focus) -> seasonality.Decomposition:
    key = ("decomposition", item.priority.id)
    return ctx.memo(key, lambda: seasonality.decompose(item.observed))


@_section
def trend_section(ctx: ReviewContext) -> Section:
    """The last 36 months with the 12-month rolling mean and the seasonally adjusted series
    (robust STL on the full history), and the underlying trend from the count model.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    if item.needs_suppression():
        return _quarterly_table(ctx, item)
    window = item.window()
    decomposition = _decomposition(ctx, item)
    adjusted = None
    parts = []
    if decomposition.ok:
        adjusted = decomposition.seasonally_adjusted.reindex(window.index)
    chart = charts.trend_chart(
        window,
        measure=item.measure,
        area=ctx.area_name,
        rolling_window=12 if len(window) >= 24 else None,
        adjusted=adjusted,
        unit=item.unit,
    )
    parts.append(chart)
    if len(window) < ctx.windows.trend_months:
        parts.insert(0, Paragraph(
            f"The data cover {len(window)} months, so the chart shows "
            f"{wording.period_label(window.index[0], window.index[-1])} rather than three years."
        ))  # fmt: skip
    if decomposition.ok:
        parts.append(
            Paragraph(
                wording.seasonality(decomposition)
                + f" (Seasonal decomposition of {len(decomposition.series)} months, "
                f"{wording.period_label(decomposition.series.index[0], decomposition.series.index[-1])}.)"
            )
        )
        try:
            fitted = trend.fit_trend(
                item.observed,
                population=ctx.csp.population,
                interventions=trend.lockdowns_for(ctx.csp.country),
            )
            parts.append(Paragraph(wording.trend(fitted, subject=item.measure)))
        except CspAnalysisError as exc:
            parts.append(
                Paragraph(
                    f"The underlying trend could not be estimated: {wording.clause(str(exc))}."
                )
            )
    else:
        parts.append(
            Paragraph(
                f"No seasonal adjustment or underlying trend: {wording.clause(decomposition.reason)}."
            )
        )
    return parts


@_section
def seasonality_section(ctx: ReviewContext) -> Section:
    """Each financial year's months side by side, and the seasonal indices from STL.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    observed = item.observed
    if observed.notna().sum() < MIN_DECOMPOSE_MONTHS:
        return _history_statement(ctx, "A seasonal profile", MIN_DECOMPOSE_MONTHS,
                                  int(observed.notna().sum()))  # fmt: skip
    if item.needs_suppression(months=len(observed)):
        return Paragraph(
            f"The seasonal profile is not shown: some months have so few {item.measure} that "
            "publishing them month by month could identify people."
        )
    chart = charts.seasonal_profile_chart(
        observed, measure=item.measure, area=ctx.area_name, unit=item.unit
    )
    parts = [chart]
    decomposition = _decomposition(ctx, item)
    parts.append(Paragraph(wording.seasonality(decomposition)))
    if decomposition.ok:
        indices = decomposition.seasonal_indices
        table = pd.DataFrame(
            {
                "Seasonal index": indices.to_numpy(),
                "Compared with an average month (%)": 100 * (indices.to_numpy() - 1),
            },  # fmt: skip
            index=pd.Index(
                [calendar.month_name[i + 1] for i in range(12)], name="Month"
            ),  # fmt: skip
        )
        parts.append(
            Table(
                table,
                f"Seasonal pattern of {item.measure}, {ctx.area_name}",
                note="An index of 1.10 means a month typically runs 10% above an average month.",
                number_format={"Seasonal index": 2, "Compared with an average month (%)": 0},
            )
        )
    return parts


@_section
def control_chart(ctx: ReviewContext) -> Section:
    """An XmR control chart of the monthly counts (NHS "Making Data Count" rules).

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    window = item.window()
    if window.notna().sum() < MIN_SPC_POINTS:
        return _history_statement(ctx, "A control chart", MIN_SPC_POINTS, int(window.notna().sum()))
    if item.needs_suppression():
        return Paragraph(
            f"The control chart is not shown: some months have so few {item.measure} that "
            "publishing them month by month could identify people."
        )
    result = spc.xmr(window, direction=item.priority.direction)
    chart = charts.spc_chart(
        result,
        measure=item.measure,
        area=ctx.area_name,
        unit=item.unit,
    )
    text = (
        f"The latest month shows {wording.spc_variation(result.variation)}. "
        + wording.spc_limits(result)
        + "."
    )
    signals = findings.spc_findings({None: result}, recent_points=ctx.windows.trend_months)
    if signals:
        text += " " + " ".join(f.text for f in signals)
    return [chart, Paragraph(text)]


# Backtest origins, three months apart: eight give the 96 forecast errors that calibrate a 95%
# range well (four gave 87% coverage on held-out months of 6-year series; benchmarks/intervals.py).
FORECAST_ORIGINS = 8


@_section
def forecast_section(ctx: ReviewContext) -> Section:
    """A 12-month forecast with 95% prediction intervals; the model is chosen by a
    rolling-origin backtest against the seasonal naive benchmark.

    Returns
    -------
    Section
    """
    item = focus(ctx)
    _require_available(item)
    observed = item.observed
    have = int(observed.notna().sum())
    if len(observed) < MIN_FORECAST_MONTHS:
        return _history_statement(ctx, "A forecast", MIN_FORECAST_MONTHS, have)
    if item.needs_suppression():
        return Paragraph(
            f"No forecast is shown: some months have so few {item.measure} that publishing "
            "them month by month could identify people, and such small counts cannot be "
            "forecast usefully."
        )
    tested = forecasting.backtest(
        observed, horizon=ctx.windows.forecast_horizon, max_origins=FORECAST_ORIGINS, step=3
    )
    predicted = forecasting.forecast(
        observed, horizon=ctx.windows.forecast_horizon, backtest_result=tested
    )
    frame = pd.DataFrame(
        {"mean": predicted.mean, "lower": predicted.lower, "upper": predicted.upper}
    )
    if not predicted.calibrated:
        # An untested range would look like knowledge: the line is drawn alone.
        frame[["lower", "upper"]] = np.nan
    chart = charts.forecast_chart(
        item.window(), frame, measure=item.measure, area=ctx.area_name, unit=item.unit
    )
    start, end = frame.index[0], frame.index[-1]
    model = wording.forecast_model(predicted.model)
    text = (
        f"Forecast for {wording.period_label(start, end)}: about {wording.count(frame['mean'].sum())} "
        f"{item.noun} in total, against {wording.count(observed.iloc[-12:].sum())} in the {ctx.year_label}. "
        f"The forecast comes from {model}, the most accurate of the models tried when each "
        f"forecast {len(tested.origins)} times from earlier points in the data and checked "
        f"against what was then recorded (mean absolute scaled error "
        f"{tested.mase[tested.chosen_model]:.2f}; below 1 beats a same-month-last-year guess "
        "on average; between models about equally accurate, the one whose ranges held best). "
        + wording.forecast_band(
            predicted.level,
            predicted.calibrated,
            int((tested.errors["model"] == predicted.model).sum()),
        )
    )
    return [chart, Paragraph(text)]
