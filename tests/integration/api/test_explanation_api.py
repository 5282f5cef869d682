"""``GET /api/v1/persons/{id}/explanation`` beyond the matrix: what the evidence says, what it
must not name, the audit event, and failing closed. SQLite and PostgreSQL.

The borough is the practitioner hub's, with evidence written as a link run would: Anne's GP
record matched her council tax record, her social care record matched the GP record.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from joinedup.linkage.explain import write_evidence
from joinedup.services import access
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from joinedup.store.linkage_tables import LinkRun
from tests.integration.api.practitioner_hub import (
    ANNE,
    ANNE_SECRETS,
    CLARE,
    OLD,
    PractitionerHub,
    make_practitioner_hub,
)

WHY = f"/api/v1/persons/{ANNE}/explanation"
GP_WEIGHTS = {"name": 6.5, "date_of_birth": 8.2, "postcode": -2.1}


def _evidence(key: str, matched: str | None, basis: str = "model") -> dict[str, object]:
    scored = basis == "model"
    return {
        "record_key": key,
        "person_id": ANNE,
        "matched_record_key": matched,
        "match_probability": 0.999 if scored else None,
        "match_weight": 12.6 if scored else None,
        "field_weights": GP_WEIGHTS if scored else None,
        "basis": basis,
    }


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    made = make_practitioner_hub(engine)
    with session_scope(engine) as session:
        run = session.scalars(select(LinkRun)).one()
        rows = [
            _evidence("gp_registrations|G1", "council_tax|C1"),
            _evidence("adult_social_care|S1", "gp_registrations|G1"),
            _evidence("council_tax|C1", "gp_registrations|G1"),
            _evidence("befriending|B1", None, basis="alone"),
        ]
        write_evidence(session, run.id, rows)
    yield made


def _records(body: dict) -> dict[str, dict]:
    return {r["record_key"]: r for r in body["records"]}


def test_everything_released_is_explained_with_its_field_weights(hub: PractitionerHub) -> None:
    response = hub.client.get(WHY, headers=hub.bearer("social_worker", "safeguarding"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["person_id"], body["purpose"], body["outcome"]) == (
        ANNE,
        "safeguarding",
        "permit",
    )
    records = _records(body)
    assert set(records) == {
        "gp_registrations|G1",
        "adult_social_care|S1",
        "council_tax|C1",
        "befriending|B1",
    }
    gp = records["gp_registrations|G1"]
    assert gp["source_name"] == "GP registrations"
    assert (gp["matched_record_key"], gp["matched_hidden"]) == ("council_tax|C1", False)
    assert gp["field_weights"] == GP_WEIGHTS
    # The starting point is said, so the figures add up to the match weight.
    assert gp["start_weight"] + sum(GP_WEIGHTS.values()) == pytest.approx(gp["match_weight"])
    assert records["befriending|B1"]["basis"] == "alone"
    assert records["befriending|B1"]["start_weight"] is None
    # Evidence is about records, not their contents: no name, date or contact detail.
    for secret in ANNE_SECRETS:
        assert secret not in response.text


def test_a_match_in_a_source_not_released_is_not_named(hub: PractitionerHub) -> None:
    # Direct care for a social worker releases social care and GP records, not council tax.
    response = hub.client.get(WHY, headers=hub.bearer("social_worker", "direct_care"))
    assert response.status_code == 200, response.text
    records = _records(response.json())
    assert set(records) == {"gp_registrations|G1", "adult_social_care|S1"}
    gp = records["gp_registrations|G1"]
    assert (gp["matched_record_key"], gp["matched_hidden"]) == (None, True)
    assert "council_tax" not in response.text and "befriending" not in response.text


def test_a_match_in_a_service_not_even_listed_reads_as_no_match(hub: PractitionerHub) -> None:
    # A housing officer sees Anne's council tax, and nothing says she is registered with a GP:
    # "matched a record you cannot see" (and a probability, and an NHS number's weight) would.
    response = hub.client.get(WHY, headers=hub.bearer("housing_officer", "housing_support"))
    assert response.status_code == 200, response.text
    view = hub.client.get(
        f"/api/v1/persons/{ANNE}", headers=hub.bearer("housing_officer", "housing_support")
    ).json()
    assert not any(w["source"] == "gp_registrations" for w in view["withheld"])
    [tax] = response.json()["records"]
    assert tax["record_key"] == "council_tax|C1"
    assert (tax["basis"], tax["matched_record_key"], tax["matched_hidden"]) == (
        "alone",
        None,
        False,
    )
    assert (tax["match_probability"], tax["match_weight"], tax["field_weights"]) == (None, None, {})
    # Word for word what a record with nothing to match says.
    assert "gp_registrations" not in response.text and "GP" not in response.text


def test_a_sealed_source_released_to_no_one_here_leaves_the_outcome_alone(
    hub: PractitionerHub,
) -> None:
    # Clare is known to adult social care and council tax; a housing officer may see council
    # tax only. "partial" said there was more, which for her could only be a sealed service.
    response = hub.client.get(
        f"/api/v1/persons/{CLARE}/explanation",
        headers=hub.bearer("housing_officer", "housing_support"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "permit"
    with session_scope(hub.engine) as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.explain")
        ).all()
        assert event.decision == "partial"  # the trail keeps policy's own decision


def test_the_explanation_is_on_the_trail_as_its_own_access(hub: PractitionerHub) -> None:
    response = hub.client.get(
        WHY,
        headers={**hub.bearer("social_worker", "direct_care"), "X-Request-ID": "req-why-0001"},
    )
    assert response.status_code == 200
    with session_scope(hub.engine) as session:
        [event] = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.explain")
        ).all()
        assert (event.person_id, event.purpose, event.decision) == (ANNE, "direct_care", "partial")
        assert event.request_id == "req-why-0001"
        assert not [c for c in event.categories if c.startswith("finance.")]


def test_a_retired_id_points_at_the_explanation_of_the_person_it_became(
    hub: PractitionerHub,
) -> None:
    headers = hub.bearer("social_worker", "safeguarding")
    moved = hub.client.get(
        f"/api/v1/persons/{OLD}/explanation", headers=headers, follow_redirects=False
    )
    assert moved.status_code == 301
    assert moved.headers["location"] == WHY
    assert hub.client.get(moved.headers["location"], headers=headers).status_code == 200


def test_no_explanation_leaves_without_its_audit_event(
    hub: PractitionerHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("audit lock timed out")

    monkeypatch.setattr(access, "append", broken)
    response = hub.client.get(WHY, headers=hub.bearer("social_worker", "safeguarding"))
    assert response.status_code == 503
    assert "gp_registrations" not in response.text and "G1" not in response.text
