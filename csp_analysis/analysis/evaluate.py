"""``csp-analysis evaluate``: backtest the forecasting models on any long-format monthly CSV.

Usage::

    csp-analysis evaluate FILE.csv --date-col month --value-col count [--group-col crime_type]
        [--horizon 12] [--season 12] [--models seasonal_naive ets sarima] [--step 3]
        [--max-origins 8] [--holdout 12] [--out results.csv] [--long-out per_model.csv]

Method
------
Each group's rows form one monthly series (months missing from the file, or with an empty
value, are gaps, never zeros). :func:`csp_analysis.analysis.forecast.backtest` runs a rolling-origin
evaluation (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section
5.10): at each origin every model is given only the months before it and forecasts the next
``horizon`` months. Origins are chosen so that every forecast window lies wholly inside the data
and every model forecasts from the same origins -- all models are judged on exactly the same
forecasts. The last origin is ``n - horizon``; earlier ones step back ``--step`` months, at most
``--max-origins`` of them, never leaving fewer than two seasons (24 months) of training. A
36-month series therefore gets one origin: 24 months to train, 12 to test.

Accuracy is MASE (Hyndman & Koehler 2006): absolute errors divided by the in-sample mean
absolute seasonal-naive error of each origin's training data. The chosen model has, among the
models within 2% of the lowest MASE, the best calibrated intervals; ``relative_mase`` is its MASE
over the seasonal naive's on the same forecasts, so a value below 1 means the chosen model beats
the seasonal naive benchmark.

Intervals: for every model the backtest also measures how often its own 80% and 95% prediction
intervals held (``coverage80_<model>``, ``coverage95_<model>``: share of backtest months inside)
and their mean scaled interval score (``msis95_<model>``; Gneiting & Raftery 2007, scaled like
MASE: lower is better). The chosen model counts both accuracy and calibration
(:func:`csp_analysis.analysis.forecast.choose_model`). Then the honest check: the last
``--holdout`` months (default 12) are set aside, the backtest is re-run on the months before
them to choose and calibrate, and the forecast of the held-out months is scored:
``interval_coverage`` is the share inside the chosen model's calibrated 95% intervals
(``interval_coverage_80`` at 80%), NaN with ``interval_calibrated`` False when the earlier months
are too few to calibrate. ``--long-out`` writes one row per series and model.

Output: one row per series with ``series``, ``n_months``, ``chosen_model``, ``mase_chosen``,
``mase_seasonal_naive``, ``relative_mase``, ``mase_<model>`` for each model, ``n_origins`` and a
``note`` (why a series could not be evaluated, or what was interpolated). A series that cannot be
evaluated keeps its row with an empty ``chosen_model`` and the reason, so none is lost silently.

This module also holds :func:`fit_all`, everything one series needs for a CSP report
(decomposition, trend, model choice with backtest, forecast, SPC), which the model benchmark
times.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.analysis import forecast as fc
from csp_analysis.analysis.seasonality import Decomposition, decompose, trim_gaps
from csp_analysis.analysis.spc import SpcResult, xmr
from csp_analysis.analysis.trend import DEFAULT_LOCKDOWNS, TrendResult, fit_trend
from csp_analysis.core.exceptions import AnalysisError, InputFileError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``evaluate`` options."""
    parser.add_argument("file", type=Path, help="long-format CSV, one row per series and month")
    parser.add_argument("--date-col", required=True, help="column holding the month")
    parser.add_argument("--value-col", required=True, help="column holding the monthly value")
    parser.add_argument("--group-col", help="column naming the series (omit for one series)")
    parser.add_argument("--horizon", type=int, default=12, help="months ahead (default 12)")
    parser.add_argument("--season", type=int, default=12, help="seasonal period (default 12)")
    parser.add_argument(
        "--models",
        nargs="+",
        default=None,
        help=f"models to compare (default all: {', '.join(fc.available())})",
    )
    parser.add_argument("--step", type=int, default=3, help="months between origins (default 3)")
    parser.add_argument("--max-origins", type=int, default=8, help="most origins (default 8)")
    parser.add_argument(
        "--holdout",
        type=int,
        default=12,
        help="months held out at the end to check the chosen model's calibrated intervals "
        "(default 12; 0 to skip)",
    )
    parser.add_argument("--out", type=Path, help="write the results CSV here")
    parser.add_argument(
        "--long-out",
        type=Path,
        help="write one row per series and model (MASE, interval coverage and MSIS) here",
    )


def read_series(
    path: Path, date_col: str, value_col: str, group_col: str | None = None
) -> dict[str, pd.Series]:
    """Read a long-format monthly CSV into one month-start-indexed series per group.

    Dates may be ``YYYY-MM`` or any full date (taken as its month). An empty value is a gap.

    Raises
    ------
    InputFileError
        Missing file or column, or a row with an unreadable date, a non-numeric, infinite or
        negative value, an empty group, or a month repeated within a series (naming the line).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputFileError(path, f"not a readable CSV ({exc})") from None
    needed = [c for c in (date_col, value_col, group_col) if c]
    for column in needed:
        if column not in frame.columns:
            raise InputFileError(
                path, f"column {column!r} not found; columns are {', '.join(frame.columns)}"
            )
    if frame.empty:
        raise InputFileError(path, "no data rows")
    # Line numbers in messages count the header as line 1.
    lines = np.arange(len(frame)) + 2
    dates = pd.to_datetime(frame[date_col].str.strip(), errors="coerce", format="mixed")
    bad = dates.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputFileError(
            path,
            f"{date_col} {frame[date_col].iloc[i]!r} is not a date or YYYY-MM month",
            row=int(lines[i]),
        )
    months = dates.dt.to_period("M").dt.to_timestamp()
    raw = frame[value_col].str.strip()
    values = pd.to_numeric(raw.replace("", np.nan), errors="coerce")
    bad = (values.isna() & (raw != "")).to_numpy() | np.isinf(values.to_numpy())
    if bad.any():
        i = int(np.argmax(bad))
        raise InputFileError(
            path, f"{value_col} {raw.iloc[i]!r} is not a number", row=int(lines[i])
        )
    negative = (values < 0).to_numpy()
    if negative.any():
        i = int(np.argmax(negative))
        raise InputFileError(path, f"{value_col} {raw.iloc[i]} is negative", row=int(lines[i]))
    if group_col:
        groups = frame[group_col].str.strip()
        empty = (groups == "").to_numpy()
        if empty.any():
            i = int(np.argmax(empty))
            raise InputFileError(path, f"{group_col} is empty", row=int(lines[i]))
    else:
        groups = pd.Series(value_col, index=frame.index)
    tidy = pd.DataFrame({"group": groups, "month": months, "value": values, "line": lines})
    duplicated = tidy.duplicated(["group", "month"], keep=False).to_numpy()
    if duplicated.any():
        first = tidy[duplicated].iloc[0]
        others = tidy[
            duplicated
            & (tidy["group"] == first["group"]).to_numpy()
            & (tidy["month"] == first["month"]).to_numpy()
        ]["line"].tolist()
        raise InputFileError(
            path,
            f"month {first['month']:%Y-%m} appears more than once for series "
            f"{first['group']!r} (lines {', '.join(map(str, others))})",
            row=int(others[1]),
        )
    result = {}
    for name, rows in tidy.groupby("group", sort=True):
        series = rows.set_index("month")["value"].sort_index()
        full = pd.date_range(series.index[0], series.index[-1], freq="MS")
        result[str(name)] = series.reindex(full).rename(str(name))
    return result


def held_out_coverage(
    values: pd.Series,
    holdout: int,
    horizon: int = 12,
    season: int = 12,
    models: list[str] | None = None,
    step: int = 3,
    max_origins: int = 8,
) -> dict:
    """Check the chosen model's calibrated intervals on months they never saw.

    The last ``holdout`` months are set aside; on the rest the backtest chooses a model and
    calibrates its intervals, and its forecast of the held-out months is scored: the share
    inside the calibrated 80% and 95% intervals. NaN coverage (with ``calibrated`` False) when
    the earlier months are too few to calibrate.
    """
    train, test = values.iloc[:-holdout], values.iloc[-holdout:].to_numpy()
    tested = fc.backtest(
        train, horizon=horizon, season=season, models=models, step=step, max_origins=max_origins
    )
    out = {"interval_calibrated": tested.calibrated}
    for level in fc.LEVELS:
        result = fc.forecast(
            train, horizon=holdout, level=level, season=season, backtest_result=tested
        )
        inside = (test >= result.lower.to_numpy()) & (test <= result.upper.to_numpy())
        inside = inside[~np.isnan(test)]
        key = (
            "interval_coverage"
            if level == fc.LEVELS[-1]
            else (f"interval_coverage_{round(level * 100)}")
        )
        out[key] = float(inside.mean()) if result.calibrated and len(inside) else np.nan
    return out


def evaluate_series(
    series: dict[str, pd.Series],
    horizon: int = 12,
    season: int = 12,
    models: list[str] | None = None,
    step: int = 3,
    max_origins: int = 8,
    holdout: int = 0,
    long_rows: list | None = None,
) -> pd.DataFrame:
    """Backtest every series; one result row each (failures keep their row with a note).

    With ``holdout`` months, also :func:`held_out_coverage` (columns ``interval_coverage``,
    the chosen model's calibrated 95% intervals, ``interval_coverage_80`` and
    ``interval_calibrated``). Every series also gets the backtest coverage of each model's
    own 80% and 95% intervals and their MSIS (``coverage95_<model>``...). ``long_rows``, when
    given, receives one row per series and model (:meth:`BacktestResult.frame`).

    Raises
    ------
    UnknownNameError
        An unknown model name (checked before any series runs).
    """
    names = fc.resolve_models(models)
    rows = []
    for name, values in series.items():
        row = {
            "series": name,
            "n_months": len(trim_gaps(values)),
            "chosen_model": "",
            "mase_chosen": np.nan,
            "mase_seasonal_naive": np.nan,
            "relative_mase": np.nan,
        }
        row.update({f"mase_{m}": np.nan for m in names})
        for m in names:
            row.update({f"coverage80_{m}": np.nan, f"coverage95_{m}": np.nan,
                        f"msis95_{m}": np.nan})  # fmt: skip
        if holdout:
            row.update(
                interval_coverage=np.nan, interval_coverage_80=np.nan, interval_calibrated=False
            )
        row.update({"n_origins": 0, "note": ""})
        try:
            result = fc.backtest(
                values,
                horizon=horizon,
                season=season,
                models=names,
                step=step,
                max_origins=max_origins,
            )
        except AnalysisError as exc:
            row["note"] = str(exc)
            rows.append(row)
            continue
        row.update(
            n_months=result.n_months,
            chosen_model=result.chosen_model,
            mase_chosen=result.mase[result.chosen_model],
            mase_seasonal_naive=result.mase["seasonal_naive"],
            relative_mase=result.relative_mase,
            n_origins=len(result.origins),
            note="; ".join(result.notes),
        )
        row.update({f"mase_{m}": v for m, v in result.mase.items()})
        per_model = result.frame()
        for _, model_row in per_model.iterrows():
            m = model_row["model"]
            row[f"coverage80_{m}"] = model_row["coverage_80"]
            row[f"coverage95_{m}"] = model_row["coverage_95"]
            row[f"msis95_{m}"] = model_row["msis_95"]
        if long_rows is not None:
            long_rows.extend(per_model.assign(series=name).to_dict("records"))
        if holdout:
            if result.n_months - holdout >= fc.MIN_MONTHS:
                row.update(
                    held_out_coverage(values, holdout, horizon, season, names, step, max_origins)
                )
            else:
                row["note"] = "; ".join(
                    filter(None, [row["note"], f"too short to hold out {holdout} months"])
                )
        rows.append(row)
    return pd.DataFrame(rows)


def summary_line(results: pd.DataFrame) -> str:
    """One line: how many series beat seasonal naive, how many could not be evaluated."""
    evaluated = results[results["chosen_model"] != ""]
    beat = int((evaluated["relative_mase"] < 1).sum())
    text = f"{beat} of {len(evaluated)} evaluated series beat seasonal naive (relative MASE < 1)"
    if len(evaluated):
        counts = evaluated["chosen_model"].value_counts()
        text += "; chosen: " + ", ".join(f"{m} {n}" for m, n in counts.items())
        text += f"; median relative MASE {evaluated['relative_mase'].median():.3f}"
    if "interval_coverage" in evaluated:
        checked = evaluated[evaluated["interval_calibrated"].astype(bool)]
        if len(checked):
            text += (
                f"; mean interval coverage of the chosen model on held-out months "
                f"{checked['interval_coverage'].mean():.1%} (95% intervals), "
                f"{checked['interval_coverage_80'].mean():.1%} (80%), {len(checked)} series"
            )
        uncalibrated = len(evaluated) - len(checked)
        if uncalibrated:
            text += f"; {uncalibrated} series too short to calibrate intervals"
    skipped = len(results) - len(evaluated)
    if skipped:
        text += f"; {skipped} series could not be evaluated (see the note column)"
    return text + "."


def run(args: argparse.Namespace) -> int:
    """Run the ``evaluate`` subcommand."""
    for name in ("horizon", "season", "step", "max_origins"):
        if getattr(args, name) < 1:
            raise AnalysisError(f"--{name.replace('_', '-')} must be a positive integer")
    series = read_series(args.file, args.date_col, args.value_col, args.group_col)
    if args.holdout < 0:
        raise AnalysisError("--holdout must be zero or a positive number of months")
    long_rows: list = []
    results = evaluate_series(
        series,
        horizon=args.horizon,
        season=args.season,
        models=args.models,
        step=args.step,
        max_origins=args.max_origins,
        holdout=args.holdout,
        long_rows=long_rows,
    )
    if args.long_out:
        args.long_out.parent.mkdir(parents=True, exist_ok=True)
        long = pd.DataFrame(long_rows)
        if not long.empty:
            long = long[["series", *[c for c in long.columns if c != "series"]]]
        long.to_csv(args.long_out, index=False, float_format="%.6g")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        results.to_csv(args.out, index=False, float_format="%.6g")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            shown = [
                c
                for c in results.columns
                if c == "series"
                or not c.startswith(("coverage80_", "coverage95_", "msis95_", "note"))
            ]
            print(results[shown].to_string(index=False, float_format="%.3f"))
        for _, row in results[results["note"] != ""].iterrows():
            print(f"note: {row['series']}: {row['note']}", file=sys.stderr)
    print(summary_line(results))
    if (results["chosen_model"] == "").all():
        raise AnalysisError("no series could be evaluated")
    return 0


# --------------------------------------------------------------------------- fit_all


@dataclass
class SeriesAnalysis:
    """Everything :func:`fit_all` computed for one series; a part that could not be computed
    is None and its reason is in :attr:`problems` (part name -> message)."""

    decomposition: Decomposition | None
    trend: TrendResult | None
    backtest: fc.BacktestResult | None
    forecast: fc.ForecastResult | None
    spc: SpcResult | None
    problems: dict[str, str] = field(default_factory=dict)


def fit_all(
    series: pd.Series,
    population=None,
    interventions=DEFAULT_LOCKDOWNS,
    steps=(),
    direction: str | None = "lower",
    target: float | None = None,
    horizon: int = 12,
    season: int = 12,
    spc_rebase_at=(),
) -> SeriesAnalysis:
    """Decomposition, trend GLM, backtest-chosen forecast and XmR chart for one monthly series.

    Parameters
    ----------
    series : pandas.Series
        Monthly counts indexed by month-start Timestamps (NaN = gap).
    population, interventions, steps
        Passed to :func:`csp_analysis.analysis.trend.fit_trend`.
    direction, target, spc_rebase_at
        Passed to :func:`csp_analysis.analysis.spc.xmr` (crime: lower is better).
    horizon, season : int
        Forecast horizon and seasonal period.

    Returns
    -------
    SeriesAnalysis
        Parts the data cannot support are None, with the reason in ``problems``; an invalid
        series (not monthly, negative...) still raises.
    """
    problems: dict[str, str] = {}

    def attempt(part: str, func):
        try:
            return func()
        except AnalysisError as exc:
            problems[part] = str(exc)
            return None

    decomposition = decompose(series, period=season)
    if not decomposition.ok:
        problems["decomposition"] = decomposition.reason
    trend = attempt(
        "trend",
        lambda: fit_trend(series, population=population, interventions=interventions, steps=steps),
    )
    backtest = attempt("backtest", lambda: fc.backtest(series, horizon=horizon, season=season))
    model = backtest.chosen_model if backtest is not None else "seasonal_naive"
    forecast = attempt(
        "forecast",
        lambda: fc.forecast(
            series, horizon=horizon, model=model, season=season, backtest_result=backtest
        ),
    )
    spc = attempt(
        "spc", lambda: xmr(series, direction=direction, target=target, rebase_at=spc_rebase_at)
    )
    return SeriesAnalysis(decomposition, trend, backtest, forecast, spc, problems)
