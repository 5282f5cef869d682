"""web/ goes through services/, as DESIGN.md lays out: no linkage, store or audit of its own.

A page that called ``linkage`` or ``store`` directly would read personal data with no policy
decision and no audit row — the rule the services exist to enforce once for every front end.
The same holds for the API's routes (``api/deps.py`` and ``api/app.py`` build the request's
unit of work and are the plumbing, not routes).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import joinedup

PACKAGE = Path(joinedup.__file__).parent
FORBIDDEN = ("joinedup.linkage", "joinedup.store", "joinedup.audit", "joinedup.ingest")
# The error page opens its own unit of work to say who is signed in (it runs outside any
# route's dependencies), and sign-in commits a failed attempt for throttling: the unit of work
# only, never a table or a query.
ALLOWED = {("web/app.py", "joinedup.store.db", "session_scope")}
ROUTE_MODULES = sorted(
    [*PACKAGE.glob("web/*.py"), *PACKAGE.glob("api/*_routes.py")], key=lambda p: p.name
)


def _imports(path: Path) -> list[tuple[str, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out += [(node.module, alias.name) for alias in node.names]
    return out


@pytest.mark.parametrize(
    "path", ROUTE_MODULES, ids=lambda p: str(p.relative_to(PACKAGE)).replace("/", ".")
)
def test_front_ends_reach_data_only_through_services(path: Path) -> None:
    where = str(path.relative_to(PACKAGE))
    bad = [
        f"{module}.{name}" if name else module
        for module, name in _imports(path)
        if module.startswith(FORBIDDEN) and (where, module, name) not in ALLOWED
    ]
    assert not bad, f"{where} imports {', '.join(bad)}: call a joinedup.services function"


def test_no_front_end_imports_sqlalchemy_to_query() -> None:
    for path in ROUTE_MODULES:
        modules = {module for module, _ in _imports(path)}
        assert not {m for m in modules if m == "sqlalchemy" or m.startswith("sqlalchemy.")}, path


def test_the_guard_sees_a_forbidden_import(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("from joinedup.linkage.explain import explain_person\nimport joinedup.store\n")
    assert [m for m, _ in _imports(page) if m.startswith(FORBIDDEN)] == [
        "joinedup.linkage.explain",
        "joinedup.store",
    ]
