"""Monthly, quarterly and financial-year series of counts, rolling totals and year-to-date tests.

Method
------
* Priority areas are selected with the clauses of ``config/priorities.yaml`` as resolved by
  :meth:`csp_analysis.core.config.Priority.selection`: clauses are OR-ed, the fields within a clause
  are AND-ed, and a list-valued field matches any of its values. When the data lacks a field the
  definition needs, the source's proxy and its caveat are used, or the priority is unavailable.
* A month is *covered* for a CSP when its police force published any record that month (police
  forces publish month by month, so a force-month with no rows at all is missing data, not a
  month without crime). Counts over uncovered months are NaN - a gap - never a silent zero; a
  covered month with no matching records is a true zero.
* Financial years run April to March ("2024/25"), quarter 1 is April to June.
* "Year ending" totals are rolling sums of the 12 months to the named month, and are NaN when any
  of those months is a gap.
* Year-to-date comparisons test two Poisson counts observed over the same length of time with the
  exact conditional test: given the total ``n = current + previous``, the current count is
  Binomial(n, 0.5) under the null hypothesis of equal rates (Przyborowski and Wilenski, 1940;
  see also Krishnamoorthy and Thomson, 2004, J. Stat. Plan. Inference 119:23-35). The two-sided
  p-value is the exact binomial one (:func:`scipy.stats.binomtest`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from csp_analysis.core import paths
from csp_analysis.core.calendar import (
    month_label,
    month_start,
    to_month,
)
from csp_analysis.core.config import Priority, Selection
from csp_analysis.core.exceptions import AnalysisError, CspAnalysisError
from csp_analysis.core.schema import FLAGS

__all__ = [
    "PRIORITY_FIELD_COLUMNS",
    "all_priority_monthly_counts",
    "available_fields",
    "data_source",
    "load_crimes",
    "load_population",
    "month_coverage",
    "monthly_counts",
    "priority_monthly_counts",
    "select_priority",
]


# Which crimes-table columns carry each field a priority clause can use.
PRIORITY_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "crime_types": ("crime_type",),
    "outcomes": ("outcome",),
    "offence_codes": ("offence_code",),
    "offence_subgroups": ("offence_subgroup",),
    "flags": FLAGS,
    "victim_sex": ("victim_sex",),
}


# Columns that describe where a record is; they are nested (an LSOA lies in one district, a
# district in one CSP, a CSP in one force), so a count grid takes their observed combinations
# rather than a cartesian product that would invent impossible pairs.
AREA_COLUMNS = ("force", "csp_code", "csp_name", "lad_code", "lsoa_code", "lsoa_name")


CSP_KEYS = ("force", "csp_code", "csp_name")


COVERAGE_ATTR = "csp_analysis.coverage"


def _read_parquet(name: str, processed_dir, columns=None) -> pd.DataFrame:
    directory = paths.PROCESSED_DIR if processed_dir is None else processed_dir
    path = paths.Path(directory) / name
    if not path.is_file():
        raise CspAnalysisError(
            f"{path} not found: there is no processed data yet. Run `make data` (demonstration "
            "data) or `make ingest-real` first."
        )
    try:
        table = pq.read_table(path, columns=None if columns is None else list(columns))
    except (OSError, ValueError, KeyError) as exc:
        raise CspAnalysisError(f"{path}: cannot read the processed table: {exc}") from None
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def load_crimes(processed_dir=None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Load the processed crimes table.

    Parameters
    ----------
    processed_dir : path-like, optional
        Directory holding ``crimes.parquet``; defaults to ``paths.PROCESSED_DIR``.
    columns : sequence of str, optional
        Columns to read (all of :data:`csp_analysis.core.schema.CRIMES_SCHEMA` by default).

    Returns
    -------
    pandas.DataFrame
        One row per record. ``month`` is a ``datetime64`` (first of the month) and the flags are
        pandas nullable booleans.

    Raises
    ------
    CspAnalysisError
        If the file is missing (run ``make data``) or unreadable.
    """
    frame = _read_parquet(paths.CRIMES_PARQUET, processed_dir, columns)
    if "month" in frame:
        frame["month"] = to_month(frame["month"])
    return frame


def load_population(processed_dir=None) -> pd.DataFrame:
    """Load the processed population table (csp_code, csp_name, year, population, source).

    Parameters
    ----------
    processed_dir : path-like, optional
        Directory holding ``population.parquet``; defaults to ``paths.PROCESSED_DIR``.

    Raises
    ------
    CspAnalysisError
        If the file is missing (run ``make data``) or unreadable.
    """
    return _read_parquet(paths.POPULATION_PARQUET, processed_dir)


def available_fields(crimes: pd.DataFrame) -> set[str]:
    """Priority fields that actually carry data (at least one non-null value).

    Parameters
    ----------
    crimes : pandas.DataFrame
        The processed crimes table (or any subset of its columns).

    Returns
    -------
    set of str
        A subset of ``{"crime_types", "outcomes", "offence_codes", "offence_subgroups", "flags",
        "victim_sex"}``. ``"flags"`` is present when any flag column carries data; whether the
        particular flag a priority needs does is checked by :func:`select_priority`.
    """
    found = set()
    for name, columns in PRIORITY_FIELD_COLUMNS.items():
        if any(col in crimes and crimes[col].notna().any() for col in columns):
            found.add(name)
    return found


def data_source(crimes: pd.DataFrame) -> str:
    """The config data source the table should be treated as: "local_extract" when it carries
    flags or offence codes, otherwise "police_uk"."""
    have = available_fields(crimes)
    richer = {"flags", "offence_codes", "offence_subgroups", "victim_sex"}
    return "local_extract" if have & richer else "police_uk"


def _clause_mask(crimes: pd.DataFrame, clause) -> pd.Series:
    mask = pd.Series(True, index=crimes.index)
    if clause.crime_types:
        mask &= crimes["crime_type"].isin(clause.crime_types).to_numpy()
    if clause.exclude_crime_types:
        mask &= ~crimes["crime_type"].isin(clause.exclude_crime_types).to_numpy()
    if clause.offence_codes:
        mask &= crimes["offence_code"].isin(clause.offence_codes).to_numpy()
    if clause.offence_subgroups:
        mask &= crimes["offence_subgroup"].isin(clause.offence_subgroups).to_numpy()
    if clause.outcomes:
        mask &= crimes["outcome"].isin(clause.outcomes).to_numpy()
    if clause.flags:
        # An unknown (null) flag counts as not flagged: police systems set the flag, they do not
        # record its absence.
        flagged = np.zeros(len(crimes), dtype=bool)
        for flag in clause.flags:
            flagged |= crimes[flag].fillna(False).astype(bool).to_numpy()
        mask &= flagged
    if clause.victim_sex:
        mask &= (crimes["victim_sex"] == clause.victim_sex).fillna(False).to_numpy(dtype=bool)
    return mask


def select_priority(
    crimes: pd.DataFrame,
    priority: Priority,
    source: str | None = None,
    coverage: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Selection]:
    """Select the records of one priority area.

    Parameters
    ----------
    crimes : pandas.DataFrame
        The processed crimes table.
    priority : csp_analysis.core.config.Priority
        A priority from ``load_priorities()``.
    source : str, optional
        Config data source ("police_uk", "local_extract", "home_office"); by default
        :func:`data_source` decides from the fields the data carries.
    coverage : pandas.DataFrame, optional
        :func:`month_coverage` of ``crimes``, when already computed. Pass it when selecting
        several priorities from one table: it is otherwise recomputed on each call (about
        0.1 s per million records). It is deliberately not cached behind the caller's back: a
        table edited in place would silently keep a stale coverage, turning gaps into zeros.

    Returns
    -------
    (pandas.DataFrame, Selection)
        The matching rows (all columns kept; unassigned rows are kept too, the count functions
        drop them) and the :class:`~csp_analysis.core.config.Selection`, whose ``method`` is
        "definition", "proxy" or "unavailable" and whose ``caveat`` must be printed. An
        unavailable priority gives an empty frame. The month coverage of the *whole* table is
        attached to the result (``attrs[COVERAGE_ATTR]``, one shared read-only object that
        frames derived from the result carry too) so that :func:`monthly_counts` tells gaps
        from zeros.
    """
    mask, selection = priority_mask(crimes, priority, source)
    # Boolean indexing always returns a new frame: a further .copy() only doubled the work.
    chosen = crimes.loc[mask] if selection.available else crimes.iloc[0:0].copy()
    chosen.attrs = {COVERAGE_ATTR: _attached_coverage(crimes, coverage)}
    return chosen, selection


def priority_mask(
    records: pd.DataFrame, priority: Priority, source: str | None = None
) -> tuple[np.ndarray, Selection]:
    """Which rows of any table of records or offence counts belong to a priority.

    The one implementation of the clause rules (``config/priorities.yaml``), for record
    tables and for tables of counts by offence code alike (the Home Office tables).

    Returns
    -------
    (numpy.ndarray of bool, Selection)
        All False when the priority is unavailable from these fields (the Selection says why).
    """
    crimes = records
    if not isinstance(priority, Priority):
        raise AnalysisError(
            f"select_priority needs a Priority from load_priorities(), got {type(priority).__name__}"
        )
    have = available_fields(crimes)
    selection = priority.selection(source or data_source(crimes), have)
    if selection.available:
        used_flags = {f for clause in selection.clauses for f in (clause.flags or [])}
        missing = sorted(f for f in used_flags if f not in crimes or crimes[f].isna().all())
        if missing:
            selection = Selection(
                priority,
                selection.source,
                "unavailable",
                [],
                f"{priority.title} cannot be measured from this data: it carries no "
                f"{', '.join(missing)} flag.",
            )
    mask = np.zeros(len(crimes), dtype=bool)
    if selection.available:
        for clause in selection.clauses:
            mask |= _clause_mask(crimes, clause).to_numpy(dtype=bool)
    return mask, selection


class _AttachedCoverage:
    """A coverage table carried in a subset's ``attrs``, cheap for pandas to copy and compare.

    pandas deep-copies ``attrs`` into every derived frame and compares them with ``==`` when
    concatenating, so a DataFrame cannot be stored there directly (its ``==`` is elementwise)
    and a tuple of its rows is copied again on every operation. This holder is treated as
    immutable: copies return the same object and equality is identity.
    """

    __slots__ = ("frame",)

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __copy__(self) -> _AttachedCoverage:
        return self

    def __deepcopy__(self, memo) -> _AttachedCoverage:
        return self

    def __repr__(self) -> str:
        return f"<coverage table: {len(self.frame)} force x CSP x month rows>"


def _attached_coverage(
    crimes: pd.DataFrame, coverage: pd.DataFrame | None = None
) -> _AttachedCoverage:
    """The whole table's coverage, computed once, ready to attach to a subset's ``attrs``."""
    if coverage is None:
        frame = month_coverage(crimes)
    else:
        _require(coverage, ("force", "month", "covered"), "coverage")
        frame = coverage.copy()
        frame["month"] = to_month(frame["month"])
    return _AttachedCoverage(frame)


def _require(crimes: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in crimes]
    if missing:
        raise AnalysisError(f"{what} needs column(s) {', '.join(missing)} in the crimes table")


def month_coverage(crimes: pd.DataFrame) -> pd.DataFrame:
    """Which months each force, and so each of its CSPs, has data for.

    Parameters
    ----------
    crimes : pandas.DataFrame
        The *whole* processed crimes table (not a priority subset: a month without a single
        shoplifting record is still covered if the force published other records that month).

    Returns
    -------
    pandas.DataFrame
        One row per force x CSP x month over every month from the first to the last month in
        the data, with columns ``force, csp_code, csp_name, month, force_records, csp_records,
        covered``. ``covered`` is True when the force published any record that month (its
        unassigned rows included). A force whose rows are all unassigned appears once with
        null CSP columns.
    """
    _require(crimes, ("month", "force"), "month_coverage")
    columns = ["force", "csp_code", "csp_name", "month", "force_records", "csp_records", "covered"]
    if crimes.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    months = to_month(crimes["month"]).rename("month")
    # One pass over the records; everything else works on its small result.
    sizes = _record_counts(crimes, months)
    sizes.loc[~sizes["_assigned"].astype(bool), ["csp_code", "csp_name"]] = None
    all_months = pd.date_range(months.min(), months.max(), freq="MS")
    force_counts = sizes.groupby(["force", "month"])["n"].sum().rename("force_records")
    placed = sizes.dropna(subset=["csp_code"])
    csps = placed[list(CSP_KEYS)].drop_duplicates()
    forces_without = sorted(set(sizes["force"].dropna()) - set(csps["force"]))
    if forces_without:
        csps = pd.concat(
            [csps, pd.DataFrame({"force": forces_without, "csp_code": None, "csp_name": None})],
            ignore_index=True,
        )
    grid = csps.merge(pd.DataFrame({"month": all_months}), how="cross")
    grid = grid.merge(force_counts.reset_index(), on=["force", "month"], how="left")
    csp_counts = placed.groupby(["csp_code", "month"])["n"].sum().rename("csp_records")
    grid = grid.merge(csp_counts.reset_index(), on=["csp_code", "month"], how="left")
    grid["force_records"] = grid["force_records"].fillna(0).astype("int64")
    grid["csp_records"] = grid["csp_records"].fillna(0).astype("int64")
    grid["covered"] = grid["force_records"] > 0
    grid = grid.sort_values(["force", "csp_code", "month"], na_position="last")
    return grid[columns].reset_index(drop=True)


def _record_counts(crimes: pd.DataFrame, months: pd.Series) -> pd.DataFrame:
    """Records per (force, month, assigned?, csp_code, csp_name) combination present.

    The same table as a five-key ``groupby(..., dropna=False, observed=True).size()``, made
    about five times faster on a million records: each key is factorised once (strings hash
    once; months become integer month numbers directly), the codes are packed into one int64
    and only that is counted. A missing value (NaN/None) is a group of its own, as with
    ``dropna=False``.
    """
    assigned = (
        crimes["unassigned_reason"].isna().to_numpy(dtype=bool)
        if "unassigned_reason" in crimes
        else np.ones(len(crimes), dtype=bool)
    )
    # Code 0 is "missing" for every key, so no packed value is ambiguous. Factorising is a hash
    # pass, several times cheaper than a groupby on strings or a datetime64[M] cast.
    columns: list[tuple[str, np.ndarray, object]] = []
    for name in ("force", "csp_code", "csp_name"):
        if name in crimes:
            codes, uniques = pd.factorize(crimes[name], use_na_sentinel=True)
        else:
            codes, uniques = np.full(len(crimes), -1, dtype=np.int64), pd.Index([], dtype=object)
        columns.append((name, codes.astype(np.int64) + 1, uniques))
    month_codes, month_uniques = pd.factorize(months.to_numpy(), use_na_sentinel=True)
    columns.insert(1, ("month", month_codes.astype(np.int64) + 1, month_uniques))
    columns.insert(2, ("_assigned", assigned.astype(np.int64), None))
    packed = np.zeros(len(crimes), dtype=np.int64)
    radices = []
    for _, codes, _ in columns:
        radix = int(codes.max()) + 1 if len(codes) else 1
        radices.append(radix)
        packed = packed * radix + codes
    counts = pd.Series(packed).value_counts(sort=False)
    remaining = counts.index.to_numpy(dtype=np.int64)
    decoded: dict[str, np.ndarray] = {}
    for (name, _, _), radix in zip(reversed(columns), reversed(radices), strict=True):
        remaining, decoded[name] = np.divmod(remaining, radix)
    out = {}
    for name, _, uniques in columns:
        codes = decoded[name]
        if name == "month":
            months_ns = np.append(np.datetime64("NaT", "ns"), uniques.astype("datetime64[ns]"))
            out[name] = months_ns[codes]
        elif name == "_assigned":
            out[name] = codes.astype(bool)
        else:
            known = codes > 0
            values = np.full(len(codes), None, dtype=object)
            if len(uniques):
                values[known] = np.asarray(uniques, dtype=object)[codes[known] - 1]
            out[name] = pd.Series(values, dtype=crimes[name].dtype if name in crimes else object)
    sizes = pd.DataFrame({k: out[k] for k in ("force", "month", "_assigned", "csp_code",
                                              "csp_name")})  # fmt: skip
    sizes["n"] = counts.to_numpy(dtype=np.int64)
    return sizes.sort_values(["force", "month", "_assigned", "csp_code", "csp_name"],
                             na_position="last", ignore_index=True)  # fmt: skip


def _resolve_coverage(crimes: pd.DataFrame, coverage) -> pd.DataFrame:
    if coverage is not None:
        _require(coverage, ("force", "month", "covered"), "coverage")
        coverage = coverage.copy()
        coverage["month"] = to_month(coverage["month"])
        return coverage
    attached = crimes.attrs.get(COVERAGE_ATTR)
    if isinstance(attached, _AttachedCoverage):
        # Read-only from here on (monthly_counts never modifies it), so no copy is needed.
        return attached.frame
    return month_coverage(crimes)


def monthly_counts(
    crimes: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    start=None,
    end=None,
    coverage: pd.DataFrame | None = None,
    include_unassigned: bool = False,
    levels: dict[str, Sequence] | None = None,
) -> pd.DataFrame:
    """Monthly counts in long format over every month of a range, gaps as NaN.

    Parameters
    ----------
    crimes : pandas.DataFrame
        The crimes table or a priority subset from :func:`select_priority` (which carries the
        whole table's coverage). For a subset made any other way pass ``coverage``.
    by : str or sequence of str, optional
        Columns to count by, e.g. ``["csp_code", "crime_type"]``. Area columns (force, CSP,
        district, LSOA) take their observed combinations (every CSP of the coverage table when
        grouping by CSP); other columns take every value seen, so a category with no records
        in a covered month gets 0.
    start, end : date-like, optional
        First and last month (default: the coverage range).
    coverage : pandas.DataFrame, optional
        Output of :func:`month_coverage` for the whole table.
    include_unassigned : bool, default False
        Count rows that belong to no CSP (only sensible without CSP grouping, e.g. force
        totals for data-quality statements).
    levels : dict of column -> values, optional
        Values of non-area ``by`` columns to include even when no record has them (e.g. the
        crime types a priority is defined by), so that they get zeros rather than no rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``month, *by, count`` (``count`` float: NaN where the month is not covered for
        that group - for groups spanning several forces, where any of them is not covered).
        ``attrs`` counts the records left out: ``rows_outside_range`` (before ``start`` or
        after ``end``), ``rows_in_gap_months`` (in a group-month that is a gap because another
        force of the group has no data), ``rows_contradicting_coverage`` (in a force-month the
        given coverage table says is not covered) and ``rows_with_missing_group`` (a null value
        in a ``by`` column); the last two also raise a warning.
    """
    by = [by] if isinstance(by, str) else list(by or [])
    _require(crimes, ["month", "force", *by], "monthly_counts")
    if len(set(by)) != len(by) or "month" in by:
        raise AnalysisError(
            f"monthly_counts: 'by' must list distinct columns other than month: {by}"
        )
    data, cov = _records_and_coverage(crimes, by, coverage, include_unassigned)
    months_in = to_month(data["month"]) if len(data) else pd.Series(dtype="datetime64[ns]")
    months = _month_range(start, end, cov["month"] if len(cov) else months_in)
    if months is None:
        return pd.DataFrame(columns=["month", *by, "count"])
    area_by = [c for c in by if c in AREA_COLUMNS]
    other_by = [c for c in by if c not in AREA_COLUMNS]
    group_cols = area_by if area_by else ["_group"]
    # Covered: every force under an area group published that month.
    cov_flags = cov.groupby(["force", "month"])["covered"].any()
    grid = _covered_grid(_area_grid(data, cov, area_by), months, cov_flags, group_cols)
    for level in _other_levels(data, other_by, levels or {}):
        grid = grid.merge(level.to_frame(), how="cross")
    counted = (
        pd.Series(np.ones(len(data), dtype=np.int64), index=data.index)
        .groupby([months_in.rename("month"), *[data[c] for c in by]], dropna=False, observed=True)
        .sum()
        .rename("n")
        .reset_index()
    )
    if not area_by:
        counted["_group"] = 0
    grid = grid.merge(counted, on=["month", *group_cols, *other_by], how="left")
    grid["count"] = np.where(grid["covered"], grid["n"].fillna(0), np.nan).astype("float64")
    result = grid[["month", *by, "count"]].sort_values([*by, "month"]).reset_index(drop=True)
    result.attrs = _left_out(counted, grid, months, data["force"], months_in, cov_flags, by)
    return result


def _records_and_coverage(crimes, by, coverage, include_unassigned):
    """The columns counted (only those: filtering a wide table copies every column it carries),
    without unassigned rows unless asked, and the coverage table to count against."""
    cov = _resolve_coverage(crimes, coverage)
    used = list(dict.fromkeys(["month", "force", *by, *(["csp_code"] if "csp_code" in crimes
                                                      else [])]))  # fmt: skip
    data = crimes[used]
    if not include_unassigned and "unassigned_reason" in crimes:
        data = data.loc[crimes["unassigned_reason"].isna().to_numpy()]
    if not include_unassigned and "csp_code" in data:
        cov = cov.dropna(subset=["csp_code"]) if cov["csp_code"].notna().any() else cov
    return data, cov


def _month_range(start, end, known_months: pd.Series) -> pd.DatetimeIndex | None:
    """Every month from ``start`` to ``end`` (default: the months known); None when there is
    nothing to count."""
    if start is None and end is None and len(known_months) == 0:
        return None
    first = month_start(start) if start is not None else known_months.min()
    last = month_start(end) if end is not None else known_months.max()
    if last < first:
        raise AnalysisError(
            f"monthly_counts: end {month_label(last)} is before start {month_label(first)}"
        )
    return pd.date_range(first, last, freq="MS")


def _area_grid(data: pd.DataFrame, cov: pd.DataFrame, area_by: list[str]) -> pd.DataFrame:
    """The observed area combinations, each with the forces it spans (every CSP of the
    coverage table when grouping by CSP)."""
    area_keys = list(dict.fromkeys([*area_by, "force"])) if area_by else ["force"]
    observed = data[area_keys].drop_duplicates()
    if area_by and set(area_by) <= set(CSP_KEYS) and "csp_code" in cov:
        observed = pd.concat(
            [observed, cov.dropna(subset=["csp_code"])[area_keys].drop_duplicates()]
        ).drop_duplicates()
    if not area_by:
        forces = pd.concat([observed["force"], cov["force"]]).dropna().unique()
        return pd.DataFrame({"_group": 0, "force": forces})
    grid = observed.dropna(subset=area_by, how="all").copy()
    grid["_group"] = 0
    return grid


def _other_levels(data: pd.DataFrame, other_by: list[str], extra: dict) -> list[pd.Series]:
    """Every value seen of each non-area column, plus the levels asked for."""
    unknown = set(extra) - set(other_by)
    if unknown:
        raise AnalysisError(
            f"monthly_counts: levels given for {', '.join(sorted(unknown))}, which is not a "
            "non-area 'by' column"
        )
    return [
        pd.Series(sorted(set(data[c].dropna().unique()) | set(extra.get(c, ()))), name=c)
        for c in other_by
    ]


def _covered_grid(area_grid, months, cov_flags, group_cols) -> pd.DataFrame:
    """Group x month, ``covered`` when every force of the group published that month."""
    span = area_grid.merge(pd.DataFrame({"month": months}), how="cross")
    # A join, not a lookup per grid cell (which built a Timestamp per row and took seconds on
    # LSOA grids); a force-month absent from the coverage table is not covered.
    flags = cov_flags.rename("_covered").reset_index()
    flags["force"] = flags["force"].astype(object)
    flags["month"] = flags["month"].to_numpy().astype("datetime64[ns]")
    cells = pd.DataFrame(
        {
            "force": span["force"].astype(object).to_numpy(),
            "month": span["month"].to_numpy().astype("datetime64[ns]"),
        }
    )
    looked_up = cells.merge(flags, on=["force", "month"], how="left")["_covered"]
    span["covered"] = looked_up.eq(True).to_numpy()
    return span.groupby([*group_cols, "month"], dropna=False)["covered"].all().reset_index()


def _left_out(counted, grid, months, forces, months_in, cov_flags, by) -> dict[str, int]:
    """Account for every record not in the counts: outside the range (by request), in a gap
    month of its group, in a month the coverage table says is not covered (a coverage table
    from other data), or with a missing grouping value; the last two also warn."""
    in_range = counted["month"].between(months[0], months[-1])
    outside = int(counted.loc[~in_range, "n"].sum())
    in_gaps = int(grid.loc[~grid["covered"], "n"].sum())
    not_placed = int(counted.loc[in_range, "n"].sum() - grid["n"].sum())
    contradicted = _records_outside_coverage(forces, months_in, cov_flags)
    if contradicted or not_placed:
        warnings.warn(
            f"monthly_counts: {contradicted:,} record(s) fall in force-months the coverage table "
            f"marks as not covered (was it made from other data?) and {not_placed:,} have a "
            f"missing value in {by}; they are not in the counts (see the result's attrs)",
            stacklevel=3,
        )
    return {
        "rows_outside_range": outside,
        "rows_in_gap_months": in_gaps,
        "rows_contradicting_coverage": contradicted,
        "rows_with_missing_group": not_placed,
    }


def _records_outside_coverage(forces: pd.Series, months: pd.Series, cov_flags: pd.Series) -> int:
    """Records whose force-month is not marked covered in ``cov_flags`` ((force, month) -> bool).

    Counted per distinct force-month (a few hundred) rather than per record: the records are
    reduced to codes and tallied with one ``bincount``.
    """
    if len(forces) == 0:
        return 0
    force_codes, force_values = pd.factorize(forces, use_na_sentinel=True)
    month_codes, month_values = pd.factorize(months.to_numpy(), use_na_sentinel=True)
    # Shift by one so a missing force or month (code -1) keeps a bin of its own.
    n_months = len(month_values) + 1
    tally = np.bincount((force_codes + 1) * n_months + (month_codes + 1))
    bins = np.flatnonzero(tally)
    force_idx, month_idx = np.divmod(bins, n_months)
    force_lookup = np.append(
        np.asarray([None], dtype=object), np.asarray(force_values, dtype=object)
    )
    month_lookup = np.append(np.datetime64("NaT", "ns"), month_values.astype("datetime64[ns]"))
    pairs = pd.DataFrame({"force": force_lookup[force_idx], "month": month_lookup[month_idx]})
    flags = cov_flags.rename("_covered").reset_index()
    flags["force"] = flags["force"].astype(object)
    flags["month"] = flags["month"].to_numpy().astype("datetime64[ns]")
    covered = pairs.merge(flags, on=["force", "month"], how="left")["_covered"].eq(True)
    return int(tally[bins][~covered.to_numpy()].sum())


def priority_monthly_counts(
    crimes: pd.DataFrame,
    priority: Priority,
    by: str | Sequence[str] | None = None,
    start=None,
    end=None,
    source: str | None = None,
    coverage: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, Selection]:
    """Monthly counts of one priority area: :func:`select_priority` then :func:`monthly_counts`.

    ``coverage`` is :func:`month_coverage` of ``crimes`` when already computed.

    Returns
    -------
    (pandas.DataFrame, Selection)
        Long-format counts (all NaN when the priority is unavailable from this data) and the
        selection with its method and caveat.
    """
    coverage = month_coverage(crimes) if coverage is None else coverage
    selected, selection = select_priority(crimes, priority, source, coverage)
    by_list = [by] if isinstance(by, str) else list(by or [])
    levels = {}
    if "crime_type" in by_list and selection.clauses:
        # A priority defined by crime types shows each of them, with zeros when it has none.
        named = [set(c.crime_types or ()) for c in selection.clauses]
        if all(named):
            levels["crime_type"] = sorted(set().union(*named))
    counts = monthly_counts(selected, by=by, start=start, end=end, coverage=coverage, levels=levels)
    if not selection.available:
        counts["count"] = np.nan
    return counts, selection


def all_priority_monthly_counts(
    crimes: pd.DataFrame,
    priorities=None,
    by: str | Sequence[str] | None = ("csp_code", "csp_name", "crime_type"),
    start=None,
    end=None,
    source: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monthly counts by CSP x priority area x crime type (or any ``by``) in one long table.

    Parameters
    ----------
    crimes : pandas.DataFrame
        The whole processed crimes table.
    priorities : PrioritiesConfig or iterable of Priority, optional
        Defaults to ``config/priorities.yaml``.
    by, start, end, source
        As :func:`monthly_counts` and :func:`select_priority`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        The counts with a leading ``priority`` column (a record counts once under every
        priority it belongs to; unavailable priorities are left out), and one row per priority
        with ``priority, title, method, caveat, sensitive`` saying how each was measured.
    """
    if priorities is None:
        from csp_analysis.core.config import load_priorities

        priorities = load_priorities()
    items = list(getattr(priorities, "priorities", priorities))
    coverage = month_coverage(crimes)
    tables, described = [], []
    for priority in items:
        counts, selection = priority_monthly_counts(
            crimes, priority, by=by, start=start, end=end, source=source, coverage=coverage
        )
        described.append(
            {
                "priority": priority.id,
                "title": priority.title,
                "method": selection.method,
                "caveat": selection.caveat,
                "sensitive": priority.sensitive,
            }
        )
        if selection.available:
            tables.append(counts.assign(priority=priority.id))
    columns = ["priority", "month", *([by] if isinstance(by, str) else list(by or [])), "count"]
    table = (
        pd.concat(tables, ignore_index=True)[columns] if tables else pd.DataFrame(columns=columns)
    )
    return table, pd.DataFrame(described)
