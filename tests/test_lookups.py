"""LSOA -> LAD -> CSP assignment through the ONS lookups."""

from __future__ import annotations

import csv

import pyarrow as pa
import pytest

from csp_analysis.core.exceptions import ConfigError, InputFileError
from csp_analysis.core.registry import load_areas
from csp_analysis.core.schema import (
    UNASSIGNED_LSOA11_NO_LOOKUP,
    UNASSIGNED_LSOA_NOT_IN_LOOKUP,
    UNASSIGNED_NO_LOCATION,
    UNASSIGNED_OUTSIDE_AREAS,
)
from csp_analysis.io.lookups import (
    Assigner,
    check_csp_lookup,
    is_retired_2011_code,
    read_csp_lookup,
    read_lsoa11_lookup,
    read_lsoa_lookup,
)
from tests.conftest import CSP_LOOKUP, LSOA_LOOKUP

LSOA21_HEADER = (
    "LSOA21CD,LSOA21NM,LSOA21NMW,WD23CD,WD23NM,WD23NMW,LAD23CD,LAD23NM,LAD23NMW,ObjectId"
)
CSP_HEADER = "LAD23CD,LAD23NM,CSP23CD,CSP23NM,PFA23CD,PFA23NM,ObjectId"


def lsoa21_file(tmp_path, rows, header=LSOA21_HEADER, name="lsoa21.csv"):
    path = tmp_path / name
    lines = [header] + [
        f"{code},{lsoa_name},,E05000001,Ward,,{lad},District,,{i}"
        for i, (code, lsoa_name, lad) in enumerate(rows, start=1)
    ]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


SMALL = [
    ("E01014001", "Herefordshire 001A", "E06000019"),  # Herefordshire CSP
    ("E01013999", "Worcester 001A", "E07000237"),  # South Worcestershire CSP
    ("E01009160", "Birmingham 125E", "E08000025"),  # Birmingham: outside West Mercia
    ("E01035000", "Telford 020F", "E06000020"),  # a 2021-only code
]


@pytest.fixture()
def small_lookup(tmp_path):
    return read_lsoa_lookup(lsoa21_file(tmp_path, SMALL))


@pytest.fixture(scope="module")
def areas():
    return load_areas().restrict(["west-mercia"])


def test_read_lsoa_lookup_with_bom(small_lookup):
    assert small_lookup.lad_of["E01014001"] == "E06000019"
    assert small_lookup.name_of["E01009160"] == "Birmingham 125E"
    assert small_lookup.lad_name_of["E06000019"] == "District"


def test_lsoa_lookup_missing_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("LSOA21CD,LAD23CD\nE01014001,E06000019\n")
    with pytest.raises(
        InputFileError,
        match=r"bad.csv, line 1: LSOA21 lookup lacks column\(s\) "
        "LSOA21NM",
    ):
        read_lsoa_lookup(path)
    path.write_text("LSOA21CD,LSOA21NM,WD23CD\nE01014001,x,E05000001\n")
    with pytest.raises(InputFileError, match="no local authority district code column"):
        read_lsoa_lookup(path)


def test_lsoa_lookup_conflicting_duplicate(tmp_path):
    path = lsoa21_file(tmp_path, SMALL + [("E01014001", "Herefordshire 001A", "E06000020")])
    with pytest.raises(
        InputFileError,
        match=r"line 6: LSOA E01014001 is listed twice, in "
        "E06000019 and in E06000020",
    ):
        read_lsoa_lookup(path)


def test_lsoa_lookup_empty_or_missing(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputFileError, match="LSOA21 lookup is empty"):
        read_lsoa_lookup(empty)
    with pytest.raises(InputFileError, match="LSOA21 lookup not found"):
        read_lsoa_lookup(tmp_path / "absent.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text(LSOA21_HEADER + "\n")
    with pytest.raises(InputFileError, match="has a header but no rows"):
        read_lsoa_lookup(header_only)


def test_retired_2011_code_range():
    assert is_retired_2011_code("E01033768")
    assert not is_retired_2011_code("E01033769")  # first code created in 2021
    assert is_retired_2011_code("W01001958")
    assert not is_retired_2011_code("W01001959")
    assert not is_retired_2011_code("E01900001")  # synthetic demo codes
    assert not is_retired_2011_code("rubbish")


def test_assigner_every_reason(small_lookup, areas):
    assigner = Assigner(small_lookup, areas)
    codes = pa.array(
        ["E01014001", "E01013999", None, "", "E01009160", "E01035000", "E01000001", "E01999999"]
    )
    result = assigner.assign(codes)
    assert result.csp_code.to_pylist() == [
        "E22000326", "E22000332", None, None, None, "E22000333", None, None
    ]  # fmt: skip
    assert result.csp_name.to_pylist()[:2] == ["Herefordshire", "South Worcestershire"]
    assert result.lad_code.to_pylist() == [
        "E06000019", "E07000237", None, None, "E08000025", "E06000020", None, None
    ]  # fmt: skip
    assert result.unassigned_reason.to_pylist() == [
        None,
        None,
        UNASSIGNED_NO_LOCATION,
        UNASSIGNED_NO_LOCATION,
        UNASSIGNED_OUTSIDE_AREAS,
        None,
        UNASSIGNED_LSOA11_NO_LOOKUP,  # in the 2011 range, not in the 2021 lookup
        UNASSIGNED_LSOA_NOT_IN_LOOKUP,
    ]
    assert result.lsoa_name.to_pylist()[0] == "Herefordshire 001A"


def test_assigner_on_dictionary_column_and_repeated_calls(small_lookup, areas):
    assigner = Assigner(small_lookup, areas)
    codes = pa.array(["E01014001", None, "E01014001", "E01009160"]).dictionary_encode()
    first = assigner.assign(codes)
    second = assigner.assign(pa.chunked_array([codes]))
    assert first.csp_code.to_pylist() == second.csp_code.to_pylist()
    assert first.csp_code.to_pylist() == ["E22000326", None, "E22000326", None]
    assert first.entry_index.tolist() == [0, 2, 0, 1]


def test_lsoa11_lookup_with_lad_column(tmp_path, small_lookup, areas):
    path = tmp_path / "lsoa11.csv"
    path.write_text(
        "LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD,LAD22NM\n"
        "E01000001,Old 001A,E01035000,New 001A,S,E06000051,Shropshire\n"
        "E01000001,Old 001A,E01035001,New 001B,S,E06000051,Shropshire\n"
    )
    assigner = Assigner(small_lookup, areas, read_lsoa11_lookup(path, small_lookup))
    result = assigner.assign(pa.array(["E01000001", "E01000002"]))
    assert result.csp_code.to_pylist() == ["E22000360", None]
    assert result.unassigned_reason.to_pylist() == [None, UNASSIGNED_LSOA_NOT_IN_LOOKUP]


def test_lsoa11_lookup_through_lsoa21(tmp_path, small_lookup, areas):
    path = tmp_path / "lsoa11.csv"
    path.write_text("LSOA11CD,LSOA21CD\nE01000001,E01035000\n")
    lad11 = read_lsoa11_lookup(path, small_lookup)
    assert lad11 == {"E01000001": "E06000020"}
    path.write_text("LSOA11CD,LSOA21CD\nE01000001,E01099999\n")
    with pytest.raises(InputFileError, match="line 2: LSOA21CD E01099999 is not in the LSOA21"):
        read_lsoa11_lookup(path, small_lookup)
    path.write_text("LSOA11CD,LSOA11NM\nE01000001,x\n")
    with pytest.raises(InputFileError, match="needs LSOA11CD with a LADyyCD or an LSOA21CD"):
        read_lsoa11_lookup(path, small_lookup)


def csp_file(tmp_path, rows):
    path = tmp_path / "csp.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSP_HEADER.split(","))
        writer.writerows([*r, i] for i, r in enumerate(rows))
    return path


WEST_MERCIA_CSP_ROWS = [
    ("E06000019", "Herefordshire, County of", "E22000326", "Herefordshire", "E23000016", "WM"),
    ("E06000051", "Shropshire", "E22000360", "Shropshire", "E23000016", "WM"),
    ("E06000020", "Telford and Wrekin", "E22000333", "Telford and Wrekin", "E23000016", "WM"),
    ("E07000234", "Bromsgrove", "E22000368", "North Worcestershire", "E23000016", "WM"),
    ("E07000236", "Redditch", "E22000368", "North Worcestershire", "E23000016", "WM"),
    ("E07000239", "Wyre Forest", "E22000368", "North Worcestershire", "E23000016", "WM"),
    ("E07000235", "Malvern Hills", "E22000332", "South Worcester", "E23000016", "WM"),
    ("E07000237", "Worcester", "E22000332", "South Worcester", "E23000016", "WM"),
    ("E07000238", "Wychavon", "E22000332", "South Worcester", "E23000016", "WM"),
]


def test_csp_lookup_agreeing_with_config(tmp_path, areas):
    rows = WEST_MERCIA_CSP_ROWS + [
        ("E06000058", "BCP", "E22000063", "Bournemouth", "E23000039", "Dorset"),
        ("E06000058", "BCP", "E22000067", "Poole", "E23000039", "Dorset"),
    ]
    lookup = read_csp_lookup(csp_file(tmp_path, rows))
    assert len(lookup["E06000058"]) == 2  # a district in two CSPs is allowed outside config
    check_csp_lookup(lookup, areas, "csp.csv")


def test_csp_lookup_disagreeing_with_config(tmp_path, areas):
    moved = [list(r) for r in WEST_MERCIA_CSP_ROWS]
    moved[7][2] = "E22000368"  # Worcester put in North Worcestershire
    lookup = read_csp_lookup(csp_file(tmp_path, [tuple(r) for r in moved]))
    with pytest.raises(
        ConfigError,
        match=r"south-worcestershire.districts.E07000237: in partnership "
        r"E22000332 \(South Worcestershire\) but csp.csv puts it in "
        r"E22000368",
    ):
        check_csp_lookup(lookup, areas, "csp.csv")


def test_csp_lookup_missing_or_extra_district(tmp_path, areas):
    lookup = read_csp_lookup(csp_file(tmp_path, WEST_MERCIA_CSP_ROWS[1:]))
    with pytest.raises(ConfigError, match="E06000019: district is not in the CSP lookup"):
        check_csp_lookup(lookup, areas, "csp.csv")
    extra = WEST_MERCIA_CSP_ROWS + [
        ("E07000999", "Elsewhere", "E22000326", "Herefordshire", "E23000016", "WM")
    ]
    lookup = read_csp_lookup(csp_file(tmp_path, extra))
    with pytest.raises(ConfigError, match="also puts E07000999 in E22000326"):
        check_csp_lookup(lookup, areas, "csp.csv")


def test_csp_lookup_bad_file(tmp_path):
    path = tmp_path / "csp.csv"
    path.write_text("LAD23CD,LAD23NM\nE06000019,x\n")
    with pytest.raises(InputFileError, match="line 1: LAD-CSP-PFA lookup has no CSPyyCD column"):
        read_csp_lookup(path)
    rows = WEST_MERCIA_CSP_ROWS + [WEST_MERCIA_CSP_ROWS[0]]
    with pytest.raises(InputFileError, match="line 11: district E06000019 is listed twice"):
        read_csp_lookup(csp_file(tmp_path, rows))


@pytest.mark.realdata
def test_real_lookups(shared_data, areas):
    lookup = read_lsoa_lookup(LSOA_LOOKUP)
    assert len(lookup.lad_of) == 35_672  # every 2021 LSOA in England and Wales
    assert lookup.lad_of["E01011951"] == "E06000001"  # Hartlepool 007A, the first row
    csp_lookup = read_csp_lookup(CSP_LOOKUP)
    assert sum(len(rows) for rows in csp_lookup.values()) == 332
    assert len({r.csp_code for rows in csp_lookup.values() for r in rows}) == 314
    check_csp_lookup(csp_lookup, areas, CSP_LOOKUP)  # config/areas.yaml agrees with ONS
    in_west_mercia = [code for code, lad in lookup.lad_of.items() if lad in areas.lad_to_csp()]
    result = Assigner(lookup, areas).assign(pa.array(in_west_mercia))
    assert result.unassigned_reason.null_count == len(in_west_mercia)
