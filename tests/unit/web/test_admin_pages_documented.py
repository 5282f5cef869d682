"""docs/web.md names every route of the administrator's other page modules, as it does
``web/admin.py``'s (``test_admin_docs.py``): the token pages moved out of that module."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from joinedup.web import ROUTER_MODULES
from tests.unit.web.test_admin_docs import _documented

DOC = Path(__file__).parents[3] / "docs" / "web.md"
MODULES = (
    "joinedup.web.admin_tokens",
    "joinedup.web.admin_passwords",
    "joinedup.web.resident_hold_pages",
)


@pytest.mark.parametrize("name", MODULES)
def test_every_page_of_the_module_is_documented(name: str) -> None:
    assert name in ROUTER_MODULES
    documented = _documented(DOC.read_text(encoding="utf-8"))
    routes = importlib.import_module(name).router.routes
    assert routes
    for route in routes:
        assert isinstance(route, APIRoute)
        for method in route.methods - {"HEAD"}:
            assert (method, route.path) in documented, f"{method} {route.path} is not in web.md"
