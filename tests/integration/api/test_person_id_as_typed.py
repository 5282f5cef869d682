"""A person id typed in lower case, or pasted with spaces, is the same id everywhere one is taken.

Ids are issued in upper case; people copy them into URLs, forms and commands however they
come. The API's person routes, the practitioner's pages, the IG officer's audit search and a
resident's account all take the id as typed (``linkage.ids.normalise_person_id``), while what is
stored and recorded — the audit event, the account — is the id as issued. SQLite and PostgreSQL.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from joinedup.audit import queries
from joinedup.services import accounts
from joinedup.services.actor import Actor
from joinedup.store.account_tables import User
from joinedup.store.db import session_scope
from tests.integration.api.auth_hub import password_hash, sign_in
from tests.integration.api.practitioner_hub import (
    ANNE,
    CLARE,
    OLD,
    PractitionerHub,
    open_hub,
)

BREAK_GLASS_REASON = "Found collapsed at home, no relationship on record, urgent"


hub = pytest.fixture(open_hub, name="hub")


def typed(person_id: str) -> str:
    """``person_id`` as someone might type it into a URL: lower case, a space either side."""
    return quote(f" {person_id.lower()} ")


def test_the_joined_view_takes_an_id_in_any_case_and_audits_the_id_as_issued(
    hub: PractitionerHub,
) -> None:
    response = hub.client.get(f"/api/v1/persons/{typed(ANNE)}", headers=hub.bearer("social_worker"))
    assert response.status_code == 200, response.text
    assert response.json()["person_id"] == ANNE
    assert response.history == []  # served, not redirected as if the id had moved
    with session_scope(hub.engine) as session:
        [event] = queries.search(session, action="person.view")
        assert event.person_id == ANNE


def test_a_retired_id_in_lower_case_still_redirects_to_where_its_records_went(
    hub: PractitionerHub,
) -> None:
    response = hub.client.get(f"/api/v1/persons/{OLD.lower()}", headers=hub.bearer("social_worker"))
    assert response.status_code == 200
    assert response.history[0].status_code == 301
    assert response.history[0].json()["requested"] == OLD
    assert response.json()["person_id"] == ANNE


def test_the_explanation_and_break_glass_take_an_id_in_any_case(hub: PractitionerHub) -> None:
    headers = hub.bearer("social_worker")
    why = hub.client.get(f"/api/v1/persons/{typed(ANNE)}/explanation", headers=headers)
    assert why.status_code == 200, why.text
    gp = hub.bearer("gp", "direct_care")
    started = hub.client.post(
        f"/api/v1/persons/{CLARE.lower()}/break-glass",
        headers=gp,
        json={"reason": BREAK_GLASS_REASON, "hours": 1},
    )
    assert started.status_code == 201, started.text
    assert started.json()["person_id"] == CLARE


def test_the_audit_search_finds_a_persons_events_by_an_id_in_any_case(
    hub: PractitionerHub,
) -> None:
    hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    response = hub.client.get(
        "/api/v1/governance/audit/events",
        headers=hub.bearer("ig_officer", None),
        params={"person_id": f" {ANNE.lower()} "},
    )
    assert response.status_code == 200, response.text
    events = response.json()["events"]
    assert [e["action"] for e in events if e["person_id"] == ANNE] == ["person.view"]


def test_the_person_pages_take_an_id_in_any_case_and_show_it_as_issued(
    hub: PractitionerHub,
) -> None:
    sign_in(hub.client, "social_worker")
    moved = hub.client.get(f"/people/{typed(ANNE)}?declared=1", follow_redirects=False)
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/people/{ANNE}?declared=1"
    page = hub.client.get(f"/people/{typed(ANNE)}")
    assert page.status_code == 200, page.text
    assert "<title>Anne Walker" in page.text
    assert ANNE.lower() not in page.text  # every link names the id as issued
    form = hub.client.get(f"/people/{CLARE.lower()}/relationship", follow_redirects=False)
    assert form.headers["location"] == f"/people/{CLARE}/relationship"
    assert hub.client.get(f"/people/{CLARE.lower()}/relationship").status_code == 200


def test_a_resident_account_is_kept_under_the_id_as_issued(hub: PractitionerHub) -> None:
    admin = Actor(
        user="admin@example.org", organisation="northbridge-council", role="admin",
        purpose=None, case_reference=None, request_id="req-1",
    )  # fmt: skip
    with session_scope(hub.engine) as session:
        made = accounts.create_user(
            session,
            username="anne.typed",
            display_name="Anne",
            role="resident",
            password_hash=password_hash(),
            person_id=f"  {ANNE.lower()} ",
            by=admin,  # an administrator's: checked against the index
        )
        made_id = made.id
    with session_scope(hub.engine) as session:
        stored = session.scalar(select(User.person_id).where(User.id == made_id))
    assert stored == ANNE
