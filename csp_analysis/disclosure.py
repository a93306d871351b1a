"""Statistical disclosure control for published count tables: primary and secondary suppression.

Method
------
Follows the Government Statistical Service guidance on disclosure control of tables
(GSS, "Disclosure control for tables produced from administrative sources", and the ONS
"Policy on protecting confidentiality in tables of birth and death statistics"), with the
"[c]" marker for confidential cells from the GSS guidance on symbols in tables.

* **Primary suppression.** Counts of 1 to 2 are suppressed in every table; in sensitive themes
  (domestic abuse, violence against women and girls, hate crime: ``sensitive: true`` in
  ``config/priorities.yaml``) counts of 1 to 4 are suppressed. Zero is not disclosive (it reveals
  no individual) and is shown. Published totals are subject to the same rule.
* **Secondary suppression.** A suppressed cell must not be recoverable from the published
  totals. The table with its margins is a set of linear equations (each row of inner cells sums
  to its row total, each column to its column total, the totals to the grand total). A
  suppressed cell is recoverable exactly when its unit vector lies in the row space of the
  equations restricted to the suppressed cells, i.e. when every solution of the homogeneous
  system has a zero in that position; we test this with a null-space basis (SVD). While any
  suppressed cell is recoverable, the smallest non-zero published cell sharing a row or column
  with it is also suppressed: the one that leaves the fewest cells exposed, inner cells before
  totals, smallest first (a greedy heuristic, not the optimal pattern, which is NP-hard). Complements are never zeros, so every suppressed cell is at least 1; since the
  equations form a totally unimodular network matrix, every unrecoverable cell then lies on a
  +/-1 circuit and can move by at least 1 either way without any cell going negative - the
  non-negativity of counts cannot pin it down either (the property tests check this with linear
  programming).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import linalg

from .exceptions import AnalysisError

__all__ = [
    "SUPPRESSED",
    "TOTAL",
    "SuppressedTable",
    "primary_threshold",
    "recoverable_cells",
    "suppress",
    "suppress_series",
]

SUPPRESSED = "[c]"
TOTAL = "Total"
Totals = Literal["both", "row", "column", "none"]
_TOLERANCE = 1e-9


def primary_threshold(sensitive: bool) -> int:
    """Largest count suppressed in its own right: 2, or 4 in sensitive themes."""
    return 4 if sensitive else 2


@dataclass
class SuppressedTable:
    """A count table after disclosure control.

    Attributes
    ----------
    values : pandas.DataFrame
        The counts with any published totals (a "Total" row and/or column) added. Internal use
        only: it still holds the suppressed numbers.
    mask : pandas.DataFrame of bool
        True where a cell (totals included) is suppressed.
    primary : pandas.DataFrame of bool
        True where a cell is suppressed because it is itself small.
    display : pandas.DataFrame of str
        What to publish: counts with thousands separators, "[c]" where suppressed.
    note : str
        Plain-English note to print under the table ("" when nothing is suppressed).
    n_primary, n_secondary : int
        Number of primary and secondary suppressions (totals included).
    threshold : int
        Largest count suppressed in its own right.
    """

    values: pd.DataFrame
    mask: pd.DataFrame
    primary: pd.DataFrame
    display: pd.DataFrame
    note: str
    n_primary: int
    n_secondary: int
    threshold: int

    @property
    def n_suppressed(self) -> int:
        return self.n_primary + self.n_secondary


def _validate(table: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise AnalysisError(f"suppress needs a DataFrame of counts, got {type(table).__name__}")
    if table.empty:
        raise AnalysisError("suppress: the table is empty")
    for axis_name, labels in (("row", table.index), ("column", table.columns)):
        if TOTAL in set(map(str, labels)):
            raise AnalysisError(
                f"suppress: the table already has a {TOTAL!r} {axis_name}; pass the inner cells "
                "only and choose the published totals with totals="
            )
        if labels.duplicated().any():
            raise AnalysisError(
                f"suppress: {axis_name} label {labels[labels.duplicated()][0]!r} appears twice"
            )
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce")
        for row_label, raw, number in zip(table.index, table[column], values, strict=True):
            where = f"row {row_label!r}, column {column!r}"
            if pd.isna(number):
                raise AnalysisError(
                    f"suppress: {where}: {raw!r} is not a count (gaps must be resolved before "
                    "publication)"
                )
            if number < 0 or number != int(number):
                raise AnalysisError(
                    f"suppress: {where}: counts must be non-negative whole numbers, got {raw!r}"
                )
    return table.apply(pd.to_numeric).astype("int64")


def _with_totals(table: pd.DataFrame, totals: str) -> pd.DataFrame:
    out = table.copy()
    if totals in ("both", "column"):
        out[TOTAL] = out.sum(axis=1)
    if totals in ("both", "row"):
        out.loc[TOTAL] = out.sum(axis=0)
    return out


def _equations(shape: tuple[int, int], totals: str) -> np.ndarray:
    """Linear equations (one per row) linking the cells of the extended table, row-major."""
    n_rows, n_cols = shape
    index = np.arange(n_rows * n_cols).reshape(shape)
    equations = []
    inner_rows = n_rows - (1 if totals in ("both", "row") else 0)
    inner_cols = n_cols - (1 if totals in ("both", "column") else 0)
    if totals in ("both", "column"):
        # Every row (the total row too) sums its inner cells to its Total-column cell.
        for r in range(n_rows):
            eq = np.zeros(n_rows * n_cols)
            eq[index[r, :inner_cols]] = 1
            eq[index[r, n_cols - 1]] = -1
            equations.append(eq)
    if totals in ("both", "row"):
        for c in range(n_cols):
            eq = np.zeros(n_rows * n_cols)
            eq[index[:inner_rows, c]] = 1
            eq[index[n_rows - 1, c]] = -1
            equations.append(eq)
    if not equations:
        return np.zeros((0, n_rows * n_cols))
    return np.vstack(equations)


def recoverable_cells(mask: np.ndarray, equations: np.ndarray) -> np.ndarray:
    """Which suppressed cells the published cells and equations determine exactly.

    Parameters
    ----------
    mask : numpy.ndarray of bool
        Suppressed cells of the extended table (any shape; flattened row-major).
    equations : numpy.ndarray
        One linear equation per row over the flattened cells (``A x = 0``).

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``mask``: True for suppressed cells whose value is determined.
    """
    flat = mask.ravel()
    suppressed = np.flatnonzero(flat)
    result = np.zeros(flat.shape, dtype=bool)
    if suppressed.size == 0:
        return result.reshape(mask.shape)
    restricted = equations[:, suppressed]
    restricted = restricted[np.any(restricted != 0, axis=1)]
    if restricted.shape[0] == 0:
        return result.reshape(mask.shape)
    null = linalg.null_space(restricted)
    # A cell is free when some null-space direction moves it.
    if null.size == 0:
        determined = np.ones(suppressed.size, dtype=bool)
    else:
        determined = np.all(np.abs(null) < 1e-8, axis=1)
    # Cells in no equation at all are not determined by the totals.
    in_equation = np.any(equations[:, suppressed] != 0, axis=0)
    result[suppressed] = determined & in_equation
    return result.reshape(mask.shape)


def suppress(table: pd.DataFrame, sensitive: bool, totals: Totals = "both") -> SuppressedTable:
    """Apply primary and secondary suppression to a table of counts.

    Parameters
    ----------
    table : pandas.DataFrame
        Inner cells only (non-negative whole numbers), e.g. crime types by CSP.
    sensitive : bool
        True for sensitive themes (suppresses 1-4 rather than 1-2); use the priority's
        ``sensitive`` setting.
    totals : {"both", "row", "column", "none"}, default "both"
        Which totals are published: "row" adds a Total row (column sums) at the bottom,
        "column" a Total column (row sums) on the right, "both" both and the grand total.

    Returns
    -------
    SuppressedTable

    Raises
    ------
    AnalysisError
        Non-count cells (naming the row and column), a table that already has totals, or an
        unknown ``totals``.
    """
    if totals not in ("both", "row", "column", "none"):
        raise AnalysisError(
            f"suppress: totals must be 'both', 'row', 'column' or 'none', got {totals!r}"
        )
    counts = _validate(table)
    threshold = primary_threshold(bool(sensitive))
    extended = _with_totals(counts, totals)
    values = extended.to_numpy()
    primary = (values >= 1) & (values <= threshold)
    mask = primary.copy()
    equations = _equations(values.shape, totals)
    is_total = np.zeros(values.shape, dtype=bool)
    if totals in ("both", "column"):
        is_total[:, -1] = True
    if totals in ("both", "row"):
        is_total[-1, :] = True

    for _ in range(values.size):
        exposed = recoverable_cells(mask, equations)
        if not exposed.any():
            break
        r, c = np.argwhere(exposed)[0]
        complement = _choose_complement(values, mask, is_total, equations, totals, r, c)
        if complement is None:
            raise AnalysisError(
                f"suppress: cannot protect the cell at row {extended.index[r]!r}, column "
                f"{extended.columns[c]!r}: no other non-zero cell is left to suppress"
            )
        mask[complement] = True
    else:  # pragma: no cover - each pass suppresses one more cell, so this cannot run out
        raise AnalysisError("suppress: secondary suppression did not converge")

    mask_frame = pd.DataFrame(mask, index=extended.index, columns=extended.columns)
    primary_frame = pd.DataFrame(primary, index=extended.index, columns=extended.columns)
    display = extended.map(lambda v: f"{v:,}").mask(mask_frame, SUPPRESSED)
    n_primary = int(primary.sum())
    n_secondary = int(mask.sum() - primary.sum())
    return SuppressedTable(
        values=extended,
        mask=mask_frame,
        primary=primary_frame,
        display=display,
        note=_note(n_primary, n_secondary, threshold, sensitive),
        n_primary=n_primary,
        n_secondary=n_secondary,
        threshold=threshold,
    )


def _choose_complement(values, mask, is_total, equations, totals, r, c):
    """A published non-zero cell to suppress with exposed cell (r, c).

    Candidates share a constrained line (a row when row sums are published, a column when
    column sums are) with the exposed cell. The chosen one protects (r, c) and leaves the fewest
    cells exposed; ties go to inner cells before totals, then to the smallest count.
    """
    n_rows, n_cols = values.shape
    lines = []
    if totals in ("both", "column"):
        lines += [(r, j) for j in range(n_cols)]
    if totals in ("both", "row"):
        lines += [(i, c) for i in range(n_rows)]
    candidates = sorted(
        (bool(is_total[rr, cc]), int(values[rr, cc]), rr, cc)
        for rr, cc in dict.fromkeys(lines)
        if not mask[rr, cc] and values[rr, cc] > 0
    )
    if not candidates:
        # Everything in its lines is suppressed or zero: widen to the whole table.
        candidates = sorted(
            (bool(is_total[rr, cc]), int(values[rr, cc]), rr, cc)
            for rr in range(n_rows)
            for cc in range(n_cols)
            if not mask[rr, cc] and values[rr, cc] > 0
        )
    if not candidates:
        return None
    best = None
    for is_tot, value, rr, cc in candidates:
        trial = mask.copy()
        trial[rr, cc] = True
        exposed = recoverable_cells(trial, equations)
        # Rank: protects (r, c) first, then leaves fewest cells exposed, then inner before
        # total, then the smallest count (least information lost).
        score = (bool(exposed[r, c]), int(exposed.sum()), is_tot, value)
        if best is None or score < best[0]:
            best = (score, (rr, cc))
    return best[1]


def _note(n_primary: int, n_secondary: int, threshold: int, sensitive: bool) -> str:
    if n_primary + n_secondary == 0:
        return ""
    theme = " (a sensitive theme)" if sensitive else ""
    text = (
        f"{SUPPRESSED} = suppressed to protect confidentiality: counts of 1 to {threshold}{theme} "
        "are not shown"
    )
    if n_secondary:
        text += (
            f", and {n_secondary} further cell{'s are' if n_secondary > 1 else ' is'} suppressed so "
            "that the hidden counts cannot be worked out from the totals"
        )
    return text + ". Zeros are shown."


def suppress_series(counts: pd.Series, sensitive: bool, total: bool = True) -> SuppressedTable:
    """Disclosure control for one column of counts plus its total.

    Parameters
    ----------
    counts : pandas.Series
        Counts indexed by category (e.g. crime type).
    sensitive : bool
    total : bool, default True
        Publish a Total row.

    Returns
    -------
    SuppressedTable
        A one-column table (named after the series, or "count").
    """
    if not isinstance(counts, pd.Series):
        raise AnalysisError(f"suppress_series needs a Series, got {type(counts).__name__}")
    name = counts.name if counts.name is not None else "count"
    return suppress(counts.to_frame(name), sensitive, totals="row" if total else "none")
