"""``csp-analysis demo-data``: write the demo data set in the real sources' formats."""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.exceptions import CspAnalysisError
from csp_analysis.core.paths import DEMO_RAW_DIR
from csp_analysis.core.schema import ASB, POLICE_UK_CRIME_TYPES
from csp_analysis.io.demo_data.calibration import (
    DEFAULT_END,
    DEFAULT_SEED,
    DEFAULT_START,
    EXTRACT_COLUMNS,
    EXTRACT_FILE,
    INDICATORS_FILE,
    LABEL,
    LOOKUP_FILE,
    MARKER_FILE,
    NO_LOCATION,
    POLICE_UK_DIR,
    TRUTH_FILE,
)
from csp_analysis.io.demo_data.force import demo_force
from csp_analysis.io.demo_data.geography import _build_geography
from csp_analysis.io.demo_data.hexes import hex_boundaries, write_hex_boundaries
from csp_analysis.io.demo_data.indicators import INDICATOR_SIGNALS, _format_number, _indicators
from csp_analysis.io.demo_data.national import national_tables, write_national_tables
from csp_analysis.io.demo_data.records import (
    _assign_rows,
    _crime_ids,
    _draw_counts,
    _extract_fields,
    _lsoa_shares,
    _outcomes,
)
from csp_analysis.io.demo_data.truth import _month_label, _parse_month, build_truth, load_truth

NATIONAL_STREAM = 11  # random stream of the national Home Office tables


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding=encoding, lineterminator="\n")


def _replace_directory(tmp: Path, out_dir: Path) -> None:
    """Move a freshly written directory into place, replacing an earlier demo output whole."""
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{time.time_ns()}")
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(out_dir)


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to delete a directory that is not an earlier demonstration output."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise CspAnalysisError(f"demo-data: {out_dir} exists and is not a directory")
    if any(out_dir.iterdir()) and not (out_dir / MARKER_FILE).is_file():
        raise CspAnalysisError(
            f"demo-data: {out_dir} is not empty and holds no {MARKER_FILE} marker; refusing to "
            "replace a directory that demo-data did not write (choose another --out)"
        )


def generate_demo_data(
    out_dir: str | Path = DEMO_RAW_DIR,
    seed: int = DEFAULT_SEED,
    start: str = DEFAULT_START,
    end: str = DEFAULT_END,
    force: str | None = None,
) -> Path:
    """Generate the synthetic demonstration data set into ``out_dir``.

    The directory is written to a temporary sibling and then moved into place, replacing an
    earlier demonstration output whole. The same seed and span give byte-identical files.

    Parameters
    ----------
    out_dir : str or Path
        Target directory (default ``data/raw/demo``). An existing directory is replaced only if
        it is empty or holds a ``DEMO_DATA`` marker.
    seed : int
        Seed of the random generator (non-negative).
    start, end : str
        First and last month, "YYYY-MM" (defaults: 2016-04 and 2026-03).
    force : str, optional
        Any police force of England and Wales (id, name or PFA code): its real partnerships,
        districts and populations, levels scaled from West Mercia (see
        :mod:`csp_analysis.io.demo_data.force`). Default: West Mercia, as calibrated.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    CspAnalysisError
        On a malformed month, ``start`` after ``end``, a negative seed, or an ``out_dir`` that
        is not a demonstration output.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise CspAnalysisError(f"demo-data: seed must be a non-negative integer, got {seed!r}")
    out_dir = Path(out_dir).resolve()
    chosen = demo_force(force)
    truth = build_truth(int(seed), start, end, chosen)
    first, last = _parse_month(truth["start"], "start"), _parse_month(truth["end"], "end")
    _check_replaceable(out_dir)
    rng = np.random.default_rng(int(seed))
    months = np.arange(first, last + 1)
    labels = np.array([_month_label(m) for m in months], dtype=object)

    geo = _build_geography(rng, chosen)
    expected, observed, no_location, outside = _draw_counts(rng, truth, months)
    rows = _assign_rows(rng, geo, observed, no_location, outside)
    crime_types = np.asarray(POLICE_UK_CRIME_TYPES, dtype=object)[rows["type"].to_numpy()]
    is_crime = crime_types != ASB
    n_rows = len(rows)
    ids = np.full(n_rows, "", dtype=object)
    ids[is_crime] = _crime_ids(rng, int(is_crime.sum()))
    outcome = _outcomes(rng, crime_types)
    lsoa = rows["lsoa"].to_numpy()
    located = lsoa >= 0
    street = rows["street"].to_numpy()
    lsoa_code = np.full(n_rows, "", dtype=object)
    lsoa_code[located] = geo.lsoa_code[lsoa[located]]
    lsoa_name = np.full(n_rows, "", dtype=object)
    lsoa_name[located] = geo.lsoa_name[lsoa[located]]
    location = np.full(n_rows, NO_LOCATION, dtype=object)
    location[located] = geo.street_name[street[located]]
    longitude = np.full(n_rows, np.nan)
    longitude[located] = geo.street_lon[street[located]]
    latitude = np.full(n_rows, np.nan)
    latitude[located] = geo.street_lat[street[located]]
    month_label = labels[rows["month"].to_numpy()]
    street_frame = pd.DataFrame(
        {
            "Crime ID": ids, "Month": month_label, "Reported by": chosen.name,
            "Falls within": chosen.name, "Longitude": longitude, "Latitude": latitude,
            "Location": location, "LSOA code": lsoa_code, "LSOA name": lsoa_name,
            "Crime type": crime_types, "Last outcome category": outcome, "Context": "",
        }
    )  # fmt: skip
    extract = _extract_fields(rng, crime_types[is_crime])
    extract.insert(0, "CrimeRef", ids[is_crime])
    extract.insert(1, "RecordedMonth", month_label[is_crime])
    extract.insert(2, "LSOA", lsoa_code[is_crime])
    extract.insert(5, "PoliceUKCategory", crime_types[is_crime])
    extract["Outcome"] = outcome[is_crime]
    extract = extract[EXTRACT_COLUMNS]
    indicators = _indicators(rng, first, last, chosen.csps)
    for column in ("value", "target"):
        indicators[column] = [_format_number(v) for v in indicators[column]]

    # Its own generator, so that adding the national tables left every other file as it was.
    lad_to_csp = {lad: code for code, _, lads, _ in chosen.csps for lad in lads}
    lsoa_to_csp = dict(
        zip(geo.lookup["LSOA21CD"], geo.lookup["LAD23CD"].map(lad_to_csp), strict=True)
    )
    national = national_tables(
        np.random.default_rng([int(seed), NATIONAL_STREAM]),
        extract,
        lsoa_to_csp,
        [code for code, *_ in chosen.csps],
        truth["end"],
    )

    truth["indicators"] = {
        "signals": [dict(s) for s in INDICATOR_SIGNALS],
        "targets": "counts: 90% of the first four quarters' mean; percents: fixed",
    }
    truth["expected_monthly"] = {
        "months": [str(m) for m in labels],
        "values": {
            f"{s['csp_code']}|{s['crime_type']}": [
                round(float(v), 4)
                for v in expected[i // len(POLICE_UK_CRIME_TYPES), i % len(POLICE_UK_CRIME_TYPES)]
            ]
            for i, s in enumerate(truth["series"])
        },
    }
    truth["lsoa_weights"] = _lsoa_shares(geo)
    truth["generated_rows"] = {
        "street": n_rows,
        "crimes": int(is_crime.sum()),
        "no_location": int((~located).sum()),
        "outside_force": int(outside.sum()),
    }

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        (tmp / MARKER_FILE).write_text(
            f"{LABEL} generated by csp-analysis demo-data, seed {seed}. Not real crime data.\n",
            encoding="utf-8",
        )
        month_codes = rows["month"].to_numpy()
        boundaries = np.searchsorted(month_codes, np.arange(len(months) + 1))
        for i, label in enumerate(labels):
            part = street_frame.iloc[boundaries[i] : boundaries[i + 1]]
            path = tmp / POLICE_UK_DIR / label / f"{label}-{chosen.slug}-street.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            part.to_csv(path, index=False, float_format="%.6f", lineterminator="\n")
        # The ONS lookup is published with a byte-order mark; so is this one.
        _write_csv(geo.lookup, tmp / LOOKUP_FILE, encoding="utf-8-sig")
        _write_csv(extract, tmp / EXTRACT_FILE)
        _write_csv(indicators, tmp / INDICATORS_FILE)
        write_national_tables(national, tmp)
        write_hex_boundaries(
            hex_boundaries(
                geo.lsoa_code, geo.lsoa_name, geo.lookup["LAD23CD"].to_numpy(),
                geo.weights.sum(axis=1), geo.lsoa_csp >= 0,
            ),
            tmp,
        )  # fmt: skip
        (tmp / TRUTH_FILE).write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
        tmp.chmod(0o755)
        _replace_directory(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``csp-analysis demo-data``."""
    parser.add_argument(
        "--out", type=Path, default=DEMO_RAW_DIR,
        help="output directory, replaced whole (default: data/raw/demo)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (2016)")
    parser.add_argument("--start", default=DEFAULT_START, help="first month YYYY-MM (2016-04)")
    parser.add_argument("--end", default=DEFAULT_END, help="last month YYYY-MM (2026-03)")
    parser.add_argument(
        "--force",
        default=None,
        help="any police force of England and Wales, e.g. west-yorkshire (default: west-mercia, "
        "as calibrated; others are scaled from it by population)",
    )


def run(args: argparse.Namespace) -> int:
    """Generate the demonstration data and print a one-paragraph summary."""
    began = time.perf_counter()
    out_dir = generate_demo_data(
        args.out, seed=args.seed, start=args.start, end=args.end, force=args.force
    )
    truth = load_truth(out_dir)
    counts = truth["generated_rows"]
    print(
        f"{LABEL} for {truth['force']}: wrote {counts['street']:,} police.uk rows ({counts['crimes']:,} crimes, "
        f"{counts['no_location']:,} without a location, {counts['outside_force']:,} outside the "
        f"force) for {truth['start']} to {truth['end']}, seed {truth['seed']}, to {out_dir} "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return 0
