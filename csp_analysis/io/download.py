"""Download police.uk street-level crime data for one force and a span of months.

Source: data.police.uk (Home Office), Open Government Licence v3.0. The site publishes a
monthly archive, ``https://data.police.uk/data/archive/YYYY-MM.zip``, holding the 36 months up
to and including YYYY-MM for every force, laid out as ``YYYY-MM/YYYY-MM-<force>-street.csv``
(with ``-outcomes`` and ``-stop-and-search`` files beside them). A later archive carries the
latest revision of each month, so months are taken from the newest archive that holds them, and
the fewest archives are fetched: one per 36 months, counting back from the last month asked for.

Downloads resume: bytes go to ``<archive>.zip.part`` and a rerun asks the server for the rest
with an HTTP ``Range`` header. A finished archive is verified (``zipfile.testzip`` reads every
member and checks its CRC) before anything is extracted; a corrupt archive is deleted and
reported. Only the requested force's street files for the requested months are extracted, into
``<out>/YYYY-MM/YYYY-MM-<force>-street.csv``; everything else is skipped and said so.

This is the only module of the project that touches the network; it uses the standard library
only. The base URL can be pointed elsewhere (``--base-url`` or ``CSP_ANALYSIS_POLICE_UK_URL``),
which is how the tests serve a small archive from 127.0.0.1.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import urllib.error
import urllib.request
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from csp_analysis import __version__
from csp_analysis.core.exceptions import DownloadError, UnknownNameError
from csp_analysis.core.paths import RAW_DIR

DEFAULT_BASE_URL = "https://data.police.uk/data/archive/"
BASE_URL_ENV = "CSP_ANALYSIS_POLICE_UK_URL"
ARCHIVE_SPAN_MONTHS = 36
FIRST_MONTH = "2010-12"  # data.police.uk street-level data begins December 2010
CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 60

# data.police.uk force identifiers (https://data.police.uk/api/forces), used in file names.
POLICE_UK_FORCES = frozenset(
    {
        "avon-and-somerset",
        "bedfordshire",
        "btp",
        "cambridgeshire",
        "cheshire",
        "city-of-london",
        "cleveland",
        "cumbria",
        "derbyshire",
        "devon-and-cornwall",
        "dorset",
        "durham",
        "dyfed-powys",
        "essex",
        "gloucestershire",
        "greater-manchester",
        "gwent",
        "hampshire",
        "hertfordshire",
        "humberside",
        "kent",
        "lancashire",
        "leicestershire",
        "lincolnshire",
        "merseyside",
        "metropolitan",
        "norfolk",
        "north-wales",
        "north-yorkshire",
        "northamptonshire",
        "northern-ireland",
        "northumbria",
        "nottinghamshire",
        "south-wales",
        "south-yorkshire",
        "staffordshire",
        "suffolk",
        "surrey",
        "sussex",
        "thames-valley",
        "warwickshire",
        "west-mercia",
        "west-midlands",
        "west-yorkshire",
        "wiltshire",
    }
)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# --------------------------------------------------------------------------- months


def _month_index(month: str) -> int:
    match = _MONTH.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise DownloadError(f"--months: {month!r} is not a month; expected YYYY-MM")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_months(text: str) -> list[str]:
    """Expand ``"2023-01:2025-12"`` (or a single ``"2025-03"``) to the list of months.

    Parameters
    ----------
    text : str
        ``START:END`` inclusive, each ``YYYY-MM``, or one month.

    Returns
    -------
    list of str
        Months in order, ``YYYY-MM``.

    Raises
    ------
    DownloadError
        Malformed text, a start after the end, or a month before police.uk data begins.
    """
    parts = text.strip().split(":")
    if len(parts) not in (1, 2) or not all(parts):
        raise DownloadError(f"--months: {text!r} is not START:END; expected e.g. 2023-01:2025-12")
    start = _month_index(parts[0].strip())
    end = _month_index(parts[-1].strip())
    if start > end:
        raise DownloadError(f"--months: {text!r} starts after it ends")
    if start < _month_index(FIRST_MONTH):
        raise DownloadError(f"--months: police.uk street-level data begins in {FIRST_MONTH}")
    return [_month_text(i) for i in range(start, end + 1)]


def plan_archives(months: list[str]) -> dict[str, list[str]]:
    """Choose the fewest monthly archives that hold ``months``, preferring newer archives.

    Each archive ``A`` holds months ``A-35`` to ``A``; counting back from the last month asked
    for takes each month from the newest archive needed, so it has the latest revision.

    Parameters
    ----------
    months : list of str
        Consecutive months, ``YYYY-MM``.

    Returns
    -------
    dict
        Archive month -> the requested months to take from it, newest archive first.
    """
    plan: dict[str, list[str]] = {}
    remaining = sorted({_month_index(m) for m in months})
    while remaining:
        archive = remaining[-1]
        covered = [m for m in remaining if archive - ARCHIVE_SPAN_MONTHS < m <= archive]
        plan[_month_text(archive)] = [_month_text(m) for m in covered]
        remaining = [m for m in remaining if m not in covered]
    return plan


def check_force(force: str) -> str:
    """Return ``force`` if data.police.uk knows it, else raise UnknownNameError listing them."""
    if force not in POLICE_UK_FORCES:
        raise UnknownNameError("police.uk force", force, POLICE_UK_FORCES)
    return force


# --------------------------------------------------------------------------- transfer


def _request(url: str, offset: int) -> urllib.request.Request:
    headers = {"User-Agent": f"csp-analysis/{__version__} (+police.uk archive download)"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.Request(url, headers=headers)


def fetch(url: str, dest: str | Path, timeout: float = TIMEOUT_SECONDS, progress=None) -> Path:
    """Download ``url`` to ``dest``, resuming from ``dest.part`` if an earlier run stopped.

    Parameters
    ----------
    url : str
        The file to fetch.
    dest : str or Path
        Final path; bytes are written to ``<dest>.part`` and renamed once complete.
    timeout : float
        Seconds to wait for the server on connect and each read.
    progress : callable, optional
        Called with a one-line message when the transfer starts or resumes.

    Returns
    -------
    Path
        ``dest``.

    Raises
    ------
    DownloadError
        HTTP error (404 names the URL: the archive may not be published yet), network failure
        (the ``.part`` file is kept for the next run), or fewer bytes than the server announced.
    """
    dest = Path(dest)
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    offset = part.stat().st_size if part.exists() else 0
    try:
        response = urllib.request.urlopen(_request(url, offset), timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # The server has nothing past our offset: the .part file is already complete.
            part.replace(dest)
            return dest
        hint = " (not published yet, or wrong --base-url?)" if exc.code == 404 else ""
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: cannot connect ({reason})") from None
    with response:
        resumed = offset > 0 and response.status == 206
        if offset and not resumed:
            offset = 0  # the server ignored Range and sends the whole file: start again
        length = response.headers.get("Content-Length")
        expected = offset + int(length) if length and length.isdigit() else None
        if progress:
            verb = f"resuming at {offset:,} bytes" if resumed else "downloading"
            size = f" of {expected:,} bytes" if expected else ""
            progress(f"{verb} {url}{size}")
        try:
            with open(part, "ab" if resumed else "wb") as handle:
                _copy_with_progress(response, handle, offset, expected, progress)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise DownloadError(
                f"{url}: transfer interrupted ({exc}); {part.name} kept, rerun to resume"
            ) from None
    got = part.stat().st_size
    if expected is not None and got < expected:
        raise DownloadError(
            f"{url}: got {got:,} of {expected:,} bytes; {part.name} kept, rerun to resume"
        )
    part.replace(dest)
    return dest


def _copy_with_progress(source, sink, done: int, expected: int | None, progress) -> None:
    # Archives are over a gigabyte: say something every tenth (or every 100 MB if the size is
    # unknown) so a slow transfer is not mistaken for a hang.
    step = max(expected // 10, CHUNK_BYTES) if expected else 100 * CHUNK_BYTES
    next_report = done + step
    while chunk := source.read(CHUNK_BYTES):
        sink.write(chunk)
        done += len(chunk)
        if progress and done >= next_report:
            share = f" ({done / expected:.0%})" if expected else ""
            progress(f"  {done / CHUNK_BYTES:,.0f} MB{share}")
            next_report = done + step


def verify_zip(path: str | Path) -> None:
    """Check that ``path`` is a complete zip whose every member passes its CRC check.

    Raises
    ------
    DownloadError
        Not a zip, truncated, or a member is corrupt.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DownloadError(f"{path.name}: not a valid zip archive ({exc})") from None
    except (zlib.error, NotImplementedError) as exc:
        # A damaged deflate stream fails in the decompressor before the CRC check is reached.
        raise DownloadError(f"{path.name}: corrupt member data ({exc})") from None
    except zipfile.LargeZipFile as exc:  # pragma: no cover - zip64 is supported by default
        raise DownloadError(f"{path.name}: {exc}") from None
    if bad is not None:
        raise DownloadError(f"{path.name}: member {bad} fails its CRC check (corrupt download)")


# --------------------------------------------------------------------------- extraction


@dataclass
class DownloadSummary:
    """What a download did: files written, months found in no archive, and what was skipped."""

    written: list[Path] = field(default_factory=list)
    already_present: list[Path] = field(default_factory=list)
    missing_months: list[str] = field(default_factory=list)
    skipped_members: int = 0
    archives: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


def street_member(month: str, force: str) -> str:
    """Path of a force's street-level file for ``month`` inside a police.uk archive."""
    return f"{month}/{month}-{force}-street.csv"


def extract_force_months(
    zip_path: str | Path, force: str, months: list[str], out: str | Path, summary: DownloadSummary
) -> None:
    """Extract ``force``'s street files for ``months`` from a verified archive into ``out``.

    Parameters
    ----------
    zip_path : str or Path
        A police.uk monthly archive.
    force : str
        police.uk force identifier.
    months : list of str
        Months to take from this archive.
    out : str or Path
        Destination; files land in ``out/YYYY-MM/``.
    summary : DownloadSummary
        Updated with the files written, months absent and members skipped.
    """
    out = Path(out)
    wanted = {street_member(m, force): m for m in months}
    with zipfile.ZipFile(zip_path) as archive:
        members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
        summary.skipped_members += sum(1 for name in members if name not in wanted)
        for member, month in wanted.items():
            if member not in members:
                summary.missing_months.append(month)
                continue
            target = out / member
            if target.exists() and target.stat().st_size == members[member].file_size:
                summary.already_present.append(target)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".tmp")
            with archive.open(member) as source, open(temporary, "wb") as sink:
                shutil.copyfileobj(source, sink, CHUNK_BYTES)
            temporary.replace(target)
            summary.written.append(target)


def download_police_uk(
    force: str,
    months: list[str],
    out: str | Path,
    base_url: str | None = None,
    cache_dir: str | Path | None = None,
    keep_archives: bool = True,
    progress=print,
) -> DownloadSummary:
    """Fetch, verify and extract police.uk street-level files for one force.

    Parameters
    ----------
    force : str
        police.uk force identifier, e.g. ``"west-mercia"``.
    months : list of str
        Months wanted, ``YYYY-MM`` (see :func:`parse_months`).
    out : str or Path
        Where ``YYYY-MM/YYYY-MM-<force>-street.csv`` files are written.
    base_url : str, optional
        Archive location; defaults to ``$CSP_ANALYSIS_POLICE_UK_URL`` or data.police.uk.
    cache_dir : str or Path, optional
        Where archives (and ``.part`` files) are kept; defaults to ``<out>/_archives``.
    keep_archives : bool
        Keep verified archives after extraction (a rerun for other months then needs no
        download). Archives for all forces are large (about 1.5 GB each).
    progress : callable
        Receives one-line progress messages.

    Returns
    -------
    DownloadSummary

    Raises
    ------
    DownloadError
        A transfer failed, or an archive does not verify (it is deleted so the next run
        downloads it again).
    UnknownNameError
        ``force`` is not a police.uk force.
    """
    check_force(force)
    base = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/") + "/"
    out = Path(out)
    cache = Path(cache_dir) if cache_dir else out / "_archives"
    summary = DownloadSummary()
    for archive_month, archive_months in plan_archives(months).items():
        name = f"{archive_month}.zip"
        zip_path = cache / name
        summary.archives.append(name)
        # Skip the transfer when everything this archive would give is already on disk.
        targets = [out / street_member(m, force) for m in archive_months]
        if not zip_path.exists() and all(t.exists() for t in targets):
            summary.already_present.extend(targets)
            progress(f"{name}: all {len(targets)} month(s) already in {out}, not downloaded")
            continue
        if not zip_path.exists():
            fetch(base + name, zip_path, progress=progress)
        try:
            verify_zip(zip_path)
        except DownloadError as exc:
            zip_path.unlink(missing_ok=True)
            raise DownloadError(f"{exc}; deleted {zip_path}, rerun to download it again") from None
        extract_force_months(zip_path, force, archive_months, out, summary)
        if not keep_archives:
            zip_path.unlink()
    summary.missing_months.sort()
    got = [m for m in months if m not in set(summary.missing_months)]
    summary.messages.append(
        f"{force}: got {len(got)} of {len(months)} month(s)"
        + (f", {got[0]} to {got[-1]}" if got else "")
        + f"; {len(summary.written)} file(s) written, {len(summary.already_present)} already "
        f"present in {out}"
    )
    if summary.missing_months:
        summary.messages.append(
            f"{len(summary.missing_months)} month(s) not in the archive for {force}: "
            + ", ".join(summary.missing_months)
        )
    if summary.skipped_members:
        summary.messages.append(
            f"skipped {summary.skipped_members:,} other archive member(s) (other forces, "
            "other months, outcomes and stop-and-search files)"
        )
    return summary


# --------------------------------------------------------------------------- command line


def add_arguments(parser) -> None:
    """Arguments of ``csp-analysis download``."""
    parser.add_argument("--force", required=True, help="police.uk force id, e.g. west-mercia")
    parser.add_argument(
        "--months", required=True, help="START:END inclusive, e.g. 2023-01:2025-12 (or one month)"
    )
    parser.add_argument(
        "--out",
        default=str(RAW_DIR / "police_uk"),
        help="destination directory (default data/raw/police_uk)",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"archive location (default ${BASE_URL_ENV} or {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--cache-dir", default=None, help="where archives are kept (default <out>/_archives)"
    )
    parser.add_argument(
        "--delete-archives",
        action="store_true",
        help="delete each archive once its files are extracted",
    )


def run(args) -> int:
    """Run ``csp-analysis download``; returns 0, or 1 when some months were not found."""
    months = parse_months(args.months)
    check_force(args.force)
    summary = download_police_uk(
        args.force,
        months,
        args.out,
        base_url=args.base_url,
        cache_dir=args.cache_dir,
        keep_archives=not args.delete_archives,
    )
    for message in summary.messages:
        print(message)
    return 1 if summary.missing_months else 0
