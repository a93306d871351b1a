"""CSP populations from the ONS mid-year estimates workbook (sheet MYE4) and from areas.yaml."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from csp_analysis.core.config import AreasConfig
from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.registry import load_areas
from csp_analysis.core.schema import POPULATION_SCHEMA
from csp_analysis.io.population import (
    config_discrepancies,
    population_from_config,
    read_district_populations,
    read_population_workbook,
)
from tests.conftest import POPULATION_WORKBOOK

AREAS = AreasConfig.model_validate(
    {
        "forces": [
            {
                "id": "test-force",
                "name": "Test",
                "pfa_code": "E23000099",
                "csps": [
                    {
                        "id": "north",
                        "code": "E22000901",
                        "name": "North",
                        "ons_name": "North",
                        "districts": [
                            {"code": "E07000901", "name": "A", "population": {2022: 10, 2023: 11}},
                            {"code": "E07000902", "name": "B", "population": {2022: 20, 2023: 21}},
                        ],
                    },
                    {
                        "id": "south",
                        "code": "E22000902",
                        "name": "South Display",
                        "ons_name": "South",
                        "districts": [
                            {"code": "E06000903", "name": "C", "population": {2022: 5, 2023: 7}}
                        ],
                    },
                ],
            }
        ]
    }
)

NOTES = [
    ["MYE4: Population estimates: Summary for England and Wales, mid-2022 to mid-2023"]
    + [None] * 4,
    ["This worksheet contains one table."] + [None] * 4,
    [None] * 5,
]
HEADER = ["Code", "Name", "Geography", "Mid-2023", "Mid-2022"]
BODY = [
    ["K04000001", "ENGLAND AND WALES", "Country", 1000, 990],
    ["E07000901", "A", "Non-metropolitan District", 1100, 1000],
    ["E07000902", "B", "Non-metropolitan District", 2100, 2000],
    ["E06000903", "C", "Unitary Authority", 700, 500],
]


def write_xlsx(path, rows, sheet="MYE4"):
    book = openpyxl.Workbook()
    book.active.title = "Cover sheet"
    book.active.append(["Mid-year population estimates"])
    sheet_ = book.create_sheet(sheet)
    for row in rows:
        sheet_.append(row)
    book.save(path)
    return path


def test_sums_districts_into_csps_with_header_found_by_content(tmp_path):
    # Three note rows here, seven in the real workbook: the header is located, not assumed.
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + [HEADER] + BODY)
    frame = read_population_workbook(path, AREAS)
    assert list(frame.columns) == POPULATION_SCHEMA.names
    got = {(r.csp_code, r.year): r.population for r in frame.itertuples()}
    assert got == {
        ("E22000901", 2022): 3000,
        ("E22000901", 2023): 3200,
        ("E22000902", 2022): 500,
        ("E22000902", 2023): 700,
    }
    assert set(frame["csp_name"]) == {"North", "South Display"}
    assert set(frame["source"]) == {"ONS MYE4: mye.xlsx"}
    pa.Table.from_pandas(frame, schema=POPULATION_SCHEMA, preserve_index=False)


def test_reads_ods(tmp_path):
    path = tmp_path / "mye.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame(NOTES + [HEADER] + BODY).to_excel(
            writer, sheet_name="MYE4", header=False, index=False
        )
    frame = read_population_workbook(path, AREAS)
    assert (
        frame.set_index(["csp_code", "year"])["population"].to_dict()[("E22000901", 2023)] == 3200
    )


def test_missing_district_names_file_sheet_and_code(tmp_path):
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + [HEADER] + BODY[:3])
    with pytest.raises(InputFileError, match=r"mye\.xlsx: sheet MYE4: district E06000903"):
        read_population_workbook(path, AREAS)


def test_missing_sheet_lists_the_sheets(tmp_path):
    path = write_xlsx(tmp_path / "mye.xlsx", [HEADER] + BODY, sheet="MYE5")
    with pytest.raises(
        InputFileError, match=r"sheet 'MYE4' not found \(sheets: Cover sheet, MYE5\)"
    ):
        read_population_workbook(path, AREAS)


def test_no_header_row(tmp_path):
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + BODY)
    with pytest.raises(InputFileError, match=r"no header row with 'Code', 'Name' and 'Mid-YYYY'"):
        read_population_workbook(path, AREAS)


def test_non_numeric_population_names_the_row(tmp_path):
    body = [row[:] for row in BODY]
    body[2][4] = "x"  # district B, mid-2022, on spreadsheet row 4 + 3 = 7
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + [HEADER] + body)
    with pytest.raises(InputFileError, match=r"line 7: sheet MYE4: district E07000902 .* mid-2022"):
        read_population_workbook(path, AREAS)


@pytest.mark.parametrize("value", [0, -5])
def test_a_population_of_zero_or_less_is_impossible(tmp_path, value):
    body = [row[:] for row in BODY]
    body[2][4] = value
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + [HEADER] + body)
    with pytest.raises(
        InputFileError,
        match=rf"line 7: sheet MYE4: district E07000902 has a population of {value}, which is impossible",
    ):
        read_population_workbook(path, AREAS)


def test_duplicate_area_code(tmp_path):
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + [HEADER] + BODY + [BODY[1]])
    with pytest.raises(
        InputFileError, match=r"line 9: sheet MYE4: area code E07000901 appears twice"
    ):
        read_population_workbook(path, AREAS)


def test_unsupported_and_missing_files(tmp_path):
    with pytest.raises(InputFileError, match=r"unsupported population workbook type '\.csv'"):
        read_population_workbook(tmp_path / "mye.csv", AREAS)
    with pytest.raises(InputFileError, match="population workbook not found"):
        read_population_workbook(tmp_path / "absent.xlsx", AREAS)
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputFileError, match=r"cannot open as a \.xlsx workbook"):
        read_population_workbook(tmp_path / "broken.xlsx", AREAS)


def test_population_from_config_sums_districts():
    frame = population_from_config(AREAS)
    assert list(frame.columns) == POPULATION_SCHEMA.names
    got = {(r.csp_code, r.year): r.population for r in frame.itertuples()}
    assert got == {
        ("E22000901", 2022): 30,
        ("E22000901", 2023): 32,
        ("E22000902", 2022): 5,
        ("E22000902", 2023): 7,
    }
    assert set(frame["source"]) == {"config"}


def test_config_discrepancies_reports_each_difference(tmp_path):
    path = write_xlsx(tmp_path / "mye.xlsx", NOTES + [HEADER] + BODY)
    problems = config_discrepancies(path, AREAS)
    assert len(problems) == 6  # every district-year differs from the toy config
    assert "E07000901 A mid-2022: config 10, workbook 1,000" in problems


# --------------------------------------------------------------------------- real workbook


@pytest.mark.realdata
def test_real_workbook_mid_2023_csp_populations(shared_data):
    frame = read_population_workbook(POPULATION_WORKBOOK, load_areas().restrict(["west-mercia"]))
    mid_2023 = frame[frame["year"] == 2023].set_index("csp_name")["population"].to_dict()
    # ONS MYE4, mid-2023 (SOURCES.md); the two-tier CSPs are sums of their districts.
    assert mid_2023["Herefordshire"] == 189_890
    assert mid_2023["Shropshire"] == 329_260
    assert mid_2023["Telford and Wrekin"] == 191_915
    assert mid_2023["North Worcestershire"] == 100_679 + 87_059 + 103_253
    assert mid_2023["South Worcestershire"] == 81_822 + 105_143 + 136_229
    assert sorted(frame["year"].unique()) == list(range(2011, 2024))
    assert len(frame) == 5 * 13


@pytest.mark.realdata
def test_real_workbook_layout(shared_data):
    districts = read_district_populations(POPULATION_WORKBOOK)
    england_wales = districts[(districts["code"] == "K04000001") & (districts["year"] == 2023)]
    assert england_wales["population"].iloc[0] == 60_854_727
    assert england_wales["sheet_row"].iloc[0] == 9  # header on spreadsheet row 8


@pytest.mark.realdata
def test_config_populations_agree_with_workbook_for_every_district_and_year(shared_data):
    areas = load_areas().restrict(["west-mercia"])
    assert config_discrepancies(POPULATION_WORKBOOK, areas) == []
    from_config = population_from_config(areas).drop(columns="source")
    from_workbook = read_population_workbook(POPULATION_WORKBOOK, areas).drop(columns="source")
    pd.testing.assert_frame_equal(from_config, from_workbook)
