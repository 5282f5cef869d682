"""Link runs: the record of each ``joinedup link`` — mode, engine, model, thresholds, counts, time.

A run row is written (status ``running``) and committed before any work, so a run that fails
part-way is still on record as ``failed`` with the class of the error; its changes to the index
roll back with it. Only the message of a ``JoinedupError`` is kept (those are written for users
and carry no record contents); other errors keep just their class name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.store.base import utcnow
from joinedup.store.linkage_tables import LinkRun

MODES: tuple[str, ...] = ("full", "incremental")

#: A run still "running" after this long is taken to have died with its process.
STALE_AFTER = timedelta(hours=6)
ENGINES: tuple[str, ...] = ("duckdb", "spark")

#: The counts every run records, in the order the CLI prints them.
COUNT_NAMES: tuple[str, ...] = (
    "records",
    "new_records",
    "changed_records",
    "ended_records",
    "rescored_records",
    "pairs",
    "persons",
    "created",
    "merges",
    "splits",
    "retired",
    "review_items",
)


@dataclass(frozen=True)
class LinkRunResult:
    """What a run did: its id and mode, the counts in :data:`COUNT_NAMES`, and its duration."""

    run_id: int
    mode: str
    engine: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    thresholds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON output."""
        return asdict(self)


def check_engine(engine_name: str) -> str:
    """Return ``engine_name`` if it is a linkage engine joinedup runs on, else a clear error."""
    if engine_name not in ENGINES:
        raise JoinedupError(
            f"unknown linkage engine {engine_name!r}; choose one of {', '.join(ENGINES)}"
        )
    return engine_name


def check_not_running(session: Session, now: datetime | None = None) -> None:
    """Refuse to start while another run is in progress (two runs would fight over the index).

    A run still marked ``running`` after :data:`STALE_AFTER` is taken to have died with its
    process (its changes rolled back with it) and does not block.
    """
    now = now or utcnow()
    busy = session.scalars(
        select(LinkRun)
        .where(LinkRun.status == "running", LinkRun.started_at > now - STALE_AFTER)
        .limit(1)
    ).first()
    if busy is not None:
        raise JoinedupError(
            f"link run {busy.id} has been running since {busy.started_at:%Y-%m-%d %H:%M} UTC; "
            "wait for it to finish (if its process was killed outright, the run counts as dead "
            f"{STALE_AFTER.total_seconds() / 3600:g} hours after it started)"
        )


def start_run(session: Session, mode: str, engine_name: str) -> LinkRun:
    """Add a ``running`` run row and flush it so it has an id."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    run = LinkRun(mode=mode, engine=engine_name, status="running", started_at=utcnow())
    session.add(run)
    session.flush()
    return run


def finish_run(
    session: Session,
    run_id: int,
    *,
    mode: str,
    model_json: str | None,
    thresholds: dict[str, float],
    counts: dict[str, int],
) -> LinkRun:
    """Mark a run done with what it used and what it counted; the duration is from its start."""
    run = session.get(LinkRun, run_id)
    if run is None:
        raise RuntimeError(f"link run {run_id} has disappeared")
    run.finished_at = utcnow()
    run.seconds = (run.finished_at - run.started_at).total_seconds()
    run.mode = mode
    run.model_json = model_json
    run.thresholds = thresholds
    run.counts = counts
    run.status = "done"
    session.flush()
    return run


def fail_run(session: Session, run_id: int, error: BaseException) -> None:
    """Mark a run failed, keeping a message safe for logs (never record contents)."""
    run = session.get(LinkRun, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.seconds = (run.finished_at - run.started_at).total_seconds()
    run.status = "failed"
    run.error = (
        f"{type(error).__name__}: {error}"
        if isinstance(error, JoinedupError)
        else type(error).__name__
    )


def last_done_run(session: Session) -> LinkRun | None:
    """The most recent run that finished, or ``None`` before the first one."""
    return session.scalars(
        select(LinkRun).where(LinkRun.status == "done").order_by(LinkRun.id.desc()).limit(1)
    ).first()


def list_runs(session: Session, limit: int = 20) -> list[LinkRun]:
    """The latest runs, newest first."""
    return list(session.scalars(select(LinkRun).order_by(LinkRun.id.desc()).limit(limit)))
