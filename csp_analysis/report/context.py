"""The data a report notebook works on, loaded once: :class:`ReviewContext` and :func:`load_context`.

A report notebook (``notebooks/*.ipynb``) calls :func:`load_context` once and hands the context
to the section functions of :mod:`csp_analysis.report.review`. The context holds:

* the police force's crime records up to ``period_end`` (only the columns the reviews need; no
  Crime IDs, coordinates or source file names are ever read);
* the force's month coverage (which months the force published anything, so that a month
  without data is a gap and never a zero, as :mod:`csp_analysis.analysis.series` defines it);
* the mid-year population estimates, the partner indicators (when ingested) and whether the data
  are the synthetic demonstration data (``ingest_report.json``).

Periods follow the house conventions: "year ending" is the 12 months to ``period_end``; the
financial year runs April to March (Q1 = April to June); the year-to-date compares April to
``period_end`` with the same months a year earlier.

Priority selection is evaluated with :func:`csp_analysis.analysis.series.select_priority` - the one
implementation of the clause rules in ``config/priorities.yaml`` - but on the table of distinct
combinations of the fields a clause can test (crime type, offence code and subgroup, outcome,
flags, victim sex: a few thousand rows) instead of on every record; each record then takes the
verdict of its combination. The result is the same as selecting on the records, at a fraction
of the cost (the batch runs about fifty notebooks on two cores).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csp_analysis.analysis import national, peers, series
from csp_analysis.core import paths
from csp_analysis.core.calendar import month_label, year_ending_label
from csp_analysis.core.config import (
    AreasConfig,
    Csp,
    Force,
    PrioritiesConfig,
    Priority,
    Selection,
    load_priorities,
)
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.core.registry import load_areas
from csp_analysis.core.schema import FLAGS
from csp_analysis.io import remote
from csp_analysis.io.ingest_report import data_are_synthetic

__all__ = ["CRIME_COLUMNS", "ReportWindows", "ReviewContext", "load_context"]

T = TypeVar("T")

# Columns read from crimes.parquet. Record identifiers (source_file, source_row) are not read:
# nothing a published page shows may point back to a record.
CRIME_COLUMNS = (
    "month",
    "force",
    "csp_code",
    "csp_name",
    "lad_code",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "offence_code",
    "offence_subgroup",
    "outcome",
    *FLAGS,
    "victim_sex",
    "unassigned_reason",
)
# The record fields a priority clause can test (see series.PRIORITY_FIELD_COLUMNS).
CLAUSE_COLUMNS = (
    "crime_type",
    "offence_code",
    "offence_subgroup",
    "outcome",
    *FLAGS,
    "victim_sex",
)
_KEY = "_clause_key"


class ReportWindows(BaseModel):
    """The windows a report looks through, notebook parameters with these defaults: months of
    the trend and control charts, neighbourhoods listed, months forecast."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    trend_months: int = Field(default=36, ge=12, le=120)
    top_areas: int = Field(default=10, ge=1, le=50)
    forecast_horizon: int = Field(default=12, ge=1, le=24)

    @classmethod
    def checked(cls, **values) -> ReportWindows:
        """Validated, with an error naming the parameter and the allowed range."""
        try:
            return cls(**values)
        except ValidationError as exc:
            first = exc.errors()[0]
            name = ".".join(str(p) for p in first["loc"])
            raise AnalysisError(
                f"report parameter {name} = {first.get('input')!r}: {first['msg'].lower()}"
            ) from None


@dataclass
class ReviewContext:
    """Everything a report's sections need, loaded once per notebook.

    Attributes
    ----------
    areas, priorities : AreasConfig, PrioritiesConfig
        The validated configuration.
    force : Force
        The police force the report belongs to.
    csp : Csp or None
        The CSP the report is about (None for force-level reports).
    priority : Priority or None
        The priority area of a thematic review.
    period_end : pandas.Timestamp
        The last month reported (first of the month).
    crimes : pandas.DataFrame
        The force's records up to ``period_end`` (columns :data:`CRIME_COLUMNS` that exist).
    coverage : pandas.DataFrame
        :func:`csp_analysis.analysis.series.month_coverage` of the force (``covered`` per CSP-month).
    population : pandas.DataFrame
        ``csp_code, csp_name, year, population, source``.
    indicators : pandas.DataFrame
        Partner indicators (empty when none were ingested).
    synthetic : bool
        True for the demonstration data.
    source : str
        Config data source the records are treated as ("local_extract" or "police_uk").
    data_start, data_end : pandas.Timestamp
        First and last month the force has data for (``data_end`` may be after
        ``period_end``; records after ``period_end`` are not loaded).
    """

    areas: AreasConfig
    priorities: PrioritiesConfig
    force: Force
    csp: Csp | None
    priority: Priority | None
    period_end: pd.Timestamp
    crimes: pd.DataFrame
    coverage: pd.DataFrame
    population: pd.DataFrame
    indicators: pd.DataFrame
    synthetic: bool
    source: str
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    windows: ReportWindows = field(default_factory=ReportWindows)
    processed_dir: Path | None = None
    _keys: pd.DataFrame = field(repr=False, default=None)
    _cache: dict = field(repr=False, default_factory=dict)
    _shared: dict = field(repr=False, default_factory=dict)

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()`` once per context and ``key``: sections that show the same fit or table
        (the peer table, a decomposition) share one computation."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def shared_memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()`` once per process for every report of this force and period: for what
        depends only on the force's data (boundaries, a partnership's outlines and contiguity),
        never on the report. A batch worker's kernel template fills it before forking a
        partnership's reports (batch/kernel_forks.py). Callers must not change the result."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    # ------------------------------------------------------------------ periods

    @property
    def year_start(self) -> pd.Timestamp:
        """First month of the year ending ``period_end``."""
        return self.period_end - pd.DateOffset(months=11)

    @property
    def year_months(self) -> pd.DatetimeIndex:
        """The 12 months of the year ending ``period_end``."""
        return pd.date_range(self.year_start, self.period_end, freq="MS")

    @property
    def year_label(self) -> str:
        """e.g. "year ending March 2026"."""
        return year_ending_label(self.period_end)

    @property
    def covered_months(self) -> pd.DatetimeIndex:
        """Months up to ``period_end`` in which the force published data."""

        def months() -> pd.DatetimeIndex:
            cov = self.coverage.loc[self.coverage["covered"], "month"].drop_duplicates()
            return pd.DatetimeIndex(sorted(cov[cov <= self.period_end]))

        # Asked about 130 times a report (2 ms each).
        return self.memo(("covered_months",), months)

    @property
    def n_months(self) -> int:
        """How many months of data the force has up to ``period_end``."""
        return len(self.covered_months)

    def has_full_year(self) -> bool:
        """Whether every month of the year ending ``period_end`` has data."""
        return set(self.year_months) <= set(self.covered_months)

    @property
    def area_name(self) -> str:
        """The CSP's name, or the force's for force-level reports."""
        return self.csp.name if self.csp is not None else self.force.name

    @property
    def csp_names(self) -> dict[str, str]:
        """CSP code -> display name for the force's CSPs, in configuration order."""
        return {c.code: c.name for c in self.force.csps}

    # ------------------------------------------------------------------ population

    def population_year(self) -> int:
        """The mid-year (30 June) inside the year ending ``period_end``."""
        return int(self.period_end.year if self.period_end.month >= 6 else self.period_end.year - 1)

    # ------------------------------------------------------------------ national comparison

    def peer_group(self, csp: Csp | None = None) -> peers.PeerGroup:
        """The partnership's peer group: the user's list in ``config/areas.yaml``, otherwise
        its nearest neighbours on ONS indicators (:mod:`csp_analysis.analysis.peers`)."""
        csp = csp or self.csp
        if csp is None:
            raise AnalysisError("a force-level report has no single peer group")
        return peers.peer_group(csp.code, self.areas)

    def home_office_csp_rows(self) -> pd.DataFrame | None:
        """The ingested Home Office CSP-level rows, or None when none were ingested."""

        def read() -> pd.DataFrame | None:
            path = (self.processed_dir or paths.PROCESSED_DIR) / paths.HOME_OFFICE_PARQUET
            if not path.is_file():
                return None
            frame = pq.read_table(path).to_pandas()
            if "partnership_code" not in frame:
                return None  # ingested before partnerships were resolved: re-run the ingest
            frame = frame[frame["area_type"] == "csp"]
            return frame if not frame.empty else None

        return self.memo(("home_office_csp",), read)

    def national_counts(self, priority: Priority | tuple[str, ...]) -> national.NationalCounts:
        """The priority in every partnership area for the latest year ending at a quarter's
        end, on or before ``period_end``, that the national data cover for this partnership
        (or, in a force report, for all of the force's partnerships)."""
        key = priority.id if isinstance(priority, Priority) else priority
        return self.memo(("national", key), lambda: self._national_counts(priority))

    def _national_counts(self, priority) -> national.NationalCounts:
        wanted = [self.csp.code] if self.csp is not None else [c.code for c in self.force.csps]
        home_office = self.home_office_csp_rows()
        end = national.latest_quarter_end(self.period_end)
        problem = None
        for _ in range(4):  # the tables may lag the police.uk months by a few quarters
            try:
                if home_office is not None:
                    counts = national.national_counts(home_office, priority, end)
                elif isinstance(priority, Priority):
                    counts = national.police_uk_counts(self._police_uk_monthly(priority), end)
                else:
                    raise AnalysisError(
                        "police.uk does not separate residential from business burglary"
                    )
            except AnalysisError as exc:
                problem = exc
            else:
                if all(counts.count(code) is not None for code in wanted):
                    return counts
            end = end - pd.DateOffset(months=3)
        if home_office is None:
            raise AnalysisError(
                "no national counts: ingest the Home Office CSP-level open data tables "
                "(`csp-analysis ingest --home-office ...`) or the police.uk archive of every "
                "force to compare partnerships across England and Wales"
            )
        raise problem or AnalysisError(
            f"the national data do not cover {self.area_name} in the four quarters before "
            f"{self.period_end:%B %Y}"
        )

    def _police_uk_monthly(self, priority: Priority) -> pd.DataFrame:
        """Monthly counts of the priority by partnership area from every force's police.uk
        records (the police.uk archive), where the priority is counted by its definition."""
        path = (self.processed_dir or paths.PROCESSED_DIR) / paths.CRIMES_PARQUET
        columns = ["month", "csp_code", "crime_type", "outcome"]
        start = self.period_end - pd.DateOffset(months=23)
        table = pq.read_table(path, columns=columns, filters=[("month", ">=", start.date())])
        frame = table.to_pandas()
        frame = frame[frame["csp_code"].notna()]
        mask, selection = series.priority_mask(frame, priority, source="police_uk")
        chosen = frame.loc[mask]
        if selection.method != "definition":
            raise AnalysisError(
                f"{priority.title} cannot be counted from police.uk records by its definition, "
                "so it is not compared across the country"
            )
        present = frame.groupby(["csp_code", "month"]).size().rename("n").reset_index()
        counts = chosen.groupby(["csp_code", "month"], observed=True).size().rename("count")
        merged = present.merge(counts.reset_index(), on=["csp_code", "month"], how="left")
        merged["count"] = merged["count"].fillna(0).astype(int)
        return merged.rename(columns={"csp_code": "area_code"})[["area_code", "month", "count"]]

    # ------------------------------------------------------------------ places

    def boundaries(self, csp_code: str | None = None):
        """The LSOA boundaries (GeoDataFrame in British National Grid, indexed by LSOA code)
        of one partnership, or of the force; None when no boundaries were ingested.

        Which LSOAs belong to a partnership comes from its records' assignment (LSOA to
        district to partnership, as the ingest placed them)."""

        def read():
            path = (self.processed_dir or paths.PROCESSED_DIR) / paths.BOUNDARIES_PARQUET
            if not path.is_file():
                return None
            import geopandas as gpd

            frame = gpd.read_parquet(path)
            return frame.drop_duplicates("lsoa_code").set_index("lsoa_code")

        everything = self.shared_memo(("boundaries",), read)
        if everything is None:
            return None
        owners = self.shared_memo(("lsoa_owner",), self._lsoa_owners)
        wanted = owners.index if csp_code is None else owners.index[owners == csp_code]
        return self.shared_memo(
            ("boundaries", csp_code), lambda: everything[everything.index.isin(wanted)]
        )

    def lsoa_districts(self) -> pd.Series:
        """District (LAD) code of each LSOA in the force's records, for map outlines."""

        def compute() -> pd.Series:
            if "lad_code" not in self.crimes:
                return pd.Series(dtype=str)
            located = self.crimes[
                self.crimes["lad_code"].notna() & self.crimes["lsoa_code"].notna()
            ]
            pairs = located[["lsoa_code", "lad_code"]].drop_duplicates().astype(str)
            return pairs.drop_duplicates("lsoa_code").set_index("lsoa_code")["lad_code"]

        return self.shared_memo(("lsoa_districts",), compute)

    def _lsoa_owners(self) -> pd.Series:
        """Partnership code of each LSOA the force's records place in one of its partnerships."""
        located = self.crimes[self.crimes["csp_code"].notna() & self.crimes["lsoa_code"].notna()]
        pairs = located[["lsoa_code", "csp_code"]].drop_duplicates()
        pairs = pairs.astype(str).drop_duplicates("lsoa_code")
        return pairs.set_index("lsoa_code")["csp_code"]

    def population_for(self, csp_code: str) -> tuple[int, int]:
        """Mid-year population of a CSP for the reporting year.

        Returns
        -------
        (population, year)
            The estimate for :meth:`population_year`, or the latest earlier one when that year
            is not yet published (the year says which was used).

        Raises
        ------
        AnalysisError
            When the population table has no estimate for the CSP at or before that year.
        """
        wanted = self.population_year()
        rows = self.population[self.population["csp_code"] == csp_code]
        usable = rows[rows["year"] <= wanted]
        if usable.empty:
            name = self.csp_names.get(csp_code, csp_code)
            raise AnalysisError(
                f"no mid-year population estimate for {name} for {wanted} or earlier, so rates "
                "per 1,000 cannot be calculated"
            )
        row = usable.sort_values("year").iloc[-1]
        return int(row["population"]), int(row["year"])

    # ------------------------------------------------------------------ selection

    def selection(self, priority: Priority | str) -> Selection:
        """How ``priority`` is measured in these data (definition, proxy or unavailable)."""
        return self._select(priority)[1]

    def _select(self, priority: Priority | str) -> tuple[np.ndarray, Selection]:
        priority = self.priorities.get(priority) if isinstance(priority, str) else priority
        cached = self._cache.get(("select", priority.id))
        if cached is not None:
            return cached
        # The force's coverage is already known: not recomputed from the key table each time.
        chosen, selection = series.select_priority(
            self._keys, priority, self.source, coverage=self.coverage
        )
        mask = self.crimes[_KEY].isin(chosen[_KEY]).to_numpy()
        self._cache[("select", priority.id)] = (mask, selection)
        return mask, selection

    def records(
        self,
        priority: Priority | str,
        csp_code: str | None = None,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """The records of a priority (optionally one CSP's), carrying the force's coverage.

        Unassigned records (no location, outside the force's area) are kept; the count
        functions leave them out. ``columns`` limits the copy to the columns needed (a
        priority's records are up to a million rows of 20 columns).
        """
        mask, _ = self._select(priority)
        if csp_code is not None:
            mask = mask & (self.crimes["csp_code"] == csp_code).fillna(False).to_numpy()
        chosen = self.crimes.loc[mask] if columns is None else self.crimes.loc[mask, columns]
        chosen.attrs = {}
        return chosen

    def monthly(
        self,
        priority: Priority | str,
        by: str | list[str] | None = None,
        csp_code: str | None = None,
    ) -> pd.DataFrame:
        """Monthly counts of a priority up to ``period_end``, gaps as NaN.

        Parameters
        ----------
        priority : Priority or str
        by : str or list of str, optional
            Columns to count by (e.g. "csp_code", "crime_type").
        csp_code : str, optional
            Restrict to one CSP.

        Returns
        -------
        pandas.DataFrame
            :func:`csp_analysis.analysis.series.monthly_counts` output, all NaN when the priority is
            unavailable from these data.
        """
        key = ("monthly", getattr(priority, "id", priority), str(by), csp_code)
        if key in self._cache:
            return self._cache[key]
        _, selection = self._select(priority)
        by_columns = [by] if isinstance(by, str) else list(by or [])
        needed = ["month", "force", "unassigned_reason", *by_columns]
        records = self.records(
            priority, csp_code, columns=[c for c in dict.fromkeys(needed) if c in self.crimes]
        )
        coverage = self.coverage
        if csp_code is not None:
            coverage = coverage[coverage["csp_code"] == csp_code]
        counts = _monthly_counts(records, by, self.data_start, self.period_end, coverage)
        if not selection.available:
            counts["count"] = np.nan
        self._cache[key] = counts
        return counts

    def csp_series(self, priority: Priority | str, csp_code: str | None = None) -> pd.Series:
        """One CSP's monthly counts as a Series indexed by month (NaN = no data)."""
        code = csp_code or self._require_csp().code
        monthly = self.monthly(priority, by="csp_code")
        part = monthly[monthly["csp_code"] == code]
        values = pd.Series(
            part["count"].to_numpy(dtype=float), index=pd.DatetimeIndex(part["month"])
        )
        months = pd.date_range(self.data_start, self.period_end, freq="MS")
        return values.reindex(months).rename(code)

    def _require_csp(self) -> Csp:
        if self.csp is None:
            raise AnalysisError("this section needs a CSP; the report was loaded for a force")
        return self.csp


def _monthly_counts(records, by, start, end, coverage) -> pd.DataFrame:
    """:func:`csp_analysis.analysis.series.monthly_counts`, computed fast on many records.

    ``monthly_counts`` is run on one record per distinct (month, force, *by) combination, which
    gives exactly its grid (every level, zeros in covered months, NaN in gaps) with a count of 1
    wherever records exist; those cells then take the real number of records. The result is
    identical to running it on every record (tested), several times faster on a force's million
    records.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    if "unassigned_reason" in records:
        records = records.loc[records["unassigned_reason"].isna()]
    keys = list(dict.fromkeys(["month", "force", *by]))
    present = records.drop_duplicates(keys)[keys]
    grid = series.monthly_counts(present, by=by, start=start, end=end, coverage=coverage)
    if records.empty:
        return grid
    sizes = (
        records.groupby(["month", *by], dropna=False, observed=True, sort=False)
        .size()
        .rename("_n")
        .reset_index()
    )
    for column in by:
        sizes[column] = sizes[column].astype(object)
        grid[column] = grid[column].astype(object)
    merged = grid.merge(sizes, on=["month", *by], how="left")
    merged["count"] = np.where(
        merged["count"].notna() & merged["_n"].notna(), merged["_n"], merged["count"]
    ).astype("float64")
    return merged.drop(columns="_n")


# --------------------------------------------------------------------------- loading


def _month(value, what: str) -> pd.Timestamp:
    text = str(value).strip()
    stamp = pd.NaT
    # Only ISO months: pandas would read "March" as March of year 1.
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", text):
        try:
            stamp = pd.Timestamp(text)
        except (TypeError, ValueError):
            stamp = pd.NaT
    if pd.isna(stamp):
        raise AnalysisError(f"{what} {value!r} is not a month; expected e.g. '2026-03' or 'latest'")
    return pd.Timestamp(stamp.year, stamp.month, 1)


def _read_indicators(directory: Path) -> pd.DataFrame:
    path = directory / paths.INDICATORS_PARQUET
    columns = ["area_code", "area_name", "period_type", "period_start", "indicator", "value",
               "unit", "target", "direction"]  # fmt: skip
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    try:
        frame = pq.read_table(path, columns=columns).to_pandas()
    except (OSError, ValueError, KeyError) as exc:
        raise CspAnalysisError(f"{path}: cannot read the partner indicators: {exc}") from None
    frame["period_start"] = pd.to_datetime(frame["period_start"]).astype("datetime64[ns]")
    for column in ("area_code", "area_name", "period_type", "indicator", "unit", "direction"):
        frame[column] = frame[column].astype(object)
    return frame


def load_context(
    csp: str | None = None,
    period_end: str = "latest",
    priority: str | None = None,
    force: str | None = None,
    processed_dir: str | Path | None = "",
    trend_months: int = 36,
    top_areas: int = 10,
    forecast_horizon: int = 12,
) -> ReviewContext:
    """Load the data for one report.

    Parameters
    ----------
    csp : str, optional
        CSP id, ONS code or name (CSP-level reports).
    period_end : str, default "latest"
        Last month reported, "YYYY-MM", or "latest" for the force's last month with data.
    priority : str, optional
        Priority id of a thematic review.
    force : str, optional
        Force id for force-level reports (default: the CSP's force).
    processed_dir : path-like or str, optional
        Folder holding the processed tables; "" or None means ``data/processed``. A URL such
        as ``s3://bucket/processed`` is read through fsspec from a local copy kept up to date
        (:mod:`csp_analysis.io.remote`).
    trend_months, top_areas, forecast_horizon : int
        Months shown in trend and control charts (12 to 120), neighbourhoods listed (1 to 50),
        months forecast (1 to 24): see :class:`ReportWindows`.

    Returns
    -------
    ReviewContext

    Raises
    ------
    CspAnalysisError
        No processed data (the message says to run ``make data``), no data for the force, or a
        period outside the data.
    UnknownNameError
        An unknown CSP, force or priority (listing the valid ones).
    """
    windows = ReportWindows.checked(
        trend_months=trend_months, top_areas=top_areas, forecast_horizon=forecast_horizon
    )
    # A URL (s3://...) is read from this machine's local copy of it (io/remote.py).
    directory = remote.local_processed_dir(processed_dir) or paths.PROCESSED_DIR
    if not (directory / paths.CRIMES_PARQUET).is_file():
        raise CspAnalysisError(
            f"no processed data in {directory}: run `make data` (demonstration data) or "
            "`make ingest-real` first, or set processed_dir to a folder holding crimes.parquet"
        )
    areas, priorities = load_areas(), load_priorities()
    if csp is None and force is None:
        raise AnalysisError("load_context needs a csp (CSP reports) or a force (force reports)")
    the_csp = areas.csp(csp) if csp else None
    the_force = areas.force(force) if force else areas.force_of(the_csp.id)
    if the_csp is not None and the_csp not in the_force.csps:
        raise AnalysisError(f"CSP {the_csp.name} does not belong to {the_force.name}")
    the_priority = priorities.get(priority) if priority else None

    period = _force_period(directory / paths.CRIMES_PARQUET, the_force, period_end)
    return ReviewContext(
        areas=areas,
        priorities=priorities,
        force=the_force,
        csp=the_csp,
        priority=the_priority,
        period_end=period.end,
        # Shallow copies of the cached frames (no data copied): a report that adds a column
        # adds it to its own frame, and copy-on-write keeps the shared data unchanged.
        crimes=period.crimes.copy(deep=False),
        coverage=period.coverage.copy(deep=False),
        population=series.load_population(directory),
        indicators=_read_indicators(directory),
        synthetic=data_are_synthetic(directory),
        source=series.data_source(period.keys),
        data_start=period.data_start,
        data_end=period.data_end,
        windows=windows,
        processed_dir=directory,
        _keys=period.keys.copy(deep=False),
        _shared=period.shared,
    )


@dataclass(frozen=True)
class _ForcePeriod:
    """What every report of one force and period starts from (see :func:`_force_period`)."""

    end: pd.Timestamp
    crimes: pd.DataFrame
    coverage: pd.DataFrame
    keys: pd.DataFrame
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    shared: dict = field(default_factory=dict)  # ReviewContext.shared_memo's store


# The force's records up to the period end with their clause keys and month coverage, by
# (records file identity, period end): the same for each of a force's reports, so computed once
# per process (0.6 s a report before); a kernel template computes it before forking.
_FORCE_PERIODS: dict[tuple, _ForcePeriod] = {}


def _force_period(crimes_path: Path, force: Force, period_end) -> _ForcePeriod:
    everything = _read_force_crimes(crimes_path, force)
    data_start, data_end = everything["month"].min(), everything["month"].max()
    end = _period_end(period_end, data_start, data_end, force)
    key = (*_crimes_key(crimes_path, force), end)
    if key in _FORCE_PERIODS:
        return _FORCE_PERIODS[key]
    if len(_FORCE_PERIODS) >= _FORCE_CRIMES_MAX:
        _FORCE_PERIODS.pop(next(iter(_FORCE_PERIODS)))
    crimes = everything.loc[everything["month"] <= end].reset_index(drop=True)
    # Coverage depends only on which force/CSP/month combinations hold records, so it is taken
    # over the distinct combinations (the `covered` flag is the same as on every record).
    area_cols = [c for c in ("force", "month", "csp_code", "csp_name", "unassigned_reason")
                 if c in crimes]  # fmt: skip
    coverage = series.month_coverage(crimes[area_cols].drop_duplicates())
    keys = _clause_keys(crimes, end, force)
    _FORCE_PERIODS[key] = _ForcePeriod(end, crimes, coverage, keys, data_start, data_end)
    return _FORCE_PERIODS[key]


# One force's records, kept for the life of the process, keyed by the file's identity (path,
# size, modification time) so a re-ingested file is read afresh. A batch worker's kernel
# template fills it before forking report kernels (batch/kernel_forks.py), so each report
# starts with its force's records in memory instead of reading them (about 0.9 s). Safe to
# share: pandas' copy-on-write means no report's change reaches the cached frame.
_FORCE_CRIMES: dict[tuple, pd.DataFrame] = {}
_FORCE_CRIMES_MAX = 4


def _crimes_key(crimes_path: Path, force: Force) -> tuple:
    stat = crimes_path.stat()
    return (str(crimes_path.resolve()), stat.st_size, stat.st_mtime_ns, force.id)


def warm_force(processed_dir: Path, force: Force, period_end: str = "latest") -> None:
    """Prepare in this process what every report of a force shares: its records
    (``_FORCE_CRIMES``), their period to ``period_end`` (``_FORCE_PERIODS``) and the national
    peer groups."""
    _force_period(Path(processed_dir) / paths.CRIMES_PARQUET, force, period_end)
    peers.nearest_neighbour_groups()


def _read_force_crimes(crimes_path: Path, force: Force) -> pd.DataFrame:
    """One force's records, the columns a report uses, strings as categoricals (cached)."""
    key = _crimes_key(crimes_path, force)
    if key not in _FORCE_CRIMES:
        if len(_FORCE_CRIMES) >= _FORCE_CRIMES_MAX:
            _FORCE_CRIMES.pop(next(iter(_FORCE_CRIMES)))
        _FORCE_CRIMES[key] = _read_force_crimes_uncached(crimes_path, force)
    return _FORCE_CRIMES[key]


def _read_force_crimes_uncached(crimes_path: Path, force: Force) -> pd.DataFrame:
    """One force's records, the columns a report uses, strings as categoricals."""
    schema = pq.read_schema(crimes_path)
    available = set(schema.names)
    missing = {"month", "force", "csp_code", "crime_type"} - available
    if missing:
        raise CspAnalysisError(
            f"{crimes_path}: the crimes table lacks column(s) {', '.join(sorted(missing))}; "
            "re-run the ingest"
        )
    columns = [c for c in CRIME_COLUMNS if c in available]
    strings = [
        c
        for c in columns
        if pa.types.is_string(schema.field(c).type)
        or pa.types.is_large_string(schema.field(c).type)
    ]
    try:
        # Strings are read as dictionaries (pandas categoricals): a force's million records are
        # filtered and grouped many times, and integer codes make that several times faster.
        table = pq.read_table(crimes_path, columns=columns, read_dictionary=strings)
    except (OSError, ValueError) as exc:
        raise CspAnalysisError(f"{crimes_path}: cannot read the crimes table: {exc}") from None
    in_force = pc.equal(table["force"].cast(pa.string()), force.id)
    if not pc.all(in_force).as_py():
        table = table.filter(in_force)
    month_index = table.schema.get_field_index("month")
    table = table.set_column(month_index, "month", table["month"].cast(pa.timestamp("ns")))
    crimes = table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
    if crimes.empty:
        raise CspAnalysisError(
            f"the processed data hold no records for {force.name} (force id "
            f"{force.id!r}); ingest its data first"
        )
    crimes["month"] = pd.to_datetime(crimes["month"]).astype("datetime64[ns]")
    for column in CLAUSE_COLUMNS:
        if column not in crimes:
            crimes[column] = pd.NA if column in FLAGS else None
    return crimes


def _period_end(period_end, data_start, data_end, force: Force) -> pd.Timestamp:
    """The report's last month: "latest" is the force's last month with data."""
    if str(period_end).strip().lower() in ("", "latest"):
        return data_end
    end = _month(period_end, "period_end")
    if end > data_end:
        raise AnalysisError(
            f"period_end {end:%Y-%m} is after the last month with data for {force.name} "
            f"({month_label(data_end)}); choose {data_end:%Y-%m} or earlier"
        )
    if end < data_start:
        raise AnalysisError(
            f"period_end {end:%Y-%m} is before the first month with data for {force.name} "
            f"({month_label(data_start)})"
        )
    return end


def _clause_keys(crimes: pd.DataFrame, end, force: Force) -> pd.DataFrame:
    """One row per distinct combination of the fields priority clauses test, numbered in
    ``crimes[_KEY]``: priorities are selected on these few rows, not on every record."""
    keys = crimes.groupby(list(CLAUSE_COLUMNS), dropna=False, sort=False, observed=True).ngroup()
    crimes[_KEY] = keys.to_numpy()
    key_table = crimes.drop_duplicates(_KEY)[[_KEY, *CLAUSE_COLUMNS]].copy()
    key_table["month"] = end
    key_table["force"] = force.id
    return key_table.reset_index(drop=True)
