"""``sources.adults_only``: a source whose people are all adults, as its mapping says.

A council tax payer is 18 or over, and so is a housing benefit claimant. Linkage counts a
child's date of birth against such a source's records as it counts an adult's title, so a bill
that says only "J Smith" is not joined to the four-year-old Jack at the address. The flag is
the mapping's (``adults_only``), kept on the source so that linkage need not read mappings.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "sources",
        sa.Column("adults_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # Not a batch (copy-and-rename) on SQLite: other tables refer to sources, and dropping it
    # to rename the copy breaks their foreign keys. SQLite drops a column itself since 3.35.
    op.execute("ALTER TABLE sources DROP COLUMN adults_only")
