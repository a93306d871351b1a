"""End-to-end backtests: the pipeline run on the real published files, compared with committed,
independently computed ground truth (tests/reference/make_*_truth.py). Run with
``.venv/bin/pytest tests/backtest -q``; they skip locally when ../shared/data is absent."""
