"""police.uk archive download against a local HTTP server on 127.0.0.1 (never the network)."""

from __future__ import annotations

import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from csp_analysis.core import cli
from csp_analysis.core.exceptions import DownloadError, UnknownNameError
from csp_analysis.io.download import (
    BASE_URL_ENV,
    download_police_uk,
    parse_months,
    plan_archives,
    street_member,
    verify_zip,
)

HEADER = "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code\n"


def street_csv(month: str, force: str) -> bytes:
    # Enough rows that a truncated download cuts through member data, not just the directory.
    rows = "".join(
        f"id{i},{month},{force},{force},-2.7,52.1,On or near X,E01013950\n" for i in range(400)
    )
    return (HEADER + rows).encode()


def build_archive(months: list[str], forces=("west-mercia", "west-midlands")) -> bytes:
    """A small police.uk-style archive: street, outcomes and stop-and-search files per force."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for month in months:
            for force in forces:
                archive.writestr(street_member(month, force), street_csv(month, force))
                archive.writestr(f"{month}/{month}-{force}-outcomes.csv", b"Crime ID,Month\n")
                archive.writestr(f"{month}/{month}-{force}-stop-and-search.csv", b"Type\n")
    return buffer.getvalue()


class ArchiveServer:
    """Serves ``files`` (name -> bytes) with HTTP Range support; records each request."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        self.requests: list[tuple[str, str | None]] = []
        self.ignore_range = False
        self.truncate_next_at: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                range_header = self.headers.get("Range")
                server.requests.append((name, range_header))
                if name not in server.files:
                    self.send_error(404, "Not Found")
                    return
                body = server.files[name]
                start = 0
                if range_header and not server.ignore_range:
                    start = int(range_header.removeprefix("bytes=").rstrip("-"))
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                payload = body[start:]
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Content-Type", "application/zip")
                self.end_headers()
                if server.truncate_next_at is not None:
                    # Announce the full length, send part of it, and drop the connection.
                    cut, server.truncate_next_at = server.truncate_next_at, None
                    self.wfile.write(payload[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/data/archive/"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


MONTHS = ["2023-01", "2023-02", "2023-03"]


@pytest.fixture
def server():
    with ArchiveServer({"2023-03.zip": build_archive(MONTHS)}) as running:
        yield running


def quiet(_message):
    pass


# --------------------------------------------------------------------------- planning


def test_parse_months():
    assert parse_months("2023-11:2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert parse_months("2025-03") == ["2025-03"]
    assert len(parse_months("2023-01:2025-12")) == 36


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2023-1:2023-05", r"'2023-1' is not a month; expected YYYY-MM"),
        ("2023-13:2024-01", r"'2023-13' is not a month"),
        ("2024-05:2024-01", r"starts after it ends"),
        ("2023-01:2023-02:2023-03", r"is not START:END"),
        ("2023-01:", r"is not START:END"),
        ("2009-01:2009-02", r"police.uk street-level data begins in 2010-12"),
    ],
)
def test_bad_months_are_clear_errors(text, message):
    with pytest.raises(DownloadError, match=message):
        parse_months(text)


def test_plan_takes_fewest_archives_newest_first():
    assert plan_archives(parse_months("2023-01:2025-12")) == {
        "2025-12": parse_months("2023-01:2025-12")
    }
    plan = plan_archives(parse_months("2022-11:2025-12"))
    assert list(plan) == ["2025-12", "2022-12"]
    assert plan["2025-12"] == parse_months("2023-01:2025-12")
    assert plan["2022-12"] == ["2022-11", "2022-12"]
    assert len(plan_archives(parse_months("2016-01:2025-12"))) == 4  # 120 months / 36


# --------------------------------------------------------------------------- download


def test_download_extracts_only_the_force_street_files(server, tmp_path):
    out = tmp_path / "police_uk"
    summary = download_police_uk("west-mercia", MONTHS, out, base_url=server.url, progress=quiet)
    expected = [out / street_member(m, "west-mercia") for m in MONTHS]
    assert summary.written == expected
    for path, month in zip(expected, MONTHS, strict=True):
        assert path.read_bytes() == street_csv(month, "west-mercia")
    assert sorted(p.name for p in out.rglob("*.csv")) == sorted(p.name for p in expected)
    # 3 months x 2 forces x 3 files = 18 members, 3 extracted
    assert summary.skipped_members == 15
    assert any("skipped 15 other archive member(s)" in m for m in summary.messages)
    assert server.requests == [("2023-03.zip", None)]
    assert (out / "_archives" / "2023-03.zip").is_file()

    # A second run finds the files in place and downloads nothing.
    again = download_police_uk("west-mercia", MONTHS, out, base_url=server.url, progress=quiet)
    assert again.written == [] and len(again.already_present) == 3
    assert len(server.requests) == 1


def test_resume_after_truncated_part_file(server, tmp_path):
    archive = server.files["2023-03.zip"]
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "2023-03.zip.part").write_bytes(archive[:1000])
    out = tmp_path / "out"
    messages: list[str] = []
    summary = download_police_uk(
        "west-mercia", MONTHS, out, base_url=server.url, cache_dir=cache, progress=messages.append
    )
    assert server.requests == [("2023-03.zip", "bytes=1000-")]
    assert messages[0].startswith(f"resuming at 1,000 bytes {server.url}2023-03.zip")
    assert messages[0].endswith(f"of {len(archive):,} bytes")
    assert (cache / "2023-03.zip").read_bytes() == archive
    assert not (cache / "2023-03.zip.part").exists()
    assert len(summary.written) == 3


def test_interrupted_transfer_keeps_part_and_next_run_resumes(server, tmp_path):
    archive = server.files["2023-03.zip"]
    server.truncate_next_at = 2000
    cache = tmp_path / "cache"
    with pytest.raises(DownloadError, match=r"2023-03\.zip.*rerun to resume"):
        download_police_uk(
            "west-mercia", MONTHS, tmp_path / "out", base_url=server.url, cache_dir=cache,
            progress=quiet,
        )  # fmt: skip
    assert (cache / "2023-03.zip.part").read_bytes() == archive[:2000]
    download_police_uk(
        "west-mercia", MONTHS, tmp_path / "out", base_url=server.url, cache_dir=cache,
        progress=quiet,
    )  # fmt: skip
    assert server.requests[-1] == ("2023-03.zip", "bytes=2000-")
    assert (cache / "2023-03.zip").read_bytes() == archive


def test_server_without_range_support_restarts_cleanly(server, tmp_path):
    server.ignore_range = True
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "2023-03.zip.part").write_bytes(b"stale bytes from another file")
    download_police_uk(
        "west-mercia", MONTHS, tmp_path / "out", base_url=server.url, cache_dir=cache,
        progress=quiet,
    )  # fmt: skip
    assert (cache / "2023-03.zip").read_bytes() == server.files["2023-03.zip"]


def test_complete_part_file_answered_416_is_used(server, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "2023-03.zip.part").write_bytes(server.files["2023-03.zip"])
    summary = download_police_uk(
        "west-mercia", MONTHS, tmp_path / "out", base_url=server.url, cache_dir=cache,
        progress=quiet,
    )  # fmt: skip
    assert len(summary.written) == 3


def test_corrupt_zip_is_a_download_error_and_is_deleted(tmp_path):
    good = build_archive(["2023-03"])
    # Flip a byte inside the first member's compressed data: the zip opens but fails its CRC.
    offset = 30 + len(street_member("2023-03", "west-mercia")) + 50
    corrupt = good[:offset] + bytes([good[offset] ^ 0xFF]) + good[offset + 1 :]
    with ArchiveServer({"2023-03.zip": corrupt}) as server:
        cache = tmp_path / "cache"
        with pytest.raises(DownloadError, match=r"2023-03\.zip: .*(CRC|corrupt|invalid).*deleted"):
            download_police_uk(
                "west-mercia", ["2023-03"], tmp_path / "out", base_url=server.url,
                cache_dir=cache, progress=quiet,
            )  # fmt: skip
        assert not (cache / "2023-03.zip").exists()
    assert not (tmp_path / "out" / "2023-03").exists()


def test_not_a_zip_at_all(tmp_path):
    path = tmp_path / "x.zip"
    path.write_bytes(b"<html>maintenance</html>")
    with pytest.raises(DownloadError, match=r"x\.zip: not a valid zip archive"):
        verify_zip(path)


def test_missing_archive_is_http_404(server, tmp_path):
    with pytest.raises(DownloadError, match=r"2024-01\.zip: HTTP 404 .*not published yet"):
        download_police_uk(
            "west-mercia", ["2024-01"], tmp_path, base_url=server.url, progress=quiet
        )


def test_unreachable_server(tmp_path):
    with pytest.raises(DownloadError, match="cannot connect"):
        download_police_uk(
            "west-mercia", ["2023-03"], tmp_path, base_url="http://127.0.0.1:9/", progress=quiet
        )


def test_months_absent_from_archive_are_reported(tmp_path):
    with ArchiveServer({"2023-03.zip": build_archive(["2023-03"])}) as server:
        summary = download_police_uk(
            "west-mercia", MONTHS, tmp_path, base_url=server.url, progress=quiet
        )
    assert summary.missing_months == ["2023-01", "2023-02"]
    assert any("2 month(s) not in the archive for west-mercia" in m for m in summary.messages)
    assert any(
        m.startswith("west-mercia: got 1 of 3 month(s), 2023-03 to 2023-03")
        for m in summary.messages
    )


def test_unknown_force():
    with pytest.raises(
        UnknownNameError,
        match=r"unknown police.uk force 'west-merica'; did you mean west-mercia, west-midlands\?",
    ):
        download_police_uk("west-merica", MONTHS, "unused", progress=quiet)


# --------------------------------------------------------------------------- command line


def test_cli_download_with_env_base_url(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(BASE_URL_ENV, server.url)
    code = cli.main(
        ["download", "--force", "west-mercia", "--months", "2023-01:2023-03", "--out",
         str(tmp_path / "out"), "--delete-archives"]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert "west-mercia: got 3 of 3 month(s), 2023-01 to 2023-03; 3 file(s) written" in out
    assert (tmp_path / "out" / "2023-02" / "2023-02-west-mercia-street.csv").is_file()
    assert not (tmp_path / "out" / "_archives" / "2023-03.zip").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--force", "nowhere", "--months", "2023-01:2023-03"],
            "unknown police.uk force 'nowhere'",
        ),
        (["--force", "west-mercia", "--months", "2023/01"], "'2023/01' is not a month"),
    ],
)
def test_cli_errors_are_one_line(args, message, capsys, tmp_path):
    code = cli.main(
        ["download", *args, "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9/"]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
