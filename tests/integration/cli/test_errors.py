"""``joinedup`` as a cron job runs it: one line on stderr and a status it can test, never a
traceback (which can quote a row's values, and a cron mail is read by people).

These run the installed console script in a subprocess, so they cover ``joinedup.cli.main``,
the one place an exception becomes a message and an exit status (Typer's runner does not).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from joinedup import __version__
from joinedup.cli import EXIT_FAULT, _register, app, describe_failure
from joinedup.linkage.export import private_file
from joinedup.store.db import make_engine, upgrade
from tests.integration.audit.helpers import fill

_SCRIPT = Path(sys.executable).with_name("joinedup")
JOINEDUP = str(_SCRIPT) if _SCRIPT.exists() else (shutil.which("joinedup") or "joinedup")


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JOINEDUP_")}
    clean["JOINEDUP_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [JOINEDUP, *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
        check=False,
    )


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param(
            {"JOINEDUP_DATABASE_URL": "postgresql+psycopg://hub:pw@127.0.0.1:five/hub"},
            "JOINEDUP_DATABASE_URL is not a database URL",
            id="a port that is not a number",
        ),
        pytest.param(
            {"JOINEDUP_DB_POOL_SIZE": "ten"},
            "JOINEDUP_DB_POOL_SIZE must be a whole number of at least 1",
            id="a pool size that is not a number",
        ),
        pytest.param(
            {"JOINEDUP_DB_POOL_TIMEOUT": "soon"},
            "JOINEDUP_DB_POOL_TIMEOUT must be a number of seconds above 0",
            id="a timeout that is not a number",
        ),
        pytest.param(
            {"JOINEDUP_AUDIT_CHECKPOINT_EVERY": "often"},
            "JOINEDUP_AUDIT_CHECKPOINT_EVERY must be a whole number",
            id="a checkpoint cadence that is not a number",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_status_2(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    done = _run(["review", "list"], tmp_path, **env)
    assert done.returncode == 2
    line = _one_error_line(done)
    assert message in line
    assert "pw" not in line


def test_a_directory_the_system_refuses_is_one_line_and_status_2(tmp_path: Path) -> None:
    # What a read-only or full disk does too; an OSError was a traceback (or, once main()
    # caught faults, called one).
    (tmp_path / "a-file").write_text("")
    done = _run(
        ["demo", "--no-serve", "--people", "5", "--dir", f"{tmp_path}/a-file/demo"], tmp_path
    )
    assert done.returncode == 2
    assert _one_error_line(done) == f"Error: {tmp_path}/a-file/demo: Not a directory"


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield int(held.getsockname()[1])


def test_serve_on_a_port_in_use_says_so_before_claiming_to_serve(
    tmp_path: Path, busy_port: int
) -> None:
    # It printed "joinedup is serving on …", migrated, then uvicorn logged the bind error in
    # four lines of its own and exited 3.
    done = _run(["serve", "--port", str(busy_port)], tmp_path)
    assert done.returncode == 2
    assert _one_error_line(done) == (
        f"Error: cannot listen on 127.0.0.1:{busy_port}: Address already in use (is joinedup "
        "already serving there? choose another --port)"
    )
    assert not (tmp_path / "data").exists()  # refused before the database was made


def test_demo_on_a_port_in_use_stops_before_generating(
    tmp_path: Path, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `demo --dir` makes DIR the process's data directory; restored after this in-process run,
    # or every later test in the worker reads a database that was never made.
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path / "data"))
    _register()
    args = ["demo", "--dir", str(tmp_path / "borough"), "--people", "5", "--port", str(busy_port)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{busy_port}" in result.stderr
    assert not (tmp_path / "borough").exists()


def test_a_fault_in_joinedup_is_one_line_naming_where(tmp_path: Path) -> None:
    # A real fault from joinedup's code: private_file cannot name a partial file beside ".".
    with pytest.raises(ValueError) as raised, private_file(Path(".")):
        pass
    message, code = describe_failure(raised.value)
    assert code == EXIT_FAULT
    assert message.startswith("unexpected ValueError at joinedup/linkage/export.py:")
    assert f"(joinedup {__version__})" in message
    assert "JOINEDUP_TRACEBACK=1" in message


def test_a_database_error_never_quotes_the_values_it_was_writing(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(OperationalError) as raised, engine.connect() as conn:
        conn.execute(text("INSERT INTO residents VALUES (:name)"), {"name": "Amara Okafor"})
    assert "Amara" in str(raised.value)  # SQLAlchemy's own text quotes the parameters
    message, code = describe_failure(raised.value)
    assert code == 2
    assert "no such table: residents" in message
    assert "Amara" not in message and "INSERT" not in message
    engine.dispose()


def test_a_warning_is_one_line_without_python_s_source_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'joinedup.db'}")
    upgrade(engine)
    fill(engine, 3)
    engine.dispose()
    done = _run(["audit", "checkpoint"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("signed event 3 ")
    # It was ".../audit/signing.py:118: UserWarning: ..." and then a line of joinedup's code.
    assert done.stderr.splitlines() == [
        "Warning: JOINEDUP_AUDIT_SIGNING_KEY is not set: audit checkpoints are signed with the "
        "public development key, which anyone can forge. Set it before real use."
    ]


def test_help_piped_is_plain(tmp_path: Path) -> None:
    done = _run(["ingest", "--help"], tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("Usage: joinedup ingest [OPTIONS] {MAPPING} {FILE}")
    assert "\x1b[" not in done.stdout and "│" not in done.stdout
