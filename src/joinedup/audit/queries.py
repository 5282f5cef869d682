"""Reading the audit trail: search for the IG officer, and a resident's own access log.

The access log answers what Estonia's Data Tracker shows citizens: which organisation looked at
my data, in what role, when and why. It names organisations and roles, not the individual
members of staff — the IG officer's search has the actor for investigating misuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from joinedup.errors import JoinedupError
from joinedup.store.governance_tables import AuditEvent

MAX_LIMIT = 1000


@dataclass(frozen=True)
class AccessLogEntry:
    """One access to a resident's data, as shown to the resident."""

    at: datetime
    organisation: str
    role: str
    purpose: str | None
    action: str
    decision: str
    categories: tuple[str, ...]
    reason: str | None
    break_glass: bool
    # What the decision did not release ({source, category, reason_code}); None when the event
    # records no decision's withholding. The operator's command shows it; the resident's own
    # log (services.resident_access_log) is built from the rows, not from this.
    withheld: tuple[dict[str, str], ...] | None = None


def about(holders: Mapping[str, datetime | None]) -> ColumnElement[bool]:
    """The condition on ``audit_events`` for events recorded under any of ``holders``' ids,
    each before its time (``None``: at any time) — a person's lineage
    (:meth:`joinedup.linkage.lineage.Lineage.holders`): their ids, and the ids that held their
    records before a split, until it."""
    always = sorted(pid for pid, until in holders.items() if until is None)
    conditions: list[ColumnElement[bool]] = [AuditEvent.person_id.in_(always)] if always else []
    conditions += [
        and_(AuditEvent.person_id == pid, AuditEvent.at < until)
        for pid, until in sorted(holders.items())
        if until is not None
    ]
    return or_(*conditions) if conditions else false()


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise JoinedupError(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def _matching(
    *,
    actor: str | None = None,
    organisation: str | None = None,
    role: str | None = None,
    person_id: str | tuple[str, ...] | None = None,
    purpose: str | None = None,
    decision: str | None = None,
    action: str | None = None,
    break_glass: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_seq: int | None = None,
    within: ColumnElement[bool] | None = None,
    credential: str | None = None,
) -> Select[tuple[AuditEvent]]:
    query: Select[tuple[AuditEvent]] = select(AuditEvent)
    if within is not None:
        query = query.where(within)
    if isinstance(person_id, tuple):
        query = query.where(AuditEvent.person_id.in_(person_id))
        person_id = None
    filters = {
        AuditEvent.actor: actor,
        AuditEvent.organisation: organisation,
        AuditEvent.role: role,
        AuditEvent.person_id: person_id,
        AuditEvent.purpose: purpose,
        AuditEvent.decision: decision,
        AuditEvent.action: action,
        AuditEvent.break_glass: break_glass,
        AuditEvent.credential: credential,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return query


def search(
    session: Session,
    *,
    before_seq: int | None = None,
    limit: int = 100,
    **filters: Any,
) -> list[AuditEvent]:
    """Events matching every filter given, newest first; ``until`` is exclusive.

    Filters: ``actor``, ``organisation``, ``role``, ``person_id``, ``purpose``, ``decision``,
    ``action``, ``break_glass``, ``credential``, ``since``, ``until``. ``person_id`` may be a
    tuple of ids: events about any of them (a person and the ids merged into it). Page
    backwards with ``before_seq`` = the smallest ``seq`` of the previous page. ``within`` is a
    further condition on ``audit_events`` (an IG officer's remit).
    """
    query = _matching(before_seq=before_seq, **filters)
    query = query.order_by(AuditEvent.seq.desc()).limit(_limit(limit))
    return list(session.scalars(query))


def count(session: Session, *, at_most: int, **filters: Any) -> int:
    """How many events :func:`search` would page through with ``filters``, up to ``at_most``
    (counting stops there: a count of a whole busy trail reads all of it)."""
    seqs = _matching(**filters).with_only_columns(AuditEvent.seq).limit(at_most).subquery()
    return session.scalar(select(func.count()).select_from(seqs)) or 0


def access_log(
    session: Session,
    person_id: str,
    *,
    since: datetime | None = None,
    limit: int = 500,
    holders: Mapping[str, datetime | None] | None = None,
    until: datetime | None = None,
) -> list[AccessLogEntry]:
    """Who accessed ``person_id``'s data — organisation, role, when, why — newest first.

    Includes refused requests (decision ``deny``): a resident may want to know someone tried.
    With ``holders`` (the person's lineage, see :func:`about`) the events recorded under the
    ids that held their records are included too.
    """
    if holders is not None:
        events = search(session, since=since, until=until, limit=limit, within=about(holders))
    else:
        events = search(session, person_id=person_id, since=since, until=until, limit=limit)
    return [
        AccessLogEntry(
            at=event.at,
            organisation=event.organisation,
            role=event.role,
            purpose=event.purpose,
            action=event.action,
            decision=event.decision,
            categories=tuple(event.categories or ()),
            reason=event.reason,
            break_glass=event.break_glass,
            withheld=None if event.withheld is None else tuple(event.withheld),
        )
        for event in events
    ]
