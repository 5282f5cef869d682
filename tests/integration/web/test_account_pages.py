"""The pages of an administrator's changes to accounts, and of changing your own password.

- A password an administrator set (the create form, the reset form) sends its owner to the
  change-password page at sign-in and from every other page, until they change it there.
- Refreshing the page that shows a new token's secret issues no second token and shows the
  secret no more (post/redirect/get).
- Switching on an account already on (or off one already off) records nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from joinedup.store.account_tables import ApiToken
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.auth_hub import ORGANISATION, PASSWORD, Hub, csrf_from, username
from tests.integration.web.pages import error_summary, field_error, value_of

SignedIn = Callable[..., TestClient]
GIVEN = "the admin knows this one"
OWN = "only the owner knows this"


def _post(client: TestClient, path: str, form: str, data: dict[str, str]) -> object:
    token = csrf_from(client.get(form).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def _events(hub: Hub, action: str) -> int:
    with session_scope(hub.engine) as session:
        return (
            session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def _create_on_the_form(hub: Hub, admin: TestClient) -> str:
    created = _post(
        admin,
        "/admin/users",
        "/admin/users/new",
        {
            "username": "new.worker",
            "display_name": "New Worker",
            "role": "social_worker",
            "organisation_id": ORGANISATION,
            "password": GIVEN,
        },
    )
    assert created.status_code == 303, created.text  # type: ignore[attr-defined]
    return "new.worker"


def _reset_on_the_form(hub: Hub, admin: TestClient) -> str:
    user_id = hub.user_ids["gp"]
    form = f"/admin/users/{user_id}/password"
    short = _post(admin, form, form, {"password": "short"})
    assert short.status_code == 400  # type: ignore[attr-defined]
    page = short.text  # type: ignore[attr-defined]
    assert error_summary(page) == {"#password": "A password must be at least 10 characters long"}
    assert value_of(page, "password") is None and "short" not in page
    reset = _post(admin, form, form, {"password": GIVEN})
    assert reset.status_code == 303, reset.text  # type: ignore[attr-defined]
    banner = admin.get(reset.headers["location"]).text  # type: ignore[attr-defined]
    assert "must change it when they next sign in" in banner
    assert "Must change password" in banner  # the account's card says so until they have
    return username("gp")


@pytest.mark.parametrize("set_by_admin", [_create_on_the_form, _reset_on_the_form])
def test_a_password_an_administrator_set_is_changed_before_any_page(
    hub: Hub, signed_in: SignedIn, set_by_admin: Callable[[Hub, TestClient], str]
) -> None:
    name = set_by_admin(hub, signed_in("admin"))
    browser = hub.fresh_client()
    token = csrf_from(browser.get("/sign-in").text)
    signed = browser.post(
        "/sign-in",
        data={"username": name, "password": GIVEN, "csrf_token": token, "next": "/people"},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/account/password?next=/people"
    for page in ("/", "/people", "/purpose", "/governance/audit"):
        sent = browser.get(page, follow_redirects=False)
        assert sent.status_code == 303, page
        assert sent.headers["location"].startswith("/account/password?next="), page
    api = browser.get("/api/v1/governance/alerts")  # the session's cookie, on the API
    assert api.status_code == 403 and "set by an administrator" in api.json()["detail"]

    form = "/account/password?next=/people"
    wrong = _post(
        browser, "/account/password", form, {"current_password": "x", "new_password": "y"}
    )
    assert wrong.status_code == 400  # type: ignore[attr-defined]
    page = wrong.text  # type: ignore[attr-defined]
    assert error_summary(page) == {
        "#current_password": "Your current password is not correct",
        "#new_password": "A password must be at least 10 characters long",
    }
    assert field_error(page, "new_password") == "A password must be at least 10 characters long"
    assert value_of(page, "current_password") is None
    same = _post(
        browser,
        "/account/password",
        form,
        {"current_password": GIVEN, "new_password": GIVEN, "next": "/people"},
    )
    assert "not the one you have now" in same.text  # type: ignore[attr-defined]

    changed = _post(
        browser,
        "/account/password",
        form,
        {"current_password": GIVEN, "new_password": OWN, "next": "/people"},
    )
    assert changed.status_code == 303  # type: ignore[attr-defined]
    assert changed.headers["location"] == "/people"  # type: ignore[attr-defined]
    onwards = browser.get("/people", follow_redirects=False)
    assert not onwards.headers.get("location", "").startswith("/account/password")
    assert _events(hub, "account.password_change") == 1


def test_a_password_you_chose_yourself_leads_nowhere_special(signed_in: SignedIn) -> None:
    browser = signed_in("gp")
    assert browser.get("/", follow_redirects=False).status_code == 200
    page = browser.get("/account/password").text
    assert "An administrator set the password" not in page


def test_refreshing_the_token_issued_page_issues_nothing_and_shows_the_secret_no_more(
    hub: Hub, signed_in: SignedIn
) -> None:
    admin = signed_in("admin")
    with session_scope(hub.engine) as session:
        before = session.scalar(select(func.count()).select_from(ApiToken))
    issued = _post(
        admin,
        "/admin/tokens",
        "/admin/tokens/new",
        {
            "user_id": str(hub.user_ids["gp"]),
            "name": "case system",
            "scopes": "read",
            "expiry": "30",
        },
    )
    assert issued.status_code == 303, issued.text  # type: ignore[attr-defined]
    location = issued.headers["location"]  # type: ignore[attr-defined]
    assert location.startswith("/admin/tokens/") and location.endswith("/issued")
    assert "jdp_" not in location

    first = admin.get(location)
    assert first.status_code == 200
    assert "jdp_" in first.text and "Token issued" in first.text
    again = admin.get(location)
    assert again.status_code == 200
    assert "jdp_" not in again.text and "cannot be shown again" in again.text
    with session_scope(hub.engine) as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == before + 1
    assert _events(hub, "token.issue") == 1
    # Another administrator's browser never sees it.
    assert "jdp_" not in signed_in("admin").get(location).text


@pytest.mark.parametrize("active", [True, False], ids=["on", "off"])
def test_switching_an_account_to_what_it_is_already_says_so_and_records_nothing(
    hub: Hub, signed_in: SignedIn, active: bool
) -> None:
    admin = signed_in("admin")
    user_id = hub.user_ids["gp"]
    if not active:
        off = _post(admin, f"/admin/users/{user_id}/disable", "/admin/users", {})
        assert off.status_code == 303  # type: ignore[attr-defined]
    action = "enable" if active else "disable"
    recorded = _events(hub, f"account.{action}")
    again = _post(admin, f"/admin/users/{user_id}/{action}", "/admin/users", {})
    assert again.status_code == 303  # type: ignore[attr-defined]
    page = admin.get(again.headers["location"]).text  # type: ignore[attr-defined]
    state = "on" if active else "off"
    assert f"is already switched {state}: nothing was changed" in page
    assert _events(hub, f"account.{action}") == recorded


def test_signing_in_with_the_password_given_does_not_work_after_the_change(
    hub: Hub, signed_in: SignedIn
) -> None:
    _reset_on_the_form(hub, signed_in("admin"))
    browser = hub.fresh_client()
    token = csrf_from(browser.get("/sign-in").text)
    browser.post(
        "/sign-in",
        data={"username": username("gp"), "password": GIVEN, "csrf_token": token},
        follow_redirects=False,
    )
    _post(
        browser,
        "/account/password",
        "/account/password",
        {"current_password": GIVEN, "new_password": OWN},
    )
    other = hub.fresh_client()
    token = csrf_from(other.get("/sign-in").text)
    for password, works in ((GIVEN, False), (PASSWORD, False), (OWN, True)):
        answer = other.post(
            "/sign-in",
            data={"username": username("gp"), "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert (answer.status_code == 303) is works, password


def test_the_ig_officers_audit_search_shows_the_credential_and_the_residents_log_does_not(
    hub: Hub, signed_in: SignedIn
) -> None:
    created = hub.client.post(
        "/api/v1/admin/users",
        json={
            "username": "by.token",
            "display_name": "Made by a token",
            "role": "reviewer",
            "organisation_id": ORGANISATION,
        },
        headers=hub.bearer("admin"),
    )
    assert created.status_code == 201, created.text
    with session_scope(hub.engine) as session:
        credential = session.scalars(
            select(AuditEvent.credential).where(AuditEvent.action == "account.create")
        ).one()
    assert credential is not None and credential.startswith("token:")

    page = signed_in("ig_officer").get("/governance/audit?action=account.create&search=1").text
    assert "by.token" in page
    assert "Credential" in page and f"API token {credential.removeprefix('token:')}" in page
    assert "Account of</dt>" in page

    resident = signed_in("resident").get("/my/access").text
    assert "Credential" not in resident and "token:" not in resident
