"""``joinedup link``, ``joinedup review list|decide`` and ``joinedup export persons``.

Argument handling and printing only: the work is :func:`joinedup.linkage.index.link`,
:mod:`joinedup.linkage.review` and :mod:`joinedup.linkage.export`; what a link run shows on
stderr is :mod:`joinedup.cli.link_output`. Output names records by their keys and persons by
their ids; it never prints names or other personal data.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from joinedup.cli import app
from joinedup.cli.database import existing_engine
from joinedup.errors import JoinedupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

review_app = typer.Typer(help="The linkage review queue and reviewers' decisions.")
app.add_typer(review_app, name="review")
export_app = typer.Typer(help="Export from the master person index.", no_args_is_help=True)
app.add_typer(export_app, name="export")

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
    """The configured database, created if need be (``link --watch`` may start before the
    first ingest)."""
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
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Also show Splink's own warnings on stderr, each line starting 'splink:'.",
        ),
    ] = False,
) -> None:
    """Link stored records into the master person index and print the run's summary.

    Incremental by default: only new and changed records are scored, against the index and
    among themselves. Person ids stay stable; reviewers' decisions always hold. With --watch
    the process stays up and links as records arrive, keeping the model and Splink's scoring
    SQL loaded between runs, which is most of the cost of attaching a few records.

    The summary goes to stdout. Stderr holds only joinedup's own lines: errors, and one
    'training:' line when training left something to joinedup's built-in values. Splink's
    messages are not shown unless --verbose.
    """
    from joinedup.cli.link_output import link_output
    from joinedup.linkage.index import link
    from joinedup.store.db import location

    def progress(message: str) -> None:
        if sys.stderr.isatty() and not as_json:
            typer.echo(f"… {message}", err=True)

    if watch:
        if full:
            raise _fail(JoinedupError("--watch links incrementally; run --full on its own"))
        with link_output(verbose=verbose):
            _watch(engine_name, every, as_json)
        return
    try:
        with link_output(verbose=verbose):
            engine = existing_engine("link")
            result = link(engine, full=full, engine_name=engine_name, progress=progress)
        _after_run(engine, result.run_id)
    except JoinedupError as exc:
        raise _fail(exc) from None
    where = location(engine)
    if as_json:
        typer.echo(json.dumps({**result.as_dict(), "database": where}, sort_keys=True))
        return
    typer.echo(f"link run {result.run_id} ({result.mode}, {result.engine})")
    typer.echo(f"database: {where}")
    for name, label in _SUMMARY:
        typer.echo(f"  {label:<18} {result.counts.get(name, 0):>10,}")
    typer.echo(f"  {'seconds':<18} {result.seconds:>10.1f}")


def _after_run(engine: Engine, run_id: int) -> None:
    """Say what the run's splits meant for governance (:mod:`joinedup.services.after_link_run`):
    a failure to queue them for the IG officers, and how many resident accounts they hold."""
    from joinedup.services.after_link_run import after_link_run

    after = after_link_run(engine, run_id)
    if after.alerts_failed is not None:
        typer.echo(
            f"link run {run_id} is done, but its splits could not be put on the IG officers' "
            f"queue ({after.alerts_failed}); the objections they carried still apply",
            err=True,
        )
    if after.held_accounts:
        typer.echo(
            f"link run {run_id} split the person of {after.held_accounts} resident account(s): "
            "they show their resident nothing until an administrator confirms their person "
            "(Resident accounts to check, /admin/resident-holds)",
            err=True,
        )


def _watch(engine_name: str, every: float, as_json: bool) -> None:
    from datetime import UTC, datetime

    from joinedup.linkage.runs import LinkRunResult
    from joinedup.linkage.watch import watch
    from joinedup.store.db import location

    try:
        engine = _engine()
    except JoinedupError as exc:
        raise _fail(exc) from None
    where = location(engine)

    def report(result: LinkRunResult) -> None:
        _after_run(engine, result.run_id)
        if as_json:
            typer.echo(json.dumps({**result.as_dict(), "database": where}, sort_keys=True))
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
        typer.echo(f"Watching {where} for new and changed records every {every:g}s; Ctrl+C stops.")
    try:
        watch(engine, every=every, engine_name=engine_name, on_run=report, on_error=skipped)
    except JoinedupError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        if not as_json:
            typer.echo("Stopped.")


@review_app.command("list")
def review_list(
    limit: Annotated[int, typer.Option("--limit", help="Show at most N items.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print the items as JSON.")] = False,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="SOURCE",
            help="Only pairs with a record from SOURCE; twice: one record from each.",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            metavar="pair|person",
            help="pair: possible missed links; person: persons held by weak evidence.",
        ),
    ] = None,
    min_risk: Annotated[
        float | None,
        typer.Option("--min-risk", metavar="R", help="Only items at risk R (0 to 2) or above."),
    ] = None,
    person: Annotated[
        str | None,
        typer.Option("--person", metavar="ID", help="Only items touching this person id."),
    ] = None,
) -> None:
    """List open review items, largest risk first. PAIR is what 'review decide' takes."""
    from joinedup.linkage import review
    from joinedup.linkage.queue_filter import queue_filter
    from joinedup.store.db import session_scope

    try:
        with session_scope(existing_engine("review list")) as session:
            only = queue_filter(
                session, sources=source or (), kind=kind, min_risk=min_risk, person=person
            )
            items = review.open_items(session, limit, only=only)
            total = review.open_count(session, only=only)
    except JoinedupError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps([item.as_dict() for item in items], sort_keys=True))
        return
    if not items:
        typer.echo(
            "No open review item matches these filters."
            if only.active
            else "The review queue is empty."
        )
        return
    typer.echo(f"{'risk':>5}  {'probability':>11}  {'reason':<10}  PAIR")
    for item in items:
        probability = "" if item.match_probability is None else f"{item.match_probability:.4f}"
        typer.echo(f"{item.risk:>5.2f}  {probability:>11}  {item.reason:<10}  {item.label}")
    if total > len(items):
        which = " matching these filters" if only.active else ""
        typer.echo(
            f"{total:,} open{which}, the riskiest {len(items):,} shown (--limit N shows more)"
        )


@review_app.command("decide")
def review_decide(
    pair: Annotated[
        str, typer.Argument(metavar="PAIR", help="Two record keys, as 'gp|A1 ~ ctax|77'.")
    ],
    decision: Annotated[str, typer.Argument(metavar="DECISION", help="link or not-link.")],
    reviewer: Annotated[str, typer.Option("--reviewer", help="Who is deciding.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, for the record.")] = None,
) -> None:
    """Record a decision on PAIR; every later 'joinedup link' obeys it.

    A decision that contradicts the decisions in force (through other pairs too) is refused,
    naming them; deciding a pair again replaces its earlier decision. A decision on a record
    that is no longer current is recorded with a warning: it applies if the record comes back.
    """
    from joinedup.linkage import review
    from joinedup.services.review_service import decide_at_console
    from joinedup.store.db import location, session_scope

    try:
        # Reads the decisions in force, then writes: one decision at a time (docs/store.md).
        engine = existing_engine("review decide")
        with session_scope(engine, write=True) as session:
            recorded = decide_at_console(session, pair, decision, reviewer, note)
            label = review.format_pair(recorded.pair)
    except JoinedupError as exc:
        raise _fail(exc) from None
    applies = "; the next link applies it" if recorded.warning is None else ""
    typer.echo(f"recorded: {label} → {decision} by {reviewer.strip()}{applies}")
    typer.echo(f"database: {location(engine)}")
    if recorded.warning is not None:
        typer.echo(f"Warning: {recorded.warning}", err=True)


#: What ``--out`` takes to mean standard output.
STDOUT = "-"


@export_app.command("persons")
def export_persons(
    # Text, not a Path: Path("./-") is "-", and ./- must still name a file.
    out: Annotated[
        str,
        typer.Option(
            "--out",
            metavar="FILE",
            help="The CSV file to write (mode 0600), or - for standard output.",
        ),
    ],
) -> None:
    """Write source,source_record_id,person_id for every current stored record as CSV.

    The file is created readable by its owner only (0600) and appears whole or not at all.
    With --out - the CSV goes to standard output and nothing else does.

    Cells are safe to open in a spreadsheet: one starting with =, +, -, @, a tab, a carriage
    return or ' gets a ' in front, so it shows as text and never runs as a formula. To get the
    stored value back, drop one leading ' from any cell that starts with one.
    """
    from joinedup.linkage.export import private_file, write_persons
    from joinedup.store.db import session_scope

    to_stdout = out == STDOUT
    where = "standard output" if to_stdout else out
    try:
        target = None if to_stdout else _out_file(out)
        if target is None:
            with session_scope(existing_engine("export persons")) as session:
                count = write_persons(session, sys.stdout)
            sys.stdout.flush()
        else:
            engine = existing_engine("export persons")
            with private_file(target) as handle, session_scope(engine) as session:
                count = write_persons(session, handle)
    except BrokenPipeError:
        # The reader stopped early (``| head``): nothing wrong here, and nothing more to say.
        _stdout_to_devnull()
        raise typer.Exit(1) from None
    except OSError as exc:
        raise _fail(JoinedupError(f"cannot write {where}: {exc.strerror}")) from None
    except JoinedupError as exc:
        raise _fail(exc) from None
    # Stderr, so that with --out - standard output holds the CSV alone.
    typer.echo(f"wrote {count:,} rows to {where}", err=to_stdout)


def _out_file(out: str) -> Path:
    """The file ``--out`` names, refused before any work when it cannot be one: a name that
    ends in a slash, ``.`` or ``..`` (Path would drop the slash and write a file called after
    the directory meant), an existing directory, or a directory that does not exist."""
    if not out.strip():
        raise JoinedupError("--out needs a file name, or - for standard output")
    last = out.replace(os.sep, "/").rsplit("/", 1)[-1]
    path = Path(out)
    if last in ("", ".", "..") or path.is_dir():
        raise JoinedupError(
            f"--out {out} names a directory; give it a file name, such as {path / 'persons.csv'}"
        )
    if not path.parent.is_dir():
        raise JoinedupError(f"cannot write {out}: there is no directory {path.parent}")
    return path


def _stdout_to_devnull() -> None:
    # Python flushes stdout at exit, and a flush into a closed pipe prints a second error.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file descriptor (a test runner's stream): nothing to flush into
