"""Which database a command opens, and when it may create one.

``ingest``, ``demo`` and ``serve`` create the configured SQLite file when it is not there: they
are how a hub starts. Every other command reads what those stored, and opening a path that does
not exist would create and migrate an empty database there, which reads as a hub with nothing in
it: a mistyped ``JOINEDUP_DATA_DIR`` in a cron job then exported an empty persons file, linked
nothing and listed an empty review queue, each exiting 0, and left a stray database behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from joinedup.errors import JoinedupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def absent_sqlite_file(url: str) -> str | None:
    """The path of the SQLite file ``url`` names, when that file does not exist; ``None`` for
    an existing file, memory, another backend, or a URL too bad to parse (``make_engine`` names
    that itself)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return None
    path = parsed.database or ""
    memory = path in ("", ":memory:") or path.startswith("file::memory:")
    if parsed.get_backend_name() == "sqlite" and not memory and not Path(path).exists():
        # Absolute: a cron job's working directory is rarely the one its author had in mind.
        return str(Path(path).expanduser().absolute())
    return None


def existing_engine(command: str, database_url: str | None = None) -> Engine:
    """An engine on the configured database (or ``database_url``), migrated to the newest
    schema, refusing a SQLite file that does not exist; ``command`` names the command in the
    message, e.g. ``"export persons"``."""
    from joinedup.config import Settings
    from joinedup.store.db import make_engine, upgrade

    url = database_url or Settings.from_env().database_url
    path = absent_sqlite_file(url)
    if path is not None:
        raise JoinedupError(
            f"no database at {path}: check JOINEDUP_DATA_DIR and JOINEDUP_DATABASE_URL "
            f"(joinedup {command} never creates one; joinedup ingest does)"
        )
    engine = make_engine(url)
    upgrade(engine)
    return engine
