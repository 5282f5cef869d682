"""Every audit event a service writes says which credential acted (``Actor.credential``).

The credential is what tells a token's actions (perhaps a token an administrator issued) from
its owner's own, so an event built without it would be a gap in the trail an IG officer cannot
see. Each ``NewEvent(...)`` and ``NewEvent.from_decision(...)`` in ``services/`` must pass
``credential=`` (a guard on the architecture, as the route-authorisation test is).
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[3] / "src" / "joinedup" / "services"


def _event_calls(tree: ast.AST) -> list[ast.Call]:
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "NewEvent") or (
            isinstance(func, ast.Attribute)
            and func.attr == "from_decision"
            and isinstance(func.value, ast.Name)
            and func.value.id == "NewEvent"
        ):
            calls.append(node)
    return calls


def test_every_event_a_service_builds_names_the_credential() -> None:
    missing, found = [], 0
    for path in sorted(SERVICES.glob("*.py")):
        for call in _event_calls(ast.parse(path.read_text(), filename=str(path))):
            found += 1
            if "credential" not in {k.arg for k in call.keywords}:
                missing.append(f"{path.name}:{call.lineno}")
    assert found >= 10, "the services build their events somewhere else now: update this test"
    assert not missing, "audit events built without credential=: " + ", ".join(missing)
