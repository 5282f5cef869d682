"""Linkage's change feed: ``source_records.linked_run`` and two small partial indexes.

An incremental link used to read the id of every current record to find what changed; at a
million records that read was most of attaching one record. A version now carries the run that
linked it: NULL from ingest until a run takes it in, and NULL again once a run has taken the
ended version out. The versions the index has not caught up with — current and unlinked, or
ended and still linked — sit in two partial indexes that stay as small as the change.

Existing databases are brought in line from the index itself: every version a person holds
now is marked as linked by the last finished run, so the first run after the upgrade sees
exactly the changes it would have found by comparing ids.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_PENDING = "valid_to IS NULL AND linked_run IS NULL"
_ENDED = "valid_to IS NOT NULL AND linked_run IS NOT NULL"


def upgrade() -> None:
    op.add_column("source_records", sa.Column("linked_run", sa.Integer(), nullable=True))
    # Before the indexes, so a large store is not indexed twice over.
    op.execute(
        sa.text(
            "UPDATE source_records SET linked_run = "
            "(SELECT MAX(id) FROM link_runs WHERE status = 'done') "
            "WHERE id IN (SELECT record_version FROM person_members "
            "WHERE to_run IS NULL AND record_version IS NOT NULL)"
        )
    )
    op.create_index(
        "ix_source_records_link_pending",
        "source_records",
        ["id"],
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )
    op.create_index(
        "ix_source_records_link_ended",
        "source_records",
        ["id"],
        sqlite_where=sa.text(_ENDED),
        postgresql_where=sa.text(_ENDED),
    )


def downgrade() -> None:
    op.drop_index("ix_source_records_link_ended", table_name="source_records")
    op.drop_index("ix_source_records_link_pending", table_name="source_records")
    with op.batch_alter_table("source_records") as batch:
        batch.drop_column("linked_run")
