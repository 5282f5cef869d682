"""docs/demo.md keeps up with the code: every option, source, junk kind and hard case is in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.demo.generate import HARD_CASES, SOURCES

DOC = (Path(__file__).parents[3] / "docs" / "demo.md").read_text(encoding="utf-8")


def test_every_option_of_the_demo_command_is_documented() -> None:
    import typer.main

    import joinedup.cli.demo_cmd  # noqa: F401  (registers the command)
    from joinedup.cli import app

    root = typer.main.get_command(app)
    # Typer collapses an app with one command into that command; with more it is a group.
    command = root.commands["demo"] if hasattr(root, "commands") else root
    options = [o for param in command.params for o in param.opts if o.startswith("--")]
    assert "--no-serve" in options
    for option in options:
        if option not in ("--help", "--install-completion", "--show-completion"):
            assert f"`{option}" in DOC, option


@pytest.mark.parametrize("module", SOURCES, ids=lambda m: m.SPEC.source)
def test_every_source_is_documented_with_its_ids(module: object) -> None:
    spec = module.SPEC  # type: ignore[attr-defined]
    for value in (spec.source, spec.organisation, spec.category):
        assert f"`{value}`" in DOC, value


@pytest.mark.parametrize("label", HARD_CASES)
def test_every_hard_case_is_documented(label: str) -> None:
    assert f"| `{label}` |" in DOC


@pytest.mark.parametrize("kind", ["blank", "bad_columns", "no_id", "bad_json"])
def test_every_junk_kind_is_documented(kind: str) -> None:
    assert f"| `{kind}` |" in DOC
