"""The API's authentication, authorisation and error contract, on SQLite and PostgreSQL.

No credentials → 401; the wrong role or scope → 403; bad parameters → 4xx with a message naming
the field; an unexpected failure → 500 with a request id and no traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, IntegrityError

from joinedup.api.unit_of_work import AUTHENTICATING
from joinedup.services import accounts
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.auth_hub import Hub, make_hub, sign_in

# Routes anyone may call: the service's health and the API's own description.
PUBLIC_API_ROUTES = {"/api/v1/health", "/api/v1/ready", "/api/v1/openapi.json"}


@pytest.fixture
def hub(engine: Engine) -> Iterator[Hub]:
    hub = make_hub(engine)
    yield hub
    hub.client.close()


def test_health_needs_no_credentials(hub: Hub) -> None:
    response = hub.client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/admin/users"),
        ("POST", "/api/v1/admin/organisations"),
        ("DELETE", "/api/v1/admin/tokens/1"),
    ],
)
def test_no_credentials_is_401_with_a_message(hub: Hub, method: str, path: str) -> None:
    response = hub.client.request(method, path)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert "API token" in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    "header",
    ["Bearer jdp_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_bad_credentials_are_401(hub: Hub, header: str) -> None:
    response = hub.client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_token_identifies_its_user(hub: Hub) -> None:
    response = hub.client.get("/api/v1/me", headers=hub.bearer("gp"))
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "gp"
    assert body["via"] == "token"
    assert body["purpose"] is None


def test_purpose_headers_are_checked_and_carried(hub: Hub) -> None:
    good = hub.bearer(
        "social_worker", **{"Joinedup-Purpose": "safeguarding", "Joinedup-Case-Reference": "SG-7"}
    )
    body = hub.client.get("/api/v1/me", headers=good).json()
    assert (body["purpose"], body["case_reference"]) == ("safeguarding", "SG-7")

    bad = hub.bearer("social_worker", **{"Joinedup-Purpose": "curiosity"})
    response = hub.client.get("/api/v1/me", headers=bad)
    assert response.status_code == 400
    assert "purpose" in response.json()["detail"]


@pytest.mark.parametrize("role", ["social_worker", "gp", "ig_officer", "reviewer", "resident"])
def test_admin_routes_refuse_other_roles_with_403(hub: Hub, role: str) -> None:
    response = hub.client.get("/api/v1/admin/users", headers=hub.bearer(role))
    assert response.status_code == 403
    assert "role" in response.json()["detail"]


def test_scopes_limit_a_token(hub: Hub) -> None:
    with session_scope(hub.engine) as session:
        read_only = accounts.issue_token(
            session, user_id=hub.user_ids["admin"], name="read only", scopes=["read"]
        ).secret
    headers = {"Authorization": f"Bearer {read_only}"}
    # An admin's token without the admin scope cannot use the admin routes at all.
    assert hub.client.get("/api/v1/admin/users", headers=headers).status_code == 403
    assert hub.client.get("/api/v1/me", headers=headers).status_code == 200
    response = hub.client.post(
        "/api/v1/admin/organisations", json={"id": "x-org", "name": "X"}, headers=headers
    )
    assert response.status_code == 403


def test_an_administrators_api_changes_are_on_the_audit_trail(hub: Hub) -> None:
    headers = hub.bearer("admin", **{"X-Request-ID": "admin-change-1"})
    created = hub.client.post(
        "/api/v1/admin/organisations", json={"id": "y-org", "name": "Y"}, headers=headers
    )
    assert created.status_code == 201, created.text
    issued = hub.client.post(
        "/api/v1/admin/tokens",
        json={"user_id": hub.user_ids["admin"], "name": "sync"},
        headers=headers,
    )
    assert issued.status_code == 201, issued.text
    revoked = hub.client.delete(f"/api/v1/admin/tokens/{issued.json()['id']}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    with session_scope(hub.engine) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.role, AuditEvent.reason)
            .where(AuditEvent.action.in_(["organisation.create", "token.issue", "token.revoke"]))
            .order_by(AuditEvent.seq)
        ).all()
    assert [(r.action, r.role) for r in rows] == [
        ("organisation.create", "admin"),
        ("token.issue", "admin"),
        ("token.revoke", "admin"),
    ]
    assert issued.json()["token"] not in str(rows)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("GET", "/api/v1/admin/users/abc", None, 422, "path.user_id"),
        ("GET", "/api/v1/admin/users/0", None, 422, "path.user_id"),
        ("GET", "/api/v1/admin/users/99999", None, 404, None),
        ("GET", "/api/v1/admin/tokens?user_id=-1", None, 422, "query.user_id"),
        ("POST", "/api/v1/admin/users", {"username": "x"}, 422, "body.display_name"),
        (
            "POST",
            "/api/v1/admin/users",
            {
                "username": "new.user",
                "display_name": "N",
                "role": "wizard",
                "organisation_id": "northbridge-council",
            },
            400,
            None,
        ),
        (
            "POST",
            "/api/v1/admin/users",
            {
                "username": "new.user",
                "display_name": "N",
                "role": "gp",
                "organisation_id": "nowhere",
            },
            400,
            None,
        ),
        (
            "POST",
            "/api/v1/admin/users",
            {
                "username": "gp@example.org",
                "display_name": "N",
                "role": "gp",
                "organisation_id": "northbridge-council",
            },
            409,
            None,
        ),
        (
            "POST",
            "/api/v1/admin/users",
            {
                "username": "new.user",
                "display_name": "N",
                "role": "gp",
                "organisation_id": "northbridge-council",
                "password": " " * 12,
            },
            400,
            None,
        ),
        ("POST", "/api/v1/admin/organisations", {"id": "Bad Id", "name": "X"}, 422, "body.id"),
        (
            "POST",
            "/api/v1/admin/organisations",
            {"id": "northbridge-council", "name": "X"},
            409,
            None,
        ),
        (
            "POST",
            "/api/v1/admin/tokens",
            {"user_id": 1, "name": "t", "scopes": ["root"]},
            400,
            None,
        ),
        ("POST", "/api/v1/admin/tokens", {"user_id": 99999, "name": "t"}, 404, None),
        # The admin scope on a GP's token: it gave nothing (the role decides), but the list of
        # tokens said that token could manage accounts, and the admin pages say it cannot be.
        (
            "POST",
            "/api/v1/admin/tokens",
            {"user_id": 2, "name": "t", "scopes": ["admin"]},
            400,
            None,
        ),
        ("DELETE", "/api/v1/admin/tokens/99999", None, 404, None),
        ("PUT", "/api/v1/admin/users", None, 405, None),
        ("GET", "/api/v1/no-such-thing", None, 404, None),
    ],
)
def test_bad_requests_are_4xx_with_a_message(
    hub: Hub, method: str, path: str, body: object, status: int, field: str | None
) -> None:
    response = hub.client.request(method, path, json=body, headers=hub.bearer("admin"))
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["status"] == status
    assert problem["detail"] and "Traceback" not in problem["detail"]
    if field:
        assert field in [error["field"] for error in problem["errors"]]


def test_admin_can_manage_accounts_and_tokens(hub: Hub) -> None:
    admin = hub.bearer("admin")
    created = hub.client.post(
        "/api/v1/admin/organisations",
        json={
            "id": "northbridge-befriending",
            "name": "Northbridge Befriending",
            "kind": "charity",
        },
        headers=admin,
    )
    assert created.status_code == 201
    user = hub.client.post(
        "/api/v1/admin/users",
        json={
            "username": "Casey.Worker",
            "display_name": "Casey Worker",
            "role": "charity_caseworker",
            "organisation_id": "northbridge-befriending",
            "password": "a long enough passphrase",
        },
        headers=admin,
    )
    assert user.status_code == 201, user.text
    assert user.json()["username"] == "casey.worker"
    assert not {"password", "password_hash"} & user.json().keys()
    assert "a long enough passphrase" not in user.text and "$argon2" not in user.text
    assert user.json()["must_change_password"] is True  # the admin knows it

    issued = hub.client.post(
        "/api/v1/admin/tokens",
        json={"user_id": user.json()["id"], "name": "charity case system", "scopes": ["read"]},
        headers=admin,
    )
    assert issued.status_code == 201
    secret = issued.json()["token"]
    assert secret.startswith("jdp_") and issued.json()["prefix"] == secret[:10]
    listed = hub.client.get("/api/v1/admin/tokens", headers=admin).text
    assert secret not in listed

    as_casey = {"Authorization": f"Bearer {secret}"}
    assert hub.client.get("/api/v1/me", headers=as_casey).json()["username"] == "casey.worker"
    revoked = hub.client.delete(f"/api/v1/admin/tokens/{issued.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert hub.client.get("/api/v1/me", headers=as_casey).status_code == 401


def test_deactivating_a_user_revokes_their_access(hub: Hub) -> None:
    user_id = hub.user_ids["gp"]
    response = hub.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"active": False}, headers=hub.bearer("admin")
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert hub.client.get("/api/v1/me", headers=hub.bearer("gp")).status_code == 401


def test_an_admin_cannot_switch_off_their_own_account(hub: Hub) -> None:
    admin_id = hub.user_ids["admin"]
    response = hub.client.patch(
        f"/api/v1/admin/users/{admin_id}", json={"active": False}, headers=hub.bearer("admin")
    )
    assert response.status_code == 409
    assert hub.client.get("/api/v1/me", headers=hub.bearer("admin")).status_code == 200


def test_expired_tokens_are_refused(hub: Hub) -> None:
    with session_scope(hub.engine) as session:
        issued = accounts.issue_token(
            session,
            user_id=hub.user_ids["gp"],
            name="old",
            expires_in=timedelta(days=1),
            now=utcnow() - timedelta(days=2),
        )
    response = hub.client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.secret}"})
    assert response.status_code == 401


def test_only_the_hash_of_a_token_is_stored(hub: Hub) -> None:
    with session_scope(hub.engine) as session:
        stored = [t.token_sha256 for t in accounts.list_tokens(session)]
    for secret in hub.tokens.values():
        assert secret not in stored
        assert accounts.sha256_hex(secret) in stored


def test_session_cookie_calls_to_the_api_need_the_csrf_header(hub: Hub) -> None:
    sign_in(hub.client, "admin")
    assert hub.client.get("/api/v1/me").json()["via"] == "session"
    response = hub.client.post(
        "/api/v1/admin/organisations", json={"id": "via-cookie", "name": "Via cookie"}
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_unexpected_error_is_a_500_without_a_traceback(hub: Hub) -> None:
    def boom() -> None:
        raise RuntimeError("secret personal detail: Jane Doe, 1 High Street")

    hub.client.app.router.add_api_route("/api/v1/boom", boom)  # type: ignore[attr-defined]
    response = hub.client.get("/api/v1/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["request_id"] in body["detail"]
    assert "Jane" not in response.text and "Traceback" not in response.text


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DataError("INSERT …", {"id": "Jane Doe"}, Exception("value out of range: Jane")), 400),
        (IntegrityError("INSERT …", {"id": "Jane Doe"}, Exception("duplicate: Jane")), 409),
    ],
)
def test_database_refusals_are_4xx_without_the_values(
    hub: Hub, error: Exception, status: int
) -> None:
    def refuse() -> None:
        raise error

    hub.client.app.router.add_api_route("/api/v1/refuse", refuse)  # type: ignore[attr-defined]
    response = hub.client.get("/api/v1/refuse")
    assert response.status_code == status
    assert "Jane" not in response.text


def test_security_headers_on_every_response(hub: Hub) -> None:
    for path in ("/api/v1/health", "/sign-in", "/no-such-page"):
        headers = hub.client.get(path, headers={"X-Request-ID": "test-request-0001"}).headers
        assert headers["x-request-id"] == "test-request-0001"
        assert headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "'nonce-" in headers["content-security-policy"]
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
    # A request id that could smuggle text into logs is replaced, not echoed.
    headers = hub.client.get("/api/v1/health", headers={"X-Request-ID": "a b\tc=d e f"}).headers
    assert headers["x-request-id"] != "a b\tc=d e f"


def test_openapi_documents_every_api_route_with_examples(hub: Hub) -> None:
    spec = hub.client.get("/api/v1/openapi.json").json()
    assert "/api/v1/admin/users" in spec["paths"]
    assert not any(path.startswith(("/sign-in", "/purpose")) for path in spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["UserCreate"]["examples"]
    assert schemas["Me"]["examples"]


def test_every_api_route_requires_authentication(hub: Hub) -> None:
    """Guards the architecture: a new API route without ``CurrentUser`` (or
    ``AuthenticatedWork``, which runs the same checks first in its one step) fails this test."""
    unguarded = []
    routes = list(_api_routes(hub.client.app.routes))  # type: ignore[attr-defined]
    assert routes, "found no API routes: the route walker no longer understands FastAPI"
    for path, route, include_calls in routes:
        if not path.startswith("/api/") or path in PUBLIC_API_ROUTES:
            continue
        if not AUTHENTICATING & (_all_calls(route.dependant) | include_calls):
            unguarded.append(path)
    assert unguarded == []


def _api_routes(
    routes: list[object], prefix: str = "", calls: frozenset[object] = frozenset()
) -> Iterator[tuple[str, APIRoute, frozenset[object]]]:
    """Every APIRoute with its full path, looking inside included routers (FastAPI >= 0.165
    wraps them) and carrying the dependencies given where they were included."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route, calls
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = route.include_context  # type: ignore[attr-defined]
            extra = frozenset(getattr(d, "dependency", None) for d in context.dependencies)
            yield from _api_routes(inner.routes, prefix + context.prefix, calls | extra)


def _all_calls(dependant: object) -> set[object]:
    found: set[object] = set()
    stack = [dependant]
    while stack:
        node = stack.pop()
        found.add(getattr(node, "call", None))
        stack.extend(getattr(node, "dependencies", []))
    return found


@pytest.mark.parametrize("value", ["no", "false", 0, "yes", 1])
def test_only_a_json_boolean_switches_an_account(hub: Hub, value: object) -> None:
    # "no" was read as false (and "yes" as true): an account switched by a guess.
    user_id = hub.user_ids["gp"]
    response = hub.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"active": value}, headers=hub.bearer("admin")
    )
    assert response.status_code == 422, response.text
    assert hub.client.get("/api/v1/me", headers=hub.bearer("gp")).status_code == 200
