"""Governance records round-trip into policy inputs, and bad requests get clear errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from joinedup.audit import governance as gov
from joinedup.audit.decision_inputs import policy_inputs
from joinedup.policy import decide, load_agreements
from joinedup.services.agreements_store import SHIPPED
from joinedup.store.db import session_scope
from tests.integration.audit.helpers import T0
from tests.unit.policy.builders import request

EXAMPLES = SHIPPED


def test_relationship_choice_and_break_glass_feed_decide(engine: Engine) -> None:
    with session_scope(engine) as session:
        gov.declare_relationship(
            session,
            person_id="p1",
            organisation="icb",
            reason="new patient",
            expires_at=T0 + timedelta(days=30),
            declared_by="u-gp",
            now=T0,
        )
        gov.record_choice(
            session,
            person_id="p1",
            kind="consent",
            purpose="direct_care",
            given=True,
            recorded_by="p1",
            at=T0,
        )
        gov.record_choice(
            session,
            person_id="p1",
            kind="objection",
            purpose="housing_support",
            given=True,
            recorded_by="p1",
            at=T0,
        )
        gov.start_break_glass(
            session,
            actor="u-gp",
            organisation="icb",
            role="gp",
            person_id="p1",
            reason="collapsed",
            now=T0,
        )
    with session_scope(engine) as session:
        inputs = policy_inputs(
            session, person_id="p1", actor="u-gp", organisation="icb", now=T0 + timedelta(minutes=5)
        )
        kinds = [a.kind for a in gov.alerts(session)]
    assert len(inputs.relationships) == 1 and inputs.relationships[0].reason == "new patient"
    assert {(c.kind, c.purpose) for c in inputs.choices} == {
        ("consent", "direct_care"),
        ("objection", "housing_support"),
    }
    assert inputs.break_glass is not None and inputs.break_glass.reason == "collapsed"
    assert sorted(kinds) == ["break_glass", "relationship_declared"]
    decision = decide(
        request(
            now=T0 + timedelta(minutes=5),
            relationships=inputs.relationships,
            choices=inputs.choices,
        )
    )
    assert decision.allows("befriending", "charity.befriending")  # consent now recorded


def test_ended_expired_and_other_users_relationships_do_not_count(engine: Engine) -> None:
    with session_scope(engine) as session:
        ended = gov.declare_relationship(
            session,
            person_id="p1",
            organisation="icb",
            reason="r",
            declared_by="a",
            expires_at=T0 + timedelta(days=1),
            now=T0,
        )
        gov.end_relationship(session, ended.id, by="a", now=T0)
        gov.declare_relationship(
            session,
            person_id="p1",
            organisation="icb",
            reason="r",
            declared_by="a",
            expires_at=T0 + timedelta(hours=1),
            now=T0,
        )
        gov.declare_relationship(
            session,
            person_id="p1",
            organisation="icb",
            reason="r",
            declared_by="a",
            actor="someone-else",
            expires_at=T0 + timedelta(days=1),
            now=T0,
        )
    with session_scope(engine) as session:
        later = policy_inputs(
            session, person_id="p1", actor="u-gp", organisation="icb", now=T0 + timedelta(hours=2)
        )
    assert later.relationships == ()
    assert later.break_glass is None


def test_choice_history_and_current_choices(engine: Engine) -> None:
    with session_scope(engine) as session:
        for minutes, given in ((0, True), (10, False)):
            gov.record_choice(
                session,
                person_id="p1",
                kind="objection",
                purpose="planning",
                given=given,
                recorded_by="p1",
                at=T0 + timedelta(minutes=minutes),
            )
    with session_scope(engine) as session:
        assert [c.given for c in gov.choice_history(session, "p1")] == [True, False]
        (current,) = gov.current_choices(session, "p1")
        assert current.given is False


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda s: gov.record_choice(
                s, person_id="p", kind="whim", purpose="planning", given=True, recorded_by="p"
            ),
            "objection or a consent",
        ),
        (
            lambda s: gov.record_choice(
                s, person_id="p", kind="consent", purpose="fun", given=True, recorded_by="p"
            ),
            "unknown purpose",
        ),
        (
            lambda s: gov.start_break_glass(
                s, actor="a", organisation="o", role="gp", person_id="p", reason=" "
            ),
            "reason is required",
        ),
        (
            lambda s: gov.start_break_glass(
                s,
                actor="a",
                organisation="o",
                role="gp",
                person_id="p",
                reason="x",
                duration=timedelta(hours=5),
            ),
            "at most",
        ),
        (
            lambda s: gov.declare_relationship(
                s,
                person_id="p",
                organisation="o",
                reason="x",
                declared_by="a",
                expires_at=T0,
                now=T0,
            ),
            "expire after it starts",
        ),
        (
            lambda s: gov.declare_relationship(
                s,
                person_id="p",
                organisation="o",
                reason="x",
                declared_by="a",
                now=T0,
                expires_at=T0 + timedelta(days=400),
            ),
            "at most",
        ),
        (lambda s: gov.handle_alert(s, 999, by="ig", status="closed", outcome="ok"), "no alert"),
        (lambda s: gov.handle_alert(s, 1, by="ig", status="open"), "acknowledged or closed"),
    ],
)
def test_bad_requests_are_refused(engine: Engine, call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(gov.GovernanceError, match=message), session_scope(engine) as session:
        call(session)


def test_alerts_are_handled(engine: Engine) -> None:
    with session_scope(engine) as session:
        alert = gov.raise_alert(
            session, kind="break_glass", actor="a", organisation="o", summary="s", now=T0
        )
        with pytest.raises(gov.GovernanceError, match="needs an outcome"):
            gov.handle_alert(session, alert.id, by="ig", status="closed")
        gov.handle_alert(session, alert.id, by="ig", status="closed", outcome="justified")
    with session_scope(engine) as session:
        assert gov.alerts(session) == []
        (closed,) = gov.alerts(session, status="closed")
        assert (closed.handled_by, closed.outcome) == ("ig", "justified")


def test_agreement_versions_are_recorded_once(engine: Engine, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        added = gov.record_agreement_versions(session, EXAMPLES)
        assert {(a.agreement_id, a.version) for a in added} == {
            (a.id, a.version) for a in load_agreements(EXAMPLES)
        }
        assert gov.record_agreement_versions(session, EXAMPLES) == []
    changed = tmp_path / "nb.yaml"
    original = (EXAMPLES / "northbridge-befriending.yaml").read_text()
    changed.write_text(original.replace("title: Northbridge", "title: Changed Northbridge"))
    with pytest.raises(gov.GovernanceError, match="bump the version"), session_scope(engine) as s:
        gov.record_agreement_versions(s, tmp_path)
