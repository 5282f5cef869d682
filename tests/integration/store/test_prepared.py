"""Prepared statements give what ``Session.execute`` gives, on both backends.

:mod:`joinedup.store.prepared` runs SQLAlchemy's own compiled SQL and processors straight on the
cursor; these tests hold it to the reference, ``Session.execute`` of the same statement: the
same rows read (times, JSON, booleans, NULLs), the same values stored, the same exception types
for a driver error, and the statement seen by engine listeners.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, event, insert, literal, select, text, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from joinedup.store.prepared import Prepared

_EVENTS: Table = AuditEvent.__table__  # type: ignore[assignment]
_AT = datetime(2026, 12, 5, 11, 30, 15, 123456, tzinfo=UTC)


def _event(seq: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": f"00000000-0000-0000-0000-{seq:012d}",
        "at": _AT + timedelta(seconds=seq),
        "actor": "u1",
        "organisation": "northbridge-council",
        "role": "social_worker",
        "purpose": "safeguarding",
        "case_reference": None,
        "person_id": f"P{seq:012d}",
        "action": "person.view",
        "decision": "permit",
        "categories": ["gp/identity.core", "Zoë/ł"],
        "agreements": [{"id": "a", "version": 2, "sha256": "ab"}],
        "request_id": None,
        "reason": None,
        "break_glass": seq % 2 == 0,
        "seq": seq,
        "prev_hash": "0" * 64,
        "hash": f"{seq:064d}",
    }
    row.update(changes)
    return row


_KEYS = tuple(_event(1))
_INSERT = Prepared(insert(_EVENTS), keys=_KEYS)
_BY_PERSONS = select(_EVENTS).where(
    _EVENTS.c.person_id.in_(bindparam("ids", expanding=True)), _EVENTS.c.at >= bindparam("since")
)
# The same expanding list and time twice, a literal bound value, a union: shapes the hot path uses.
_UNION = union_all(
    select(literal("a").label("tag"), _EVENTS.c.seq, _EVENTS.c.at).where(
        _EVENTS.c.person_id.in_(bindparam("ids", expanding=True)), _EVENTS.c.at > bindparam("since")
    ),
    select(literal("b"), _EVENTS.c.seq, _EVENTS.c.at).where(
        _EVENTS.c.seq.in_(bindparam("seqs", expanding=True)), _EVENTS.c.at > bindparam("since")
    ),
).order_by("tag", "seq")


def _stored(engine: Engine, seq: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM audit_events WHERE seq = :s"), {"s": seq}).one()
    out = dict(row._mapping)
    for name in ("seq", "event_id", "person_id", "hash"):
        out.pop(name)
    return out


def test_an_insert_stores_what_session_execute_stores(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(insert(_EVENTS), [_event(1), _event(3, reason=None, categories=[])])
        _INSERT.execute_many(session, [_event(2), _event(4, reason=None, categories=[])])
    reference, prepared = _stored(engine, 1), _stored(engine, 2)
    assert prepared["at"] != reference["at"]  # one second apart, as given
    prepared.pop("at"), reference.pop("at")
    assert prepared == {**reference, "break_glass": prepared["break_glass"]}
    assert _stored(engine, 3) | {"at": None, "break_glass": None} == _stored(engine, 4) | {
        "at": None,
        "break_glass": None,
    }


@pytest.mark.parametrize("count", [1, 2, 5])
def test_reads_are_the_rows_session_execute_reads(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        _INSERT.execute_many(session, [_event(n) for n in range(1, 8)])
    values = {"ids": [f"P{n:012d}" for n in range(1, count + 1)], "since": _AT}
    union = {**values, "seqs": list(range(3, 3 + count))}
    with session_scope(engine) as session:
        for statement, given in ((_BY_PERSONS, values), (_UNION, union)):
            expected = [tuple(row) for row in session.execute(statement, given)]
            rows = Prepared(statement).all(session, given)
            assert [tuple(row) for row in rows] == expected
            assert rows, "the comparison must see rows"
        row = Prepared(_BY_PERSONS).first(session, values)
        assert row is not None
        assert row.at == _AT + timedelta(seconds=1) and row.at.tzinfo is not None
        assert row.categories == ["gp/identity.core", "Zoë/ł"] and row.break_glass is False
        assert Prepared(_BY_PERSONS).first(session, {"ids": ["nobody"], "since": _AT}) is None


def test_a_driver_error_is_sqlalchemys_and_rolls_back(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        _INSERT.execute_many(session, [_event(1)])
        _INSERT.execute_many(session, [_event(1)])
    with session_scope(engine) as session:
        assert session.execute(text("SELECT count(*) FROM audit_events")).scalar() == 0


def test_statement_listeners_see_the_statements(engine: Engine) -> None:
    seen: list[str] = []

    def keep(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with session_scope(engine) as session:
            _INSERT.execute_many(session, [_event(1)])
            assert Prepared(_BY_PERSONS).all(session, {"ids": ["P000000000001"], "since": _AT})
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert any(sql.startswith("INSERT INTO audit_events") for sql in seen)
    assert any("FROM audit_events" in sql and "IN" in sql for sql in seen)
