"""The reviewer's API over ``linkage.review``: the queue riskiest first, one pair, a decision.

Review items are inserted directly into the tiny Northbridge of ``practitioner_hub``: a weak link
inside Anne (her GP and council tax records) and an uncertain pair between Bob and Clare.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.linkage import review
from joinedup.services.review_service import compare_fields
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from joinedup.store.linkage_tables import LinkRun, MatchEvidence, ReviewDecision, ReviewItem
from tests.integration.api.auth_hub import sign_in, username
from tests.integration.api.practitioner_hub import (
    ANNE,
    BOB,
    CLARE,
    PractitionerHub,
    end_record,
    make_practitioner_hub,
)

WEAK = ("council_tax|C1", "gp_registrations|G1")
UNCERTAIN = ("adult_social_care|S3", "council_tax|C2")


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    hub = make_practitioner_hub(engine)
    with session_scope(engine) as session:
        run_id = session.scalars(select(LinkRun.id)).first()
        session.add_all(
            [
                ReviewItem(record_key_l=WEAK[0], record_key_r=WEAK[1], match_weight=6.1,
                           match_probability=0.985, reason="weak_link", risk=1.7,
                           status="open", run_id=run_id, person_id=ANNE),
                ReviewItem(record_key_l=UNCERTAIN[0], record_key_r=UNCERTAIN[1],
                           match_weight=0.2, match_probability=0.53, reason="uncertain",
                           risk=0.94, status="open", run_id=run_id, person_id=None),
                MatchEvidence(record_key=WEAK[1], person_id=ANNE, run_id=run_id,
                              matched_record_key=WEAK[0], match_probability=0.985,
                              match_weight=6.1, field_weights={"dob": 7.2, "name": 4.0},
                              basis="model"),
            ]
        )  # fmt: skip
    yield hub
    hub.client.close()


def _reviewer(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("reviewer", None)


def _item_ids(hub: PractitionerHub) -> list[int]:
    return [i["id"] for i in hub.client.get("/api/v1/review/items", headers=_reviewer(hub)).json()]


def test_queue_is_riskiest_first_and_holds_no_personal_data(hub: PractitionerHub) -> None:
    response = hub.client.get("/api/v1/review/items", headers=_reviewer(hub))
    assert response.status_code == 200, response.text
    items = response.json()
    assert [(i["record_l"], i["record_r"]) for i in items] == [WEAK, UNCERTAIN]
    assert "Walker" not in response.text
    assert (
        hub.client.get("/api/v1/review/items?limit=1", headers=_reviewer(hub)).json()[0]["reason"]
        == "weak_link"
    )


def test_the_queue_pages_by_offset_and_says_how_many_are_open(hub: PractitionerHub) -> None:
    response = hub.client.get("/api/v1/review/items?limit=1&offset=1", headers=_reviewer(hub))
    assert response.status_code == 200, response.text
    assert [(i["record_l"], i["record_r"]) for i in response.json()] == [UNCERTAIN]
    assert response.headers["X-Total-Count"] == "2"
    past = hub.client.get("/api/v1/review/items?offset=2", headers=_reviewer(hub))
    assert past.json() == [] and past.headers["X-Total-Count"] == "2"


def test_an_item_shows_both_records_side_by_side_with_evidence_and_is_audited(
    hub: PractitionerHub,
) -> None:
    weak_id = _item_ids(hub)[0]
    response = hub.client.get(f"/api/v1/review/items/{weak_id}", headers=_reviewer(hub))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["left"]["record_key"] == WEAK[0] and body["right"]["record_key"] == WEAK[1]
    assert body["left"]["person_id"] == ANNE == body["right"]["person_id"]
    assert body["right"]["evidence_matched"] == WEAK[0]
    assert body["right"]["field_weights"] == {"dob": 7.2, "name": 4.0}
    # The fields' weights add up to +11.2, the total is +6.1: the model's starting point (the
    # odds two records picked at random are one person) is said, so the figures reconcile.
    assert body["right"]["evidence_start_weight"] == pytest.approx(6.1 - 11.2)
    assert body["left"]["evidence_start_weight"] is None  # no evidence row for C1
    fields = {c["field"]: c["agreement"] for c in body["comparison"]}
    assert fields["family_name"] == "same"
    assert fields["nhs_number"] == "one_missing"
    assert body["decision_in_force"] is None
    with session_scope(hub.engine) as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "review.view"))
        assert event.person_id == ANNE and event.role == "reviewer"
        assert sorted(event.categories) == [
            "council_tax/identity.core",
            "gp_registrations/identity.core",
        ]


@pytest.mark.parametrize("step", ["view", "decide"])
def test_a_pair_of_two_persons_records_is_in_each_persons_access_log(
    hub: PractitionerHub, step: str
) -> None:
    # UNCERTAIN pairs Clare's social care record with Bob's council tax record: the reviewer
    # sees both, so both find it in their access log (it named Clare only).
    uncertain_id = _item_ids(hub)[1]
    if step == "view":
        response = hub.client.get(f"/api/v1/review/items/{uncertain_id}", headers=_reviewer(hub))
    else:
        response = hub.client.post(
            f"/api/v1/review/items/{uncertain_id}/decision",
            headers=_reviewer(hub),
            json={"decision": "not-link"},
        )
    assert response.status_code in (200, 201), response.text
    with session_scope(hub.engine) as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.action == f"review.{step}"))
        )
    assert sorted(e.person_id or "" for e in events) == sorted([BOB, CLARE])
    assert len({e.request_id for e in events}) == 1


def test_a_decision_is_recorded_in_the_reviewers_name_and_obeyed(hub: PractitionerHub) -> None:
    uncertain_id = _item_ids(hub)[1]
    response = hub.client.post(
        f"/api/v1/review/items/{uncertain_id}/decision",
        headers=_reviewer(hub),
        json={"decision": "not-link", "note": "Different people at different addresses."},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["reviewer"] == username("reviewer") and body["decision"] == "not-link"
    assert body["warning"] is None
    assert _item_ids(hub) == [i for i in _item_ids(hub) if i != uncertain_id]
    with session_scope(hub.engine) as session:
        assert review.decisions_in_force(session)[UNCERTAIN] == "not-link"
        actions = list(session.scalars(select(AuditEvent.action)))
        reasons = set(session.scalars(select(AuditEvent.reason)))
        [decided] = session.scalars(select(ReviewDecision.id))
    assert actions == ["review.decide", "review.decide"]  # one for Clare, one for Bob
    # An auditor finds the stored decision (and its note) from the trail, the note not on it.
    assert reasons == {
        f"linkage review item {uncertain_id}, decision {decided} on "
        "adult_social_care|S3 ~ council_tax|C2: not-link"
    }
    detail = hub.client.get(f"/api/v1/review/items/{uncertain_id}", headers=_reviewer(hub))
    assert detail.json()["status"] == "decided"
    assert detail.json()["decision_in_force"] == "not-link"


def test_a_decision_made_since_the_caller_looked_is_409_naming_it(hub: PractitionerHub) -> None:
    uncertain_id = _item_ids(hub)[1]
    url = f"/api/v1/review/items/{uncertain_id}"
    assert hub.client.get(url, headers=_reviewer(hub)).json()["decision_id"] is None
    with session_scope(hub.engine) as session:
        review.decide(session, UNCERTAIN, "not-link", "bob")
    stale = hub.client.post(
        f"{url}/decision", headers=_reviewer(hub), json={"decision": "link", "seen": None}
    )
    assert stale.status_code == 409, stale.text
    assert stale.json()["detail"].startswith(
        "adult_social_care|S3 ~ council_tax|C2 was decided not-link by bob on "
    )
    shown = hub.client.get(url, headers=_reviewer(hub)).json()
    assert (shown["decision_in_force"], shown["decided_by"]) == ("not-link", "bob")
    fresh = hub.client.post(
        f"{url}/decision",
        headers=_reviewer(hub),
        json={"decision": "link", "seen": shown["decision_id"]},
    )
    assert fresh.status_code == 201, fresh.text
    with session_scope(hub.engine) as session:
        assert review.decisions_in_force(session)[UNCERTAIN] == "link"


def test_a_decision_contradicting_those_in_force_is_409_naming_them(hub: PractitionerHub) -> None:
    # Bob's S3 and Clare's C2 are each linked to C1 by a reviewer: keeping them apart would
    # contradict those links.
    with session_scope(hub.engine) as session:
        review.decide(session, (UNCERTAIN[0], WEAK[0]), "link", "bob")
        review.decide(session, (UNCERTAIN[1], WEAK[0]), "link", "dave")
    uncertain_id = _item_ids(hub)[1]
    response = hub.client.post(
        f"/api/v1/review/items/{uncertain_id}/decision",
        headers=_reviewer(hub),
        json={"decision": "not-link"},
    )
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert detail.startswith(
        "adult_social_care|S3 ~ council_tax|C2 cannot be decided not-link: reviewers' link "
        "decisions put its two records in one person"
    )
    assert "adult_social_care|S3 ~ council_tax|C1 (link by bob on " in detail
    assert "council_tax|C1 ~ council_tax|C2 (link by dave on " in detail
    assert "decide its pair again first" in detail
    with session_scope(hub.engine) as session:
        assert UNCERTAIN not in review.decisions_in_force(session)
        assert not list(session.scalars(select(AuditEvent.action)))
    assert uncertain_id in _item_ids(hub)  # still open


def test_a_decision_on_a_record_no_longer_current_is_recorded_with_a_warning(
    hub: PractitionerHub,
) -> None:
    end_record(hub.engine, "gp_registrations", "G1")  # a full extract of the GP register
    weak_id = _item_ids(hub)[0]
    response = hub.client.post(
        f"/api/v1/review/items/{weak_id}/decision",
        headers=_reviewer(hub),
        json={"decision": "not-link"},
    )
    assert response.status_code == 201, response.text
    warning = response.json()["warning"]
    assert warning.startswith("gp_registrations|G1 is not current")
    assert "will apply if the record comes back" in warning
    with session_scope(hub.engine) as session:
        assert review.decisions_in_force(session)[WEAK] == "not-link"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/review/items/999999", None, 404),
        ("GET", "/api/v1/review/items/0", None, 422),
        ("GET", "/api/v1/review/items/abc", None, 422),
        ("GET", "/api/v1/review/items?limit=0", None, 422),
        ("GET", "/api/v1/review/items?offset=-1", None, 422),
        ("POST", "/api/v1/review/items/999999/decision", {"decision": "link"}, 404),
        ("POST", "/api/v1/review/items/1/decision", {"decision": "maybe"}, 422),
        ("POST", "/api/v1/review/items/1/decision", {"decision": "link", "x": 1}, 422),
        ("POST", "/api/v1/review/items/1/decision", {"decision": "link", "note": "x" * 1001}, 422),
        ("POST", "/api/v1/review/items/1/decision", {"decision": "link", "note": "a\x00b"}, 400),
        ("POST", "/api/v1/review/items/1/decision", {"decision": "link", "note": "\x1b[2J"}, 400),
    ],
)
def test_bad_review_requests_are_4xx_with_a_message(
    hub: PractitionerHub, method: str, path: str, body: object, status: int
) -> None:
    response = hub.client.request(method, path, headers=_reviewer(hub), json=body)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize("role", ["social_worker", "gp", "ig_officer", "admin", "resident"])
def test_only_a_reviewer_may_use_the_review_routes(hub: PractitionerHub, role: str) -> None:
    for method, path, body in (
        ("GET", "/api/v1/review/items", None),
        ("GET", "/api/v1/review/items/1", None),
        ("POST", "/api/v1/review/items/1/decision", {"decision": "link"}),
    ):
        response = hub.client.request(method, path, headers=hub.bearer(role), json=body)
        assert response.status_code == 403, path
        assert "reviewer" in response.json()["detail"]


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ({"family_name": "Walker"}, {"family_name": "WALKER "}, {"family_name": "same"}),
        ({"family_name": "Walker"}, {"family_name": "Walken"}, {"family_name": "different"}),
        ({"postcode": "NB1 2AB"}, {}, {"postcode": "one_missing"}),
        ({"phones": ["+44 1", "+44 2"]}, {"phones": ["+44 2", "+44 1"]}, {"phones": "same"}),
        ({}, {}, {}),
    ],
)
def test_compare_fields(left: dict, right: dict, expected: dict) -> None:
    assert {c.field: c.agreement for c in compare_fields(left, right)} == expected


def test_bob_is_unaffected_by_reading_the_queue(hub: PractitionerHub) -> None:
    hub.client.get("/api/v1/review/items", headers=_reviewer(hub))
    with session_scope(hub.engine) as session:
        assert not list(session.scalars(select(AuditEvent).where(AuditEvent.person_id == BOB)))


def test_the_item_pages_evidence_chart_starts_at_the_prior_and_adds_up(
    hub: PractitionerHub,
) -> None:
    # G1's evidence: dob +7.2 and name +4.0 from a start of -5.1 make +6.1, which is the
    # probability shown (98.5%, as stored; 2^6.1 / (1 + 2^6.1) is 98.6%, rounding apart).
    client = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(client, "reviewer")
    page = client.get(f"/review/{_item_ids(hub)[0]}")
    assert page.status_code == 200, page.text[:1000]
    chart = page.text.split('id="evidence-b"', 1)[1].split("</figure>", 1)[0]
    listed = re.findall(r'<dt class="govuk-summary-list__key">([^<]+)</dt>', chart)
    assert listed == [
        "Starting point: two records picked at random",
        "Date of birth",
        "Name",
        "Total",
    ]
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*'
        r'<td class="govuk-table__cell[^"]*">([^<]+)</td>',
        chart,
    )
    figures = {label: float(value) for label, value in rows}
    total = figures.pop("Total (match probability 98.5%)")
    assert list(figures.values()) == [-5.1, 7.2, 4.0]
    assert sum(figures.values()) == pytest.approx(total) == pytest.approx(6.1)
    assert 2**total / (1 + 2**total) == pytest.approx(0.985, abs=0.005)
    assert "+6.1: match probability 98.5%" in chart
