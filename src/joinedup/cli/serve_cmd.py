"""``joinedup serve``: migrate the database, then serve the API and the pages with uvicorn."""

from __future__ import annotations

import logging

import typer

from joinedup.cli import app
from joinedup.config import Settings


def serve(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Migrate the configured database and serve joinedup until interrupted.

    uvicorn's own access log is off: it prints raw paths and query strings, which can hold
    names or NHS numbers. joinedup's access log (``joinedup.access``) names route templates only.
    """
    import uvicorn

    from joinedup.api.app import create_app
    from joinedup.store.db import make_engine, upgrade

    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(
        create_app(settings, engine),
        host=host,
        port=port,
        access_log=False,
        proxy_headers=True,
        server_header=False,
    )


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for all)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the web pages and the API (migrating the database first)."""
    typer.echo(f"joinedup is serving on http://{host}:{port}/ (press Ctrl+C to stop)")
    serve(host, port)
