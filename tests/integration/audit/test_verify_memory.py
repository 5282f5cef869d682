"""``joinedup audit verify`` holds little per event: a year's trail of a borough (a million
events, ``benchmarks/audit``) took 600 MiB to verify, so ten years would not fit a small host.

Verification compares every event's links with every other's (a reordered or re-linked event
is named by where its hash is found), so it keeps something per event; what it keeps is
measured here as the growth of Python's peak allocation from one trail to one twice as long,
which leaves out what does not grow with the trail (the driver's buffers, the code's caches).
"""

from __future__ import annotations

import tracemalloc

from sqlalchemy.engine import Engine

from joinedup.audit import verify
from joinedup.audit.log import append_all
from joinedup.store.db import session_scope
from tests.integration.audit.helpers import event

EVENTS = 3_000
#: Bytes per event: the hash chain's own strings (64 hex digits) and little more. Measured:
#: 660 (SQLite) and 790 (PostgreSQL) before verification kept a bool for "content matches its
#: hash" instead of the hash computed, shared each link's string with the event before, and
#: stopped keeping the trail twice more in dicts; 300 and 430 after.
MOST_PER_EVENT = 480


def _add(engine: Engine, start: int, count: int) -> None:
    with session_scope(engine) as session:
        append_all(session, [event(n) for n in range(start, start + count)], checkpoint_every=0)


def _peak(engine: Engine) -> int:
    tracemalloc.start()
    try:
        result = verify(engine)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.ok, result.first
    return peak


def test_verify_keeps_little_per_event(engine: Engine) -> None:
    _add(engine, 1, EVENTS)
    _peak(engine)  # the first run fills caches that later runs reuse
    once = _peak(engine)
    _add(engine, EVENTS + 1, EVENTS)
    twice = _peak(engine)
    assert (twice - once) / EVENTS < MOST_PER_EVENT
