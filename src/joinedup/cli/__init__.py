"""The ``joinedup`` command. Each sub-module registers its commands on ``app``.

Modules only parse arguments and print; the work lives in the packages they call.
"""

from __future__ import annotations

import importlib
import sys

import typer

from joinedup.errors import JoinedupError

app = typer.Typer(
    name="joinedup",
    help="Join up what public services know about the residents they serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Click's plain help: it re-flows each docstring paragraph and draws no boxes, so --help
    # reads the same in a terminal, a pipe and a cron mail (Typer's Rich help kept every line
    # break and wrapped again, leaving ragged paragraphs), and a usage error is one
    # "Error: ..." line like joinedup's own.
    rich_markup_mode=None,
)

# Each module adds its own commands or sub-apps to ``app`` when imported.
_COMMAND_MODULES = (
    "joinedup.cli.ingest_cmd",
    "joinedup.cli.demo_cmd",
    "joinedup.cli.link_cmd",
    "joinedup.cli.governance_cmd",
    "joinedup.cli.serve_cmd",
    "joinedup.cli.person_cmd",
)


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main() -> None:
    _register()
    try:
        app()
    except JoinedupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
