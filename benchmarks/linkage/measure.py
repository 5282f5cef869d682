"""Run one benchmark step in a child process and measure its wall time and peak memory.

A child per step means each figure is that step's own: peak resident memory (sampled every
50 ms with psutil, child and its threads) does not carry over from the step before.
"""

from __future__ import annotations

import multiprocessing as mp
import time
import traceback
from collections.abc import Callable
from typing import Any

import psutil


def _child(conn: Any, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        start = time.perf_counter()
        result = func(*args)
        conn.send(("ok", result, time.perf_counter() - start))
    except BaseException:
        conn.send(("error", traceback.format_exc(), 0.0))
    finally:
        conn.close()


def isolated(func: Callable[..., Any], *args: Any) -> tuple[Any, float, float]:
    """``func(*args)`` in a forked child: (result, seconds, peak RSS in MB)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, func, args))
    process.start()
    child.close()
    peak = 0
    proc = psutil.Process(process.pid)
    message = None
    while True:
        try:
            rss = proc.memory_info().rss
            rss += sum(c.memory_info().rss for c in proc.children(recursive=True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        if parent.poll(0.05):
            message = parent.recv()
            break
        if not process.is_alive() and not parent.poll(0):
            break
    process.join()
    if message is None:
        raise RuntimeError(f"benchmark step died (exit code {process.exitcode})")
    status, result, seconds = message
    if status != "ok":
        raise RuntimeError(f"benchmark step failed:\n{result}")
    return result, seconds, peak / 1e6
