"""The IG officer's API: audit search, the alert queue, agreements, the chain's status.

On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.auth_hub import username
from tests.integration.api.practitioner_hub import (
    ANNE,
    BOB,
    CLARE,
    UNKNOWN,
    PractitionerHub,
    open_hub,
)

BREAK_GLASS_REASON = "Found collapsed at home, no relationship on record, urgent"


hub = pytest.fixture(open_hub, name="hub")


def _ig(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("ig_officer", None)


def _activity(hub: PractitionerHub) -> None:
    hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    hub.client.get(f"/api/v1/persons/{BOB}", headers=hub.bearer("gp", "direct_care"))
    # A GP with no relationship to Clare: break-glass opens her social care record.
    started = hub.client.post(
        f"/api/v1/persons/{CLARE}/break-glass",
        headers=hub.bearer("gp", "direct_care"),
        json={"reason": BREAK_GLASS_REASON, "hours": 1},
    )
    assert started.status_code == 201, started.text


@pytest.mark.parametrize(
    ("query", "check"),
    [
        ({"person_id": ANNE}, lambda e: e["person_id"] == ANNE),
        ({"actor": username("gp")}, lambda e: e["actor"] == username("gp")),
        ({"purpose": "safeguarding"}, lambda e: e["purpose"] == "safeguarding"),
        ({"decision": "permit"}, lambda e: e["decision"] == "permit"),
        ({"break_glass": "true"}, lambda e: e["break_glass"] is True),
        (
            {"organisation": "nhs-northbridge-icb"},
            lambda e: e["organisation"] == "nhs-northbridge-icb",
        ),
        ({"action": "break_glass.start"}, lambda e: e["action"] == "break_glass.start"),
        # "Which housing officers looked?": role was not a filter, and ?role=gp was ignored,
        # answering with everyone's events as if they were the GPs'.
        ({"role": "gp"}, lambda e: e["role"] == "gp"),
    ],
)
def test_audit_search_filters(hub: PractitionerHub, query: dict[str, str], check: object) -> None:
    _activity(hub)
    response = hub.client.get("/api/v1/governance/audit/events", headers=_ig(hub), params=query)
    assert response.status_code == 200, response.text
    events = response.json()["events"]
    assert events and all(check(e) for e in events)  # type: ignore[operator]


def test_audit_search_date_range_and_paging(hub: PractitionerHub) -> None:
    _activity(hub)
    url = "/api/v1/governance/audit/events"
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert hub.client.get(url, headers=_ig(hub), params={"since": future}).json()["events"] == []
    everything = hub.client.get(url, headers=_ig(hub), params={"limit": 200}).json()["events"]
    first = hub.client.get(url, headers=_ig(hub), params={"limit": 2}).json()
    assert len(first["events"]) == 2 and first["next_before_seq"]
    rest = hub.client.get(
        url, headers=_ig(hub), params={"limit": 200, "before_seq": first["next_before_seq"]}
    ).json()
    seqs = [e["seq"] for e in first["events"] + rest["events"]]
    # Each search adds its own event, after the page it returns.
    assert seqs == [e["seq"] for e in everything][: len(seqs)] or seqs == sorted(seqs, reverse=True)
    assert len(set(seqs)) == len(seqs)


def test_audit_search_is_itself_audited_with_the_filters_named_not_their_values(
    hub: PractitionerHub,
) -> None:
    hub.client.get(
        "/api/v1/governance/audit/events",
        headers=_ig(hub),
        params={"person_id": ANNE, "actor": username("gp")},
    )
    with session_scope(hub.engine) as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.search"))
        assert event.person_id == ANNE and event.role == "ig_officer"
        assert "actor" in (event.reason or "") and username("gp") not in (event.reason or "")


@pytest.mark.parametrize(
    ("query", "words"),
    [
        # An id no person ever had answered 200 with no events: a regulator would be told
        # nobody looked at a mistyped resident.
        ({"person_id": UNKNOWN}, f"no person has the id '{UNKNOWN}'"),
        ({"person_id": UNKNOWN.lower()}, f"no person has the id '{UNKNOWN}'"),
        # A filter the search does not have was ignored, answering with everything.
        ({"rol": "gp"}, "rol"),
        ({"from": "2026-03-01T00:00:00Z"}, "from"),
        ({"role": "wizard"}, "role must be one of"),
    ],
)
def test_an_unknown_person_or_filter_is_a_4xx_naming_it(
    hub: PractitionerHub, query: dict[str, str], words: str
) -> None:
    _activity(hub)
    response = hub.client.get("/api/v1/governance/audit/events", headers=_ig(hub), params=query)
    assert response.status_code in (400, 404), response.text
    assert words in response.json()["detail"]


@pytest.mark.parametrize(
    "query",
    [
        {"decision": "maybe"},
        {"purpose": "gossip"},
        {"since": "2026-01-02T00:00:00"},
        {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"limit": 100000},
        {"before_seq": -1},
        {"since": "yesterday"},
        {"person_id": "bad id!"},
        {"break_glass": "perhaps"},
        # Real times, but with no UTC equivalent a database can hold (year 0 or 10000): these
        # were 500s, the database driver failing to convert them.
        {"since": "0001-01-01T00:00:00+14:00"},
        {"since": "9999-12-31T23:59:59-14:00"},
        {"until": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59.999999-23:59"},
        {"since": "0001-01-01T00:00:00+14:00", "until": "9999-12-31T23:59:59-14:00"},
    ],
)
def test_a_bad_audit_filter_is_a_4xx_with_a_message(
    hub: PractitionerHub, query: dict[str, object]
) -> None:
    response = hub.client.get("/api/v1/governance/audit/events", headers=_ig(hub), params=query)
    assert response.status_code in (400, 422), response.text
    assert response.json()["detail"]


def test_only_a_json_true_closes_an_alert(hub: PractitionerHub) -> None:
    # "yes" or 1 closed an alert for good: closing is the IG officer's decision, not a guess.
    _activity(hub)
    url = "/api/v1/governance/alerts"
    [alert] = [
        a for a in hub.client.get(url, headers=_ig(hub)).json() if a["kind"] == "break_glass"
    ]
    for value in ("yes", 1, "true"):
        response = hub.client.post(
            f"{url}/{alert['id']}/acknowledge",
            headers=_ig(hub),
            json={"note": "Checked.", "close": value},
        )
        assert response.status_code == 422, response.text
    still_open = [a["id"] for a in hub.client.get(url, headers=_ig(hub)).json()]
    assert alert["id"] in still_open


def test_alert_queue_acknowledge_and_close(hub: PractitionerHub) -> None:
    _activity(hub)
    url = "/api/v1/governance/alerts"
    alerts = hub.client.get(url, headers=_ig(hub)).json()
    [alert] = [a for a in alerts if a["kind"] == "break_glass"]
    assert alert["status"] == "open" and alert["person_id"] == CLARE
    acked = hub.client.post(
        f"{url}/{alert['id']}/acknowledge",
        headers=_ig(hub),
        json={"note": "Checked with the team manager."},
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acknowledged"
    assert acked.json()["handled_by"] == username("ig_officer")
    assert hub.client.get(url, headers=_ig(hub)).json() == []
    assert len(hub.client.get(url, headers=_ig(hub), params={"status": "all"}).json()) == 1
    closed = hub.client.post(
        f"{url}/{alert['id']}/acknowledge",
        headers=_ig(hub),
        json={"note": "Justified emergency.", "close": True},
    )
    assert (
        closed.json()["status"] == "closed" and closed.json()["outcome"] == "Justified emergency."
    )
    again = hub.client.post(
        f"{url}/{alert['id']}/acknowledge", headers=_ig(hub), json={"note": "again"}
    )
    assert again.status_code == 400 and "closed already" in again.json()["detail"]
    with session_scope(hub.engine) as session:
        actions = list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("alert.%")))
        )
    assert actions == ["alert.acknowledge", "alert.close"]


def test_a_declared_relationship_raises_an_alert(hub: PractitionerHub) -> None:
    declared = hub.client.post(
        f"/api/v1/persons/{ANNE}/relationships",
        headers=hub.bearer("housing_officer", "housing_support"),
        json={"reason": "Allocated housing officer for the tenancy", "days": 30},
    )
    assert declared.status_code == 201, declared.text
    kinds = [
        a["kind"] for a in hub.client.get("/api/v1/governance/alerts", headers=_ig(hub)).json()
    ]
    assert "relationship_declared" in kinds


def test_the_alert_queue_pages_back_with_before_id(hub: PractitionerHub) -> None:
    # At most 200 at a time: a queue longer than that had alerts no client could reach.
    for n in range(5):
        declared = hub.client.post(
            f"/api/v1/persons/{ANNE}/relationships",
            headers=hub.bearer("housing_officer", "housing_support"),
            json={"reason": f"Allocated housing officer number {n}", "days": 30},
        )
        assert declared.status_code == 201, declared.text
    url = "/api/v1/governance/alerts"
    every = [a["id"] for a in hub.client.get(url, headers=_ig(hub)).json()]
    assert len(every) == 5
    seen: list[int] = []
    params: dict[str, object] = {"limit": 2}
    for _ in range(4):  # five alerts, two a page: three pages, then an empty one
        page = hub.client.get(url, headers=_ig(hub), params=params)
        assert page.status_code == 200, page.text
        ids = [a["id"] for a in page.json()]
        if not ids:
            break
        seen += ids
        params = {"limit": 2, "before_id": ids[-1]}
    assert seen == every
    bad = hub.client.get(url, headers=_ig(hub), params={"before_id": 0})
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/v1/governance/alerts/999999/acknowledge", {"note": "x"}, 404),
        ("/api/v1/governance/alerts/0/acknowledge", {"note": "x"}, 422),
        ("/api/v1/governance/alerts/1/acknowledge", {"note": ""}, 422),
        ("/api/v1/governance/alerts/1/acknowledge", {}, 422),
        ("/api/v1/governance/alerts/99999999999999999999/acknowledge", {"note": "x"}, 422),
    ],
)
def test_bad_alert_requests(hub: PractitionerHub, path: str, body: object, status: int) -> None:
    response = hub.client.post(path, headers=_ig(hub), json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


def test_alert_status_must_be_known(hub: PractitionerHub) -> None:
    response = hub.client.get("/api/v1/governance/alerts?status=pending", headers=_ig(hub))
    assert response.status_code == 400 and "status" in response.json()["detail"]


def test_agreements_list_and_show_with_readable_terms(hub: PractitionerHub) -> None:
    listed = hub.client.get("/api/v1/governance/agreements", headers=_ig(hub))
    assert listed.status_code == 200, listed.text
    found = {(a["id"], a["version"]): a for a in listed.json()}
    assert ("northbridge-council-services", 1) in found
    assert all(len(a["sha256"]) == 64 for a in found.values())
    shown = hub.client.get(
        "/api/v1/governance/agreements/northbridge-befriending", headers=_ig(hub)
    ).json()
    assert shown["summary"]["sha256"] == found[("northbridge-befriending", 1)]["sha256"]
    clause = {c["id"]: c for c in shown["clauses"]}["2.1"]
    assert clause["consent_required"] is True
    assert "with the resident's consent" in clause["plain"]
    assert "id: northbridge-befriending" in shown["text"]
    older = hub.client.get(
        "/api/v1/governance/agreements/northbridge-council-services?version=1", headers=_ig(hub)
    ).json()
    assert older["summary"]["version"] == 1
    # Version 1 is within its dates but superseded by version 2: policy no longer applies it,
    # and the IG officer must not be told it is in force.
    assert older["summary"]["in_force"] is False
    assert found[("northbridge-council-services", 1)]["in_force"] is False
    assert found[("northbridge-council-services", 2)]["in_force"] is True


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/governance/agreements/no-such-agreement", 404),
        ("/api/v1/governance/agreements/northbridge-befriending?version=99", 404),
        ("/api/v1/governance/agreements/northbridge-befriending?version=0", 422),
        ("/api/v1/governance/agreements/..%2Fetc", 404),
    ],
)
def test_bad_agreement_requests(hub: PractitionerHub, path: str, status: int) -> None:
    response = hub.client.get(path, headers=_ig(hub))
    assert response.status_code in (status, 422), response.text
    assert response.json()["detail"]


def test_chain_status_ok_then_tampered(hub: PractitionerHub) -> None:
    _activity(hub)
    ok = hub.client.get("/api/v1/governance/audit/verify", headers=_ig(hub)).json()
    assert ok["ok"] is True and ok["events"] >= 3 and ok["problems"] == []
    if hub.engine.dialect.name != "sqlite":
        return
    with hub.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
        triggers = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_events'")
        ).scalars()
        for name in list(triggers):
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        conn.execute(text("UPDATE audit_events SET purpose = 'planning' WHERE seq = 2"))
    bad = hub.client.get("/api/v1/governance/audit/verify", headers=_ig(hub)).json()
    assert bad["ok"] is False and bad["problems"][0]["seq"] == 2


GOVERNANCE_ROUTES = [
    "/api/v1/governance/audit/events",
    "/api/v1/governance/audit/verify",
    "/api/v1/governance/alerts",
    "/api/v1/governance/agreements",
    "/api/v1/governance/agreements/northbridge-befriending",
]


@pytest.mark.parametrize("role", ["social_worker", "gp", "reviewer", "admin", "resident"])
def test_only_an_ig_officer_may_use_the_governance_routes(hub: PractitionerHub, role: str) -> None:
    for route in GOVERNANCE_ROUTES:
        response = hub.client.get(route, headers=hub.bearer(role))
        assert response.status_code == 403, route
        assert (
            "IG officer" in response.json()["detail"] or "governance" in response.json()["detail"]
        )
