"""What an audit event meant when it happened: for the IG officer answering a regulator.

An audit row records who, why, what was released and the agreement versions relied on (id,
version, hash). A regulator also asks under which *clause*, what the resident had said at the
time — their objections and consents then, not now — and, for emergency access, how it was
reviewed. Little of that is on the row, and all of it can be read back without changing it:

- the clauses: as the row records them (policy's citation, on events written since rows
  carry it), else from the agreement version whose hash the row cites (its stored text, else
  the file of that version), the clauses giving the released categories of that source to the
  event's organisation and role for its purpose — derived, and said to be;
- the choices then: the resident's choice history (never updated: a change of mind is a new
  row), as policy reads it (:func:`joinedup.audit.decision_inputs.choices_of`), the latest per
  kind, purpose and source made before the event;
- a break-glass review: the alert the session raised, what the resident is shown of its reason,
  and the reading organisation's own handling (another's note is not shown: it may name people).

Only reads; the search that calls it audits itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.decision_inputs import choices_of
from joinedup.policy.agreements import AgreementError, parse_agreement
from joinedup.policy.model import Agreement
from joinedup.policy.vocabulary import is_sealed
from joinedup.services.agreements_store import current_agreements
from joinedup.services.break_glass_reasons import (
    latest_reviews,
    session_id_of,
    sessions_of,
    shown_by,
)
from joinedup.store.governance_tables import (
    AgreementVersion,
    Alert,
    AlertHandling,
    AuditEvent,
)


@dataclass(frozen=True)
class ChoiceThen:
    """A resident's choice as it stood when an event happened (``given`` False: withdrawn)."""

    kind: str
    purpose: str
    source: str | None
    given: bool
    at: datetime
    inherited: bool


@dataclass(frozen=True)
class BreakGlassReview:
    """How a break-glass session was reviewed, as the reading organisation handled it."""

    alert_id: int
    reason_shown_to_resident: str  # under_review | released | redacted
    status: str  # open | acknowledged | closed (the reading organisation's own handling)
    handled_by: str | None
    handled_at: datetime | None
    outcome: str | None


def choices_then(
    session: Session, events: Sequence[AuditEvent]
) -> dict[int, tuple[ChoiceThen, ...]]:
    """Event ``seq`` → the choices of its person in force at its time, for events about one."""
    history = {
        pid: choices_of(session, pid)
        for pid in sorted({e.person_id for e in events if e.person_id})
    }
    out: dict[int, tuple[ChoiceThen, ...]] = {}
    for event in events:
        if not event.person_id:
            continue
        latest: dict[tuple[str, str, str | None], ChoiceThen] = {}
        for choice in history[event.person_id]:  # oldest first: a later row replaces
            row = choice.row
            if row.at <= event.at:
                latest[(row.kind, row.purpose, row.source)] = ChoiceThen(
                    row.kind, row.purpose, row.source, row.given, row.at, choice.inherited
                )
        out[event.seq] = tuple(latest.values())
    return out


def _version(session: Session, ref: dict[str, Any]) -> Agreement | None:
    """The agreement version an event cites, if its text is here with the hash it cites."""
    wanted = (ref.get("id"), ref.get("version"), ref.get("sha256"))
    for agreement in current_agreements():
        if (agreement.id, agreement.version, agreement.sha256) == wanted:
            return agreement
    stored = session.get(AgreementVersion, (ref.get("id"), ref.get("version")))
    if stored is None or stored.sha256 != ref.get("sha256"):
        return None
    return _parsed(stored.text)


@lru_cache(maxsize=64)
def _parsed(text: str) -> Agreement | None:
    try:
        return parse_agreement(text)
    except AgreementError:
        return None


def clauses_relied_on(session: Session, event: AuditEvent) -> list[dict[str, Any]]:
    """The event's agreements, each with ``clauses`` and ``clauses_derived``: the clauses the
    row records (policy's own citation, on events written since it does), else the ids of the
    clauses of that version that give a released category to the event's organisation and
    role for its purpose (empty when its text is not here with the hash the event cites)."""
    released = [label.partition("/")[::2] for label in event.categories or ()]
    out = []
    for ref in event.agreements or ():
        if isinstance(ref.get("clauses"), list):
            # Recorded by policy with the decision (events since the audit row cites them).
            out.append({**ref, "clauses_derived": False})
            continue
        agreement = _version(session, ref)
        clauses = (
            [
                clause.id
                for clause in agreement.clauses
                if event.organisation in clause.recipients
                and event.role in clause.roles
                and event.purpose in clause.purposes
                and any(
                    source == clause.source
                    and clause.covers_category(category, sealed=is_sealed(category))
                    for source, category in released
                )
            ]
            if agreement is not None
            else []
        )
        out.append({**ref, "clauses": clauses, "clauses_derived": True})
    return out


def break_glass_reviews(
    session: Session, events: Iterable[AuditEvent], organisation: str
) -> dict[int, BreakGlassReview]:
    """Event ``seq`` → its break-glass review, for each ``break_glass.start`` event given.

    The session is found as the reason review finds it (same account, person, time and
    reason); its alert by the session it names. ``organisation`` is the reader's: the status
    and note are its own handling.
    """
    started = [e for e in events if e.action == "break_glass.start" and e.person_id]
    if not started:
        return {}
    matched = sessions_of(session, started)
    subjects = [f"break_glass_sessions:{s.id}" for s in matched.values() if s is not None]
    alerts = {
        session_id_of(a): a
        for a in session.scalars(
            select(Alert).where(Alert.kind == "break_glass", Alert.subject.in_(subjects))
        )
    }
    handlings = {
        h.alert_id: h
        for h in session.scalars(
            select(AlertHandling).where(
                AlertHandling.organisation == organisation,
                AlertHandling.alert_id.in_([a.id for a in alerts.values()]),
            )
        )
    }
    reviews = latest_reviews(session, (s.id for s in matched.values() if s is not None))
    out = {}
    for seq, glass in matched.items():
        alert = alerts.get(glass.id) if glass is not None else None
        if glass is None or alert is None:
            continue
        handling = handlings.get(alert.id)
        out[seq] = BreakGlassReview(
            alert_id=alert.id,
            reason_shown_to_resident=shown_by(reviews.get(glass.id)).status,
            status=handling.status if handling else "open",
            handled_by=handling.handled_by if handling else None,
            handled_at=handling.handled_at if handling else None,
            outcome=handling.outcome if handling else None,
        )
    return out
