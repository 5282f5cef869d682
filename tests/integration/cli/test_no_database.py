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
