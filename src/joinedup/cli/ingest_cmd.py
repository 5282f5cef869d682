"""``joinedup ingest MAPPING FILE`` and ``joinedup mapping check FILE``.

Argument handling and printing only: the work is :func:`joinedup.ingest.pipeline.ingest_file`
and :func:`joinedup.ingest.mapping.load_mapping`. A Rich progress bar is drawn only when stderr
is a terminal, so piped output and CI logs stay plain.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from joinedup.cli import app
from joinedup.errors import JoinedupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from joinedup.ingest.reconcile import Reconciliation

mapping_app = typer.Typer(help="Work with source mapping files.", no_args_is_help=True)
app.add_typer(mapping_app, name="mapping")


def _fail(exc: JoinedupError) -> typer.Exit:
    lines = str(exc).splitlines() or [type(exc).__name__]
    typer.echo(f"Error: {lines[0]}", err=True)
    for line in lines[1:]:
        typer.echo(f"       {line}", err=True)
    return typer.Exit(exc.exit_code)


@mapping_app.command("check")
def mapping_check(
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="The mapping file (YAML) to validate.")
    ],
) -> None:
    """Validate a source mapping against the mapping schema; exit 0 when it is usable."""
    from joinedup.ingest.mapping import load_mapping

    try:
        mapping = load_mapping(file)
    except JoinedupError as exc:
        raise _fail(exc) from None
    fields = ", ".join(mapping.person) or "derived from FHIR"
    typer.echo(f"{file.name}: OK — source {mapping.source} ({mapping.format}); person: {fields}")


@app.command("ingest")
def ingest(
    mapping: Annotated[
        Path, typer.Argument(metavar="MAPPING", help="The source's mapping file (YAML).")
    ],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The extract to ingest.")],
    full: Annotated[
        bool, typer.Option("--full", help="A full extract: end records absent from the file.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the reconciliation as one JSON object.")
    ] = False,
    allow_mass_end: Annotated[
        bool,
        typer.Option(
            "--allow-mass-end",
            help="With --full: accept a file that ends more than half the source's records.",
        ),
    ] = False,
) -> None:
    """Ingest FILE as MAPPING describes and print the reconciliation.

    read = stored + updated + unchanged + quarantined + skipped. Exits 0 when the file was
    ingested (quarantined rows included); non-zero, with nothing stored, on a fatal problem.
    """
    from joinedup.ingest.pipeline import ingest_file
    from joinedup.ingest.reconcile import quarantine_report
    from joinedup.store.db import location, make_engine, upgrade

    try:
        engine = make_engine()
        upgrade(engine)
        if sys.stderr.isatty() and not as_json:
            result = _with_progress_bar(engine, mapping, file, full, allow_mass_end)
        else:
            result = ingest_file(engine, mapping, file, full=full, allow_mass_end=allow_mass_end)
    except JoinedupError as exc:
        raise _fail(exc) from None
    # Which database the batch went to: an operator with a test hub and a live one must see it.
    where = location(engine)
    if as_json:
        typer.echo(json.dumps({**result.to_json(), "database": where}))
    else:
        typer.echo(result.summary(database=where))
        if result.quarantined:
            typer.echo(quarantine_report(engine, result))


def _with_progress_bar(
    engine: Engine, mapping: Path, file: Path, full: bool, allow_mass_end: bool
) -> Reconciliation:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    from joinedup.ingest.pipeline import IngestProgress, ingest_file

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%  {task.fields[rows]:>10,} rows"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(state: IngestProgress) -> None:
            label = "checking ids" if state.phase == "scan" else "ingesting"
            if state.phase not in tasks:
                tasks[state.phase] = bar.add_task(label, total=state.total or 1, rows=0)
            bar.update(
                tasks[state.phase],
                completed=state.done,
                total=state.total or 1,
                rows=state.rows,
            )

        return ingest_file(
            engine, mapping, file, full=full, progress=update, allow_mass_end=allow_mass_end
        )
