"""Every ``joinedup`` command and option is in the docs, and every option the docs write after
``joinedup COMMAND`` is one the command takes.

The tests of each area (``tests/unit/cli/test_link_docs.py``, ``tests/unit/demo/test_docs.py``,
``tests/unit/ingest/test_ingest_docs.py``) say which page; this one covers the commands they do
not (``audit``, ``policy``, ``person``, ``review``, ``serve``, ``mapping``) and catches a flag a
page keeps after the command lost it.
"""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from joinedup.cli import _register, app

ROOT = Path(__file__).parents[3]
TEXT = "\n".join(
    page.read_text(encoding="utf-8")
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    if page.name != "benchmarks.md"  # measured records, kept as they were run
)
_WRITTEN = re.compile(r"joinedup ([a-z]+(?: [a-z]+)?)([^\n`|]*)")


def _commands() -> dict[str, list[str]]:
    """``"audit verify"`` → its options (``--witness``, ``-v`` …), for every command."""
    _register()
    found: dict[str, list[str]] = {}

    def walk(command: object, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children:
            for name, child in children.items():
                walk(child, [*path, name])
            return
        params = command.params  # type: ignore[attr-defined]
        found[" ".join(path)] = [
            o for p in params for o in (*p.opts, *p.secondary_opts) if o.startswith("-")
        ]

    walk(typer.main.get_command(app), [])
    return found


def test_every_command_and_option_is_documented() -> None:
    missing = [
        f"{name} {option}".strip()
        for name, options in _commands().items()
        for option in ("", *options)
        if option != "--help"
        and (f"joinedup {name}" not in TEXT if not option else option not in TEXT)
    ]
    assert not missing, f"in no page of the docs: {missing}"


def test_every_option_written_after_a_command_exists() -> None:
    commands = _commands()
    wrong = []
    for match in _WRITTEN.finditer(TEXT):
        name = match[1] if match[1] in commands else match[1].split()[0]
        if name not in commands:
            continue
        for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", match[2]):
            if flag not in (*commands[name], "--help"):
                wrong.append(f"joinedup {name} {flag}")
    assert not wrong, f"the docs write options these commands do not take: {wrong}"
