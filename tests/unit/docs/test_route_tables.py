"""The route tables of the docs and the routes the app serves agree, both ways.

Every API route and page is in a table row of some page under ``docs/`` (`GET /x`, `GET/POST /x`,
or `GET /x`, `/y` sharing the methods), and every route a table names is served. A row under a
heading that names ``/api/v1`` may give API paths without that prefix. The tests of each area
(``test_governance_docs.py``, ``test_admin_docs.py``) say which page; this one catches a route
that no page names, or a row left behind when a route goes.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from fastapi.routing import APIRoute

from joinedup.api import API_PREFIX
from joinedup.api import ROUTER_MODULES as API_MODULES
from joinedup.web import ROUTER_MODULES as WEB_MODULES

DOCS = Path(__file__).parents[3] / "docs"
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_SPAN = re.compile(
    r"^((?:GET|POST|PUT|PATCH|DELETE)(?:/(?:GET|POST|PUT|PATCH|DELETE))*)?\s*(/\S*)$"
)


def _path(path: str) -> str:
    """A path with its query, optional parts and parameter names left out: ``/a/{}``."""
    path = re.split(r"[?\[]", path, maxsplit=1)[0]
    return re.sub(r"\{[^}]*\}", "{}", path)


def _routes(routes: Iterable[object], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, APIRoute):
            for method in route.methods - {"HEAD"}:
                yield method, _path(prefix + route.path)
        elif hasattr(route, "original_router"):  # FastAPI 0.165 keeps an included router whole
            context = route.include_context  # type: ignore[attr-defined]
            yield from _routes(route.original_router.routes, prefix + context.prefix)  # type: ignore[attr-defined]


def _served() -> set[tuple[str, str]]:
    served: set[tuple[str, str]] = set()
    for names, prefix in ((API_MODULES, API_PREFIX), (WEB_MODULES, "")):
        for name in names:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue  # listed, not written yet (create_app skips it too)
            served |= set(_routes(module.router.routes, prefix))
    return served


def _documented() -> dict[tuple[str, str], str]:
    documented: dict[tuple[str, str], str] = {}
    for page in sorted(DOCS.glob("*.md")):
        prefix = ""
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith("#"):
                prefix = API_PREFIX if API_PREFIX in line else ""
            if not line.startswith("| `"):
                continue
            methods: list[str] = []
            for span in line.split("|")[1].split("`")[1::2]:
                match = _SPAN.match(span.strip())
                if not match:
                    continue
                methods = match[1].split("/") if match[1] else methods
                path = match[2]
                if not path.startswith(API_PREFIX + "/") and prefix:
                    path = prefix + path
                for method in methods:
                    documented.setdefault((method, _path(path)), f"{page.name}:{number}")
    return documented


def test_every_route_served_is_in_a_docs_table() -> None:
    missing = sorted(_served() - set(_documented()))
    assert not missing, f"served but in no table of docs/: {missing}"


def test_every_route_a_docs_table_names_is_served() -> None:
    served = _served()
    stale = sorted(
        f"{m} {p} ({where})" for (m, p), where in _documented().items() if (m, p) not in served
    )
    assert not stale, f"named in docs/ but not served: {stale}"


def test_the_parser_reads_each_form_of_row() -> None:
    assert _SPAN.match("GET/POST /people/{id}/break-glass")
    assert _SPAN.match("/my/choices/change")
    assert _path("/governance/agreements/{id}?version=") == "/governance/agreements/{}"
    assert _path("/api/v1/admin/users[?organisation_id=]") == "/api/v1/admin/users"
    assert all(method in _METHODS for method, _ in _served())
