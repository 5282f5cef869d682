"""Indexes for the IG officer's audit search at the size of a real hub's trail.

``ix_audit_events_break_glass``: the break-glass events alone (a few in a thousand), by
``seq``. A search is newest first, so without it a break-glass search walked the trail back
from its newest event; where the officer's remit holds few break-glass events (an
organisation with no source of its own) that was the whole trail: seconds on a year's
million events (``benchmarks/audit``). Partial, so an ordinary append writes nothing to it.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TABLE = "audit_events"


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_break_glass",
        _TABLE,
        ["seq"],
        sqlite_where=sa.text("break_glass = 1"),
        postgresql_where=sa.text("break_glass"),
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_break_glass", table_name=_TABLE)
