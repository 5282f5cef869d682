"""No (path, method) is served twice: a router mounted from two places would answer one of them
silently (the first match wins) and the authorisation matrix would test only that one.

Newer FastAPI keeps included routers nested inside ``app.routes``;
``fastapi.routing.iter_route_contexts`` is what its own OpenAPI builder uses to flatten them, so
the walk here sees every route that would be served — the OpenAPI document alone merges
duplicates into one entry and would hide them.
"""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts

from joinedup.api.app import create_app
from joinedup.config import Settings
from joinedup.store.db import make_engine


def _duplicates(app: FastAPI) -> list[tuple[str, str]]:
    served: Counter[tuple[str, str]] = Counter()
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None:
            continue
        for method in route.methods or {"*"}:
            served[(path, method)] += 1
    return sorted(pair for pair, count in served.items() if count > 1)


def _app() -> FastAPI:
    settings = Settings.from_env()
    settings = Settings(settings.data_dir, "sqlite://", secret_key="routes")
    return create_app(settings, make_engine("sqlite://"))


def test_no_path_and_method_is_served_twice() -> None:
    assert _duplicates(_app()) == []


def test_the_reviewer_api_is_served_once_under_its_own_prefix() -> None:
    paths = [route.path for route in iter_route_contexts(_app().routes)]
    assert paths.count("/api/v1/review/items") == 1
    assert not [p for p in paths if p and p.startswith("/api/v1/governance/review")]


def test_the_check_sees_a_router_included_twice() -> None:
    # Guards the guard: a FastAPI upgrade that hid nested routes from the walk would make the
    # first test pass vacuously.
    router = APIRouter()

    @router.get("/twice")
    def twice() -> dict[str, str]:
        return {}

    outer = APIRouter()
    outer.include_router(router)
    app = FastAPI()
    app.include_router(router, prefix="/x")
    app.include_router(outer, prefix="/x")
    assert _duplicates(app) == [("/x/twice", "GET")]
