"""What lets a re-ingest skip an unchanged row: ``source_records.raw_digest`` and ``valid_until``.

Councils send nightly full extracts in which almost every row is unchanged, and each used to
be read, standardised and hashed again only to find its content hash equal. A version now
carries a digest of the raw row it was standardised from, the mapping and the standardisers'
version (``joinedup.ingest.prepare``), and the first day on which standardising the same row
might give another answer (a date of birth in the future becomes valid on that day; NULL:
never). A re-ingest that meets the same digest before that day counts the row unchanged
without standardising it.

Existing versions get NULL, which matches nothing: their rows are standardised as before,
and a re-ingest that finds one unchanged fills its digest in, so the next one skips it. No
index: the digest is read with the version, which is found by ``(source_id, record_id)``.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("source_records", sa.Column("raw_digest", sa.String(32), nullable=True))
    op.add_column("source_records", sa.Column("valid_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_records") as batch:
        batch.drop_column("valid_until")
        batch.drop_column("raw_digest")
