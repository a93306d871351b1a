"""Series: periods, priority selection, coverage (gaps vs zeros), period totals, rolling years and
year-to-date comparisons, against hand-computed values and the real West Mercia files."""

from __future__ import annotations

from math import comb
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csp_analysis.analysis.aggregate import (
    financial_year_counts,
    quarterly_counts,
    rolling_12_month,
)
from csp_analysis.analysis.same_period import (
    YTD_METHOD,
    poisson_ratio_test,
    year_to_date,
    year_to_date_table,
)
from csp_analysis.analysis.series import (
    COVERAGE_ATTR,
    all_priority_monthly_counts,
    available_fields,
    data_source,
    load_crimes,
    load_population,
    month_coverage,
    monthly_counts,
    priority_monthly_counts,
    select_priority,
)
from csp_analysis.core import schema
from csp_analysis.core.calendar import (
    financial_quarter,
    financial_year,
    fy_quarter_label,
    month_label,
    period_label,
)
from csp_analysis.core.config import load_priorities
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.report import wording

PRIORITIES = load_priorities()
REFERENCE = Path(__file__).parent / "reference" / "west_mercia_2025_rates.csv"


def record(month, crime_type="Burglary", csp="A", force="f1", **extra):
    """One crimes-table row with the columns of schema.CRIMES_SCHEMA."""
    row = {name: None for name in schema.CRIMES_COLUMNS}
    codes = {"A": "E22000001", "B": "E22000002", "C": "E22000003", None: None}
    row.update(
        month=pd.Timestamp(month).date(),
        force=force,
        csp_code=codes[csp],
        csp_name=csp,
        crime_type=crime_type,
        source="police_uk",
    )
    row.update(extra)
    return row


def frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=schema.CRIMES_COLUMNS)
    for flag in ("domestic_abuse", "hate", "alcohol"):
        out[flag] = out[flag].astype("boolean")
    return out


def counts_of(result, **where) -> list:
    part = result
    for col, value in where.items():
        part = part.loc[part[col] == value]
    return part.sort_values("month")["count"].tolist()


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("date", "year", "quarter", "label"),
    [
        ("2025-03-01", "2024/25", 4, "2024/25 Q4"),
        ("2025-04-01", "2025/26", 1, "2025/26 Q1"),
        ("2025-06-30", "2025/26", 1, "2025/26 Q1"),
        ("2025-07-01", "2025/26", 2, "2025/26 Q2"),
        ("2025-12-31", "2025/26", 3, "2025/26 Q3"),
        ("2026-01-15", "2025/26", 4, "2025/26 Q4"),
        ("1999-04-01", "1999/00", 1, "1999/00 Q1"),
    ],
)
def test_financial_periods(date, year, quarter, label):
    assert financial_year(date) == year
    assert financial_quarter(date) == quarter
    assert fy_quarter_label(date) == label
    series = pd.Series(pd.to_datetime([date, date]))
    assert financial_year(series).tolist() == [year, year]
    assert financial_quarter(series).tolist() == [quarter, quarter]
    assert fy_quarter_label(series).tolist() == [label, label]


def test_labels():
    assert month_label("2025-09-01") == "September 2025"
    assert period_label("2025-04-01", "2025-09-01") == "April to September 2025"
    assert period_label("2025-04-01", "2026-01-01") == "April 2025 to January 2026"
    assert period_label("2025-04-01", "2025-04-01") == "April 2025"


def test_period_validation():
    with pytest.raises(AnalysisError, match="'not a date' is not a date or month"):
        financial_year("not a date")
    with pytest.raises(AnalysisError, match="is not a date"):
        financial_quarter(pd.Series(["2025-01-01", "rubbish"]))


# --------------------------------------------------------------------------- selection


def test_available_fields_and_source():
    police = frame([record("2025-01-01", outcome="Under investigation")])
    assert available_fields(police) == {"crime_types", "outcomes"}
    assert data_source(police) == "police_uk"
    local = frame([record("2025-01-01", domestic_abuse=True, offence_code="8N")])
    assert available_fields(local) == {"crime_types", "offence_codes", "flags"}
    assert data_source(local) == "local_extract"


def test_select_priority_definition_excludes_asb():
    crimes = frame(
        [record("2025-01-01", "Burglary"), record("2025-01-01", "Anti-social behaviour")]
    )
    chosen, selection = select_priority(crimes, PRIORITIES.get("all_crime"))
    assert selection.method == "definition"
    assert chosen["crime_type"].tolist() == ["Burglary"]


def test_select_priority_police_uk_proxy_with_caveat():
    crimes = frame(
        [record("2025-01-01", "Violence and sexual offences"), record("2025-01-01", "Drugs")]
    )
    chosen, selection = select_priority(crimes, PRIORITIES.get("domestic_abuse"))
    assert selection.method == "proxy"
    assert "not domestic abuse figures" in selection.caveat
    assert chosen["crime_type"].tolist() == ["Violence and sexual offences"]


def test_select_priority_local_extract_clauses_or_fields_and():
    crimes = frame(
        [
            # clause 1: subgroup AND female victim
            record("2025-01-01", offence_subgroup="Violence with injury", victim_sex="F",
                   domestic_abuse=False),
            record("2025-01-01", offence_subgroup="Violence with injury", victim_sex="M",
                   domestic_abuse=False),
            # clause 2: domestic abuse flag AND female victim
            record("2025-01-01", offence_subgroup="Criminal damage", victim_sex="F",
                   domestic_abuse=True),
            record("2025-01-01", offence_subgroup="Criminal damage", victim_sex="F",
                   domestic_abuse=False),
            record("2025-01-01", offence_subgroup="Criminal damage", victim_sex=None,
                   domestic_abuse=True),
        ]
    )  # fmt: skip
    crimes["source_row"] = range(2, 7)
    chosen, selection = select_priority(crimes, PRIORITIES.get("vawg"))
    assert selection.method == "definition" and selection.source == "local_extract"
    assert chosen["source_row"].tolist() == [2, 4]


def test_select_priority_null_flag_is_not_flagged():
    crimes = frame(
        [
            record("2025-01-01", domestic_abuse=True),
            record("2025-01-01", domestic_abuse=None),
            record("2025-01-01", domestic_abuse=False),
        ]
    )
    chosen, _ = select_priority(crimes, PRIORITIES.get("domestic_abuse"))
    assert len(chosen) == 1


def test_select_priority_unavailable_when_needed_flag_is_empty():
    # A local extract with a hate flag but no domestic abuse flag cannot count domestic abuse.
    crimes = frame([record("2025-01-01", hate=True), record("2025-01-01", hate=False)])
    chosen, selection = select_priority(crimes, PRIORITIES.get("domestic_abuse"))
    assert selection.method == "unavailable"
    assert "domestic_abuse flag" in selection.caveat
    assert chosen.empty
    counts, selection = priority_monthly_counts(crimes, PRIORITIES.get("domestic_abuse"))
    assert counts["count"].isna().all() and not selection.available


def test_select_priority_unavailable_without_proxy():
    # A local extract (offence codes) without flags: domestic abuse has no local_extract proxy.
    crimes = frame([record("2025-01-01", offence_code="8N")])
    _, selection = select_priority(crimes, PRIORITIES.get("domestic_abuse"))
    assert selection.method == "unavailable" and "lacks flags" in selection.caveat


def test_select_priority_rejects_non_priority():
    with pytest.raises(AnalysisError, match="needs a Priority"):
        select_priority(frame([record("2025-01-01")]), "all_crime")


# --------------------------------------------------------------------------- coverage and counts


@pytest.fixture
def crimes():
    """Force f1 (CSPs A, B) publishes Jan, Feb, Apr 2025 - March is missing. CSP B has no
    records in February; there is an unassigned row in April."""
    rows = [
        record("2025-01-01", "Burglary", "A"),
        record("2025-01-01", "Burglary", "A"),
        record("2025-01-01", "Drugs", "B"),
        record("2025-02-01", "Drugs", "A"),
        record("2025-04-01", "Burglary", "A"),
        record("2025-04-01", "Burglary", "B"),
        record("2025-04-01", "Drugs", None, unassigned_reason=schema.UNASSIGNED_NO_LOCATION),
    ]
    return frame(rows)


def test_month_coverage(crimes):
    coverage = month_coverage(crimes)
    a = coverage.loc[coverage["csp_code"] == "E22000001"].set_index("month")
    assert a["covered"].tolist() == [True, True, False, True]
    assert a["force_records"].tolist() == [3, 1, 0, 3]
    assert a["csp_records"].tolist() == [2, 1, 0, 1]
    b = coverage.loc[coverage["csp_code"] == "E22000002"].set_index("month")
    assert b.loc[pd.Timestamp("2025-02-01"), "covered"]  # force published, B had nothing
    assert b.loc[pd.Timestamp("2025-02-01"), "csp_records"] == 0


def test_month_coverage_matches_a_count_by_hand_on_messy_records():
    # Two forces, records with no CSP (unassigned) and a CSP code shared by two forces' rows;
    # force f2 publishes nothing in 2024-03 and 2024-07 (gaps), f1 nothing in 2024-05.
    rng = np.random.default_rng(7)
    months = pd.date_range("2024-01-01", "2024-08-01", freq="MS")
    rows = []
    for _ in range(3000):
        force = str(rng.choice(["f1", "f2"]))
        month = months[rng.integers(len(months))]
        if (force, f"{month:%Y-%m}") in {("f2", "2024-03"), ("f2", "2024-07"), ("f1", "2024-05")}:
            continue
        csp = {"f1": ["A", "B", None], "f2": ["C", "B", None]}[force][rng.integers(3)]
        extra = {"unassigned_reason": schema.UNASSIGNED_NO_LOCATION} if csp is None else {}
        rows.append(record(month, "Burglary", csp, force, **extra))
    table = frame(rows)
    coverage = month_coverage(table)
    hand = pd.DataFrame(rows)
    hand["month"] = pd.to_datetime(hand["month"])
    assert len(coverage) == 4 * len(months)  # (f1, A), (f1, B), (f2, B), (f2, C)
    for row in coverage.itertuples():
        of_force = hand.loc[(hand["force"] == row.force) & (hand["month"] == row.month)]
        assert row.force_records == len(of_force)
        # A CSP's records are counted over the whole table (a CSP normally lies in one force).
        of_csp = (hand["csp_code"] == row.csp_code) & (hand["month"] == row.month)
        assert row.csp_records == int(of_csp.sum())
        assert row.covered == (len(of_force) > 0)
    gaps = coverage.loc[~coverage["covered"]]
    assert sorted(
        {(f, f"{m:%Y-%m}") for f, m in zip(gaps["force"], gaps["month"], strict=True)}
    ) == [
        ("f1", "2024-05"),
        ("f2", "2024-03"),
        ("f2", "2024-07"),
    ]


def test_attached_coverage_is_shared_by_derived_frames(crimes):
    drugs, _ = select_priority(crimes, PRIORITIES.get("drugs"))
    attached = drugs.attrs[COVERAGE_ATTR]
    # pandas copies attrs into every derived frame; the coverage travels as one shared,
    # read-only object (not a copy per operation) and survives filtering and concatenation.
    derived = drugs.loc[drugs["csp_name"] == "B"].head(10)
    assert derived.attrs[COVERAGE_ATTR] is attached
    assert pd.concat([drugs, drugs]).attrs[COVERAGE_ATTR] is attached
    result = monthly_counts(derived, by="csp_name")
    assert counts_of(result, csp_name="B") == pytest.approx([1, 0, np.nan, 0], nan_ok=True)
    # A is still on the grid (every CSP of the coverage), with zeros: its records were filtered.
    assert counts_of(result, csp_name="A") == pytest.approx([0, 0, np.nan, 0], nan_ok=True)


def test_monthly_counts_coverage_months_in_any_form(crimes):
    expected = monthly_counts(crimes, by="csp_name")
    coverage = month_coverage(crimes)
    as_text = coverage.assign(month=coverage["month"].dt.strftime("%Y-%m"))
    as_seconds = coverage.assign(month=coverage["month"].astype("datetime64[s]"))
    for given in (as_text, as_seconds):
        pd.testing.assert_frame_equal(monthly_counts(crimes, by="csp_name", coverage=given),
                                      expected)  # fmt: skip
    # A subset's attached coverage is the whole table's, whatever coverage= form made it.
    subset, _ = select_priority(crimes, PRIORITIES.get("all_crime"), coverage=as_text)
    pd.testing.assert_frame_equal(monthly_counts(subset, by="csp_name"), expected)


def test_monthly_counts_by_lsoa_matches_records(crimes):
    # The covered flag of every grid cell comes from a join: check an LSOA grid cell by cell.
    with_lsoa = crimes.assign(lsoa_code=[f"L{i % 3}" for i in range(len(crimes))])
    result = monthly_counts(with_lsoa, by="lsoa_code")
    assert set(result["lsoa_code"]) == {"L0", "L1", "L2"}
    march = result.loc[result["month"] == pd.Timestamp("2025-03-01"), "count"]
    assert march.isna().all()  # the force published nothing in March
    assigned = with_lsoa.loc[with_lsoa["unassigned_reason"].isna()]
    for row in result.loc[result["month"] != pd.Timestamp("2025-03-01")].itertuples():
        month = pd.Timestamp(row.month).date()
        expected = int(((assigned["lsoa_code"] == row.lsoa_code)
                        & (assigned["month"] == month)).sum())  # fmt: skip
        assert row.count == expected


def test_monthly_counts_gap_is_nan_and_covered_zero_is_zero(crimes):
    result = monthly_counts(crimes, by="csp_name")
    assert counts_of(result, csp_name="A") == pytest.approx([2, 1, np.nan, 1], nan_ok=True)
    assert counts_of(result, csp_name="B") == pytest.approx([1, 0, np.nan, 1], nan_ok=True)
    assert result["month"].dtype == "datetime64[ns]"


def test_monthly_counts_priority_subset_keeps_whole_table_coverage(crimes):
    drugs, _ = select_priority(crimes, PRIORITIES.get("drugs"))
    result = monthly_counts(drugs, by="csp_name")
    # B's drugs: 1 in January, 0 in February and April (covered), gap in March.
    assert counts_of(result, csp_name="B") == pytest.approx([1, 0, np.nan, 0], nan_ok=True)
    # A subset made by hand has no coverage attached: then pass it explicitly.
    by_hand = crimes.loc[crimes["crime_type"] == "Drugs"]
    explicit = monthly_counts(by_hand, by="csp_name", coverage=month_coverage(crimes))
    pd.testing.assert_frame_equal(explicit, result)


def test_monthly_counts_categories_zero_filled_and_range(crimes):
    result = monthly_counts(crimes, by=["csp_name", "crime_type"], start="2024-12", end="2025-05")
    a_drugs = counts_of(result, csp_name="A", crime_type="Drugs")
    # December 2024 and May 2025 are outside the data: gaps, not zeros.
    assert a_drugs == pytest.approx([np.nan, 0, 1, np.nan, 0, np.nan], nan_ok=True)
    assert len(result) == 2 * 2 * 6


def test_monthly_counts_unassigned_rows(crimes):
    total = monthly_counts(crimes)
    assert total["count"].tolist() == pytest.approx([3, 1, np.nan, 2], nan_ok=True)
    force = monthly_counts(crimes, include_unassigned=True)
    assert force["count"].tolist() == pytest.approx([3, 1, np.nan, 3], nan_ok=True)


def test_monthly_counts_multi_force_total_is_gap_when_any_force_missing():
    rows = [record("2025-01-01", csp="A"), record("2025-02-01", csp="A")]
    rows += [record("2025-01-01", csp="C", force="f2")]  # f2 publishes January only
    crimes = frame(rows)
    assert monthly_counts(crimes)["count"].tolist() == pytest.approx([2, np.nan], nan_ok=True)
    by_force = monthly_counts(crimes, by="force")
    assert counts_of(by_force, force="f1") == [1, 1]
    assert counts_of(by_force, force="f2") == pytest.approx([1, np.nan], nan_ok=True)


def test_all_priority_monthly_counts(crimes):
    crimes = pd.concat(
        [crimes, frame([record("2025-02-01", "Anti-social behaviour", "B")])], ignore_index=True
    )
    table, described = all_priority_monthly_counts(crimes)
    assert described["priority"].tolist() == PRIORITIES.ids
    methods = described.set_index("priority")["method"]
    assert methods["all_crime"] == "definition" and methods["domestic_abuse"] == "proxy"
    assert described.set_index("priority").loc["hate_crime", "sensitive"]
    assert list(table.columns) == [
        "priority",
        "month",
        "csp_code",
        "csp_name",
        "crime_type",
        "count",
    ]
    # All crime and ASB partition the assigned records: together they give every record.
    both = table.loc[table["priority"].isin(["all_crime", "asb"])]
    per_month = both.groupby("month")["count"].sum(min_count=1)
    expected = monthly_counts(crimes).set_index("month")["count"]
    pd.testing.assert_series_equal(per_month, expected, check_names=False)
    # Serious violence's police.uk proxy (robbery, weapons) matches nothing here: its crime
    # types are still listed, with zeros in covered months and gaps in March.
    proxy = table.loc[table["priority"] == "serious_violence"]
    assert set(proxy["crime_type"]) == {"Robbery", "Possession of weapons"}
    assert len(proxy) == 2 * 2 * 4  # CSPs x crime types x months
    assert proxy["count"].fillna(0).eq(0).all() and proxy["count"].isna().sum() == 4


def test_monthly_counts_accounts_for_every_record(crimes):
    result = monthly_counts(crimes, by="csp_name", start="2025-02", end="2025-04")
    assert result.attrs["rows_outside_range"] == 3  # the three January records
    assert result.attrs["rows_with_missing_group"] == 0
    # A record with no crime type cannot be placed in a by-crime-type table: counted and warned.
    broken = pd.concat([crimes, frame([record("2025-02-01", crime_type=None)])], ignore_index=True)
    with pytest.warns(UserWarning, match="1 have a missing value in \\['crime_type'\\]"):
        result = monthly_counts(broken, by="crime_type")
    assert result.attrs["rows_with_missing_group"] == 1
    # A coverage table from other data that says February is not covered.
    coverage = month_coverage(crimes)
    coverage.loc[coverage["month"] == pd.Timestamp("2025-02-01"), "covered"] = False
    with pytest.warns(UserWarning, match="1 record\\(s\\) fall in force-months"):
        result = monthly_counts(crimes, coverage=coverage)
    assert result.attrs["rows_contradicting_coverage"] == 1


def test_multi_force_gap_records_are_counted_in_attrs():
    crimes = frame(
        [record("2025-01-01"), record("2025-02-01"), record("2025-01-01", csp="C", force="f2")]
    )
    assert monthly_counts(crimes).attrs["rows_in_gap_months"] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "ward"}, r"needs column\(s\) ward"),
        ({"by": "csp_code", "levels": {"csp_code": ["x"]}}, "not a non-area 'by' column"),
        ({"by": ["month"]}, "distinct columns other than month"),
        ({"start": "2025-04", "end": "2025-01"}, "end January 2025 is before start April 2025"),
        ({"start": "sometime"}, "'sometime' is not a date or month"),
    ],
)
def test_monthly_counts_validation(crimes, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        monthly_counts(crimes, **kwargs)


# --------------------------------------------------------------------------- period totals


def monthly_series(values, start="2023-04-01", **groups) -> pd.DataFrame:
    months = pd.date_range(start, periods=len(values), freq="MS")
    out = pd.DataFrame({"month": months, "count": np.asarray(values, dtype=float)})
    for col, value in groups.items():
        out.insert(1, col, value)
    return out


def test_quarterly_and_financial_year_counts():
    values = list(range(1, 25))  # April 2023 .. March 2025
    values[7] = np.nan  # November 2023 is a gap
    monthly = pd.concat([monthly_series(values, csp="A"), monthly_series([5] * 3, csp="B")])
    quarters = quarterly_counts(monthly)
    a = quarters.loc[quarters["csp"] == "A"].set_index("label")
    assert a.loc["2023/24 Q1", "count"] == 1 + 2 + 3
    assert bool(a.loc["2023/24 Q1", "complete"])
    assert a.loc["2023/24 Q3", "count"] == 7 + 9  # October + December, November missing
    assert a.loc["2023/24 Q3", "months_with_data"] == 2
    assert not a.loc["2023/24 Q3", "complete"]
    assert a.loc["2024/25 Q4", "count"] == 22 + 23 + 24
    assert a.loc["2024/25 Q4", "period_start"] == pd.Timestamp("2025-01-01")
    years = financial_year_counts(monthly).set_index(["csp", "financial_year"])
    assert years.loc[("A", "2024/25"), "count"] == sum(range(13, 25))
    assert bool(years.loc[("A", "2024/25"), "complete"])
    assert not years.loc[("A", "2023/24"), "complete"]
    assert years.loc[("B", "2023/24"), "months_with_data"] == 3


def test_period_with_no_data_is_nan():
    quarters = quarterly_counts(monthly_series([np.nan, np.nan, np.nan, 4, 5, 6]))
    assert np.isnan(quarters["count"].iloc[0])
    assert quarters["count"].iloc[1] == 15


def test_rolling_12_month():
    values = [10.0] * 30
    values[14] = np.nan  # June 2024
    monthly = monthly_series(values)
    rolled = rolling_12_month(monthly).set_index("month")
    assert np.isnan(rolled.loc[pd.Timestamp("2024-02-01"), "count"])  # only 11 months
    assert rolled.loc[pd.Timestamp("2024-03-01"), "count"] == 120
    assert rolled.loc[pd.Timestamp("2024-03-01"), "label"] == "year ending March 2024"
    assert rolled.loc[pd.Timestamp("2024-05-01"), "count"] == 120
    # Every year containing June 2024 is a gap: year ending June 2024 to year ending May 2025.
    gaps = rolled.loc["2024-06-01":"2025-05-01", "count"]
    assert gaps.isna().all() and len(gaps) == 12
    assert rolled.loc[pd.Timestamp("2025-06-01"), "count"] == 120


def test_rolling_12_month_by_group_and_missing_rows():
    a = monthly_series(range(1, 15), csp="A")
    a = a.drop(index=3)  # a month absent from the frame is a gap too
    rolled = rolling_12_month(a)
    assert rolled["count"].isna().all()
    b = monthly_series(range(1, 14), csp="B")
    rolled = rolling_12_month(b)
    assert rolled["count"].dropna().tolist() == [sum(range(1, 13)), sum(range(2, 14))]


def test_rolling_12_month_rejects_duplicate_months():
    doubled = pd.concat([monthly_series([1] * 12), monthly_series([1] * 12)])
    with pytest.raises(AnalysisError, match="more than one row for a month"):
        rolling_12_month(doubled)


# --------------------------------------------------------------------------- year to date


def test_poisson_ratio_test_hand_computed():
    # 15 against 5: P(X >= 15 | X ~ Bin(20, 1/2)) = (C(20,15)+...+C(20,20)) / 2^20, doubled.
    tail = sum(comb(20, k) for k in range(15, 21)) / 2**20
    assert poisson_ratio_test(15, 5) == pytest.approx(2 * tail, rel=1e-12)
    assert 2 * tail == pytest.approx(0.041389, abs=1e-6)
    assert poisson_ratio_test(5, 15) == pytest.approx(2 * tail, rel=1e-12)
    assert poisson_ratio_test(0, 0) == 1.0
    with pytest.raises(AnalysisError, match="non-negative"):
        poisson_ratio_test(-1, 3)


def ytd_frame(previous_months, current_months, start="2024-04-01"):
    return monthly_series([*previous_months, *([np.nan] * (12 - len(previous_months))),
                           *current_months], start=start)  # fmt: skip


def test_year_to_date_sentence_and_numbers():
    # April-September: 4,385 last year, 4,955 this year: 13% increase, 570 more offences.
    previous = [730, 730, 730, 730, 730, 735]
    current = [825, 825, 825, 825, 825, 830]
    monthly = monthly_series([*previous, *([700] * 6), *current], start="2024-04-01")
    ytd = year_to_date(monthly, "2025-09-01")
    assert (ytd.current, ytd.previous, ytd.change) == (4955, 4385, 570)
    assert ytd.pct_change == pytest.approx(100 * 570 / 4385)
    assert ytd.current_label == "April to September 2025"
    assert ytd.previous_label == "April to September 2024"
    assert ytd.method == YTD_METHOD == "exact conditional test of two Poisson counts (binomial)"
    assert ytd.significant and ytd.p_value < 0.001
    assert wording.year_to_date(ytd) == (
        "13% increase, or 570 more offences, compared with the same period last year "
        "(statistically significant, p < 0.001)"
    )


def test_year_to_date_not_significant_decrease():
    monthly = monthly_series([15, 10, *([9] * 10), 10, 10])
    ytd = year_to_date(monthly, "2024-05")
    assert (ytd.current, ytd.previous) == (20, 25)
    assert not ytd.significant
    assert ytd.p_value == pytest.approx(poisson_ratio_test(20, 25))
    assert wording.year_to_date(ytd, "incidents") == (
        "20% decrease, or 5 fewer incidents, compared with the same period last year "
        "(not statistically significant, p = 0.55)"
    )
    one = year_to_date(monthly_series([3, *([1] * 11), 4]), "2024-04")
    assert wording.year_to_date(one).startswith("33% increase, or 1 more offence,")


def test_year_to_date_across_the_new_year():
    monthly = monthly_series([10] * 21, start="2024-04-01")  # to December 2025
    ytd = year_to_date(monthly, "2026-01-01")
    assert not ytd.available
    assert ytd.reason == "the data end in December 2025, before the end of the current period"
    ytd = year_to_date(monthly_series([10] * 22, start="2023-04-01"), "2025-01-01")
    assert ytd.current_label == "April 2024 to January 2025"
    assert ytd.previous_label == "April 2023 to January 2024"
    assert wording.year_to_date(ytd).startswith("No change: 100 offences in both periods")


def test_year_to_date_gap_makes_comparison_unavailable():
    values = [10.0] * 18
    values[13] = np.nan  # May 2024
    ytd = year_to_date(monthly_series(values), "2024-09")
    assert not ytd.available and ytd.current is None and ytd.p_value is None
    assert ytd.reason == "no data for May 2024 (a gap in the published data)"
    assert wording.year_to_date(ytd) == (
        "No comparison with the same period last year: no data for May 2024 (a gap in the "
        "published data)"
    )
    early = year_to_date(monthly_series([10.0] * 6, start="2025-01-01"), "2025-06")
    assert "the data start in January 2025" in early.reason


def test_year_to_date_from_zero():
    ytd = year_to_date(monthly_series([0] * 12 + [2]), "2024-04")
    assert ytd.pct_change is None
    assert wording.year_to_date(ytd).startswith("2 more offences (2, up from none)")


def test_year_to_date_table_per_group():
    monthly = pd.concat(
        [monthly_series([10] * 12 + [30], csp="A"), monthly_series([10] * 12 + [11], csp="B")]
    )
    table = year_to_date_table(monthly, "2024-04", by="csp").set_index("csp")
    assert table.loc["A", "change"] == 20 and table.loc["A", "significant"]
    assert not table.loc["B", "significant"]
    assert table.loc["A", "result"].name == "A"


@pytest.mark.parametrize(
    ("monthly", "kwargs", "message"),
    [
        (
            pd.concat([monthly_series([1] * 13, csp="A"), monthly_series([1] * 13, csp="B")]),
            {},
            "column 'csp' has several values",
        ),
        (monthly_series([1] * 13), {"alpha": 5}, "alpha must be between 0 and 1"),
        (pd.DataFrame({"month": ["2024-04-01"]}), {}, r"needs column\(s\) count"),
        (
            pd.concat([monthly_series([1] * 13), monthly_series([1] * 13)]),
            {},
            "more than one row for a month",
        ),
    ],
)
def test_year_to_date_validation(monthly, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        year_to_date(monthly, "2025-04", **kwargs)


# --------------------------------------------------------------------------- loading


def test_load_crimes_and_population(tmp_path, crimes):
    table = pa.Table.from_pandas(crimes, schema=schema.CRIMES_SCHEMA, preserve_index=False)
    pq.write_table(table, tmp_path / "crimes.parquet")
    loaded = load_crimes(tmp_path)
    assert loaded["month"].dtype == "datetime64[ns]"
    assert str(loaded["domestic_abuse"].dtype) == "boolean"
    assert len(loaded) == len(crimes)
    assert list(load_crimes(tmp_path, columns=["month", "force"]).columns) == ["month", "force"]
    population = pd.DataFrame(
        {"csp_code": ["E22000001"], "csp_name": ["A"], "year": [2023], "population": [1000],
         "source": ["test"]}
    )  # fmt: skip
    pq.write_table(
        pa.Table.from_pandas(population, schema=schema.POPULATION_SCHEMA, preserve_index=False),
        tmp_path / "population.parquet",
    )
    assert load_population(tmp_path)["population"].tolist() == [1000]


def test_load_missing_files_say_run_make_data(tmp_path):
    with pytest.raises(CspAnalysisError, match="crimes.parquet not found.*Run `make data`"):
        load_crimes(tmp_path)
    with pytest.raises(CspAnalysisError, match="population.parquet not found.*Run `make data`"):
        load_population(tmp_path)
    (tmp_path / "crimes.parquet").write_text("not parquet")
    with pytest.raises(CspAnalysisError, match="cannot read the processed table"):
        load_crimes(tmp_path)


# --------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_monthly_counts_on_real_west_mercia_files(shared_data):
    """2025 police.uk files for West Mercia: 12 covered months for each of the five CSPs, and
    yearly totals equal to the independently computed reference (tests/reference/)."""
    from tests.conftest import CSP_LOOKUP, LSOA_LOOKUP, WEST_MERCIA_DIR

    files = sorted(WEST_MERCIA_DIR.glob("2025-*-west-mercia-street.csv"))
    raw = pd.concat(
        [pd.read_csv(f, usecols=["Month", "LSOA code", "Crime type"]) for f in files],
        ignore_index=True,
    )
    lsoa = pd.read_csv(LSOA_LOOKUP, usecols=["LSOA21CD", "LAD23CD"])
    csp = pd.read_csv(CSP_LOOKUP, encoding="utf-8-sig")
    csp = csp.loc[csp["PFA23NM"] == "West Mercia", ["LAD23CD", "CSP23CD", "CSP23NM"]]
    mapped = raw.merge(lsoa, how="left", left_on="LSOA code", right_on="LSOA21CD").merge(
        csp, how="left", on="LAD23CD"
    )
    crimes = pd.DataFrame(
        {
            "month": pd.to_datetime(mapped["Month"] + "-01"),
            "force": "west-mercia",
            "csp_code": mapped["CSP23CD"],
            "csp_name": mapped["CSP23NM"],
            "crime_type": mapped["Crime type"],
            "unassigned_reason": np.where(mapped["CSP23CD"].isna(), "outside", None),
        }
    )
    assert len(crimes) == len(raw)
    selected, selection = select_priority(crimes, PRIORITIES.get("all_crime"))
    assert selection.method == "definition"
    monthly = monthly_counts(selected, by="csp_code")
    assert len(monthly) == 5 * 12 and monthly["count"].notna().all()
    reference = pd.read_csv(REFERENCE, comment="#").set_index("csp_code")
    totals = monthly.groupby("csp_code")["count"].sum()
    assert totals.to_dict() == reference["count"].astype(float).to_dict()
    years = financial_year_counts(monthly)
    assert set(years.loc[years["complete"], "financial_year"]) == set()  # Jan-Dec 2025 only
    rolled = rolling_12_month(monthly)
    december = rolled.loc[rolled["month"] == pd.Timestamp("2025-12-01")].set_index("csp_code")
    assert december["count"].to_dict() == reference["count"].astype(float).to_dict()
    # Year to date April-December 2025 has no previous-year data in these files.
    one = monthly.loc[monthly["csp_code"] == "E22000360"]
    assert "the data start in January 2025" in year_to_date(one, "2025-12").reason
