"""A resident's account waits for an administrator when linkage splits the person it names.

On the tiny Northbridge of ``practitioner_hub`` (SQLite and PostgreSQL): Anne's resident account
names her person, which holds four services. A link run finds that two of them are someone
else's and splits them off; Anne's id stays with the larger part — which, had the records been
the other way round, would be the other resident's. Until an administrator confirms which person
the account speaks for, its resident is shown nothing held about them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.auth_hub import username
from tests.integration.api.practitioner_hub import (
    ANNE,
    PractitionerHub,
    open_hub,
)
from tests.integration.api.relinking import add_record, person_of, relink

G1, S1, C1, B1 = "gp_registrations|G1", "adult_social_care|S1", "council_tax|C1", "befriending|B1"
RESIDENT_READS = ("/api/v1/me/record", "/api/v1/me/access-log", "/api/v1/me/choices")


hub = pytest.fixture(open_hub, name="hub")


def _anne(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("resident", None)


def _admin(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("admin", None)


def _holds(hub: PractitionerHub) -> list[dict[str, object]]:
    response = hub.client.get("/api/v1/admin/resident-holds", headers=_admin(hub))
    assert response.status_code == 200, response.text
    return list(response.json())


def _confirm(hub: PractitionerHub, person_id: str) -> tuple[int, dict[str, object]]:
    response = hub.client.put(
        f"/api/v1/admin/users/{hub.user_ids['resident']}/person",
        json={"person_id": person_id},
        headers=_admin(hub),
    )
    return response.status_code, response.json()


def test_a_split_holds_the_account_until_an_administrator_confirms_its_person(
    hub: PractitionerHub,
) -> None:
    for path in RESIDENT_READS:
        assert hub.client.get(path, headers=_anne(hub)).status_code == 200, path
    assert _holds(hub) == []

    run = relink(hub.engine, [G1, S1], [C1, B1])
    other = person_of(run, C1)
    assert person_of(run, G1) == ANNE != other

    for path in (*RESIDENT_READS, "/api/v1/me/subject-access"):
        response = hub.client.get(path, headers=_anne(hub))
        assert response.status_code == 403, (path, response.text)
        assert "checking" in response.json()["detail"], path
        assert "Anne" not in response.text and "G1" not in response.text
    # Nor can a choice be made for a person the account may not speak for.
    made = hub.client.post(
        "/api/v1/me/choices",
        headers=_anne(hub),
        json={"kind": "objection", "purpose": "housing_support", "given": True},
    )
    assert made.status_code == 403, made.text
    # Who the resident is stays answerable: the account itself is not personal data of others.
    assert hub.client.get("/api/v1/me", headers=_anne(hub)).status_code == 200

    [hold] = _holds(hub)
    assert hold["username"] == username("resident")
    assert hold["person_id"] == ANNE
    [split] = hold["splits"]  # type: ignore[misc]
    assert split["run_id"] == run.run_id
    assert split["person_ids"] == [ANNE, other]
    assert split["record_counts"] == [2, 2]

    # The administrator checked with the resident: she is the part split off.
    status, user = _confirm(hub, other.lower())
    assert status == 200, user
    assert user["person_id"] == other
    assert _holds(hub) == []
    record = hub.client.get("/api/v1/me/record", headers=_anne(hub))
    assert record.status_code == 200, record.text
    assert record.json()["person_id"] == other

    with session_scope(hub.engine) as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.person_confirmed")
        ).one()
    assert event.actor == username("admin")
    assert event.person_id == other
    assert event.reason == f"account {username('resident')} confirmed from {ANNE} to {other}"


def test_confirming_the_same_person_ends_the_hold_and_a_later_split_holds_it_again(
    hub: PractitionerHub,
) -> None:
    relink(hub.engine, [G1, S1], [C1, B1])
    assert hub.client.get("/api/v1/me/record", headers=_anne(hub)).status_code == 403
    status, _user = _confirm(hub, ANNE)
    assert status == 200
    assert hub.client.get("/api/v1/me/record", headers=_anne(hub)).status_code == 200

    add_record(hub.engine, "adult_social_care|S9", {"given_name": "Anne", "family_name": "Hill"})
    relink(hub.engine, [G1], [S1, "adult_social_care|S9"])
    assert hub.client.get("/api/v1/me/record", headers=_anne(hub)).status_code == 403


def test_a_merge_or_another_persons_split_does_not_hold_the_account(
    hub: PractitionerHub,
) -> None:
    add_record(hub.engine, "council_tax|C8", {"given_name": "Anne", "family_name": "Hill"})
    relink(hub.engine, [G1, S1, C1, B1, "council_tax|C8"])  # C8 joins Anne: a merge-in
    assert hub.client.get("/api/v1/me/record", headers=_anne(hub)).status_code == 200
    assert _holds(hub) == []


def test_an_account_made_after_the_split_is_not_held(hub: PractitionerHub) -> None:
    run = relink(hub.engine, [G1, S1], [C1, B1])
    other = person_of(run, C1)
    made = hub.client.post(
        "/api/v1/admin/users",
        headers=_admin(hub),
        json={
            "username": "other.resident",
            "display_name": "The other resident",
            "role": "resident",
            "person_id": other,
            "password": "a long passphrase for the other resident",
        },
    )
    assert made.status_code == 201, made.text
    assert [h["username"] for h in _holds(hub)] == [username("resident")]


@pytest.mark.parametrize(
    ("who", "person_id", "status", "words"),
    [
        ("resident", "PNOSUCHPERSON", 400, "no person"),
        ("resident", "   ", 400, "person id"),
        ("social_worker", ANNE, 400, "Only a resident"),
    ],
)
def test_confirming_something_that_cannot_be_is_a_400(
    hub: PractitionerHub, who: str, person_id: str, status: int, words: str
) -> None:
    response = hub.client.put(
        f"/api/v1/admin/users/{hub.user_ids[who]}/person",
        json={"person_id": person_id},
        headers=_admin(hub),
    )
    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_only_an_administrator_sees_or_ends_a_hold(hub: PractitionerHub) -> None:
    for role in ("ig_officer", "social_worker", "resident", "reviewer"):
        headers = hub.bearer(role, None)
        assert hub.client.get("/api/v1/admin/resident-holds", headers=headers).status_code == 403
        response = hub.client.put(
            f"/api/v1/admin/users/{hub.user_ids['resident']}/person",
            json={"person_id": ANNE},
            headers=headers,
        )
        assert response.status_code == 403, role
