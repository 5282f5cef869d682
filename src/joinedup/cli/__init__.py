"""The ``joinedup`` command. Each sub-module registers its commands on ``app``.

Modules only parse arguments and print; the work lives in the packages they call.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import traceback
import warnings
from pathlib import Path

import typer

from joinedup.errors import JoinedupError

app = typer.Typer(
    name="joinedup",
    help="Join up what public services know about the residents they serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Click's plain help: it re-flows each docstring paragraph and draws no boxes, so --help
    # reads the same in a terminal, a pipe and a cron mail (Typer's Rich help kept every line
    # break and wrapped again, leaving ragged paragraphs), and a usage error is one
    # "Error: ..." line like joinedup's own.
    rich_markup_mode=None,
)

# Each module adds its own commands or sub-apps to ``app`` when imported.
_COMMAND_MODULES = (
    "joinedup.cli.ingest_cmd",
    "joinedup.cli.demo_cmd",
    "joinedup.cli.link_cmd",
    "joinedup.cli.governance_cmd",
    "joinedup.cli.serve_cmd",
    "joinedup.cli.person_cmd",
)


def _version(value: bool) -> None:
    if value:
        from joinedup import __version__

        typer.echo(f"joinedup {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_version,
        is_eager=True,
        help="Print joinedup's version and exit (quote it when reporting a problem).",
    ),
) -> None:
    """Join up what public services know about the residents they serve."""


def _register() -> None:
    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


#: The exit status of a fault in joinedup itself (sysexits' EX_SOFTWARE), apart from the 1 and
#: 2 a cron job reads as "the check failed" and "fix the input or the configuration".
EXIT_FAULT = 70
#: Set to see the traceback of a fault instead of its one line.
TRACEBACK_VAR = "JOINEDUP_TRACEBACK"
_PACKAGE = Path(__file__).resolve().parent.parent


def main() -> None:
    """The ``joinedup`` command: every error ends as one line on stderr and a non-zero status.

    A :class:`JoinedupError` prints its message. A database that cannot serve the command just
    now (locked by another writer, the server gone) says so, as does a file or directory the
    system refused (read-only, full, not a directory); anything else is a fault in joinedup and
    prints its type and where it happened. Neither shows a traceback unless
    ``JOINEDUP_TRACEBACK=1``: a cron job wants one line, and a database error's text can quote
    the values of the row it was writing, which are personal data.
    """
    _register()
    warnings.formatwarning = _warning_line
    # A cron job's timeout, systemd or kill sends SIGTERM, which ended the process without
    # unwinding: a link run was left "running" and refused every later run for six hours.
    # As SystemExit it unwinds like Ctrl+C: the run is marked failed, an ingest rolls back.
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app()
    except JoinedupError as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        if os.environ.get(TRACEBACK_VAR, "").strip() not in ("", "0"):
            raise
        message, code = describe_failure(exc)
        typer.echo(f"Error: {message}", err=True)
        sys.exit(code)


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    line: str | None = None,
) -> str:
    """A warning as the user reads it ("Warning: JOINEDUP_SECRET_KEY is not set: …"), not as
    Python shows it: the file and line that called ``warnings.warn`` and that line's code."""
    return f"Warning: {message}\n"


def describe_failure(exc: Exception) -> tuple[str, int]:
    """One line and an exit status for an exception that is not a :class:`JoinedupError`."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, OperationalError | PoolTimeout):
        # The driver's own words (first line only: the SQL and its parameters follow it).
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""]
        return (
            f"the database could not serve this command just now ({reason[0]}); what it was "
            "writing was rolled back. If another joinedup command is writing (an ingest, a link "
            "run), run this one again when it has finished.",
            2,
        )
    if isinstance(exc, OSError) and exc.strerror:
        # A read-only or full disk, a path through a file, no permission: the machine's state,
        # which the engineer can fix, not a fault in joinedup.
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}", 2
    # The innermost line of joinedup's own code: where a fix would go.
    ours = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if _PACKAGE in Path(frame.filename).parents
    ]
    where = (
        f" at {Path(ours[-1].filename).relative_to(_PACKAGE.parent)}:{ours[-1].lineno}"
        if ours
        else ""
    )
    from joinedup import __version__

    return (
        f"unexpected {type(exc).__name__}{where} (joinedup {__version__}), a fault in "
        f"joinedup rather than in its input; please report it with this line "
        f"({TRACEBACK_VAR}=1 shows the traceback)",
        EXIT_FAULT,
    )
