"""The database fixtures themselves: where the server binaries are found, and isolation."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from joinedup.store import sources
from joinedup.store.db import make_engine, session_scope
from tests.fixtures import database


def test_binaries_on_path_win(monkeypatch, tmp_path):
    for name in ("initdb", "pg_ctl", "postgres"):
        (tmp_path / name).touch()
    monkeypatch.setattr(database.shutil, "which", lambda name: str(tmp_path / name))
    assert database.find_postgres_bin() == tmp_path.resolve()


def test_debian_directories_are_searched_newest_first(monkeypatch, tmp_path):
    for version in ("13", "15", "9"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for name in ("initdb", "pg_ctl", "postgres"):
            (bin_dir / name).touch()
    monkeypatch.setattr(database.shutil, "which", lambda name: None)
    monkeypatch.setattr(
        database.glob, "glob", lambda pattern: [str(p) for p in tmp_path.glob("*/bin")]
    )
    assert database.find_postgres_bin() == tmp_path / "15" / "bin"


def test_no_binaries_anywhere(monkeypatch):
    monkeypatch.setattr(database.shutil, "which", lambda name: None)
    monkeypatch.setattr(database.glob, "glob", lambda pattern: [])
    assert database.find_postgres_bin() is None


def _add_organisation(url: str, organisation_id: str) -> None:
    other = make_engine(url)
    try:
        with session_scope(other) as session:
            sources.ensure_organisation(session, organisation_id)
    finally:
        other.dispose()


def test_db_url_and_engine_are_the_same_database_already_at_head(db_url, engine):
    _add_organisation(db_url, "seen-by-both")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id FROM organisations")).scalars().all() == [
            "seen-by-both"
        ]


def test_each_test_gets_a_fresh_database(engine):
    """Run twice per backend (see the next test); neither sees the other's rows."""
    with session_scope(engine) as session:
        assert sources.list_organisations(session) == []
        sources.ensure_organisation(session, "only-here")


def test_each_test_gets_a_fresh_database_again(engine):
    with session_scope(engine) as session:
        assert sources.list_organisations(session) == []
        sources.ensure_organisation(session, "only-here")


def test_db_url_factory_makes_separate_databases(db_url_factory):
    first, second = db_url_factory(), db_url_factory()
    assert first != second
    _add_organisation(first, "hub-a")
    other = make_engine(second)
    try:
        with session_scope(other) as session:
            assert sources.list_organisations(session) == []
    finally:
        other.dispose()


def test_sqlite_databases_live_in_the_test_tmp_path(db_url, db_backend, tmp_path):
    if db_backend == "sqlite":
        assert Path(db_url.removeprefix("sqlite:///")).parent == tmp_path
    else:
        assert db_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
