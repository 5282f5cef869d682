"""What a resident may see of each break-glass reason: the read side of the IG officer's review.

A break-glass reason is free text typed in an emergency and can name other people, so the
resident sees it only once an information governance officer has released it as written or
redacted it with a summary (:mod:`joinedup.services.break_glass_review`); until then it is
"under review". These functions only read — the resident services and the alert queue call them
inside units of work that audit themselves — and import nothing of the other services, so that
both can.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.store.disclosure_tables import BreakGlassReasonReview
from joinedup.store.governance_tables import Alert, AuditEvent, BreakGlassSession

# What the resident's access log says about a break-glass reason.
UNDER_REVIEW = "under_review"
RELEASED = "released"
REDACTED = "redacted"
# How an audit event names the reason it was made under (joinedup.audit.log).
_PREFIX = "break-glass: "


@dataclass(frozen=True)
class ReasonShown:
    """A break-glass reason as the resident may see it: ``text`` only once reviewed."""

    status: str  # under_review | released | redacted
    text: str | None


def latest_reviews(
    session: Session, session_ids: Iterable[int]
) -> dict[int, BreakGlassReasonReview]:
    """Session id → its latest review (the one in force), for the sessions given."""
    ids = sorted(set(session_ids))
    latest: dict[int, BreakGlassReasonReview] = {}
    for start in range(0, len(ids), 400):
        rows = session.scalars(
            select(BreakGlassReasonReview)
            .where(BreakGlassReasonReview.session_id.in_(ids[start : start + 400]))
            .order_by(BreakGlassReasonReview.id)
        )
        for row in rows:
            latest[row.session_id] = row
    return latest


def shown_by(review: BreakGlassReasonReview | None) -> ReasonShown:
    """What the resident sees under ``review`` (``None``: not reviewed yet)."""
    if review is None:
        return ReasonShown(UNDER_REVIEW, None)
    return ReasonShown(review.outcome, review.shown_text)


def session_of(
    event: AuditEvent, sessions: Sequence[BreakGlassSession]
) -> BreakGlassSession | None:
    """The break-glass session a break-glass audit event was made under, if one matches.

    The event does not carry the session's id, but it carries everything that identifies it:
    the same account and person, a time within the session, and the reason as typed. Of several
    that match (sessions reopened with the same words), the newest started, as policy takes.
    """
    matches = [
        s
        for s in sessions
        if s.actor == event.actor
        and s.person_id == event.person_id
        and s.started_at <= event.at <= s.expires_at
        and event.reason == _PREFIX + s.reason
    ]
    return max(matches, key=lambda s: (s.started_at, s.id), default=None)


def sessions_of(
    session: Session, events: Sequence[AuditEvent]
) -> dict[int, BreakGlassSession | None]:
    """Event ``seq`` → the break-glass session it belongs to (`session_of`), reading only the
    sessions of the people and accounts in ``events``."""
    sessions = list(
        session.scalars(
            select(BreakGlassSession).where(
                BreakGlassSession.person_id.in_(
                    sorted({e.person_id for e in events if e.person_id})
                ),
                BreakGlassSession.actor.in_(sorted({e.actor for e in events})),
            )
        )
    )
    return {e.seq: session_of(e, sessions) for e in events}


def reasons_shown(session: Session, events: Iterable[AuditEvent]) -> dict[int, ReasonShown]:
    """Event ``seq`` → what the resident may see of its break-glass reason, for each
    break-glass event given. An event no session matches is shown as under review: the typed
    text never reaches a resident unreviewed. Reads no more than the sessions and reviews of
    the people and accounts in ``events``; the caller audits the read."""
    glass = [e for e in events if e.break_glass and e.person_id]
    if not glass:
        return {}
    matched = sessions_of(session, glass)
    latest = latest_reviews(session, (s.id for s in matched.values() if s is not None))
    return {
        seq: shown_by(latest.get(s.id)) if s is not None else ReasonShown(UNDER_REVIEW, None)
        for seq, s in matched.items()
    }


def review_statuses(session: Session, alerts: Iterable[Alert]) -> dict[int, str]:
    """Alert id → the status of its break-glass reason, for each break-glass alert given."""
    ids = {a.id: session_id_of(a) for a in alerts if a.kind == "break_glass"}
    latest = latest_reviews(session, (sid for sid in ids.values() if sid is not None))
    return {aid: shown_by(latest.get(sid) if sid else None).status for aid, sid in ids.items()}


def session_id_of(alert: Alert) -> int | None:
    """The break-glass session an alert is about (its ``subject`` names it), if any."""
    table, _, number = (alert.subject or "").partition(":")
    return int(number) if table == "break_glass_sessions" and number.isdigit() else None
