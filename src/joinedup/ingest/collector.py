"""Python's cyclic garbage collector, kept from rescanning the whole heap while an ingest runs.

CPython's full collections traverse every object that could take part in a cycle. An ingest
keeps many such objects alive on purpose — the standardisers' bounded caches of recurring
values, one chunk of rows, the libraries' metadata — so every full collection walks all of
them, and the collector's own heuristics run one every few thousand rows. Measured on the
demo's GP extract: 14 full collections of about 0.2 s each for 30,000 rows, a quarter of the
ingest's CPU time, freeing next to nothing (ingest makes few cycles).

While an ingest runs, :func:`bulk_collection` freezes the objects that were alive when it began
(they are never scanned again) and puts full collections off; young collections still run,
so short-lived cycles are still freed. The ingest calls :func:`collect` itself every so many
rows, so anything cyclic that slipped into the old generation is freed at a fixed, cheap rate
and memory stays flat. Settings are restored when the outermost ingest ends (ingests in
several threads share one collector, hence the count).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A full collection only when asked for: more young-generation collections than any ingest makes.
_NEVER = 1_000_000_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def bulk_collection() -> Iterator[None]:
    """Run the body with the heap frozen and automatic full collections put off."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(_saved[0], _saved[1], _NEVER)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()


def collect() -> None:
    """A full collection of what is not frozen (the ingest's own objects)."""
    gc.collect()
