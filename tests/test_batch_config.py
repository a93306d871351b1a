"""config/reports.yaml: the typed model, its validation rules, and the 51-report demo matrix."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from csp_analysis.batch.matrix import BatchConfig, load_batch_config, period_label
from csp_analysis.core.config import load_priorities
from csp_analysis.core.exceptions import ConfigError, UnknownNameError
from csp_analysis.core.paths import REPORTS_CONFIG
from csp_analysis.core.registry import load_areas

AREAS = load_areas().restrict(["west-mercia"])
PRIORITIES = load_priorities()


def _report(**overrides):
    report = {
        "id": "summary",
        "notebook": "notebooks/summary.ipynb",
        "scope": "csp",
        "title": "{csp_name}: summary, {period}",
        "output": "{csp}/summary.html",
    }
    report.update(overrides)
    return report


def _write(tmp_path: Path, **batch) -> Path:
    batch.setdefault("reports", [_report()])
    path = tmp_path / "reports.yaml"
    path.write_text(yaml.safe_dump(batch), encoding="utf-8")
    return path


def _expand(path: Path):
    return load_batch_config(path).expand(AREAS, PRIORITIES, path)


# --------------------------------------------------------------------------- the real batch


def test_default_batch_is_the_51_report_demo_matrix():
    jobs = load_batch_config(REPORTS_CONFIG).expand(AREAS, PRIORITIES)
    assert len(jobs) == 51
    by_report = Counter(job.report for job in jobs)
    assert by_report == {
        "all_crime_summary": 5,
        "thematic_review": 40,
        "performance_overview": 5,
        "partnership_comparison": 1,
    }
    thematic = {job.priority for job in jobs if job.report == "thematic_review"}
    assert thematic == set(PRIORITIES.ids) - {"all_crime"}
    assert len(thematic) == 8
    assert len({job.output_relpath for job in jobs}) == 51
    assert len({job.key for job in jobs}) == 51


def test_outputs_titles_and_executed_paths_follow_the_issue_layout():
    jobs = {job.key: job for job in load_batch_config(REPORTS_CONFIG).expand(AREAS, PRIORITIES)}
    review = jobs["thematic_review/herefordshire/drugs"]
    assert review.output_relpath == "herefordshire/drugs.html"
    assert review.executed_relpath == "_executed/herefordshire/drugs.ipynb"
    review.scope_parameters["period_end"] = "2025-12"
    assert review.title == "Herefordshire: Drugs thematic review, year ending December 2025"
    assert review.force == "west-mercia"
    summary = jobs["all_crime_summary/south-worcestershire"]
    assert summary.output_relpath == "south-worcestershire/all_crime_summary.html"
    comparison = jobs["partnership_comparison/west-mercia"]
    assert comparison.scope_parameters == {"force": "west-mercia", "period_end": "latest"}
    assert comparison.output_relpath == "west-mercia/partnership_comparison.html"


def test_period_label():
    assert period_label("2025-12") == "year ending December 2025"
    assert period_label("2026-01") == "year ending January 2026"
    assert period_label("latest") == "year ending latest"


def test_report_lookup_lists_valid_ids():
    batch = load_batch_config(REPORTS_CONFIG)
    assert batch.report("thematic_review").scope == "csp_priority"
    with pytest.raises(UnknownNameError, match=r"unknown report 'nope'; valid: all_crime_summary"):
        batch.report("nope")


def test_subsets_of_areas_and_priorities(tmp_path):
    path = _write(
        tmp_path,
        period_end="2025-06",
        reports=[
            _report(csps=["shropshire"]),
            _report(
                id="review",
                scope="csp_priority",
                csps=["herefordshire", "shropshire"],
                priorities=["drugs", "asb", "vawg"],
                exclude_priorities=["asb"],
                title="{csp_name}: {priority_title}, {period}",
                output="{csp}/{priority}.html",
                parameters={"colour": "blue"},
            ),
        ],
    )
    jobs = _expand(path)
    assert [job.key for job in jobs] == [
        "summary/shropshire",
        "review/herefordshire/drugs",
        "review/herefordshire/vawg",
        "review/shropshire/drugs",
        "review/shropshire/vawg",
    ]
    assert jobs[1].fixed_parameters == {"colour": "blue"}
    assert jobs[1].period_end == "2025-06"
    assert jobs[2].title == "Herefordshire: Violence against women and girls, year ending June 2025"


# --------------------------------------------------------------------------- validation rules


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({"reportz": []}, r"reportz: unknown key"),
        ({"reports": []}, r"reports: List should have at least 1 item"),
        ({"period_end": "2025-13"}, r"period_end: String should match pattern"),
        ({"timeout": 0}, r"timeout: Input should be greater than 0"),
        ({"parameters": {"csp": "x"}}, r"parameters: csp are set by the batch"),
        ({"reports": [_report(scope="ward")]}, r"reports.0.scope: Input should be 'csp'"),
        ({"reports": [_report(notebook="a.py")]}, r"notebook 'a.py' must be a .ipynb file"),
        (
            {"reports": [_report(title="{priority_title}")]},
            r"title template uses priority_title, not available for scope 'csp'",
        ),
        (
            {"reports": [_report(title="{csp_name")]},
            r"not a valid format string",
        ),
        (
            {"reports": [_report(scope="csp_priority", title="{csp}", output="{csp}/review.html")]},
            r"output template must contain \{priority\}",
        ),
        (
            {"reports": [_report(output="/var/www/{csp}.html")]},
            r"must be a relative path ending in .html",
        ),
        (
            {"reports": [_report(output="../{csp}.html")]},
            r"must be a relative path ending in .html",
        ),
        (
            {"reports": [_report(output="{csp}/summary.pdf")]},
            r"must be a relative path ending in .html",
        ),
        (
            {"reports": [_report(parameters={"period_end": "2025-01"})]},
            r"period_end are set by the batch for each report",
        ),
        (
            {"reports": [_report(priorities=["drugs"])]},
            r"priorities apply only to reports with scope 'csp_priority'",
        ),
        (
            {
                "reports": [
                    _report(
                        scope="force", title="{force}", output="{force}/x.html", csps=["shropshire"]
                    )
                ]
            },
            r"csps do not apply to reports with scope 'force'",
        ),
        ({"reports": [_report(), _report()]}, r"report ids declared twice: summary"),
        ({"reports": [_report(timeout=-5)]}, r"timeout: Input should be greater than 0"),
    ],
)
def test_invalid_batch_files_are_config_errors(tmp_path, batch, message):
    with pytest.raises(ConfigError, match=message):
        load_batch_config(_write(tmp_path, **batch))


def test_error_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"^reports.yaml: reports.0.notebook"):
        load_batch_config(_write(tmp_path, reports=[_report(notebook=None)]))


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_batch_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("report", "message"),
    [
        (_report(csps=["gotham"]), r"reports.0.csps: unknown CSP 'gotham'; valid: herefordshire"),
        (
            _report(
                scope="force", title="{force_name}", output="{force}/x.html", forces=["mordor"]
            ),
            r"unknown force 'mordor'; valid: west-mercia",
        ),
        (
            _report(scope="csp_priority", output="{csp}/{priority}.html", priorities=["littering"]),
            r"reports.0.priorities: unknown priority 'littering'; valid: all_crime, asb",
        ),
        (
            _report(
                scope="csp_priority", output="{csp}/{priority}.html", exclude_priorities=["litter"]
            ),
            r"reports.0.exclude_priorities: unknown priority 'litter'",
        ),
        (
            _report(
                scope="csp_priority",
                output="{csp}/{priority}.html",
                priorities=["drugs"],
                exclude_priorities=["drugs"],
            ),
            r"no priorities left after exclusions",
        ),
    ],
)
def test_unknown_ids_are_config_errors_listing_valid_ones(tmp_path, report, message):
    with pytest.raises(ConfigError, match=message):
        _expand(_write(tmp_path, reports=[report]))


def test_two_reports_writing_one_file_is_an_error(tmp_path):
    path = _write(
        tmp_path,
        reports=[
            _report(),
            _report(id="review", scope="csp_priority", priorities=["summary_like"])
            | {"priorities": "all", "output": "{csp}/{priority}.html"},
            _report(id="other", output="{csp}/drugs.html"),
        ],
    )
    with pytest.raises(
        ConfigError,
        match=r"review/herefordshire/drugs and other/herefordshire would both write "
        r"herefordshire/drugs.html",
    ):
        _expand(path)


def test_model_is_frozen_and_strict():
    batch = BatchConfig.model_validate({"reports": [_report()]})
    assert batch.period_end == "latest"
    assert batch.timeout == 600
    assert batch.kernel == "csp-analysis"
    with pytest.raises(Exception, match="frozen"):
        batch.timeout = 5
