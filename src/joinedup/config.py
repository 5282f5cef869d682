"""One validated settings object, read from ``JOINEDUP_*`` environment variables only.

Nothing else is needed for the embedded default: a SQLite file under ``JOINEDUP_DATA_DIR``
(``./data`` when unset). Secrets (the session key, the audit signing key) come only from the
environment; where they are unset, ``joinedup serve`` makes a random session key for the run
and checkpoints are signed with the public development key, each with a warning.

The web tier's capacity is four numbers that must agree (``joinedup.api.gate`` checks them at
start): ``JOINEDUP_DB_POOL_SIZE`` (10) and ``JOINEDUP_DB_MAX_OVERFLOW`` (5) connections,
``JOINEDUP_API_CONCURRENCY`` units of work at once (the pool size on PostgreSQL, 2 on a SQLite
file, 1 in memory), ``JOINEDUP_API_THREADS`` worker threads (at least the concurrency; 40 or
concurrency + 8), and
``JOINEDUP_DB_POOL_TIMEOUT`` (10 s), how long a request waits for its turn or a connection
before it is answered 503. ``JOINEDUP_API_WORKERS`` is how many server processes ``joinedup
serve`` runs (one per CPU, at most 8, on PostgreSQL; one on SQLite); each has the four above to
itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from joinedup.errors import JoinedupError


class SettingsError(JoinedupError, ValueError):
    """A ``JOINEDUP_*`` variable that cannot be read: shown as one message, not a traceback."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"JOINEDUP_{name}")
    return value if value not in (None, "") else default


def _count(name: str, default: int | None, *, minimum: int = 1) -> int | None:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SettingsError(f"JOINEDUP_{name} must be a whole number of at least {minimum}")
    return value


def _seconds(name: str, default: float) -> float:
    raw = _env(name)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        value = 0.0
    if not value > 0:
        raise SettingsError(f"JOINEDUP_{name} must be a number of seconds above 0")
    return value


def _whole(name: str, default: int) -> int:
    raw = _env(name)
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        raise SettingsError(f"JOINEDUP_{name} must be a whole number") from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str | None = None
    audit_signing_key: str | None = None
    audit_checkpoint_every: int = 1000
    extra: dict[str, str] = field(default_factory=dict)
    # Connections the engine keeps (PostgreSQL; a SQLite file too) and may add for a moment.
    db_pool_size: int = 10
    db_max_overflow: int = 5
    # How long a request waits for a connection, or for its turn to open a unit of work,
    # before it is answered 503 "busy" instead of queueing without end.
    db_pool_timeout: float = 10.0
    # Units of work the API runs at once; None: the pool size (PostgreSQL), 2 on a SQLite file
    # (one holding its single writer, the next queued for it: joinedup.api.gate), 1 in memory.
    # Never more than the pool holds.
    api_concurrency: int | None = None
    # Worker threads for sync routes and dependencies; None: concurrency + 8, never fewer
    # than the units of work, or an admitted request could wait for a thread forever.
    api_threads: int | None = None
    # Server processes ``joinedup serve`` starts; None: one per CPU on PostgreSQL, one on
    # SQLite (see ``joinedup.cli.serve_cmd.default_workers``). Each has its own pool, gate and
    # threads.
    api_workers: int | None = None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("DATA_DIR", "data") or "data").expanduser()
        url = _env("DATABASE_URL") or f"sqlite:///{(data_dir / 'joinedup.db').resolve()}"
        return cls(
            data_dir=data_dir,
            database_url=url,
            secret_key=_env("SECRET_KEY"),
            audit_signing_key=_env("AUDIT_SIGNING_KEY"),
            audit_checkpoint_every=_whole("AUDIT_CHECKPOINT_EVERY", 1000),
            db_pool_size=_count("DB_POOL_SIZE", 10) or 10,
            db_max_overflow=_count("DB_MAX_OVERFLOW", 5, minimum=0) or 0,
            db_pool_timeout=_seconds("DB_POOL_TIMEOUT", 10.0),
            api_concurrency=_count("API_CONCURRENCY", None),
            api_threads=_count("API_THREADS", None),
            api_workers=_count("API_WORKERS", None),
        )


def get_settings() -> Settings:
    """Settings as the environment says now (read afresh, so tests can set variables)."""
    return Settings.from_env()
