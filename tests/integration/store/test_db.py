"""Engines, the unit of work and migrations as every command uses them."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from joinedup.errors import JoinedupError
from joinedup.store import db, sources
from joinedup.store.db import DatabaseUnavailable, make_engine, session_scope, upgrade


def test_no_url_means_a_sqlite_file_under_the_data_dir_which_is_created(tmp_path, monkeypatch):
    data_dir = tmp_path / "nested" / "data"
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(data_dir))
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    engine = make_engine()
    try:
        assert engine.dialect.name == "sqlite"
        assert Path(engine.url.database or "") == (data_dir / "joinedup.db").resolve()
        assert data_dir.is_dir()
        upgrade(engine)
        assert (data_dir / "joinedup.db").exists()
    finally:
        engine.dispose()


def test_the_database_url_variable_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    engine = make_engine()
    assert engine.url.database == str(tmp_path / "elsewhere.db")
    engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://hub@db.example:5432/joinedup",
        "postgres://hub@db.example:5432/joinedup",
        "postgresql+psycopg2://hub@db.example:5432/joinedup",
        "postgresql+psycopg://hub@db.example:5432/joinedup",
    ],
)
def test_postgresql_urls_use_psycopg_3(url):
    engine = make_engine(url)
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.url.database == "joinedup"
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("not a url", "not a database URL"),
        ("nosuchdb://x/y", "unsupported database"),
        ("mysql://x@localhost/y", "unsupported database"),
    ],
)
def test_a_bad_url_is_a_clear_user_error(url, problem):
    with pytest.raises(JoinedupError, match=problem):
        make_engine(url)


def test_an_unreachable_server_is_a_clear_user_error_without_the_password():
    # Port 9 (discard) on localhost: nothing listens there, so the connection is refused.
    engine = make_engine("postgresql+psycopg://hub:s3cret@127.0.0.1:9/joinedup")
    try:
        with pytest.raises(DatabaseUnavailable) as caught:
            upgrade(engine)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert message.startswith("cannot open the database postgresql+psycopg://hub:***@")
    assert "s3cret" not in message


def test_a_data_dir_that_cannot_be_made_is_a_clear_user_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(DatabaseUnavailable, match="cannot create the data directory"):
        make_engine(f"sqlite:///{blocker / 'data' / 'joinedup.db'}")


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'j.db'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == (
                db.SQLITE_BUSY_TIMEOUT_MS
            )
    finally:
        engine.dispose()


def test_an_in_memory_sqlite_database_is_one_database_for_the_engine():
    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            sources.ensure_organisation(session, "lcc")
        with session_scope(engine) as session:
            assert [o.id for o in sources.list_organisations(session)] == ["lcc"]
    finally:
        engine.dispose()


def test_session_scope_commits_and_objects_stay_readable(engine):
    with session_scope(engine) as session:
        organisation = sources.ensure_organisation(session, "lcc", "Leeds")
    assert organisation.name == "Leeds"  # no lazy reload after the session closed
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM organisations")).scalar() == "Leeds"


def test_describe_hides_the_password():
    engine = make_engine("postgresql+psycopg://hub:s3cret@db.example/joinedup")
    assert db.describe(engine) == "postgresql+psycopg://hub:***@db.example/joinedup"
    engine.dispose()


def test_check_connection_passes_on_a_live_database(engine):
    db.check_connection(engine)


def test_concurrent_upgrades_migrate_once(empty_db_url):
    """Several workers starting at once on an empty database must not race to create tables."""
    errors: list[BaseException] = []
    engines = [make_engine(empty_db_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))

    def run(engine):
        try:
            barrier.wait()
            upgrade(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        assert db.current_revision(engines[0]) == db.head_revision()
    finally:
        for engine in engines:
            engine.dispose()


def test_a_database_newer_than_this_joinedup_is_refused_clearly(engine):
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(JoinedupError, match="revision 9999, which this version of joinedup"):
        upgrade(engine)


def _two_writers(engine, write: bool) -> list[BaseException]:
    """Two units of work that each read, wait for the other to read, then write."""
    both_read = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with session_scope(engine, write=write) as session:
                sources.list_organisations(session)
                with contextlib.suppress(threading.BrokenBarrierError):
                    # With write=True on SQLite the second never gets here until the first
                    # has committed, so the barrier times out: that is the queueing.
                    both_read.wait(timeout=2)
                sources.ensure_organisation(session, name)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_units_of_work_that_write_queue_rather_than_fail(engine):
    assert _two_writers(engine, write=True) == []
    with session_scope(engine) as session:
        assert [o.id for o in sources.list_organisations(session)] == ["a", "b"]


def test_without_write_a_stale_sqlite_reader_cannot_write(engine, db_backend):
    """Why ``write=True`` exists: the deferred default fails on SQLite under contention."""
    errors = _two_writers(engine, write=False)
    if db_backend == "sqlite":
        assert len(errors) == 1 and "locked" in str(errors[0])
    else:
        assert errors == []


def test_begin_writing_turns_a_stale_reader_into_a_writer(engine, db_backend):
    """A long reader (a link run) writes after another writer committed past its snapshot."""
    from joinedup.store.db import begin_writing

    with session_scope(engine) as session:
        sources.list_organisations(session)  # the snapshot
        with session_scope(engine, write=True) as other:
            sources.ensure_organisation(other, "ingest")
        begin_writing(session, wait=5)
        sources.ensure_organisation(session, "link")
    with session_scope(engine) as session:
        assert [o.id for o in sources.list_organisations(session)] == ["ingest", "link"]


def test_begin_writing_refuses_to_drop_what_was_written(engine, db_backend):
    from joinedup.store.base import utcnow
    from joinedup.store.db import begin_writing
    from joinedup.store.tables import Organisation

    if db_backend != "sqlite":
        pytest.skip("PostgreSQL's transaction goes on: nothing is dropped")
    written = pytest.raises(RuntimeError, match="this transaction has written")
    with written, session_scope(engine) as session:
        sources.ensure_organisation(session, "written")
        session.flush()
        begin_writing(session, wait=5)
    pending = pytest.raises(RuntimeError, match="unflushed changes")
    with pending, session_scope(engine) as session:
        session.add(Organisation(id="pending", name="pending", created_at=utcnow()))
        begin_writing(session, wait=5)
    with session_scope(engine) as session:
        assert sources.list_organisations(session) == []


def test_a_writer_turn_held_too_long_is_a_pool_timeout_not_a_wait_without_end(
    tmp_path: Path,
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with db.writer_turn(engine):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(PoolTimeout, match="writer's turn"), db.writer_turn(engine, 0.05):
            pass
    finally:
        release.set()
        thread.join()
    with db.writer_turn(engine, 0.05):  # free again: taken at once
        pass
    engine.dispose()


def test_postgresql_connections_compile_no_query_with_jit(engine, db_backend):
    """The hub's reads are short: JIT's compile time was 90 times a search's own (``db.py``)."""
    if db_backend != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
        conn.rollback()  # a rolled-back transaction keeps the connection's setting
    with engine.begin() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"
