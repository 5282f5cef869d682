"""Migration 0003 goes down and up again cleanly, triggers included, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from joinedup.store.db import downgrade, make_engine, upgrade
from tests.integration.audit.helpers import event, fill, fill_legacy, row


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


def test_the_hash_index_goes_and_the_trail_stays_append_only(empty_db_url: str) -> None:
    """0010 drops the unique index on ``audit_events.hash``. On SQLite that copies the table, so
    the rows must come across unchanged and the append-only triggers be made again; and the
    same going back down."""
    from joinedup.audit import verify

    def hash_is_unique(engine: Engine) -> bool:
        checker = inspect(engine)
        keys = [c["column_names"] for c in checker.get_unique_constraints("audit_events")]
        keys += [i["column_names"] for i in checker.get_indexes("audit_events") if i["unique"]]
        return ["hash"] in keys

    def refuses_changes(engine: Engine) -> None:
        for statement in ("DELETE FROM audit_events", "UPDATE audit_events SET actor = 'x'"):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))

    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0009")
        fill_legacy(engine, 5, checkpoint_every=2)
        with engine.connect() as conn:
            before = conn.execute(text("SELECT * FROM audit_events ORDER BY seq")).all()
        assert hash_is_unique(engine)
        upgrade(engine, "0010")
        assert not hash_is_unique(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT * FROM audit_events ORDER BY seq")).all() == before
        refuses_changes(engine)
        upgrade(engine)
        fill(engine, 3, checkpoint_every=2)
        assert verify(engine).ok
        downgrade(engine, "0009")
        assert hash_is_unique(engine)
        refuses_changes(engine)
        assert verify(engine).ok
    finally:
        engine.dispose()


def test_alerts_handled_before_0011_stay_handled_for_the_handlers_organisation(
    empty_db_url: str,
) -> None:
    """0011 moves an alert's one status to its handler's organisation; every other organisation
    finds it open, as it should always have been."""
    engine = make_engine(empty_db_url)
    at = "2026-06-01 10:00:00+00:00"
    try:
        upgrade(engine, "0010")
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO organisations (id, name, created_at) VALUES ('icb', 'ICB', :at)"),
                {"at": at},
            )
            conn.execute(
                text(
                    "INSERT INTO users (username, display_name, organisation_id, role, active, "
                    "created_at, failed_sign_ins) VALUES ('ig.icb', 'IG', 'icb', 'ig_officer', "
                    ":t, :at, 0)"
                ),
                {"at": at, "t": True},
            )
            for alert_id, status, by in (
                (1, "closed", "ig.icb"),
                (2, "open", None),
                (3, "acknowledged", "gone"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO alerts (id, kind, raised_at, actor, organisation, summary, "
                        "status, handled_by, handled_at, outcome) VALUES (:id, 'break_glass', "
                        ":at, 'gp', 'council', 's', :status, :by, :handled, :outcome)"
                    ),
                    {
                        "id": alert_id,
                        "at": at,
                        "status": status,
                        "by": by,
                        "handled": at if by else None,
                        "outcome": "justified" if by else None,
                    },
                )
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT alert_id, organisation, status, handled_by, outcome "
                    "FROM alert_handlings ORDER BY alert_id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            (1, "icb", "closed", "ig.icb", "justified"),
            (3, "council", "acknowledged", "gone", "justified"),  # no account: the alert's own
        ]
        downgrade(engine, "0010")
        assert "alert_handlings" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_events_from_before_0014_still_verify_and_new_ones_hash_the_credential(
    empty_db_url: str,
) -> None:
    """0014 adds ``audit_events.credential`` and ``account_organisation``, hashed only when not
    NULL: a chain written before it (checkpoints included) verifies after the upgrade, events
    appended after it link on and carry both, and going back down is refused once one does."""
    from joinedup.audit import append, verify
    from joinedup.store.db import session_scope

    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0011")
        fill_legacy(engine, 5, checkpoint_every=2)
        assert verify(engine).ok
        with engine.connect() as conn:
            before = conn.execute(text("SELECT * FROM audit_events ORDER BY seq")).all()
        upgrade(engine)
        assert verify(engine).ok
        with session_scope(engine) as session:
            append(
                session,
                event(6, credential="token:42", account_organisation="northbridge-council"),
                checkpoint_every=3,
            )
            append(session, event(7, credential="session:9"), checkpoint_every=3)
        result = verify(engine)
        assert result.ok, result.problems
        assert row(engine, 6)["credential"] == "token:42"
        assert row(engine, 6)["account_organisation"] == "northbridge-council"
        assert row(engine, 7)["prev_hash"] == row(engine, 6)["hash"]
        with engine.connect() as conn:
            old = conn.execute(text("SELECT * FROM audit_events WHERE seq <= 5 ORDER BY seq")).all()
        assert [r._mapping["hash"] for r in old] == [r._mapping["hash"] for r in before]
        assert {r._mapping["credential"] for r in old} == {None}
        with pytest.raises(RuntimeError, match="unverifiable"):
            downgrade(engine, "0011")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET credential = 'token:1' WHERE seq = 1"))
        assert verify(engine).ok
    finally:
        engine.dispose()


def test_0014_goes_down_keeping_every_account_token_and_session(empty_db_url: str) -> None:
    """Going back below 0014 drops ``users.must_change_password`` in place: the accounts, and
    the tokens and sessions that cascade from them, all stay."""
    from joinedup.services import accounts
    from joinedup.store.db import session_scope

    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            accounts.create_organisation(session, "down-council", name="Down Council")
            user = accounts.create_user(
                session,
                username="kept.user",
                display_name="Kept",
                role="gp",
                organisation_id="down-council",
                password="a long enough passphrase",
                must_change_password=True,
            )
            accounts.issue_token(session, user_id=user.id, name="kept")
            accounts.start_session(session, user)
        downgrade(engine, "0011")
        assert "must_change_password" not in {
            c["name"] for c in inspect(engine).get_columns("users")
        }
        with engine.connect() as conn:
            counts = [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("users", "api_tokens", "web_sessions")
            ]
        assert counts == [1, 1, 1]
        upgrade(engine)
        with session_scope(engine) as session:
            found = accounts.find_user(session, "kept.user")
            assert found is not None and found.must_change_password is False
    finally:
        engine.dispose()
