"""Every command's ``--help`` reads as plain text: in a pipe, a cron mail or a terminal alike.

Typer's Rich help kept each docstring line break and then wrapped again at 80 columns, so a
paragraph came out ragged ("… Exits 0 when the file was" / "ingested …"); it drew boxes, showed
arguments as ``{mapping}`` where the text says MAPPING, and printed reST's double backticks
literally. Click's plain help re-flows paragraphs; these tests keep it that way.
"""

from __future__ import annotations

import click
import pytest
import typer.main
from typer.testing import CliRunner

from joinedup.cli import _register, app

#: Options Typer or Click add themselves.
_OWN_HELP = {"--help", "--install-completion", "--show-completion"}
_BOX = set("╭╮╰╯│─━┃")


def _commands() -> list[tuple[str, ...]]:
    _register()
    found: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return found


def _command(path: tuple[str, ...]) -> click.Command:
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


COMMANDS = _commands()


def test_every_public_command_is_walked() -> None:
    names = {" ".join(path) for path in COMMANDS}
    for expected in (
        "ingest",
        "mapping check",
        "link",
        "review list",
        "review decide",
        "export persons",
        "person",
        "policy test",
        "policy check",
        "audit verify",
        "audit checkpoint",
        "audit log",
        "demo",
        "serve",
    ):
        assert expected in names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "joinedup")
def test_help_is_plain_and_complete(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert not _BOX & set(text), text
    assert "\x1b[" not in text
    assert "``" not in text, text
    # Paragraphs are re-flowed: no line of the description is a stub left by a hard break.
    assert all(len(line) <= 80 for line in text.splitlines()), text
    command = _command(path)
    usage = text.splitlines()[0]
    for param in command.params:
        if isinstance(param, click.Argument):
            # The usage line and the description name an argument the same way: MAPPING.
            shown = param.metavar or ""
            assert shown.isupper() and shown in usage, (shown, usage)
        elif not _OWN_HELP & set(param.opts):
            assert getattr(param, "help", None), f"{' '.join(path)} {param.opts} has no help"


def test_a_usage_error_is_one_plain_message() -> None:
    result = CliRunner().invoke(app, ["ingest"])
    assert result.exit_code == 2
    assert "Error: Missing argument 'MAPPING'" in result.stderr
    assert not _BOX & set(result.stderr), result.stderr
    assert result.stdout == ""


def test_version() -> None:
    from joinedup import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"joinedup {__version__}\n"
