"""docs/linkage.md keeps up with ``joinedup link`` and ``joinedup export persons``."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer.main

from joinedup.cli import _register, app

DOC = (Path(__file__).parents[3] / "docs" / "linkage.md").read_text(encoding="utf-8")
#: The page with its lines joined, for phrases that wrap.
PROSE = " ".join(DOC.split())


def _command(*path: str) -> click.Command:
    _register()
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    return command


@pytest.mark.parametrize("path", [("link",), ("export", "persons")], ids=" ".join)
def test_every_option_is_documented(path: tuple[str, ...]) -> None:
    options = [o for p in _command(*path).params for o in p.opts if o.startswith("--")]
    assert options
    for option in options:
        if option != "--help":
            assert f"joinedup {' '.join(path)}" in DOC
            assert option in DOC, option


def test_the_export_help_says_what_is_done_to_a_cell() -> None:
    help_text = " ".join((_command("export", "persons").help or "").split())
    for promise in ("0600", "=, +, -, @, a tab, a carriage return or '", "drop one leading '"):
        assert promise in help_text
    assert "created mode 0600 whatever the umask" in PROSE
    assert "drop one leading `'` from any cell that starts with one" in PROSE
