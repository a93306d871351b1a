"""``csp-analysis evaluate``: backtest the forecasting models on any long-format monthly CSV.

Usage::

    csp-analysis evaluate FILE.csv --date-col month --value-col count [--group-col crime_type]
        [--horizon 12] [--season 12] [--models seasonal_naive ets sarima] [--step 3]
        [--max-origins 8] [--out results.csv]

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
absolute seasonal-naive error of each origin's training data. The chosen model has the lowest
MASE (ties to the simpler model); ``relative_mase`` is its MASE over the seasonal naive's on the
same forecasts, so a value below 1 means the chosen model beats the seasonal naive benchmark.

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
    parser.add_argument("--out", type=Path, help="write the results CSV here")


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


def evaluate_series(
    series: dict[str, pd.Series],
    horizon: int = 12,
    season: int = 12,
    models: list[str] | None = None,
    step: int = 3,
    max_origins: int = 8,
) -> pd.DataFrame:
    """Backtest every series; one result row each (failures keep their row with a note).

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
    results = evaluate_series(
        series,
        horizon=args.horizon,
        season=args.season,
        models=args.models,
        step=args.step,
        max_origins=args.max_origins,
    )
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        results.to_csv(args.out, index=False, float_format="%.6g")
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(results.drop(columns=["note"]).to_string(index=False, float_format="%.3f"))
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
        "forecast", lambda: fc.forecast(series, horizon=horizon, model=model, season=season)
    )
    if forecast is not None and backtest is not None:
        forecast.backtest = backtest
    spc = attempt(
        "spc", lambda: xmr(series, direction=direction, target=target, rebase_at=spc_rebase_at)
    )
    return SeriesAnalysis(decomposition, trend, backtest, forecast, spc, problems)
