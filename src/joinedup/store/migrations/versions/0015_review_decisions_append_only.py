"""``review_decisions`` is append-only in the database, as the audit trail is.

A reviewer's decision is evidence an auditor relies on: which records a person said were (or
were not) one resident, who said it and when. A later decision on a pair supersedes the earlier
one by being newer (``linkage.review.latest_on``); nothing in joinedup updates or deletes a
decision, and now the database refuses UPDATE and DELETE on the table (and TRUNCATE on
PostgreSQL) whoever asks, with the triggers migration 0003 gives ``audit_events``, reusing its
PostgreSQL function. Each decision is also on the hash-chained trail (``review.decide``, naming
the row's id, the pair and the decision), which ``joinedup audit verify`` checks.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLE = "review_decisions"


def upgrade() -> None:
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
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}")
