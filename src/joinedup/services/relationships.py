"""Legitimate relationships: what the actor already has with a person, and declaring one.

Direct care needs a legitimate relationship (``policy.vocabulary.PURPOSES``): the actor's
organisation holds its own record of the person, or a relationship has been declared with a
reason and an expiry. Declaring one is itself audited (``relationship.declare``) and raises a
``relationship_declared`` alert for the IG officer (by ``audit.governance.declare_relationship``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from joinedup.audit import governance
from joinedup.audit.decision_inputs import policy_inputs
from joinedup.audit.log import NewEvent
from joinedup.services.access import (
    audit,
    current_records,
    hold_audit_lock,
    member_keys,
    resolve_person,
    sources_by_id,
)
from joinedup.services.actor import Actor, ServiceError, require_practitioner
from joinedup.services.text import has_control_characters, tidy_reason, visible_length
from joinedup.store.base import utcnow

MIN_REASON = 10
MAX_REASON = 500
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class DeclaredRelationship:
    """A relationship just declared (plain data)."""

    id: int
    person_id: str
    organisation: str
    user: str | None
    reason: str
    starts_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class RelationshipStatus:
    """What gives ``actor`` a legitimate relationship with a person now, if anything."""

    person_id: str
    own_record: bool
    declared_until: datetime | None
    break_glass_until: datetime | None

    @property
    def legitimate(self) -> bool:
        """Whether direct care is open to the actor without breaking the glass."""
        return self.own_record or self.declared_until is not None


def check_reason(reason: str | None, *, minimum: int = MIN_REASON) -> str:
    """The reason with spacing tidied, or :class:`ServiceError` when too short or too long.

    Only characters a reader sees count towards ``minimum`` (see :mod:`joinedup.services.text`):
    a reason of zero-width spaces is refused as too short, one with a NUL as unreadable.
    """
    if has_control_characters(reason or ""):
        raise ServiceError("The reason holds control characters: write it in ordinary text.")
    text = tidy_reason(reason)
    if visible_length(text) < minimum:
        raise ServiceError(f"Give a reason of at least {minimum} characters.")
    if len(text) > MAX_REASON:
        raise ServiceError(f"The reason must be {MAX_REASON} characters or fewer.")
    return text


def relationship_status(
    session: Session, actor: Actor, person_id: str, *, now: datetime | None = None
) -> RelationshipStatus:
    """Whether ``actor`` has a legitimate relationship with the person, and on what footing.

    Reads no personal data beyond which organisations' sources hold the person, so it is not
    audited; a page uses it to offer "declare a relationship" or "break glass".
    """
    require_practitioner(actor)
    moment = now or utcnow()
    active = resolve_person(session, person_id)
    sources = sources_by_id(session)
    records = current_records(session, member_keys(session, [active])[active])
    own = any(
        sources[r.source_id].organisation == actor.organisation
        for r in records
        if r.source_id in sources
    )
    inputs = policy_inputs(
        session, person_id=active, actor=actor.user, organisation=actor.organisation, now=moment
    )
    current = [r.expires_at for r in inputs.relationships if r.starts_at <= moment]
    glass = inputs.break_glass
    return RelationshipStatus(
        person_id=active,
        own_record=own,
        declared_until=max(current) if current else None,
        break_glass_until=glass.expires_at if glass else None,
    )


def declare_relationship(
    session: Session,
    actor: Actor,
    person_id: str,
    *,
    reason: str,
    expires_at: datetime | None = None,
    days: int | None = None,
    whole_organisation: bool = False,
    now: datetime | None = None,
) -> DeclaredRelationship:
    """Declare that ``actor`` (or their whole organisation) has a legitimate relationship.

    Give ``expires_at`` or ``days`` (default :data:`DEFAULT_DAYS`); at most a year
    (``audit.governance.RELATIONSHIP_MAX``). Writes the ``relationship.declare`` audit event and
    the IG officer's alert in the caller's transaction; ``AuditUnavailable`` (503) if it cannot.
    """
    require_practitioner(actor)
    text = check_reason(reason)
    moment = now or utcnow()
    if expires_at is not None and days is not None:
        raise ServiceError("Give either an expiry time or a number of days, not both.")
    if expires_at is None:
        count = DEFAULT_DAYS if days is None else days
        if count < 1:
            raise ServiceError("A relationship lasts at least one day.")
        expires_at = moment + timedelta(days=count)
    elif expires_at.tzinfo is None:
        raise ServiceError("Give the expiry time with a time zone (for example 2026-12-01T17:00Z).")
    hold_audit_lock(session)
    active = resolve_person(session, person_id)
    try:
        row = governance.declare_relationship(
            session,
            person_id=active,
            organisation=actor.organisation,
            reason=text,
            expires_at=expires_at,
            declared_by=actor.user,
            actor=None if whole_organisation else actor.user,
            now=moment,
        )
    except governance.GovernanceError as exc:
        raise ServiceError(str(exc).capitalize() + ".") from None
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=actor.organisation,
            role=actor.role,
            action=governance.RELATIONSHIP_DECLARED,
            purpose=actor.purpose,
            person_id=active,
            case_reference=actor.case_reference,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=text,
            at=moment,
        ),
    )
    return DeclaredRelationship(
        id=row.id,
        person_id=active,
        organisation=row.organisation,
        user=row.actor,
        reason=row.reason,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
    )
