"""Home Office police recorded crime open data tables: CSV/XLSX/ODS, force and CSP level."""

from __future__ import annotations

from datetime import date

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.schema import HOME_OFFICE_SCHEMA
from csp_analysis.io.home_office import (
    REJECT_AREA,
    REJECT_CODE,
    REJECT_COUNT,
    REJECT_QUARTER,
    REJECT_YEAR,
    normalise_column,
    quarter_start,
    read_home_office_table,
)
from tests.conftest import HOME_OFFICE_PFA

PUBLISHER_HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
PUBLISHER_ROWS = [
    ["2023/24", "1", "West Mercia", "Shoplifting", "Theft offences", "Shoplifting", "46", "1,204"],
    ["2023/24", "4", "West Mercia", "Assault with injury", "Violence against the person",
     "Violence with injury", "8N", "950"],
    ["2023/24", "2", "Dyfed-Powys", "Shoplifting", "Theft offences", "Shoplifting", "46", "-3"],
    ["2023/24", "3", "Action Fraud", "Fraud offences recorded by Action Fraud", "Fraud offences",
     "Fraud: action fraud", "AF", "70000"],
]  # fmt: skip


def write_csv(path, header, rows):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    return path


def test_quarter_start_is_first_day_of_financial_quarter():
    assert quarter_start("2017/18", 1) == date(2017, 4, 1)
    assert quarter_start("2017/18", 2) == date(2017, 7, 1)
    assert quarter_start("2017/18", 3) == date(2017, 10, 1)
    assert quarter_start("2017/18", 4) == date(2018, 1, 1)


def test_column_names_normalised_across_editions():
    assert normalise_column("Financial Year") == "financial_year"
    assert normalise_column(" Financial_Year ") == "financial_year"
    assert normalise_column("Number of Offences") == "number_of_offences"


def test_force_level_csv_with_publisher_headers(tmp_path):
    path = write_csv(tmp_path / "prc-pfa.csv", PUBLISHER_HEADER, PUBLISHER_ROWS)
    result = read_home_office_table(path)
    frame = result.frame
    assert list(frame.columns) == HOME_OFFICE_SCHEMA.names
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (4, 4, 0)
    first = frame.iloc[0]
    assert first["financial_year"] == "2023/24"
    assert first["quarter_start"] == pd.Timestamp("2023-04-01")
    assert first["area_type"] == "force"
    assert first["area_code"] == "E23000016"  # ONS PFA23 code for West Mercia
    assert first["count"] == 1204  # thousands separator accepted
    assert first["police_uk_category"] == "Shoplifting"
    assert frame.iloc[1]["quarter_start"] == pd.Timestamp("2024-01-01")
    assert frame.iloc[2]["area_code"] == "W15000004"
    assert frame.iloc[2]["count"] == -3  # Home Office adjustments are negative counts
    assert pd.isna(frame.iloc[3]["area_code"])  # national bodies have no PFA
    assert any("1 row(s) with negative counts kept" in n for n in result.notes)
    table = pa.Table.from_pandas(frame, schema=HOME_OFFICE_SCHEMA, preserve_index=False)
    assert table.num_rows == 4


def test_redistributed_layout_index_and_policeuk_cat_are_ignored(tmp_path):
    header = ["", *[h.replace(" ", "_") for h in PUBLISHER_HEADER], "Policeuk_Cat"]
    rows = [[str(i), *row, "Violence and Sexual Offences"] for i, row in enumerate(PUBLISHER_ROWS)]
    path = tmp_path / "prc-pfa-201718_new.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    result = read_home_office_table(path)
    assert result.rows_loaded == 4
    assert any("(unnamed index), Policeuk_Cat" in n for n in result.notes)
    # the category comes from the classification, not the redistributor's column
    assert result.frame.iloc[0]["police_uk_category"] == "Shoplifting"


def test_csp_level_table(tmp_path):
    header = [
        "Financial_Year",
        "Financial_Quarter",
        "Force_Name",
        "CSP_Name",
        "CSP_Code",
        "Offence_Code",
        "Number_of_Offences",
    ]
    rows = [
        ["2022/23", "1", "West Mercia", "Herefordshire, County of", "E22000326", "46", "101"],
        ["2022/23", "1", "West Mercia", "Shropshire", "E22000360", "8N", "77"],
    ]  # fmt: skip
    result = read_home_office_table(write_csv(tmp_path / "prc-csp.csv", header, rows))
    frame = result.frame
    assert set(frame["area_type"]) == {"csp"}
    assert list(frame["area_code"]) == ["E22000326", "E22000360"]
    assert list(frame["area_name"]) == ["Herefordshire, County of", "Shropshire"]
    # description, group and subgroup filled from the offence classification
    assert list(frame["offence_subgroup"]) == ["Shoplifting", "Violence with injury"]
    assert list(frame["offence_description"]) == ["Shoplifting", "Assault with injury"]


def test_community_safety_partnership_column_without_code(tmp_path):
    header = [
        "Financial Year",
        "Financial Quarter",
        "Community Safety Partnership",
        "Offence Code",
        "Number of Offences",
    ]
    rows = [["2022-23", "Q2", "Telford and Wrekin", "46", "12"]]  # fmt: skip
    result = read_home_office_table(write_csv(tmp_path / "csp.csv", header, rows))
    row = result.frame.iloc[0]
    assert (row["area_type"], row["area_name"]) == ("csp", "Telford and Wrekin")
    assert pd.isna(row["area_code"])
    assert (row["financial_year"], row["financial_quarter"]) == ("2022/23", 2)
    assert row["quarter_start"] == pd.Timestamp("2022-07-01")


def test_xlsx_with_note_rows_and_several_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["Police recorded crime open data tables: notes only"])
    for sheet_name, rows in (("2022-23", PUBLISHER_ROWS[:2]), ("2023-24", PUBLISHER_ROWS[2:])):
        sheet = book.create_sheet(sheet_name)
        sheet.append(["Police recorded crime by offence"])
        sheet.append([])
        sheet.append(PUBLISHER_HEADER)
        for row in rows:
            sheet.append([int(v) if v.isdigit() else v for v in row])
    path = tmp_path / "prc.xlsx"
    book.save(path)
    result = read_home_office_table(path)
    assert result.rows_read == 4 and result.rows_loaded == 4
    assert list(result.frame["offence_code"]) == ["46", "8N", "46", "AF"]


def test_ods_and_line_numbers_in_sheet_rejections(tmp_path):
    rows = [*PUBLISHER_ROWS, ["2023/24", "1", "West Mercia", "x", "x", "x", "ZZ9", "4"]]
    path = tmp_path / "prc.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame(rows, columns=PUBLISHER_HEADER).to_excel(
            writer, sheet_name="Data", index=False
        )
    result = read_home_office_table(path)
    assert result.rows_loaded == 4
    examples = result.rejections.to_dict()[REJECT_CODE]["examples"]
    assert examples == [{"where": "prc.ods[Data]:6", "detail": "'ZZ9'"}]


def test_bad_rows_are_counted_rejections_with_examples(tmp_path):
    bad = [
        ["2017/19", "1", "Kent", "d", "g", "s", "46", "1"],  # line 6: year does not run on
        ["17/18", "1", "Kent", "d", "g", "s", "46", "1"],  # line 7
        ["2017/18", "5", "Kent", "d", "g", "s", "46", "1"],  # line 8: quarter 5
        ["2017/18", "1", "Kent", "d", "g", "s", "999Z", "1"],  # line 9: unknown code
        ["2017/18", "1", "Kent", "d", "g", "s", "46", "n/a"],  # line 10: not a count
        ["2017/18", "1", "Kent", "d", "g", "s", "46", "2.5"],  # line 11: not a whole count
        ["2017/18", "1", "", "d", "g", "s", "46", "1"],  # line 12: no force
        ["2017/18", "9", "Kent", "d", "g", "s", "ZZ", "x"],  # line 13: first reason wins
    ]
    path = write_csv(tmp_path / "ho.csv", PUBLISHER_HEADER, PUBLISHER_ROWS + bad)
    result = read_home_office_table(path)
    counts = dict(result.rejections.counts)
    assert counts == {REJECT_YEAR: 2, REJECT_QUARTER: 2, REJECT_CODE: 1, REJECT_COUNT: 2,
                      REJECT_AREA: 1}  # fmt: skip
    assert (result.rows_read, result.rows_loaded) == (12, 4)
    report = result.rejections.to_dict()
    assert [e["where"] for e in report[REJECT_YEAR]["examples"]] == ["ho.csv:6", "ho.csv:7"]
    assert report[REJECT_CODE]["examples"][0] == {"where": "ho.csv:9", "detail": "'999Z'"}
    assert [e["where"] for e in report[REJECT_COUNT]["examples"]] == ["ho.csv:10", "ho.csv:11"]
    assert report[REJECT_QUARTER]["examples"][1]["where"] == "ho.csv:13"
    result.check_invariant()


def test_missing_required_columns_is_an_input_error(tmp_path):
    header = [h for h in PUBLISHER_HEADER if h != "Offence Code"]
    path = write_csv(tmp_path / "ho.csv", header, [row[:6] + row[7:] for row in PUBLISHER_ROWS])
    with pytest.raises(InputFileError, match=r"ho\.csv, line 1: .*missing required column\(s\) "
                                             r"offence_code; found Financial Year"):  # fmt: skip
        read_home_office_table(path)
    header = [h for h in PUBLISHER_HEADER if h != "Force Name"]
    path = write_csv(tmp_path / "noarea.csv", header, [row[:2] + row[3:] for row in PUBLISHER_ROWS])
    with pytest.raises(
        InputFileError, match=r"missing required column\(s\) force_name or csp_name"
    ):
        read_home_office_table(path)


def test_csv_encodings_and_empty_file(tmp_path):
    path = tmp_path / "cp1252.csv"
    rows = [
        ["2023/24", "1", "Kent", "Café theft", "Theft offences", "Other theft offences", "49", "3"]
    ]
    path.write_bytes(
        pd.DataFrame(rows, columns=PUBLISHER_HEADER).to_csv(index=False).encode("cp1252")
    )
    assert read_home_office_table(path).frame["offence_description"].iloc[0] == "Café theft"
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputFileError, match="empty.csv: file is empty: no header and no rows"):
        read_home_office_table(tmp_path / "empty.csv")
    (tmp_path / "binary.csv").write_bytes(b"Financial_Year\n\x81\x8d\x8f\n")
    with pytest.raises(InputFileError, match="not text in UTF-8 or cp1252"):
        read_home_office_table(tmp_path / "binary.csv")


def test_unreadable_inputs(tmp_path):
    with pytest.raises(InputFileError, match="Home Office table not found"):
        read_home_office_table(tmp_path / "absent.csv")
    (tmp_path / "ho.txt").write_text("x")
    with pytest.raises(InputFileError, match=r"unsupported file type '\.txt'"):
        read_home_office_table(tmp_path / "ho.txt")
    book = openpyxl.Workbook()
    book.active.append(["no table here"])
    book.save(tmp_path / "empty.xlsx")
    with pytest.raises(InputFileError, match="no sheet has a header with Offence Code"):
        read_home_office_table(tmp_path / "empty.xlsx")


# --------------------------------------------------------------------------- real file


@pytest.mark.realdata
def test_real_pfa_table_2017_18(shared_data):
    result = read_home_office_table(HOME_OFFICE_PFA)
    result.check_invariant()
    frame = result.frame
    # Row accounting is exact: every one of the 23,068 data rows loads.
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (23_068, 23_068, 0)
    assert set(frame["financial_year"]) == {"2017/18"}
    assert frame["area_name"].nunique() == 48  # 43 forces, BTP and four fraud bodies
    west_mercia = frame[frame["area_name"] == "West Mercia"]
    assert not west_mercia.empty
    assert set(west_mercia["area_code"]) == {"E23000016"}
    per_quarter = west_mercia.groupby("quarter_start")["count"].sum()
    assert list(per_quarter.index) == list(
        pd.to_datetime(["2017-04-01", "2017-07-01", "2017-10-01", "2018-01-01"])
    )
    assert (per_quarter > 0).all()
    # Home Office PFA table 2017/18, West Mercia, sum of Number_of_Offences per quarter.
    assert list(per_quarter) == [22_194, 22_254, 21_025, 18_877]
    assert (frame.groupby("quarter_start")["count"].sum() > 0).all()
    pa.Table.from_pandas(frame, schema=HOME_OFFICE_SCHEMA, preserve_index=False)


def test_a_count_too_big_to_be_real_is_rejected_not_overflowed(tmp_path):
    rows = [list(PUBLISHER_ROWS[0]), list(PUBLISHER_ROWS[1])]
    rows[1][-1] = "99999999999999999999"
    result = read_home_office_table(write_csv(tmp_path / "prc-pfa.csv", PUBLISHER_HEADER, rows))
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (2, 1, 1)
    (example,) = result.rejections.to_dict()["count out of range"]["examples"]
    assert example["where"] == "prc-pfa.csv:3"
    assert (result.frame["count"] >= 0).all()
    assert not any("adjustment" in note for note in result.notes)
