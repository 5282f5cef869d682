"""The reviewer's services over the linkage review queue: list, look at one pair, decide.

The queue and the decisions are :mod:`joinedup.linkage.review`'s: the riskiest pairs first (a
possible wrong merge above a possible missed link), decisions appended and obeyed by every later
run. This module adds what a person at a screen needs — both records side by side with the
evidence — the reviewer role check, and the audit trail: looking at a pair reads two people's
(or one person's) personal data, so it is recorded (``review.view``), as is each decision
(``review.decide``), before the answer is returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.audit.log import NewEvent
from joinedup.linkage import queue_filter, review
from joinedup.linkage.explain import starting_weight
from joinedup.services.access import audit
from joinedup.services.actor import Actor, NotPermitted, ServiceError
from joinedup.services.subject_access import FIELDS
from joinedup.services.text import has_control_characters
from joinedup.store.linkage_tables import MatchEvidence, PersonMember, ReviewItem
from joinedup.store.records import split_record_key
from joinedup.store.sources import list_sources
from joinedup.store.tables import SourceRecord

REVIEWER_ROLES: frozenset[str] = frozenset({"reviewer"})
QUEUE_MAX = 200
NOTE_MAX = review.NOTE_MAX
# Which decision in force the reviewer saw (for the pages, which do not import linkage).
UNSEEN = review.UNSEEN
Seen = review.Seen
# A checked filter over the queue, and the kinds a reviewer may ask for (for the pages too).
QueueFilter = queue_filter.QueueFilter
KINDS = queue_filter.KINDS
# Fields compared side by side, in the order a reviewer reads a person.
COMPARED = tuple(f for f in FIELDS if f not in ("year_of_birth",))


class ReviewItemNotFound(ServiceError):
    """No review item with that id (404)."""

    http_status = 404


class FilterRefused(ServiceError):
    """A queue filter that cannot be applied (400); ``field`` says which part of it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DecidedMeanwhile(ServiceError):
    """Someone decided the pair after the reviewer opened it (409); the message names who,
    what and when (``linkage.review.DecidedMeanwhile``)."""

    http_status = 409


class DecisionContradicts(ServiceError):
    """The decision contradicts decisions in force (409); the message names them and says how
    to proceed (``linkage.review.ContradictoryDecision``)."""

    http_status = 409


@dataclass(frozen=True)
class QueueItem:
    """An open pair on the queue: which records, why, how risky — no personal data."""

    id: int
    record_l: str
    record_r: str
    reason: str
    risk: float
    match_probability: float | None
    match_weight: float | None
    person_id: str | None


@dataclass(frozen=True)
class RecordSide:
    """One record of the pair as the reviewer sees it, with the evidence holding it in place."""

    record_key: str
    source: str
    record_id: str
    version: int
    current: bool
    person_id: str | None
    data: dict[str, Any]
    attributes: dict[str, Any]
    evidence_matched: str | None
    evidence_probability: float | None
    evidence_weight: float | None
    evidence_basis: str | None
    field_weights: dict[str, float]
    evidence_start_weight: float | None = None


@dataclass(frozen=True)
class FieldComparison:
    """A field of the two records: both values and whether they agree."""

    field: str
    left: Any
    right: Any
    agreement: str  # same | different | one_missing


@dataclass(frozen=True)
class ReviewDetail:
    """One review item: the pair, both records side by side, the field comparison, the status."""

    item: QueueItem
    status: str
    left: RecordSide
    right: RecordSide
    comparison: tuple[FieldComparison, ...]
    decision_in_force: str | None
    decision_id: int | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass(frozen=True)
class ReviewOutcome:
    """A recorded decision: what was decided, by whom, when; the next link run obeys it.

    ``warning`` is set when a record of the pair is no longer current: the decision is kept
    and applies if the record comes back (``linkage.review.Recorded.warning``).
    """

    item_id: int
    record_l: str
    record_r: str
    decision: str
    reviewer: str
    note: str | None
    decided_at: datetime
    warning: str | None = None
    nhs_numbers_differ: bool = False
    not_current: tuple[str, ...] = ()


def require_reviewer(actor: Actor) -> None:
    """Refuse (403) anyone but a linkage reviewer."""
    if actor.role not in REVIEWER_ROLES:
        raise NotPermitted("Only a linkage reviewer can do this.")


def review_filter(
    session: Session,
    actor: Actor,
    *,
    sources: Iterable[str] = (),
    kind: str | None = None,
    min_risk: float | None = None,
    person: str | None = None,
) -> QueueFilter:
    """A reviewer's filter over the queue, checked (``linkage.queue_filter.queue_filter``):
    what is wrong with it raises :class:`FilterRefused` (400) saying so."""
    require_reviewer(actor)
    try:
        return queue_filter.queue_filter(
            session, sources=sources, kind=kind, min_risk=min_risk, person=person
        )
    except queue_filter.FilterRefused as exc:
        said = str(exc)
        raise FilterRefused(exc.field, f"{said[:1].upper()}{said[1:]}.") from None


def queue_sources(session: Session, actor: Actor) -> tuple[str, ...]:
    """The source ids a reviewer may filter the queue by: every source of the hub."""
    require_reviewer(actor)
    return tuple(source.id for source in list_sources(session))


def review_queue(
    session: Session,
    actor: Actor,
    *,
    limit: int = 50,
    offset: int = 0,
    only: QueueFilter | None = None,
) -> tuple[QueueItem, ...]:
    """The open review items, largest risk first, from the ``offset``-th on
    (``linkage.review.open_items``); ``only`` those a ``review_filter`` lets through.

    Shows record keys and scores only, so listing the queue reads no personal data and is not
    audited; opening an item is.
    """
    require_reviewer(actor)
    if not 1 <= limit <= QUEUE_MAX:
        raise ServiceError(f"limit must be between 1 and {QUEUE_MAX}.")
    if offset < 0:
        raise ServiceError("offset must be 0 or more.")
    return tuple(
        QueueItem(
            id=entry.id,
            record_l=entry.pair[0],
            record_r=entry.pair[1],
            reason=entry.reason,
            risk=entry.risk,
            match_probability=entry.match_probability,
            match_weight=entry.match_weight,
            person_id=entry.person_id,
        )
        for entry in review.open_items(session, limit=limit, offset=offset, only=only)
    )


def queue_length(session: Session, actor: Actor, only: QueueFilter | None = None) -> int:
    """How many review items are open (``linkage.review.open_count``), ``only`` those a filter
    lets through; not audited either."""
    require_reviewer(actor)
    return review.open_count(session, only=only)


def _queue_item(item: ReviewItem) -> QueueItem:
    return QueueItem(
        id=item.id,
        record_l=item.record_key_l,
        record_r=item.record_key_r,
        reason=item.reason,
        risk=item.risk,
        match_probability=item.match_probability,
        match_weight=item.match_weight,
        person_id=item.person_id,
    )


def _item(session: Session, item_id: int) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise ReviewItemNotFound(f"There is no review item {item_id}.")
    return item


def _latest(session: Session, key: str) -> SourceRecord | None:
    source_id, record_id = split_record_key(key)
    return session.scalars(
        select(SourceRecord)
        .where(SourceRecord.source_id == source_id, SourceRecord.record_id == record_id)
        .order_by(SourceRecord.version.desc())
        .limit(1)
    ).first()


def _person_of(session: Session, key: str) -> str | None:
    return session.scalar(
        select(PersonMember.person_id).where(
            PersonMember.record_key == key, PersonMember.to_run.is_(None)
        )
    )


def _side(session: Session, key: str) -> RecordSide:
    record = _latest(session, key)
    if record is None:
        raise ReviewItemNotFound(f"The record {key} of this item is no longer stored.")
    evidence = session.get(MatchEvidence, key)
    data: dict[str, Any] = {}
    for name in COMPARED:
        value = getattr(record, name)
        if value not in (None, "", [], ()):
            data[name] = list(value) if isinstance(value, list | tuple) else value
    return RecordSide(
        record_key=key,
        source=record.source_id,
        record_id=record.record_id,
        version=record.version,
        current=record.valid_to is None,
        person_id=_person_of(session, key),
        data=data,
        attributes=dict(record.attributes or {}),
        evidence_matched=evidence.matched_record_key if evidence else None,
        evidence_probability=evidence.match_probability if evidence else None,
        evidence_weight=evidence.match_weight if evidence else None,
        evidence_basis=evidence.basis if evidence else None,
        field_weights=dict(evidence.field_weights or {}) if evidence else {},
        evidence_start_weight=(
            starting_weight(evidence.match_weight, evidence.field_weights) if evidence else None
        ),
    )


def compare_fields(left: dict[str, Any], right: dict[str, Any]) -> tuple[FieldComparison, ...]:
    """The fields either record holds, each marked ``same``, ``different`` or ``one_missing``.

    Pure. Text is compared ignoring case and surrounding space; lists as sets.
    """
    out = []
    for name in COMPARED:
        a, b = left.get(name), right.get(name)
        if a is None and b is None:
            continue
        if a is None or b is None:
            agreement = "one_missing"
        else:
            agreement = "same" if _norm(a) == _norm(b) else "different"
        out.append(FieldComparison(name, a, b, agreement))
    return tuple(out)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, list | tuple):
        return frozenset(_norm(v) for v in value)
    return value


def _persons_of_pair(
    session: Session, person_id: str | None, keys: tuple[str, str]
) -> list[str | None]:
    """Whom a look at (or a decision on) the pair ``keys`` concerns: the item's person and the
    person of each record, each once; ``[None]`` when the index holds neither record."""
    found = [person_id, _person_of(session, keys[0]), _person_of(session, keys[1])]
    persons: list[str | None] = list(dict.fromkeys(p for p in found if p))
    return persons or [None]


def review_item(session: Session, actor: Actor, item_id: int) -> ReviewDetail:
    """One review item with both records side by side and the evidence; audited.

    The audit event (``review.view``) names the person the item concerns and the identity items
    of both sources, and is written before the records are read. A pair whose records belong to
    two persons is one event for each (one request id): each sees it in their access log.
    """
    require_reviewer(actor)
    item = _item(session, item_id)
    keys = (item.record_key_l, item.record_key_r)
    audit(
        session,
        *(
            NewEvent(
                actor=actor.user,
                organisation=actor.organisation or "hub",
                role=actor.role,
                action="review.view",
                decision="permit",
                person_id=person,
                categories=tuple(sorted({f"{split_record_key(k)[0]}/identity.core" for k in keys})),
                request_id=actor.request_id,
                credential=actor.credential,
                reason=f"linkage review item {item.id} ({item.reason})",
            )
            for person in _persons_of_pair(session, item.person_id, keys)
        ),
    )
    left, right = _side(session, keys[0]), _side(session, keys[1])
    in_force = review.latest_on(session, keys)
    return ReviewDetail(
        item=_queue_item(item),
        status=item.status,
        left=left,
        right=right,
        comparison=compare_fields(left.data, right.data),
        decision_in_force=in_force.decision if in_force else None,
        decision_id=in_force.id if in_force else None,
        decided_by=in_force.reviewer if in_force else None,
        decided_at=in_force.decided_at if in_force else None,
    )


def decide_item(
    session: Session,
    actor: Actor,
    item_id: int,
    *,
    decision: str,
    note: str | None = None,
    seen: review.Seen = review.UNSEEN,
) -> ReviewOutcome:
    """Record ``link`` or ``not-link`` on an item, in the reviewer's name; audited.

    Wraps :func:`joinedup.linkage.review.decide`: the decision is appended to the history, the
    item is marked decided, and every later link run obeys it. Deciding an item again records
    a new decision, which then is the one in force. A decision that contradicts the decisions
    in force raises :class:`DecisionContradicts` (409) naming them, and nothing is recorded or
    audited; one on a record no longer current is recorded with a ``warning``. ``seen`` is the
    id of the decision in force the reviewer was shown (``None``: none): if the pair has been
    decided since, :class:`DecidedMeanwhile` (409) names that decision instead.
    """
    require_reviewer(actor)
    if decision not in review.DECISIONS:
        raise ServiceError("decision must be 'link' or 'not-link'.")
    text = (note or "").strip() or None
    if text is not None and len(text) > NOTE_MAX:
        raise ServiceError(f"A note may be at most {NOTE_MAX} characters.")
    if text is not None and has_control_characters(text):
        raise ServiceError("The note holds control characters: write it in ordinary text.")
    item = _item(session, item_id)
    pair = (item.record_key_l, item.record_key_r)
    try:
        recorded = review.decide(session, pair, decision, actor.user, note=text, seen=seen)
    except review.ContradictoryDecision as exc:
        raise DecisionContradicts(str(exc)) from exc
    except review.DecidedMeanwhile as exc:
        raise DecidedMeanwhile(str(exc)) from exc
    row = recorded.row
    _audit_decision(session, actor, recorded, item)
    return ReviewOutcome(
        item_id=item.id,
        record_l=row.record_key_l,
        record_r=row.record_key_r,
        decision=row.decision,
        reviewer=row.reviewer,
        note=row.note,
        decided_at=row.decided_at,
        warning=recorded.warning,
        nhs_numbers_differ=recorded.nhs_numbers_differ,
        not_current=recorded.not_current,
    )


#: The credential of a decision made with ``joinedup review decide``: someone with the
#: database's own access, at the console, naming themselves with ``--reviewer``.
CONSOLE = "console"


def decide_at_console(
    session: Session, pair: str, decision: str, reviewer: str, note: str | None = None
) -> review.Recorded:
    """Record a decision made with ``joinedup review decide``, on the audit trail as one made
    through the API or the pages is (``review.decide``, in the name ``--reviewer`` gives).

    Raises what :func:`joinedup.linkage.review.decide` raises; nothing is audited then.
    """
    recorded = review.decide(session, pair, decision, reviewer, note=note)
    actor = Actor(
        user=recorded.row.reviewer, organisation="hub", role="reviewer", credential=CONSOLE
    )
    _audit_decision(session, actor, recorded, None)
    return recorded


def _audit_decision(
    session: Session, actor: Actor, recorded: review.Recorded, item: ReviewItem | None
) -> None:
    """One ``review.decide`` event for each person the pair concerns.

    The reason names the decision's row and the pair by record keys, so an auditor can find
    the stored decision (and its note, which may name someone and so stays out of the trail).
    """
    row = recorded.row
    where = f"linkage review item {item.id}, " if item is not None else "linkage review "
    what = f"{where}decision {row.id} on {review.format_pair(recorded.pair)}"
    audit(
        session,
        *(
            NewEvent(
                actor=actor.user,
                organisation=actor.organisation or "hub",
                role=actor.role,
                action="review.decide",
                person_id=person,
                request_id=actor.request_id,
                credential=actor.credential,
                reason=f"{what}: {row.decision}",
            )
            for person in _persons_of_pair(
                session, item.person_id if item is not None else None, recorded.pair
            )
        ),
    )
