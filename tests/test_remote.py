"""Processed data read from a URL (io/remote.py, issue #15).

Unit tests use fsspec's in-memory filesystem. The end-to-end test starts a real S3 service on
127.0.0.1 (moto's server, a separate process speaking the S3 protocol), uploads the demo
processed folder to a bucket, and runs real reports with ``--processed-dir s3://...`` through a
Dask cluster of separate processes (``dask scheduler``, ``dask worker``): the client plans from
its own copy, each worker fetches its own once and its reports read it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import fsspec
import pytest

from csp_analysis.core import paths
from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.io import remote
from tests.dask_cluster import local_cluster, stop_process_group

BIN = Path(sys.executable).parent


@pytest.fixture
def memory_folder(tmp_path, monkeypatch):
    """A processed folder in fsspec's memory filesystem, and a fresh local cache."""
    monkeypatch.setenv("CSP_ANALYSIS_REMOTE_CACHE", str(tmp_path / "cache"))
    fs = fsspec.filesystem("memory")
    root = f"/{tmp_path.name}/processed"
    fs.pipe(f"{root}/crimes.parquet", b"records")
    fs.pipe(f"{root}/ingest_report.json", b"{}")
    fs.pipe(f"{root}/boundaries/part-1.json", b"[1]")
    yield fs, f"memory://{root}"
    fs.rm(f"/{tmp_path.name}", recursive=True)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("s3://bucket/processed", True),
        ("gs://bucket/a/b", True),
        ("memory://x", True),
        ("file:///srv/processed", True),
        ("/srv/processed", False),
        ("data/processed", False),
        ("C:\\data\\processed", False),
        (Path("/srv/processed"), False),
        ("", False),
        (None, False),
    ],
)
def test_is_url(location, expected):
    assert remote.is_url(location) is expected


def test_a_path_is_itself_and_empty_is_the_default():
    assert remote.local_processed_dir("/srv/processed") == Path("/srv/processed")
    assert remote.local_processed_dir(Path("data/processed")) == Path("data/processed")
    assert remote.local_processed_dir("") is None and remote.local_processed_dir(None) is None


def test_a_url_is_copied_once_and_again_only_when_it_changes(memory_folder, monkeypatch):
    fs, url = memory_folder
    first = remote.local_processed_dir(url)
    assert first.is_relative_to(Path(os.environ["CSP_ANALYSIS_REMOTE_CACHE"]))
    assert (first / "crimes.parquet").read_bytes() == b"records"
    assert (first / "boundaries" / "part-1.json").read_bytes() == b"[1]"

    # Unchanged: the same copy, nothing fetched.
    def no_fetch(*args, **kwargs):
        raise AssertionError("fetched an unchanged folder")

    with monkeypatch.context() as patch:
        patch.setattr(remote, "_fetch", no_fetch)
        assert remote.local_processed_dir(url + "/") == first

    # A changed file (new size): a new, complete copy beside the old one.
    fs.pipe(url.removeprefix("memory://") + "/crimes.parquet", b"more records")
    second = remote.local_processed_dir(url)
    assert second != first and (second / "crimes.parquet").read_bytes() == b"more records"
    assert (second / ".complete").is_file()
    assert not list(second.parent.glob(".fetch-*"))  # no staging folder left behind


def test_a_url_without_crimes_parquet_is_refused(memory_folder):
    fs, url = memory_folder
    fs.rm(url.removeprefix("memory://") + "/crimes.parquet")
    with pytest.raises(CspAnalysisError, match=r"memory://.*: no crimes\.parquet there"):
        remote.local_processed_dir(url)


def test_a_protocol_without_its_package_says_what_to_install(monkeypatch):
    def missing(url, **kwargs):
        raise ImportError("Install s3fs to access S3")

    monkeypatch.setattr(fsspec.core, "url_to_fs", missing)
    with pytest.raises(CspAnalysisError, match=r"s3://b/p: .*pip install 'csp-analysis\[s3\]'"):
        remote.local_processed_dir("s3://b/p")


def test_an_unknown_protocol_is_one_line():
    with pytest.raises(CspAnalysisError, match=r"nosuch://b/p: .*[Pp]rotocol"):
        remote.local_processed_dir("nosuch://b/p")


def test_a_failed_fetch_names_the_file_and_leaves_no_copy(memory_folder, monkeypatch):
    _, url = memory_folder
    fs_class = type(fsspec.filesystem("memory"))

    def broken(self, rpath, lpath, **kwargs):
        raise OSError("connection reset")

    monkeypatch.setattr(fs_class, "get_file", broken)
    with pytest.raises(
        CspAnalysisError, match=r"boundaries/part-1\.json: cannot fetch: connection"
    ):
        remote.local_processed_dir(url)
    cache = Path(os.environ["CSP_ANALYSIS_REMOTE_CACHE"])
    assert not [p for p in cache.rglob("*") if p.name == ".complete"]


# --------------------------------------------------------------------------- end to end on S3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3_processed(tmp_path, monkeypatch):
    """A real S3 service (moto's server) on 127.0.0.1 holding the demo processed folder."""
    if not (paths.PROCESSED_DIR / paths.CRIMES_PARQUET).is_file():
        pytest.fail("no demo processed data: run `make data` (make test does)")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "s3.log", "wb")  # noqa: SIM115 (closed at teardown)
    server = subprocess.Popen(
        [BIN / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=2).close()
            break
        except OSError:
            assert server.poll() is None, (tmp_path / "s3.log").read_text()
            assert time.monotonic() < deadline, "the S3 service did not start"
            time.sleep(0.3)
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
    }
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    import s3fs

    s3 = s3fs.S3FileSystem(skip_instance_cache=True)
    s3.mkdir("csp-test")
    s3.put(str(paths.PROCESSED_DIR), "csp-test/processed", recursive=True)
    yield "s3://csp-test/processed", credentials
    stop_process_group(server)
    log.close()


def test_reports_on_a_dask_cluster_read_processed_data_from_s3(tmp_path, s3_processed, monkeypatch):
    from csp_analysis.batch.runner import RunOptions, run_batch

    url, credentials = s3_processed
    monkeypatch.setenv("CSP_ANALYSIS_REMOTE_CACHE", str(tmp_path / "client-cache"))
    env = dict(os.environ, **credentials, CSP_ANALYSIS_REMOTE_CACHE=str(tmp_path / "worker-cache"))
    with local_cluster(tmp_path / "dask", env) as address:
        result = run_batch(
            RunOptions(
                out_dir=tmp_path / "reports",
                processed_dir=url,
                csps=["herefordshire", "shropshire"],
                reports=["performance_overview"],
                scheduler=address,
                progress=False,
            )
        )

    assert [(e["key"], e["status"]) for e in result.entries] == [
        ("performance_overview/herefordshire", "ok"),
        ("performance_overview/shropshire", "ok"),
    ], [e["error"] for e in result.entries]
    # The notebooks were given the URL; the client and the workers each read their own copy.
    assert {e["parameters"]["processed_dir"] for e in result.entries} == {url}
    for cache in ("client-cache", "worker-cache"):
        copies = list((tmp_path / cache).glob("*/*/crimes.parquet"))
        assert len(copies) == 1, cache
        assert copies[0].read_bytes() == (paths.PROCESSED_DIR / "crimes.parquet").read_bytes()
    page = (tmp_path / "reports" / "herefordshire" / "performance_overview.html").read_text()
    assert "Herefordshire: performance overview" in page
    for leak in (url, "csp-test", str(tmp_path), "127.0.0.1"):
        assert leak not in page
