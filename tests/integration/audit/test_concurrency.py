"""Concurrent appenders keep one valid chain: no fork, no gap, no lost event.

A unit of work that reads before it appends runs on ``audited_engine`` (SQLite needs its write
lock taken up front); one that appends first needs nothing special on either backend.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.audit import append, audited_engine, verify
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.audit.helpers import event

THREADS = 2
PER_THREAD = 40


def test_two_threads_appending_keep_one_chain(engine: Engine) -> None:
    work_engine = audited_engine(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        try:
            start.wait()
            for n in range(PER_THREAD):
                with session_scope(work_engine) as session:
                    # A read before the append, as the services do with personal data.
                    session.scalar(select(func.count()).select_from(AuditEvent))
                    append(session, event(offset + n), checkpoint_every=7)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i * 1000,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify(engine)
    assert result.ok, result.problems
    assert result.events == THREADS * PER_THREAD
    assert result.head_seq == THREADS * PER_THREAD
    assert result.checkpoints == (THREADS * PER_THREAD) // 7


def test_appending_first_needs_no_special_engine(engine: Engine) -> None:
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for n in range(PER_THREAD // 2):
                with session_scope(engine) as session:
                    append(session, event(offset + n))
                    session.scalar(select(func.count()).select_from(AuditEvent))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i * 1000,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert verify(engine).events == THREADS * (PER_THREAD // 2)


def test_an_appender_waits_for_the_holder_and_links_to_its_event(engine: Engine) -> None:
    """The lock, the head and the inserts are taken together (one pipeline on PostgreSQL): a
    second appender must wait for the first to commit and then see its event as the head, not a
    stale one."""
    work_engine = audited_engine(engine)
    with session_scope(engine) as session:
        append(session, event(0))
    appended = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with session_scope(work_engine) as session:
                session.scalar(select(func.count()).select_from(AuditEvent))
                append(session, event(1))
                appended.set()
                release.wait(10)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
            appended.set()

    holder = threading.Thread(target=first)
    holder.start()
    assert appended.wait(10)
    second_done = threading.Event()

    def second() -> None:
        try:
            with session_scope(work_engine) as session:
                append(session, event(2))
        except BaseException as exc:
            errors.append(exc)
        second_done.set()

    waiter = threading.Thread(target=second)
    waiter.start()
    assert not second_done.wait(0.5), "the second appender did not wait for the chain lock"
    release.set()
    holder.join()
    waiter.join()
    assert errors == []
    result = verify(engine)
    assert result.ok, result.problems
    assert result.events == 3 and result.head_seq == 3


# Each process reads, then appends a batch of two events per unit of work, as the joined view
# does (its own and a household member's).
_APPENDER = """
import sys
from sqlalchemy import func, select
from joinedup.audit import audited_engine
from joinedup.audit.log import append_all
from joinedup.store.db import make_engine, session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.audit.helpers import event

url, offset, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = audited_engine(make_engine(url))
for n in range(count):
    with session_scope(engine) as session:
        session.scalar(select(func.count()).select_from(AuditEvent))
        append_all(session, [event(offset + 2 * n), event(offset + 2 * n + 1)], checkpoint_every=5)
"""


def test_appenders_in_several_processes_keep_one_chain(db_url: str, engine: Engine) -> None:
    """What several uvicorn workers do: each process has its own pool and threads, and only
    the database's lock (PostgreSQL's advisory lock, taken in the same round trip as the
    inserts; SQLite's write lock) keeps them to one chain."""
    processes, per_process = 3, 15
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _APPENDER, db_url, str(i * 1000), str(per_process)], env=env
        )
        for i in range(processes)
    ]
    assert [child.wait(timeout=120) for child in children] == [0] * processes
    result = verify(engine)
    assert result.ok, result.problems
    assert result.events == result.head_seq == processes * per_process * 2
    assert result.checkpoints == (processes * per_process * 2) // 5
