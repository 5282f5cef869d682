"""Docs are tested: every policy/audit command and every setting the audit reads is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from joinedup.cli import _register
from joinedup.cli.governance_cmd import audit_app, policy_app

DOCS = Path(__file__).resolve().parents[3] / "docs"
SOURCES = Path(__file__).resolve().parents[3] / "src" / "joinedup"


def _commands(group: object) -> list[str]:
    return [command.name or "" for command in group.registered_commands]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("group", "name", "doc"),
    [(policy_app, "policy", "policy.md"), (audit_app, "audit", "audit.md")],
)
def test_every_command_is_documented(group: object, name: str, doc: str) -> None:
    _register()
    text = (DOCS / doc).read_text()
    for command in _commands(group):
        assert f"joinedup {name} {command}" in text, f"joinedup {name} {command} is undocumented"


def test_every_audit_setting_is_documented() -> None:
    code = "".join(p.read_text() for p in (SOURCES / "audit").glob("*.py"))
    settings = set(re.findall(r'"(JOINEDUP_[A-Z_]+)"', code)) | {"JOINEDUP_AUDIT_CHECKPOINT_EVERY"}
    text = (DOCS / "audit.md").read_text()
    assert settings and all(setting in text for setting in settings), settings
