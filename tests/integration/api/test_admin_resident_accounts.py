"""An administrator's changes to a resident's account, through the admin API.

A resident's account belongs to no organisation, and what an administrator does to it (makes
it, issues a token that acts as the resident, switches it off) is filed under the resident:
an IG officer searching for the person finds it, and the resident sees it in their access log.

On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.practitioner_hub import (
    BOB,
    PractitionerHub,
    open_hub,
)

hub = pytest.fixture(open_hub, name="hub")


def _resident(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "username": "bob.walker",
        "display_name": "Bob Walker",
        "role": "resident",
        "person_id": BOB,
        "password": "a long enough passphrase",
    }
    return {**body, **changes}


def test_a_resident_account_in_an_organisation_is_refused(hub: PractitionerHub) -> None:
    # The admin pages never send an organisation for a resident; the API took one and stored
    # it, making a resident who counted as that organisation's staff.
    response = hub.client.post(
        "/api/v1/admin/users",
        json=_resident(organisation_id="northbridge-council"),
        headers=hub.bearer("admin"),
    )
    assert response.status_code == 400, response.text
    assert "organisation" in response.json()["detail"]
    listed = hub.client.get("/api/v1/admin/users", headers=hub.bearer("admin")).json()
    assert "bob.walker" not in [u["username"] for u in listed]


def test_the_resident_and_the_ig_officer_see_what_an_administrator_did_to_the_account(
    hub: PractitionerHub,
) -> None:
    admin = hub.bearer("admin")
    created = hub.client.post("/api/v1/admin/users", json=_resident(), headers=admin)
    assert created.status_code == 201, created.text
    issued = hub.client.post(
        "/api/v1/admin/tokens",
        json={"user_id": created.json()["id"], "name": "resident app", "scopes": ["read", "write"]},
        headers=admin,
    )
    assert issued.status_code == 201, issued.text

    as_bob = {"Authorization": f"Bearer {issued.json()['token']}"}
    # The administrator set Bob's password: until Bob has replaced it the token does nothing
    # else, or the administrator could use it as Bob before Bob ever signed in.
    assert hub.client.get("/api/v1/me/access-log", headers=as_bob).status_code == 403
    changed = hub.client.post(
        "/api/v1/me/password",
        json={"current_password": "a long enough passphrase", "new_password": "only bob knows it"},
        headers=as_bob,
    )
    assert changed.status_code == 204, changed.text
    with session_scope(hub.engine) as session:
        own = session.execute(
            select(AuditEvent.role, AuditEvent.organisation).where(
                AuditEvent.action == "account.password_change"
            )
        ).all()
    # Filed as a resident's own doing (as their reads are), not as the hub's staff's.
    assert [tuple(row) for row in own] == [("resident", "resident")]
    log = hub.client.get("/api/v1/me/access-log", headers=as_bob)
    assert log.status_code == 200, log.text
    said = [(e["action"], e["role"], e["what"]) for e in log.json()["entries"]]
    assert ("account.create", "admin", "made an account for you to use this service") in said
    assert (
        "token.issue",
        "admin",
        "gave a computer system a key (an API token) that acts as you",
    ) in said
    assert issued.json()["token"] not in log.text

    found = hub.client.get(
        "/api/v1/governance/audit/events",
        params={"person_id": BOB, "actor": "admin@example.org"},
        headers=hub.bearer("ig_officer", None),
    )
    assert found.status_code == 200, found.text
    actions = [e["action"] for e in found.json()["events"]]
    assert actions == ["token.issue", "account.create"]
