"""``joinedup link``, ``joinedup review list|decide`` and ``joinedup export persons``.

Argument handling and printing only: the work is :func:`joinedup.linkage.index.link`,
:mod:`joinedup.linkage.review` and :func:`joinedup.linkage.persons.export_rows`. Output names
records by their keys and persons by their ids; it never prints names or other personal data.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from joinedup.cli import app
from joinedup.errors import JoinedupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

review_app = typer.Typer(help="The linkage review queue and reviewers' decisions.")
app.add_typer(review_app, name="review")
export_app = typer.Typer(help="Export from the master person index.", no_args_is_help=True)
app.add_typer(export_app, name="export")

#: The columns of ``joinedup export persons``, in order (part of the public interface).
EXPORT_COLUMNS: tuple[str, ...] = ("source", "source_record_id", "person_id")

_SUMMARY = (
    ("records", "records"),
    ("new_records", "new"),
    ("changed_records", "changed"),
    ("ended_records", "ended"),
    ("persons", "persons"),
    ("created", "persons created"),
    ("merges", "merges"),
    ("splits", "splits"),
    ("retired", "ids retired"),
    ("review_items", "review items open"),
)


def _fail(exc: JoinedupError) -> typer.Exit:
    typer.echo(f"Error: {exc}", err=True)
    return typer.Exit(exc.exit_code)


def _engine() -> Engine:
    from joinedup.store.db import make_engine, upgrade

    engine = make_engine()
    upgrade(engine)
    return engine


@app.command("link")
def link_command(
    engine_name: Annotated[
        str, typer.Option("--engine", help="Splink engine: duckdb (embedded) or spark.")
    ] = "duckdb",
    full: Annotated[
        bool,
        typer.Option("--full", help="Retrain and re-cluster everything (default: incremental)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Stay running: link whenever the store holds changes (Ctrl+C stops).",
        ),
    ] = False,
    every: Annotated[
        float, typer.Option("--every", help="With --watch: seconds between looks.", min=0.1)
    ] = 30.0,
) -> None:
    """Link stored records into the master person index and print the run's summary.

    Incremental by default: only new and changed records are scored, against the index and
    among themselves. Person ids stay stable; reviewers' decisions always hold. With --watch
    the process stays up and links as records arrive, keeping the model and Splink's scoring
    SQL loaded between runs, which is most of the cost of attaching a few records.
    """
    from joinedup.linkage.index import link

    def progress(message: str) -> None:
        if sys.stderr.isatty() and not as_json:
            typer.echo(f"… {message}", err=True)

    if watch:
        if full:
            raise _fail(JoinedupError("--watch links incrementally; run --full on its own"))
        _watch(engine_name, every, as_json)
        return
    try:
        result = link(_engine(), full=full, engine_name=engine_name, progress=progress)
    except JoinedupError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(result.as_dict(), sort_keys=True))
        return
    typer.echo(f"link run {result.run_id} ({result.mode}, {result.engine})")
    for name, label in _SUMMARY:
        typer.echo(f"  {label:<18} {result.counts.get(name, 0):>10,}")
    typer.echo(f"  {'seconds':<18} {result.seconds:>10.1f}")


def _watch(engine_name: str, every: float, as_json: bool) -> None:
    from datetime import UTC, datetime

    from joinedup.linkage.runs import LinkRunResult
    from joinedup.linkage.watch import watch

    def report(result: LinkRunResult) -> None:
        if as_json:
            typer.echo(json.dumps(result.as_dict(), sort_keys=True))
            return
        counts = ", ".join(
            f"{label} {result.counts.get(name, 0):,}" for name, label in _SUMMARY[1:]
        )
        at = datetime.now(UTC).strftime("%H:%M:%S")
        run = f"link run {result.run_id} ({result.mode})"
        typer.echo(f"{at} {run}: {counts}; {result.seconds:.1f}s")

    def skipped(error: JoinedupError) -> None:
        typer.echo(f"not this time: {error}", err=True)

    if not as_json:
        typer.echo(f"Watching for new and changed records every {every:g}s; Ctrl+C stops.")
    try:
        watch(_engine(), every=every, engine_name=engine_name, on_run=report, on_error=skipped)
    except JoinedupError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        if not as_json:
            typer.echo("Stopped.")


@review_app.command("list")
def review_list(
    limit: Annotated[int, typer.Option("--limit", help="Show at most N items.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the items as JSON.")] = False,
) -> None:
    """List open review items, largest risk first. PAIR is what ``review decide`` takes."""
    from joinedup.linkage import review
    from joinedup.store.db import session_scope

    try:
        with session_scope(_engine()) as session:
            items = review.open_items(session, limit)
    except JoinedupError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([item.as_dict() for item in items], sort_keys=True))
        return
    if not items:
        typer.echo("The review queue is empty.")
        return
    typer.echo(f"{'risk':>5}  {'probability':>11}  {'reason':<10}  PAIR")
    for item in items:
        probability = "" if item.match_probability is None else f"{item.match_probability:.4f}"
        typer.echo(f"{item.risk:>5.2f}  {probability:>11}  {item.reason:<10}  {item.label}")


@review_app.command("decide")
def review_decide(
    pair: Annotated[str, typer.Argument(help="Two record keys, as 'gp|A1 ~ ctax|77'.")],
    decision: Annotated[str, typer.Argument(help="link or not-link.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who is deciding.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, for the record.")] = None,
) -> None:
    """Record a decision on PAIR; every later ``joinedup link`` obeys it."""
    from joinedup.linkage import review
    from joinedup.store.db import session_scope

    try:
        with session_scope(_engine()) as session:
            row = review.decide(session, pair, decision, reviewer, note)
            label = review.format_pair((row.record_key_l, row.record_key_r))
    except JoinedupError as exc:
        raise _fail(exc) from None
    typer.echo(f"recorded: {label} → {decision} by {reviewer.strip()}; the next link applies it")


@export_app.command("persons")
def export_persons(
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
) -> None:
    """Write source,source_record_id,person_id for every current stored record to a CSV file."""
    from joinedup.linkage.persons import export_rows
    from joinedup.store.db import session_scope

    partial = out.with_name(out.name + ".partial")
    try:
        count = 0
        with session_scope(_engine()) as session, partial.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(EXPORT_COLUMNS)
            for row in export_rows(session):
                writer.writerow(row)
                count += 1
        # Written aside and renamed, so a reader never sees half a file.
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise _fail(JoinedupError(f"cannot write {out}: {exc.strerror}")) from None
    except JoinedupError as exc:
        partial.unlink(missing_ok=True)
        raise _fail(exc) from None
    typer.echo(f"wrote {count:,} rows to {out}")
