"""A resident's own choices, and a declared relationship, reach every holder's IG officer.

An objection or consent changes what every organisation holding the resident's data may share,
as a declared relationship changes who may see it: each is in the remit of every organisation
holding a record of the resident (``services/ig_remit.py``), as break-glass is — and in no
other's. Through the HTTP API, on the tiny Northbridge of ``practitioner_hub``: Anne is held by
the council, the ICB and the charity; Clare by the council only.
"""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.services import accounts
from joinedup.store.db import session_scope
from tests.integration.api.auth_hub import password_hash
from tests.integration.api.practitioner_hub import (
    ANNE,
    CLARE,
    PractitionerHub,
    hub_with_ig_officers,
)

hub = pytest.fixture(hub_with_ig_officers, name="hub")
OFFICERS = ("ig_officer", "ig_icb", "ig_charity")


def _clare_resident(hub: PractitionerHub) -> dict[str, str]:
    with session_scope(hub.engine) as session:
        user = accounts.create_user(
            session,
            username="clare.resident",
            display_name="Clare",
            role="resident",
            password_hash=password_hash(),
            person_id=CLARE,
        )
        issued = accounts.issue_token(session, user_id=user.id, name="t", scopes=["read", "write"])
    return {"Authorization": f"Bearer {issued.secret}"}


def _events(hub: PractitionerHub, officer: str, **params: Any) -> list[dict[str, Any]]:
    response = hub.client.get(
        "/api/v1/governance/audit/events", headers=hub.bearer(officer, None), params=params
    )
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def _choose(hub: PractitionerHub, headers: dict[str, str], **choice: Any) -> None:
    response = hub.client.post("/api/v1/me/choices", headers=headers, json=choice)
    assert response.status_code == 201, response.text


CHOICES = [
    # (whose, the choice, the IG officers who see it)
    ("anne", {"kind": "objection", "purpose": "housing_support", "given": True}, set(OFFICERS)),
    ("anne", {"kind": "objection", "purpose": "housing_support", "given": False}, set(OFFICERS)),
    ("clare", {"kind": "objection", "purpose": "direct_care", "given": True}, {"ig_officer"}),
]


@pytest.mark.parametrize(("whose", "choice", "seen_by"), CHOICES)
def test_a_residents_choice_is_in_every_holders_remit(
    hub: PractitionerHub, whose: str, choice: dict[str, Any], seen_by: set[str]
) -> None:
    headers = hub.bearer("resident", None) if whose == "anne" else _clare_resident(hub)
    person = ANNE if whose == "anne" else CLARE
    if not choice["given"]:
        _choose(hub, headers, **{**choice, "given": True})
    _choose(hub, headers, **choice)
    for officer in OFFICERS:
        found = _events(hub, officer, person_id=person, action="choice.record")
        if officer in seen_by:
            assert found, f"{officer} cannot find the resident's choice"
            latest = found[0]
            assert (latest["role"], latest["purpose"]) == ("resident", choice["purpose"])
            assert ("withdrawn" in latest["reason"]) is (not choice["given"])
        else:
            assert found == [], f"{officer} holds nothing of the resident's, yet sees the choice"


def test_a_declared_relationship_reaches_the_holders_as_its_alert_does(
    hub: PractitionerHub,
) -> None:
    """The GP declares a relationship with Clare: the ICB's officer sees it (their staff), the
    council's (it holds her records) — as each sees the alert — and the charity's does not."""
    response = hub.client.post(
        f"/api/v1/persons/{CLARE}/relationships",
        headers=hub.bearer("gp", "direct_care"),
        json={"reason": "Registered at the practice today", "days": 10},
    )
    assert response.status_code == 201, response.text
    for officer, sees in (("ig_icb", True), ("ig_officer", True), ("ig_charity", False)):
        events = _events(hub, officer, action="relationship.declare")
        alerts = hub.client.get(
            "/api/v1/governance/alerts",
            headers=hub.bearer(officer, None),
            params={"kind": "relationship_declared"},
        ).json()
        assert bool(events) is sees is bool(alerts), officer
