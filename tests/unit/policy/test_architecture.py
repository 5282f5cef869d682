"""Guards: decide() stays pure, the policy package stays small, and it imports no I/O layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import joinedup.policy as policy_package
from joinedup.policy.testing import PolicyTestError, run_directory
from tests.unit.policy.builders import CARE_YAML

POLICY_DIR = Path(policy_package.__file__).parent
# The engine and the value types it reads: nothing here may reach a database, a file or a clock.
PURE_MODULES = ("engine.py", "memo.py", "request.py", "model.py", "vocabulary.py")
FORBIDDEN_IMPORTS = {
    "sqlalchemy",
    "os",
    "pathlib",
    "io",
    "socket",
    "time",
    "random",
    "joinedup.store",
}
FORBIDDEN_CALLS = {"open", "now", "utcnow", "today", "time", "getenv"}


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", PURE_MODULES)
def test_the_engine_does_no_io(module: str) -> None:
    tree = ast.parse((POLICY_DIR / module).read_text())
    imported = _imports(tree)
    assert not {
        name
        for name in imported
        if name.split(".")[0] in FORBIDDEN_IMPORTS or name in FORBIDDEN_IMPORTS
    }
    calls = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not calls & FORBIDDEN_CALLS


@pytest.mark.parametrize("path", sorted(POLICY_DIR.glob("*.py")), ids=lambda p: p.name)
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text().splitlines()) < 400


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases: nope", "cases: 'nope' is not of type 'array'"),
        ("cases:\n  - name: x\n    request: {}\n", r"cases\[0\] \(x\): 'expect' is a required"),
        (
            "cases:\n  - name: x\n    request: {actor: a}\n    expect: {permit: []}\n",
            "request lacks organisation, role, purpose, person_id, now",
        ),
        (
            "cases:\n  - name: x\n    request: {actor: a, organisation: o, role: gp, "
            "purpose: direct_care, person_id: p, now: yesterday}\n    expect: {outcome: deny}\n",
            "'yesterday' is not an ISO date-time",
        ),
    ],
)
def test_malformed_policy_test_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    (tmp_path / "bad_test.yaml").write_text(text)
    with pytest.raises(PolicyTestError, match=message):
        run_directory(tmp_path)


def test_a_directory_without_tests_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "care.yaml").write_text(CARE_YAML)
    with pytest.raises(PolicyTestError, match="no policy test files"):
        run_directory(tmp_path)
