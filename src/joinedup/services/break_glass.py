"""Break-glass: emergency access to a person's record, with a stated reason, for a short time.

It stands in for a legitimate relationship only — agreements, objections and consent still
apply, and sealed categories stay sealed unless an agreement names them — and every view made
under it is marked ``break_glass`` on the audit trail, which the resident's access log shows.
Starting one raises a ``break_glass`` alert for the IG officer and writes a
``break_glass.start`` audit event, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from joinedup.audit import governance
from joinedup.audit.decision_inputs import policy_inputs
from joinedup.audit.log import NewEvent
from joinedup.errors import RecordedRefusal
from joinedup.policy.engine import BREAK_GLASS_MAX
from joinedup.policy.request import BreakGlass, Reason
from joinedup.services.access import (
    audit,
    current_records,
    decide_for,
    hold_audit_lock,
    member_keys,
    resolve_person,
    sources_by_id,
)
from joinedup.services.actor import (
    Actor,
    NotPermitted,
    ServiceError,
    require_person_level_purpose,
    require_practitioner,
)
from joinedup.services.relationships import check_reason
from joinedup.store.base import utcnow

# Long enough that "emergency" alone will not do: the IG officer reviews what is written here.
MIN_REASON = 20
MAX_HOURS = int(BREAK_GLASS_MAX.total_seconds() // 3600)


class BreakGlassRefused(NotPermitted, RecordedRefusal):
    """Break-glass that would open nothing (403); its audit event is kept."""


@dataclass(frozen=True)
class BreakGlassStarted:
    """An open break-glass session (plain data)."""

    id: int
    person_id: str
    reason: str
    started_at: datetime
    expires_at: datetime
    # True when the actor already had this session open on the person: nothing new was opened.
    already_open: bool = False


def start_break_glass(
    session: Session,
    actor: Actor,
    person_id: str,
    *,
    reason: str,
    hours: int = MAX_HOURS,
    now: datetime | None = None,
) -> BreakGlassStarted:
    """Open a break-glass session for ``actor`` on ``person_id`` for ``hours`` (1 to 4).

    Needs a stated purpose and case reference, and a reason of at least :data:`MIN_REASON`
    characters. ``ServiceError`` (400) for bad input, ``AuditUnavailable`` (503) when the audit
    event cannot be written (then no session is opened either).

    Break-glass stands in for a legitimate relationship only, so it is refused with
    ``NotPermitted`` (403) when even with it no agreement would release anything of this person
    to the actor for this purpose (a charity caseworker and a GP record, say): no session is
    opened and no alert raised. An emergency page that said "you can see this record" and then
    showed nothing would cost the time the emergency does not have. The attempt is still
    audited (``break_glass.refused``, decision ``deny``): that event is committed, nothing else.

    While the actor's own session on the person is open, asking again returns that session
    (``already_open``) and opens nothing: a form sent twice, or a second tab, must not raise a
    second alert for the IG officer or a second line in the resident's access log. The reason
    on record stays the first one; a session runs out before another may be opened.
    """
    require_practitioner(actor)
    purpose = require_person_level_purpose(actor)
    text = check_reason(reason, minimum=MIN_REASON)
    if not 1 <= hours <= MAX_HOURS:
        raise ServiceError(f"Break-glass lasts from 1 to {MAX_HOURS} hours.")
    moment = now or utcnow()
    hold_audit_lock(session)
    active = resolve_person(session, person_id)
    open_now = governance.active_break_glass(
        session, actor=actor.user, person_id=active, now=moment
    )
    if open_now is not None:
        return BreakGlassStarted(
            open_now.id,
            active,
            open_now.reason,
            open_now.started_at,
            open_now.expires_at,
            already_open=True,
        )
    nothing = _why_nothing_opens(session, actor, active, purpose, text, hours, moment)
    if nothing is not None:
        # An attempt on a resident's record, refused: on the trail as a refused view is, so
        # the resident's access log and the IG officer see it. No alert: nothing was opened.
        audit(session, _event(actor, purpose, active, moment, refused=True, reason=text))
        raise BreakGlassRefused(nothing)
    try:
        row = governance.start_break_glass(
            session,
            actor=actor.user,
            organisation=actor.organisation,
            role=actor.role,
            person_id=active,
            reason=text,
            duration=timedelta(hours=hours),
            now=moment,
        )
    except governance.GovernanceError as exc:
        raise ServiceError(str(exc).capitalize() + ".") from None
    audit(session, _event(actor, purpose, active, moment, refused=False, reason=text))
    return BreakGlassStarted(row.id, active, row.reason, row.started_at, row.expires_at)


def _event(
    actor: Actor, purpose: str, person_id: str, at: datetime, *, refused: bool, reason: str
) -> NewEvent:
    """The audit event of a break-glass attempt: opened (``break_glass`` on it) or refused."""
    return NewEvent(
        actor=actor.user,
        organisation=actor.organisation,
        role=actor.role,
        action="break_glass.refused" if refused else "break_glass.start",
        decision="deny" if refused else "none",
        purpose=purpose,
        person_id=person_id,
        case_reference=actor.case_reference,
        request_id=actor.request_id,
        credential=actor.credential,
        reason=f"break-glass refused: {reason}" if refused else f"break-glass: {reason}",
        break_glass=not refused,
        at=at,
    )


def why_break_glass_opens_nothing(
    session: Session, actor: Actor, person_id: str, *, now: datetime | None = None
) -> str | None:
    """Why break-glass would open nothing of ``person_id`` to ``actor`` for their stated
    purpose, or ``None`` when it would open something — so a page offers it only where it
    helps. Reads which services hold the person, not what they hold (as
    :func:`~joinedup.services.relationships.relationship_status`), so it is not audited."""
    require_practitioner(actor)
    purpose = require_person_level_purpose(actor)
    active = resolve_person(session, person_id)
    moment = now or utcnow()
    reason = "(would break-glass open anything?)"
    return _why_nothing_opens(session, actor, active, purpose, reason, MAX_HOURS, moment)


def _why_nothing_opens(
    session: Session,
    actor: Actor,
    person_id: str,
    purpose: str,
    reason: str,
    hours: int,
    moment: datetime,
) -> str | None:
    # The decision a view would get under the session about to be opened.
    sources = sources_by_id(session)
    records = current_records(session, member_keys(session, [person_id]).get(person_id, []))
    inputs = policy_inputs(
        session, person_id=person_id, actor=actor.user, organisation=actor.organisation, now=moment
    )
    glass = BreakGlass(actor.user, reason, moment, moment + timedelta(hours=hours))
    _request, decision = decide_for(
        session,
        actor,
        person_id,
        records,
        purpose=purpose,
        now=moment,
        sources=sources,
        inputs=replace(inputs, break_glass=glass),
    )
    if decision.released:
        return None
    # Only the request-level reason is named: an item's would say which services hold the
    # person, and some of them (health, social care) must not be disclosed by a refusal.
    why = _first_reason(decision.reasons) or (
        "no data sharing agreement shares what is held with your organisation and role"
    )
    return (
        f"Break-glass would not open anything of this person's record to you: {why}. "
        "Contact the services that look after the person directly."
    )


def _first_reason(reasons: tuple[Reason, ...]) -> str:
    for reason in reasons:
        if reason.code.startswith("deny") and reason.message:
            return reason.message.rstrip(".")
    return ""
