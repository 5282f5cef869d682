"""Linkage: link runs, persons, membership, person events, match evidence, review.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
_BIGPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEY = sa.String(320)
_PID = sa.String(32)


def _run_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["link_runs.id"], name=f"fk_{table}_{column}_link_runs"
    )


def upgrade() -> None:
    op.create_table(
        "link_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("engine", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("model_json", sa.Text(), nullable=True),
        sa.Column("thresholds", _JSON, nullable=True),
        sa.Column("counts", _JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_link_runs"),
    )

    op.create_table(
        "persons",
        sa.Column("person_id", _PID, nullable=False),
        sa.Column("created_run", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("redirect_to", _PID, nullable=True),
        sa.Column("retired_run", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("person_id", name="pk_persons"),
        _run_fk("persons", "created_run"),
        _run_fk("persons", "retired_run"),
    )
    op.create_index("ix_persons_created_run", "persons", ["created_run"])
    op.create_index("ix_persons_redirect_to", "persons", ["redirect_to"])

    op.create_table(
        "person_members",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("record_key", _KEY, nullable=False),
        sa.Column("person_id", _PID, nullable=False),
        sa.Column("from_run", sa.Integer(), nullable=False),
        sa.Column("to_run", sa.Integer(), nullable=True),
        sa.Column("record_version", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_person_members"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.person_id"],
            name="fk_person_members_person_id_persons",
        ),
        _run_fk("person_members", "from_run"),
        _run_fk("person_members", "to_run"),
    )
    op.create_index(
        "ix_person_members_record_key_to_run", "person_members", ["record_key", "to_run"]
    )
    op.create_index("ix_person_members_person_id_to_run", "person_members", ["person_id", "to_run"])
    op.create_index("ix_person_members_record_version", "person_members", ["record_version"])

    op.create_table(
        "person_events",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("person_ids", _JSON, nullable=False),
        sa.Column("record_counts", _JSON, nullable=False),
        sa.Column("person_id", _PID, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_person_events"),
        _run_fk("person_events", "run_id"),
    )
    op.create_index("ix_person_events_run_id", "person_events", ["run_id"])
    op.create_index("ix_person_events_person_id", "person_events", ["person_id"])

    op.create_table(
        "match_evidence",
        sa.Column("record_key", _KEY, nullable=False),
        sa.Column("person_id", _PID, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("matched_record_key", _KEY, nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("field_weights", _JSON, nullable=True),
        sa.Column("basis", sa.String(12), nullable=False),
        sa.PrimaryKeyConstraint("record_key", name="pk_match_evidence"),
        _run_fk("match_evidence", "run_id"),
    )
    op.create_index("ix_match_evidence_person_id", "match_evidence", ["person_id"])

    op.create_table(
        "review_items",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("record_key_l", _KEY, nullable=False),
        sa.Column("record_key_r", _KEY, nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("match_probability", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("person_id", _PID, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_review_items"),
        _run_fk("review_items", "run_id"),
    )
    op.create_index("ix_review_items_status_risk", "review_items", ["status", "risk"])
    op.create_index(
        "uq_review_items_pair", "review_items", ["record_key_l", "record_key_r"], unique=True
    )

    op.create_table(
        "review_decisions",
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("record_key_l", _KEY, nullable=False),
        sa.Column("record_key_r", _KEY, nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_review_decisions"),
    )
    op.create_index(
        "ix_review_decisions_record_key_l_record_key_r",
        "review_decisions",
        ["record_key_l", "record_key_r"],
    )


def downgrade() -> None:
    for table in (
        "review_decisions",
        "review_items",
        "match_evidence",
        "person_events",
        "person_members",
        "persons",
        "link_runs",
    ):
        op.drop_table(table)
