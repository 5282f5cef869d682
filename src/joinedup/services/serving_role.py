"""A warning at start-up when the hub serves as a database role that could rewrite its trail.

Serving as the tables' owner or a superuser is how the demo and the tests run, and refusing it
would stop them; in production it lets anyone holding the application's credentials switch off
the triggers that keep the audit trail — and every other append-only table
(:data:`joinedup.store.db_roles.APPEND_ONLY_TABLES`) — append-only. So ``joinedup serve`` says
so once, in the log, and serves. A table whose refusing trigger is disabled or missing is open
to any role granted UPDATE, whoever serves: that is said too.
"""

from __future__ import annotations

import logging
from itertools import groupby

from sqlalchemy.engine import Engine

from joinedup.store.db_roles import AppendOnlyPower, TablePower, append_only_power

log = logging.getLogger(__name__)

DOCS_SECTION = 'docs/audit.md, "Database roles on PostgreSQL"'


def _names(tables: tuple[TablePower, ...] | list[TablePower]) -> str:
    names = [table.table for table in tables]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the {listed} {'table' if len(names) == 1 else 'tables'}"


def _who(power: AppendOnlyPower) -> str:
    if power.superuser:
        return f"database role {power.role!r} is a superuser"
    parts = []
    for owner, tables in groupby(sorted(power.owned, key=lambda t: t.owner), lambda t: t.owner):
        group = list(tables)
        if owner == power.role:
            parts.append(f"owns {_names(group)}")
        else:
            parts.append(f"can act as {owner!r}, the owner of {_names(group)}")
    return f"database role {power.role!r} " + "; it ".join(parts)


def warn_if_role_can_rewrite_audit(engine: Engine) -> str | None:
    """Log one warning, and return it, if ``engine``'s role could disable the triggers of an
    append-only table, or one of those triggers is disabled or missing.

    ``None`` (and nothing logged) on SQLite, and for a role that neither owns an append-only
    table nor is a superuser while every table's trigger is in place.
    """
    power = append_only_power(engine)
    if power is None or not (power.can_disable_triggers or power.unguarded):
        return None
    sentences = []
    if power.can_disable_triggers:
        sentences.append(
            f"Serving as a role that can rewrite the audit trail: {_who(power)}, so it can "
            "switch off the triggers that keep the trail append-only."
        )
    if power.unguarded:
        sentences.append(
            f"The trigger refusing UPDATE and DELETE on {_names(power.unguarded)} is disabled "
            "or missing: any role granted UPDATE can rewrite it."
        )
    message = (
        " ".join(sentences)
        + f" In production, migrate as the owner and serve as a separate role; see {DOCS_SECTION}."
    )
    log.warning(message)
    return message
