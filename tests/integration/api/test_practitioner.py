"""The practitioner API beyond the matrix: what lands on the audit trail, alerts, break-glass as
the resident sees it, households, the timeline, and how purpose is stated. SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.audit import queries
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import (
    AgreementVersion,
    Alert,
    AuditEvent,
    BreakGlassSession,
)
from tests.integration.api.auth_hub import sign_in
from tests.integration.api.practitioner_hub import (
    ANNE,
    ANNE_NHS,
    BOB,
    CLARE,
    OLD,
    PractitionerHub,
    make_practitioner_hub,
)

VIEW = f"/api/v1/persons/{ANNE}"


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    yield make_practitioner_hub(engine)


def _events(hub: PractitionerHub, **filters: object) -> list[AuditEvent]:
    with session_scope(hub.engine) as session:
        return list(reversed(queries.search(session, **filters)))  # type: ignore[arg-type]


def test_a_view_is_on_the_trail_with_what_was_released_and_why(hub: PractitionerHub) -> None:
    response = hub.client.get(
        VIEW,
        headers={
            **hub.bearer("housing_officer", "housing_support"),
            "X-Request-ID": "req-12345678",
        },
    )
    assert response.status_code == 200
    body = response.json()
    [event] = _events(hub, person_id=ANNE, action="person.view")
    assert event.actor == "housing.officer@example.org"
    assert (event.organisation, event.role) == ("northbridge-council", "housing_officer")
    assert (event.purpose, event.case_reference) == ("housing_support", "CASE-1")
    assert event.decision == "partial" == body["outcome"]
    assert sorted(event.categories) == sorted(body["released"])
    assert [a["id"] for a in event.agreements] == ["northbridge-council-services"]
    assert event.agreements == body["agreements"]
    assert event.request_id == "req-12345678"
    # The words the hash stands for are stored with the event that cites it.
    with session_scope(hub.engine) as session:
        stored = session.get(AgreementVersion, ("northbridge-council-services", 2))
        assert stored is not None and stored.sha256 == event.agreements[0]["sha256"]


def test_a_refused_view_is_on_the_trail_too(hub: PractitionerHub) -> None:
    response = hub.client.get(f"/api/v1/persons/{CLARE}", headers=hub.bearer("gp", "direct_care"))
    assert response.status_code == 200
    assert response.json()["outcome"] == "deny"
    [event] = _events(hub, person_id=CLARE)
    assert (event.decision, event.categories) == ("deny", [])


def test_household_members_are_decided_and_audited_in_their_own_right(
    hub: PractitionerHub,
) -> None:
    # Anne consented to the charity seeing her council tax for debt support; Bob did not.
    with session_scope(hub.engine) as session:
        from joinedup.audit import governance

        governance.record_choice(
            session, person_id=ANNE, kind="consent", purpose="debt_support", given=True,
            recorded_by="test",
        )  # fmt: skip
    body = hub.client.get(VIEW, headers=hub.bearer("charity_caseworker", "debt_support")).json()
    assert body["released"] == [
        "befriending/identity.core",  # the charity's own record of her
        "befriending/charity.befriending",
        "council_tax/identity.core",
        "council_tax/finance.council_tax",
    ]
    [bob] = body["household"]
    assert bob["person_id"] == BOB
    assert bob["given_name"] is None and bob["family_name"] is None
    # Why not, in words about the requester: not Bob's own choices (he has not consented).
    assert bob["withheld_reason"] == "Their name is not shared with you for this purpose."
    [event] = _events(hub, person_id=BOB)
    assert (event.action, event.decision, event.reason) == (
        "person.household",
        "deny",
        f"household of {ANNE}",
    )


def test_the_timeline_shows_versions_and_dated_attributes_newest_first(
    hub: PractitionerHub,
) -> None:
    body = hub.client.get(VIEW, headers=hub.bearer("housing_officer", "housing_support")).json()
    kinds = [(e["source"], e["kind"], e["description"]) for e in body["timeline"]]
    assert kinds == [
        ("council_tax", "record_updated", "Record updated (2)"),
        ("council_tax", "record_added", "Record added"),
        ("council_tax", "attribute", "Account opened"),
    ]
    [service] = body["services"]
    assert service["details"] == [{"band": "C", "account_opened": "2010-09-01"}]
    assert service["since"] < body["timeline"][0]["at"]


def test_a_search_writes_one_event_per_candidate_under_their_id_never_what_was_typed(
    hub: PractitionerHub,
) -> None:
    response = hub.client.get(
        "/api/v1/persons/search",
        params={"name": "Annie Walker", "postcode": "NB1 2AB"},
        headers=hub.bearer("social_worker"),
    )
    assert response.status_code == 200
    found = [(c["person_id"], c["grade"]) for c in response.json()["candidates"]]
    assert [pid for pid, _ in found] == [ANNE, BOB]  # "Annie" is a nickname of "Anne"
    events = _events(hub, action="person.search")
    # Bob's name was shown as a candidate too: his access log must say so, not only Anne's.
    assert [(e.person_id, e.decision, e.categories) for e in events] == [
        (ANNE, "permit", ["identity.search"]),
        (BOB, "permit", ["identity.search"]),
    ]
    assert [e.reason for e in events] == [
        f"searched on name, postcode; candidate {i} of 2: {pid} {grade}"
        for i, (pid, grade) in enumerate(found, start=1)
    ]
    assert len({e.request_id for e in events}) == 1
    with session_scope(hub.engine) as session:
        assert [entry.action for entry in queries.access_log(session, BOB)] == ["person.search"]


def test_a_search_that_finds_no_one_writes_one_event(hub: PractitionerHub) -> None:
    response = hub.client.get(
        "/api/v1/persons/search",
        params={"name": "Zed Nobody", "postcode": "NB1 2AB"},
        headers=hub.bearer("social_worker"),
    )
    assert response.json()["candidates"] == []
    [event] = _events(hub, action="person.search")
    assert (event.person_id, event.decision, event.categories) == (None, "none", [])
    assert event.reason == "searched on name, postcode; candidates: none"


def test_a_search_shows_only_what_identifies(hub: PractitionerHub) -> None:
    response = hub.client.get(
        "/api/v1/persons/search",
        params={"nhs_number": ANNE_NHS},
        headers=hub.bearer("social_worker"),
    )
    [candidate] = response.json()["candidates"]
    assert candidate == {
        "person_id": ANNE,
        "grade": "certain",
        "matched_on": ["nhs_number"],
        "given_name": "Anne",
        "family_name": "Walker",
        "year_of_birth": 1950,
        "date_of_birth": None,
        "postcode_district": "NB1",
    }


def test_break_glass_is_alerted_marked_on_every_view_and_shown_to_the_resident(
    hub: PractitionerHub,
) -> None:
    headers = hub.bearer("gp", "direct_care")
    response = hub.client.post(
        f"/api/v1/persons/{CLARE}/break-glass",
        json={"reason": "Collapsed in clinic and unable to give a history", "hours": 1},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    started = response.json()
    assert started["person_id"] == CLARE
    view = hub.client.get(f"/api/v1/persons/{CLARE}", headers=headers).json()
    assert view["break_glass_used"] is True
    assert "adult_social_care/social_care.adult" in view["released"]
    with session_scope(hub.engine) as session:
        [alert] = session.scalars(select(Alert).where(Alert.kind == "break_glass")).all()
        assert (alert.person_id, alert.status) == (CLARE, "open")
        assert "Collapsed" not in alert.summary
        log = queries.access_log(session, CLARE)
    assert [entry.action for entry in log] == ["person.view", "break_glass.start"]
    assert all(entry.break_glass for entry in log)
    assert log[1].reason == "break-glass: Collapsed in clinic and unable to give a history"


def test_breaking_the_glass_again_while_open_opens_nothing_new(hub: PractitionerHub) -> None:
    # A form sent twice, or a second tab: one session, one alert, one line for the resident.
    headers = hub.bearer("gp", "direct_care")
    url = f"/api/v1/persons/{CLARE}/break-glass"
    first = hub.client.post(
        url, json={"reason": "Collapsed in clinic and unable to give a history"}, headers=headers
    )
    again = hub.client.post(
        url, json={"reason": "Still unable to give a history, need her medication", "hours": 1},
        headers=headers,
    )  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert first.json()["already_open"] is False and again.json()["already_open"] is True
    same = ("id", "reason", "started_at", "expires_at")
    assert {k: again.json()[k] for k in same} == {k: first.json()[k] for k in same}
    # Another practitioner's session is their own, alerted in its own right.
    other = hub.client.post(
        url, json={"reason": "Collapsed in clinic and unable to give a history"},
        headers=hub.bearer("social_worker", "direct_care"),
    )  # fmt: skip
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    with session_scope(hub.engine) as session:
        assert len(session.scalars(select(BreakGlassSession)).all()) == 2
        assert len(session.scalars(select(Alert).where(Alert.kind == "break_glass")).all()) == 2
        log = queries.access_log(session, CLARE)
    assert [entry.action for entry in log] == ["break_glass.start", "break_glass.start"]


def test_a_refused_break_glass_is_on_the_trail_with_no_session_or_alert(
    hub: PractitionerHub,
) -> None:
    # A charity caseworker: no agreement releases Clare's social care record to the role.
    response = hub.client.post(
        f"/api/v1/persons/{CLARE}/break-glass",
        json={"reason": "Collapsed in clinic and unable to give a history", "hours": 1},
        headers=hub.bearer("charity_caseworker", "direct_care"),
    )
    assert response.status_code == 403, response.text
    with session_scope(hub.engine) as session:
        assert session.scalars(select(Alert)).all() == []
        assert session.scalars(select(BreakGlassSession)).all() == []
        log = queries.access_log(session, CLARE)
    assert [(e.action, e.decision, e.break_glass) for e in log] == [
        ("break_glass.refused", "deny", False)
    ]
    assert log[0].organisation == "northbridge-befriending"


def test_a_declared_relationship_alerts_the_ig_officer_and_opens_direct_care(
    hub: PractitionerHub,
) -> None:
    headers = hub.bearer("gp", "direct_care")
    before = hub.client.get(f"/api/v1/persons/{CLARE}", headers=headers).json()
    assert before["released"] == []
    response = hub.client.post(
        f"/api/v1/persons/{CLARE}/relationships",
        json={"reason": "Registered at the practice today", "days": 30},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"] == "gp@example.org"
    after = hub.client.get(f"/api/v1/persons/{CLARE}", headers=headers).json()
    assert after["released"] == [
        "adult_social_care/identity.core",
        "adult_social_care/social_care.adult",
    ]
    with session_scope(hub.engine) as session:
        kinds = session.scalars(select(Alert.kind)).all()
    assert kinds == ["relationship_declared"]
    [event] = _events(hub, action="relationship.declare")
    assert (event.person_id, event.reason) == (CLARE, "Registered at the practice today")


def test_token_clients_may_state_purpose_in_the_query(hub: PractitionerHub) -> None:
    response = hub.client.get(
        VIEW,
        params={"purpose": "housing_support", "case_reference": "HS-77"},
        headers=hub.bearer("housing_officer", None),
    )
    assert response.status_code == 200
    assert (response.json()["purpose"], response.json()["case_reference"]) == (
        "housing_support",
        "HS-77",
    )
    bad = hub.client.get(
        VIEW, params={"purpose": "fishing", "case_reference": "X"},
        headers=hub.bearer("housing_officer", None),
    )  # fmt: skip
    assert bad.status_code == 400
    assert "purpose" in bad.json()["detail"]


def test_a_web_session_uses_the_purpose_stated_on_the_purpose_page(hub: PractitionerHub) -> None:
    sign_in(hub.client, "social_worker", purpose="safeguarding")
    response = hub.client.get(VIEW)
    assert response.status_code == 200
    assert response.json()["purpose"] == "safeguarding"
    # A session cannot switch purpose per request in the URL.
    assert hub.client.get(VIEW, params={"purpose": "direct_care"}).status_code == 400


def test_a_retired_id_redirects_and_following_it_gives_the_view(hub: PractitionerHub) -> None:
    response = hub.client.get(f"/api/v1/persons/{OLD}", headers=hub.bearer("social_worker"))
    assert response.status_code == 200  # followed
    assert response.json()["person_id"] == ANNE
    assert response.history[0].status_code == 301
    # The redirect itself reads nothing personal, so only the followed view is audited.
    assert [e.person_id for e in _events(hub, action="person.view")] == [ANNE]


def test_nothing_personal_reaches_the_application_logs(
    hub: PractitionerHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    hub.client.get(VIEW, headers=hub.bearer("social_worker"))
    hub.client.get(
        "/api/v1/persons/search",
        params={"name": "Anne Walker", "date_of_birth": "1950-03-04"},
        headers=hub.bearer("social_worker"),
    )
    # httpx, the test's own client, logs the URL it sends; the server's loggers must not.
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "/persons" in text, "the access log was captured"
    for secret in ("Walker", "Anne", "1950-03-04", "NB1", ANNE_NHS):
        assert secret not in text


def test_concurrent_views_all_succeed_and_each_has_one_audit_row(hub: PractitionerHub) -> None:
    """Views in parallel queue for the audit chain rather than failing (SQLite's write lock)."""
    from concurrent.futures import ThreadPoolExecutor

    headers = hub.bearer("housing_officer", "housing_support")
    # One request first: a token's first use writes its "last used" time, which on SQLite
    # races between concurrent first uses in the shell's authentication (see the report).
    assert hub.client.get(VIEW, headers=headers).status_code == 200
    before = len(_events(hub, action="person.view", limit=1000))

    def view(_: int) -> int:
        return hub.client.get(VIEW, headers=headers).status_code

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(view, range(24)))
    assert codes == [200] * 24
    assert len(_events(hub, action="person.view", limit=1000)) == before + 24
