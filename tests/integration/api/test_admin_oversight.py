"""An administrator cannot act as someone else unseen.

- A password an administrator sets (creating the account, resetting it) must be changed by its
  owner before the account can do anything else, by token or by session.
- Every audit event says which credential acted (``session:<id>`` or ``token:<id>``), and the IG
  officer's search shows it; the resident's access log does not.
- An administrator's changes to an organisation's accounts are in that organisation's IG
  officer's remit, whichever organisation the administrator belongs to.

On the tiny Northbridge of ``practitioner_hub`` (its administrator is the council's), on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.auth_hub import PASSWORD, csrf_from, username
from tests.integration.api.practitioner_hub import (
    ANNE,
    ICB,
    PractitionerHub,
    hub_with_ig_officers,
)

GIVEN = "the admin knows this one"
OWN = "only the owner knows this"
REFUSED = "Your password was set by an administrator"


hub = pytest.fixture(hub_with_ig_officers, name="hub")


def _admin(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("admin", None)


def _new_gp(hub: PractitionerHub) -> int:
    created = hub.client.post(
        "/api/v1/admin/users",
        json={
            "username": "new.gp",
            "display_name": "New GP",
            "role": "gp",
            "organisation_id": ICB,
            "password": GIVEN,
        },
        headers=_admin(hub),
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def _token(hub: PractitionerHub, user_id: int) -> tuple[int, dict[str, str]]:
    issued = hub.client.post(
        "/api/v1/admin/tokens",
        json={"user_id": user_id, "name": "case system", "scopes": ["read", "write"]},
        headers=_admin(hub),
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    return int(body["id"]), {"Authorization": f"Bearer {body['token']}"}


def _create(hub: PractitionerHub) -> tuple[int, str]:
    return _new_gp(hub), GIVEN


def _reset(hub: PractitionerHub) -> tuple[int, str]:
    user_id = hub.user_ids["gp"]
    reset = hub.client.post(
        f"/api/v1/admin/users/{user_id}/password", json={"password": GIVEN}, headers=_admin(hub)
    )
    assert reset.status_code == 200, reset.text
    assert reset.json()["must_change_password"] is True
    return user_id, GIVEN


@pytest.mark.parametrize("set_by_admin", [_create, _reset], ids=["created", "reset"])
def test_a_password_an_administrator_set_must_be_changed_before_anything_else(
    hub: PractitionerHub, set_by_admin: object
) -> None:
    user_id, given = set_by_admin(hub)  # type: ignore[operator]
    token_id, as_them = _token(hub, user_id)
    stating = {**as_them, "Joinedup-Purpose": "direct_care", "Joinedup-Case-Reference": "C-1"}

    refused = hub.client.get(f"/api/v1/persons/{ANNE}", headers=stating)
    assert refused.status_code == 403
    assert REFUSED in refused.json()["detail"]
    me = hub.client.get("/api/v1/me", headers=as_them)
    assert me.status_code == 200 and me.json()["must_change_password"] is True

    for body, field in (
        ({"current_password": "not the given one", "new_password": OWN}, "current password"),
        ({"current_password": given, "new_password": given}, "not the one you have now"),
        ({"current_password": given, "new_password": "short"}, "at least 10 characters"),
    ):
        wrong = hub.client.post("/api/v1/me/password", json=body, headers=as_them)
        assert wrong.status_code == 400, wrong.text
        assert field in wrong.json()["detail"]
    assert hub.client.get("/api/v1/me", headers=as_them).json()["must_change_password"] is True

    changed = hub.client.post(
        "/api/v1/me/password",
        json={"current_password": given, "new_password": OWN},
        headers=as_them,
    )
    assert changed.status_code == 204, changed.text
    assert hub.client.get("/api/v1/me", headers=as_them).json()["must_change_password"] is False
    assert hub.client.get(f"/api/v1/persons/{ANNE}", headers=stating).status_code != 403
    with session_scope(hub.engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.password_change")
        ).one()
        assert (event.role, event.credential, event.account_organisation) == (
            "gp",
            f"token:{token_id}",
            ICB,
        )
        assert GIVEN not in (event.reason or "") and OWN not in (event.reason or "")


def test_an_administrator_resetting_their_own_password_need_not_change_it(
    hub: PractitionerHub,
) -> None:
    own = hub.client.post(
        f"/api/v1/admin/users/{hub.user_ids['admin']}/password",
        json={"password": GIVEN},
        headers=_admin(hub),
    )
    assert own.status_code == 200, own.text
    assert own.json()["must_change_password"] is False


def test_a_reset_password_is_checked_by_the_projects_rules(hub: PractitionerHub) -> None:
    user_id = hub.user_ids["gp"]
    for password, says in (("short", "at least 10"), ("aaaaaaaaaaaa", "repeated")):
        refused = hub.client.post(
            f"/api/v1/admin/users/{user_id}/password",
            json={"password": password},
            headers=_admin(hub),
        )
        assert refused.status_code == 400, refused.text
        assert says in refused.json()["detail"]


def _sign_in_web(hub: PractitionerHub, role: str) -> None:
    token = csrf_from(hub.client.get("/sign-in").text)
    response = hub.client.post(
        "/sign-in",
        data={"username": username(role), "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_every_event_says_which_credential_acted_and_the_ig_officer_sees_it(
    hub: PractitionerHub,
) -> None:
    by_token = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    assert by_token.status_code == 200, by_token.text
    _sign_in_web(hub, "social_worker")
    token = csrf_from(hub.client.get("/purpose").text)
    stated = hub.client.post(
        "/purpose",
        data={"purpose": "safeguarding", "case_reference": "CASE-2", "csrf_token": token},
        follow_redirects=False,
    )
    assert stated.status_code == 303
    assert hub.client.get(f"/people/{ANNE}").status_code == 200
    hub.client.cookies.clear()

    with session_scope(hub.engine) as session:
        views = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.view").order_by(AuditEvent.seq)
        ).all()
        everything = session.scalars(select(AuditEvent)).all()
    assert [v.credential for v in views][:1] == [f"token:{hub.token_ids['social_worker']}"]
    assert views[-1].credential is not None and views[-1].credential.startswith("session:")
    assert all(e.credential for e in everything), [e.action for e in everything if not e.credential]

    found = hub.client.get(
        "/api/v1/governance/audit/events",
        params={"action": "person.view"},
        headers=hub.bearer("ig_officer", None),
    )
    assert found.status_code == 200, found.text
    credentials = {e["credential"] for e in found.json()["events"]}
    assert {f"token:{hub.token_ids['social_worker']}", views[-1].credential} <= credentials

    token_only = hub.client.get(
        "/api/v1/governance/audit/events",
        params={"credential": f"token:{hub.token_ids['social_worker']}"},
        headers=hub.bearer("ig_officer", None),
    )
    assert token_only.status_code == 200, token_only.text
    assert {e["credential"] for e in token_only.json()["events"]} == {
        f"token:{hub.token_ids['social_worker']}"
    }
    bad = hub.client.get(
        "/api/v1/governance/audit/events",
        params={"credential": "jdp_secret"},
        headers=hub.bearer("ig_officer", None),
    )
    assert bad.status_code == 422

    resident_log = hub.client.get("/api/v1/me/access-log", headers=hub.bearer("resident", None))
    assert resident_log.status_code == 200, resident_log.text
    assert "credential" not in resident_log.text and "token:" not in resident_log.text


def _seen(hub: PractitionerHub, name: str) -> list[tuple[str, str | None]]:
    found = hub.client.get(
        "/api/v1/governance/audit/events",
        params={"actor": username("admin"), "limit": 200},
        headers=hub.bearer(name, None),
    )
    assert found.status_code == 200, found.text
    return [(e["action"], e["account_organisation"]) for e in found.json()["events"]]


def test_an_organisations_ig_officer_sees_what_an_administrator_did_to_its_accounts(
    hub: PractitionerHub,
) -> None:
    user_id = _new_gp(hub)
    reset = hub.client.post(
        f"/api/v1/admin/users/{user_id}/password",
        json={"password": "another given one"},
        headers=_admin(hub),
    )
    assert reset.status_code == 200, reset.text
    token_id, _ = _token(hub, user_id)
    revoked = hub.client.delete(f"/api/v1/admin/tokens/{token_id}", headers=_admin(hub))
    assert revoked.status_code == 200, revoked.text
    off = hub.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"active": False}, headers=_admin(hub)
    )
    assert off.status_code == 200, off.text

    # The administrator is the council's; the account is the ICB's.
    assert _seen(hub, "ig_icb") == [
        ("account.disable", ICB),
        ("token.revoke", ICB),
        ("token.issue", ICB),
        ("account.password_reset", ICB),
        ("account.create", ICB),
    ]
    assert _seen(hub, "ig_charity") == []


@pytest.mark.parametrize("active", [True, False], ids=["on", "off"])
def test_switching_an_account_to_what_it_is_already_records_nothing(
    hub: PractitionerHub, active: bool
) -> None:
    user_id = hub.user_ids["gp"]
    if not active:
        first = hub.client.patch(
            f"/api/v1/admin/users/{user_id}", json={"active": False}, headers=_admin(hub)
        )
        assert first.status_code == 200, first.text
    with session_scope(hub.engine) as session:
        before = len(session.scalars(select(AuditEvent.seq)).all())
    again = hub.client.patch(
        f"/api/v1/admin/users/{user_id}", json={"active": active}, headers=_admin(hub)
    )
    assert again.status_code == 409, again.text
    assert f"already switched {'on' if active else 'off'}" in again.json()["detail"]
    with session_scope(hub.engine) as session:
        assert len(session.scalars(select(AuditEvent.seq)).all()) == before
