"""Break-glass: emergency access to a person's record, with a stated reason, for a short time.

It stands in for a legitimate relationship only — agreements, objections and consent still
apply, and sealed categories stay sealed unless an agreement names them — and every view made
under it is marked ``break_glass`` on the audit trail, which the resident's access log shows.
Starting one raises a ``break_glass`` alert for the IG officer and writes a
``break_glass.start`` audit event, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from joinedup.audit import governance
from joinedup.audit.log import NewEvent
from joinedup.policy.engine import BREAK_GLASS_MAX
from joinedup.services.access import audit, hold_audit_lock, resolve_person
from joinedup.services.actor import (
    Actor,
    ServiceError,
    require_person_level_purpose,
    require_practitioner,
)
from joinedup.services.relationships import check_reason
from joinedup.store.base import utcnow

# Long enough that "emergency" alone will not do: the IG officer reviews what is written here.
MIN_REASON = 20
MAX_HOURS = int(BREAK_GLASS_MAX.total_seconds() // 3600)


@dataclass(frozen=True)
class BreakGlassStarted:
    """An open break-glass session (plain data)."""

    id: int
    person_id: str
    reason: str
    started_at: datetime
    expires_at: datetime


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
    """
    require_practitioner(actor)
    purpose = require_person_level_purpose(actor)
    text = check_reason(reason, minimum=MIN_REASON)
    if not 1 <= hours <= MAX_HOURS:
        raise ServiceError(f"Break-glass lasts from 1 to {MAX_HOURS} hours.")
    moment = now or utcnow()
    hold_audit_lock(session)
    active = resolve_person(session, person_id)
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
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=actor.organisation,
            role=actor.role,
            action="break_glass.start",
            purpose=purpose,
            person_id=active,
            case_reference=actor.case_reference,
            request_id=actor.request_id,
            reason=f"break-glass: {text}",
            break_glass=True,
            at=moment,
        ),
    )
    return BreakGlassStarted(row.id, active, row.reason, row.started_at, row.expires_at)
