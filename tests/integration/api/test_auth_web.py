"""Sessions, CSRF and sign-in throttling through the web routes, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.api import API_PREFIX, admin_routes, auth_routes
from joinedup.api.deps import SESSION_COOKIE
from joinedup.errors import JoinedupError
from joinedup.policy.vocabulary import ROLES
from joinedup.services import accounts
from joinedup.store.account_tables import WebSession
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.web import NAVIGATION
from joinedup.web import app as web_app
from joinedup.web.csrf import verify_csrf
from joinedup.web.session import safe_next
from tests.integration.api.auth_hub import PASSWORD, Hub, csrf_from, make_hub, sign_in, username


@pytest.fixture
def hub(engine: Engine) -> Iterator[Hub]:
    hub = make_hub(engine)
    yield hub
    hub.client.close()


def _post_sign_in(hub: Hub, password: str, role: str = "gp") -> int:
    token = csrf_from(hub.client.get("/sign-in").text)
    response = hub.client.post(
        "/sign-in",
        data={"username": username(role), "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def test_sign_in_sets_a_safe_session_cookie_and_asks_for_the_purpose(hub: Hub) -> None:
    token = csrf_from(hub.client.get("/sign-in").text)
    response = hub.client.post(
        "/sign-in",
        data={"username": "SOCIAL.Worker@example.org ", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/purpose"
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert any(c.startswith("joinedup_csrf=") for c in cookies), "CSRF cookie not rotated"


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/sign-in", {"username": "gp@example.org", "password": PASSWORD}),
        ("/purpose", {"purpose": "safeguarding", "case_reference": "X-1"}),
        ("/sign-out", {}),
    ],
)
def test_web_posts_without_a_csrf_token_are_refused(hub: Hub, path: str, data: dict) -> None:
    sign_in(hub.client, "social_worker")
    response = hub.client.post(path, data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "This form has expired" in response.text
    forged = hub.client.post(path, data={**data, "csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403


def test_a_csrf_token_from_another_browser_is_refused(hub: Hub) -> None:
    other = hub.fresh_client()
    stolen = csrf_from(other.get("/sign-in").text)
    hub.client.get("/sign-in")
    response = hub.client.post(
        "/sign-in",
        data={"username": username("gp"), "password": PASSWORD, "csrf_token": stolen},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_every_unsafe_web_route_checks_csrf(hub: Hub) -> None:
    """Guards the architecture: a page route that accepts a POST must verify the CSRF token."""
    unchecked = []
    for route in hub.client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or route.path.startswith("/api/"):
            continue
        if route.methods - {"GET", "HEAD", "OPTIONS"}:
            calls = {dependency.call for dependency in route.dependant.dependencies}
            if verify_csrf not in calls:
                unchecked.append(route.path)
    assert unchecked == []


def test_sign_out_ends_the_session_on_the_server(hub: Hub) -> None:
    sign_in(hub.client, "reviewer")
    cookie = hub.client.cookies.get(SESSION_COOKIE)
    assert hub.client.get("/", follow_redirects=False).status_code == 200
    token = csrf_from(hub.client.get("/").text)
    response = hub.client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/sign-in?signed-out=1"
    # Replaying the old cookie (as a thief would) no longer works.
    replay = hub.fresh_client()
    replay.cookies.set(SESSION_COOKIE, cookie)
    assert replay.get("/", follow_redirects=False).headers["location"] == "/sign-in?next=/"
    assert replay.get("/api/v1/me").status_code == 401


def test_signing_in_clears_a_users_old_sessions(hub: Hub) -> None:
    with session_scope(hub.engine) as session:
        user = accounts.get_user(session, hub.user_ids["reviewer"])
        old = accounts.start_session(session, user, now=utcnow() - timedelta(days=1))
        ended = accounts.start_session(session, user)
        accounts.end_session(session, ended.secret)
        live = accounts.start_session(session, user)
        rows = session.scalars(
            select(WebSession.token_sha256).where(WebSession.user_id == user.id)
        ).all()
    assert accounts.sha256_hex(old.secret) not in rows
    assert accounts.sha256_hex(ended.secret) not in rows
    assert accounts.sha256_hex(live.secret) in rows


def test_a_wrong_password_is_a_form_error_not_a_crash(hub: Hub) -> None:
    assert _post_sign_in(hub, "wrong password") == 400
    token = csrf_from(hub.client.get("/sign-in").text)
    response = hub.client.post(
        "/sign-in", data={"username": "nobody@example.org", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert accounts.SIGN_IN_FAILED.split(".")[0] in response.text
    assert "Error: Sign in" in response.text


def test_throttling_locks_an_account_after_repeated_failures(hub: Hub) -> None:
    for _ in range(accounts.MAX_FAILED_SIGN_INS):
        assert _post_sign_in(hub, "wrong password") == 400
    # Now even the right password is refused, with the same message.
    assert _post_sign_in(hub, PASSWORD) == 400
    with session_scope(hub.engine) as session:
        later = utcnow() + accounts.LOCKOUT + timedelta(seconds=1)
        user = accounts.authenticate(session, username("gp"), PASSWORD, now=later)
        assert user is not None and user.failed_sign_ins == 0


def test_sessions_end_after_being_idle(hub: Hub) -> None:
    with session_scope(hub.engine) as session:
        user = accounts.get_user(session, hub.user_ids["reviewer"])
        started = utcnow() - accounts.SESSION_IDLE - timedelta(minutes=1)
        issued = accounts.start_session(session, user, now=started)
    hub.client.cookies.set(SESSION_COOKIE, issued.secret)
    response = hub.client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/sign-in?next=/"


def test_htmx_requests_are_sent_to_sign_in_as_a_whole_page(hub: Hub) -> None:
    response = hub.client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/sign-in?next=/"


def test_practitioner_pages_wait_for_a_purpose(hub: Hub) -> None:
    sign_in(hub.client, "charity_caseworker", purpose=None)
    response = hub.client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/purpose?next=/"
    token = csrf_from(hub.client.get("/purpose").text)
    response = hub.client.post(
        "/purpose",
        data={"purpose": "debt_support", "case_reference": "D/1", "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
    me = hub.client.get("/api/v1/me").json()
    assert (me["purpose"], me["case_reference"]) == ("debt_support", "D/1")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (None, "/"),
        ("", "/"),
        ("/people?q=1", "/people?q=1"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x", "/"),
    ],
)
def test_safe_next_allows_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


@given(st.text())
def test_safe_next_never_leaves_the_site(target: str) -> None:
    result = safe_next(target)
    assert result.startswith("/") and not result.startswith("//")
    assert "\\" not in result and "\n" not in result and "\r" not in result


@pytest.mark.parametrize(
    ("purpose", "reference", "problem"),
    [
        ("safeguarding", "SG-1", None),
        ("safeguarding", "  SG   1 ", None),
        ("", "SG-1", "purpose"),
        ("gossip", "SG-1", "purpose"),
        ("safeguarding", "", "case_reference"),
        ("safeguarding", "x" * 41, "case_reference"),
        ("safeguarding", "<b>", "case_reference"),
    ],
)
def test_check_context(purpose: str, reference: str, problem: str | None) -> None:
    if problem is None:
        assert accounts.check_context(purpose, reference)[1] == " ".join(reference.split())
    else:
        with pytest.raises(accounts.ContextError) as raised:
            accounts.check_context(purpose, reference)
        assert problem in raised.value.problems


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"username": "ab"}, "3 to 100"),
        ({"username": "Has Space"}, "lower-case"),
        ({"role": "wizard"}, "Unknown role"),
        ({"display_name": "  "}, "display name"),
        ({"role": "resident", "organisation_id": None}, "person id"),
        ({"organisation_id": None}, "organisation"),
        ({"password": "short"}, "at least"),
        ({"password_hash": "plain"}, "argon2"),
    ],
)
def test_create_user_explains_what_is_wrong(hub: Hub, kwargs: dict, message: str) -> None:
    fields = {
        "username": "valid.name",
        "display_name": "Valid",
        "role": "gp",
        "organisation_id": "northbridge-council",
        **kwargs,
    }
    with session_scope(hub.engine) as session, pytest.raises(JoinedupError) as raised:
        accounts.create_user(session, **fields)
    assert message in str(raised.value)


def test_every_role_has_navigation_and_a_home_page() -> None:
    assert set(NAVIGATION) == set(ROLES)
    for items in NAVIGATION.values():
        assert items and all(item.href.startswith("/") and item.description for item in items)


def test_the_shell_routes_are_documented() -> None:
    """docs/web.md and docs/api.md name every route of the shell (docs are tested)."""
    docs = Path(__file__).parents[3] / "docs"
    api_doc = (docs / "api.md").read_text()
    web_doc = (docs / "web.md").read_text()
    for module, doc in ((auth_routes, api_doc), (admin_routes, api_doc), (web_app, web_doc)):
        for route in module.router.routes:
            assert isinstance(route, APIRoute)
            prefix = API_PREFIX if doc is api_doc else ""
            for method in route.methods - {"HEAD"}:
                documented = f"{method} {prefix}{route.path}" in doc or (
                    f"{prefix}{route.path}" in doc and method in doc
                )
                assert documented, f"{method} {prefix}{route.path} is not documented"
