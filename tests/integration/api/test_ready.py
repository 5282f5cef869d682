"""Readiness: ``/health`` says the process runs; ``/ready`` says its database answers too.

A QA pass stopped PostgreSQL under a running server: ``/health`` still said "ok", so a load
balancer would have kept sending it requests that could only fail.
"""

from __future__ import annotations

import socket

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from joinedup.api.app import create_app
from joinedup.config import Settings
from joinedup.store.db import make_engine


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def _settings(url: str) -> Settings:
    return Settings(data_dir=Settings.from_env().data_dir, database_url=url, secret_key="k")


def test_ready_when_the_database_answers(engine: Engine) -> None:
    settings = _settings(engine.url.render_as_string(hide_password=False))
    client = TestClient(create_app(settings, engine))
    assert client.get("/api/v1/ready").json() == {"status": "ready"}


def test_not_ready_when_the_database_cannot_be_reached() -> None:
    url = f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/nowhere"
    down = make_engine(url)
    client = TestClient(create_app(_settings(url), down), raise_server_exceptions=False)
    assert client.get("/api/v1/health").status_code == 200  # the process runs
    response = client.get("/api/v1/ready")
    assert response.status_code == 503
    assert response.json()["detail"] == "The database cannot be reached."
    down.dispose()
