"""``audit_events.hash`` loses its unique index: the chain, not the index, is the guarantee.

Each event's hash covers the previous event's, so two equal hashes would need a SHA-256
collision; ``joinedup audit verify`` recomputes every link whatever the index says, and nothing
looks an event up by its hash. The index cost every append a write to a random leaf of a
B-tree as large as the trail (the hashes are uniformly random), which on SQLite was two to
three of the sixteen pages a governed person view wrote, and which the checkpoint then copied
back. The other unique key, ``event_id``, stays: event ids are now time-ordered
(:mod:`joinedup.store.ordered_ids`), so its index grows at its end.

On SQLite a table constraint can only go with a copy of the table, which drops the
append-only triggers (migration 0003); they are made again at once, in the same transaction.
The copy inserts every row and deletes none, so the triggers would not refuse it.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TABLE = "audit_events"
_CONSTRAINT = "uq_audit_events_hash"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(_TABLE, recreate="always") as batch:
            batch.drop_constraint(_CONSTRAINT, type_="unique")
        _sqlite_append_only()
    else:
        op.drop_constraint(_CONSTRAINT, _TABLE, type_="unique")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(_TABLE, recreate="always") as batch:
            batch.create_unique_constraint(_CONSTRAINT, ["hash"])
        _sqlite_append_only()
    else:
        op.create_unique_constraint(_CONSTRAINT, _TABLE, ["hash"])


def _sqlite_append_only() -> None:
    # As migration 0003 made them; the copy of the table left it without.
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            sa.text(
                f"CREATE TRIGGER {_TABLE}_no_{operation.lower()} BEFORE {operation} ON {_TABLE} "
                f"BEGIN SELECT RAISE(ABORT, '{_TABLE} is append-only: {operation} refused'); END"
            )
        )
