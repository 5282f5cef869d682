"""``joinedup link``, ``review list|decide`` and ``export persons`` end to end, on both backends.

These go through the real command and the shipped model (trained on the records, or the default
model when there are too few), so they check the wiring rather than linkage quality.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.linkage import review
from joinedup.linkage.index import link
from joinedup.store.db import session_scope
from tests.integration.linkage.index_helpers import Store, StubScorer, key, person

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    return CliRunner()


@pytest.fixture
def store(engine: Engine) -> Store:
    store = Store(engine)
    store.put(
        person("1", "Amara", "Okafor", "1980-01-02"),
        person("2", "Amara", "Okafor", "1980-01-02"),
        person("3", "Tomasz", "Nowak", "1975-05-06"),
        person("4", "Amara", "Okafor"),
    )
    return store


def test_link_prints_a_summary_and_json(cli: CliRunner, store: Store) -> None:
    result = cli.invoke(app, ["link", "--full"])
    assert result.exit_code == 0, result.output
    assert "link run 1 (full, duckdb)" in result.output
    assert "persons" in result.output and "seconds" in result.output
    again = cli.invoke(app, ["link", "--json"])
    assert again.exit_code == 0, again.output
    summary = json.loads(again.output)
    assert summary["mode"] == "incremental"
    assert summary["counts"]["records"] == 4
    assert set(summary["counts"]) >= {"persons", "merges", "splits", "review_items"}


def test_link_refuses_an_unknown_engine(cli: CliRunner, store: Store) -> None:
    result = cli.invoke(app, ["link", "--engine", "oracle"])
    assert result.exit_code == 2
    assert "unknown linkage engine" in result.output


def test_review_list_and_decide(cli: CliRunner, store: Store) -> None:
    link(store.engine, model=StubScorer())
    listed = cli.invoke(app, ["review", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)
    assert items and items[0]["reason"] == "uncertain"
    pair = items[0]["pair"]
    text = cli.invoke(app, ["review", "list", "--limit", "1"])
    assert pair in text.output
    decided = cli.invoke(app, ["review", "decide", pair, "link", "--reviewer", "A Reviewer"])
    assert decided.exit_code == 0, decided.output
    assert "recorded" in decided.output
    with session_scope(store.engine) as session:
        assert review.decisions_in_force(session) == {tuple(pair.split(" ~ ")): "link"}
    link(store.engine, model=StubScorer())
    persons = store.persons()
    left, right = (k.split("|")[1] for k in pair.split(" ~ "))
    assert persons[left] == persons[right]
    empty = cli.invoke(app, ["review", "list"])
    assert "empty" in empty.output


def test_review_decide_rejects_bad_input(cli: CliRunner, store: Store) -> None:
    bad = cli.invoke(
        app, ["review", "decide", f"{key('1')} ~ {key('2')}", "perhaps", "--reviewer", "R"]
    )
    assert bad.exit_code == 2
    assert "'link' or 'not-link'" in bad.output
    missing = cli.invoke(app, ["review", "decide", "gp|1 ~ gp|77", "link", "--reviewer", "R"])
    assert missing.exit_code == 2 and "no stored record" in missing.output


def test_export_persons_has_exactly_the_columns(
    cli: CliRunner, store: Store, tmp_path: Path
) -> None:
    link(store.engine, model=StubScorer())
    out = tmp_path / "persons.csv"
    result = cli.invoke(app, ["export", "persons", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["source", "source_record_id", "person_id"]
    assert sorted(r[1] for r in rows[1:]) == ["1", "2", "3", "4"]
    persons = store.persons()
    assert all(r[2] == persons[r[1]] for r in rows[1:])
    assert not (tmp_path / "persons.csv.partial").exists()


def test_export_to_an_unwritable_place_is_a_clear_error(
    cli: CliRunner, store: Store, tmp_path: Path
) -> None:
    result = cli.invoke(app, ["export", "persons", "--out", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code == 2
    assert "cannot write" in result.output
