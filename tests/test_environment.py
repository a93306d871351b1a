"""environment.yml and pyproject.toml must install the same package set."""

from __future__ import annotations

import re
import sys

import pytest
import yaml

from csp_analysis.core.paths import PROJECT_ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10 has no tomllib
        tomllib = pytest.importorskip("tomli")
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    project = pyproject["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}

    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    conda = set()
    pip_lines = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines += dep.get("pip", [])
        else:
            conda.add(_name(dep))
    conda -= {"python", "pip"}

    assert conda == wanted, (
        f"only in environment.yml: {sorted(conda - wanted)}; "
        f"only in pyproject.toml: {sorted(wanted - conda)}"
    )
    assert "-e .[dev]" in pip_lines


def test_makefile_help_is_default_and_lists_targets():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert ".DEFAULT_GOAL := help" in makefile
    for target in ("setup", "data", "test", "lint", "bench", "clean", "reports"):
        assert re.search(rf"^{target}:.*## ", makefile, re.M), f"make {target} is undocumented"
