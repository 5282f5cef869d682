"""Measuring one step: wall time, CPU time, and peak resident memory.

CPU time and memory include the process that reads and standardises beside a large ingest
(:mod:`joinedup.ingest.parallel`), so rows per CPU second count the work of both.

Peak memory is the highest resident set size (RSS) that a thread sampling every 20 ms sees
while the step runs, beside the RSS just before it: the difference is what the step itself
held. ``ru_maxrss`` cannot be used for this, as it never comes down between steps.
"""

from __future__ import annotations

import contextlib
import gc
import json
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psutil

#: Seconds between memory samples.
SAMPLE_EVERY = 0.02


@dataclass(frozen=True)
class Measured:
    """What one step took."""

    label: str
    rows: int
    seconds: float
    cpu_seconds: float
    rss_before: int
    rss_peak: int
    result: Any = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def rows_per_cpu_second(self) -> float:
        return self.rows / self.cpu_seconds if self.cpu_seconds else 0.0

    @property
    def rss_growth(self) -> int:
        return max(0, self.rss_peak - self.rss_before)


class _PeakSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self._process = psutil.Process()
        self._done = threading.Event()
        self.peak = self._process.memory_info().rss

    def _rss(self) -> int:
        # With the process that reads and standardises beside the ingest, when there is one.
        total = self._process.memory_info().rss
        for child in self._process.children():
            with contextlib.suppress(psutil.Error):  # gone between listing and asking
                total += child.memory_info().rss
        return total

    def run(self) -> None:
        while not self._done.wait(SAMPLE_EVERY):
            self.peak = max(self.peak, self._rss())

    def stop(self) -> int:
        self._done.set()
        self.join()
        return max(self.peak, self._rss())


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (the reading process)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def measure(label: str, rows: int, step: Callable[[], Any]) -> Measured:
    """Run ``step`` once and return its wall time, CPU time and peak RSS."""
    gc.collect()
    before = psutil.Process().memory_info().rss
    sampler = _PeakSampler()
    sampler.start()
    cpu = _cpu()
    wall = time.perf_counter()
    try:
        result = step()
    finally:
        seconds = time.perf_counter() - wall
        cpu_seconds = _cpu() - cpu
        peak = sampler.stop()
    return Measured(label, rows, seconds, cpu_seconds, before, peak, result)


def read_floor(path: Path, *, fast: bool = False) -> int:
    """Read the extract and do nothing with it: the least any ingest must spend.

    The demo's GP extract is NDJSON (FHIR Patients), so the floor is what the ingest's own
    reader starts with: each line read and parsed with ``json`` (``fast``: with orjson, as
    the reader now parses first).
    """
    rows = 0
    loads = orjson.loads if fast else json.loads
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                with contextlib.suppress(ValueError):  # a junk line costs its parse too
                    loads(line)
            rows += 1
    return rows


def csv_floor(path: Path) -> int:
    """The issue's floor as literally asked: the same file read with ``csv`` (no JSON parse)."""
    import csv

    rows = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for _ in csv.reader(handle, delimiter="\x1f", quoting=csv.QUOTE_NONE):
            rows += 1
    return rows
