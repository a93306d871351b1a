"""Backtest: West Mercia Police, police.uk January-December 2025, end to end.

The real published files (../shared/data, read in place) go through the real ingest
(:func:`csp_analysis.io.ingest.ingest` with the ONS LSOA21 and CSP lookups and the ONS population
workbook, as in the README), and the figures a review would quote are derived through the
package's analysis API (:func:`csp_analysis.analysis.series.load_crimes`, :func:`~csp_analysis.analysis.series.
select_priority`, :func:`~csp_analysis.analysis.series.monthly_counts`,
:func:`csp_analysis.analysis.rates.population_for_year`, :func:`csp_analysis.analysis.rates.peer_comparison`).
They are compared with the committed ground truth in tests/reference/
(``west_mercia_2025_counts.csv`` and ``west_mercia_2025_csp_totals.csv``), which
tests/reference/make_west_mercia_2025_truth.py computes from the same files with the ``csv``
module and the ONS lookups alone, never through csp_analysis. Counts must agree exactly; rates
to the published rounding (whole number per 1,000, halves up) and to the 6 decimals stored.

This follows the NHS Reproducible Analytical Pipelines practice of backtesting a pipeline's
outputs against known-good figures, kept apart from the unit tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csp_analysis.analysis.rates import peer_comparison, population_for_year
from csp_analysis.analysis.series import (
    load_crimes,
    load_population,
    monthly_counts,
    select_priority,
)
from csp_analysis.core.config import load_priorities
from csp_analysis.io.ingest import ingest
from tests.conftest import CSP_LOOKUP, LSOA_LOOKUP, POPULATION_WORKBOOK, WEST_MERCIA_DIR

pytestmark = pytest.mark.realdata

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
COUNTS_TRUTH = REFERENCE / "west_mercia_2025_counts.csv"
TOTALS_TRUTH = REFERENCE / "west_mercia_2025_csp_totals.csv"
SERIES = ("all_crime", "asb")
RATE_YEAR = 2025  # calendar 2025 crime; the latest ONS estimate on file is mid-2023
POPULATION_YEAR = 2023


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def pipeline(shared_data, tmp_path_factory):
    """The real ingest of the twelve 2025 files into a temporary processed directory."""
    out = tmp_path_factory.mktemp("west_mercia_2025") / "processed"
    files = sorted(WEST_MERCIA_DIR.glob("2025-*-west-mercia-street.csv"))
    assert len(files) == 12, files
    report = ingest(
        police_uk=files,
        lsoa_lookup=LSOA_LOOKUP,
        csp_lookup=CSP_LOOKUP,
        population=POPULATION_WORKBOOK,
        out=out,
        workers=1,  # the machine is shared; one worker still ingests the year in about a second
    )
    return report, out


@pytest.fixture(scope="module")
def crimes(pipeline):
    return load_crimes(pipeline[1])


@pytest.fixture(scope="module")
def counts_truth() -> pd.DataFrame:
    return pd.read_csv(
        COUNTS_TRUTH, comment="#", dtype={"csp_code": str, "category": str, "month": str}
    )


@pytest.fixture(scope="module")
def totals_truth() -> pd.DataFrame:
    return pd.read_csv(TOTALS_TRUTH, comment="#", dtype={"csp_code": str}).set_index("csp_code")


def truth_figure(counts_truth: pd.DataFrame, figure: str) -> pd.DataFrame:
    part = counts_truth.loc[counts_truth["figure"] == figure]
    assert len(part), f"no {figure!r} figures in {COUNTS_TRUTH.name}"
    return part


# --------------------------------------------------------------------------- ingest


def test_ingest_report_accounts_for_every_row(pipeline, counts_truth, crimes):
    report, _ = pipeline
    assert report.synthetic is False
    assert report.files_read == 12
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    for name, table in report.tables.items():
        assert table["rows_read"] == table["rows_loaded"] + table["rows_rejected"], name
    rows_read = int(truth_figure(counts_truth, "rows_read")["count"].iloc[0])
    assert report.tables["crimes"]["rows_read"] == rows_read
    # Every published row is well formed: a rejection here is a loader bug, not bad data.
    assert report.rows_rejected == 0, report.rejected_by_reason
    assert report.crimes_rows == len(crimes) == rows_read
    assert report.missing_months_per_csp == {code: [] for code in report.csps}


def test_unassigned_rows_by_reason_match_truth(pipeline, counts_truth, crimes):
    report, _ = pipeline
    truth = truth_figure(counts_truth, "unassigned").set_index("category")["count"]
    reported = report.unassigned_by_reason
    assert set(reported) <= set(truth.index), reported
    for reason, expected in truth.items():
        assert reported.get(reason, 0) == expected, reason
    # The processed table carries the same reasons row by row, and only unassigned rows lack a
    # CSP.
    in_table = crimes["unassigned_reason"].value_counts()
    assert in_table.to_dict() == {reason: n for reason, n in truth.items() if n}
    assert (crimes["csp_code"].isna() == crimes["unassigned_reason"].notna()).all()


def test_rows_per_csp_match_truth(pipeline, counts_truth):
    report, _ = pipeline
    truth = truth_figure(counts_truth, "csp_rows").set_index("csp_code")["count"]
    assert report.rows_per_csp == truth.to_dict()


# --------------------------------------------------------------------------- counts


def test_counts_per_csp_and_crime_type_match_truth(crimes, counts_truth):
    monthly = monthly_counts(crimes, by=["csp_code", "crime_type"])
    assert monthly["month"].min() == pd.Timestamp("2025-01-01")
    assert monthly["month"].max() == pd.Timestamp("2025-12-01")
    assert monthly["count"].notna().all(), "a CSP-month of 2025 is treated as a gap"
    assert all(monthly.attrs[key] == 0 for key in monthly.attrs), monthly.attrs
    got = monthly.groupby(["csp_code", "crime_type"])["count"].sum().astype("int64")
    truth = truth_figure(counts_truth, "csp_crime_type")
    expected = truth.set_index(["csp_code", "category"])["count"].rename_axis(
        ["csp_code", "crime_type"]
    )
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


@pytest.mark.parametrize("series_id", SERIES)
def test_monthly_series_per_csp_match_truth(crimes, counts_truth, series_id):
    selected, selection = select_priority(crimes, load_priorities().get(series_id))
    assert selection.method == "definition", selection.caveat
    monthly = monthly_counts(selected, by="csp_code")
    assert all(monthly.attrs[key] == 0 for key in monthly.attrs), monthly.attrs
    got = monthly.assign(month=monthly["month"].dt.strftime("%Y-%m")).set_index(
        ["csp_code", "month"]
    )["count"]
    truth = truth_figure(counts_truth, "csp_month")
    expected = truth.loc[truth["category"] == series_id].set_index(["csp_code", "month"])["count"]
    assert len(expected) == 5 * 12
    pd.testing.assert_series_equal(
        got.sort_index(), expected.sort_index().astype("float64"), check_names=False
    )


# --------------------------------------------------------------------------- rates


@pytest.mark.parametrize("series_id", SERIES)
def test_rates_per_1000_match_truth(pipeline, crimes, totals_truth, series_id):
    selected, _ = select_priority(crimes, load_priorities().get(series_id))
    yearly = (
        monthly_counts(selected, by="csp_code", start="2025-01", end="2025-12")
        .groupby("csp_code", as_index=False)["count"]
        .sum()
    )
    population = population_for_year(load_population(pipeline[1]), RATE_YEAR)
    assert (population["population_year"] == POPULATION_YEAR).all(), population
    table = yearly.merge(population[["csp_code", "population"]], on="csp_code", validate="1:1")
    assert len(table) == len(totals_truth) == 5
    compared = peer_comparison(table, area="csp_code").set_index("area").sort_index()
    truth = totals_truth.sort_index()

    assert compared["population"].tolist() == truth["population_mid2023"].tolist()
    assert compared["count"].tolist() == truth[f"{series_id}_count"].tolist()
    assert compared["published_rate"].tolist() == truth[f"{series_id}_published_rate"].tolist()
    np.testing.assert_allclose(compared["rate"], truth[f"{series_id}_rate"], rtol=0, atol=5e-7)
    # Rank 1 is the highest rate; the truth's rates give the same order.
    expected_rank = truth[f"{series_id}_rate"].rank(ascending=False, method="min").astype("int64")
    assert compared["rank"].tolist() == expected_rank.tolist()
