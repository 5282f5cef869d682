"""``joinedup demo``: generate the Northbridge borough, ingest it, then (later) link and serve it.

Argument handling and printing only: generation is :func:`joinedup.demo.generate_borough`,
ingest is :func:`joinedup.demo.load.load_borough` over the ordinary pipeline. Linking and
serving are wired by ``joinedup.demo.serve_hook.after_ingest(engine, settings, port)`` when that
module exists; until then the command says so and stops after ingest.
"""

from __future__ import annotations

import importlib
import os
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from joinedup.cli import app
from joinedup.errors import JoinedupError

if TYPE_CHECKING:
    from rich.console import Console

    from joinedup.demo.load import SourceLoad

_HOOK = "joinedup.demo.serve_hook"


@app.command("demo")
def demo(
    people: Annotated[
        int, typer.Option("--people", min=1, help="How many residents Northbridge has.")
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", help="The same seed makes the same borough.")] = 1,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to serve the hub on.")
    ] = 8000,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help=(
                "The demo's own directory: its extracts and, unless JOINEDUP_DATABASE_URL is set,"
                " its database (default: extracts in JOINEDUP_DATA_DIR/demo, database in"
                " JOINEDUP_DATA_DIR)."
            ),
            file_okay=False,
            metavar="DIR",
        ),
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after ingest; do not link or serve.")
    ] = False,
) -> None:
    """Generate the synthetic borough of Northbridge, ingest its six sources, then serve it.

    The extracts, their mapping files, ground_truth.csv and manifest.json are written to DIR;
    each source is then ingested as `joinedup ingest` would, and its reconciliation printed.
    """
    from rich.console import Console

    from joinedup.config import Settings
    from joinedup.demo import generate_borough
    from joinedup.demo.load import load_borough
    from joinedup.store.db import location, make_engine, upgrade

    if directory is not None:
        # A demo in a directory of its own must not write into the hub's real database, nor
        # leave its linkage cache there: DIR becomes the data directory for this command, and
        # `JOINEDUP_DATA_DIR=DIR joinedup serve` serves it again later.
        os.environ["JOINEDUP_DATA_DIR"] = str(directory)
    settings = Settings.from_env()
    out_dir = directory or settings.data_dir / "demo"
    if not no_serve:
        from joinedup.cli.serve_cmd import check_can_listen

        try:
            # Before minutes of generating and linking, not after them.
            check_can_listen("127.0.0.1", port)
        except JoinedupError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or captured output: wide enough that the table keeps one line per source.
        console = Console(highlight=False, width=160)
    status = Console(stderr=True) if sys.stderr.isatty() else None
    try:
        started = time.perf_counter()
        with _status(status, f"Generating Northbridge ({people:,} residents, seed {seed})"):
            manifest = generate_borough(out_dir, people=people, seed=seed)
        console.print(
            f"Generated Northbridge: {manifest.people:,} residents in "
            f"{manifest.households:,} households, {manifest.records:,} source records "
            f"in {out_dir} ({time.perf_counter() - started:.1f}s)"
        )
        engine = make_engine(settings.database_url)
        upgrade(engine)
        # Always, as every writing command says it: a demo run against the hub's own
        # JOINEDUP_DATABASE_URL writes Northbridge's residents into that database.
        console.print(f"database: {location(engine)}", markup=False, soft_wrap=True)
        loads: list[SourceLoad] = []
        started = time.perf_counter()
        for load in load_borough(engine, manifest):
            loads.append(load)
            if status is not None:
                status.print(f"  ingested {load.source.source}", style="dim")
        elapsed = time.perf_counter() - started
    except JoinedupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    _print_reconciliation(console, loads, elapsed)
    if not all(load.as_planted for load in loads):
        typer.echo(
            "Error: some sources did not reconcile as generated (see the table above).", err=True
        )
        raise typer.Exit(1)
    if no_serve:
        if directory is not None and not os.environ.get("JOINEDUP_DATABASE_URL"):
            # The other commands look in the hub's own data directory, not this one.
            where = shlex.quote(str(directory))
            console.print(
                f"To work on this hub: JOINEDUP_DATA_DIR={where} joinedup link "
                "(or serve, review list, …)",
                markup=False,
                soft_wrap=True,
            )
        return
    hook = _serve_hook()
    if hook is None:
        console.print("Linking and serving the demo are not available yet; the data is ingested.")
        return
    hook(engine, settings, port)


def _status(console: Console | None, message: str) -> Any:
    from contextlib import nullcontext

    return console.status(message) if console is not None else nullcontext()


def _serve_hook() -> Any:
    try:
        module = importlib.import_module(_HOOK)
    except ModuleNotFoundError as exc:
        if exc.name != _HOOK:
            raise
        return None
    return getattr(module, "after_ingest", None)


def _print_reconciliation(console: Console, loads: list[SourceLoad], seconds: float) -> None:
    from rich.table import Table

    table = Table(title=f"Ingest reconciliation ({seconds:.1f}s)", title_justify="left")
    for heading in ("source", "organisation", "format"):
        table.add_column(heading)
    for heading in ("read", "stored", "updated", "unchanged", "quarantined", "skipped"):
        table.add_column(heading, justify="right")
    table.add_column("warnings", justify="right")
    table.add_column("as generated", justify="right")
    for load in loads:
        r = load.result
        table.add_row(
            load.source.source,
            load.source.organisation,
            load.source.format,
            f"{r.read:,}",
            f"{r.stored:,}",
            f"{r.updated:,}",
            f"{r.unchanged:,}",
            f"{r.quarantined:,}",
            f"{r.skipped:,}",
            f"{r.warnings:,}",
            "yes" if load.as_planted else "NO",
        )
    console.print(table)
