"""The household's batched policy inputs agree with the one-person repository function.

``audit.decision_inputs.policy_inputs_for`` reads relationships, choices and break-glass for several
persons in three queries; ``audit.decision_inputs.policy_inputs`` is the reference, one person at a
time. Rows of every kind — current, expired, ended, for another organisation, for another user,
a choice history — must give the same inputs through both.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Engine

from joinedup.audit import governance
from joinedup.audit.decision_inputs import policy_inputs, policy_inputs_for
from joinedup.services.actor import Actor
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope

PERSONS = ("P1", "P2", "P3", "P4")
ORG, OTHER_ORG = "northbridge-council", "nhs-northbridge-icb"
ME = Actor(user="sw@example.org", organisation=ORG, role="social_worker", purpose="safeguarding")


def _rows(engine: Engine) -> None:
    now = utcnow()
    with session_scope(engine) as session:

        def declare(person: str, org: str, days: int, actor: str | None = None) -> None:
            governance.declare_relationship(
                session,
                person_id=person,
                organisation=org,
                reason="Allocated worker",
                expires_at=now + timedelta(days=days),
                declared_by="ig@example.org",
                actor=actor,
                starts_at=now - timedelta(days=10),
                now=now - timedelta(days=10),
            )

        declare("P1", ORG, 30)
        declare("P1", ORG, 30, actor="someone.else@example.org")
        declare("P2", ORG, 30, actor=ME.user)
        declare("P2", OTHER_ORG, 30)
        declare("P3", ORG, 5)
        for at, given in ((now - timedelta(days=3), True), (now - timedelta(days=1), False)):
            governance.record_choice(
                session,
                person_id="P1",
                kind="objection",
                purpose="debt_support",
                given=given,
                recorded_by="P1",
                at=at,
            )
        governance.record_choice(
            session,
            person_id="P3",
            kind="consent",
            purpose="safeguarding",
            given=True,
            recorded_by="P3",
            source="befriending",
            at=now - timedelta(days=2),
        )
        for person, actor in (("P2", ME.user), ("P3", "someone.else@example.org")):
            governance.start_break_glass(
                session,
                actor=actor,
                organisation=ORG,
                role="social_worker",
                person_id=person,
                reason="Found unconscious at home",
                now=now - timedelta(minutes=5),
            )


def test_batched_inputs_equal_the_reference_for_every_person(engine: Engine) -> None:
    _rows(engine)
    now = utcnow()
    with session_scope(engine) as session:
        batched = policy_inputs_for(session, PERSONS, actor=ME.user, organisation=ORG, now=now)
        for person in PERSONS:
            reference = policy_inputs(
                session, person_id=person, actor=ME.user, organisation=ORG, now=now
            )
            assert batched[person].choices == reference.choices, person
            assert batched[person].break_glass == reference.break_glass, person
            assert sorted(batched[person].relationships, key=repr) == sorted(
                reference.relationships, key=repr
            ), person
    assert batched["P1"].relationships and batched["P2"].break_glass
    assert len(batched["P1"].choices) == 2 and batched["P4"] == reference
