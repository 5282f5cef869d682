"""docs/resident.md and docs/governance.md name every route of their routers (docs are tested)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from joinedup.api import API_PREFIX, governance_routes, resident_routes, review_routes

DOCS = Path(__file__).parents[3] / "docs"


@pytest.mark.parametrize(
    ("router", "doc"),
    [
        (resident_routes.router, "resident.md"),
        (governance_routes.governance_router, "governance.md"),
        (review_routes.router, "governance.md"),
    ],
)
def test_every_route_is_documented(router: object, doc: str) -> None:
    text = (DOCS / doc).read_text(encoding="utf-8")
    routes = [r for r in router.routes if isinstance(r, APIRoute)]  # type: ignore[attr-defined]
    assert routes
    for route in routes:
        for method in route.methods - {"HEAD"}:
            assert f"{method} {API_PREFIX}{route.path}" in text, (
                f"{method} {API_PREFIX}{route.path} is not in docs/{doc}"
            )


def test_every_route_has_a_response_model() -> None:
    for router in (
        resident_routes.router,
        governance_routes.governance_router,
        review_routes.router,
    ):
        for route in router.routes:
            assert isinstance(route, APIRoute)
            # A download says what its file is in its 200's content types instead.
            download = "text/csv" in route.responses.get(200, {}).get("content", {})
            assert route.response_model is not None or download, route.path
