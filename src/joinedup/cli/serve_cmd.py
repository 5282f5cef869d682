"""``joinedup serve``: migrate the database, then serve the API and the pages with uvicorn."""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from joinedup.cli import app
from joinedup.config import Settings
from joinedup.errors import JoinedupError

# uvicorn builds the app in each worker process from this factory (settings from the
# environment, which the parent sets up for them).
APP_FACTORY = "joinedup.api.app:create_app"
# More processes than this buys nothing on one host: each holds a pool of connections.
MAX_DEFAULT_WORKERS = 8


def default_workers(database_url: str | None = None) -> int:
    """Server processes for this machine: one per CPU this process may use (at most 8) on
    PostgreSQL, one on SQLite.

    One Python process runs Python code on one core at a time (the GIL), so on PostgreSQL a
    single worker leaves the other cores idle however many requests wait. The audit chain stays
    one chain across processes: each append takes the database's own lock (PostgreSQL's
    advisory lock, SQLite's write lock), not a lock of the process. SQLite has one writer and
    every API unit of work writes (its audit row), so its units of work run one at a time
    whatever the processes; measured on two cores, a second worker did not serve more views
    (see docs/benchmarks.md), so the embedded default stays one process.
    """
    if database_url is not None and database_url.startswith("sqlite"):
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_WORKERS))


@contextmanager
def _shared_with_workers(settings: Settings) -> Iterator[None]:
    """The environment the workers start with holds what they must agree on (restored after).

    Each worker reads ``Settings.from_env()``; the database is the one this command migrated,
    and the key that signs CSRF tokens must be one key, or a form served by one worker fails
    when posted to another. Unset, a random key for this run is made once, here.
    """
    shared = {
        "JOINEDUP_DATABASE_URL": settings.database_url,
        "JOINEDUP_DATA_DIR": str(settings.data_dir),
        "JOINEDUP_SECRET_KEY": settings.secret_key or "",
    }
    if not settings.secret_key:
        warnings.warn(
            "JOINEDUP_SECRET_KEY is not set: using a random key for this run only.",
            stacklevel=4,
        )
        shared["JOINEDUP_SECRET_KEY"] = secrets.token_urlsafe(32)
    before = {name: os.environ.get(name) for name in shared}
    os.environ.update(shared)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_can_listen(host: str, port: int) -> None:
    """Raise :class:`JoinedupError` when ``host:port`` cannot be listened on (in use, no such
    address), before any work: uvicorn found out only after the migration, and after the
    command had said it was serving, then exited 3 with its own log lines. The socket is let
    go at once; uvicorn binds it again with the same ``SO_REUSEADDR``."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise JoinedupError(f"cannot listen on {host}: {getattr(exc, 'strerror', exc)}") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise JoinedupError(
                f"cannot listen on {host}:{port}: {exc.strerror} (is joinedup already serving "
                "there? choose another --port)"
            ) from None


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    workers: int | None = None,
) -> None:
    """Migrate the configured database and serve joinedup until interrupted.

    ``workers`` server processes (``JOINEDUP_API_WORKERS``, else :func:`default_workers`) share
    the listening socket; with one, the app runs in this process. Logging is configured alike
    in this process and in every worker (:mod:`joinedup.api.log_config`): uvicorn's own access
    log is off, as it prints raw paths and query strings, which can hold names or NHS numbers;
    joinedup's access log (``joinedup.access``) names route templates only. On PostgreSQL a
    role that could switch off the audit trail's triggers gets one warning, not a refusal.
    uvicorn uses uvloop and httptools (``loop="auto"``, ``http="auto"``), which are installed
    with joinedup.
    """
    import uvicorn

    from joinedup.api.app import create_app
    from joinedup.api.log_config import configure_logging, log_config
    from joinedup.services.serving_role import warn_if_role_can_rewrite_audit
    from joinedup.store.db import location, make_engine, upgrade

    check_can_listen(host, port)
    settings = settings or Settings.from_env()
    count = workers or settings.api_workers or default_workers(settings.database_url)
    engine = make_engine(settings.database_url, settings=settings)
    upgrade(engine)
    configure_logging()
    warn_if_role_can_rewrite_audit(engine)
    options = {
        "host": host,
        "port": port,
        # Applied by uvicorn in each worker process too, which would otherwise log nothing of
        # joinedup's (see joinedup.api.log_config).
        "log_config": log_config(),
        "access_log": False,
        "proxy_headers": True,
        "server_header": False,
        "loop": "auto",
        "http": "auto",
    }
    typer.echo(f"joinedup is serving on http://{host}:{port}/ (press Ctrl+C to stop)")
    typer.echo(f"database: {location(engine)}")
    if count == 1:
        uvicorn.run(create_app(settings, engine), **options)  # type: ignore[arg-type]
        return
    engine.dispose()
    with _shared_with_workers(settings):
        uvicorn.run(APP_FACTORY, factory=True, workers=count, **options)  # type: ignore[arg-type]


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int | None = typer.Option(
        None,
        min=1,
        help="Server processes (default: JOINEDUP_API_WORKERS, else one per CPU up to 8 on "
        "PostgreSQL and one on SQLite).",
    ),
) -> None:
    """Serve the web pages and the API (migrating the database first)."""
    serve(host, port, workers=workers)
