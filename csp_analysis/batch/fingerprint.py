"""Fingerprints that decide whether a report must be re-run.

A report is re-run when any of four things changes: its notebook (cell types, sources and tags;
outputs and execution counts are ignored, so saving a notebook after running it changes
nothing), the package (its code, HTML templates and shipped tables, and the area and
priority configuration), the processed input data, or its parameters. Each is a SHA-256 hex
digest; :func:`report_fingerprint` combines them.

The data fingerprint hashes file contents once per batch, with a cache keyed by each file's
name, size and modification time, so a re-run does not re-read hundreds of megabytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from csp_analysis.core.exceptions import InputFileError
from csp_analysis.core.paths import CONFIG_DIR, PROJECT_ROOT

_CHUNK = 1 << 20
# config/reports.yaml only decides which reports run and with which parameters; both are part of
# each report's own fingerprint, so editing it must not re-run every report.
_CODE_CONFIG_EXCLUDED = {"reports.yaml"}


def file_digest(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes, read in 1 MiB chunks."""
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()


def combine(parts: Any) -> str:
    """SHA-256 of a JSON-serialisable value, with keys sorted so dict order does not matter."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def notebook_fingerprint(path: str | Path) -> str:
    """Fingerprint of what a notebook does: its cells' types, sources and tags.

    Parameters
    ----------
    path : str or Path
        The ``.ipynb`` file.

    Raises
    ------
    InputFileError
        The file is missing or is not notebook JSON.
    """
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except FileNotFoundError:
        raise InputFileError(path, "notebook not found") from None
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"not a Jupyter notebook ({exc})") from None
    essence = []
    for cell in cells:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        tags = sorted(cell.get("metadata", {}).get("tags", []))
        essence.append([cell.get("cell_type"), source, tags])
    kernel_language = nb.get("metadata", {}).get("kernelspec", {}).get("language")
    return combine({"cells": essence, "language": kernel_language})


def tree_fingerprint(files: Iterable[Path], root: Path) -> str:
    """Fingerprint of a set of files: their paths relative to ``root`` and their contents."""
    entries = sorted((p.relative_to(root).as_posix(), file_digest(p)) for p in files)
    return combine(entries)


def code_fingerprint(project_root: Path = PROJECT_ROOT) -> str:
    """Fingerprint of the package code, its templates and the area/priority configuration.

    ``config/reports.yaml`` is left out: what it declares reaches each report through that
    report's parameters and notebook, which have their own fingerprints.
    """
    package = project_root / "csp_analysis"
    # Every file of the package: code, the report templates (report/templates/) and the shipped
    # tables (core/data/: the area registry and the ONS profiles that peer groups come from).
    files = [
        p for p in package.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]  # fmt: skip
    config_dir = project_root / CONFIG_DIR.relative_to(PROJECT_ROOT)
    if config_dir.is_dir():
        files += [p for p in config_dir.glob("*.yaml") if p.name not in _CODE_CONFIG_EXCLUDED]
    return tree_fingerprint(sorted(set(files)), project_root)


def data_fingerprint(
    data_dir: str | Path, cache_file: str | Path | None = None
) -> tuple[str, dict[str, str]]:
    """Fingerprint of every file in a processed-data folder.

    Parameters
    ----------
    data_dir : str or Path
        Usually ``data/processed``. Hidden files and README files are ignored.
    cache_file : str or Path, optional
        JSON cache of content digests keyed by file name, size and modification time; a file
        whose three are unchanged is not read again. Created or updated here.

    Returns
    -------
    (str, dict)
        The combined fingerprint and each file's content digest by relative path. A missing
        or empty folder has a fingerprint too (of nothing), so reports that need no data run.
    """
    data_dir = Path(data_dir)
    cache: dict[str, str] = {}
    if cache_file is not None and Path(cache_file).is_file():
        try:
            cache = json.loads(Path(cache_file).read_text(encoding="utf-8"))
        except (json.JSONDecodeError, OSError):
            cache = {}  # a corrupt cache only costs a re-hash
    digests: dict[str, str] = {}
    fresh_cache: dict[str, str] = {}
    files = sorted(p for p in data_dir.rglob("*") if p.is_file()) if data_dir.is_dir() else []
    for path in files:
        rel = path.relative_to(data_dir).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts) or path.name == "README.md":
            continue
        stat = path.stat()
        cache_key = f"{rel}|{stat.st_size}|{stat.st_mtime_ns}"
        digest = cache.get(cache_key) or file_digest(path)
        fresh_cache[cache_key] = digest
        digests[rel] = digest
    if cache_file is not None and fresh_cache != cache:
        Path(cache_file).parent.mkdir(parents=True, exist_ok=True)
        Path(cache_file).write_text(json.dumps(fresh_cache, indent=0), encoding="utf-8")
    return combine(digests), digests


def report_fingerprint(
    *, notebook: str, code: str, data: str, parameters: dict[str, Any], extra: Any = None
) -> str:
    """Combine the four fingerprints of one report (plus anything else that shapes its output).

    Parameters
    ----------
    notebook, code, data : str
        From :func:`notebook_fingerprint`, :func:`code_fingerprint`, :func:`data_fingerprint`.
    parameters : dict
        Exactly the parameters the notebook receives (period_end resolved to a month).
    extra : JSON-serialisable, optional
        Anything else that changes the published page (the title, say).
    """
    return combine(
        {"notebook": notebook, "code": code, "data": data, "parameters": parameters, "extra": extra}
    )
