"""Report-type discovery (manifest-driven) and the screenshot script, on a fake reports tree."""

from __future__ import annotations

import json
import shutil

import pytest

from csp_analysis.report.charts import png_size

from .pages import (
    build_gallery,
    is_sensitive,
    published_pages,
    report_pages,
    report_type,
)
from .screenshots import pages_by_type, take_screenshots


@pytest.fixture
def reports(tmp_path):
    root = tmp_path / "reports"
    for relative in (
        "index.html",
        "accessibility.html",
        "herefordshire/all_crime_summary.html",
        "herefordshire/domestic_abuse.html",
        "herefordshire/asb.html",
        "shropshire/all_crime_summary.html",
        "shropshire/domestic_abuse.html",
        "_executed/herefordshire/asb.html",
        "screenshots/old.html",
    ):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    manifest = {
        "reports": [
            {
                "output": "herefordshire/all_crime_summary.html",
                "report": "all_crime_summary",
                "priority": None,
            },
            {
                "output": "herefordshire/domestic_abuse.html",
                "report": "thematic_review",
                "priority": "domestic_abuse",
            },
            {"output": "herefordshire/asb.html", "report": "thematic_review", "priority": "asb"},
            {
                "output": "shropshire/all_crime_summary.html",
                "report": "all_crime_summary",
                "priority": None,
            },
            {
                "output": "shropshire/domestic_abuse.html",
                "report": "thematic_review",
                "priority": "domestic_abuse",
            },
            {"output": None, "report": "performance_overview", "priority": None},
        ]
    }
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def test_pages_types_and_sensitivity(reports):
    names = [p.relative_to(reports).as_posix() for p in published_pages(reports)]
    assert "_executed/herefordshire/asb.html" not in names and "screenshots/old.html" not in names
    assert len(names) == 7 and len(report_pages(reports)) == 5
    chosen = {k: v.relative_to(reports).as_posix() for k, v in pages_by_type(reports).items()}
    assert chosen == {
        "accessibility": "accessibility.html",
        "index": "index.html",
        "all_crime_summary": "herefordshire/all_crime_summary.html",
        "thematic_review": "herefordshire/asb.html",
    }
    assert report_type(reports / "shropshire/domestic_abuse.html", reports) == "thematic_review"
    assert is_sensitive(reports / "shropshire/domestic_abuse.html", reports)
    assert not is_sensitive(reports / "herefordshire/asb.html", reports)


@pytest.mark.browser
def test_screenshots_at_desktop_and_phone_width(tmp_path, browser_context):
    root = tmp_path / "reports"
    gallery = build_gallery(tmp_path / "built")
    (root / "csp").mkdir(parents=True)
    shutil.copy(gallery, root / "csp" / "overview.html")
    shutil.copy(gallery, root / "index.html")
    written = take_screenshots(tmp_path / "shots", root, full_page=False, context=browser_context)
    assert sorted(p.name for p in written) == [
        "index-desktop.png",
        "index-phone.png",
        "overview-desktop.png",
        "overview-phone.png",
    ]
    sizes = {p.name: png_size(p.read_bytes()) for p in written}
    assert sizes["overview-desktop.png"] == (1280, 900)
    assert sizes["overview-phone.png"] == (375, 900)
