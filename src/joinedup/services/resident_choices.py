"""The resident's choices: objections and consents per purpose, their history, and where an
agreement asks for consent or overrides an objection — as policy reads them, so a page never
says something other than what ``policy.decide`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy.orm import Session

from joinedup.audit.decision_inputs import ChoiceOnRecord, choices_of
from joinedup.audit.governance import CHOICE_KINDS, CHOICE_RECORDED, record_choice
from joinedup.audit.log import NewEvent
from joinedup.policy.engine import agreements_in_force, choice_in_effect
from joinedup.policy.request import ChoiceKind, ResidentChoice
from joinedup.policy.vocabulary import PURPOSES
from joinedup.services.access import (
    audit,
    member_keys,
)
from joinedup.services.actor import (
    Actor,
    ServiceError,
)
from joinedup.services.agreements_store import current_agreements
from joinedup.services.resident import audit_own_read, own_person_id
from joinedup.services.text import has_control_characters
from joinedup.store.base import utcnow

NOTE_MAX = 500


@dataclass(frozen=True)
class ChoiceEntry:
    """An objection or consent, given or withdrawn, at a time."""

    kind: str
    purpose: str
    purpose_description: str
    source: str | None
    given: bool
    at: datetime
    by_resident: bool
    note: str | None
    # Made under an id that held some of the resident's records while linkage had joined them
    # with another person's; kept to be safe, the resident may take it back.
    inherited: bool = False


@dataclass(frozen=True)
class ConsentAsked:
    """A place where an agreement shares the resident's data only with their consent."""

    purpose: str
    source: str
    agreement: str
    clause: str
    recipients: tuple[str, ...]


@dataclass(frozen=True)
class ObjectionOverridden:
    """A place where an agreement shares the resident's data for a purpose even if they object,
    on stated grounds (a clause with ``objection: override``, such as safeguarding)."""

    purpose: str
    source: str
    agreement: str
    clause: str
    grounds: str


@dataclass(frozen=True)
class MyChoices:
    """The resident's choices in force, their history, where consent is asked for, and where
    an objection would not stop the sharing."""

    person_id: str
    current: tuple[ChoiceEntry, ...]
    history: tuple[ChoiceEntry, ...]
    consent_asked: tuple[ConsentAsked, ...]
    objection_overridden: tuple[ObjectionOverridden, ...] = ()

    def in_effect(self, kind: str, purpose: str, source: str | None = None) -> bool:
        """Whether policy now treats ``kind`` for ``purpose`` as given for ``source`` (for a
        choice about every source when ``None``): the rule ``decide`` applies, so that a page
        never says "you said yes" where sharing is refused, or the reverse."""
        return choice_in_effect(
            (
                ResidentChoice(cast(ChoiceKind, c.kind), c.purpose, c.given, c.at, c.source)
                for c in self.history
            ),
            kind,
            purpose,
            source or "",
            utcnow(),
        )


def policy_choices(session: Session, person_id: str) -> tuple[ResidentChoice, ...]:
    """The choices of ``person_id`` as policy reads them (``audit.decision_inputs.choices_of``)."""
    return tuple(
        ResidentChoice(
            cast(ChoiceKind, c.row.kind), c.row.purpose, c.row.given, c.row.at, c.row.source
        )
        for c in choices_of(session, person_id)
    )


def _choice(choice: ChoiceOnRecord, actor: Actor) -> ChoiceEntry:
    row = choice.row
    return ChoiceEntry(
        kind=row.kind,
        purpose=row.purpose,
        purpose_description=PURPOSES[row.purpose].description
        if row.purpose in PURPOSES
        else row.purpose,
        source=row.source,
        given=row.given,
        at=row.at,
        by_resident=row.recorded_by == actor.user and not choice.inherited,
        note=row.note,
        inherited=choice.inherited,
    )


def consent_asked(held_sources: set[str]) -> tuple[ConsentAsked, ...]:
    """Where an agreement in force shares one of ``held_sources`` only with consent."""
    out: list[ConsentAsked] = []
    for agreement in agreements_in_force(current_agreements(), utcnow()):
        for clause in agreement.clauses:
            if clause.consent_required and clause.source in held_sources:
                out.extend(
                    ConsentAsked(
                        purpose, clause.source, agreement.ref, clause.id, clause.recipients
                    )
                    for purpose in clause.purposes
                )
    return tuple(sorted(set(out), key=lambda c: (c.purpose, c.source, c.agreement, c.clause)))


def objection_overridden(held_sources: set[str]) -> tuple[ObjectionOverridden, ...]:
    """Where an agreement in force shares one of ``held_sources`` for a purpose whatever the
    resident says: they must be told before they object, not find out afterwards."""
    out: list[ObjectionOverridden] = []
    for agreement in agreements_in_force(current_agreements(), utcnow()):
        for clause in agreement.clauses:
            if clause.objection == "override" and clause.source in held_sources:
                out.extend(
                    ObjectionOverridden(
                        purpose,
                        clause.source,
                        agreement.ref,
                        clause.id,
                        clause.override_grounds or "",
                    )
                    for purpose in clause.purposes
                )
    return tuple(sorted(set(out), key=lambda o: (o.purpose, o.source, o.agreement, o.clause)))


def my_choices(session: Session, actor: Actor, *, audit_read: bool = True) -> MyChoices:
    """The resident's objections and consents in force, their full history, and where consent
    is asked for. Audited as ``resident.choices`` (unless ``audit_read`` is false)."""
    person_id = own_person_id(session, actor, ended_too=True)
    if audit_read:
        audit_own_read(session, actor, person_id, action="resident.choices")
    return choices_for(session, actor, person_id)


def choices_for(session: Session, actor: Actor, person_id: str) -> MyChoices:
    """The choices of ``person_id`` as ``actor`` sees them (no audit: the caller audits).

    Choices made under an id since merged into ``person_id``, and objections inherited with
    records that another id held (a split: ``inherited``), are included: policy obeys them
    (:func:`joinedup.audit.decision_inputs.choices_of`), so the resident sees them.
    """
    entries = [_choice(choice, actor) for choice in choices_of(session, person_id)]
    keys = member_keys(session, [person_id])[person_id]
    held = {key.split("|", 1)[0] for key in keys}
    return MyChoices(
        person_id=person_id,
        current=in_force(entries),
        history=tuple(entries),
        consent_asked=consent_asked(held),
        objection_overridden=objection_overridden(held),
    )


def in_force(history: Sequence[ChoiceEntry]) -> tuple[ChoiceEntry, ...]:
    """The choices of ``history`` (oldest first) that policy still applies, sorted.

    The latest per (kind, purpose, source), except a choice about one source made before a
    later one about every source for the same kind and purpose: policy takes the latest choice
    whatever its scope (:func:`joinedup.policy.engine.choice_in_effect`), so a consent to one
    service withdrawn "for every service" is withdrawn, and must not be listed as given.
    """
    latest: dict[tuple[str, str, str | None], ChoiceEntry] = {}
    for entry in history:
        latest[(entry.kind, entry.purpose, entry.source)] = entry
    current = [
        entry
        for entry in latest.values()
        if entry.source is None
        or (general := latest.get((entry.kind, entry.purpose, None))) is None
        or entry.at >= general.at
    ]
    return tuple(sorted(current, key=lambda c: (c.kind, c.purpose, c.source or "")))


def record_my_choice(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    purpose: str,
    given: bool,
    source: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> MyChoices:
    """Record the resident's objection or consent (given or withdrawn); effective at once.

    The history keeps every change (a change of mind is a new row). A consent is accepted only
    where an agreement in force asks for it for that purpose (and source, when one is named);
    an objection may be made to any purpose, for all sources or one that holds the resident's
    data. Audited as ``choice.record`` in the same unit of work; the next decision reads it.
    """
    person_id = own_person_id(session, actor)
    if kind not in CHOICE_KINDS:
        raise ServiceError(f"A choice is an objection or a consent, not {kind!r}.")
    if purpose not in PURPOSES:
        raise ServiceError(
            f"{purpose!r} is not a purpose; choose one of {', '.join(sorted(PURPOSES))}."
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise ServiceError(f"A note may be at most {NOTE_MAX} characters.")
    if note is not None and has_control_characters(note):
        raise ServiceError("The note holds control characters: write it in ordinary text.")
    keys = member_keys(session, [person_id])[person_id]
    held = {key.split("|", 1)[0] for key in keys}
    # Taking a choice back is always possible (UK GDPR Art. 7(3): as easy as giving it), for a
    # service that no longer holds the resident's records or under an agreement no longer
    # asking: were either to come back, the consent or objection would be in force again.
    made_before = {c.row.source for c in choices_of(session, person_id) if c.row.source}
    if source is not None and source not in held and (given or source not in made_before):
        raise ServiceError(f"No service called {source!r} holds records about you.")
    if kind == "consent" and given:
        asked = [
            c for c in consent_asked(held) if c.purpose == purpose and source in (None, c.source)
        ]
        if not asked:
            raise ServiceError(
                f"No agreement asks for your consent to share for {purpose}"
                + (f" from {source}" if source else "")
                + ": there is nothing to consent to. You can object instead."
            )
    moment = now or utcnow()
    record_choice(
        session,
        person_id=person_id,
        kind=kind,
        purpose=purpose,
        given=given,
        recorded_by=actor.user,
        source=source,
        note=note,
        at=moment,
    )
    verb = (
        ("given" if given else "withdrawn")
        if kind == "consent"
        else ("made" if given else "withdrawn")
    )
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=actor.organisation or "resident",
            role=actor.role,
            action=CHOICE_RECORDED,
            decision="none",
            purpose=purpose,
            person_id=person_id,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=f"{kind} {verb} by the resident" + (f" for source {source}" if source else ""),
            at=moment,
        ),
    )
    return choices_for(session, actor, person_id)
