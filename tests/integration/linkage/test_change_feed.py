"""The change feed and the append-only frame cache, on SQLite and PostgreSQL.

An incremental run finds what changed from ``source_records.linked_run`` (``linkage.feed``)
instead of reading every id, and appends to the frame cache instead of rewriting it. These tests
hold the feed to exactly the versions the index lags on, and the cache to exactly the current
versions, through new, changed and ended records, a failed run, a version cached while still
pending, and the upgrade that introduces the column.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from joinedup.linkage import feed, frame_cache
from joinedup.linkage.index import link
from joinedup.store import db, records
from joinedup.store.db import session_scope
from tests.integration.linkage.index_helpers import SOURCE, Store, StubScorer, key, person

BASE = [
    person("1", "Amara", "Okafor", "1980-01-02"),
    person("2", "Amara", "Okafor", "1980-01-02"),
    person("4", "Tomasz", "Nowak", "1975-05-06"),
    person("5", "Tomasz", "Nowak", "1975-05-06"),
    person("6", "Siobhan", "Kelly", "1990-09-09"),
]


@pytest.fixture
def store(engine: Engine) -> Store:
    store = Store(engine)
    store.put(*BASE)
    return store


def _feed(engine: Engine) -> tuple[set[int], set[int]]:
    with session_scope(engine) as session:
        changes = feed.read(session)
    return set(changes.pending.tolist()), set(changes.ended.tolist())


def _current(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {key(r): v.id for r, v in records.current_versions(session, SOURCE).items()}


def _cached(engine: Engine, run_id: int) -> tuple[dict[str, int], frame_cache.Cached]:
    loaded = frame_cache.load(engine, run_id)
    assert loaded is not None
    ids = loaded.table.column("unique_id").to_pylist()
    versions = loaded.table.column(frame_cache.VERSION_COLUMN).to_pylist()
    assert len(ids) == len(set(ids)), "a record is cached twice"
    return dict(zip(ids, versions, strict=True)), loaded


def test_the_feed_holds_exactly_what_the_index_lags_on(store: Store) -> None:
    before = _current(store.engine)
    assert _feed(store.engine) == (set(before.values()), set())
    link(store.engine, model=StubScorer())
    assert _feed(store.engine) == (set(), set())

    store.put(person("7", "Ada", "Byron", "1815-12-10"), person("2", "Amara", "Okafor", None))
    store.end("6")
    now = _current(store.engine)
    pending, ended = _feed(store.engine)
    assert pending == {now[key("7")], now[key("2")]}
    assert ended == {before[key("2")], before[key("6")]}

    result = link(store.engine, model=StubScorer())
    assert (result.counts["new_records"], result.counts["changed_records"]) == (1, 1)
    assert result.counts["ended_records"] == 1
    assert _feed(store.engine) == (set(), set())
    assert store.persons().keys() == {"1", "2", "4", "5", "7"}


def test_incremental_runs_append_to_the_cache_and_a_full_run_compacts_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Six records: two dropped rows are a third of the cache, far past the share that compacts.
    monkeypatch.setattr(frame_cache, "MAX_DROPPED_SHARE", 0.5)
    first = link(store.engine, model=StubScorer())
    cached, loaded = _cached(store.engine, first.run_id)
    assert cached == _current(store.engine)
    assert len(loaded.segments) == 1

    store.put(person("7", "Ada", "Byron", "1815-12-10"))
    second = link(store.engine, model=StubScorer())
    cached, loaded = _cached(store.engine, second.run_id)
    assert cached == _current(store.engine)
    assert len(loaded.segments) == 2 and not loaded.dropped

    replaced = _current(store.engine)[key("4")]
    store.put(person("4", "Tomasz", "Nowak", "1975-05-07"))
    store.end("6")
    third = link(store.engine, model=StubScorer())
    cached, loaded = _cached(store.engine, third.run_id)
    assert cached == _current(store.engine)
    assert len(loaded.segments) == 3
    assert replaced in loaded.dropped
    assert cached[key("4")] != replaced

    monkeypatch.setattr(frame_cache, "MAX_DROPPED_SHARE", 0.02)
    store.put(person("9", "Ada", "Byron", "1815-12-10"))
    fourth = link(store.engine, model=StubScorer())
    cached, loaded = _cached(store.engine, fourth.run_id)
    assert cached == _current(store.engine)
    assert len(loaded.segments) == 1 and not loaded.dropped  # too much dropped: compacted

    store.put(person("10", "Ada", "Byron", "1815-12-10"))
    link(store.engine, model=StubScorer())
    full = link(store.engine, full=True, model=StubScorer())
    cached, loaded = _cached(store.engine, full.run_id)
    assert cached == _current(store.engine)
    assert len(loaded.segments) == 1 and not loaded.dropped
    files = {path.name for path in frame_cache.cache_directory(store.engine).iterdir()}
    assert files == {"meta.json", *loaded.segments}  # the appended segments are gone


def test_the_appended_cache_scores_as_a_fresh_read_would(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("7", "Amara", "Okafor", "1980-01-02"))
    link(store.engine, model=StubScorer())
    store.put(person("8", "Tomasz", "Nowak", "1975-05-06"), person("2", "Amara", "Okafor", None))
    link(store.engine, model=StubScorer())
    with_cache = store.persons()
    assert with_cache["7"] == with_cache["1"] and with_cache["8"] == with_cache["4"]

    monkeypatch.setenv("JOINEDUP_LINKAGE_CACHE", "off")
    link(store.engine, full=True, model=StubScorer())
    assert store.persons() == with_cache


def test_a_failed_run_leaves_the_feed_as_it_found_it(store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("7", "Ada", "Byron", "1815-12-10"))
    store.end("6")
    lag = _feed(store.engine)

    class Failing(StubScorer):
        def predict(self, df: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
            raise RuntimeError("scoring failed")

    with pytest.raises(RuntimeError):
        link(store.engine, model=Failing())
    assert _feed(store.engine) == lag
    link(store.engine, model=StubScorer())
    assert _feed(store.engine) == (set(), set())
    assert "7" in store.persons() and "6" not in store.persons()


def test_a_version_cached_while_still_pending_is_marked_not_added_twice(store: Store) -> None:
    # A run on PostgreSQL can read a version that was committed after it read the feed: the
    # version is cached but unmarked. The next run must mark it and keep one row for it.
    first = link(store.engine, model=StubScorer())
    version = _current(store.engine)[key("5")]
    with session_scope(store.engine) as session:
        session.execute(
            text("UPDATE source_records SET linked_run = NULL WHERE id = :id"), {"id": version}
        )
    before = store.persons()
    assert _feed(store.engine) == ({version}, set())
    second = link(store.engine, model=StubScorer())
    assert second.run_id > first.run_id
    assert _feed(store.engine) == (set(), set())
    cached, _ = _cached(store.engine, second.run_id)
    assert cached == _current(store.engine)
    assert store.persons() == before


def test_the_upgrade_marks_what_the_index_already_holds(store: Store) -> None:
    link(store.engine, model=StubScorer())
    store.put(person("7", "Ada", "Byron", "1815-12-10"))
    store.end("6")
    lag = _feed(store.engine)
    db.downgrade(store.engine, "0004")
    db.upgrade(store.engine)
    assert _feed(store.engine) == lag
    link(store.engine, model=StubScorer())
    assert _feed(store.engine) == (set(), set())
    assert store.persons().keys() == {"1", "2", "4", "5", "7"}


def test_a_cache_written_before_segments_is_still_used(store: Store) -> None:
    # Caches written before the append-only format are one file, frame.arrow: an upgrade
    # reads it as a single segment rather than re-deriving every record.
    import json

    first = link(store.engine, model=StubScorer())
    directory = frame_cache.cache_directory(store.engine)
    meta = json.loads((directory / "meta.json").read_text())
    (directory / meta["segments"][0]).rename(directory / "frame.arrow")
    old = {k: v for k, v in meta.items() if k not in {"segments", "dropped"}}
    (directory / "meta.json").write_text(json.dumps({**old, "format": "joinedup-frame-cache/2"}))
    cached, loaded = _cached(store.engine, first.run_id)
    assert loaded.segments == ("frame.arrow",) and cached == _current(store.engine)

    store.put(person("7", "Ada", "Byron", "1815-12-10"))
    second = link(store.engine, model=StubScorer())
    assert second.counts["new_records"] == 1 and second.counts["records"] == len(BASE) + 1
    cached, loaded = _cached(store.engine, second.run_id)
    assert loaded.segments[0] == "frame.arrow" and len(loaded.segments) == 2
    assert cached == _current(store.engine)


def test_marks_touch_exactly_the_listed_versions(store: Store) -> None:
    # Marking goes to the database as one list (an array, JSON text): a version left off the
    # list, or already marked by another run, keeps its mark.
    pending, _ = _feed(store.engine)
    ids = sorted(pending)
    chosen, skipped = ids[::2], ids[1::2]
    with session_scope(store.engine) as session:
        feed.mark_linked(session, 7, [*chosen, *chosen, 10**12])
    with session_scope(store.engine) as session:
        feed.mark_linked(session, 8, ids)
        marks = dict(session.execute(text("SELECT id, linked_run FROM source_records")).all())
    assert {i: marks[i] for i in ids} == {**dict.fromkeys(chosen, 7), **dict.fromkeys(skipped, 8)}
    with session_scope(store.engine) as session:
        feed.mark_unlinked(session, ids)  # none has ended: none is unmarked
        feed.mark_linked(session, 9, [])
    assert _feed(store.engine) == (set(), set())
