"""What `joinedup demo` does after ingest: link, add the demo's people and choices, then serve."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from joinedup.config import Settings
    from joinedup.demo.accounts import DemoAccount

# The Northbridge agreements shipped with the repository.
from joinedup.demo.agreements import DEMO_AGREEMENTS_DIR


def link_and_seed(engine: Engine, console: Console | None = None) -> list[DemoAccount]:
    """Link the borough (a full run) and seed the demo's accounts and choices.

    The run shows what ``joinedup link`` shows: joinedup's own lines, not Splink's advice for
    someone tuning a model in a notebook (:mod:`joinedup.cli.link_output`).
    """
    from joinedup.cli.link_output import link_output
    from joinedup.demo.accounts import seed_accounts
    from joinedup.linkage.index import link
    from joinedup.store.db import session_scope

    console = console or Console(highlight=False)
    with console.status("Linking records into the master person index"), link_output():
        result = link(engine, full=True)
    console.print(
        f"Linked in {result.seconds:.1f}s: "
        + ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
    )
    with session_scope(engine) as session:
        return seed_accounts(session)


def after_ingest(engine: Engine, settings: Settings, port: int, *, host: str = "127.0.0.1") -> None:
    """Link the borough, seed accounts and choices, print how to sign in, and serve."""
    from joinedup.cli.serve_cmd import serve
    from joinedup.demo.accounts import demo_password

    console = Console(highlight=False)
    made = link_and_seed(engine, console)
    os.environ.setdefault("JOINEDUP_AGREEMENTS_DIR", str(DEMO_AGREEMENTS_DIR))

    table = Table(title=f"Demo accounts (password: {demo_password()})", title_justify="left")
    table.add_column("username")
    table.add_column("role")
    table.add_column("who")
    for account in made:
        table.add_row(account.username, account.role, account.display_name)
    console.print(table)
    console.print(f"Open http://{host}:{port}/ and sign in. Press Ctrl+C to stop.")
    serve(host, port, settings)
