"""Appending to the audit trail, inside the caller's transaction.

The caller reads personal data in the same transaction as it appends the event that records the
read. If the append fails, the exception propagates and the whole unit of work rolls back: no
audit row, no data (fail closed). ``append`` therefore never commits and never swallows errors.

Concurrent appends are serialised so that each event links to the true previous head:
PostgreSQL takes a transaction-level advisory lock (through psycopg 3 in the same round trip as
the inserts, the links hashed by the database: see :mod:`joinedup.audit.pg_append`); SQLite
takes its database write lock by updating the one-row ``audit_chain_lock`` table before reading
the head. On SQLite a transaction
that reads before it appends must take the write lock up front, or a concurrent appender makes
its later upgrade fail at once with "database is locked": open such units of work on
:func:`audited_engine` (``session_scope(audited_engine(engine))``), which does that.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.audit.chain import GENESIS, STORED_FIELDS, compute_hash
from joinedup.audit.pg_append import append_linked, pipelined
from joinedup.audit.signing import load_signing_key, sign_checkpoint
from joinedup.config import Settings
from joinedup.errors import JoinedupError
from joinedup.policy.request import AccessRequest, Decision
from joinedup.store.base import utcnow
from joinedup.store.governance_tables import AuditCheckpoint, AuditEvent
from joinedup.store.ordered_ids import uuid7
from joinedup.store.prepared import Prepared

# Key of the PostgreSQL advisory lock that serialises appends (fixed, arbitrary, and distinct
# from the store's migration lock).
PG_AUDIT_LOCK = 7_271_805_003

DECISIONS = ("permit", "partial", "deny", "none")
_EVENTS = cast(Table, AuditEvent.__table__)
_CHECKPOINTS = cast(Table, AuditCheckpoint.__table__)
# The cadence the latest checkpoint announced (see _due), read with the head: one statement.
_DECLARED = (
    select(_CHECKPOINTS.c.cadence).order_by(_CHECKPOINTS.c.seq.desc()).limit(1).scalar_subquery()
)
_HEAD = Prepared(
    select(_EVENTS.c.seq, _EVENTS.c.hash, _DECLARED).order_by(_EVENTS.c.seq.desc()).limit(1)
)
# Every column, in the order _fields gives them and the chain's three after.
_INSERT = Prepared(
    insert(_EVENTS),
    keys=(*STORED_FIELDS, "seq", "prev_hash", "hash"),
)
_EVERY_VAR = "JOINEDUP_AUDIT_CHECKPOINT_EVERY"


class AuditError(JoinedupError):
    """An audit event that cannot be recorded as given (missing or malformed fields)."""


@dataclass(frozen=True)
class NewEvent:
    """What to record: who did what to whose data, why, and what policy decided.

    ``decision`` is ``permit``, ``partial``, ``deny`` or ``none`` (for actions that are not an
    access decision, such as declaring a relationship). ``categories`` are the released items as
    ``source/category``; ``agreements`` the versions relied on (``{"id", "version", "sha256"}``).
    ``reason`` is the requester's stated reason or the decision's reason — never personal data
    beyond the ids already in the row. ``credential`` is what the actor acted with
    (``session:<id>`` or ``token:<id>``: :attr:`joinedup.services.actor.Actor.credential`);
    ``account_organisation`` the organisation of the account an administrator changed.
    ``withheld`` is what an access decision did not release, each item
    ``{"source", "category", "reason_code"}`` (:meth:`Decision.withheld_codes`); ``None`` for
    an event that records no decision.
    """

    actor: str
    organisation: str
    role: str
    action: str
    decision: str = "none"
    purpose: str | None = None
    person_id: str | None = None
    case_reference: str | None = None
    categories: Sequence[str] = ()
    agreements: Sequence[dict[str, Any]] = ()
    request_id: str | None = None
    reason: str | None = None
    break_glass: bool = False
    at: datetime | None = None
    event_id: str = field(default_factory=lambda: str(uuid7()))
    credential: str | None = None
    account_organisation: str | None = None
    withheld: Sequence[dict[str, str]] | None = None

    @classmethod
    def from_decision(
        cls,
        request: AccessRequest,
        decision: Decision,
        *,
        action: str,
        reason: str | None = None,
        credential: str | None = None,
    ) -> NewEvent:
        """The event recording a policy decision: released items, agreements, break-glass."""
        return cls(
            actor=request.actor,
            organisation=request.organisation,
            role=request.role,
            action=action,
            decision=decision.outcome,
            purpose=request.purpose,
            person_id=request.person_id,
            case_reference=request.case_reference,
            categories=decision.released_labels,
            agreements=decision.agreement_citations(),
            request_id=request.request_id,
            reason=reason if reason is not None else _break_glass_reason(request, decision),
            break_glass=decision.break_glass_used,
            at=request.now,
            credential=credential,
            withheld=decision.withheld_codes(),
        )


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An event as appended: its place in the chain (``seq``, ``prev_hash``, ``hash``) and the
    fields that were hashed. Plain data, not an ORM object: the event was written by a Core
    insert and is not in the caller's session."""

    seq: int
    event_id: str
    at: datetime
    actor: str
    organisation: str
    role: str
    purpose: str | None
    case_reference: str | None
    person_id: str | None
    action: str
    decision: str
    categories: list[str]
    agreements: list[dict[str, Any]]
    request_id: str | None
    reason: str | None
    break_glass: bool
    prev_hash: str
    hash: str
    credential: str | None = None
    account_organisation: str | None = None
    withheld: list[dict[str, str]] | None = None


def _break_glass_reason(request: AccessRequest, decision: Decision) -> str | None:
    if decision.break_glass_used and request.break_glass is not None:
        return f"break-glass: {request.break_glass.reason}"
    return None


def audited_engine(engine: Engine) -> Engine:
    """``engine`` for units of work that read personal data and append the audit event.

    On SQLite its transactions begin ``IMMEDIATE`` (holding the write lock from the start, so
    appenders queue instead of failing); elsewhere it is ``engine`` itself. Cheap: it shares the
    engine's pool. Example: ``with session_scope(audited_engine(engine)) as session: ...``.
    """
    if engine.dialect.name != "sqlite":
        return engine
    # One per engine, not one per request: making an option engine costs a third of a
    # millisecond, and every API request opens its unit of work on it.
    audited = _AUDITED.get(engine)
    if audited is None:
        audited = _AUDITED[engine] = engine.execution_options(sqlite_begin="IMMEDIATE")
    return audited


_AUDITED: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def _check(event: NewEvent) -> None:
    for name in ("actor", "organisation", "role", "action"):
        if not str(getattr(event, name) or "").strip():
            raise AuditError(f"an audit event needs {name}")
    if event.decision not in DECISIONS:
        raise AuditError(f"decision must be one of {', '.join(DECISIONS)}, not {event.decision!r}")
    if event.at is not None and event.at.tzinfo is None:
        raise AuditError("the time of an audit event must be timezone-aware")


def _lock_chain(session: Session) -> None:
    """Serialise appenders: the one place the two backends differ."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_AUDIT_LOCK})
    elif bind.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
        # BEGIN IMMEDIATE took SQLite's write lock already (audited_engine): no one can append.
        return
    else:
        # Any write takes SQLite's database lock until the transaction ends; this one changes
        # nothing, but from here until commit no other connection can append.
        session.execute(text("UPDATE audit_chain_lock SET id = id WHERE id = 1"))


def _locked_head(session: Session) -> Sequence[Any] | None:
    """Take the chain lock, then read the head ``(seq, hash, cadence the latest checkpoint
    announced)``; ``None`` for an empty trail."""
    _lock_chain(session)
    return cast("Sequence[Any] | None", _HEAD.first(session))


def append(
    session: Session, event: NewEvent, *, checkpoint_every: int | None = None
) -> StoredEvent:
    """Append ``event`` to the audit trail in the caller's transaction and return what was stored.

    Takes the chain lock, links the event to the current head (seq + 1, its hash as
    ``prev_hash``), inserts and flushes it, and every ``checkpoint_every`` events
    (``JOINEDUP_AUDIT_CHECKPOINT_EVERY``, 1000 by default) adds a checkpoint signed with the
    Ed25519 key from ``JOINEDUP_AUDIT_SIGNING_KEY``. Never commits: the caller's unit of work
    does, together with the read the event records. Any failure raises, so the caller's read
    rolls back too. Example::

        with session_scope(engine) as session:
            append(session, NewEvent(actor="u1", organisation="nb", role="gp",
                                     action="person.view", decision="permit", person_id=pid))
    """
    return append_all(session, [event], checkpoint_every=checkpoint_every)[0]


def append_all(
    session: Session, events: Sequence[NewEvent], *, checkpoint_every: int | None = None
) -> list[StoredEvent]:
    """Append ``events``, in order, as consecutive links of the chain; one lock, one head read,
    one insert. As :func:`append` otherwise (checkpoints, never commits, raises on failure).

    Call it last in the unit of work, just before the commit: from the chain lock to the
    commit, no other unit of work can append (on PostgreSQL the advisory lock is taken here;
    on SQLite the transaction holds the database's single write lock anyway).
    """
    if not events:
        return []
    for event in events:
        _check(event)
    every = checkpoint_every if checkpoint_every is not None else _checkpoint_every()
    if _linked_by_database(session):
        rows = [_fields(event) for event in events]
        declared = append_linked(session, PG_AUDIT_LOCK, rows)
        due: list[AuditCheckpoint] = []
        for row in rows:
            if _due(row["seq"], every, declared):
                due.append(_checkpoint(row["seq"], row["hash"], every))
                declared = every
        _add_checkpoints(session, due)
        return [StoredEvent(**row) for row in rows]
    head = _locked_head(session)
    seq, prev_hash, declared = (
        (head[0], head[1], head[2]) if head is not None else (0, GENESIS, None)
    )
    values: list[dict[str, Any]] = []
    checkpoints: list[AuditCheckpoint] = []
    for event in events:
        seq += 1
        fields = _fields(event)
        fields.update(seq=seq, prev_hash=prev_hash, hash=compute_hash(prev_hash, fields))
        prev_hash = fields["hash"]
        values.append(fields)
        if _due(seq, every, declared):
            checkpoints.append(_checkpoint(seq, prev_hash, every))
            declared = every
    # A prepared Core insert of the values: the ORM's unit of work (identity map, flush
    # ordering), and even Session.execute, cost more than hashing and writing the events.
    _INSERT.execute_many(session, values)
    _add_checkpoints(session, checkpoints)
    return [StoredEvent(**fields) for fields in values]


def _linked_by_database(session: Session) -> bool:
    """PostgreSQL through psycopg 3: the lock and the links in one round trip (``pg_append``)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    return pipelined(session.connection().connection.driver_connection)


def _due(seq: int, every: int, declared: int | None) -> bool:
    """Whether event ``seq`` gets a checkpoint: every ``every`` events (this process's setting),
    and also wherever the latest checkpoint's recorded cadence (``declared``) says one is due.

    Honouring the announced cadence is what makes a missing checkpoint evidence
    (:mod:`joinedup.audit.cadence`): processes with different settings (a rolling restart, a
    changed JOINEDUP_AUDIT_CHECKPOINT_EVERY) all keep the interval the latest checkpoint
    announced, and the next checkpoint announces the writer's own.
    """
    if every > 0 and seq % every == 0:
        return True
    return declared is not None and declared > 0 and seq % declared == 0


def _add_checkpoints(session: Session, checkpoints: list[AuditCheckpoint]) -> None:
    if checkpoints:
        session.add_all(checkpoints)
        session.flush()


def _fields(event: NewEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "at": event.at or utcnow(),
        "actor": event.actor,
        "organisation": event.organisation,
        "role": event.role,
        "purpose": event.purpose,
        "case_reference": event.case_reference,
        "person_id": event.person_id,
        "action": event.action,
        "decision": event.decision,
        "categories": list(event.categories),
        "agreements": [dict(item) for item in event.agreements],
        "request_id": event.request_id,
        "reason": event.reason,
        "break_glass": bool(event.break_glass),
        "credential": event.credential,
        "account_organisation": event.account_organisation,
        "withheld": None if event.withheld is None else [dict(item) for item in event.withheld],
    }


def _checkpoint(seq: int, chain_hash: str, cadence: int) -> AuditCheckpoint:
    key = load_signing_key()
    at = utcnow()
    return AuditCheckpoint(
        seq=seq,
        hash=chain_hash,
        signature=sign_checkpoint(key, seq, chain_hash, at, cadence),
        key_id=key.key_id,
        at=at,
        cadence=cadence,
    )


def checkpoint_now(session: Session) -> AuditCheckpoint | None:
    """Sign the current head at once (e.g. before a backup or at shutdown); ``None`` when the
    trail is empty or the head is already checkpointed. In the caller's transaction."""
    _lock_chain(session)
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash, _DECLARED).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    if head is None or session.get(AuditCheckpoint, head.seq) is not None:
        return None
    # It carries the announced cadence on rather than this process's setting: the command runs
    # wherever the IG officer runs it, often not with the hub's environment. (Appenders honour
    # whatever it records, so even this process's own would raise no false alarm.)
    declared = head[2]
    checkpoint = _checkpoint(
        head.seq, head.hash, _checkpoint_every() if declared is None else declared
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def _checkpoint_every() -> int:
    # Read on every append (tests and operators change it), but parsed only when it changes:
    # building the whole Settings object from the environment each time cost more CPU than
    # hashing and inserting the event.
    return _parse_every(os.environ.get(_EVERY_VAR))


@lru_cache(maxsize=8)
def _parse_every(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return Settings.audit_checkpoint_every
    try:
        return int(raw)
    except ValueError:
        raise AuditError(f"{_EVERY_VAR} must be a whole number") from None
