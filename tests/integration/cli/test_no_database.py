"""Commands that read the hub refuse a SQLite file that is not there, and create nothing.

Opening the path would create and migrate an empty database: a mistyped ``JOINEDUP_DATA_DIR``
in a cron job then exported an empty persons file, linked nothing and listed an empty review
queue, each exiting 0, and left a stray database behind for the next command to find.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import _register, app


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "typo"))
    _register()
    return tmp_path / "typo"


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("link", []),
        ("link", ["--json"]),
        ("review list", []),
        ("review list", ["--json"]),
        ("review decide", ["gp|A1 ~ council_tax|77", "link", "--reviewer", "sam"]),
        ("export persons", ["--out", "-"]),
        ("person", ["PABC"]),
        ("person", ["PABC", "--json"]),
    ],
)
def test_a_read_command_refuses_a_database_that_is_not_there(
    nowhere: Path, command: str, options: list[str]
) -> None:
    result = CliRunner().invoke(app, [*command.split(), *options])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"Error: no database at {nowhere / 'joinedup.db'}: check JOINEDUP_DATA_DIR and "
        f"JOINEDUP_DATABASE_URL (joinedup {command} never creates one; joinedup ingest does)"
    )
    assert not nowhere.exists()


def test_export_to_a_file_refuses_before_writing_anything(nowhere: Path, tmp_path: Path) -> None:
    out = tmp_path / "persons.csv"
    result = CliRunner().invoke(app, ["export", "persons", "--out", str(out)])
    assert result.exit_code == 2
    assert "no database at" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_relative_database_path_is_named_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cron job runs in its user's home directory, not where its author tried it.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", "sqlite:///hub/joinedup.db")
    _register()
    result = CliRunner().invoke(app, ["review", "list"])
    assert result.exit_code == 2
    assert f"no database at {tmp_path / 'hub' / 'joinedup.db'}: " in result.stderr


def test_a_data_directory_that_is_a_file_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "data").write_text("")
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    mapping, extract = tmp_path / "m.yaml", tmp_path / "x.csv"
    mapping.write_text(
        "source: s\norganisation: o\nformat: csv\nrecord_id: id\nperson: {full_name: name}\n"
    )
    extract.write_text("id,name\n")
    result = CliRunner().invoke(app, ["ingest", str(mapping), str(extract)])
    assert result.exit_code == 2
    # It said "cannot create the data directory …: File exists".
    assert (
        result.stderr
        == f"Error: cannot use {tmp_path / 'data'} as the data directory: it is a file\n"
    )
