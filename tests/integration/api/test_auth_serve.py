"""``joinedup serve`` migrates first and runs uvicorn without its raw-path access log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from joinedup.cli import _register, app
from joinedup.store.db import current_revision, head_revision, make_engine


def test_serve_migrates_then_runs_uvicorn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran: dict[str, Any] = {}

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        ran["app"] = asgi_app
        ran.update(kwargs)

    monkeypatch.setattr("uvicorn.run", fake_run)
    monkeypatch.setenv("JOINEDUP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOINEDUP_SECRET_KEY", "serve test")
    _register()
    result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.1", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.output
    assert (ran["host"], ran["port"], ran["access_log"]) == ("127.0.0.1", 8123, False)
    engine = make_engine(f"sqlite:///{tmp_path / 'joinedup.db'}")
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_serve_refuses_a_bad_port() -> None:
    _register()
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code != 0
