"""An IG officer sees their own organisation's part of the trail and its alerts, not the hub's.

On the tiny Northbridge of ``practitioner_hub`` (SQLite and PostgreSQL): the council holds Anne's,
Bob's and Clare's council records, the ICB Anne's and Bob's GP records, the charity only Anne's
befriending record. One IG officer in each organisation; the same activity for all three; each
sees exactly the events and alerts that ``services/ig_remit.py``'s rules give, worked out here
from the stored rows independently of the SQL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import Alert, AuditEvent
from joinedup.store.linkage_tables import PersonMember
from joinedup.store.tables import Source
from tests.integration.api.practitioner_hub import (
    ANNE,
    BOB,
    CHARITY,
    CLARE,
    COUNCIL,
    ICB,
    PractitionerHub,
    make_practitioner_hub,
)

REASON = "Found collapsed at home, no relationship on record, urgent"
IG_OF = {COUNCIL: "ig_officer", ICB: "ig_icb", CHARITY: "ig_charity"}


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    hub = make_practitioner_hub(engine)
    for org in (ICB, CHARITY):
        hub.add_ig_officer(IG_OF[org], org)
    _activity(hub)
    yield hub
    hub.client.close()


def _activity(hub: PractitionerHub) -> None:
    """Views by the council, the GP and the charity, a GP's break-glass on Clare, and Anne's
    own objection (a resident's choice: every holder's business)."""
    for role, person, purpose in (
        ("social_worker", ANNE, "safeguarding"),
        ("social_worker", CLARE, "safeguarding"),
        ("gp", BOB, "direct_care"),
        ("charity_caseworker", ANNE, "direct_care"),
    ):
        response = hub.client.get(f"/api/v1/persons/{person}", headers=hub.bearer(role, purpose))
        assert response.status_code == 200, response.text
    hub.break_glass_and_view(CLARE, REASON)
    objected = hub.client.post(
        "/api/v1/me/choices",
        headers=hub.bearer("resident", None),
        json={"kind": "objection", "purpose": "housing_support", "given": True},
    )
    assert objected.status_code == 201, objected.text


def _expected(engine: Engine, org: str) -> tuple[set[int], set[int]]:
    """The event seqs and alert ids in ``org``'s remit, by the documented rules."""
    with session_scope(engine) as session:
        held_sources = set(session.scalars(select(Source.id).where(Source.organisation_id == org)))
        held_persons = {
            m.person_id
            for m in session.scalars(select(PersonMember).where(PersonMember.to_run.is_(None)))
            if m.record_key.split("|", 1)[0] in held_sources
        }
        events = {
            e.seq
            for e in session.scalars(select(AuditEvent))
            if e.organisation == org
            or e.account_organisation == org
            or any(c.split("/", 1)[0] in held_sources for c in e.categories or ())
            or (
                (e.break_glass or e.action in ("relationship.declare", "choice.record"))
                and e.person_id in held_persons
            )
        }
        alerts = {
            a.id
            for a in session.scalars(select(Alert))
            if a.organisation == org or a.person_id in held_persons
        }
    return events, alerts


def _seen(hub: PractitionerHub, name: str) -> tuple[set[int], set[int]]:
    headers = {"Authorization": f"Bearer {hub.tokens[name]}"}
    # The search's own event is appended after the page is read, so it is not on the page.
    events = hub.client.get(
        "/api/v1/governance/audit/events", headers=headers, params={"limit": 200}
    )
    alerts = hub.client.get(
        "/api/v1/governance/alerts", headers=headers, params={"status": "all", "limit": 200}
    )
    assert events.status_code == alerts.status_code == 200, (events.text, alerts.text)
    return {e["seq"] for e in events.json()["events"]}, {a["id"] for a in alerts.json()}


@pytest.mark.parametrize("org", [COUNCIL, ICB, CHARITY])
def test_each_ig_officer_sees_exactly_their_remit(hub: PractitionerHub, org: str) -> None:
    expected_events, expected_alerts = _expected(hub.engine, org)
    events, alerts = _seen(hub, IG_OF[org])
    assert events == expected_events
    assert alerts == expected_alerts
    assert events  # every organisation here did or released something


def _break_glass_alert(engine: Engine) -> int:
    with session_scope(engine) as session:
        found = session.scalar(select(Alert.id).where(Alert.kind == "break_glass"))
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("name", "sees", "decides"),
    [
        ("ig_icb", True, 201),  # the GP's own organisation
        ("ig_officer", True, 403),  # the council holds Clare's records: reads, does not decide
        ("ig_charity", False, 404),  # the charity holds nothing of Clare's
    ],
)
def test_a_break_glass_alert_reaches_the_actors_and_the_holders_ig_only(
    hub: PractitionerHub, name: str, sees: bool, decides: int
) -> None:
    alert_id = _break_glass_alert(hub.engine)
    headers = {"Authorization": f"Bearer {hub.tokens[name]}"}
    base = f"/api/v1/governance/alerts/{alert_id}"
    reason = hub.client.get(f"{base}/break-glass-reason", headers=headers)
    bg_events = hub.client.get(
        "/api/v1/governance/audit/events",
        headers=headers,
        params={"break_glass": "true", "person_id": CLARE},
    )
    assert bg_events.status_code == 200
    release = hub.client.post(
        f"{base}/break-glass-reason", headers=headers, json={"decision": "release"}
    )
    assert release.status_code == decides, release.text
    if sees:
        assert reason.status_code == 200 and reason.json()["reason"] == REASON
        assert {e["action"] for e in bg_events.json()["events"]} >= {"break_glass.start"}
    else:
        assert reason.status_code == 404
        assert REASON not in reason.text
        assert bg_events.json()["events"] == []
        refused = hub.client.post(f"{base}/acknowledge", headers=headers, json={"note": "checked"})
        assert refused.status_code == 404, refused.text
        assert "for your organisation" in refused.json()["detail"]
        assert "for your organisation" in release.json()["detail"]


def test_a_view_that_released_nothing_of_the_charitys_is_not_the_charitys_business(
    hub: PractitionerHub,
) -> None:
    events, _ = _seen(hub, "ig_charity")
    with session_scope(hub.engine) as session:
        gp_on_bob = session.scalars(
            select(AuditEvent.seq).where(AuditEvent.person_id == BOB, AuditEvent.role == "gp")
        ).all()
    assert gp_on_bob and not set(gp_on_bob) & events


def test_each_organisation_handles_an_alert_for_itself(hub: PractitionerHub) -> None:
    # The GP's break-glass on Clare concerns the ICB (its staff) and the council (her records):
    # the ICB's officer closing it must not empty the council officer's queue.
    alert_id = _break_glass_alert(hub.engine)
    icb, council = (
        {"Authorization": f"Bearer {hub.tokens[name]}"} for name in ("ig_icb", "ig_officer")
    )
    base = "/api/v1/governance/alerts"

    def queue(headers: dict[str, str], status: str) -> dict[int, dict]:
        response = hub.client.get(base, headers=headers, params={"status": status})
        assert response.status_code == 200, response.text
        return {a["id"]: a for a in response.json()}

    closed = hub.client.post(
        f"{base}/{alert_id}/acknowledge",
        headers=icb,
        json={"note": "Checked with the practice: justified", "close": True},
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert alert_id in queue(icb, "closed") and alert_id not in queue(icb, "open")
    still_open = queue(council, "open")[alert_id]
    assert (still_open["status"], still_open["handled_by"], still_open["outcome"]) == (
        "open",
        None,
        None,  # the ICB's note is the ICB's: it may name people the council has no need to know
    )
    assert alert_id not in queue(council, "closed")
    acked = hub.client.post(
        f"{base}/{alert_id}/acknowledge", headers=council, json={"note": "Seen; records in order"}
    )
    assert acked.status_code == 200, acked.text
    assert queue(council, "acknowledged")[alert_id]["outcome"] == "Seen; records in order"
    assert queue(icb, "closed")[alert_id]["outcome"] == "Checked with the practice: justified"
    again = hub.client.post(f"{base}/{alert_id}/acknowledge", headers=icb, json={"note": "x"})
    assert again.status_code == 400 and "closed already" in again.json()["detail"]
