"""The ``evaluate`` subcommand and :func:`fit_all`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis.evaluate import fit_all, read_series, summary_line
from csp_analysis.core.cli import main
from csp_analysis.core.exceptions import AnalysisError, InputFileError
from tests.reference.analysis_truth import simulate

SPEC_COLUMNS = [
    "series",
    "n_months",
    "chosen_model",
    "mase_chosen",
    "mase_seasonal_naive",
    "relative_mase",
]


def write_long_csv(path, lengths: dict[str, int]) -> None:
    rows = []
    for seed, (name, n) in enumerate(lengths.items()):
        series = simulate(months=n, seed=seed)
        rows += [(name, f"{m:%Y-%m}", int(v)) for m, v in series.items()]
    pd.DataFrame(rows, columns=["crime_type", "month", "count"]).to_csv(path, index=False)


def test_cli_end_to_end(tmp_path, capsys):
    source, out = tmp_path / "long.csv", tmp_path / "results.csv"
    write_long_csv(source, {"burglary": 108, "violence": 36, "drugs": 30})
    code = main(
        [
            "evaluate",
            str(source),
            "--date-col",
            "month",
            "--value-col",
            "count",
            "--group-col",
            "crime_type",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    results = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert list(results.columns[:6]) == SPEC_COLUMNS
    assert {"mase_ets", "mase_sarima", "n_origins", "note"} <= set(results.columns)
    rows = results.set_index("series")
    assert rows.loc["violence", "n_origins"] == 1 and rows.loc["violence", "n_months"] == 36
    assert rows.loc["burglary", "n_origins"] == 8
    chosen = rows.loc["burglary", "chosen_model"]
    assert rows.loc["burglary", "mase_chosen"] == pytest.approx(
        rows.loc["burglary", f"mase_{chosen}"]
    )
    # The CSV holds 6 significant digits.
    assert rows.loc["burglary", "relative_mase"] == pytest.approx(
        rows.loc["burglary", "mase_chosen"] / rows.loc["burglary", "mase_seasonal_naive"], rel=1e-5
    )
    # The short series keeps its row, with the reason.
    assert pd.isna(rows.loc["drugs", "chosen_model"])
    assert "needs at least 36 months" in rows.loc["drugs", "note"]
    printed = capsys.readouterr().out.strip().splitlines()
    beat = int((results["relative_mase"] < 1).sum())
    assert printed[-1].startswith(f"{beat} of 2 evaluated series beat seasonal naive")
    assert "1 series could not be evaluated" in printed[-1]


def test_cli_single_series_prints_table(tmp_path, capsys):
    source = tmp_path / "one.csv"
    series = simulate(months=40)
    pd.DataFrame({"date": [f"{m:%Y-%m-%d}" for m in series.index], "n": series.astype(int)}).to_csv(
        source, index=False
    )
    code = main(
        [
            "evaluate",
            str(source),
            "--date-col",
            "date",
            "--value-col",
            "n",
            "--models",
            "ets",
            "--horizon",
            "6",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "mase_ets" in out and "mase_sarima" not in out
    assert "of 1 evaluated series" in out


def test_cli_errors(tmp_path, capsys):
    source = tmp_path / "long.csv"
    write_long_csv(source, {"burglary": 30})
    base = ["evaluate", str(source), "--date-col", "month", "--value-col", "count"]
    assert main(base + ["--models", "prophet"]) == 1
    assert "unknown forecast model 'prophet'" in capsys.readouterr().err
    assert main(base + ["--horizon", "0"]) == 1
    assert "--horizon must be a positive integer" in capsys.readouterr().err
    assert main(base + ["--group-col", "crime_type"]) == 1
    assert "no series could be evaluated" in capsys.readouterr().err
    assert (
        main(["evaluate", str(tmp_path / "missing.csv"), "--date-col", "m", "--value-col", "v"])
        == 1
    )
    assert "file not found" in capsys.readouterr().err


def test_read_series_gaps_month_ends_and_sorting(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("when,value\n2020-03-31,5\n2020-01-31,3\n2020-02-29,\n2020-05-31,7\n")
    series = read_series(path, "when", "value")["value"]
    assert list(series.index) == list(pd.date_range("2020-01", periods=5, freq="MS"))
    assert series.iloc[0] == 3 and np.isnan(series.iloc[1]) and np.isnan(series.iloc[3])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("month,count\n2020-01,3\nJanvier,4\n", r"line 3: month 'Janvier' is not a date"),
        ("month,count\n2020-01,3\n2020-02,four\n", r"line 3: count 'four' is not a number"),
        ("month,count\n2020-01,3\n2020-02,-4\n", r"line 3: count -4 is negative"),
        ("month,count\n2020-01,3\n2020-02,inf\n", r"line 3: count 'inf' is not a number"),
        (
            "month,count,g\n2020-01,3,a\n2020-01,4,a\n",
            r"month 2020-01 appears more than once "
            r"for series 'a' \(lines 2, 3\)",
        ),
        ("month,count,g\n2020-01,3,\n", r"line 2: g is empty"),
        ("month,total,g\n2020-01,3,a\n", r"column 'count' not found; columns are month, total"),
        ("month,count,g\n", "no data rows"),
    ],
)
def test_read_series_errors(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=message):
        read_series(path, "month", "count", "g" if ",g" in text.splitlines()[0] else None)


def test_summary_line_counts():
    frame = pd.DataFrame(
        {"chosen_model": ["ets", "seasonal_naive", ""], "relative_mase": [0.8, 1.0, np.nan]}
    )
    assert summary_line(frame) == (
        "1 of 2 evaluated series beat seasonal naive (relative MASE < 1); chosen: ets 1, "
        "seasonal_naive 1; median relative MASE 0.900; 1 series could not be evaluated "
        "(see the note column)."
    )


def test_fit_all_full_and_short_series():
    full = fit_all(simulate(), steps=[{"from": "2018-04"}], target=300.0)
    assert not full.problems
    assert full.decomposition.ok and full.trend.lower < -3 < full.trend.upper
    assert full.forecast.model == full.backtest.chosen_model
    assert full.spc.assurance in ("consistently passing", "consistently failing", "hit and miss")

    short = fit_all(simulate(months=20))
    assert short.decomposition is not None and not short.decomposition.ok
    assert short.trend is None and short.backtest is None
    assert set(short.problems) == {"decomposition", "trend", "backtest"}
    assert short.forecast is not None and short.forecast.model == "seasonal_naive"
    assert short.spc is not None
    with pytest.raises(AnalysisError, match="negative value"):
        fit_all(-simulate())
