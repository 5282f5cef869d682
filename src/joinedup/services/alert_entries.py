"""An alert of the IG officer's queue as their organisation sees it, with what others did.

Every organisation an alert concerns (its staff raised it, or it holds a record of the resident
it reached: :mod:`joinedup.services.ig_remit`) handles it for itself: the alert's ``status``,
``handled_by``, ``handled_at`` and ``outcome`` are the reading organisation's own, and another
organisation closing it leaves it open on this queue. So that two officers looking into the same
break-glass do not investigate blind of each other, the entry also lists, read-only, how each
*other* organisation has handled it (``others``): the organisation, acknowledged or closed, by
which IG officer's account (whom to ask), and when. Not their note: it may name people, and it is
theirs (:mod:`joinedup.services.audit_context` keeps to the same rule). An organisation that has
not handled the alert is not listed: that it concerns them is a question of their remit, which
this does not work out for every partner.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.services.break_glass_reasons import review_statuses
from joinedup.store.governance_tables import Alert, AlertHandling


@dataclass(frozen=True)
class OtherHandling:
    """How another organisation has handled an alert (read-only: their handling, not yours)."""

    organisation: str
    status: str  # acknowledged | closed
    handled_by: str | None
    handled_at: datetime | None


@dataclass(frozen=True)
class AlertEntry:
    """An item of the IG officer's queue."""

    id: int
    kind: str
    raised_at: datetime
    person_id: str | None
    actor: str
    organisation: str
    subject: str | None
    summary: str
    status: str
    handled_by: str | None
    handled_at: datetime | None
    outcome: str | None
    # A break-glass alert's reason as the resident sees it: under_review, released, redacted.
    reason_review: str | None = None
    # How every other organisation has handled it so far, by organisation.
    others: tuple[OtherHandling, ...] = ()


def alert_entries(session: Session, rows: list[Alert], organisation: str) -> tuple[AlertEntry, ...]:
    """The alerts as ``organisation``'s IG officer sees them: its own handling of each, and
    the other organisations' (one query for the page, as before: the handlings of every
    organisation are read together and split here)."""
    reviews = review_statuses(session, rows)
    mine: dict[int, AlertHandling] = {}
    others: dict[int, list[OtherHandling]] = defaultdict(list)
    if rows:
        handlings = session.scalars(
            select(AlertHandling)
            .where(AlertHandling.alert_id.in_([row.id for row in rows]))
            .order_by(AlertHandling.alert_id, AlertHandling.organisation)
        )
        for h in handlings:
            if h.organisation == organisation:
                mine[h.alert_id] = h
            else:
                others[h.alert_id].append(
                    OtherHandling(h.organisation, h.status, h.handled_by, h.handled_at)
                )
    return tuple(
        _alert_entry(row, reviews.get(row.id), mine.get(row.id), tuple(others.get(row.id, ())))
        for row in rows
    )


def _alert_entry(
    row: Alert,
    reason_review: str | None,
    handling: AlertHandling | None,
    others: tuple[OtherHandling, ...],
) -> AlertEntry:
    return AlertEntry(
        id=row.id,
        kind=row.kind,
        raised_at=row.raised_at,
        person_id=row.person_id,
        actor=row.actor,
        organisation=row.organisation,
        subject=row.subject,
        summary=row.summary,
        status=handling.status if handling else "open",
        handled_by=handling.handled_by if handling else None,
        handled_at=handling.handled_at if handling else None,
        outcome=handling.outcome if handling else None,
        reason_review=reason_review,
        others=others,
    )
