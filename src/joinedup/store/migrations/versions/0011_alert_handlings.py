"""``alert_handlings``: each organisation acknowledges and closes an alert for itself.

An alert concerns the organisation whose staff acted and each one holding the resident's records
(:mod:`joinedup.services.ig_remit`); a single status on ``alerts`` meant one IG officer closing it
emptied every other's queue. Alerts already handled keep that handling, now as their handler's
organisation's (the alert's own organisation when the handler's account is gone); for the other
organisations they are open again, which is what they should have been.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = "alert_handlings"
_BIGPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("alert_id", _BIGPK, nullable=False),
        sa.Column("organisation", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("handled_by", sa.String(200), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name="fk_alert_handlings_alert_id_alerts"
        ),
        sa.PrimaryKeyConstraint("alert_id", "organisation", name="pk_alert_handlings"),
    )
    op.execute(
        f"INSERT INTO {TABLE} (alert_id, organisation, status, handled_by, handled_at, outcome) "
        "SELECT a.id, COALESCE(u.organisation_id, a.organisation), a.status, a.handled_by, "
        "a.handled_at, a.outcome FROM alerts a LEFT JOIN users u ON u.username = a.handled_by "
        "WHERE a.status <> 'open' AND a.handled_by IS NOT NULL AND a.handled_at IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_table(TABLE)
