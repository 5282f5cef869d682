"""Keep the master person index current: link whenever the store holds changes, in one process.

A council's extracts arrive through the day; a practitioner searching at 11:00 should find the
record ingested at 10:59. Running ``joinedup link`` from a scheduler pays each time for what a
long-lived process pays once — importing the libraries, loading the model, building Splink's
scoring SQL — which is most of attaching a handful of records to a large index. ``watch`` polls
the change feed (``linkage.feed``: an indexed read of the versions the index lags on) and runs an
incremental link only when there is something to take in.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from joinedup.errors import JoinedupError
from joinedup.linkage import feed
from joinedup.linkage.index import Progress, Scorer, link
from joinedup.linkage.runs import LinkRunResult
from joinedup.store.db import session_scope


def pending(engine: Engine) -> bool:
    """Whether the store holds versions the index has not taken in or out yet."""
    with session_scope(engine) as session:
        changes = feed.read(session)
    return bool(len(changes.pending) or len(changes.ended))


def watch(
    engine: Engine,
    *,
    every: float,
    engine_name: str = "duckdb",
    model: Scorer | None = None,
    on_run: Callable[[LinkRunResult], None] = lambda _result: None,
    on_error: Callable[[JoinedupError], None] = lambda _error: None,
    progress: Progress | None = None,
    stop: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Link incrementally whenever there are changes, polling every ``every`` seconds, until
    ``stop()`` says so (or the process is interrupted). Returns the number of runs made.

    A run that cannot start now — another ``joinedup link`` is running, say — is reported to
    ``on_error`` and tried again at the next poll; anything else propagates.
    """
    if not every > 0:
        raise JoinedupError("the polling interval must be above 0 seconds")
    runs = 0
    while not stop():
        if pending(engine):
            try:
                result = link(engine, engine_name=engine_name, model=model, progress=progress)
            except JoinedupError as exc:
                on_error(exc)
            else:
                runs += 1
                on_run(result)
        sleep(every)
    return runs
