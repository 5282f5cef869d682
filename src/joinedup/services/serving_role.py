"""A warning at start-up when the hub serves as a database role that could rewrite its trail.

Serving as the tables' owner or a superuser is how the demo and the tests run, and refusing it
would stop them; in production it lets anyone holding the application's credentials switch off
the triggers that keep the audit trail append-only. So ``joinedup serve`` says so once, in the
log, and serves.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine

from joinedup.store.db_roles import audit_table_power

log = logging.getLogger(__name__)

DOCS_SECTION = 'docs/audit.md, "Database roles on PostgreSQL"'


def warn_if_role_can_rewrite_audit(engine: Engine) -> str | None:
    """Log one warning, and return it, if ``engine``'s role could disable the audit triggers.

    ``None`` (and nothing logged) on SQLite and for a role that neither owns ``audit_events``
    nor is a superuser.
    """
    power = audit_table_power(engine)
    if power is None or not power.can_disable_triggers:
        return None
    if power.superuser:
        what = f"database role {power.role!r} is a superuser"
    elif power.role == power.owner:
        what = f"database role {power.role!r} owns the audit_events table"
    else:
        what = f"database role {power.role!r} can act as {power.owner!r}, the audit table's owner"
    message = (
        f"Serving as a role that can rewrite the audit trail: {what}, so it can switch off "
        "the triggers that keep the trail append-only. In production, migrate as the owner and "
        f"serve as a separate role; see {DOCS_SECTION}."
    )
    log.warning(message)
    return message
