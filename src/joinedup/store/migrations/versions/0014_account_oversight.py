"""An administrator cannot act as someone else unseen: three columns.

- ``users.must_change_password``: a password someone else set (an administrator creating the
  account or resetting its password) is one the owner must replace at first sign-in, so the
  administrator who knew it cannot go on signing in as them. Existing accounts get false: their
  owners are signing in with them already.
- ``audit_events.credential``: which credential an event was made with (``session:<id>`` or
  ``token:<id>``, never a secret), so a token's actions can be told from its owner's own.
- ``audit_events.account_organisation``: for an administrator's change to an account, the
  organisation the account belongs to, which puts the change in that organisation's IG
  officer's remit (:mod:`joinedup.services.ig_remit`).

Both audit columns are hashed only when not NULL (:mod:`joinedup.audit.chain`): every event
written before this migration hashes as it did and still verifies. A plain ADD COLUMN on both
backends (no copy of the table), so the append-only triggers of migration 0003 stay.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_AUDIT_COLUMNS = ("credential", "account_organisation")


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("audit_events", sa.Column("credential", sa.String(40), nullable=True))
    op.add_column("audit_events", sa.Column("account_organisation", sa.String(100), nullable=True))


def downgrade() -> None:
    # The audit columns are part of what an event's hash covers: dropping them would leave every
    # event written with one unverifiable.
    bind = op.get_bind()
    for column in _AUDIT_COLUMNS:
        used = bind.execute(
            sa.text(f"SELECT count(*) FROM audit_events WHERE {column} IS NOT NULL")
        )
        if used.scalar_one():
            raise RuntimeError(
                f"audit_events holds events whose hash covers {column}; dropping the column "
                "would make them unverifiable"
            )
    # Not a batch (copy-and-rename) on SQLite: that would drop the append-only triggers with
    # the old table. SQLite drops a column itself since 3.35.
    for column in _AUDIT_COLUMNS:
        op.execute(f"ALTER TABLE audit_events DROP COLUMN {column}")
    # Nor for users: copying it would drop the old table, and with SQLite's foreign keys on
    # that deletes every token and session of every account (ON DELETE CASCADE).
    op.execute("ALTER TABLE users DROP COLUMN must_change_password")
