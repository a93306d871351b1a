"""Disclosure control: primary thresholds, secondary suppression, display and the property that no
suppressed cell can be worked out from what is published."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from csp_analysis.analysis.disclosure import (
    SUPPRESSED,
    TOTAL,
    primary_threshold,
    recoverable_cells,
    suppress,
    suppress_series,
)
from csp_analysis.core.exceptions import AnalysisError


def _bounds_of_suppressed(result) -> dict[tuple, tuple[float, float]]:
    """Smallest and largest value each suppressed cell can take given everything published.

    An attacker knows every published cell, that hidden cells are non-negative, and that rows
    and columns add up to the published totals. Linear programming finds the feasible range of
    each hidden cell; a range of zero width means the cell is disclosed.
    """
    values = result.values.to_numpy(dtype=float)
    mask = result.mask.to_numpy()
    n_rows, n_cols = values.shape
    has_total_col = result.values.columns[-1] == TOTAL
    has_total_row = result.values.index[-1] == TOTAL
    hidden = [tuple(ix) for ix in np.argwhere(mask)]
    position = {cell: k for k, cell in enumerate(hidden)}
    rows_eq, rhs = [], []

    def add_equation(cells_with_sign):
        row, constant = np.zeros(len(hidden)), 0.0
        for (r, c), sign in cells_with_sign:
            if (r, c) in position:
                row[position[(r, c)]] += sign
            else:
                constant -= sign * values[r, c]
        if row.any():
            rows_eq.append(row)
            rhs.append(constant)

    inner_rows = n_rows - (1 if has_total_row else 0)
    inner_cols = n_cols - (1 if has_total_col else 0)
    if has_total_col:
        for r in range(n_rows):
            add_equation([((r, c), 1) for c in range(inner_cols)] + [((r, n_cols - 1), -1)])
    if has_total_row:
        for c in range(n_cols):
            add_equation([((r, c), 1) for r in range(inner_rows)] + [((n_rows - 1, c), -1)])
    bounds = {}
    for cell, k in position.items():
        objective = np.zeros(len(hidden))
        objective[k] = 1
        kwargs = {"A_eq": np.array(rows_eq), "b_eq": np.array(rhs)} if rows_eq else {}
        low = linprog(objective, bounds=[(0, None)] * len(hidden), method="highs", **kwargs)
        high = linprog(-objective, bounds=[(0, None)] * len(hidden), method="highs", **kwargs)
        upper = np.inf if high.status == 3 else -high.fun  # status 3: unbounded above
        bounds[cell] = (low.fun, upper)
    return bounds


def _assert_protected(result):
    for cell, (low, high) in _bounds_of_suppressed(result).items():
        assert high - low >= 1 - 1e-6, f"cell {cell} can be worked out: [{low}, {high}]"


# --------------------------------------------------------------------------- worked examples


@pytest.fixture
def table():
    return pd.DataFrame(
        {"Alpha": [10, 2, 30, 0], "Beta": [5, 7, 1, 9], "Gamma": [20, 15, 12, 3]},
        index=["Burglary", "Drugs", "Robbery", "Shoplifting"],
    )


def test_primary_thresholds():
    assert primary_threshold(False) == 2
    assert primary_threshold(True) == 4


def test_non_sensitive_suppression_by_hand(table):
    result = suppress(table, sensitive=False)
    # Primary: Drugs/Alpha = 2 and Robbery/Beta = 1. Each needs a partner in its row and column:
    # the smallest choice that protects both is the 2x2 rectangle Drugs/Robbery x Alpha/Beta.
    expected = pd.DataFrame(False, index=result.values.index, columns=result.values.columns)
    for cell in [("Drugs", "Alpha"), ("Robbery", "Beta"), ("Drugs", "Beta"), ("Robbery", "Alpha")]:
        expected.loc[cell] = True
    pd.testing.assert_frame_equal(result.mask, expected)
    assert (result.n_primary, result.n_secondary) == (2, 2)
    assert result.display.loc["Shoplifting", "Alpha"] == "0"  # zero is shown
    assert result.display.loc[TOTAL, TOTAL] == "114"
    assert result.display.loc["Drugs", "Alpha"] == SUPPRESSED
    assert "counts of 1 to 2 are not shown" in result.note
    assert "2 further cells are suppressed" in result.note
    _assert_protected(result)


def test_sensitive_suppresses_three_and_four(table):
    result = suppress(table, sensitive=True)
    assert result.primary.loc["Shoplifting", "Gamma"]  # 3 is primary only when sensitive
    assert not suppress(table, sensitive=False).mask.loc["Shoplifting", "Gamma"]
    assert result.n_primary == 3
    assert "1 to 4 (a sensitive theme)" in result.note
    _assert_protected(result)


def test_thousands_separators_and_no_note_when_nothing_suppressed():
    result = suppress(pd.DataFrame({"A": [1234, 56789], "B": [0, 1000]}), sensitive=False)
    assert result.display.loc[1, "A"] == "56,789"
    assert result.display.loc[TOTAL, TOTAL] == "59,023"
    assert result.note == "" and result.n_suppressed == 0


def test_small_total_is_itself_suppressed():
    result = suppress(pd.DataFrame({"A": [1, 0, 0], "B": [10, 20, 30]}), sensitive=False)
    assert result.primary.loc[TOTAL, "A"]
    _assert_protected(result)


def test_totals_choice_changes_what_needs_protecting():
    frame = pd.DataFrame({"A": [2, 10, 11], "B": [10, 20, 30]})
    none = suppress(frame, sensitive=False, totals="none")
    assert (none.n_primary, none.n_secondary) == (1, 0)
    assert list(none.values.index) == [0, 1, 2] and list(none.values.columns) == ["A", "B"]
    row = suppress(frame, sensitive=False, totals="row")  # column sums published
    assert row.mask["A"].sum() == 2 and not row.mask["B"].any()
    column = suppress(frame, sensitive=False, totals="column")  # row sums published
    assert column.mask.loc[0].sum() == 2
    for result in (none, row, column):
        _assert_protected(result)


def test_suppress_series_one_column_and_total():
    counts = pd.Series({"Burglary": 12, "Robbery": 2, "Drugs": 0, "Theft": 40}, name="offences")
    result = suppress_series(counts, sensitive=False)
    # The smallest other non-zero count (Burglary, 12) is the complement.
    assert result.display["offences"].tolist() == [SUPPRESSED, SUPPRESSED, "0", "40", "54"]
    assert result.n_secondary == 1
    _assert_protected(result)
    no_total = suppress_series(counts, sensitive=False, total=False)
    assert no_total.n_secondary == 0 and TOTAL not in no_total.display.index


def _equations(shape: tuple[int, int], totals: str) -> np.ndarray:
    """The published sums as linear equations over the flattened extended table (A x = 0)."""
    n_rows, n_cols = shape
    index = np.arange(n_rows * n_cols).reshape(shape)
    inner_rows = n_rows - (1 if totals in ("both", "row") else 0)
    inner_cols = n_cols - (1 if totals in ("both", "column") else 0)
    equations = []
    if totals in ("both", "column"):
        for r in range(n_rows):
            eq = np.zeros(n_rows * n_cols)
            eq[index[r, :inner_cols]] = 1
            eq[index[r, -1]] = -1
            equations.append(eq)
    if totals in ("both", "row"):
        for c in range(n_cols):
            eq = np.zeros(n_rows * n_cols)
            eq[index[:inner_rows, c]] = 1
            eq[index[-1, c]] = -1
            equations.append(eq)
    return np.array(equations).reshape(len(equations), n_rows * n_cols)


def _recoverable_by_linear_algebra(mask: np.ndarray, totals: str) -> np.ndarray:
    """Hidden cells fixed by the equations: zero in every null-space vector of the restricted
    system (and present in some equation)."""
    from scipy.linalg import null_space

    equations = _equations(mask.shape, totals)
    hidden = np.flatnonzero(mask.ravel())
    result = np.zeros(mask.size, dtype=bool)
    if hidden.size == 0 or equations.shape[0] == 0:
        return result.reshape(mask.shape)
    restricted = equations[:, hidden]
    in_equation = np.any(restricted != 0, axis=0)
    null = null_space(restricted)
    free = np.any(np.abs(null) > 1e-9, axis=1) if null.size else np.zeros(hidden.size, bool)
    result[hidden] = in_equation & ~free
    return result.reshape(mask.shape)


def test_recoverable_cells_lone_cell_and_rectangle():
    mask = np.zeros((4, 4), dtype=bool)  # a 3x3 table with both totals
    mask[0, 0] = True
    assert recoverable_cells(mask, "both")[0, 0]
    mask[0, 1] = mask[1, 0] = mask[1, 1] = True  # a 2x2 rectangle is safe
    assert not recoverable_cells(mask, "both").any()
    # Two rectangles joined by one cell: that cell is a bridge and can be worked out.
    mask = np.zeros((6, 6), dtype=bool)
    for r, c in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        mask[r, c] = True
    exposed = recoverable_cells(mask, "both")
    assert exposed[1, 2] and exposed.sum() == 1
    assert not recoverable_cells(mask, "none").any()


@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.sampled_from(["both", "row", "column", "none"]),
    st.data(),
)
@settings(max_examples=400, deadline=None)
def test_graph_criterion_matches_linear_algebra(n_rows, n_cols, totals, data):
    cells = data.draw(st.lists(st.booleans(), min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    mask = np.array(cells).reshape(n_rows, n_cols)
    np.testing.assert_array_equal(
        recoverable_cells(mask, totals), _recoverable_by_linear_algebra(mask, totals)
    )


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (pd.DataFrame({"A": [1, -2]}), {}, r"row 1, column 'A': counts must be non-negative"),
        (pd.DataFrame({"A": [1.5, 2]}), {}, r"row 0, column 'A': counts must be non-negative"),
        (pd.DataFrame({"A": [1, np.nan]}), {}, r"row 1, column 'A': nan is not a count"),
        (pd.DataFrame({"A": ["x", 2]}), {}, r"row 0, column 'A': 'x' is not a count"),
        (pd.DataFrame({"A": [1, 2], TOTAL: [1, 2]}), {}, "already has a 'Total' column"),
        (pd.DataFrame({"A": [1, 2]}, index=["x", TOTAL]), {}, "already has a 'Total' row"),
        (pd.DataFrame({"A": [1, 2]}), {"totals": "rows"}, "totals must be 'both'"),
        (pd.DataFrame(), {}, "the table is empty"),
    ],
)
def test_suppress_validation(frame, kwargs, message):
    with pytest.raises(AnalysisError, match=message):
        suppress(frame, sensitive=False, **kwargs)


def test_suppress_series_validation():
    with pytest.raises(AnalysisError, match="needs a Series"):
        suppress_series(pd.DataFrame({"A": [1]}), sensitive=False)
    with pytest.raises(AnalysisError, match="needs a DataFrame"):
        suppress([[1, 2]], sensitive=False)


# --------------------------------------------------------------------------- property tests

# Small counts dominate so that suppression patterns are varied and dense.
cell = st.one_of(st.integers(0, 6), st.integers(0, 60), st.integers(0, 5000))


@st.composite
def count_tables(draw):
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(1, 5))
    cells = draw(st.lists(cell, min_size=n_rows * n_cols, max_size=n_rows * n_cols))
    return pd.DataFrame(
        np.array(cells, dtype=np.int64).reshape(n_rows, n_cols),
        index=[f"r{i}" for i in range(n_rows)],
        columns=[f"c{j}" for j in range(n_cols)],
    )


@given(
    count_tables(),
    st.booleans(),
    st.sampled_from(["both", "row", "column", "none"]),
)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_suppressed_cell_can_be_recovered(frame, sensitive, totals):
    result = suppress(frame, sensitive=sensitive, totals=totals)
    values = result.values.to_numpy()
    mask = result.mask.to_numpy()
    threshold = primary_threshold(sensitive)
    # Every small non-zero count (totals included) is hidden; zeros are never hidden.
    small = (values >= 1) & (values <= threshold)
    assert (mask[small]).all()
    assert not mask[values == 0].any()
    # The published cells are the true counts.
    shown = result.display.to_numpy()
    for (r, c), is_hidden in np.ndenumerate(mask):
        if not is_hidden:
            assert shown[r, c] == f"{values[r, c]:,}"
        else:
            assert shown[r, c] == SUPPRESSED
    assert result.n_primary == int(small.sum())
    assert result.n_primary + result.n_secondary == int(mask.sum())
    # No hidden cell is pinned down by the totals and non-negativity.
    _assert_protected(result)


@given(count_tables(), st.booleans())
@settings(max_examples=100, deadline=None)
def test_suppression_is_deterministic(frame, sensitive):
    assume(frame.size > 0)
    first = suppress(frame, sensitive=sensitive)
    second = suppress(frame.copy(), sensitive=sensitive)
    pd.testing.assert_frame_equal(first.mask, second.mask)


def test_duplicate_labels_rejected():
    frame = pd.DataFrame([[1, 2], [3, 4]], index=["x", "x"], columns=["A", "B"])
    with pytest.raises(AnalysisError, match="row label 'x' appears twice"):
        suppress(frame, sensitive=False)


def test_unprotectable_cell_is_an_error_not_a_leak(monkeypatch):
    # Unreachable with real totals (a total is never smaller than its cells), so simulate a
    # table where no complement can be found.
    import csp_analysis.analysis.disclosure as disclosure

    monkeypatch.setattr(disclosure, "_choose_complement", lambda *args: None)
    with pytest.raises(AnalysisError, match="cannot protect the cell at row 0, column 'A'"):
        suppress(pd.DataFrame({"A": [1, 10], "B": [10, 10]}), sensitive=False)
