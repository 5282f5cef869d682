"""Where a database is: a URL read, said without its passwords, and reached.

:func:`location` and :func:`describe` are what commands print and logs may hold (passwords
masked); :func:`check_connection` and :class:`DatabaseUnavailable` are how a database that
cannot be reached is told. Engines are made in :mod:`joinedup.store.db`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from joinedup.errors import JoinedupError


class DatabaseUnavailable(JoinedupError):
    """The database cannot be reached or opened (wrong URL, server down, unwritable file)."""


def normalise_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise JoinedupError(
            "JOINEDUP_DATABASE_URL is not a database URL; expected sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE"
        ) from exc
    # psycopg 3 is the driver we ship; the bare and legacy spellings would ask for psycopg2.
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_memory_sqlite(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def describe(engine: Engine) -> str:
    """The engine's URL with any password hidden: safe to show to a user or write to a log."""
    return masked(engine.url)


def location(target: Engine | URL | str) -> str:
    """Where a database is, for an operator to read: a SQLite file's absolute path, ``SQLite in
    memory``, or any other URL with its passwords masked (``***``).

    Every command that writes says this, so that someone with two environments (a test hub and
    the live one) sees which one a run went to. A password is never shown, whether in the URL's
    authority (``user:secret@host``) or in a query parameter (``?password=…``, libpq's
    ``sslpassword``). Example: ``location("postgresql://hub:pw@db/hub")`` is
    ``"postgresql+psycopg://hub:***@db/hub"``.
    """
    if isinstance(target, Engine):
        url = target.url
    elif isinstance(target, URL):
        url = target
    else:
        url = normalise_url(target)
    if url.get_backend_name() == "sqlite":
        if is_memory_sqlite(url):
            return "SQLite in memory"
        # Absolute: a relative path means nothing in a cron mail.
        return str(Path(url.database or "").expanduser().absolute())
    return masked(url)


def masked(url: URL) -> str:
    """``url`` as text with the password of its authority and of its query hidden.

    SQLAlchemy's ``hide_password`` covers the authority only; libpq also takes ``password`` and
    ``sslpassword`` as parameters, so any parameter whose name holds "password" is masked too.
    """
    if not any("password" in key.lower() for key in url.query):
        return url.render_as_string(hide_password=True)
    from urllib.parse import quote

    pairs = []
    for key in sorted(url.query):
        values = url.query[key]
        for value in (values,) if isinstance(values, str) else values:
            shown = "***" if "password" in key.lower() else quote(value, safe="/:,")
            pairs.append(f"{quote(key)}={shown}")
    bare = url.set(query={}).render_as_string(hide_password=True)
    return f"{bare}?{'&'.join(pairs)}"


def unavailable(engine: Engine, exc: BaseException) -> DatabaseUnavailable:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    return DatabaseUnavailable(f"cannot open the database {describe(engine)}: {reason}")


def check_connection(engine: Engine) -> None:
    """Connect once and run ``SELECT 1``; raise :class:`DatabaseUnavailable` if that fails."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        raise unavailable(engine, exc) from exc
