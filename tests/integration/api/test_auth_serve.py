"""``joinedup serve`` migrates first and runs uvicorn with joinedup's logging, not its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from joinedup.api.log_config import log_config
from joinedup.cli import _register, app
from joinedup.store.db import current_revision, head_revision, make_engine


def test_serve_migrates_then_runs_uvicorn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: dict[str, Any] = {}

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        ran["app"] = asgi_app
        ran.update(kwargs)

    monkeypatch.setattr("uvicorn.run", fake_run)
    # Configuring this process's logging would leave a handler on the runner's closed stream.
    monkeypatch.setattr("joinedup.api.log_config.configure_logging", lambda: None)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_SECRET_KEY", "serve test")
    _register()
    result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output
    assert (ran["host"], ran["port"], ran["access_log"]) == ("127.0.0.1", 8123, False)
    # The configuration uvicorn applies in each worker process as well as in this one.
    assert ran["log_config"] == log_config()
    assert ran["log_config"]["loggers"]["uvicorn.access"] == {"handlers": [], "propagate": False}
    engine = make_engine(f"sqlite:///{tmp_path / 'joinedup.db'}")
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_serve_refuses_a_bad_port() -> None:
    _register()
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code != 0
