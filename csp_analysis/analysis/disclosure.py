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
  to its row total, each column to its column total, the totals to the grand total). Every cell
  lies in at most two equations with coefficients +/-1, and after flipping the signs of some
  equations these form the incidence matrix of a directed graph (lines are nodes, hidden cells
  are edges), so the unknowns' free directions are exactly its cycle flows: a hidden cell is
  recoverable if and only if its edge is a *bridge* (on no cycle). Bridges are found in linear
  time (Tarjan). While any hidden cell is recoverable, a published non-zero cell sharing a row
  or column with it is also hidden: the one that leaves the fewest cells recoverable, inner
  cells before totals, smallest count first (a greedy heuristic; the optimal pattern is an
  NP-hard problem).
* Complements are never zeros, so every hidden cell is at least 1, and every unrecoverable cell
  lies on a cycle along which the hidden cells can shift by +/-1 without any going negative: the
  non-negativity of counts cannot pin it down either. The property tests check both claims
  against linear algebra and linear programming.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import AnalysisError

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
# Complement candidates tried before settling for the best that makes progress (keeps large
# tables fast; small tables try every candidate).
MAX_CANDIDATES = 40


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


def _constrained_lines(totals: str) -> tuple[bool, bool]:
    """(rows have a published sum, columns have a published sum)."""
    return totals in ("both", "column"), totals in ("both", "row")


def recoverable_cells(mask: np.ndarray, totals: str) -> np.ndarray:
    """Which suppressed cells of an extended table (totals included) the published cells fix.

    Each row with a published sum and each column with a published sum is an equation; each
    cell lies in at most two of them (its row's and its column's) with coefficients +/-1, and
    after flipping the signs of the total row's and the inner columns' equations every cell has
    one +1 and one -1: the equations are the incidence matrix of a directed graph whose nodes are
    the lines and whose edges are the hidden cells (a line without a published sum is merged into
    one "ground" node, as it carries no equation). The homogeneous solutions are then exactly the
    cycle flows of that graph, so a hidden cell is determined by the published figures if and
    only if its edge lies on no cycle - it is a bridge. Bridges are found with Tarjan's
    depth-first lowlink algorithm in linear time.

    Parameters
    ----------
    mask : numpy.ndarray of bool, shape (rows, columns)
        Suppressed cells of the table with its published totals.
    totals : {"both", "row", "column", "none"}
        Which totals the table carries (see :func:`suppress`).

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``mask``: True for suppressed cells whose value can be worked out.
    """
    n_rows, n_cols = mask.shape
    rows_constrained, cols_constrained = _constrained_lines(totals)
    ground = n_rows + n_cols
    cells = [tuple(ix) for ix in np.argwhere(mask)]
    adjacency: dict[int, list[tuple[int, int]]] = {}
    for edge, (r, c) in enumerate(cells):
        a = r if rows_constrained else ground
        b = n_rows + c if cols_constrained else ground
        if a == b:  # in no equation at all: nothing can pin it down
            continue
        adjacency.setdefault(a, []).append((b, edge))
        adjacency.setdefault(b, []).append((a, edge))
    bridges = _bridges(adjacency)
    result = np.zeros(mask.shape, dtype=bool)
    for edge in bridges:
        result[cells[edge]] = True
    return result


def _bridges(adjacency: dict[int, list[tuple[int, int]]]) -> set[int]:
    """Edge ids that are bridges of an undirected multigraph (iterative Tarjan)."""
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: set[int] = set()
    counter = 0
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        # Stack of (node, id of the edge used to reach it, iterator over its neighbours).
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            advanced = False
            for nxt, edge in neighbours:
                if edge == via:  # the same edge back; a parallel edge is a genuine cycle
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append((nxt, edge, iter(adjacency[nxt])))
                    advanced = True
                    break
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.add(via)
    return bridges


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
    is_total = np.zeros(values.shape, dtype=bool)
    if totals in ("both", "column"):
        is_total[:, -1] = True
    if totals in ("both", "row"):
        is_total[-1, :] = True

    for _ in range(values.size):
        exposed = recoverable_cells(mask, totals)
        if not exposed.any():
            break
        r, c = np.argwhere(exposed)[0]
        complement = _choose_complement(values, mask, is_total, totals, r, c)
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


def _choose_complement(values, mask, is_total, totals, r, c):
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
    exposed_now = int(recoverable_cells(mask, totals).sum())
    best = None
    for tried, (is_tot, value, rr, cc) in enumerate(candidates):
        trial = mask.copy()
        trial[rr, cc] = True
        exposed = recoverable_cells(trial, totals)
        # Rank: protects (r, c) first, then leaves fewest cells exposed, then inner before
        # total, then the smallest count (least information lost).
        score = (bool(exposed[r, c]), int(exposed.sum()), is_tot, value)
        if best is None or score < best[0]:
            best = (score, (rr, cc))
        # Candidates come smallest first: once one protects (r, c) and leaves nothing exposed,
        # nothing later can beat it; and on large tables stop after a bounded search.
        progress = score[1] == 0 or (tried >= MAX_CANDIDATES and score[1] < exposed_now)
        if not score[0] and progress:
            break
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
