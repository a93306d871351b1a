"""Screenshots of each report type at desktop (1280 px) and phone (375 px) width.

Usage: ``.venv/bin/python -m tests.browser.screenshots`` (``make screenshots``). Writes
``reports/screenshots/<type>-desktop.png`` and ``<type>-phone.png`` for the index, the
accessibility statement and the first page of each report type in ``reports/manifest.json``,
so a person can look at what the pages show. Uses the
same headless Chromium as the browser tests; exits 1 with the install command when it is
missing, and 1 when there are no reports (run ``make reports`` first).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.browser.pages import (
    REPORTS_DIR,
    browser_problem,
    launch,
    no_reports_message,
    published_pages,
    report_pages,
    report_type,
)

WIDTHS = {"desktop": 1280, "phone": 375}


def pages_by_type(reports_dir: Path = REPORTS_DIR) -> dict[str, Path]:
    """The first page of each report type (sorted paths, so the choice is stable)."""
    chosen: dict[str, Path] = {}
    for page in published_pages(reports_dir):
        chosen.setdefault(report_type(page, reports_dir), page)
    return chosen


def take_screenshots(
    out_dir: Path,
    reports_dir: Path = REPORTS_DIR,
    full_page: bool = True,
    max_height: int = 20000,
    context=None,
) -> list[Path]:
    """Write the screenshots and return their paths.

    Parameters
    ----------
    out_dir : Path
        Where the PNGs go (created if needed).
    reports_dir : Path
    full_page : bool, default True
        Capture the whole page, not just the first screen.
    max_height : int, default 20000
        Clip very long pages to this many CSS pixels (a PNG taller than that is unwieldy).
    context : playwright BrowserContext, optional
        A running browser (the tests pass theirs); by default one is launched for the run.

    Returns
    -------
    list of Path
    """
    if context is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
            own = launch(playwright, Path(profile))
            try:
                return take_screenshots(out_dir, reports_dir, full_page, max_height, own)
            finally:
                own.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    page = context.new_page()
    try:
        for kind, path in sorted(pages_by_type(reports_dir).items()):
            for label, width in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(path.as_uri(), wait_until="load")
                height = page.evaluate("() => document.documentElement.scrollHeight")
                target = out_dir / f"{kind}-{label}.png"
                if full_page and height > max_height:
                    clip = {"x": 0, "y": 0, "width": width, "height": max_height}
                    page.screenshot(path=str(target), full_page=True, clip=clip)
                else:
                    page.screenshot(path=str(target), full_page=full_page)
                written.append(target)
    finally:
        page.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=REPORTS_DIR / "screenshots",
        help="output folder (default: reports/screenshots)",
    )
    parser.add_argument(
        "--first-screen",
        action="store_true",
        help="capture only the first screen of each page, not the whole page",
    )
    args = parser.parse_args(argv)
    problem = browser_problem()
    if problem:
        print(f"screenshots: {problem}", file=sys.stderr)
        return 1
    if not report_pages():
        print(f"screenshots: {no_reports_message()}", file=sys.stderr)
        return 1
    written = take_screenshots(args.out, full_page=not args.first_screen)
    for path in written:
        print(
            path.relative_to(REPORTS_DIR.parent)
            if path.is_relative_to(REPORTS_DIR.parent)
            else path
        )
    print(f"{len(written)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
