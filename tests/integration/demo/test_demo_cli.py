"""``joinedup demo --no-serve`` end to end: generate, ingest, reconcile, on both databases."""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.demo import Manifest

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", db_url)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    return CliRunner()


def test_demo_generates_and_ingests_every_source(
    cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "borough"
    args = ["demo", "--no-serve", "--dir", str(out), "--people", "300", "--seed", "5"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = Manifest.load(out / "manifest.json")
    assert "Generated Northbridge: 300 residents" in result.output
    for source in manifest.sources:
        line = next(line for line in result.output.splitlines() if f" {source} " in line)
        assert line.rstrip(" │").endswith("yes"), line

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        stored = set(
            conn.execute(
                sa.text("SELECT source_id, record_id FROM source_records WHERE valid_to IS NULL")
            ).all()
        )
        quarantined = conn.execute(sa.text("SELECT count(*) FROM quarantine")).scalar_one()
    engine.dispose()
    with (out / "ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        truth = {(r["source"], r["source_record_id"]) for r in csv.DictReader(handle)}
    assert stored == truth  # the ground truth names exactly the records the hub stores
    planted = sum(
        n for m in manifest.sources.values() for kind, n in m.junk.items() if kind != "blank"
    )
    assert quarantined == planted

    again = cli.invoke(app, args)  # the same borough again: nothing new is stored
    assert again.exit_code == 0, again.output
    assert json.loads((out / "manifest.json").read_text())["seed"] == 5


def test_demo_says_so_when_serving_is_not_wired_yet(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "joinedup.demo.serve_hook", None)  # as if absent
    result = cli.invoke(app, ["demo", "--dir", str(tmp_path / "b"), "--people", "50"])
    assert result.exit_code == 0, result.output
    assert "not available yet" in result.output


def test_demo_hands_over_to_the_serve_hook(
    cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[object, object, int]] = []
    hook = types.ModuleType("joinedup.demo.serve_hook")
    hook.after_ingest = lambda engine, settings, port: calls.append((engine, settings, port))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "joinedup.demo.serve_hook", hook)
    args = ["demo", "--dir", str(tmp_path / "b"), "--people", "50", "--port", "8123"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(calls) == 1 and calls[0][2] == 8123
    assert cli.invoke(app, [*args, "--no-serve"]).exit_code == 0
    assert len(calls) == 1  # --no-serve stops before the hook


def test_demo_in_its_own_directory_keeps_its_database_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = tmp_path / "hub"
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(hub))
    _register()
    out = tmp_path / "borough"
    args = ["demo", "--no-serve", "--dir", str(out), "--people", "40", "--seed", "3"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / "joinedup.db").exists()
    assert f"database: {out / 'joinedup.db'}\n" in result.stdout  # said, as every writer says
    # `joinedup link` would look in the hub's own directory: the way to this one is said.
    assert f"JOINEDUP_DATA_DIR={out} joinedup link" in result.stdout
    assert not hub.exists()  # the hub's own database was never touched
    engine = sa.create_engine(f"sqlite:///{out / 'joinedup.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM source_records")).scalar_one() > 0
    engine.dispose()


def test_demo_refuses_a_silly_size(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["demo", "--no-serve", "--dir", str(tmp_path), "--people", "0"])
    assert result.exit_code != 0


def test_the_demo_accounts_are_made_on_either_database(
    cli: CliRunner, db_url: str, tmp_path: Path
) -> None:
    # The serve hook makes these after linking; its showcase resident was found with SQLite's
    # instr(), which PostgreSQL lacks, so `joinedup demo` on PostgreSQL stopped before serving.
    from joinedup.demo.accounts import seed_accounts
    from joinedup.linkage.index import link
    from joinedup.store.db import make_engine, session_scope

    args = ["demo", "--no-serve", "--dir", str(tmp_path / "b"), "--people", "600", "--seed", "3"]
    assert cli.invoke(app, args).exit_code == 0
    engine = make_engine(db_url)
    link(engine)
    with session_scope(engine) as session:
        made = seed_accounts(session)
    engine.dispose()
    assert "resident" in {account.role for account in made}


def test_the_demo_links_without_splinks_messages(
    cli: CliRunner,
    db_url: str,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # `make demo` printed Splink's notebook advice ("max_pairs", a WARNING per comparison level
    # EM did not see) between the ingest table and the accounts: the hook linked without the
    # quieting `joinedup link` has (docs/linkage.md, "What a run prints").
    from joinedup.demo.serve_hook import link_and_seed
    from joinedup.store.db import make_engine

    args = ["demo", "--no-serve", "--dir", str(tmp_path / "b"), "--people", "600", "--seed", "3"]
    assert cli.invoke(app, args).exit_code == 0
    capfd.readouterr()
    # Under pytest Splink's logger reaches the root's capture handler instead of a terminal.
    caplog.set_level("INFO")
    engine = make_engine(db_url)
    try:
        made = link_and_seed(engine)
    finally:
        engine.dispose()
    assert "resident" in {account.role for account in made}
    out, err = capfd.readouterr()
    for noise in ("max_pairs", "WARNING", "not observed in dataset"):
        assert noise not in out + err, out + err
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("splink")]
