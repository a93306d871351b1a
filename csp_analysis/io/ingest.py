"""``csp-analysis ingest``: validate raw files and load them into ``data/processed``.

Reads police.uk street-level files (:mod:`csp_analysis.io.police_uk`), assigns every row to a
configured CSP through the ONS LSOA -> LAD lookups (:mod:`csp_analysis.io.lookups`), optionally
enriches it from a local police extract joined on Crime ID, and loads the population, Home
Office and partner-indicator tables through their loaders. The tables are documented in
docs/data_model.md.

Guarantees:

- every row read is either loaded or rejected with a reason and file:line examples, and
  ``rows_read == rows_loaded + rows_rejected`` is checked for every table before anything is
  written; rows that belong to no configured CSP are kept with an ``unassigned_reason``;
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
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from csp_analysis.core import paths
from csp_analysis.core.config import AreasConfig, load_areas
from csp_analysis.core.exceptions import IngestError
from csp_analysis.core.schema import (
    CRIMES_SCHEMA,
    FLAGS,
    HOME_OFFICE_SCHEMA,
    INDICATORS_SCHEMA,
    POPULATION_SCHEMA,
    UNASSIGNED_REASONS,
)
from csp_analysis.io.ingest_report import DEMO_SOURCE, IngestReport
from csp_analysis.io.lookups import (
    Assigner,
    check_csp_lookup,
    read_csp_lookup,
    read_lsoa11_lookup,
    read_lsoa_lookup,
)
from csp_analysis.io.police_uk import StreetReader, discover_street_files
from csp_analysis.io.rejections import LoadResult, RejectionLog

REJECT_EXTRACT_UNMATCHED = "local extract row matches no police.uk crime"
REJECT_EXTRACT_DUPLICATE_ID = "duplicate crime ID in local extract"
DEMO_MARKER = "DEMO_DATA"
ROW_GROUP_ROWS = 1_000_000  # rows per parquet row group: large enough to compress well
_ENRICHED = ("offence_code", "offence_subgroup", *FLAGS, "victim_sex")
_SMALL_FILE = 64 * 1024 * 1024  # reference files below this size are fingerprinted by sha256


# --------------------------------------------------------------------------- command line


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
    parser.add_argument("--home-office", metavar="FILE", help="Home Office open data table")
    parser.add_argument("--indicators", metavar="CSV", help="partner indicators, long format")
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
            local_extract=args.local_extract,
            demo=args.demo,
            out=args.out,
            progress=progress,
        )
    )
    print(format_summary(report))
    return 0


# --------------------------------------------------------------------------- the ingest


@dataclass
class _Table:
    """Accounting for one loaded table in the report."""

    rows_read: int = 0
    rows_loaded: int = 0
    rejections: RejectionLog = field(default_factory=RejectionLog)

    def to_dict(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rejections.total,
            "rejected_by_reason": self.rejections.to_dict(),
        }

    def check(self, name: str) -> None:
        if self.rows_read != self.rows_loaded + self.rejections.total:
            raise IngestError(
                f"{name}: row accounting failed: read {self.rows_read}, loaded "
                f"{self.rows_loaded}, rejected {self.rejections.total}"
            )


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


def _resolve_demo(demo, police_uk, lsoa_lookup, local_extract, indicators):
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
    )


class _Extract:
    """A local police extract used to enrich police.uk rows, joined on Crime ID."""

    def __init__(self, result: LoadResult):
        self.result = result
        frame = result.frame.reset_index(drop=True)
        ids = frame["crime_id"].astype("string")
        ids = ids.mask(ids.str.strip() == "")  # a blank reference cannot match anything
        duplicated = ids.notna() & ids.duplicated(keep="first")
        self.duplicate_rows = frame.loc[duplicated, "source_row"].tolist()
        self.file = frame["source_file"].iloc[0] if len(frame) else ""
        keep = ~duplicated & ids.notna()
        self.frame = frame[keep].reset_index(drop=True)
        # An object-dtype index: looking object keys up in pandas' Arrow-backed "str" index
        # converts the whole index on every call (0.3-0.6 s a file against 1 ms; measured on
        # the demo extract's 805,839 IDs).
        self.index = pd.Index(
            self.frame["crime_id"].astype(str).to_numpy(dtype=object), dtype=object
        )
        # Build the hash table now, not lazily inside the reader's worker threads.
        self.index.get_indexer(self.index[:1])
        self.matched = np.zeros(len(self.frame), dtype=bool)
        self.columns = {
            name: pa.array(
                self.frame[name].astype(object).where(self.frame[name].notna(), None),
                type=CRIMES_SCHEMA.field(name).type,
            )
            for name in _ENRICHED
        }
        self.no_id_rows = frame.loc[ids.isna(), "source_row"].tolist()

    def enrich(self, crime_ids: pa.Array) -> dict[str, pa.Array]:
        positions = self.index.get_indexer(
            pd.Index(crime_ids.to_numpy(zero_copy_only=False), dtype=object)
        )
        hit = positions >= 0
        self.matched[positions[hit]] = True
        take = pa.array(np.where(hit, positions, 0), mask=~hit, type=pa.int64())
        return {name: column.take(take) for name, column in self.columns.items()}

    def finish(self, table: _Table) -> None:
        """Account for the extract: matched rows loaded (as enrichment), the rest rejected."""
        table.rows_read = self.result.rows_read
        table.rejections.extend(self.result.rejections)
        if self.duplicate_rows:
            table.rejections.add_many(self.file, self.duplicate_rows, REJECT_EXTRACT_DUPLICATE_ID)
        unmatched = self.frame.loc[~self.matched, "source_row"].tolist() + self.no_id_rows
        if unmatched:
            table.rejections.add_many(self.file, sorted(unmatched), REJECT_EXTRACT_UNMATCHED)
        table.rows_loaded = int(self.matched.sum())


class _CrimeStats:
    """Counts kept while crimes stream past: rows per CSP and month, unassigned by reason,
    force-months seen and rows by source. Tallied on the assignment's entry indices with
    numpy, so the cost per file is a few array passes, not a group-by over strings."""

    def __init__(self):
        self.by_csp_month: Counter = Counter()
        self.force_months: set[tuple[str, date]] = set()
        self.unassigned: Counter = Counter()
        self.by_source: Counter = Counter()

    def merge(self, other: _CrimeStats) -> None:
        self.by_csp_month.update(other.by_csp_month)
        self.force_months |= other.force_months
        self.unassigned.update(other.unassigned)
        self.by_source.update(other.by_source)

    def add(self, table: pa.Table, assignment, source: str) -> None:
        n = table.num_rows
        if n == 0:
            return
        self.by_source[source] += n
        # One integer key per assignment entry: the CSP's value code when assigned, else a
        # negative number standing for the reason; numpy does the counting.
        csp_codes = assignment.entry_codes[:, 1]
        reason_codes = assignment.entry_codes[:, 3]
        keys, entry_key = np.unique(
            np.where(csp_codes >= 0, csp_codes, -2 - reason_codes), return_inverse=True
        )
        values = assignment.values
        key_list = [("csp", values[k]) if k >= 0 else ("reason", values[-2 - k]) for k in keys]
        days = _single(table.column("month")).to_numpy(zero_copy_only=False).astype("int64")
        if days.min() == days.max():  # the usual case: one file, one month
            months, month_index = days[:1], np.zeros(n, dtype=np.int64)
        else:
            months, month_index = np.unique(days, return_inverse=True)
        width = len(key_list)
        counts = np.bincount(
            month_index * width + entry_key[assignment.entry_index], minlength=len(months) * width
        ).reshape(len(months), width)
        month_dates = [date.fromordinal(_EPOCH + int(d)) for d in months]
        for m, k in zip(*np.nonzero(counts), strict=True):
            kind, value = key_list[k]
            if kind == "csp":
                self.by_csp_month[(value, month_dates[m])] += int(counts[m, k])
            else:
                self.unassigned[value] += int(counts[m, k])
        force = _single(table.column("force"))
        if pa.types.is_dictionary(force.type) and len(months) == 1 and force.null_count == 0:
            if len(force.dictionary) == 1:  # the usual case again: one force, one month
                self.force_months.add((force.dictionary[0].as_py(), month_dates[0]))
                return
        if pa.types.is_dictionary(force.type):
            names = force.dictionary.to_pylist()
            force_index = force.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        else:
            encoded = pc.dictionary_encode(force)
            names = encoded.dictionary.to_pylist()
            force_index = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        for combo in np.unique(force_index.astype(np.int64) * len(months) + month_index):
            f, m = divmod(int(combo), len(months))
            if f >= 0:
                self.force_months.add((names[f], month_dates[m]))


_EPOCH = date(1970, 1, 1).toordinal()


def _single(column) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def _month_range(first: date, last: date) -> list[date]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _coverage(stats: _CrimeStats, areas: AreasConfig) -> tuple[dict, dict, dict]:
    """Months with data per CSP, and the months missing inside the span its force has data."""
    force_span: dict[str, list[date]] = defaultdict(list)
    for force, month in stats.force_months:
        force_span[force].append(month)
    all_months = [m for months in force_span.values() for m in months]
    months_per_csp, missing_per_csp, rows_per_csp = {}, {}, {}
    for force in areas.forces:
        span = force_span.get(force.id) or all_months
        for csp in force.csps:
            months = sorted(m for (code, m), n in stats.by_csp_month.items() if code == csp.code)
            rows_per_csp[csp.code] = sum(
                n for (code, _), n in stats.by_csp_month.items() if code == csp.code
            )
            months_per_csp[csp.code] = [m.strftime("%Y-%m") for m in months]
            if span:
                expected = _month_range(min(span), max(span))
                have = set(months)
                missing_per_csp[csp.code] = [m.strftime("%Y-%m") for m in expected if m not in have]
            else:
                missing_per_csp[csp.code] = []
    return months_per_csp, missing_per_csp, rows_per_csp


# The schema written to parquet: strings as dictionaries, so the per-file dictionaries from the
# CSV reader and the LSOA assignment go to disk without being expanded and re-hashed. The file
# is written without the Arrow schema, so readers see CRIMES_SCHEMA's plain strings.
_DICT = pa.dictionary(pa.int32(), pa.string())
CRIMES_WRITE_SCHEMA = pa.schema(
    [pa.field(f.name, _DICT if f.type == pa.string() else f.type) for f in CRIMES_SCHEMA]
)


def _crime_table(columns: dict[str, pa.Array], n: int) -> pa.Table:
    """A table in CRIMES_WRITE_SCHEMA order and types; absent columns are all null."""
    arrays = []
    for schema_field in CRIMES_WRITE_SCHEMA:
        array = columns.get(schema_field.name)
        if isinstance(array, pa.ChunkedArray):
            array = _single(array)
        if array is None:
            if schema_field.type == _DICT:
                array = pa.DictionaryArray.from_arrays(
                    pa.nulls(n, pa.int32()), pa.array([], pa.string())
                )
            else:
                array = pa.nulls(n, schema_field.type)
        elif schema_field.type == _DICT and not pa.types.is_dictionary(array.type):
            array = pc.dictionary_encode(array.cast(pa.string()))
        if array.type != schema_field.type:
            array = array.cast(schema_field.type)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=CRIMES_WRITE_SCHEMA)


def _lsoa_names(from_file, assignment) -> pa.Array:
    """The file's LSOA names, falling back to the lookup's where the file gives a code only."""
    names = _single(from_file)
    codes_without_name = names.null_count - int(
        (assignment.entry_index == len(assignment.entries) - 1).sum()
    )
    if codes_without_name <= 0:
        return names
    return pc.coalesce(names.cast(pa.string()), assignment.lsoa_name.cast(pa.string()))


def _flush(writer, pending: list[pa.Table]) -> None:
    """Write pending batches as one row group with one dictionary per column."""
    table = pa.concat_tables(pending).unify_dictionaries().combine_chunks()
    writer.write_table(table, row_group_size=max(table.num_rows, 1))


def _constant(value, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], pa.string())
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
    home_office: str | Path | None = None
    indicators: str | Path | None = None
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
            police_uk, lsoa_lookup, local_extract, indicators = _resolve_demo(
                self.demo, self.police_uk, self.lsoa_lookup, self.local_extract, self.indicators
            )
            request = replace(
                self,
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


@dataclass
class _CrimesLoad:
    """What loading the crimes table gave: its row accounting, running counts, the files read,
    notes and duplicate force-months. One object, filled by the crimes stage."""

    table: _Table = field(default_factory=_Table)
    stats: _CrimeStats = field(default_factory=lambda: _CrimeStats())
    files: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)


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
    load = _CrimesLoad()
    tables: dict[str, _Table] = {"crimes": load.table}
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
            extract = _Extract(extract_result) if extract_result is not None else None
            _ingest_police_uk(request, assigner, extract, writer, load, source_label)
            sources["police_uk"] = {
                "paths": [str(p) for p in request.police_uk],
                "files": load.files,
            }
            if extract is not None:
                tables["local_extract"] = _Table()
                extract.finish(tables["local_extract"])
        else:
            _ingest_extract_as_crimes(extract_result, assigner, areas, writer, load)
    return load, tables


def _write_partner_tables(request, staging, tables, sources, notes) -> None:
    """The Home Office table and partner indicators, when given."""
    if request.home_office is not None:
        from csp_analysis.io.home_office import read_home_office_table

        result = read_home_office_table(request.home_office)
        tables["home_office"] = _from_result(result)
        sources["home_office"] = _fingerprint(Path(request.home_office))
        _write_frame(result.frame, HOME_OFFICE_SCHEMA, staging / paths.HOME_OFFICE_PARQUET)
        notes.extend(result.notes)
    if request.indicators is not None:
        from csp_analysis.io.indicators import read_indicators

        result = read_indicators(request.indicators)
        tables["indicators"] = _from_result(result)
        sources["indicators"] = _fingerprint(Path(request.indicators))
        _write_frame(result.frame, INDICATORS_SCHEMA, staging / paths.INDICATORS_PARQUET)
        notes.extend(result.notes)


def _report(request, areas, sources, tables, load, population_rows, started) -> IngestReport:
    months_per_csp, missing_per_csp, rows_per_csp = _coverage(load.stats, areas)
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
        csps={csp.code: csp.name for csp in areas.csps},
        rows_per_csp=rows_per_csp,
        months_per_csp=months_per_csp,
        missing_months_per_csp=missing_per_csp,
        duplicates=load.duplicates,
        notes=load.notes,
        seconds=round(time.perf_counter() - started, 2),
    )


def _from_result(result: LoadResult) -> _Table:
    result.check_invariant()
    return _Table(result.rows_read, result.rows_loaded, result.rejections)


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


def _ingest_police_uk(request, assigner, extract, writer, load: _CrimesLoad, source_label):
    """Stream the police.uk files through assignment (and enrichment) into the writer."""
    discovery = discover_street_files(request.police_uk, request.forces)
    load.notes.extend(discovery.notes)
    reader = StreetReader(discovery.files, request.workers, keep_crime_id=extract is not None)
    crimes_table, stats, files_info = load.table, load.stats, load.files
    pending: list[pa.Table] = []
    pending_rows = 0
    bar = None
    if request.progress:
        from tqdm import tqdm

        bar = tqdm(total=len(discovery.files), unit="file", desc="police.uk", file=sys.stderr)

    def transform(batch):
        """Per-file work, run in the reader's worker threads: assign, build, count."""
        table = batch.table
        n = table.num_rows
        assignment = assigner.assign(table.column("lsoa_code"))
        columns = {
            "month": table.column("month"),
            "force": table.column("force"),
            "csp_code": assignment.csp_code,
            "csp_name": assignment.csp_name,
            "lad_code": assignment.lad_code,
            "lsoa_code": table.column("lsoa_code"),
            "lsoa_name": _lsoa_names(table.column("lsoa_name"), assignment),
            "crime_type": table.column("crime_type"),
            "outcome": table.column("outcome"),
            "source": _constant(source_label, n),
            "source_file": _constant(batch.file.name, n),
            "source_row": table.column("source_row"),
            "unassigned_reason": assignment.unassigned_reason,
        }
        if extract is not None:
            columns.update(extract.enrich(_single(table.column("crime_id"))))
        batch_stats = _CrimeStats()
        out_table = _crime_table(columns, n)
        batch_stats.add(out_table, assignment, source_label)
        return out_table, batch_stats

    for batch, (out_table, batch_stats) in reader.iter_transformed(transform):
        crimes_table.rows_read += batch.rows_read
        crimes_table.rejections.extend(batch.rejections)
        load.notes.extend(batch.notes)
        n = out_table.num_rows
        crimes_table.rows_loaded += n
        stats.merge(batch_stats)
        pending.append(out_table)
        pending_rows += n
        if pending_rows >= ROW_GROUP_ROWS:
            _flush(writer, pending)
            pending, pending_rows = [], 0
        file_info = {
            "name": batch.file.name,
            "where": batch.file.where,
            "size": batch.file.size(),
            "rows_read": batch.rows_read,
            "rows_loaded": n,
            "rows_rejected": batch.rejections.total,
        }
        if batch.file.member is None:
            file_info["modified"] = datetime.fromtimestamp(
                batch.file.path.stat().st_mtime, timezone.utc
            ).isoformat()
        else:
            file_info["crc32"] = batch.file.crc32()
        files_info.append(file_info)
        if bar is not None:
            bar.update(1)
    if pending:
        _flush(writer, pending)
    if bar is not None:
        bar.close()
    load.duplicates.extend(d.to_dict() for d in reader.duplicates)


def _ingest_extract_as_crimes(result: LoadResult, assigner, areas, writer, load: _CrimesLoad):
    """No police.uk files: the local extract's rows are the crimes (source "local_extract")."""
    stats, crimes_table = load.stats, load.table
    frame = result.frame.reset_index(drop=True)
    n = len(frame)
    crimes_table.rows_read = result.rows_read
    crimes_table.rejections.extend(result.rejections)
    crimes_table.rows_loaded = n
    if n == 0:
        return
    lsoa = pa.array(
        frame["lsoa_code"].astype(object).where(frame["lsoa_code"].notna(), None), type=pa.string()
    )
    lsoa = pc.if_else(pc.equal(lsoa, ""), None, lsoa)
    assignment = assigner.assign(lsoa)
    force_of_csp = {csp.code: force.id for force in areas.forces for csp in force.csps}
    if len(areas.forces) == 1:
        force = _constant(areas.forces[0].id, n)
    else:
        force = pa.array(
            [force_of_csp.get(c) for c in assignment.csp_code.to_pylist()], type=pa.string()
        )

    def column(name):
        values = frame[name]
        return pa.array(
            values.astype(object).where(values.notna(), None),
            type=CRIMES_SCHEMA.field(name).type if name in CRIMES_SCHEMA.names else None,
        )

    columns = {
        "month": pa.array(pd.to_datetime(frame["month"]).dt.date, type=pa.date32()),
        "force": force,
        "csp_code": assignment.csp_code,
        "csp_name": assignment.csp_name,
        "lad_code": assignment.lad_code,
        "lsoa_code": lsoa,
        "lsoa_name": assignment.lsoa_name,
        "source": _constant("local_extract", n),
        "source_file": column("source_file"),
        "source_row": column("source_row"),
        "unassigned_reason": assignment.unassigned_reason,
    }
    for name in ("crime_type", "outcome", *_ENRICHED):
        columns[name] = column(name)
    table = _crime_table(columns, n)
    stats.add(table, assignment, "local_extract")
    _flush(writer, [table])


# --------------------------------------------------------------------------- summary


def format_summary(report: IngestReport) -> str:
    """The printed summary of an ingest report (the full detail is in ingest_report.json)."""
    lines = []
    label = "SYNTHETIC demonstration data" if report.synthetic else "real data"
    lines.append(f"Ingested {label} into {report.out} in {report.seconds} s")
    lines.append(f"  police.uk files read: {report.files_read:,}")
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
        lines.append("  unassigned (kept, belong to no configured CSP):")
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
