"""Fixtures for the web pages' form handling, tested over HTTP without a browser.

- ``hub``: a fresh app over a fresh database with one account per role
  (``tests/integration/api/auth_hub.py``), its ``client`` a ``TestClient``.
- ``signed_in(role)``: a new browser (client) signed in as that role, with a purpose stated
  for the roles that state one.

The browser tests (``tests/browser``) check how these pages look and behave in Chromium; here
each form is posted with the awkward values a QA pass found, quickly and without a browser.

The pages check what is typed before asking a service anything, and what they show does not
depend on the database engine, so these tests run on SQLite only; the store and the services
are tested on both engines elsewhere (``tests/integration/api``, ``tests/integration/store``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.integration.api.auth_hub import Hub, make_hub, sign_in


@pytest.fixture
def db_backend() -> str:
    """SQLite only for these tests (see the module's docstring)."""
    return "sqlite"


@pytest.fixture
def hub(engine: Engine) -> Iterator[Hub]:
    hub = make_hub(engine)
    yield hub
    hub.client.close()


@pytest.fixture
def signed_in(hub: Hub) -> Callable[..., TestClient]:
    """``signed_in("admin")``: a browser of its own, signed in as that role."""

    def make(role: str, purpose: str = "safeguarding") -> TestClient:
        client = hub.fresh_client()
        sign_in(client, role, purpose=purpose)
        return client

    return make
