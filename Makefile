# csp-analysis: every target that needs Python depends on the venv, so a fresh clone needs
# only Python >= 3.10 and make.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED := ../shared/data
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# Multi-threaded BLAS is 3-4x slower on the many small model fits here and fights the
# batch's worker processes for the cores (measured: docs/benchmarks.md).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

SAMPLE_DIR := reports/sample
AXE := tests/browser/node_modules/axe-core/axe.min.js
DEMO_DIR := data/raw/demo
DEMO_STAMP := $(DEMO_DIR)/DEMO_DATA
PROCESSED_STAMP := data/processed/ingest_report.json

.PHONY: help setup data demo-data ingest-real reports-real reports sample test lint bench screenshots clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name csp-analysis --display-name "Python (csp-analysis)" > /dev/null
	touch $(STAMP)

setup: $(STAMP) ## Create .venv, install the package with dev extras, register the csp-analysis kernel

# File targets, so a second `make reports` or `make test` does not regenerate the data.
$(DEMO_STAMP): $(STAMP) $(wildcard csp_analysis/io/demo_data/*.py)
	$(BIN)/csp-analysis demo-data --out $(DEMO_DIR)

$(PROCESSED_STAMP): $(DEMO_STAMP)
	$(BIN)/csp-analysis ingest --demo $(DEMO_DIR) --out data/processed

demo-data: $(DEMO_STAMP) ## Generate the synthetic demonstration data into data/raw/demo

data: $(PROCESSED_STAMP) ## Demo data + ingest into data/processed (skipped when up to date)

# The real data go to their own folders, so the demo data and reports stay as they are.
REAL_PROCESSED := data/processed_real
REAL_REPORTS := reports/real

ingest-real: $(STAMP) ## Ingest the real West Mercia 2025 files from ../shared/data into data/processed_real
	$(BIN)/csp-analysis ingest --police-uk $(SHARED)/police_uk/west-mercia \
	  --lsoa-lookup "$(SHARED)/ons/LSOA_(2021)_to_Electoral_Ward_(2023)_to_LAD_(2023)_Best_Fit_Lookup_in_EW.csv" \
	  --csp-lookup "$(SHARED)/ons/Local_Authority_District_to_CSPs_to_Police_Force_Areas_(December_2023)_Lookup.csv" \
	  --population $(SHARED)/ons/LAD23_Mid_Year_pop_2011_to_2023.xlsx \
	  --boundaries $(SHARED)/ons/boundaries/lsoa21_bgc_west_mercia --out $(REAL_PROCESSED)

reports-real: ingest-real ## Run the report batch on the real West Mercia 2025 data into reports/real
	$(BIN)/csp-analysis run --workers $(WORKERS) --processed-dir $(REAL_PROCESSED) --out $(REAL_REPORTS) --pdf

reports: data ## Set up, build demo data, ingest and run the full report batch
	$(BIN)/csp-analysis run --workers $(WORKERS) --pdf

# The browser tests' axe-core, pinned by tests/browser/package-lock.json. Without npm the tests
# that need it say so, in one line at the end of the run.
$(AXE): tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; \
	else \
	  echo "npm not found: the browser tests cannot run (install Node.js and npm, e.g. apt-get install nodejs npm)"; \
	fi

sample: data ## Build the small report sample the page tests check (reports/sample/, 5 reports)
	$(BIN)/csp-analysis run --config tests/sample_reports.yaml --out $(SAMPLE_DIR) --workers $(WORKERS) --no-progress --pdf

test: data sample $(AXE) ## Run every test this machine can run: unit, real data, end to end, notebooks, pages, browser
	$(BIN)/python -m pytest tests -n $(WORKERS) --dist loadfile --durations=15
	$(BIN)/python -m pytest --nbval-lax notebooks -p no:cacheprovider

lint: $(STAMP) ## ruff (rules, and formatting outside the notebooks) over the code; import-linter over the layers
	$(BIN)/ruff check csp_analysis tests benchmarks scripts notebooks
	$(BIN)/ruff format --check csp_analysis tests benchmarks scripts
	$(BIN)/lint-imports

bench: data ## Run the benchmarks and print figures (see docs/benchmarks.md)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/models.py
	$(BIN)/python benchmarks/intervals.py
	$(BIN)/python benchmarks/hostile.py
	$(BIN)/python benchmarks/batch.py --naive-limit 8
	$(BIN)/python benchmarks/national.py --forces 3

screenshots: $(STAMP) ## Screenshots of each report type (1280 and 375 px) into reports/screenshots
	$(BIN)/python -m tests.browser.screenshots

clean: ## Remove generated data, reports and caches (keeps .venv)
	rm -rf data/processed/* $(REAL_PROCESSED) data/raw/demo reports/* .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	touch data/raw/.gitkeep data/processed/.gitkeep reports/.gitkeep
