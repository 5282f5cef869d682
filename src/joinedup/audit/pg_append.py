"""Appending on PostgreSQL in one round trip while the chain is locked.

The chain's advisory lock is held from the moment it is granted until the caller commits, and
every other appender of every worker process waits for it. Reading the head in Python, hashing
there and then inserting held it for three round trips (lock and head, insert, commit); in a
busy worker each round trip also waits for the process's GIL before the next statement goes out
(up to the 5 ms switch interval), so the hold grew with the load and capped governed throughput.

Here the lock, a read of the interval the latest checkpoint recorded (which the appender must
keep: :func:`joinedup.audit.log._due`) and one ``INSERT … SELECT`` per event go out in one
psycopg pipeline, one round trip: the database reads the head, takes ``seq + 1`` and computes
the link's hash with its own ``sha256()`` over exactly the text
:func:`joinedup.audit.chain.compute_hash` hashes — ``prev_hash || E'\\n' || canonical JSON``,
as UTF-8. The canonical JSON is still made in Python (one implementation, the one
``joinedup audit verify`` uses), and each returned hash is checked against Python's before the
unit of work can commit: a mismatch raises and nothing is kept.

Each insert is a statement of its own, so under READ COMMITTED it takes its snapshot when it
starts — after the lock statement ahead of it was granted: it sees the previous holder's
committed event, and the earlier events of its own batch (its own transaction's).

The head is found through the primary key whatever the table's statistics say. psycopg prepares
the insert on each pooled connection and PostgreSQL keeps the plan it made then; made while the
statistics still described a near-empty table (a new hub, or one analysed just after set-up),
that plan read the whole table five times per event, with the chain locked, until the next
autoanalyze — 0.6-1 ms of the database's CPU per event at 2,000 events, growing with the table.
Sequential scans are therefore off (``set_config(…, true)``: this transaction only) while the
inserts are planned and run, and back to the session's setting after them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, Text, bindparam, func, insert, literal, literal_column, select
from sqlalchemy.orm import Session

from joinedup.audit.chain import GENESIS, STORED_FIELDS, canonical_fields
from joinedup.store.governance_tables import AuditCheckpoint, AuditEvent
from joinedup.store.prepared import Prepared

_EVENTS = cast(Table, AuditEvent.__table__)
# No LIMIT: with its count a parameter, the generic plan of a prepared statement is costed for
# an unknown number of rows, so PostgreSQL planned the statement afresh on every execution
# (~0.1 ms each, with the chain locked). max(seq) is one step down the primary key either way.
_LAST = select(func.max(_EVENTS.c.seq)).scalar_subquery()
_HEAD = select(
    func.coalesce(_LAST, 0).label("seq"),
    func.coalesce(
        select(_EVENTS.c.hash).where(_EVENTS.c.seq == _LAST).scalar_subquery(),
        literal(GENESIS),
    ).label("hash"),
).subquery("head")
_LINKED_HASH = func.encode(
    func.sha256(
        func.convert_to(
            _HEAD.c.hash + literal("\n") + bindparam("canonical", type_=Text),
            literal_column("'UTF8'"),
        )
    ),
    literal_column("'hex'"),
)
_LINK = Prepared(
    insert(_EVENTS)
    .from_select(
        [*STORED_FIELDS, "seq", "prev_hash", "hash"],
        select(
            *(bindparam(name, type_=_EVENTS.c[name].type) for name in STORED_FIELDS),
            _HEAD.c.seq + 1,
            _HEAD.c.hash,
            _LINKED_HASH,
        ),
    )
    .returning(_EVENTS.c.seq, _EVENTS.c.prev_hash, _EVENTS.c.hash)
)
_CHECKPOINTS = cast(Table, AuditCheckpoint.__table__)
# The cadence the latest checkpoint announced, which the appender must honour
# (joinedup.audit.log._due): read under the lock, in the same round trip. max(seq), not a
# LIMIT, for the reason _LAST gives.
_DECLARED = Prepared(
    select(_CHECKPOINTS.c.cadence).where(
        _CHECKPOINTS.c.seq == select(func.max(_CHECKPOINTS.c.seq)).scalar_subquery()
    )
)
_LOCK_SQL = "SELECT pg_advisory_xact_lock(%s), set_config('enable_seqscan', 'off', true)"
_SEQSCAN_AS_BEFORE_SQL = "SET LOCAL enable_seqscan TO DEFAULT"
#: How long an append waits for the chain's lock (or a lock on the audit table) before giving
#: up: the request then fails closed with a 503. Without it a lock held by a forgotten open
#: transaction (an administrator's psql session, say) stalled every view for as long as it
#: was held (a QA pass: 88 s). An append holds the lock for milliseconds.
LOCK_TIMEOUT = "5s"
_LOCK_TIMEOUT_SQL = "SELECT set_config('lock_timeout', %s, true)"
_LOCK_TIMEOUT_AS_BEFORE_SQL = "SET LOCAL lock_timeout TO DEFAULT"


class ChainMismatch(RuntimeError):
    """The database linked an event with a hash Python does not compute: nothing is kept."""


def pipelined(driver: Any) -> bool:
    """Whether ``driver`` (the DBAPI connection) can send a pipeline (psycopg 3)."""
    return hasattr(driver, "pipeline")


def append_linked(session: Session, lock_key: int, rows: Sequence[dict[str, Any]]) -> int | None:
    """Lock the chain and insert ``rows`` (the hashed fields of each event) as its next links,
    in one round trip; fills in each row's ``seq``, ``prev_hash`` and ``hash`` as stored, and
    returns the cadence the latest checkpoint records (``None``: no checkpoint, or one older
    than migration 0009).

    Raises (leaving the transaction to be rolled back) if the database refuses a row or its
    hash differs from :func:`joinedup.audit.chain.compute_hash`'s.
    """
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    dialect = connection.dialect
    canonical = [canonical_fields(row) for row in rows]
    statements = [
        _LINK.for_driver(dialect, {**row, "canonical": text})
        for row, text in zip(rows, canonical, strict=True)
    ]
    declared_sql, declared_parameters = _DECLARED.for_driver(dialect, {})
    try:
        with driver.pipeline():
            driver.execute(_LOCK_TIMEOUT_SQL, (LOCK_TIMEOUT,))
            driver.execute(_LOCK_SQL, (lock_key,))
            declared = driver.execute(declared_sql, declared_parameters)
            cursors = [driver.execute(sql, parameters) for sql, parameters in statements]
            driver.execute(_SEQSCAN_AS_BEFORE_SQL)
            driver.execute(_LOCK_TIMEOUT_AS_BEFORE_SQL)
        linked = [cursor.fetchone() for cursor in cursors]
        announced = declared.fetchone()
    except dialect.loaded_dbapi.Error as exc:
        sql, parameters = statements[0]
        connection._handle_dbapi_exception(exc, sql, parameters, None, None)
        raise  # not reached: the line above raises SQLAlchemy's wrapper
    for row, text, (seq, prev_hash, chained) in zip(rows, canonical, linked, strict=True):
        expected = hashlib.sha256(f"{prev_hash}\n{text}".encode()).hexdigest()
        if chained != expected:
            raise ChainMismatch(f"audit event {seq}: the database's hash differs from Python's")
        row.update(seq=seq, prev_hash=prev_hash, hash=chained)
    return None if announced is None else cast("int | None", announced[0])
