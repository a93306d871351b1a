"""The ``csp-analysis`` command line: a registry of subcommands, each in its own module.

A subcommand module exposes ``add_arguments(parser)`` and ``run(args) -> int``. Modules are
imported only when their subcommand runs, so ``csp-analysis --help`` stays fast and a broken
optional dependency of one command cannot break the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from csp_analysis.core.exceptions import CspAnalysisError, UnknownNameError

_COMMANDS: dict[str, tuple[str, str]] = {}


def register(name: str, module: str, help_text: str) -> None:
    """Register subcommand ``name`` implemented by ``module`` (a dotted module path)."""
    _COMMANDS[name] = (module, help_text)


def get(name: str):
    """Return the module implementing subcommand ``name``."""
    if name not in _COMMANDS:
        raise UnknownNameError("command", name, _COMMANDS)
    return importlib.import_module(_COMMANDS[name][0])


register("demo-data", "csp_analysis.io.demo_data", "generate the synthetic demonstration data")
register("ingest", "csp_analysis.io.ingest", "validate and load raw files into data/processed")
register("status", "csp_analysis.io.status", "say what is in data/processed")
register(
    "areas",
    "csp_analysis.core.registry",
    "list police forces, partnerships, districts and populations",
)
register(
    "peers",
    "csp_analysis.analysis.peers",
    "show a partnership's most similar group (yours, or nearest neighbours on ONS indicators)",
)
register("download", "csp_analysis.io.download", "download police.uk street-level data")
register(
    "download-boundaries",
    "csp_analysis.io.geoportal",
    "download ONS LSOA boundaries for a force's districts from the ONS Open Geography Portal",
)
register(
    "evaluate", "csp_analysis.analysis.evaluate", "backtest forecasting models on monthly series"
)
register("run", "csp_analysis.batch.runner", "run the report batch declared in config/reports.yaml")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csp-analysis",
        description="Crime and disorder analysis for Community Safety Partnerships.",
    )
    from csp_analysis import __version__

    parser.add_argument("--version", action="version", version=f"csp-analysis {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, help_text) in _COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0] not in _COMMANDS:
        parser.parse_args(argv or ["--help"])  # prints help or the unknown-command error
        return 2
    name, rest = argv[0], argv[1:]
    try:
        module = get(name)
        sub = argparse.ArgumentParser(prog=f"csp-analysis {name}", description=_COMMANDS[name][1])
        module.add_arguments(sub)
        args = sub.parse_args(rest)
        return int(module.run(args) or 0)
    except CspAnalysisError as exc:
        print(f"csp-analysis {name}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"csp-analysis {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
