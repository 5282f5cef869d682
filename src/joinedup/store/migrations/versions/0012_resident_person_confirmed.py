"""``users.person_confirmed_at``: when an administrator last checked a resident account's person.

A link run that splits the person a resident account names has found that linkage had joined
two residents; the account still names the larger part, which may not be its resident. From
such a split until an administrator confirms the account's person again, the resident's pages
show nothing (:mod:`joinedup.services.resident_holds`). Existing accounts count as checked when
they were made, so a split since then holds them too.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("person_confirmed_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    # In place, not a batch copy of ``users``: on SQLite that copy drops the old table, and
    # every token and session of every account cascades away with it.
    op.execute("ALTER TABLE users DROP COLUMN person_confirmed_at")
