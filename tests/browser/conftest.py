"""Fixtures for the browser tests: one headless Chromium for the session, one loaded page per
published file. Without Chromium, playwright or axe-core the tests skip locally (saying how to
install what is missing) and fail under CI (CI=true)."""

from __future__ import annotations

import pytest

from .pages import IN_CI, browser_problem, launch


def require_browser() -> None:
    problem = browser_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"browser tests cannot run under CI: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory):
    """A Chromium context with a fresh --user-data-dir and network requests aborted."""
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = launch(playwright, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield context
        finally:
            context.close()
