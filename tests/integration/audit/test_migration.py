"""Migration 0003 goes down and up again cleanly, triggers included, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from joinedup.store.db import downgrade, make_engine, upgrade
from tests.integration.audit.helpers import fill


def test_down_and_up_again(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        downgrade(engine, "0002")
        assert "audit_events" not in inspect(engine).get_table_names()
        upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"audit_events", "audit_checkpoints", "resident_choices", "alerts"} <= tables
        fill(engine, 1)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        engine.dispose()


def test_checkpoint_cadence_migration_keeps_old_checkpoints_and_guards_new_ones(
    empty_db_url: str,
) -> None:
    """0009 adds ``audit_checkpoints.cadence``: checkpoints signed before it (no cadence) still
    verify; going back down is refused once a checkpoint has signed its cadence, since dropping
    the column would leave its signature unverifiable."""
    from joinedup.audit import verify
    from tests.integration.audit.helpers import legacy_checkpoint

    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        fill(engine, 4)
        legacy_checkpoint(engine, 2)
        downgrade(engine, "0008")
        assert "cadence" not in {
            c["name"] for c in inspect(engine).get_columns("audit_checkpoints")
        }
        upgrade(engine)
        assert verify(engine).ok
        fill(engine, 2, checkpoint_every=3)  # a checkpoint at 6, recording its cadence
        assert verify(engine).ok
        with pytest.raises(RuntimeError, match="signatures unverifiable"):
            downgrade(engine, "0008")
        assert verify(engine).ok
    finally:
        engine.dispose()

