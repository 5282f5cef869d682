"""docs/web.md names every admin page route with its methods (docs are tested)."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute

from joinedup.web import ROUTER_MODULES, admin

DOC = Path(__file__).parents[3] / "docs" / "web.md"


def test_the_admin_module_is_a_router_module() -> None:
    assert "joinedup.web.admin" in ROUTER_MODULES


def _documented(doc: str) -> set[tuple[str, str]]:
    """(method, path) for every code span like `GET /x` or `GET/POST /x` in a table row."""
    out = set()
    for line in doc.splitlines():
        if not line.startswith("| `"):
            continue
        for span in line.split("`")[1::2]:
            methods, _, path = span.partition(" ")
            out.update((method, path) for method in methods.split("/"))
    return out


def test_every_admin_page_is_documented() -> None:
    documented = _documented(DOC.read_text(encoding="utf-8"))
    for route in admin.router.routes:
        assert isinstance(route, APIRoute)
        for method in route.methods - {"HEAD"}:
            assert (method, route.path) in documented, f"{method} {route.path} is not in web.md"
