"""On PostgreSQL the database links and hashes each event (``audit.pg_append``): its hashes must
be byte for byte :func:`joinedup.audit.chain.compute_hash`'s, or ``joinedup audit verify`` would
reject the chain it wrote. Run on both backends: SQLite hashes in Python and must agree too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.audit import append, verify
from joinedup.audit import pg_append as pg_append_module
from joinedup.audit.chain import GENESIS, compute_hash, row_fields
from joinedup.audit.log import append_all
from joinedup.services.access import AuditUnavailable, audit
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.audit.helpers import event

# Texts whose UTF-8 or JSON forms are easy to get wrong: non-ASCII kept as is (not \\u escaped),
# astral characters, combining marks, quotes, backslashes, newlines and control characters.
AWKWARD = [
    "Zoë Łukasz O'Neill",
    'a "quoted" \\ back\\slash',
    "line one\nline two\r\ttab",
    "emoji 👩‍⚕️ and 𝄞",
    "e\u0301 combining, \u200b zero width, \u2028 line separator",
    "control \u0001\u001f and DEL \u007f",
]


def _check_chain(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.seq)).all()
    prev = GENESIS
    for row in rows:
        assert row.prev_hash == prev
        assert row.hash == compute_hash(prev, row_fields(row)), row.seq
        prev = row.hash
    result = verify(engine)
    assert result.ok, result.problems


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_hashes_as_python_does(engine: Engine, text: str) -> None:
    with session_scope(engine) as session:
        stored = append_all(
            session,
            [
                event(1, reason=text, actor=text[:40], case_reference=text),
                event(2, categories=[text], agreements=[{"id": text, "version": 2, "n": None}]),
                event(3, purpose=None, person_id=None, request_id=None, reason=None),
            ],
            checkpoint_every=2,
        )
    assert [s.seq for s in stored] == [1, 2, 3]
    assert stored[1].prev_hash == stored[0].hash and stored[2].prev_hash == stored[1].hash
    _check_chain(engine)


def test_times_in_other_zones_and_before_1000_hash_as_python_does(engine: Engine) -> None:
    plus_five = timezone(timedelta(hours=5, minutes=30))
    with session_scope(engine) as session:
        append(session, event(1, at=datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=plus_five)))
        append(session, event(2, at=datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)))
        append(session, event(3, at=datetime(2026, 10, 25, 1, 0, tzinfo=UTC), break_glass=True))
    _check_chain(engine)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    texts=st.lists(
        st.text(
            st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_text_hashes_as_python_does(engine: Engine, texts: list[str]) -> None:
    events = [
        event(n, reason=text, categories=[text], agreements=[{"id": text, "version": n}])
        for n, text in enumerate(texts)
    ]
    with session_scope(engine) as session:
        append_all(session, events, checkpoint_every=0)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(3)).all()
    for row in rows:
        assert row.hash == compute_hash(row.prev_hash, row_fields(row))


def test_a_hash_that_python_does_not_compute_keeps_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fail closed: if the database's link differed from Python's, the view's unit of work is
    refused (503) and neither the event nor anything else of it is kept."""
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL links events in the database")
    with session_scope(engine) as session:
        append(session, event(0))

    class WrongHash:
        @staticmethod
        def sha256(_data: bytes) -> Any:
            class Digest:
                @staticmethod
                def hexdigest() -> str:
                    return "f" * 64

            return Digest()

    monkeypatch.setattr(pg_append_module, "hashlib", WrongHash)
    with pytest.raises(AuditUnavailable), session_scope(engine) as session:
        audit(session, event(1))
    monkeypatch.undo()
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditEvent)) == 1
    _check_chain(engine)


def test_the_head_is_found_by_its_key_whatever_the_statistics_say(engine: Engine) -> None:
    """A hub analysed while its audit table was nearly empty kept, on every pooled connection,
    a plan that read the whole table to find the head — five times per event, with the chain
    locked. Appending must not scan the table however stale its statistics are."""
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL links events in the database")
    with session_scope(engine) as session:
        append_all(session, [event(0), event(1)], checkpoint_every=0)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE audit_events")
    with session_scope(engine) as session:
        # One connection and transaction: psycopg prepares the insert after a few runs and
        # PostgreSQL then keeps one plan, made while the statistics said two rows.
        for n in range(2, 300):
            append_all(session, [event(n)], checkpoint_every=0)
        scans = session.connection().exec_driver_sql(
            "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'audit_events'"
        )
        assert scans.scalar_one() == 0
        setting = session.connection().exec_driver_sql("SHOW enable_seqscan").scalar_one()
        assert setting == "on"  # the rest of the unit of work plans as it always did
    _check_chain(engine)
