"""``worker.idle_cores``: whether a core is free, from a window of CPU time or the load average."""

from __future__ import annotations

import pytest

from joinedup import worker
from joinedup.worker import CpuReading


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (1.9, 1.9, 1.9))  # a lagging 1.9


# (machine busy seconds, this process's seconds) over a 2 s window -> idle cores of two
WINDOWS = [
    ((2.0, 2.0), 1),  # only this process ran: the other core idled
    ((2.8, 2.0), 1),  # others used 0.4 of a core
    ((3.0, 2.0), 1),  # half a core left: enough
    ((3.2, 2.0), 0),  # others used 0.6
    ((4.0, 2.0), 0),  # the other core was busy
    ((1.0, 0.0), 1),  # this process slept; others used half a core
    ((0.0, 1.0), 1),  # counters from different sources drift: never below zero others
]


@pytest.mark.usefixtures("two_cores")
@pytest.mark.parametrize(("used", "expected"), WINDOWS)
def test_the_window_says_what_others_used(
    monkeypatch: pytest.MonkeyPatch, used: tuple[float, float], expected: int
) -> None:
    since = CpuReading(at=100.0, machine=50.0, own=10.0)
    now = CpuReading(at=102.0, machine=50.0 + used[0], own=10.0 + used[1])
    monkeypatch.setattr(worker, "cpu_reading", lambda: now)
    assert worker.idle_cores(since) == expected


@pytest.mark.usefixtures("two_cores")
def test_a_short_window_falls_back_on_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    since = CpuReading(at=100.0, machine=50.0, own=10.0)
    monkeypatch.setattr(worker, "cpu_reading", lambda: CpuReading(100.1, 50.1, 10.1))
    assert worker.idle_cores(since) == 0  # int(2 - 1.9)
    monkeypatch.setattr(worker.os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert worker.idle_cores(since) == 1


@pytest.mark.usefixtures("two_cores")
def test_no_kernel_counters_falls_back_on_the_load_average(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(worker, "_STAT", "/nonexistent/stat")
    assert worker.cpu_reading() is None
    since = CpuReading(at=0.0, machine=0.0, own=0.0)
    assert worker.idle_cores(since) == 0


def test_one_core_or_an_embedded_interpreter_means_none(monkeypatch: pytest.MonkeyPatch) -> None:
    since = CpuReading(at=0.0, machine=0.0, own=0.0)
    monkeypatch.setattr(worker, "cpu_reading", lambda: CpuReading(2.0, 0.0, 0.0))
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0}, raising=False)
    assert worker.idle_cores(since) == 0
    monkeypatch.setattr(worker.os, "sched_getaffinity", lambda _: {0, 1}, raising=False)
    monkeypatch.setattr(worker.sys, "executable", "/usr/sbin/uwsgi")
    assert worker.idle_cores(since) == 0


def test_the_kernel_counters_are_read_on_linux() -> None:
    first = worker.cpu_reading()
    if first is None:
        pytest.skip("no /proc/stat here")
    sum(i * i for i in range(200_000))
    second = worker.cpu_reading()
    assert second is not None
    assert second.at > first.at and second.own > first.own and second.machine >= first.machine
