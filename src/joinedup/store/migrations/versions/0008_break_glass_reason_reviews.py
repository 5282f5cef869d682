"""``break_glass_reason_reviews``: what a resident is told about an emergency access, decided.

A break-glass reason can name other people, so the resident sees it only once an IG officer has
released it as written or replaced it with a summary (see
:mod:`joinedup.store.disclosure_tables`). Each decision is a new row; the database refuses
UPDATE and DELETE on the table (and TRUNCATE on PostgreSQL), as migration 0003 does for the
audit trail, reusing its PostgreSQL function.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "break_glass_reason_reviews"
_BIGPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", _BIGPK, autoincrement=True, nullable=False),
        sa.Column("session_id", _BIGPK, nullable=False),
        sa.Column("alert_id", _BIGPK, nullable=False),
        sa.Column("person_id", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(10), nullable=False),
        sa.Column("shown_text", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(100), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["break_glass_sessions.id"],
            name="fk_break_glass_reason_reviews_session_id_break_glass_sessions",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_break_glass_reason_reviews_alert_id_alerts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_break_glass_reason_reviews"),
    )
    op.create_index("ix_break_glass_reason_reviews_session_id", TABLE, ["session_id"])
    op.create_index("ix_break_glass_reason_reviews_person_id", TABLE, ["person_id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {TABLE}_no_{operation.lower()} BEFORE {operation} ON {TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: {operation} refused'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION joinedup_refuse_audit_change()"
        )
        op.execute(
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            "FOR EACH STATEMENT EXECUTE FUNCTION joinedup_refuse_audit_change()"
        )


def downgrade() -> None:
    # Dropping the table drops its triggers with it, on both backends.
    op.drop_index("ix_break_glass_reason_reviews_person_id", table_name=TABLE)
    op.drop_index("ix_break_glass_reason_reviews_session_id", table_name=TABLE)
    op.drop_table(TABLE)
