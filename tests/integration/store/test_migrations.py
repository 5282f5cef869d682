"""Migrations are linear, run up and down cleanly, and build the schema the tables declare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from joinedup.store import db, migrate
from joinedup.store.base import load_all_tables

VERSIONS = db.MIGRATIONS_DIR / "versions"


def _script() -> ScriptDirectory:
    return ScriptDirectory(str(db.MIGRATIONS_DIR))


def _chain() -> list[str]:
    """Revision ids from the first migration to the head."""
    return [rev.revision for rev in reversed(list(_script().walk_revisions()))]


def test_one_head_and_each_down_revision_is_the_previous():
    script = _script()
    assert len(script.get_heads()) == 1, f"migrations branch: heads {script.get_heads()}"
    chain = _chain()
    assert chain[0] == "0001"
    previous = None
    for revision_id in chain:
        revision = script.get_revision(revision_id)
        assert revision is not None
        assert revision.down_revision == previous, (
            f"{revision_id} revises {revision.down_revision!r}, expected {previous!r}"
        )
        previous = revision_id


def test_revision_ids_are_numbered_in_order_and_files_named_for_them():
    chain = _chain()
    assert chain == [f"{n:04d}" for n in range(1, len(chain) + 1)]
    files = sorted(p.name for p in VERSIONS.glob("*.py") if p.name != "__init__.py")
    assert len(files) == len(chain), f"a file in versions/ is not in the chain: {files}"
    for revision_id, name in zip(chain, files, strict=True):
        assert re.fullmatch(rf"{revision_id}_[a-z0-9_]+\.py", name), name


def test_head_revision_is_the_last_migration():
    assert db.head_revision() == _chain()[-1]


def test_upgrade_creates_the_foundation_and_downgrade_removes_everything(empty_db_url):
    engine = db.make_engine(empty_db_url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"organisations", "sources", "ingest_batches", "source_records", "quarantine"} <= (
            tables
        )
        db.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()


def test_every_step_downgrades_and_upgrades_again(empty_db_url):
    engine = db.make_engine(empty_db_url)
    try:
        previous = "base"
        for revision_id in _chain():
            db.upgrade(engine, revision_id)
            before = set(inspect(engine).get_table_names())
            db.downgrade(engine, previous)
            db.upgrade(engine, revision_id)
            assert set(inspect(engine).get_table_names()) == before, revision_id
            previous = revision_id
    finally:
        engine.dispose()


def test_upgrade_is_safe_to_call_on_every_command(engine):
    db.upgrade(engine)
    db.upgrade(engine)
    assert db.current_revision(engine) == db.head_revision()


def test_the_migrated_schema_matches_the_table_modules(engine):
    """A table module and its migration must agree; autogenerate finds no difference."""
    metadata = load_all_tables()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


FOUNDATION_TABLES = {"organisations", "sources", "ingest_batches", "source_records", "quarantine"}


def _table_of(difference: object) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    for part in item[1:] if isinstance(item, tuple) else ():
        table = getattr(part, "table", None)
        name = getattr(table, "name", None) or getattr(part, "name", None)
        if isinstance(name, str):
            return name
        if isinstance(part, str):
            return part
    return None


def test_migration_0001_matches_joinedup_store_tables(engine):
    """The foundation part of the check above, on its own (so a gap elsewhere is told apart)."""
    metadata = load_all_tables()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    ours = [d for d in differences if _table_of(d) in FOUNDATION_TABLES]
    assert ours == []


def test_the_foundation_indexes_exist(engine):
    indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("source_records")}
    for column in ("family_name", "date_of_birth", "nhs_number", "postcode", "uprn", "batch_id"):
        assert indexes[f"ix_source_records_{column}"]["column_names"] == [column]
    current = indexes["ix_source_records_current"]
    assert current["column_names"] == ["source_id", "record_id"]
    assert current["unique"]


def test_migrations_ship_inside_the_package():
    """Installed from a wheel, the package still finds its migrations (no repo paths)."""
    import joinedup.store

    package_dir = Path(joinedup.store.__file__).parent
    assert package_dir / "migrations" == db.MIGRATIONS_DIR
    assert (db.MIGRATIONS_DIR / "env.py").exists()
    assert (db.MIGRATIONS_DIR / "script.py.mako").exists()


@pytest.mark.parametrize("revision", ["0001"])
def test_upgrade_to_a_named_revision(empty_db_url, revision):
    engine = db.make_engine(empty_db_url)
    try:
        db.upgrade(engine, revision)
        assert db.current_revision(engine) == revision
    finally:
        engine.dispose()


def test_the_quick_look_at_the_head_agrees_with_alembic(empty_db_url):
    """`upgrade` first asks in plain SQL whether the database is at the newest migration; it
    must name the head Alembic names, and say no for an empty or older database."""
    assert migrate._shipped_head() == db.head_revision()
    engine = db.make_engine(empty_db_url)
    try:
        assert not migrate._at_shipped_head(engine)  # no version table yet
        db.upgrade(engine, _chain()[-2])
        assert not migrate._at_shipped_head(engine)
        db.upgrade(engine)
        assert migrate._at_shipped_head(engine)
        assert db.current_revision(engine) == db.head_revision()
    finally:
        engine.dispose()
