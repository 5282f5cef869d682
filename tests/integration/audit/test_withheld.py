"""``audit_events.withheld`` (migration 0016): what a decision kept back is on the row, hashed.

Events from before the column (NULL) hash as they did; a value given later, changed, cleared or
made unreadable is an edit ``joinedup audit verify`` names at its event, on both backends.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from joinedup.audit import append, verify
from joinedup.store.db import downgrade, make_engine, session_scope, upgrade
from tests.integration.audit.helpers import event, fill, fill_legacy, row, tamper

WITHHELD = [
    {"source": "asc", "category": "social_care.adult", "reason_code": "deny_sealed"},
    {"source": "gp", "category": "identity.core", "reason_code": "deny_objection"},
]


def _fill_with_withheld(engine: Engine) -> None:
    """Events 1-2 record no decision's withholding (NULL), 3 withheld nothing ([]), 4-5 two
    items each."""
    for n in range(1, 6):
        extra: dict[str, object] = {}
        if n == 3:
            extra = {"withheld": []}
        elif n >= 4:
            extra = {"withheld": WITHHELD}
        with session_scope(engine) as session:
            append(session, event(n, **extra), checkpoint_every=0)


def _json(engine: Engine, value: str) -> str:
    """A JSON literal for an UPDATE, as each backend takes it."""
    return f"CAST('{value}' AS jsonb)" if engine.dialect.name == "postgresql" else f"'{value}'"


def test_withheld_is_stored_as_given_and_verifies(engine: Engine) -> None:
    _fill_with_withheld(engine)
    result = verify(engine)
    assert result.ok, result.problems
    assert row(engine, 1)["withheld"] is None
    assert row(engine, 3)["withheld"] == []
    assert row(engine, 4)["withheld"] == WITHHELD


EDITS: list[tuple[str, str, int]] = [
    ("give an old event a withheld list", "withheld = {empty}", 2),
    ("hide that something was withheld", "withheld = {empty}", 4),
    ("clear what was withheld", "withheld = NULL", 5),
    ("invent a withholding", "withheld = {one}", 3),
    ("change why", "withheld = {other_reason}", 4),
    ("make it unreadable", "withheld = {garbage}", 5),
]


@pytest.mark.parametrize(
    ("change", "seq"), [(c, s) for _, c, s in EDITS], ids=[name for name, *_ in EDITS]
)
def test_editing_withheld_is_caught(engine: Engine, change: str, seq: int) -> None:
    _fill_with_withheld(engine)
    assert verify(engine).ok
    one = '[{"source": "x", "category": "identity.core", "reason_code": "deny_sealed"}]'
    other = (
        '[{"source": "asc", "category": "social_care.adult", "reason_code": "deny_no_agreement"},'
        ' {"source": "gp", "category": "identity.core", "reason_code": "deny_objection"}]'
    )
    values = {"empty": _json(engine, "[]"), "one": _json(engine, one)}
    values["other_reason"] = _json(engine, other)
    # Not JSON at all: only SQLite's text column can hold it; PostgreSQL's jsonb refuses it,
    # so there a number stands in (JSON, but not a list of items).
    values["garbage"] = "'not json ['" if engine.dialect.name == "sqlite" else _json(engine, "7")
    tamper(engine, f"UPDATE audit_events SET {change.format(**values)} WHERE seq = {seq}")
    result = verify(engine)
    assert result.first is not None, f"{change} went unnoticed"
    assert (result.first.seq, result.first.kind) == (seq, "edited"), result.problems


def test_events_from_before_0016_still_verify_and_down_is_refused_once_used(
    empty_db_url: str,
) -> None:
    """A trail written at 0015 verifies after the upgrade, new events link on with withheld,
    the database still refuses to change a row, and going back down would make them
    unverifiable, so it is refused."""
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0015")
        fill_legacy(engine, 3)
        before = _hashes(engine)
        upgrade(engine)
        assert verify(engine).ok
        with session_scope(engine) as session:
            append(session, event(4, withheld=WITHHELD), checkpoint_every=2)
        result = verify(engine)
        assert result.ok, result.problems
        assert _hashes(engine)[:3] == before
        assert row(engine, 4)["prev_hash"] == row(engine, 3)["hash"]
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET withheld = NULL WHERE seq = 4"))
        with pytest.raises(RuntimeError, match="unverifiable"):
            downgrade(engine, "0015")
        assert verify(engine).ok
    finally:
        engine.dispose()


def test_0016_goes_down_and_up_while_unused(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        fill(engine, 2)
        downgrade(engine, "0015")
        assert "withheld" not in {c["name"] for c in inspect(engine).get_columns("audit_events")}
        assert verify(engine).ok
        upgrade(engine)
        fill(engine, 1)
        assert verify(engine).ok
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        engine.dispose()


def _hashes(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT hash FROM audit_events ORDER BY seq")).scalars())
