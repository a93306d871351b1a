"""The command-line registry: help, unknown commands, and errors printed without tracebacks."""

from __future__ import annotations

import pytest

from csp_analysis.core import cli
from csp_analysis.core.exceptions import UnknownNameError


def test_help_lists_every_registered_command(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for name in ("demo-data", "ingest", "status", "download", "evaluate", "run"):
        assert name in out


def test_unknown_command_is_an_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_registry_get_names_valid_commands():
    with pytest.raises(
        UnknownNameError, match=r"unknown command 'nope'; valid: areas, demo-data, download"
    ):
        cli.get("nope")


def test_package_errors_print_one_line_and_exit_1(monkeypatch, capsys):
    import types

    from csp_analysis.core.exceptions import InputFileError

    fake = types.ModuleType("fake")
    fake.add_arguments = lambda parser: None

    def run(args):
        raise InputFileError("bad.csv", "missing header", row=1)

    fake.run = run
    monkeypatch.setattr(cli, "get", lambda name: fake)
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "csp-analysis status: error: bad.csv, line 1: missing header"
