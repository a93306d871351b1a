"""``csp-analysis ingest``: validate raw files and load them into ``data/processed``.

Reads police.uk street-level files (:mod:`csp_analysis.io.police_uk`), assigns every row to a
partnership (CSP) of England and Wales through the ONS LSOA -> LAD lookups (:mod:`csp_analysis.io.lookups`), optionally
enriches it from a local police extract joined on Crime ID, and loads the population, Home
Office and partner-indicator tables through their loaders. The tables are documented in
docs/data_model.md.

Guarantees:

- every row read is either loaded or rejected with a reason and file:line examples, and
  ``rows_read == rows_loaded + rows_rejected`` is checked for every table before anything is
  written; rows that belong to no partnership of their force are kept with an ``unassigned_reason``;
- a failed ingest leaves the previous processed data intact: everything is written into a
  temporary directory beside the output and only moved into place once complete;
- ``ingest_report.json`` records what was read (files with size and modification time, or
  sha256 for small reference files), what was loaded, rejected and unassigned, the months each
  CSP has and lacks, duplicated force-months, and whether the data are synthetic.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from csp_analysis.core import paths
from csp_analysis.core.config import AreasConfig
from csp_analysis.core.exceptions import IngestError
from csp_analysis.core.registry import load_areas
from csp_analysis.core.schema import (
    HOME_OFFICE_SCHEMA,
    INDICATORS_SCHEMA,
    POPULATION_SCHEMA,
    UNASSIGNED_REASONS,
)
from csp_analysis.io.crimes import (
    CRIMES_WRITE_SCHEMA,
    CrimesLoad,
    Extract,
    TableAccount,
    account_for,
    crime_coverage,
    write_extract_as_crimes,
    write_police_uk,
)
from csp_analysis.io.ingest_report import DEMO_SOURCE, IngestReport
from csp_analysis.io.lookups import (
    Assigner,
    check_csp_lookup,
    read_csp_lookup,
    read_lsoa11_lookup,
    read_lsoa_lookup,
)
from csp_analysis.io.rejections import LoadResult, RejectionLog

DEMO_MARKER = "DEMO_DATA"
DEMO_HOME_OFFICE_DIR = "home_office"  # csp-analysis demo-data writes its CSP tables here
DEMO_BOUNDARIES_DIR = "boundaries"  # ... and its synthetic LSOA boundaries here


_SMALL_FILE = 64 * 1024 * 1024  # reference files below this size are fingerprinted by sha256


def add_arguments(parser) -> None:
    """Declare the ``ingest`` options (see docs/data_model.md for what they produce)."""
    parser.add_argument(
        "--police-uk",
        nargs="+",
        metavar="PATH",
        help="police.uk street-level CSVs, folders of YYYY-MM-<force>-street.csv files, or "
        "archive zips from data.police.uk",
    )
    parser.add_argument(
        "--force", nargs="+", metavar="SLUG", help="police.uk force slugs to keep, e.g. west-mercia"
    )
    parser.add_argument("--lsoa-lookup", metavar="CSV", help="ONS LSOA21 -> LAD best-fit lookup")
    parser.add_argument(
        "--lsoa11-lookup",
        metavar="CSV",
        help="ONS LSOA11 -> LSOA21 (or LSOA11 -> LAD) lookup, to place 2011 LSOAs",
    )
    parser.add_argument(
        "--csp-lookup",
        metavar="CSV",
        help="ONS LAD -> CSP -> PFA lookup (checked against config/areas.yaml)",
    )
    parser.add_argument(
        "--population", metavar="XLSX", help="ONS mid-year estimates workbook (default: config)"
    )
    parser.add_argument(
        "--home-office",
        nargs="+",
        metavar="FILE",
        help="Home Office open data tables (force or CSP level; .csv, .xlsx, .ods); where "
        "editions overlap, a later file's quarters replace an earlier one's",
    )
    parser.add_argument("--indicators", metavar="CSV", help="partner indicators, long format")
    parser.add_argument(
        "--boundaries",
        nargs="+",
        metavar="PATH",
        help="ONS LSOA boundary files or folders (GeoJSON, GeoPackage, Shapefile), for maps",
    )
    parser.add_argument(
        "--local-extract", metavar="CSV", help="local police extract (joined on Crime ID)"
    )
    parser.add_argument(
        "--demo",
        metavar="DIR",
        help="the synthetic demonstration data written by `csp-analysis demo-data`",
    )
    parser.add_argument(
        "--out", metavar="DIR", help=f"output directory (default {paths.PROCESSED_DIR})"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    """Run the ingest from parsed arguments and print its summary."""
    progress = not args.no_progress and sys.stderr.isatty()
    report = ingest(
        IngestRequest(
            police_uk=args.police_uk,
            forces=args.force,
            lsoa_lookup=args.lsoa_lookup,
            lsoa11_lookup=args.lsoa11_lookup,
            csp_lookup=args.csp_lookup,
            population=args.population,
            home_office=args.home_office,
            indicators=args.indicators,
            boundaries=args.boundaries,
            local_extract=args.local_extract,
            demo=args.demo,
            out=args.out,
            progress=progress,
        )
    )
    print(format_summary(report))
    return 0


def _fingerprint(path: Path) -> dict:
    stat = path.stat()
    entry = {
        "name": path.name,
        "path": str(path),
        "size": stat.st_size,
        "modified": datetime.fromtimestamp(stat.st_mtime, timezone.utc).isoformat(),
    }
    if path.is_file() and stat.st_size <= _SMALL_FILE:
        entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entry


def _resolve_demo(demo, police_uk, lsoa_lookup, local_extract, indicators, home_office, boundaries):
    directory = Path(demo)
    if not (directory / DEMO_MARKER).is_file():
        raise IngestError(
            f"{directory} is not a demo data directory (no {DEMO_MARKER} marker); "
            "create it with `csp-analysis demo-data`"
        )

    def default(given, name):
        if given is not None:
            return given
        candidate = directory / name
        return str(candidate) if candidate.exists() else None

    street = default(None, "police_uk")
    return (
        police_uk or ([street] if street else None),
        default(lsoa_lookup, "lsoa_lookup.csv"),
        default(local_extract, "local_extract.csv"),
        default(indicators, "indicators.csv"),
        # The synthetic national Home Office CSP tables, oldest edition first.
        home_office or (sorted(map(str, directory.glob(f"{DEMO_HOME_OFFICE_DIR}/*.csv"))) or None),
        boundaries
        or (sorted(map(str, directory.glob(f"{DEMO_BOUNDARIES_DIR}/*.geojson"))) or None),
    )


@dataclass(frozen=True)
class IngestRequest:
    """The inputs of one ingest: every option of ``csp-analysis ingest``.

    See :func:`ingest` for what each field means. :meth:`resolved` fills in what a demo-data
    folder provides and checks that there is something to ingest.
    """

    police_uk: Sequence[str | Path] | None = None
    forces: Sequence[str] | None = None
    lsoa_lookup: str | Path | None = None
    lsoa11_lookup: str | Path | None = None
    csp_lookup: str | Path | None = None
    population: str | Path | None = None
    home_office: Sequence[str | Path] | str | Path | None = None
    indicators: str | Path | None = None
    boundaries: Sequence[str | Path] | None = None
    local_extract: str | Path | None = None
    demo: str | Path | None = None
    out: str | Path | None = None
    areas_path: str | Path | None = None
    progress: bool = False
    workers: int | None = None

    @property
    def synthetic(self) -> bool:
        return self.demo is not None

    @property
    def out_dir(self) -> Path:
        return Path(self.out) if self.out is not None else paths.PROCESSED_DIR

    def resolved(self) -> IngestRequest:
        """This request with the demo folder's files filled in, checked for the minimum."""
        request = self
        if self.demo is not None:
            police_uk, lsoa_lookup, local_extract, indicators, home_office, boundaries = (
                _resolve_demo(
                    self.demo,
                    self.police_uk,
                    self.lsoa_lookup,
                    self.local_extract,
                    self.indicators,
                    self.home_office,
                    self.boundaries,
                )
            )
            request = replace(
                self,
                home_office=home_office,
                boundaries=boundaries,
                police_uk=police_uk,
                lsoa_lookup=lsoa_lookup,
                local_extract=local_extract,
                indicators=indicators,
            )
        if not request.police_uk and not request.local_extract:
            raise IngestError(
                "nothing to ingest: give --police-uk PATH, --local-extract CSV or --demo DIR"
            )
        if request.lsoa_lookup is None:
            raise IngestError(
                "--lsoa-lookup is required to assign LSOAs to CSPs (the ONS LSOA (2021) to LAD "
                "best-fit lookup; see docs/data_sources.md)"
            )
        return request


def ingest(request: IngestRequest | None = None, /, **options) -> IngestReport:
    """Validate and load the given sources into ``out`` (default ``data/processed``).

    Reads the lookups, then the crimes (police.uk files, enriched by a local extract, or the
    extract alone), population, Home Office table and partner indicators into a staging folder,
    checks every table's row accounting, writes the :class:`IngestReport`, and only then swaps
    the staging folder's files into ``out``: a failed ingest leaves the previous one in place.

    Parameters
    ----------
    request : IngestRequest, optional
        Everything to ingest; or give its fields as keywords (``ingest(police_uk=[...],
        lsoa_lookup=...)``). The fields:
    police_uk : list of str or Path, optional
        Street-level CSVs, folders or archive zips (see :mod:`csp_analysis.io.police_uk`).
    forces : list of str, optional
        Force slugs to keep from the police.uk inputs.
    lsoa_lookup, lsoa11_lookup, csp_lookup : str or Path, optional
        ONS lookups (see :mod:`csp_analysis.io.lookups`). The LSOA21 lookup is required whenever
        crimes are loaded. The CSP lookup is only checked against ``config/areas.yaml``.
    population : str or Path, optional
        ONS mid-year estimates workbook; without it population comes from areas.yaml.
    home_office, indicators, local_extract : str or Path, optional
        Loaded by :mod:`csp_analysis.io.home_office` and :mod:`csp_analysis.io.indicators`.
    demo : str or Path, optional
        A directory written by ``csp-analysis demo-data``: supplies the police.uk files, LSOA
        lookup, local extract and indicators not given explicitly, and marks the data synthetic.
    out : str or Path, optional
        Output directory; written only once everything has been read and checked.
    areas_path : str or Path, optional
        Areas configuration (default ``config/areas.yaml``).
    progress : bool
        Show a progress bar over the police.uk files.
    workers : int, optional
        Files parsed in parallel (default: CPU count).

    Returns
    -------
    IngestReport
        The ingest report, as written to ``ingest_report.json``.

    Raises
    ------
    IngestError
        Nothing to ingest, a missing lookup, or failed row accounting.
    InputFileError, ConfigError
        From the loaders and lookups: a file, its line and the problem.
    """
    started = time.perf_counter()
    request = (request or IngestRequest(**options)).resolved()
    areas = load_areas(request.areas_path) if request.areas_path else load_areas()
    out = request.out_dir
    sources: dict[str, dict] = {}
    assigner = _assigner(request, areas, sources)
    extract_result = _read_extract(request, sources)

    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.ingest-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        load, tables = _write_crimes(request, assigner, extract_result, areas, staging, sources)
        population_frame = _population(request.population, areas, sources)
        _write_frame(population_frame, POPULATION_SCHEMA, staging / paths.POPULATION_PARQUET)
        _write_partner_tables(request, staging, tables, sources, load.notes)
        _write_boundaries(request, staging, tables, sources, load.notes)
        for name, table in tables.items():
            table.check(name)
        report = _report(request, areas, sources, tables, load, len(population_frame), started)
        report.write(staging)
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _assigner(request: IngestRequest, areas: AreasConfig, sources: dict) -> Assigner:
    """Read the LSOA lookups (and check the CSP lookup against the areas) into an Assigner."""
    lookup21 = read_lsoa_lookup(request.lsoa_lookup)
    sources["lsoa_lookup"] = _fingerprint(Path(request.lsoa_lookup))
    lad11 = None
    if request.lsoa11_lookup is not None:
        lad11 = read_lsoa11_lookup(request.lsoa11_lookup, lookup21)
        sources["lsoa11_lookup"] = _fingerprint(Path(request.lsoa11_lookup))
    if request.csp_lookup is not None:
        check_csp_lookup(read_csp_lookup(request.csp_lookup), areas, request.csp_lookup)
        sources["csp_lookup"] = _fingerprint(Path(request.csp_lookup))
    else:
        sources["csp_lookup"] = {"name": "config/areas.yaml", "path": str(paths.AREAS_CONFIG)}
    return Assigner(lookup21, areas, lad11)


def _read_extract(request: IngestRequest, sources: dict) -> LoadResult | None:
    if request.local_extract is None:
        return None
    from csp_analysis.io.indicators import read_local_extract

    result = read_local_extract(request.local_extract)
    result.check_invariant()
    sources["local_extract"] = _fingerprint(Path(request.local_extract))
    return result


def _write_crimes(request, assigner, extract_result, areas, staging, sources):
    """Write crimes.parquet from the police.uk files (enriched by the extract when there is
    one) or from the extract alone; return what was loaded and the tables to account for."""
    load = CrimesLoad()
    tables: dict[str, TableAccount] = {"crimes": load.table}
    source_label = "demo" if request.synthetic else "police_uk"
    with pq.ParquetWriter(
        staging / paths.CRIMES_PARQUET,
        CRIMES_WRITE_SCHEMA,
        compression="zstd",
        store_schema=False,
        # Statistics on every string column cost more than the rest of the write; the
        # columns analyses filter on keep theirs (row-group pruning).
        write_statistics=["month", "force", "csp_code"],
    ) as writer:
        writer.add_key_value_metadata(
            {
                "csp_analysis.synthetic": "true" if request.synthetic else "false",
                "csp_analysis.source": source_label,
            }
        )
        if request.police_uk:
            extract = Extract(extract_result) if extract_result is not None else None
            write_police_uk(request, assigner, extract, writer, load, source_label)
            sources["police_uk"] = {
                "paths": [str(p) for p in request.police_uk],
                "files": load.files,
            }
            if extract is not None:
                tables["local_extract"] = TableAccount()
                extract.finish(tables["local_extract"])
        else:
            write_extract_as_crimes(extract_result, assigner, areas, writer, load)
    return load, tables


def _write_partner_tables(request, staging, tables, sources, notes) -> None:
    """The Home Office table and partner indicators, when given."""
    from csp_analysis.io.home_office import read_home_office_tables
    from csp_analysis.io.indicators import read_indicators

    for name, path, read, schema, parquet in (
        ("home_office", request.home_office, read_home_office_tables, HOME_OFFICE_SCHEMA,
         paths.HOME_OFFICE_PARQUET),
        ("indicators", request.indicators, read_indicators, INDICATORS_SCHEMA,
         paths.INDICATORS_PARQUET),
    ):  # fmt: skip
        if path is None:
            continue
        result = read(path)
        tables[name] = account_for(result)
        given = [path] if isinstance(path, (str, Path)) else list(path)
        fingerprints = [_fingerprint(Path(p)) for p in given]
        sources[name] = (
            fingerprints[0]
            if len(fingerprints) == 1
            else {"files": [f["name"] for f in fingerprints], "fingerprints": fingerprints}
        )
        _write_frame(result.frame, schema, staging / parquet)
        notes.extend(result.notes)


def _write_boundaries(request, staging, tables, sources, notes) -> None:
    """LSOA boundaries, when given, as GeoParquet (British National Grid)."""
    if not request.boundaries:
        return
    from csp_analysis.io.boundaries import read_boundaries

    result = read_boundaries(request.boundaries)
    tables["boundaries"] = account_for(result)
    sources["boundaries"] = {"files": result.files}
    result.frame.to_parquet(staging / paths.BOUNDARIES_PARQUET, index=False)
    notes.extend(result.notes)


def _report(request, areas, sources, tables, load, population_rows, started) -> IngestReport:
    months_per_csp, missing_per_csp, rows_per_csp = crime_coverage(load.stats, areas)
    rejected = RejectionLog()
    for table in tables.values():
        rejected.extend(table.rejections)
    stats = load.stats
    return IngestReport(
        ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        synthetic=request.synthetic or bool(stats.by_source.get(DEMO_SOURCE)),
        out=str(request.out_dir),
        sources=sources,
        files_read=len(load.files),
        rows_read=sum(t.rows_read for t in tables.values()),
        rows_loaded=sum(t.rows_loaded for t in tables.values()),
        rows_rejected=sum(t.rejections.total for t in tables.values()),
        rejected_by_reason=rejected.to_dict(),
        tables={name: t.to_dict() for name, t in tables.items()},
        crimes_rows=load.table.rows_loaded,
        population_rows=population_rows,
        crimes_by_source=dict(stats.by_source),
        unassigned_by_reason={
            reason: stats.unassigned[reason]
            for reason in UNASSIGNED_REASONS
            if stats.unassigned[reason]
        },
        csps={code: areas.csp(code).name for code in months_per_csp},
        forces={
            force: sorted(month.strftime("%Y-%m") for f, month in stats.force_months if f == force)
            for force in sorted({f for f, _ in stats.force_months})
        },
        rows_per_csp=rows_per_csp,
        months_per_csp=months_per_csp,
        missing_months_per_csp=missing_per_csp,
        duplicates=load.duplicates,
        notes=load.notes,
        seconds=round(time.perf_counter() - started, 2),
    )


def _population(population, areas: AreasConfig, sources: dict) -> pd.DataFrame:
    from csp_analysis.io import population as population_module

    if population is not None:
        sources["population"] = _fingerprint(Path(population))
        return population_module.read_population_workbook(population, areas)
    sources["population"] = {"name": "config/areas.yaml", "path": str(paths.AREAS_CONFIG)}
    return population_module.population_from_config(areas)


def _write_frame(frame: pd.DataFrame, schema: pa.Schema, path: Path) -> None:
    table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


def _swap_in(staging: Path, out: Path) -> None:
    """Move the staged files into ``out``, replacing the previous ingest's outputs.

    Everything has already been written and checked, so only renames remain. Other files in
    ``out`` (a README, .gitkeep) are left alone; outputs of a previous ingest that this one did
    not produce are removed so tables from two ingests are never mixed.
    """
    out.mkdir(parents=True, exist_ok=True)
    produced = {p.name for p in staging.iterdir()}
    for name in (
        paths.CRIMES_PARQUET,
        paths.POPULATION_PARQUET,
        paths.HOME_OFFICE_PARQUET,
        paths.INDICATORS_PARQUET,
        paths.BOUNDARIES_PARQUET,
        paths.INGEST_REPORT,
    ):
        target = out / name
        if name in produced:
            os.replace(staging / name, target)
        elif target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def format_summary(report: IngestReport) -> str:
    """The printed summary of an ingest report (the full detail is in ingest_report.json)."""
    lines = []
    label = "SYNTHETIC demonstration data" if report.synthetic else "real data"
    lines.append(f"Ingested {label} into {report.out} in {report.seconds} s")
    lines.append(f"  police.uk files read: {report.files_read:,}")
    for force, months in report.forces.items():
        lines.append(f"  force {force}: {len(months)} months, {months[0]} to {months[-1]}")
    lines.append(
        f"  rows read {report.rows_read:,} = loaded {report.rows_loaded:,} "
        f"+ rejected {report.rows_rejected:,}"
    )
    for name, table in report.tables.items():
        lines.append(
            f"    {name}: read {table['rows_read']:,}, loaded {table['rows_loaded']:,}, "
            f"rejected {table['rows_rejected']:,}"
        )
    if report.rejected_by_reason:
        lines.append("  rejected by reason:")
        for reason, entry in report.rejected_by_reason.items():
            where = ", ".join(e["where"] for e in entry["examples"][:3])
            lines.append(f"    {reason}: {entry['rows']:,} (e.g. {where})")
    lines.append(f"  crimes table: {report.crimes_rows:,} rows")
    if report.unassigned_by_reason:
        lines.append("  unassigned (kept, in no partnership of the recording force):")
        for reason, count in report.unassigned_by_reason.items():
            lines.append(f"    {reason}: {count:,}")
    lines.append("  months per CSP:")
    for code, months in report.months_per_csp.items():
        name = report.csps.get(code, code)
        missing = report.missing_months_per_csp.get(code, [])
        span = f"{months[0]} to {months[-1]}" if months else "no data"
        gap = f"; missing {', '.join(missing)}" if missing else ""
        lines.append(
            f"    {name} ({code}): {len(months)} months, {span}, "
            f"{report.rows_per_csp.get(code, 0):,} rows{gap}"
        )
    if report.duplicates:
        lines.append("  duplicate force-months (rejected, never double counted):")
        for dup in report.duplicates:
            lines.append(
                f"    {dup['force']} {dup['month']}: {dup['rows_rejected']:,} rows in "
                f"{dup['rejected']} (kept {dup['kept']})"
            )
    for note in report.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
