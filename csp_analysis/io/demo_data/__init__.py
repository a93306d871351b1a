"""Synthetic demonstration data: the project's embedded default input.

``csp-analysis demo-data`` writes, deterministically from a seed, ten financial years (April 2016
to March 2026) of data for the five West Mercia Community Safety Partnerships in the formats of
the real sources, so every loader, analysis and report can run without real data:

* monthly police.uk street-level files (``police_uk/YYYY-MM/YYYY-MM-west-mercia-street.csv``);
* an ONS-format LSOA21 -> ward -> LAD23 best-fit lookup for the synthetic LSOAs
  (``lsoa_lookup.csv``);
* a local police extract with Home Office offence codes, domestic abuse, hate and alcohol flags
  and victim sex (``local_extract.csv``);
* quarterly partner indicators with targets (``indicators.csv``);
* the known truth behind the counts (``truth.json``) and a ``DEMO_DATA`` marker.

Everything built from it must be labelled :data:`LABEL` ("Synthetic demonstration data").

The model
---------
For CSP *c*, police.uk crime type *k* and month *t* the expected count is::

    mu[c,k,t] = base[c,k]
                * (1 + trend[c,k]) ** ((t - 2016-04) in months / 12)
                * seasonal[k][calendar month of t]        (12 factors, Jan..Dec, mean exactly 1)
                * lockdown[k].get(t, 1)                   (COVID-19 lockdown months)
                * product of step[k].multiplier for every step with step.from <= t

and the observed count is negative binomial with that mean and size ``dispersion[k]``
(variance ``mu + mu**2 / size``), drawn as ``numpy.random.Generator.negative_binomial(size,
size / (size + mu))``. Each count is then spread over the CSP's synthetic LSOAs by a multinomial
draw with per-LSOA, per-type gamma weights (so some LSOAs are hot spots). ``base`` is the
expected count in the reference month, April 2016, before its seasonal factor.

On top of the CSP series, rows that no CSP owns are added as in the real files: "No Location"
rows (empty coordinates and LSOA) at ``NO_LOCATION_SHARE[k] * sum_c mu[c,k,t]`` and rows in
LSOAs of districts outside the force at ``OUTSIDE_FORCE_SHARE * sum_c mu[c,k,t]``, both Poisson.
They are never part of a CSP series, so an ingest that assigns rows by LSOA recovers the truth.

Calibration (see ``scripts/calibrate_demo.py``, which computes every figure below from the real
files read in place): ``base`` is solved so that the expected 2025 calendar-year total of every
CSP x crime type equals the real police.uk West Mercia count for January-December 2025;
outcome mixes, "No Location" and outside-force shares come from the same files; LSOA and ward
counts per district from the ONS LSOA21 best-fit lookup; offence-code weights from the Home
Office police recorded crime open data table for West Mercia, 2017/18. Seasonality, trends,
lockdown effects and recording-practice steps are stylised from published national patterns
(ONS Crime in England and Wales; HMICFRS crime data integrity; Home Office Counting Rules), not
estimated from the one real year. Flag and victim-sex shares are stylised to match published
proportions (about a third of violence domestic abuse related, ~15% of crime overall).
"""

from __future__ import annotations

from csp_analysis.io.demo_data.calibration import (
    LABEL,
    LOOKUP_FILE,
    MARKER_FILE,
    POLICE_UK_DIR,
    TRUTH_FILE,
)
from csp_analysis.io.demo_data.generate import add_arguments, generate_demo_data, run
from csp_analysis.io.demo_data.truth import build_truth, expected_monthly, is_demo_data, load_truth

__all__ = [
    "LABEL",
    "LOOKUP_FILE",
    "MARKER_FILE",
    "POLICE_UK_DIR",
    "TRUTH_FILE",
    "add_arguments",
    "build_truth",
    "expected_monthly",
    "generate_demo_data",
    "is_demo_data",
    "load_truth",
    "run",
]
