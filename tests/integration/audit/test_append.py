"""Appending: the chain links, the transaction is the caller's, checkpoints are signed, and the
database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from joinedup.audit import AuditError, NewEvent, append, checkpoint_now, verify
from joinedup.audit.chain import GENESIS, compute_hash, row_fields
from joinedup.audit.signing import SigningKeyError
from joinedup.policy import decide
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditCheckpoint, AuditEvent
from tests.integration.audit.helpers import event, fill
from tests.unit.policy.builders import request


def count(engine: Engine, table: type) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_events_form_a_chain(engine: Engine) -> None:
    fill(engine, 5)
    with session_scope(engine) as session:
        rows = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    for r in rows:
        assert r.hash == compute_hash(r.prev_hash, row_fields(r))
    assert rows[0].reason == "Zoë's review" and rows[0].categories == [
        "adult_social_care/social_care.adult"
    ]
    assert verify(engine).ok


def test_append_is_part_of_the_callers_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        append(session, event(1))
        raise RuntimeError("the read failed after the audit row was written")
    assert count(engine, AuditEvent) == 0


def test_a_failed_append_fails_the_callers_transaction(engine: Engine) -> None:
    fill(engine, 1)
    with session_scope(engine) as session:
        first_id = session.scalar(select(AuditEvent.event_id))
    with pytest.raises(DBAPIError), session_scope(engine) as session:
        session.execute(text("SELECT 1"))  # stands for the read of personal data
        append(session, event(3, event_id=first_id))
    assert count(engine, AuditEvent) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"actor": " "}, "needs actor"),
        ({"decision": "maybe"}, "decision must be one of"),
    ],
)
def test_malformed_events_are_refused(engine: Engine, changes: dict, message: str) -> None:
    with pytest.raises(AuditError, match=message), session_scope(engine) as session:
        append(session, event(1, **changes))


def test_checkpoints_every_n_events_are_signed(engine: Engine) -> None:
    fill(engine, 7, checkpoint_every=3)
    with session_scope(engine) as session:
        seqs = list(session.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)))
    assert seqs == [3, 6]
    result = verify(engine)
    assert result.ok and result.checkpoints == 2 and result.unsigned_tail == 1


def test_checkpoint_interval_from_the_environment(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "2")
    for n in range(1, 5):
        with session_scope(engine) as session:
            append(session, event(n))
    assert count(engine, AuditCheckpoint) == 2


def test_checkpoint_now_signs_the_head_once(engine: Engine) -> None:
    fill(engine, 2)
    with session_scope(engine) as session:
        assert checkpoint_now(session) is not None
    with session_scope(engine) as session:
        assert checkpoint_now(session) is None
    assert verify(engine).last_checkpoint_seq == 2


def test_production_without_a_key_fails_closed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY")
    monkeypatch.setenv("JOINEDUP_ENV", "production")
    with pytest.raises(SigningKeyError, match="production needs"), session_scope(engine) as s:
        append(s, event(1), checkpoint_every=1)
    assert count(engine, AuditEvent) == 0


def test_development_key_is_used_with_a_warning(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import joinedup.audit.signing as signing

    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY")
    monkeypatch.setattr(signing, "_warned", False)
    with pytest.warns(UserWarning, match="development key"), session_scope(engine) as s:
        append(s, event(1), checkpoint_every=1)
    assert verify(engine).ok


def test_event_from_a_decision(engine: Engine) -> None:
    req = request(request_id="r-1", case_reference="CASE-9")
    decision = decide(req)
    with session_scope(engine) as session:
        stored = append(session, NewEvent.from_decision(req, decision, action="person.view"))
    assert stored.decision == "partial"
    assert stored.categories == ["social_care/social_care.adult"]
    assert stored.agreements[0]["id"] == "care"
    assert (stored.case_reference, stored.request_id) == ("CASE-9", "r-1")


@pytest.mark.parametrize("table", ["audit_events", "audit_checkpoints"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET hash = 'x'", "DELETE FROM {table}"])
def test_the_database_refuses_update_and_delete(engine: Engine, table: str, statement: str) -> None:
    fill(engine, 2, checkpoint_every=1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement.format(table=table)))
    assert verify(engine).ok


@pytest.mark.postgres
def test_postgresql_refuses_truncate(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL only")
    fill(engine, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_events"))
