"""Processed data at a URL (``s3://bucket/processed``, ``gs://...``, any fsspec protocol).

A national batch on a cluster needs every worker to read the same processed folder. Where the
workers share no filesystem, the folder can live in object storage: ``--processed-dir
s3://bucket/processed`` (or ``processed_dir = "s3://..."`` in a notebook). Each machine then
keeps one local copy of the folder, fetched with fsspec (`filesystem_spec`, the Dask
ecosystem's file layer) into ``data/remote/`` and reused until the remote files change, so a
worker's reports read local Parquet at local speed and a batch of thousands of reports costs
one listing request per report, not one download.

The copy is keyed by the URL and a signature of the remote listing (every file's path, size and
ETag or modification time): a changed or added file gives a new signature and a fresh copy. A
copy appears only once complete (downloaded beside it, then renamed), so processes staging the
same folder at once never read a half-written one. The protocol's own package must be installed
(``s3fs`` for ``s3://``: ``pip install 'csp-analysis[s3]'``); credentials and endpoints come from
the protocol's usual settings (for S3: ``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``...).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

from csp_analysis.core import paths
from csp_analysis.core.exceptions import CspAnalysisError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
# The file every processed folder holds: without it the URL names no processed data.
_REQUIRED = paths.CRIMES_PARQUET
_COMPLETE = ".complete"

# Install hints for the protocols users are most likely to name.
_PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs",
             "abfs": "adlfs", "http": "aiohttp", "https": "aiohttp"}  # fmt: skip


def is_url(location: str | os.PathLike | None) -> bool:
    """True for ``scheme://...`` (a remote or fsspec location), False for a local path."""
    return isinstance(location, str) and bool(_URL.match(location.strip()))


def cache_root() -> Path:
    """Where local copies of remote folders are kept: ``CSP_ANALYSIS_REMOTE_CACHE`` if set,
    else ``data/remote`` under the project root."""
    override = os.environ.get("CSP_ANALYSIS_REMOTE_CACHE")
    return Path(override) if override else paths.REMOTE_CACHE_DIR


def local_processed_dir(location: str | os.PathLike | None) -> Path | None:
    """The local folder to read for ``location``: itself when it is a path, a local copy of it
    (fetched on first use or when it changed) when it is a URL.

    Parameters
    ----------
    location : str or path-like or None
        A processed folder: a local path, or a URL any installed fsspec protocol reads.
        None and "" are returned as None (the caller's default folder).

    Returns
    -------
    pathlib.Path or None

    Raises
    ------
    CspAnalysisError
        One line naming the URL: the protocol's package is missing, the URL cannot be listed,
        it holds no ``crimes.parquet``, or a file could not be fetched.
    """
    if location is None or location == "":
        return None
    if not is_url(location):
        return Path(location)
    url = str(location).strip().rstrip("/")
    fs, root = _filesystem(url)
    try:
        listing = fs.find(root, detail=True)
    except Exception as exc:  # any protocol's error: say which URL, in one line
        raise CspAnalysisError(
            f"{url}: cannot list the processed data: {_first_line(exc)}"
        ) from None
    files = {_relative(root, name): info for name, info in listing.items()
             if info.get("type", "file") == "file"}  # fmt: skip
    if _REQUIRED not in files:
        raise CspAnalysisError(
            f"{url}: no {_REQUIRED} there; give the folder `csp-analysis ingest --out` wrote"
        )
    target = cache_root() / _digest(url)[:16] / _signature(files)[:16]
    if (target / _COMPLETE).is_file():
        return target
    _fetch(fs, root, files, target, url)
    return target


def _filesystem(url: str):
    import fsspec

    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:
        protocol = url.split("://", 1)[0].lower()
        package = _PACKAGES.get(protocol)
        hint = f"pip install {package}" if package else "install the fsspec package for it"
        if protocol in ("s3", "s3a"):
            hint = "pip install 'csp-analysis[s3]'"
        raise CspAnalysisError(
            f"{url}: reading {protocol}:// needs a package that is not installed ({hint}): "
            f"{_first_line(exc)}"
        ) from None
    except ValueError as exc:  # fsspec: "Protocol not known"
        raise CspAnalysisError(f"{url}: {_first_line(exc)}") from None


def _fetch(fs, root: str, files: dict[str, dict], target: Path, url: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".fetch-", dir=target.parent))
    try:
        for relative in sorted(files):
            local = staging / relative
            local.parent.mkdir(parents=True, exist_ok=True)
            try:
                fs.get_file(f"{root}/{relative}", str(local))
            except Exception as exc:
                raise CspAnalysisError(
                    f"{url}/{relative}: cannot fetch: {_first_line(exc)}"
                ) from None
            if local.stat().st_size != files[relative].get("size", local.stat().st_size):
                raise CspAnalysisError(
                    f"{url}/{relative}: fetched {local.stat().st_size} bytes, the listing said "
                    f"{files[relative]['size']} (changed while fetching?); run again"
                )
        (staging / _COMPLETE).write_text(url + "\n", encoding="utf-8")
        try:
            staging.rename(target)
        except OSError:
            if not (target / _COMPLETE).is_file():  # not another process's finished copy
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _signature(files: dict[str, dict]) -> str:
    """A hash of the listing: each file's path, size and version (ETag, else modified time)."""
    lines = []
    for relative in sorted(files):
        info = files[relative]
        version = next(
            (info[k] for k in ("ETag", "etag", "md5Hash", "generation", "mtime", "LastModified",
                               "last_modified", "updated", "created") if info.get(k)),
            "",
        )  # fmt: skip
        lines.append(f"{relative}\t{info.get('size')}\t{version}")
    return _digest("\n".join(lines))


def _relative(root: str, name: str) -> str:
    root = root.rstrip("/")
    return name[len(root) + 1 :] if name.startswith(root + "/") else name.rsplit("/", 1)[-1]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
