"""Every command that writes names the database it wrote to, with no password shown.

An operator with two environments (a test hub and the live one) could not tell from an ingest's
or a link run's output which one it had written to. The SQLite file is named by its absolute
path; a PostgreSQL URL is shown with its password masked. Run on both backends, the PostgreSQL
URL carrying a password (the test server trusts every connection, so any password works).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from joinedup.cli import _register, app
from tests.integration.audit.helpers import fill
from tests.integration.ingest.helpers import ALL_ROWS, write_csv, write_mapping

SECRET = "s3cret-Pa55"


@pytest.fixture
def hub(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[CliRunner, str]:
    """A runner on the test database, and where the commands should say they wrote."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        expected = str(url.database)
    else:
        url = url.set(password=SECRET)
        expected = url.render_as_string(hide_password=False).replace(SECRET, "***")
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", url.render_as_string(hide_password=False))
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    return CliRunner(), expected


def _no_secret(output: str) -> None:
    assert SECRET not in output


def test_ingest_names_the_database_in_its_summary_and_json(
    hub: tuple[CliRunner, str], tmp_path: Path
) -> None:
    cli, expected = hub
    mapping, path = write_mapping(tmp_path), write_csv(tmp_path, ALL_ROWS)
    plain = cli.invoke(app, ["ingest", str(mapping), str(path)])
    assert plain.exit_code == 0, plain.output
    lines = plain.stdout.splitlines()
    assert lines[0].startswith("ctax.csv → council_tax (batch 1, ")
    assert lines[1] == f"database: {expected}"
    assert lines[2].startswith("read 3 = stored 3 ")
    _no_secret(plain.output)

    as_json = cli.invoke(app, ["ingest", str(mapping), str(path), "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["database"] == expected
    # The new key comes last: the documented keys keep their places.
    assert list(data)[:8] == [
        "read", "stored", "updated", "unchanged", "quarantined", "skipped", "ended", "batch_id"
    ]  # fmt: skip
    assert list(data)[-1] == "database"
    _no_secret(as_json.output)


@pytest.mark.slow
def test_link_and_review_decide_name_the_database(
    hub: tuple[CliRunner, str], tmp_path: Path
) -> None:
    cli, expected = hub
    mapping, path = write_mapping(tmp_path), write_csv(tmp_path, ALL_ROWS)
    assert cli.invoke(app, ["ingest", str(mapping), str(path)]).exit_code == 0

    plain = cli.invoke(app, ["link"])
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.splitlines()[:2] == ["link run 1 (full, duckdb)", f"database: {expected}"]
    as_json = cli.invoke(app, ["link", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout)["database"] == expected

    pair = "council_tax|1 ~ council_tax|2"
    decided = cli.invoke(app, ["review", "decide", pair, "not-link", "--reviewer", "R"])
    assert decided.exit_code == 0, decided.output
    assert decided.stdout.splitlines()[1] == f"database: {expected}"
    for result in (plain, as_json, decided):
        _no_secret(result.output)


def test_audit_checkpoint_names_the_database(hub: tuple[CliRunner, str], engine: Engine) -> None:
    cli, expected = hub
    fill(engine, 2)
    done = cli.invoke(app, ["audit", "checkpoint"])
    assert done.exit_code == 0, done.output
    signed, where = done.stdout.splitlines()
    assert signed.startswith("signed event 2 ")
    assert where == f"database: {expected}"
    _no_secret(done.output)
