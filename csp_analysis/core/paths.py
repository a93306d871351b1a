"""Every project path, built from one root constant.

Papermill may execute a notebook in another working directory, so nothing in the package
resolves a path against the current directory. ``CSP_ANALYSIS_ROOT`` overrides the root (tests
use it to point a whole run at a temporary tree).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("CSP_ANALYSIS_ROOT", Path(__file__).resolve().parents[2]))

CONFIG_DIR = PROJECT_ROOT / "config"
DATA_DIR = PROJECT_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
# Local copies of processed folders read from URLs (io/remote.py); CSP_ANALYSIS_REMOTE_CACHE overrides.
REMOTE_CACHE_DIR = DATA_DIR / "remote"
DEMO_RAW_DIR = RAW_DIR / "demo"
REPORTS_DIR = PROJECT_ROOT / "reports"
COMMENTARY_DIR = PROJECT_ROOT / "commentary"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
DOCS_DIR = PROJECT_ROOT / "docs"
# The real published files live beside the repository, never inside it (see docs/data_sources.md).
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"

AREAS_CONFIG = CONFIG_DIR / "areas.yaml"
PRIORITIES_CONFIG = CONFIG_DIR / "priorities.yaml"
DISPLAY_NAMES_CONFIG = CONFIG_DIR / "display_names.yaml"
PERFORMANCE_CONFIG = CONFIG_DIR / "performance.yaml"
REPORTS_CONFIG = CONFIG_DIR / "reports.yaml"

CRIMES_PARQUET = "crimes.parquet"
POPULATION_PARQUET = "population.parquet"
HOME_OFFICE_PARQUET = "home_office.parquet"
INDICATORS_PARQUET = "indicators.parquet"
BOUNDARIES_PARQUET = "lsoa_boundaries.parquet"  # GeoParquet, British National Grid
INGEST_REPORT = "ingest_report.json"
