"""The ingest's garbage-collector settings are scoped to the ingest and undone after it."""

from __future__ import annotations

import gc
import threading

import pytest

from joinedup.ingest import collector


def test_full_collections_are_put_off_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with collector.bulk_collection():
        inside = gc.get_threshold()
        assert inside[:2] == before[:2]
        assert inside[2] > 1_000_000
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_settings_are_restored_when_the_body_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), collector.bulk_collection():
        raise RuntimeError("ingest failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_nested_and_concurrent_ingests_restore_once_the_last_ends() -> None:
    before = gc.get_threshold()
    entered, release = threading.Event(), threading.Event()

    def other_ingest() -> None:
        with collector.bulk_collection():
            entered.set()
            release.wait(5)

    thread = threading.Thread(target=other_ingest)
    with collector.bulk_collection():
        thread.start()
        entered.wait(5)
    assert gc.get_threshold()[2] > 1_000_000  # the other ingest still runs
    release.set()
    thread.join(5)
    assert gc.get_threshold() == before


def test_cycles_made_during_an_ingest_are_still_freed() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    with collector.bulk_collection():
        for _ in range(1_000):
            Node()
        collector.collect()
        assert not any(type(o) is Node for o in gc.get_objects())
