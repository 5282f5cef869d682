"""Whether the role the hub connects as could switch off the append-only tables' protection.

Four tables are append-only in the database itself — the audit trail (``audit_events``), its
signed checkpoints, the decisions on what a resident is told of a break-glass reason
(``break_glass_reason_reviews``, migration 0008) and reviewers' link decisions
(``review_decisions``, migration 0015): triggers refuse UPDATE and DELETE (and TRUNCATE on
PostgreSQL). The triggers bind every role but a table's owner, who may disable them, and a
superuser (docs/audit.md, "Database roles on PostgreSQL"). A role that may act as an owner — a
member of the owning role, with its privileges or able to ``SET ROLE`` to it — can do the same,
so it counts as owning. A trigger found disabled, or missing, leaves its table open to anyone
granted UPDATE. PostgreSQL only: SQLite has no roles, and whoever can write its file can
rewrite anything in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Engine

#: The tables whose triggers refuse UPDATE and DELETE (migrations 0003, 0008, 0015); a test
#: checks this against the triggers the migrations install, on both backends.
APPEND_ONLY_TABLES = (
    "audit_events",
    "audit_checkpoints",
    "break_glass_reason_reviews",
    "review_decisions",
)
# The PostgreSQL function every append-only table's triggers call (migration 0003).
REFUSING_FUNCTION = "joinedup_refuse_audit_change"

_POWER = text(
    """
    SELECT c.relname AS table_name,
           pg_get_userbyid(c.relowner) AS owner,
           pg_has_role(c.relowner, 'USAGE') OR pg_has_role(c.relowner, 'MEMBER') AS owns,
           COALESCE((
               -- An enabled trigger calling the refusing function for DELETE (tgtype bit 8)
               -- and one for UPDATE (bit 16): migration 0003's make one trigger of both.
               SELECT bool_or(t.tgtype & 8 <> 0) AND bool_or(t.tgtype & 16 <> 0)
                 FROM pg_trigger AS t
                 JOIN pg_proc AS p ON p.oid = t.tgfoid
                WHERE t.tgrelid = c.oid AND NOT t.tgisinternal
                  AND p.proname = :function AND t.tgenabled <> 'D'
           ), false) AS guarded
      FROM pg_class AS c
     WHERE c.oid IN (SELECT to_regclass(name) FROM unnest(CAST(:tables AS text[])) AS name)
     ORDER BY c.relname
    """
).bindparams(bindparam("tables"), bindparam("function"))
_ROLE = text("SELECT current_user AS role, rolsuper FROM pg_roles WHERE rolname = current_user")


@dataclass(frozen=True)
class TablePower:
    """One append-only table: its owner, whether the connected role may act as the owner, and
    whether an enabled trigger refuses both UPDATE and DELETE on it (``guarded``)."""

    table: str
    owner: str
    owns: bool
    guarded: bool


@dataclass(frozen=True)
class AppendOnlyPower:
    """The connected role and what it may do to each append-only table."""

    role: str
    superuser: bool
    tables: tuple[TablePower, ...]

    @property
    def owned(self) -> tuple[TablePower, ...]:
        """The tables whose triggers this role could switch off as (or as if) their owner."""
        return tuple(table for table in self.tables if table.owns)

    @property
    def unguarded(self) -> tuple[TablePower, ...]:
        """The tables whose refusing trigger is disabled or missing."""
        return tuple(table for table in self.tables if not table.guarded)

    @property
    def can_disable_triggers(self) -> bool:
        """Whether this role could switch an append-only table's triggers off."""
        return self.superuser or bool(self.owned)


def append_only_power(engine: Engine) -> AppendOnlyPower | None:
    """What ``engine``'s role may do to the append-only tables on PostgreSQL; ``None`` on
    SQLite or where none exists (not migrated). A table a migration not yet run would add is
    left out."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        rows = connection.execute(
            _POWER, {"tables": list(APPEND_ONLY_TABLES), "function": REFUSING_FUNCTION}
        ).all()
        role = connection.execute(_ROLE).one()
    if not rows:
        return None
    return AppendOnlyPower(
        role=role.role,
        superuser=bool(role.rolsuper),
        tables=tuple(
            TablePower(row.table_name, row.owner, bool(row.owns), bool(row.guarded)) for row in rows
        ),
    )
