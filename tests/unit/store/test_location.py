"""``store.db.location``: where a database is, said so that an operator can read it and no
password is ever shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.store.db import describe, location, make_engine

CASES = [
    # (description, url, expected)
    (
        "a password in the authority is masked",
        "postgresql+psycopg://hub:s3cret@db.example:5432/hub",
        "postgresql+psycopg://hub:***@db.example:5432/hub",
    ),
    (
        "the legacy driver name is shown as the one used",
        "postgresql://hub:s3cret@db/hub",
        "postgresql+psycopg://hub:***@db/hub",
    ),
    (
        "libpq's password parameters are masked too, other parameters kept",
        "postgresql+psycopg://hub@db/hub?sslmode=require&password=s3cret&sslpassword=k3y",
        "postgresql+psycopg://hub@db/hub?password=***&sslmode=require&sslpassword=***",
    ),
    ("no password: the URL as it is", "postgresql+psycopg://hub@db/hub", None),
    ("SQLite in memory", "sqlite://", "SQLite in memory"),
    ("SQLite's :memory:", "sqlite:///:memory:", "SQLite in memory"),
]


@pytest.mark.parametrize(("url", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_location(url: str, expected: str | None) -> None:
    shown = location(url)
    assert shown == (expected or url)
    assert "s3cret" not in shown and "k3y" not in shown


def test_a_sqlite_file_is_its_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert location("sqlite:///data/joinedup.db") == str(tmp_path / "data" / "joinedup.db")


def test_an_engine_and_its_description_hide_the_password(tmp_path: Path) -> None:
    engine = make_engine("postgresql+psycopg://hub:s3cret@db/hub?password=s3cret")
    assert "s3cret" not in location(engine)
    assert "s3cret" not in describe(engine)  # what error messages quote
    engine.dispose()
