"""Partner indicators (long CSV), local police extracts, and config/sources.yaml."""

from __future__ import annotations

import textwrap

import pandas as pd
import pyarrow as pa
import pytest

from csp_analysis.core.exceptions import ConfigError, InputFileError
from csp_analysis.core.schema import CRIMES_SCHEMA, INDICATORS_SCHEMA
from csp_analysis.io.indicators import (
    REJECT_CRIME_TYPE,
    REJECT_DIRECTION,
    REJECT_DUPLICATE,
    REJECT_FLAG,
    REJECT_LSOA,
    REJECT_MISSING,
    REJECT_MONTH,
    REJECT_OFFENCE_CODE,
    REJECT_PERIOD,
    REJECT_PERIOD_MISMATCH,
    REJECT_PERIOD_TYPE,
    REJECT_SEX,
    REJECT_SUBGROUP,
    REJECT_TARGET,
    REJECT_UNCLASSIFIED,
    REJECT_VALUE,
    SOURCES_CONFIG,
    LocalExtractMapping,
    SourcesConfig,
    load_sources,
    period_start,
    read_indicators,
    read_local_extract,
)

# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period_type", "period", "expected"),
    [
        ("month", "2024-05", "2024-05-01"),
        ("month", "2024-12", "2024-12-01"),
        ("quarter", "2024/25 Q1", "2024-04-01"),
        ("quarter", "2024/25 Q3", "2024-10-01"),
        ("quarter", "2024-25 q4", "2025-01-01"),
        ("financial_year", "2024/25", "2024-04-01"),
        ("financial_year", "1999/00", "1999-04-01"),
    ],
)
def test_period_start(period_type, period, expected):
    assert period_start(period_type, period) == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("period_type", "period"),
    [
        ("month", "2024-13"),
        ("month", "2024/25"),
        ("quarter", "2024/26 Q1"),
        ("quarter", "2024/25 Q5"),
        ("financial_year", "2024/26"),
        ("week", "2024-05"),
    ],
)
def test_bad_periods(period_type, period):
    assert period_start(period_type, period) is None


# --------------------------------------------------------------------------- indicators

INDICATOR_HEADER = (
    "area_code,area_name,period_type,period,period_start,indicator,value,unit,target,direction"
)


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_indicators_load_with_period_starts(tmp_path):
    path = write(
        tmp_path / "ind.csv",
        f"""
        {INDICATOR_HEADER}
        E22000326,Herefordshire,month,2024-05,,ASB reports to council,123,count,,lower
        E22000326,Herefordshire,quarter,2024/25 Q4,2025-01-01,Deliberate fires,4.5,count,5,lower
        E22000326,Herefordshire,financial_year,2024/25,,Proven reoffending,"1,234",rate,,higher
        E22000360,Shropshire,month,,2024-06-01,ASB reports to council,80,count,,
        """,
    )
    result = read_indicators(path)
    frame = result.frame
    assert list(frame.columns) == INDICATORS_SCHEMA.names
    assert (result.rows_read, result.rows_loaded) == (4, 4)
    assert list(frame["period_start"]) == list(
        pd.to_datetime(["2024-05-01", "2025-01-01", "2024-04-01", "2024-06-01"])
    )
    assert list(frame["value"]) == [123.0, 4.5, 1234.0, 80.0]
    assert frame["target"].iloc[1] == 5.0 and pd.isna(frame["target"].iloc[0])
    assert list(frame["direction"].fillna("-")) == ["lower", "lower", "higher", "-"]
    assert set(frame["source_file"]) == {"ind.csv"}
    pa.Table.from_pandas(frame, schema=INDICATORS_SCHEMA, preserve_index=False)


def test_indicator_bad_rows_are_counted(tmp_path):
    path = write(
        tmp_path / "ind.csv",
        f"""
        {INDICATOR_HEADER}
        E1,A,month,2024-05,,x,1,count,,
        E1,A,week,2024-05,,x,1,count,,
        E1,A,month,2024-13,,x,1,count,,
        E1,A,quarter,2024/25 Q4,2024-10-01,x,1,count,,
        E1,A,month,,2024-06-15,x,1,count,,
        E1,A,month,2024-07,,x,abc,count,,
        E1,A,month,2024-08,,x,,count,,
        E1,A,month,2024-09,,x,1,count,lots,
        E1,A,month,2024-10,,x,1,count,,sideways
        ,A,month,2024-11,,x,1,count,,
        E1,A,month,2024-05,,x,2,count,,
        E1,A,month,,,x,2,count,,
        """,
    )
    result = read_indicators(path)
    assert result.rows_loaded == 1
    assert dict(result.rejections.counts) == {
        REJECT_PERIOD_TYPE: 1,
        REJECT_PERIOD: 2,
        REJECT_PERIOD_MISMATCH: 2,
        REJECT_VALUE: 2,
        REJECT_TARGET: 1,
        REJECT_DIRECTION: 1,
        REJECT_MISSING: 1,
        REJECT_DUPLICATE: 1,
    }
    report = result.rejections.to_dict()
    assert report[REJECT_PERIOD_TYPE]["examples"] == [{"where": "ind.csv:3", "detail": "'week'"}]
    assert [e["where"] for e in report[REJECT_PERIOD_MISMATCH]["examples"]] == [
        "ind.csv:5",
        "ind.csv:6",
    ]
    assert report[REJECT_DUPLICATE]["examples"][0]["where"] == "ind.csv:12"
    result.check_invariant()


def test_bad_row_does_not_shadow_a_later_good_row(tmp_path):
    path = write(
        tmp_path / "ind.csv",
        f"""
        {INDICATOR_HEADER}
        E1,A,month,2024-05,,x,oops,count,,
        E1,A,month,2024-05,,x,3,count,,
        """,
    )
    result = read_indicators(path)
    assert result.rows_loaded == 1 and result.frame["value"].iloc[0] == 3.0
    assert dict(result.rejections.counts) == {REJECT_VALUE: 1}


def test_indicator_missing_columns(tmp_path):
    path = write(tmp_path / "ind.csv", "area_code,area_name,period_type,indicator,value,unit\n")
    with pytest.raises(InputFileError, match=r"ind\.csv, line 1: missing required column\(s\) "
                                             r"period or period_start"):  # fmt: skip
        read_indicators(path)
    path = write(tmp_path / "ind2.csv", "area_code,period_type,period,indicator,value\n")
    with pytest.raises(InputFileError, match=r"missing required column\(s\) area_name, unit"):
        read_indicators(path)
    with pytest.raises(InputFileError, match="file not found"):
        read_indicators(tmp_path / "absent.csv")


# --------------------------------------------------------------------------- local extract

DEMO_HEADER = (
    "CrimeRef,RecordedMonth,LSOA,HOOffenceCode,HOOffenceSubgroup,PoliceUKCategory,"
    "DomesticAbuse,HateFlag,AlcoholFlag,VictimSex,Outcome"
)
LOCAL_COLUMNS = [
    "crime_id",
    "month",
    "lsoa_code",
    "crime_type",
    "offence_code",
    "offence_subgroup",
    "outcome",
    "domestic_abuse",
    "hate",
    "alcohol",
    "victim_sex",
    "source_file",
    "source_row",
]


def test_local_extract_default_mapping_matches_demo_header(tmp_path):
    path = write(
        tmp_path / "local.csv",
        f"""
        {DEMO_HEADER}
        WM1,2024-05,E01013950,8N,Violence with injury,Violence and sexual offences,Y,N,N,F,Under investigation
        WM2,2024-06,,105A,,,N,N,Y,M,
        WM3,2024-06,E01013950,,,Anti-social behaviour,N,N,N,U,
        WM4,2024-07,E01013950,58A,,,Yes,No,1,Female,
        WM5,2024-07,E01013950,46,,,true,false,0,Male,
        WM6,2024-07,E01013950,46,,,,,,,
        """,
    )
    result = read_local_extract(path)
    frame = result.frame
    assert list(frame.columns) == LOCAL_COLUMNS
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (6, 6, 0)
    assert list(frame["month"]) == list(
        pd.to_datetime(["2024-05-01", "2024-06-01", "2024-06-01"] + ["2024-07-01"] * 3)
    )
    # crime type and subgroup derived from the offence code when absent
    assert list(frame["crime_type"]) == [
        "Violence and sexual offences",
        "Violence and sexual offences",
        "Anti-social behaviour",
        "Criminal damage and arson",
        "Shoplifting",
        "Shoplifting",
    ]
    assert frame["offence_subgroup"].iloc[1] == "Violence without injury"
    assert pd.isna(frame["offence_subgroup"].iloc[2]) and pd.isna(frame["offence_code"].iloc[2])
    assert list(frame["domestic_abuse"].astype(object)) == [True, False, False, True, True, pd.NA]
    assert list(frame["alcohol"].astype(object)) == [False, True, False, True, False, pd.NA]
    assert list(frame["victim_sex"].astype(object)) == ["F", "M", pd.NA, "F", "M", pd.NA]
    assert pd.isna(frame["lsoa_code"].iloc[1])  # kept: ingest counts it as "no location"
    assert list(frame["source_row"]) == [2, 3, 4, 5, 6, 7]
    assert set(frame["source_file"]) == {"local.csv"}
    # The columns it shares with the crimes table convert to the processed types.
    shared = CRIMES_SCHEMA.names
    schema = pa.schema([f for f in CRIMES_SCHEMA if f.name in LOCAL_COLUMNS])
    table = pa.Table.from_pandas(
        frame[[c for c in shared if c in LOCAL_COLUMNS]], schema=schema, preserve_index=False
    )
    assert table.column("domestic_abuse").null_count == 1


def test_local_extract_bad_rows_are_counted(tmp_path):
    path = write(
        tmp_path / "local.csv",
        f"""
        {DEMO_HEADER}
        A1,2024-05,E01013950,8N,,,Y,N,N,F,
        A2,May 2024,E01013950,8N,,,Y,N,N,F,
        A3,2024-05,E01013950,ZZZ,,,Y,N,N,F,
        A4,2024-05,E01013950,,,,Y,N,N,F,
        A5,2024-05,E01013950,,,Burglarly,Y,N,N,F,
        A6,2024-05,E01013950,8N,Assaults,,Y,N,N,F,
        A7,2024-05,E01013950,8N,,,maybe,N,N,F,
        A8,2024-05,E01013950,8N,,,Y,N,N,X,
        A9,2024-05,NOTANLSOA,8N,,,Y,N,N,F,
        """,
    )
    result = read_local_extract(path)
    assert result.rows_loaded == 1
    assert dict(result.rejections.counts) == {
        REJECT_MONTH: 1,
        REJECT_OFFENCE_CODE: 1,
        REJECT_UNCLASSIFIED: 1,
        REJECT_CRIME_TYPE: 1,
        REJECT_SUBGROUP: 1,
        REJECT_FLAG: 1,
        REJECT_SEX: 1,
        REJECT_LSOA: 1,
    }
    report = result.rejections.to_dict()
    assert report[REJECT_MONTH]["examples"] == [{"where": "local.csv:3", "detail": "'May 2024'"}]
    assert report[REJECT_SEX]["examples"][0]["where"] == "local.csv:9"
    result.check_invariant()


def test_crime_type_conflicting_with_offence_code_is_kept_and_noted(tmp_path):
    path = write(
        tmp_path / "local.csv",
        f"""
        {DEMO_HEADER}
        A1,2024-05,E01013950,46,,Burglary,N,N,N,F,
        """,
    )
    result = read_local_extract(path)
    assert result.frame["crime_type"].iloc[0] == "Burglary"
    assert any("1 row(s) whose crime type differs" in note for note in result.notes)


def test_custom_mapping_with_absent_fields(tmp_path):
    path = write(
        tmp_path / "force.csv",
        """
        Ref,Month Recorded,LSOA Code,Offence
        X1,01/05/2024,W01000001,8N
        X2,2024-06-30,E01013950,46
        """,
    )
    mapping = {
        "columns": {
            "crime_id": "Ref",
            "month": "Month Recorded",
            "lsoa_code": "LSOA Code",
            "offence_code": "Offence",
            "offence_subgroup": None,
            "crime_type": None,
            "domestic_abuse": None,
            "hate": None,
            "alcohol": None,
            "victim_sex": None,
            "outcome": None,
        }
    }
    result = read_local_extract(path, mapping)
    frame = result.frame
    assert list(frame["month"]) == list(pd.to_datetime(["2024-05-01", "2024-06-01"]))
    assert list(frame["crime_type"]) == ["Violence and sexual offences", "Shoplifting"]
    assert list(frame["offence_subgroup"]) == ["Violence with injury", "Shoplifting"]
    assert frame["domestic_abuse"].isna().all() and frame["victim_sex"].isna().all()
    assert any("no column for" in note and "domestic_abuse" in note for note in result.notes)


def test_mapped_column_missing_from_file(tmp_path):
    path = write(tmp_path / "local.csv", "CrimeRef,RecordedMonth,LSOA\nA,2024-05,E01013950\n")
    with pytest.raises(InputFileError, match=r"local\.csv, line 1: missing column\(s\) "
                                             r"'HOOffenceCode' \(for offence_code\)"):  # fmt: skip
        read_local_extract(path)


def test_mapping_validation_errors():
    with pytest.raises(ConfigError, match=r"columns\.offense_code: unknown key"):
        read_local_extract("unused.csv", {"columns": {"offense_code": "X"}})
    with pytest.raises(ConfigError, match="needs a crime_type or an offence_code column"):
        read_local_extract("unused.csv", {"columns": {"crime_type": None, "offence_code": None}})
    with pytest.raises(ConfigError, match="mapped to two fields: LSOA"):
        read_local_extract("unused.csv", {"columns": {"crime_id": "LSOA"}})
    with pytest.raises(ConfigError, match="unsupported type"):
        read_local_extract("unused.csv", ["LSOA"])
    # A validated model is used as given.
    assert LocalExtractMapping().columns.month == "RecordedMonth"


def test_shipped_sources_config_is_the_default():
    assert load_sources(SOURCES_CONFIG) == SourcesConfig()


def test_sources_config_unknown_key_is_a_config_error(tmp_path):
    path = write(
        tmp_path / "sources.yaml",
        """
        local_extract:
          colums:
            month: M
        """,
    )
    with pytest.raises(ConfigError, match=r"sources\.yaml: local_extract\.colums: unknown key"):
        load_sources(path)


def test_extract_in_another_encoding(tmp_path):
    path = tmp_path / "local.csv"
    path.write_bytes(
        (DEMO_HEADER + "\nA1,2024-05,E01013950,8N,,,Y,N,N,F,Résolu\n").encode("cp1252")
    )
    with pytest.raises(InputFileError, match="not utf-8 text .* set the encoding"):
        read_local_extract(path)
    with pytest.raises(ConfigError, match="encoding: unknown text encoding 'latin-99'"):
        read_local_extract(path, {"encoding": "latin-99"})
    result = read_local_extract(path, {"encoding": "cp1252"})
    assert result.frame["outcome"].iloc[0] == "Résolu"


def test_impossible_values_are_rejected_at_their_line(tmp_path):
    path = write(
        tmp_path / "ind.csv",
        f"""
        {INDICATOR_HEADER}
        E22000326,Herefordshire,quarter,2024/25 Q1,,Deliberate fires,-3,count,5,lower
        E22000326,Herefordshire,quarter,2024/25 Q2,,Deliberate fires,inf,count,5,lower
        E22000326,Herefordshire,quarter,2024/25 Q3,,Deliberate fires,1e400,count,5,lower
        E22000326,Herefordshire,quarter,2024/25 Q4,,Repeat referrals,120,percent,35,lower
        E22000326,Herefordshire,quarter,2024/25 Q4,,Deliberate fires,7,count,-1,lower
        E22000326,Herefordshire,quarter,2023/24 Q4,,Net change,-3,rate,,lower
        """,
    )
    result = read_indicators(path)
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (6, 1, 5)
    rejected = result.rejections.to_dict()["impossible value"]
    assert rejected["rows"] == 5
    assert [e["where"] for e in rejected["examples"]] == [f"ind.csv:{n}" for n in (2, 3, 4, 5, 6)]
    assert result.frame["value"].tolist() == [-3.0]  # a negative rate is possible
