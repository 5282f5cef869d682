"""A command stopped by SIGTERM (a cron job's ``timeout``, systemd, ``kill``) unwinds as Ctrl+C
does, so it leaves nothing behind that blocks the next run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import _register, app
from tests.integration.cli.test_errors import JOINEDUP

pytestmark = pytest.mark.slow


def _running_runs(database: Path) -> int:
    try:
        with sqlite3.connect(database) as conn:
            row = conn.execute("SELECT count(*) FROM link_runs WHERE status = 'running'")
            return int(row.fetchone()[0])
    except sqlite3.Error:
        return 0  # not migrated yet


def test_a_link_run_stopped_by_sigterm_is_failed_and_blocks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOINEDUP_DATABASE_URL", raising=False)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    _register()
    made = CliRunner().invoke(
        app, ["demo", "--no-serve", "--dir", str(tmp_path), "--people", "300"]
    )
    assert made.exit_code == 0, made.output
    database = tmp_path / "joinedup.db"
    env = {**os.environ, "JOINEDUP_DATA_DIR": str(tmp_path)}
    env.pop("JOINEDUP_DATABASE_URL", None)
    run = subprocess.Popen(
        [JOINEDUP, "link", "--full"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not _running_runs(database):
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, "the run did not start"
            time.sleep(0.02)
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=90)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    # It was killed where it stood: the run stayed "running" and for six hours every later
    # link was told to wait for it.
    assert run.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT status, error FROM link_runs").fetchall() == [
            ("failed", "SystemExit")
        ]
    again = CliRunner().invoke(app, ["link", "--json"])
    assert again.exit_code == 0, again.output
