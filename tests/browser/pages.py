"""The published pages the browser and leak tests check, and the headless Chromium they use.

Pages: every ``*.html`` under ``reports/`` except the executed notebooks (``reports/_executed``)
and screenshots, plus a *gallery* page built here from :mod:`csp_analysis.report.blocks` with every
kind of chart and block, so the blocks are checked in a real browser even before (or without)
a report batch.

Browser: Debian's Chromium (``/usr/bin/chromium``, or ``CSP_CHROMIUM``) driven by the Python
``playwright`` package with ``executable_path`` (never ``playwright install``, which downloads
a browser build), in a fresh profile directory, with background networking off.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from csp_analysis.core.paths import PRIORITIES_CONFIG, REPORTS_DIR

IN_CI = os.environ.get("CI", "").lower() == "true"
BROWSER_DIR = Path(__file__).resolve().parent
AXE_JS = BROWSER_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("CSP_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
SKIPPED_DIRS = {"_executed", "screenshots"}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

INSTALL_CHROMIUM = "apt-get update && apt-get install -y chromium chromium-driver"
INSTALL_PLAYWRIGHT = ".venv/bin/pip install playwright  (the Python package; no browser download)"
INSTALL_AXE = "npm ci --prefix tests/browser"


def _is_site(folder: Path) -> bool:
    return (folder / "index.html").is_file() and (folder / "manifest.json").is_file()


def sites(reports_dir: Path = REPORTS_DIR) -> list[Path]:
    """Every published batch under ``reports_dir``: a folder with its own index and manifest
    (``reports/``, ``reports/real/``, ``reports/sample/``, any ``--out``), outermost first.
    Each is checked as a site of its own: its pages link to its own index and statement."""
    if not reports_dir.is_dir():
        return []
    found = {
        manifest.parent
        for manifest in reports_dir.rglob("manifest.json")
        if _is_site(manifest.parent)
        and not SKIPPED_DIRS & set(manifest.relative_to(reports_dir).parts[:-1])
    }
    return sorted(found, key=lambda folder: (len(folder.parts), str(folder)))


def site_of(page: Path, reports_dir: Path = REPORTS_DIR) -> Path:
    """The published batch a page belongs to: its nearest folder with an index and manifest."""
    for folder in page.parents:
        if _is_site(folder):
            return folder
        if folder == reports_dir:
            break
    return reports_dir


def published_pages(reports_dir: Path = REPORTS_DIR) -> list[Path]:
    """Every published HTML page of every batch under ``reports_dir`` (not executed notebooks
    or screenshots), each page once, in the batch it belongs to."""
    if not reports_dir.is_dir():
        return []
    return sorted(
        path
        for path in reports_dir.rglob("*.html")
        if not SKIPPED_DIRS & set(path.relative_to(reports_dir).parts[:-1])
    )


def report_pages(reports_dir: Path = REPORTS_DIR) -> list[Path]:
    """Published pages that are reports (not a batch's index or accessibility statement)."""
    return [p for p in published_pages(reports_dir) if p.parent != site_of(p, reports_dir)]


def no_reports_message(reports_dir: Path = REPORTS_DIR) -> str:
    return (
        f"no generated reports under {reports_dir.name}/ (only the index, or nothing): run "
        "`make reports` first"
    )


def manifest_entries(reports_dir: Path = REPORTS_DIR) -> dict[str, dict]:
    """Manifest entries of ``reports/manifest.json`` keyed by output path (relative, posix)."""
    path = reports_dir / "manifest.json"
    if not path.is_file():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return {e["output"]: e for e in manifest.get("reports", []) if e.get("output")}


def sensitive_priorities() -> set[str]:
    """Ids of the priorities marked ``sensitive: true`` in config/priorities.yaml."""
    from csp_analysis.core.config import load_priorities

    return {p.id for p in load_priorities(PRIORITIES_CONFIG).priorities if p.sensitive}


def is_sensitive(page: Path, reports_dir: Path = REPORTS_DIR) -> bool:
    """Whether a page reports a sensitive theme (its batch manifest's priority, else its file
    name)."""
    sensitive = sensitive_priorities()
    site = site_of(page, reports_dir)
    try:
        relative = page.relative_to(site).as_posix()
    except ValueError:
        return page.stem in sensitive
    entry = manifest_entries(site).get(relative)
    if entry is not None:
        return entry.get("priority") in sensitive
    return page.stem in sensitive


def report_type(page: Path, reports_dir: Path = REPORTS_DIR) -> str:
    """The report type of a page: its report id in the manifest (config/reports.yaml), else
    its file name (the index and the accessibility statement)."""
    site = site_of(page, reports_dir)
    entry = manifest_entries(site).get(page.relative_to(site).as_posix())
    return str(entry["report"]) if entry is not None else page.stem


# --------------------------------------------------------------------------- gallery


def build_gallery(directory: Path) -> Path:
    """Write ``gallery.html``: every chart builder and block on a minimal accessible page.

    The shell (lang, skip link, header/main/footer landmarks, one h1, focus and print styles)
    stands in for the report template, so failures here point at the blocks themselves.
    """
    from csp_analysis.report import blocks, charts

    rng = np.random.default_rng(20260401)
    months = pd.date_range("2023-04-01", periods=36, freq="MS")
    season = 12 * np.sin((np.arange(36) - 2) / 12 * 2 * np.pi)
    counts = pd.Series(
        np.round(110 + 0.4 * np.arange(36) + season + rng.normal(0, 6, 36)), index=months
    )
    counts.iloc[7] = np.nan
    small = pd.Series(rng.integers(0, 12, 36).astype(float), index=months)
    withheld = small.between(1, 4)
    spc = pd.DataFrame({"value": counts, "mean": 115.0, "lcl": 85.0, "ucl": 145.0})
    spc["special_cause"] = False
    spc.loc[months[30], ["value", "special_cause"]] = [152.0, True]
    spc["type"] = "concerning"
    future = pd.date_range("2026-04-01", periods=12, freq="MS")
    forecast = pd.DataFrame(
        {"mean": 125.0, "lower": np.linspace(110, 95, 12), "upper": np.linspace(140, 155, 12)},
        index=future,
    )
    populations = np.linspace(80_000, 400_000, 60)
    half = 1.96 * np.sqrt(0.045 / populations) * 1000
    funnel = pd.DataFrame(
        {
            "population": populations,
            "lower_95": 45 - half,
            "upper_95": 45 + half,
            "lower_998": 45 - 1.58 * half,
            "upper_998": 45 + 1.58 * half,
        }
    )
    areas = pd.DataFrame(
        {
            "area": [
                "Herefordshire",
                "Shropshire",
                "Telford and Wrekin",
                "North Worcestershire",
                "South Worcestershire",
                "Worcester",
            ],
            "population": [189_890, 329_260, 191_915, 219_000, 312_000, 103_000],
            "rate": [40.1, 42.0, 58.0, 47.0, 44.0, 45.5],
        }
    )
    by_type = pd.Series(
        {
            "Violence and sexual offences": 4210,
            "Anti-social behaviour": 3100,
            "Criminal damage and arson": 1200,
            "Shoplifting": 980,
            "Public order": 870,
            "Possession of weapons": 3,
        }
    )

    built = [
        charts.trend_chart(
            counts, measure="violent offences", area="Herefordshire", usual_range=(85, 145)
        ),
        charts.trend_chart(
            small, measure="hate crimes", area="Worcester", suppressed=withheld, rolling_window=None
        ),
        charts.spc_chart(spc, measure="violent offences", area="Herefordshire"),
        charts.seasonal_profile_chart(counts, measure="violent offences", area="Herefordshire"),
        charts.forecast_chart(counts, forecast, measure="violent offences", area="Herefordshire"),
        charts.funnel_chart(
            areas, funnel, 45.0, measure="violent offences", highlight="Herefordshire"
        ),
        charts.bar_chart(
            by_type,
            measure="offences in the year ending March 2026",
            area="Herefordshire",
            by="crime type",
            average=1100,
            average_label="West Mercia average",
            highlight="Shoplifting",
            suppressed=pd.Series({"Possession of weapons": True}),
        ),
    ]
    table = pd.DataFrame(
        {
            "Offences": ["1,234", "[c]", "[c]", "2,001"],
            "Rate per 1,000 residents": [6.5, None, 2.0, 4.2],
        },
        index=pd.Index(["Herefordshire", "Shropshire", "Worcester", "Total"], name="Partnership"),
    )
    body = [
        blocks.section("Summary"),
        blocks.headline_block(
            [
                blocks.Headline(
                    "Violent offences, year ending March 2026", 1432, "up 5% on the year before"
                ),
                blocks.Headline("Rate per 1,000 residents", 7.54, "West Mercia: 8.10", decimals=1),
            ],
            heading="Key figures",
        ),
        blocks.findings_block(
            [
                "Violent offences rose by 5% in the year.",
                "The latest month is within the usual range.",
            ]
        ),
        blocks.caveat_block(
            "police.uk data carries no domestic abuse flag, so these figures "
            "cover all violence and sexual offences.",
            title="Proxy measure",
        ),
        blocks.section("Charts"),
    ]
    for chart in built:
        body.append(blocks.section(chart.caption, 3))
        body.append(charts.figure_block(chart))
    body.append(blocks.section("Tables"))
    body.append(
        blocks.table_block(
            table,
            "Offences by partnership, year ending March 2026",
            note="Source: synthetic demonstration figures.",
        )
    )
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Blocks gallery - csp-analysis</title>
<style>
body {{ font-family: Arial, sans-serif; font-size: 1.1875rem; line-height: 1.5; color: #0b0c0c;
  margin: 0; }}
.page {{ max-width: 60rem; margin: 0 auto; padding: 0 1rem; }}
.skip-link {{ position: absolute; left: -9999px; }}
.skip-link:focus {{ position: static; display: inline-block; background: #ffdd00;
  color: #0b0c0c; outline: 3px solid #0b0c0c; padding: 0.5rem; }}
a:focus-visible, summary:focus-visible, [tabindex]:focus-visible {{ outline: 3px solid #0b0c0c;
  outline-offset: 2px; }}
@media print {{ .skip-link {{ display: none; }} body {{ font-size: 11pt; }} }}
{blocks.BLOCKS_CSS}
</style>
</head>
<body>
<a class="skip-link" href="#main">Skip to main content</a>
<header class="page"><p>csp-analysis: block gallery (synthetic figures)</p></header>
<main id="main" class="page">
<h1>Accessible blocks gallery</h1>
{"".join(body)}
</main>
<footer class="page"><p>Synthetic figures for testing; not real crime figures.</p></footer>
</body>
</html>
"""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "gallery.html"
    path.write_text(page, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- browser


def browser_problem() -> str | None:
    """Why the browser tests cannot run here (with the command that fixes it), or None."""
    if not (CHROMIUM.is_file() or shutil.which(str(CHROMIUM))):
        return f"Chromium not found at {CHROMIUM}; install it with: {INSTALL_CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            f"the Python package playwright is not installed; install it with: {INSTALL_PLAYWRIGHT}"
        )
    if not AXE_JS.is_file():
        return f"axe-core is not installed in tests/browser; install it with: {INSTALL_AXE}"
    return None


def launch(playwright, user_data_dir: Path, width: int = 1280, height: int = 900):
    """A persistent Chromium context in a fresh profile directory, with no network.

    Playwright's own request routing aborts anything that is not a ``file:`` or ``data:`` URL,
    so a page that tries to load from the network fails the test without the request leaving
    the machine.
    """
    context = playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(CHROMIUM),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": width, "height": height},
        accept_downloads=False,
        service_workers="block",
    )
    context.route(lambda url: not url.startswith(("file:", "data:")), lambda route: route.abort())
    return context
