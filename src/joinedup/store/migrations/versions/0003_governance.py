"""Governance: the append-only audit trail, signed checkpoints, and policy inputs.

The triggers are the point of this migration: UPDATE and DELETE on ``audit_events`` and
``audit_checkpoints`` (and TRUNCATE on PostgreSQL) are refused by the database itself, whoever
asks, so the application cannot quietly rewrite history even through a bug. Someone with rights
to drop the triggers still can — that is what the hash chain and ``joinedup audit verify`` catch.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_BIGPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_PID = sa.String(32)
_ACTOR = sa.String(200)
_ORG = sa.String(100)
_NAME = sa.String(40)
_HASH = sa.String(64)

APPEND_ONLY_TABLES = ("audit_events", "audit_checkpoints")


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("seq", _BIGPK, autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", _ACTOR, nullable=False),
        sa.Column("organisation", _ORG, nullable=False),
        sa.Column("role", _NAME, nullable=False),
        sa.Column("purpose", _NAME, nullable=True),
        sa.Column("case_reference", sa.String(200), nullable=True),
        sa.Column("person_id", _PID, nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("categories", _JSON, nullable=False),
        sa.Column("agreements", _JSON, nullable=False),
        sa.Column("request_id", sa.String(64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("break_glass", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", _HASH, nullable=False),
        sa.Column("hash", _HASH, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
        sa.UniqueConstraint("event_id", name="uq_audit_events_event_id"),
        sa.UniqueConstraint("hash", name="uq_audit_events_hash"),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_request_id", "audit_events", ["request_id"])
    op.create_index("ix_audit_events_person_id_at", "audit_events", ["person_id", "at"])
    op.create_index("ix_audit_events_actor_at", "audit_events", ["actor", "at"])

    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", _BIGPK, autoincrement=False, nullable=False),
        sa.Column("hash", _HASH, nullable=False),
        sa.Column("signature", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_checkpoints"),
    )

    op.create_table(
        "audit_chain_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_chain_lock"),
    )
    op.execute("INSERT INTO audit_chain_lock (id) VALUES (1)")

    op.create_table(
        "declared_relationships",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("person_id", _PID, nullable=False),
        sa.Column("organisation", _ORG, nullable=False),
        sa.Column("actor", _ACTOR, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("declared_by", _ACTOR, nullable=False),
        sa.Column("declared_at", _TS, nullable=False),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("ended_by", _ACTOR, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_declared_relationships"),
    )
    op.create_index(
        "ix_declared_relationships_person_id_org",
        "declared_relationships",
        ["person_id", "organisation"],
    )

    op.create_table(
        "resident_choices",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("person_id", _PID, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("purpose", _NAME, nullable=False),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("given", sa.Boolean(), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("recorded_by", _ACTOR, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_resident_choices"),
    )
    op.create_index(
        "ix_resident_choices_person_id_purpose", "resident_choices", ["person_id", "purpose"]
    )

    op.create_table(
        "break_glass_sessions",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("actor", _ACTOR, nullable=False),
        sa.Column("organisation", _ORG, nullable=False),
        sa.Column("role", _NAME, nullable=False),
        sa.Column("person_id", _PID, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("ended_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_break_glass_sessions"),
    )
    op.create_index("ix_break_glass_sessions_person_id", "break_glass_sessions", ["person_id"])
    op.create_index(
        "ix_break_glass_sessions_actor_person_id",
        "break_glass_sessions",
        ["actor", "person_id"],
    )

    op.create_table(
        "alerts",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("raised_at", _TS, nullable=False),
        sa.Column("person_id", _PID, nullable=True),
        sa.Column("actor", _ACTOR, nullable=False),
        sa.Column("organisation", _ORG, nullable=False),
        sa.Column("subject", sa.String(100), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("handled_by", _ACTOR, nullable=True),
        sa.Column("handled_at", _TS, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_person_id", "alerts", ["person_id"])
    op.create_index("ix_alerts_status_raised_at", "alerts", ["status", "raised_at"])

    op.create_table(
        "agreement_versions",
        sa.Column("agreement_id", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", _HASH, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("loaded_at", _TS, nullable=False),
        sa.Column("parties", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "version", name="pk_agreement_versions"),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_triggers()
    elif dialect == "sqlite":
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY_TABLES:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def _postgresql_triggers() -> None:
    # insufficient_privilege (42501): the refusal is about permission, not bad data.
    op.execute(
        """
        CREATE FUNCTION joinedup_refuse_audit_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION joinedup_refuse_audit_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION joinedup_refuse_audit_change()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY_TABLES:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS joinedup_refuse_audit_change()")
    for table in (
        "agreement_versions",
        "alerts",
        "break_glass_sessions",
        "resident_choices",
        "declared_relationships",
        "audit_chain_lock",
        "audit_checkpoints",
        "audit_events",
    ):
        op.drop_table(table)
