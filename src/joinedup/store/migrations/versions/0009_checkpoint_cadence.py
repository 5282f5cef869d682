"""``audit_checkpoints.cadence``: the checkpoint interval in force when each checkpoint was signed.

Checkpoints come every N events, so a stretch of the chain longer than N with no checkpoint is
evidence that checkpoints were deleted (and the events after the last one perhaps rewritten).
N is configuration and can change between runs; a verifier that used its own N would accuse a
trail written under a larger one. Each checkpoint therefore records, and signs, the N it was
written under, and appenders honour the N the latest checkpoint records
(:mod:`joinedup.audit.log`), so the interval it announces is always kept.

Existing checkpoints get NULL: they were signed without it, still verify, and announce nothing.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: no copy of the table, so the append-only triggers
    # (migration 0003) stay as they are.
    op.add_column("audit_checkpoints", sa.Column("cadence", sa.Integer(), nullable=True))


def downgrade() -> None:
    # The cadence is part of what a checkpoint signs: dropping it would leave every checkpoint
    # written since this migration with a signature no verifier can check.
    signed = op.get_bind().execute(
        sa.text("SELECT count(*) FROM audit_checkpoints WHERE cadence IS NOT NULL")
    )
    if signed.scalar_one():
        raise RuntimeError(
            "audit_checkpoints holds checkpoints signed with their cadence; dropping the column "
            "would make their signatures unverifiable"
        )
    # Not a batch (copy-and-rename) on SQLite: that would drop the append-only triggers with
    # the old table. SQLite drops a column itself since 3.35.
    op.execute("ALTER TABLE audit_checkpoints DROP COLUMN cadence")
