"""LSOA -> local authority district (LAD) -> Community Safety Partnership (CSP) assignment.

Geography comes from the ONS Open Geography Portal lookups (Open Government Licence v3.0):

- the "LSOA (2021) to Electoral Ward (2023) to LAD (2023) Best Fit Lookup in EW" (columns
  ``LSOA21CD, LSOA21NM, ..., LAD23CD, LAD23NM, ...``): every 2021 LSOA in its best-fit district;
- the "Local Authority District to CSPs to Police Force Areas (December 2023) Lookup" (columns
  ``LAD23CD, LAD23NM, CSP23CD, CSP23NM, PFA23CD, PFA23NM``);
- optionally an LSOA (2011) lookup: either ONS "LSOA (2011) to LSOA (2021) to LAD" (has
  ``LSOA11CD`` and a ``LADyyCD`` column) or any file with ``LSOA11CD`` and ``LSOA21CD``.

Which districts form which partnership is decided by the national area registry
(:mod:`csp_analysis.core.registry`, built from this same ONS lookup); a CSP lookup given to the
ingest is checked against it.

2011 and 2021 LSOA codes share one code space. ONS keeps an LSOA's code when its boundary did not
change in 2021 and gives new codes to split, merged or redrawn LSOAs (E01033769 onwards in
England, W01001959 onwards in Wales), retiring the old ones. So a code found in the 2021 lookup
means the same area whichever year's data it comes from; a code *not* found there that lies in
the 2011 number range is a retired 2011 LSOA, which needs the LSOA11 lookup to be placed.
"""

from __future__ import annotations

import csv
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csp_analysis.core.config import AreasConfig
from csp_analysis.core.exceptions import ConfigError, InputFileError
from csp_analysis.core.schema import (
    UNASSIGNED_LSOA11_NO_LOOKUP,
    UNASSIGNED_LSOA_NOT_IN_LOOKUP,
    UNASSIGNED_NO_LOCATION,
    UNASSIGNED_OUTSIDE_AREAS,
)
from csp_analysis.io.sniff import not_text_problem

# Highest LSOA codes issued for the 2011 geography (ONS LSOA 2011 names and codes): codes above
# these were created in 2021.
LAST_2011_LSOA = {"E": 33768, "W": 1958}
_LSOA_CODE = re.compile(r"^([EW])01(\d{6})$")
_LAD_COLUMN = re.compile(r"^LAD\d{2}CD$")


def is_retired_2011_code(code: str) -> bool:
    """True when ``code`` is shaped like an LSOA code inside the 2011 number range.

    Used only for codes missing from the 2021 lookup: those are 2011 LSOAs retired in 2021.
    """
    match = _LSOA_CODE.match(code)
    return bool(match) and int(match.group(2)) <= LAST_2011_LSOA[match.group(1)]


def _read_string_csv(path: Path, what: str) -> pa.Table:
    """Read a lookup CSV with every column as string, as a clear InputFileError on failure."""
    if not path.is_file():
        raise InputFileError(path, f"{what} not found")
    if path.stat().st_size == 0:
        raise InputFileError(path, f"{what} is empty")
    with path.open("rb") as handle:
        first_line = handle.readline()
    if (problem := not_text_problem(first_line)) is not None:
        raise InputFileError(path, f"{what} {problem}", row=1)
    try:
        header = next(csv.reader([first_line.decode("utf-8-sig")]))
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, StopIteration) as exc:
        # Arrow's message names the row ("Row #n") when it knows it.
        raise InputFileError(path, f"cannot read {what}: {exc}") from None


def _require(path: Path, table: pa.Table, columns, what: str) -> None:
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise InputFileError(
            path,
            f"{what} lacks column(s) {', '.join(missing)}; found: {', '.join(table.column_names)}",
            row=1,
        )


def _lad_column(path: Path, table: pa.Table, what: str) -> str:
    found = [c for c in table.column_names if _LAD_COLUMN.match(c)]
    if not found:
        raise InputFileError(
            path,
            f"{what} has no local authority district code column (LADyyCD, e.g. LAD23CD); "
            f"found: {', '.join(table.column_names)}",
            row=1,
        )
    return sorted(found)[-1]  # the most recent district geography if several are present


@dataclass(frozen=True)
class LsoaLookup:
    """2021 LSOA code -> LAD code and LSOA name, from the ONS best-fit lookup."""

    lad_of: dict[str, str]
    name_of: dict[str, str]
    lad_name_of: dict[str, str]
    source: str


def read_lsoa_lookup(path: str | Path) -> LsoaLookup:
    """Read the ONS LSOA21 -> LAD best-fit lookup.

    Parameters
    ----------
    path : str or Path
        CSV with ``LSOA21CD``, ``LSOA21NM`` and a ``LADyyCD`` column (a byte-order mark is fine).

    Returns
    -------
    LsoaLookup

    Raises
    ------
    InputFileError
        Missing file or columns, empty file, a blank code, or an LSOA listed twice with
        different districts (the file and line are named).
    """
    path = Path(path)
    what = "LSOA21 lookup"
    table = _read_string_csv(path, what)
    _require(path, table, ["LSOA21CD", "LSOA21NM"], what)
    lad_col = _lad_column(path, table, what)
    lad_name_col = lad_col[:-2] + "NM"
    if table.num_rows == 0:
        raise InputFileError(path, f"{what} has a header but no rows")
    codes = [c.strip() for c in table.column("LSOA21CD").to_pylist()]
    lads = [c.strip() for c in table.column(lad_col).to_pylist()]
    names = table.column("LSOA21NM").to_pylist()
    lad_names = (
        table.column(lad_name_col).to_pylist()
        if lad_name_col in table.column_names
        else [""] * len(codes)
    )
    blank = [
        i for i, (code, lad) in enumerate(zip(codes, lads, strict=True)) if not code or not lad
    ]
    if blank:
        raise InputFileError(path, f"blank LSOA21CD or {lad_col}", row=blank[0] + 2)
    lad_of = dict(zip(codes, lads, strict=True))
    if len(lad_of) != len(codes):  # a code listed twice: fine only with the same district
        first: dict[str, str] = {}
        for index, (code, lad) in enumerate(zip(codes, lads, strict=True)):
            previous = first.setdefault(code, lad)
            if previous != lad:
                raise InputFileError(
                    path, f"LSOA {code} is listed twice, in {previous} and in {lad}", row=index + 2
                )
    name_of = dict(zip(codes, names, strict=True))
    lad_name_of = {lad: name for lad, name in zip(lads, lad_names, strict=True) if name}
    return LsoaLookup(lad_of, name_of, lad_name_of, path.name)


def read_lsoa11_lookup(path: str | Path, lsoa21: LsoaLookup) -> dict[str, str]:
    """Read an LSOA11 lookup and return 2011 LSOA code -> LAD code.

    Accepts the ONS "LSOA (2011) to LSOA (2021) to LAD" lookup (``LSOA11CD`` and a ``LADyyCD``
    column) or any file with ``LSOA11CD`` and ``LSOA21CD`` (the district then comes from the
    2021 lookup). A 2011 LSOA split across districts goes to the district most of its 2021
    pieces lie in (first listed on a tie), in the spirit of the ONS best-fit method.

    Raises
    ------
    InputFileError
        Missing file or columns; a 2021 code unknown to the 2021 lookup.
    """
    path = Path(path)
    what = "LSOA11 lookup"
    table = _read_string_csv(path, what)
    _require(path, table, ["LSOA11CD"], what)
    codes11 = [c.strip() for c in table.column("LSOA11CD").to_pylist()]
    lad_cols = [c for c in table.column_names if _LAD_COLUMN.match(c)]
    if lad_cols:
        lads = [c.strip() for c in table.column(sorted(lad_cols)[-1]).to_pylist()]
    elif "LSOA21CD" in table.column_names:
        lads = []
        for index, code21 in enumerate(table.column("LSOA21CD").to_pylist()):
            lad = lsoa21.lad_of.get(code21.strip())
            if lad is None:
                raise InputFileError(
                    path, f"LSOA21CD {code21} is not in the LSOA21 lookup", row=index + 2
                )
            lads.append(lad)
    else:
        raise InputFileError(
            path,
            f"{what} needs LSOA11CD with a LADyyCD or an LSOA21CD column; "
            f"found: {', '.join(table.column_names)}",
            row=1,
        )
    votes: dict[str, Counter] = {}
    for index, (code, lad) in enumerate(zip(codes11, lads, strict=True)):
        if not code or not lad:
            raise InputFileError(path, "blank LSOA11 or district code", row=index + 2)
        votes.setdefault(code, Counter())[lad] += 1
    return {code: counter.most_common(1)[0][0] for code, counter in votes.items()}


@dataclass(frozen=True)
class CspLookupRow:
    lad_code: str
    lad_name: str
    csp_code: str
    csp_name: str
    pfa_code: str
    pfa_name: str


def read_csp_lookup(path: str | Path) -> dict[str, list[CspLookupRow]]:
    """Read the ONS LAD -> CSP -> PFA lookup, keyed by LAD code.

    A district can sit in several CSPs (in the December 2023 lookup Bournemouth, Christchurch
    and Poole is listed under three), so each district maps to a list of rows.

    Raises
    ------
    InputFileError
        Missing file or columns (``LADyyCD, LADyyNM, CSPyyCD, CSPyyNM, PFAyyCD, PFAyyNM``), a
        blank code, or the same district and CSP listed twice.
    """
    path = Path(path)
    what = "LAD-CSP-PFA lookup"
    table = _read_string_csv(path, what)

    def column(prefix: str, suffix: str) -> str:
        pattern = re.compile(rf"^{prefix}\d{{2}}{suffix}$")
        found = sorted(c for c in table.column_names if pattern.match(c))
        if not found:
            raise InputFileError(
                path,
                f"{what} has no {prefix}yy{suffix} column; found: {', '.join(table.column_names)}",
                row=1,
            )
        return found[-1]

    cols = [column(p, s) for p in ("LAD", "CSP", "PFA") for s in ("CD", "NM")]
    values = [table.column(c).to_pylist() for c in cols]
    rows: dict[str, list[CspLookupRow]] = {}
    for index, record in enumerate(zip(*values, strict=True)):
        row = CspLookupRow(*(v.strip() for v in record))
        if not row.lad_code or not row.csp_code:
            raise InputFileError(path, "blank district or CSP code", row=index + 2)
        listed = rows.setdefault(row.lad_code, [])
        if any(r.csp_code == row.csp_code for r in listed):
            raise InputFileError(
                path, f"district {row.lad_code} is listed twice in {row.csp_code}", row=index + 2
            )
        listed.append(row)
    if not rows:
        raise InputFileError(path, f"{what} has a header but no rows")
    return rows


def check_csp_lookup(csp_lookup: dict[str, list[CspLookupRow]], areas: AreasConfig, path) -> None:
    """Check that an ONS CSP lookup agrees with the area registry for the given partnerships.

    Raises
    ------
    ConfigError
        A district missing from the lookup or placed in a CSP the partnership does not stand
        for, or a partnership that the lookup gives extra districts. (A merged district that
        ONS lists under several CSPs belongs to the partnership area reporting them together.)
    """
    name = Path(path).name
    for csp in areas.csps:
        for district in csp.districts:
            key = f"{csp.id}.districts.{district.code}"
            listed = csp_lookup.get(district.code)
            if not listed:
                raise ConfigError("areas", key, f"district is not in the CSP lookup {name}")
            codes = sorted(r.csp_code for r in listed)
            if not set(codes) <= set(csp.ons_codes):
                raise ConfigError(
                    "areas",
                    key,
                    f"in partnership {csp.code} ({csp.name}) but {name} puts it in "
                    + ", ".join(f"{r.csp_code} ({r.csp_name})" for r in listed),
                )
    # Extra districts are checked only once every district is known to be right, so a district
    # moved between two partnerships is reported as moved.
    for csp in areas.csps:
        in_lookup = {
            lad for lad, listed in csp_lookup.items() for r in listed if r.csp_code in csp.ons_codes
        }
        extra = sorted(in_lookup - set(csp.lad_codes))
        if extra:
            raise ConfigError(
                "areas",
                f"{csp.id}.districts",
                f"{name} also puts {', '.join(extra)} in {csp.code} ({csp.name})",
            )


@dataclass
class Assignment:
    """Per-row geography for one batch.

    ``lad_code``, ``csp_code``, ``csp_name``, ``unassigned_reason`` and ``lsoa_name`` (the
    lookup's name) are dictionary-encoded string arrays sharing one set of indices: row ``i``
    takes entry ``entry_index[i]`` of ``entries``, the resolved distinct LSOA codes (the last
    entry is "no location"). Counting by entry is how the ingest tallies rows cheaply.
    """

    lad_code: pa.DictionaryArray
    csp_code: pa.DictionaryArray
    csp_name: pa.DictionaryArray
    unassigned_reason: pa.DictionaryArray
    lsoa_name: pa.DictionaryArray
    entry_index: np.ndarray
    entries: list[tuple]
    entry_codes: np.ndarray  # (entries, 5) global value codes, -1 for null
    values: list[str]  # global code -> value (only ever appended to)


@dataclass
class Assigner:
    """Assigns LSOA codes to partnerships (CSPs), nationally.

    A row goes to the partnership of its LSOA's district when that partnership belongs to the
    force that recorded the row; one placed in another force's partnership (a police.uk snap
    point over the force boundary) is kept, unassigned, as "outside the force's area".

    Parameters
    ----------
    lsoa21 : LsoaLookup
    areas : AreasConfig
        Which districts make up which partnership, and which force each belongs to (the
        national registry).
    lsoa11_lad : dict, optional
        2011 LSOA code -> LAD code from :func:`read_lsoa11_lookup`.
    """

    lsoa21: LsoaLookup
    areas: AreasConfig
    lsoa11_lad: dict[str, str] | None = None
    _cache: dict[str, tuple] = field(default_factory=dict, repr=False)
    _entry_codes: dict[tuple, tuple] = field(default_factory=dict, repr=False)
    _code_of: dict[str, int] = field(default_factory=dict, repr=False)
    _values: list[str] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._csp_of_lad = {
            lad: (csp.code, csp.name) for csp in self.areas.csps for lad in csp.lad_codes
        }
        self._force_of_csp = {csp.code: f.id for f in self.areas.forces for csp in f.csps}

    def resolve(self, code: str | None, force: str | None = None) -> tuple:
        """(lad_code, csp_code, csp_name, unassigned_reason, lookup_lsoa_name) for one code,
        recorded by ``force`` (None: any force)."""
        if code is None or code == "":
            return (None, None, None, UNASSIGNED_NO_LOCATION, None)
        hit = self._cache.get((code, force))
        if hit is not None:
            return hit
        result = self._resolve(code, force)
        self._cache[(code, force)] = result
        return result

    def _resolve(self, code: str, force: str | None) -> tuple:
        lad = self.lsoa21.lad_of.get(code)
        name = self.lsoa21.name_of.get(code)
        if lad is None and self.lsoa11_lad is not None:
            lad = self.lsoa11_lad.get(code)
        if lad is None:
            reason = (
                UNASSIGNED_LSOA11_NO_LOOKUP
                if self.lsoa11_lad is None and is_retired_2011_code(code)
                else UNASSIGNED_LSOA_NOT_IN_LOOKUP
            )
            result = (None, None, None, reason, None)
        elif lad in self._csp_of_lad:
            csp_code, csp_name = self._csp_of_lad[lad]
            if force is not None and self._force_of_csp[csp_code] != force:
                result = (lad, None, None, UNASSIGNED_OUTSIDE_AREAS, name)
            else:
                result = (lad, csp_code, csp_name, None, name)
        else:
            result = (lad, None, None, UNASSIGNED_OUTSIDE_AREAS, name)
        return result

    def assign(
        self, lsoa_codes: pa.Array | pa.ChunkedArray, force: str | None = None
    ) -> Assignment:
        """Assign a column of LSOA codes (empty or null = no location) recorded by ``force``,
        vectorised.

        Each distinct code is resolved once; the per-row columns are dictionary arrays over the
        resolved entries, so no per-row strings are built.
        """
        if isinstance(lsoa_codes, pa.ChunkedArray):
            lsoa_codes = (
                lsoa_codes.chunk(0) if lsoa_codes.num_chunks == 1 else lsoa_codes.combine_chunks()
            )
        if not pa.types.is_dictionary(lsoa_codes.type):
            lsoa_codes = pc.dictionary_encode(lsoa_codes)
        dictionary = lsoa_codes.dictionary.to_pylist()
        entries = [self.resolve(code, force) for code in dictionary] + [self.resolve(None)]
        entry_index = (
            lsoa_codes.indices.fill_null(len(dictionary))
            .to_numpy(zero_copy_only=False)
            .astype(np.int32, copy=False)
        )
        # Global integer codes of each entry's five values (-1 = null), then per column the
        # codes this batch uses: one small np.unique per column, one take per row.
        entry_codes = np.array([self._codes(entry) for entry in entries], dtype=np.int64)
        columns = []
        for position in range(5):
            used, local = np.unique(entry_codes[:, position], return_inverse=True)
            row_codes = local.astype(np.int32)[entry_index]
            if used[0] == -1:  # nulls sort first: shift so -1 marks a null index
                row_codes -= 1
                used = used[1:]
            values = pa.array([self._values[c] for c in used], type=pa.string())
            indices = pa.array(row_codes, mask=row_codes < 0, type=pa.int32())
            columns.append(pa.DictionaryArray.from_arrays(indices, values))
        return Assignment(
            *columns,
            entry_index=entry_index,
            entries=entries,
            entry_codes=entry_codes,
            values=self._values,
        )

    def _codes(self, entry: tuple) -> tuple:
        codes = self._entry_codes.get(entry)
        if codes is None:
            with self._lock:  # batches are assigned in worker threads
                codes = tuple(
                    -1 if value is None else self._code_of.setdefault(value, len(self._code_of))
                    for value in entry
                )
                if len(self._values) < len(self._code_of):
                    self._values.extend(list(self._code_of)[len(self._values) :])
                self._entry_codes[entry] = codes
        return codes


def dictionary_column(values: list[str | None], index: np.ndarray) -> pa.DictionaryArray:
    """Rows taking ``values[index[i]]``, as a dictionary array whose dictionary holds no nulls
    (Arrow cannot unify dictionaries that contain nulls; a None value becomes a null index)."""
    codes: dict[str, int] = {}
    code_of = np.array(
        [-1 if v is None else codes.setdefault(v, len(codes)) for v in values], dtype=np.int32
    )
    row_codes = code_of[index] if len(code_of) else np.zeros(len(index), dtype=np.int32)
    indices = pa.array(row_codes, mask=row_codes < 0, type=pa.int32())
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(codes), type=pa.string()))
