"""``audit_events.withheld``: what an access decision did not release, and why, on the row.

The row recorded what was released (``categories``) but not what was kept from the requester:
an IG officer asked "what was withheld from them, and why?" had to replay the decision. Each
item is ``{"source", "category", "reason_code"}`` (codes and names only, nothing personal),
every item the decision did not release, sealed sources included: the view hides from the
practitioner that a sealed source (adult social care, a GP register) holds anything; the audit
trail is the IG officer's record of the whole decision (see
:mod:`joinedup.services.audit_withheld` for who is shown those items).

Hashed only when not NULL (:mod:`joinedup.audit.chain`): every event written before this
migration hashes as it did and still verifies. A plain ADD COLUMN on both backends (no copy of
the table), so the append-only triggers of migration 0003 stay.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("withheld", _JSON, nullable=True))


def downgrade() -> None:
    # The column is part of what an event's hash covers: dropping it would leave every event
    # written with one unverifiable.
    used = op.get_bind().execute(
        sa.text("SELECT count(*) FROM audit_events WHERE withheld IS NOT NULL")
    )
    if used.scalar_one():
        raise RuntimeError(
            "audit_events holds events whose hash covers withheld; dropping the column would "
            "make them unverifiable"
        )
    # Not a batch (copy-and-rename) on SQLite: that would drop the append-only triggers.
    op.execute("ALTER TABLE audit_events DROP COLUMN withheld")
