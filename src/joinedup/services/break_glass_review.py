"""What a resident is told about why someone used emergency access (break-glass) to their record.

The reason a practitioner types when breaking the glass is free text written in an emergency,
and it can hold other people's personal data ("after her husband John Smith, 14 Oak Rd,
reported…"). A controller may withhold third-party data from a subject access response (DPA 2018
Sch. 2 Part 3 para 16), but the resident is entitled to know that emergency access happened and
why in substance. So the resident always sees that break-glass was used, by which organisation
and role, for which purpose — and the reason only once an information governance officer has
reviewed the break-glass alert and either **released** the reason as written or **redacted** it,
writing a summary in its place. Until then they are told the reason is being reviewed.

Nothing already written is changed: the session and its audit events stay as they are, and each
review is a new row of ``break_glass_reason_reviews`` (the latest per session is in force),
itself on the audit trail. Reading the reason to review it is audited too: it is personal data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.log import NewEvent
from joinedup.services.access import audit
from joinedup.services.actor import Actor, NotPermitted, ServiceError
from joinedup.services.break_glass_reasons import (
    REDACTED,
    RELEASED,
    session_id_of,
    shown_by,
)
from joinedup.services.governance import IG_ROLES, NotFound, require_ig_officer
from joinedup.services.ig_remit import alert_in_remit, remit_of
from joinedup.services.text import has_control_characters, visible_length
from joinedup.store.base import utcnow
from joinedup.store.disclosure_tables import BreakGlassReasonReview
from joinedup.store.governance_tables import Alert, AuditEvent, BreakGlassSession

DECISIONS: dict[str, str] = {"release": RELEASED, "redact": REDACTED}
SUMMARY_MIN = 10
SUMMARY_MAX = 1000


@dataclass(frozen=True)
class ReviewEntry:
    """One review of a break-glass reason (the latest is in force)."""

    outcome: str
    shown_text: str
    reviewed_by: str
    organisation: str
    reviewed_at: datetime


@dataclass(frozen=True)
class ReasonReview:
    """A break-glass session as its IG officer reviews it: the reason as typed, and what the
    resident is shown now (``status`` and ``shown_text``), with every review so far."""

    alert_id: int
    session_id: int
    person_id: str
    actor: str
    organisation: str
    role: str
    purpose: str | None
    case_reference: str | None
    started_at: datetime
    expires_at: datetime
    reason: str
    status: str
    shown_text: str | None
    history: tuple[ReviewEntry, ...]


def _load(session: Session, actor: Actor, alert_id: int) -> tuple[Alert, BreakGlassSession]:
    alert = session.get(Alert, alert_id)
    if alert is None or not alert_in_remit(session, remit_of(session, actor), alert_id):
        raise NotFound(f"There is no alert {alert_id} for your organisation.")
    session_id = session_id_of(alert) if alert.kind == "break_glass" else None
    glass = session.get(BreakGlassSession, session_id) if session_id is not None else None
    if glass is None:
        raise NotFound(f"Alert {alert_id} is not about a break-glass access: it has no reason.")
    return alert, glass


def _detail(session: Session, alert: Alert, glass: BreakGlassSession) -> ReasonReview:
    reviews = list(
        session.scalars(
            select(BreakGlassReasonReview)
            .where(BreakGlassReasonReview.session_id == glass.id)
            .order_by(BreakGlassReasonReview.id)
        )
    )
    start = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "break_glass.start",
            AuditEvent.actor == glass.actor,
            AuditEvent.person_id == glass.person_id,
            AuditEvent.at == glass.started_at,
        )
        .limit(1)
    ).first()
    shown = shown_by(reviews[-1] if reviews else None)
    return ReasonReview(
        alert_id=alert.id,
        session_id=glass.id,
        person_id=glass.person_id,
        actor=glass.actor,
        organisation=glass.organisation,
        role=glass.role,
        purpose=start.purpose if start else None,
        case_reference=start.case_reference if start else None,
        started_at=glass.started_at,
        expires_at=glass.expires_at,
        reason=glass.reason,
        status=shown.status,
        shown_text=shown.text,
        history=tuple(
            ReviewEntry(r.outcome, r.shown_text, r.reviewed_by, r.organisation, r.reviewed_at)
            for r in reviews
        ),
    )


def _audit(
    session: Session,
    actor: Actor,
    glass: BreakGlassSession,
    action: str,
    why: str,
    at: datetime | None = None,
) -> None:
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=actor.organisation or "hub",
            role=actor.role,
            action=action,
            person_id=glass.person_id,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=f"break_glass_sessions:{glass.id} {why}",
            at=at,
        ),
    )


def may_decide(actor: Actor, organisation: str) -> bool:
    """Whether ``actor`` decides what the resident is told of a reason written by the staff of
    ``organisation``: only that organisation's IG officer. The resident is told it is they who
    review it; an IG officer of another holder of the resident's data may read it, not answer
    for it."""
    return actor.role in IG_ROLES and (actor.organisation or "hub") == organisation


def reason_review(session: Session, actor: Actor, alert_id: int) -> ReasonReview:
    """The break-glass session behind alert ``alert_id``, with its reason as typed and what the
    resident is shown, for the IG officer to review. Audited (``break_glass.reason_read``)
    before it is returned, as it shows the reason. ``NotFound`` (404) for an alert that does
    not exist or is not a break-glass one; ``NotPermitted`` (403) for anyone but an IG officer.
    """
    require_ig_officer(actor)
    alert, glass = _load(session, actor, alert_id)
    _audit(session, actor, glass, "break_glass.reason_read", "reason read for review")
    return _detail(session, alert, glass)


def review_reason(
    session: Session,
    actor: Actor,
    alert_id: int,
    *,
    decision: str,
    summary: str | None = None,
    now: datetime | None = None,
) -> ReasonReview:
    """Decide what the resident sees of a break-glass reason: ``release`` it as typed, or
    ``redact`` it, showing ``summary`` instead (required then, refused otherwise).

    Recorded as a new row (a later review replaces it for the resident; none is edited) and
    audited (``break_glass.reason_release`` / ``break_glass.reason_redact``) with the SHA-256
    of the text disclosed — not the text, which is kept with the review — so the trail proves
    what the resident was shown. ``ServiceError`` (400) for bad input; ``NotPermitted`` (403)
    for an IG officer of another organisation than the one whose staff broke the glass (they
    may read the reason if its resident is theirs too, not decide it).
    """
    require_ig_officer(actor)
    outcome = DECISIONS.get(decision)
    if outcome is None:
        raise ServiceError("Choose whether to release the reason as written or redact it.")
    # Control characters are refused below, not tidied away: they are never typed on purpose.
    text = " ".join((summary or "").split())
    if outcome == RELEASED and text:
        raise ServiceError("A summary is only for a redacted reason: leave it out to release.")
    if outcome == REDACTED:
        # Counted as the resident will see it: invisible characters are not a summary.
        if visible_length(text) < SUMMARY_MIN or len(text) > SUMMARY_MAX:
            raise ServiceError(
                f"Write a summary for the resident of {SUMMARY_MIN} to {SUMMARY_MAX} characters."
            )
        if has_control_characters(text):
            raise ServiceError("The summary holds control characters: write it in ordinary text.")
    alert, glass = _load(session, actor, alert_id)
    if not may_decide(actor, glass.organisation):
        raise NotPermitted(
            "Only an information governance officer of the organisation whose staff broke "
            "the glass decides what the resident is told of the reason."
        )
    shown = glass.reason if outcome == RELEASED else text
    moment = now or utcnow()
    session.add(
        BreakGlassReasonReview(
            session_id=glass.id,
            alert_id=alert.id,
            person_id=glass.person_id,
            outcome=outcome,
            shown_text=shown,
            reviewed_by=actor.user,
            organisation=actor.organisation or "hub",
            reviewed_at=moment,
        )
    )
    session.flush()
    digest = hashlib.sha256(shown.encode("utf-8")).hexdigest()
    verb = "release" if outcome == RELEASED else "redact"
    _audit(
        session,
        actor,
        glass,
        f"break_glass.reason_{verb}",
        f"reason {outcome}; shown sha256:{digest}",
        moment,
    )
    return _detail(session, alert, glass)
