"""Whether the role the hub connects as could switch off the audit trail's protection.

The triggers that make ``audit_events`` append-only bind every role but the table's owner, who
may disable a trigger, and a superuser (docs/audit.md, "Database roles on PostgreSQL"). A role
that may act as the owner — a member of the owning role, with its privileges or able to
``SET ROLE`` to it — can do the same, so it counts as owning. PostgreSQL only: SQLite has no
roles, and whoever can write its file can rewrite anything in it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from joinedup.store.governance_tables import AuditEvent

_POWER = text(
    """
    SELECT current_user AS role,
           pg_get_userbyid(c.relowner) AS owner,
           r.rolsuper AS superuser,
           pg_has_role(c.relowner, 'USAGE') OR pg_has_role(c.relowner, 'MEMBER') AS owns
      FROM pg_class AS c
      JOIN pg_roles AS r ON r.rolname = current_user
     WHERE c.oid = to_regclass(CAST(:table AS text))
    """
)


@dataclass(frozen=True)
class AuditTablePower:
    """The connected role, the audit table's owner, and what the role may do to the table."""

    role: str
    owner: str
    superuser: bool
    owns: bool

    @property
    def can_disable_triggers(self) -> bool:
        """Whether this role could switch the append-only triggers off."""
        return self.superuser or self.owns


def audit_table_power(engine: Engine) -> AuditTablePower | None:
    """What ``engine``'s role may do to ``audit_events`` on PostgreSQL; ``None`` on SQLite or
    where the table does not exist (not migrated)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        row = connection.execute(_POWER, {"table": AuditEvent.__tablename__}).one_or_none()
    if row is None:
        return None
    return AuditTablePower(
        role=row.role, owner=row.owner, superuser=bool(row.superuser), owns=bool(row.owns)
    )
