"""police.uk street-level reader: formats, every bad-input case, and the real files."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csp_analysis.core.exceptions import IngestError, InputFileError
from csp_analysis.core.schema import POLICE_UK_CRIME_TYPES
from csp_analysis.io.police_uk import (
    REJECT_BAD_MONTH,
    REJECT_DUPLICATE,
    REJECT_FIELD_COUNT,
    REJECT_MONTH_MISMATCH,
    REJECT_NOT_UTF8,
    REJECT_UNBALANCED_QUOTE,
    REJECT_UNKNOWN_CRIME_TYPE,
    STREET_HEADER,
    StreetReader,
    discover_street_files,
    force_slug,
    load_street_files,
    read_street_file,
)
from tests.conftest import WEST_MERCIA_DIR, WEST_YORKSHIRE_FILE

HEADER = ",".join(STREET_HEADER)
CRIME_ID = "a" * 64


def row(
    month="2025-01",
    crime_id=CRIME_ID,
    lsoa="E01014001",
    lsoa_name="Herefordshire 001A",
    crime_type="Burglary",
    outcome="Under investigation",
    location="On or near High Street",
):
    lon, lat = ("-2.7", "52.05") if lsoa else ("", "")
    return (
        f"{crime_id},{month},West Mercia Police,West Mercia Police,{lon},{lat},"
        f"{location},{lsoa},{lsoa_name},{crime_type},{outcome},"
    )


def write(path, lines, newline="\n", bom=False, encoding="utf-8"):
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def street(tmp_path, lines, name="2025-01-west-mercia-street.csv", **kwargs):
    return write(tmp_path / name, [HEADER, *lines], **kwargs)


def load(path, **kwargs):
    result, duplicates = load_street_files([path], workers=1, **kwargs)
    return result, duplicates


def examples(result, reason):
    return [e["where"] for e in result.rejections.to_dict()[reason]["examples"]]


# --------------------------------------------------------------------------- good files


def test_clean_file_loads_every_row_with_physical_lines(tmp_path):
    path = street(tmp_path, [row(), row(crime_type="Drugs"), row(lsoa="", lsoa_name="")])
    result, _ = load(path)
    frame = result.frame
    assert result.rows_read == 3 and result.rows_loaded == 3 and result.rejections.total == 0
    assert frame["source_row"].tolist() == [2, 3, 4]
    assert frame["month"].tolist() == [date(2025, 1, 1)] * 3
    assert frame["force"].astype(str).tolist() == ["west-mercia"] * 3
    assert frame["lsoa_code"].isna().tolist() == [False, False, True]
    assert frame["source_file"].tolist() == ["2025-01-west-mercia-street.csv"] * 3


def test_bom_and_crlf_are_handled(tmp_path):
    path = street(tmp_path, [row(), row()], newline="\r\n", bom=True)
    result, _ = load(path)
    assert result.rows_loaded == 2
    assert result.frame["outcome"].astype(str).tolist() == ["Under investigation"] * 2
    assert result.frame["crime_type"].astype(str).tolist() == ["Burglary"] * 2


def test_old_mac_line_endings_are_lines(tmp_path):
    """CR-only line ends (old Mac files) are read as lines, with the file's own line numbers."""
    path = street(tmp_path, [row(), row(crime_type="Drugs"), row(month="2024-12")], newline="\r")
    result, _ = load(path)
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (3, 2, 1)
    assert result.frame["source_row"].tolist() == [2, 3]
    (reason,) = result.rejections.to_dict()
    assert examples(result, reason) == ["2025-01-west-mercia-street.csv:4"]
    assert any("CR-only" in note for note in result.notes)


def test_a_header_with_spaces_after_the_commas_is_the_same_header(tmp_path):
    path = write(
        tmp_path / "2025-01-west-mercia-street.csv", [", ".join(STREET_HEADER), row(), row()]
    )
    result, _ = load(path)
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert result.frame["crime_type"].astype(str).tolist() == ["Burglary"] * 2


def test_the_same_file_given_twice_or_inside_a_folder_given_is_read_once(tmp_path):
    path = street(tmp_path, [row(), row()])
    result, duplicates = load_street_files([path, path, tmp_path], workers=1)
    assert (result.rows_read, result.rows_loaded) == (2, 2) and duplicates == []
    assert sum("given more than once" in note for note in result.notes) == 2
    # A copy under another name is a duplicate force-month: rejected, counted, never loaded.
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / path.name).write_bytes(path.read_bytes())
    result, duplicates = load_street_files([path, copy], workers=1)
    assert (result.rows_read, result.rows_loaded, result.rejections.total) == (4, 2, 2)
    assert len(duplicates) == 1


def test_asb_has_null_crime_id_and_outcome(tmp_path):
    path = street(tmp_path, [row(crime_id="", crime_type="Anti-social behaviour", outcome="")])
    result, _ = load(path)
    assert result.frame["crime_id"].isna().all()
    assert result.frame["outcome"].isna().all()


def test_no_location_rows_are_kept(tmp_path):
    path = street(tmp_path, [row(lsoa="", lsoa_name="", location="No location"), row()])
    result, _ = load(path)
    assert result.rows_loaded == 2
    assert result.frame["lsoa_code"].isna().sum() == 1


def test_quoted_comma_and_line_break_keep_exact_lines(tmp_path):
    # A quoted line break makes the fast path's row -> line mapping wrong: the careful path
    # must take over and still report physical lines. police.uk never breaks a field across
    # lines, so both lines of the broken record are counted rows, rejected (#13).
    quoted = row(lsoa_name='"Herefordshire, County of 001A"')
    broken = row(location='"On or near\nTwo Lines"')
    path = street(tmp_path, [quoted, broken, row(month="2025-13"), row()])
    result, _ = load(path)
    assert result.frame["lsoa_name"].astype(str).iloc[0] == "Herefordshire, County of 001A"
    assert result.frame["source_row"].tolist() == [2, 6]
    assert result.rows_read == 5 == result.rows_loaded + result.rejections.total
    assert examples(result, REJECT_UNBALANCED_QUOTE) == [
        "2025-01-west-mercia-street.csv:3", "2025-01-west-mercia-street.csv:4"
    ]  # fmt: skip
    assert examples(result, REJECT_BAD_MONTH) == ["2025-01-west-mercia-street.csv:5"]


def test_a_stray_quote_cannot_swallow_rows_uncounted(tmp_path):
    # #13: one opening quote on line 11 of a 400-row file swallowed the other 390 lines into one
    # rejected field ("rows read 10 = loaded 9 + rejected 1"). Every raw line is a row read.
    lines = [row() for _ in range(400)]
    lines[9] = row(location='"On or near High Street')  # line 11, the quote never closes
    result, _ = load(street(tmp_path, lines))
    assert result.rows_read == 400
    assert result.rows_loaded == 9
    assert result.rejections.counts[REJECT_UNBALANCED_QUOTE] == 391
    assert examples(result, REJECT_UNBALANCED_QUOTE)[0] == "2025-01-west-mercia-street.csv:11"


def test_blank_lines_are_not_rows_and_do_not_shift_line_numbers(tmp_path):
    path = street(tmp_path, [row(), "", row(crime_type="Nonsense")])
    result, _ = load(path)
    assert result.rows_read == 2
    assert examples(result, REJECT_UNKNOWN_CRIME_TYPE) == ["2025-01-west-mercia-street.csv:4"]


def test_single_csv_with_other_name_takes_force_from_rows(tmp_path):
    path = write(tmp_path / "my download.csv", [HEADER, row(), row(month="2025-02")])
    result, _ = load(path)
    assert result.frame["force"].astype(str).tolist() == ["west-mercia", "west-mercia"]
    assert sorted(result.frame["month"]) == [date(2025, 1, 1), date(2025, 2, 1)]


def test_force_slug():
    assert force_slug("West Mercia Police") == "west-mercia"
    assert force_slug("Avon and Somerset Constabulary") == "avon-and-somerset"
    assert force_slug("Police Service of Northern Ireland") == "police-service-of-northern-ireland"


def test_folder_tree_and_flat_layouts(tmp_path):
    tree = tmp_path / "tree"
    (tree / "2025-01").mkdir(parents=True)
    (tree / "2025-02").mkdir()
    street(tree / "2025-01", [row()])
    street(tree / "2025-02", [row(month="2025-02")], name="2025-02-west-mercia-street.csv")
    street(tree / "2025-02", [row(month="2025-02")], name="2025-02-west-mercia-outcomes.csv")
    result, _ = load(tree)
    assert result.rows_loaded == 2
    assert "skipped 1 outcomes files" in result.notes
    flat = tmp_path / "flat"
    flat.mkdir()
    street(flat, [row()])
    street(flat, [row(month="2025-02")] * 2, name="2025-02-west-mercia-street.csv")
    assert load(flat)[0].rows_loaded == 3


def build_archive(path, forces=("west-mercia", "west-midlands"), months=("2025-01", "2025-02")):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for month in months:
            for force in forces:
                body = "\n".join([HEADER, row(month=month), row(month=month)]) + "\n"
                archive.writestr(f"{month}/{month}-{force}-street.csv", body)
                archive.writestr(f"{month}/{month}-{force}-outcomes.csv", "Crime ID,Month\n")
                archive.writestr(f"{month}/{month}-{force}-stop-and-search.csv", "Type,Date\n")
    return path


def test_archive_zip_reads_street_files_and_says_what_it_skipped(tmp_path):
    archive = build_archive(tmp_path / "2025-02.zip")
    result, _ = load(archive)
    assert result.rows_loaded == 8
    assert "skipped 4 outcomes files" in result.notes
    assert "skipped 4 stop-and-search files" in result.notes
    assert result.files[0] == "2025-02.zip!2025-01/2025-01-west-mercia-street.csv"


def test_archive_force_filter(tmp_path):
    archive = build_archive(tmp_path / "2025-02.zip")
    result, _ = load(archive, forces=["west-mercia"])
    assert result.rows_loaded == 4
    assert set(result.frame["force"].astype(str)) == {"west-mercia"}
    assert "skipped 2 street files of other forces" in result.notes
    with pytest.raises(IngestError, match="no police.uk street-level files to read for force"):
        discover_street_files([archive], forces=["kent"])


def test_parallel_reader_keeps_file_order(tmp_path):
    for month in range(1, 10):
        name = f"2025-{month:02d}-west-mercia-street.csv"
        street(tmp_path, [row(month=f"2025-{month:02d}")] * month, name=name)
    files = discover_street_files([tmp_path]).files
    batches = list(StreetReader(files, workers=2))
    assert [b.rows_loaded for b in batches] == list(range(1, 10))


# --------------------------------------------------------------------------- bad input


def test_wrong_header_is_an_error_naming_file_and_line(tmp_path):
    path = write(tmp_path / "2025-01-west-mercia-street.csv", ["Crime ID,Month,Type", "x,y,z"])
    with pytest.raises(
        InputFileError,
        match=r"street\.csv, line 1: not a police.uk street-level "
        r"header: missing column\(s\) Reported by",
    ):
        read_street_file(discover_street_files([path]).files[0])


def test_missing_header_is_an_error(tmp_path):
    path = write(tmp_path / "2025-01-west-mercia-street.csv", [row(), row()])
    with pytest.raises(InputFileError, match="line 1: not a police.uk street-level header"):
        load(path)


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "2025-01-west-mercia-street.csv"
    path.write_bytes(b"")
    with pytest.raises(InputFileError, match="file is empty"):
        load(path)
    path.write_bytes(b"\xef\xbb\xbf\r\n")
    with pytest.raises(InputFileError, match="file is empty"):
        load(path)


def test_header_only_file_has_no_rows(tmp_path):
    result, _ = load(street(tmp_path, []))
    assert result.rows_read == 0 and result.rows_loaded == 0


def test_truncated_row_is_a_counted_rejection(tmp_path):
    truncated = row()[:70]  # cut mid-row, as in an interrupted download
    path = street(tmp_path, [row(), truncated, row()])
    result, _ = load(path)
    assert result.rows_read == 3 and result.rows_loaded == 2
    assert result.rejections.counts[REJECT_FIELD_COUNT] == 1
    assert examples(result, REJECT_FIELD_COUNT) == ["2025-01-west-mercia-street.csv:3"]
    detail = result.rejections.to_dict()[REJECT_FIELD_COUNT]["examples"][0]["detail"]
    assert detail == "expected 12 fields, got 2"


def test_truncated_last_line_without_newline(tmp_path):
    path = tmp_path / "2025-01-west-mercia-street.csv"
    path.write_text(HEADER + "\n" + row() + "\n" + row()[:70])
    result, _ = load(path)
    assert result.rows_read == 2 and result.rows_loaded == 1
    assert examples(result, REJECT_FIELD_COUNT) == ["2025-01-west-mercia-street.csv:3"]


def test_extra_fields_in_a_row_are_a_counted_rejection(tmp_path):
    path = street(tmp_path, [row(), row() + ",surplus"])
    result, _ = load(path)
    assert result.rows_loaded == 1
    assert examples(result, REJECT_FIELD_COUNT) == ["2025-01-west-mercia-street.csv:3"]


def test_extra_header_columns_are_ignored_and_noted(tmp_path):
    path = write(
        tmp_path / "2025-01-west-mercia-street.csv",
        [HEADER + ",Notes", row() + ",hello", row() + ",again"],
    )
    result, _ = load(path)
    assert result.rows_loaded == 2 and result.rejections.total == 0
    assert result.notes == ["2025-01-west-mercia-street.csv: ignored extra column(s) Notes"]


def test_bad_month_is_a_counted_rejection(tmp_path):
    path = street(tmp_path, [row(), row(month="2025-13"), row(month="Jan 2025"), row(month="")])
    result, _ = load(path)
    assert result.rows_loaded == 1
    assert result.rejections.counts[REJECT_BAD_MONTH] == 3
    assert examples(result, REJECT_BAD_MONTH) == [
        "2025-01-west-mercia-street.csv:3",
        "2025-01-west-mercia-street.csv:4",
        "2025-01-west-mercia-street.csv:5",
    ]


def test_month_differing_from_file_name_is_rejected(tmp_path):
    path = street(tmp_path, [row(), row(month="2025-02")])
    result, _ = load(path)
    assert examples(result, REJECT_MONTH_MISMATCH) == ["2025-01-west-mercia-street.csv:3"]
    detail = result.rejections.to_dict()[REJECT_MONTH_MISMATCH]["examples"][0]["detail"]
    assert detail == "Month '2025-02', file name says 2025-01"


def test_non_utf8_bytes_are_a_counted_rejection(tmp_path):
    path = tmp_path / "2025-01-west-mercia-street.csv"
    lines = [HEADER, row(), row(location="On or near Caf\xe9 Street"), row()]
    path.write_bytes(("\n".join(lines[:2]) + "\n").encode())
    with path.open("ab") as handle:
        handle.write(lines[2].encode("latin-1") + b"\n" + lines[3].encode() + b"\n")
    result, _ = load(path)
    assert result.rows_read == 3 and result.rows_loaded == 2
    assert examples(result, REJECT_NOT_UTF8) == ["2025-01-west-mercia-street.csv:3"]


def test_unknown_crime_type_is_a_counted_rejection(tmp_path):
    path = street(tmp_path, [row(crime_type="Jaywalking"), row(), row(crime_type="Violent crime")])
    result, _ = load(path)
    assert result.rows_loaded == 2  # "Violent crime" is a legacy police.uk category: kept
    assert examples(result, REJECT_UNKNOWN_CRIME_TYPE) == ["2025-01-west-mercia-street.csv:2"]
    detail = result.rejections.to_dict()[REJECT_UNKNOWN_CRIME_TYPE]["examples"][0]["detail"]
    assert detail == "Crime type 'Jaywalking'"


def test_duplicate_force_month_is_never_double_counted(tmp_path):
    first = tmp_path / "a"
    second = tmp_path / "b"
    first.mkdir()
    second.mkdir()
    street(first, [row(), row()])
    street(second, [row(), row(), row()])
    result, duplicates = load_street_files([first, second], workers=1)
    assert result.rows_read == 5 and result.rows_loaded == 2
    assert result.rejections.counts[REJECT_DUPLICATE] == 3
    assert examples(result, REJECT_DUPLICATE)[0] == "2025-01-west-mercia-street.csv:2"
    assert len(duplicates) == 1
    assert duplicates[0].to_dict() == {
        "force": "west-mercia",
        "month": "2025-01",
        "kept": str(first / "2025-01-west-mercia-street.csv"),
        "rejected": str(second / "2025-01-west-mercia-street.csv"),
        "rows_rejected": 3,
    }


def test_duplicate_force_month_inside_an_unnamed_csv(tmp_path):
    street(tmp_path, [row(), row()])
    extra = write(tmp_path / "extra.csv", [HEADER, row(), row(month="2025-02")])
    result, duplicates = load_street_files(
        [tmp_path / "2025-01-west-mercia-street.csv", extra], workers=1
    )
    assert result.rows_loaded == 3
    assert examples(result, REJECT_DUPLICATE) == ["extra.csv:2"]


def test_corrupt_zip_is_an_error(tmp_path):
    path = tmp_path / "2025-01.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputFileError, match="corrupt or unreadable zip archive"):
        load(path)


def test_zip_member_with_bad_data_is_an_error(tmp_path):
    archive = build_archive(tmp_path / "2025-02.zip", forces=("west-mercia",), months=("2025-01",))
    data = bytearray(archive.read_bytes())
    info = zipfile.ZipFile(archive).getinfo("2025-01/2025-01-west-mercia-street.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for offset in range(start + 5, start + 25):
        data[offset] ^= 0xFF  # damage the compressed stream
    archive.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match="cannot read file"):
        load(archive)


def test_missing_input_path_is_an_error(tmp_path):
    with pytest.raises(IngestError, match="police.uk input not found"):
        load(tmp_path / "nowhere")
    with pytest.raises(IngestError, match="no police.uk street-level files"):
        load(tmp_path)


def test_row_accounting_invariant_holds_with_mixed_faults(tmp_path):
    lines = [row(), row()[:30], row(month="2025-00"), row(crime_type="X"), "", row()]
    result, _ = load(street(tmp_path, lines))
    assert result.rows_read == 5
    assert result.rows_read == result.rows_loaded + result.rejections.total


# --------------------------------------------------------------------------- real files


@pytest.mark.realdata
def test_real_west_mercia_files(shared_data):
    result, duplicates = load_street_files([WEST_MERCIA_DIR])
    frame = result.frame
    assert len(result.files) == 12
    assert result.rows_read == 102_105 and result.rows_loaded == 102_105
    assert result.rejections.total == 0 and duplicates == []
    assert frame["lsoa_code"].isna().sum() == 1_962  # "No location" rows
    assert set(frame["crime_type"].astype(str)) <= set(POLICE_UK_CRIME_TYPES)
    assert frame["crime_type"].nunique() == 14
    asb = frame["crime_type"].astype(str) == "Anti-social behaviour"
    assert frame.loc[asb, "crime_id"].isna().all() and frame.loc[~asb, "crime_id"].notna().all()
    per_month = frame.groupby("month").size()
    assert per_month.min() == 7_387 and per_month.max() == 9_848
    assert per_month[date(2025, 1, 1)] == 7_913  # 7,914 lines less the header


@pytest.mark.realdata
def test_real_west_yorkshire_2016_file(shared_data):
    result, _ = load_street_files([WEST_YORKSHIRE_FILE])
    assert result.rows_read == 27_176 and result.rows_loaded == 27_176
    assert set(result.frame["month"]) == {date(2016, 7, 1)}
    assert set(result.frame["force"].astype(str)) == {"west-yorkshire"}


@pytest.mark.parametrize("use_isal", [True, False])
def test_archive_reads_the_same_with_and_without_isal(tmp_path, monkeypatch, use_isal):
    import csp_analysis.io.police_uk as police_uk

    if not use_isal:
        monkeypatch.setattr(police_uk, "_isal_zlib", None)
    elif police_uk._isal_zlib is None:
        pytest.skip("isal is not installed")
    archive = build_archive(tmp_path / "2025-02.zip")
    result, _ = load(archive)
    assert result.rows_loaded == 8
    assert result.frame["source_row"].tolist() == [2, 3] * 4


KINDS = {
    "good": lambda: row(),
    "quoted": lambda: row(lsoa_name='"Herefordshire, County of 001A"'),
    "multiline": lambda: row(location='"On or near\nSomewhere"'),
    "truncated": lambda: row()[:70],
    "extra": lambda: row() + ",surplus",
    "bad month": lambda: row(month="2025-99"),
    "bad type": lambda: row(crime_type="Nonsense"),
    "blank": lambda: "",
}
REASON = {
    "multiline": REJECT_UNBALANCED_QUOTE,
    "truncated": REJECT_FIELD_COUNT,
    "extra": REJECT_FIELD_COUNT,
    "bad month": REJECT_BAD_MONTH,
    "bad type": REJECT_UNKNOWN_CRIME_TYPE,
}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(sorted(KINDS)), max_size=12), st.booleans())
def test_every_row_is_loaded_or_rejected_at_its_physical_line(tmp_path, kinds, crlf):
    """Property: any mix of good and bad rows is fully accounted for, line numbers exact."""
    lines, expected_loaded, expected_rejected, line = [HEADER], [], {}, 2
    for kind in kinds:
        text = KINDS[kind]()
        lines.append(text)
        if kind in REASON:
            # Every line of a rejected record is a row read and rejected (multiline: two).
            expected_rejected.setdefault(REASON[kind], []).extend(
                range(line, line + text.count("\n") + 1)
            )
        elif kind != "blank":
            expected_loaded.append(line)
        line += text.count("\n") + 1
    path = write(
        tmp_path / "2025-01-west-mercia-street.csv", lines, newline="\r\n" if crlf else "\n"
    )
    result, _ = load(path)
    assert result.rows_read == len(expected_loaded) + sum(map(len, expected_rejected.values()))
    assert result.frame["source_row"].tolist() == expected_loaded
    for reason, lines_rejected in expected_rejected.items():
        assert result.rejections.counts[reason] == len(lines_rejected)
        wheres = [e["where"] for e in result.rejections.to_dict()[reason]["examples"]]
        assert wheres == [f"2025-01-west-mercia-street.csv:{n}" for n in lines_rejected[:5]]


def test_an_archive_without_street_files_is_an_error_naming_it(tmp_path):
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(
        IngestError, match=r"empty\.zip: no police\.uk street-level files .* \(0 member"
    ):
        load_street_files([empty], workers=1)
    outcomes = tmp_path / "outcomes.zip"
    with zipfile.ZipFile(outcomes, "w") as archive:
        archive.writestr("2025-01/2025-01-west-mercia-outcomes.csv", HEADER + "\n")
    with pytest.raises(IngestError, match=r"outcomes\.zip: no police\.uk street-level files"):
        load_street_files([outcomes], workers=1)


def test_a_password_protected_archive_is_an_error_not_a_traceback(tmp_path):
    archive_path = tmp_path / "locked.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("2025-01/2025-01-west-mercia-street.csv", HEADER + "\n" + row() + "\n")
    # Mark the member encrypted (general purpose flag bit 0) as a password-protected zip is.
    data = bytearray(archive_path.read_bytes())
    local, central = data.find(b"PK\x03\x04"), data.find(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    archive_path.write_bytes(bytes(data))
    with pytest.raises(
        InputFileError, match=r"locked\.zip!2025-01/.*encrypted \(password-protected\)"
    ):
        load_street_files([archive_path], workers=1)


def test_a_workbook_saved_with_a_csv_name_says_so(tmp_path):
    from csp_analysis.io.lookups import read_lsoa_lookup

    path = tmp_path / "2025-01-west-mercia-street.csv"
    with zipfile.ZipFile(path, "w") as workbook:  # an .xlsx is a zip of XML parts
        workbook.writestr("[Content_Types].xml", "<Types/>")
    with pytest.raises(InputFileError, match=r"street\.csv, line 1: is a spreadsheet workbook"):
        load_street_files([path], workers=1)
    lookup = tmp_path / "lsoa_lookup.csv"
    lookup.write_bytes(path.read_bytes())
    with pytest.raises(
        InputFileError, match=r"lsoa_lookup\.csv, line 1: LSOA21 lookup is a spreadsheet"
    ):
        read_lsoa_lookup(lookup)
