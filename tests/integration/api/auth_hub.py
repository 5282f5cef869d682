"""A small hub for API and web tests: one organisation, a user and a token per role.

Other API tests can build on it: ``hub = make_hub(engine)``, then ``hub.client`` (a TestClient on
a fresh app) and ``hub.bearer("admin")`` (headers carrying that role's API token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from joinedup.api.app import create_app
from joinedup.config import Settings
from joinedup.policy.vocabulary import ROLES
from joinedup.services import accounts
from joinedup.store import sources
from joinedup.store.db import session_scope

PASSWORD = "correct horse battery"
ORGANISATION = "northbridge-council"
RESIDENT_PERSON_ID = "P-TEST-0001"


@dataclass
class Hub:
    engine: Engine
    client: TestClient
    user_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def bearer(self, role: str, **headers: str) -> dict[str, str]:
        """Headers authenticating as ``role``'s API token (plus any extra headers)."""
        return {"Authorization": f"Bearer {self.tokens[role]}", **headers}

    def fresh_client(self) -> TestClient:
        """Another browser: no cookies shared with ``client``."""
        return TestClient(self.client.app, raise_server_exceptions=False)


@cache
def password_hash() -> str:
    """One argon2 hash of :data:`PASSWORD`, shared by every test account (hashing is slow)."""
    return accounts.hash_password(PASSWORD)


def username(role: str) -> str:
    return role.replace("_", ".") + "@example.org"


def make_hub(engine: Engine) -> Hub:
    """Create the organisation, one account per role (password :data:`PASSWORD`) and tokens."""
    settings = Settings.from_env()
    settings = Settings(
        data_dir=settings.data_dir,
        database_url=str(engine.url),
        secret_key="test secret key, not for production",
    )
    hub = Hub(engine, TestClient(create_app(settings, engine), raise_server_exceptions=False))
    with session_scope(engine) as session:
        sources.ensure_organisation(session, ORGANISATION, "Northbridge Council", "council")
        for role in ROLES:
            user = accounts.create_user(
                session,
                username=username(role),
                display_name=role.replace("_", " ").title(),
                role=role,
                password_hash=password_hash(),
                organisation_id=None if role == "resident" else ORGANISATION,
                person_id=RESIDENT_PERSON_ID if role == "resident" else None,
            )
            scopes = ["read", "write", "admin"] if role == "admin" else ["read", "write"]
            issued = accounts.issue_token(session, user_id=user.id, name="tests", scopes=scopes)
            hub.user_ids[role] = user.id
            hub.tokens[role] = issued.secret
    return hub


def csrf_from(html: str) -> str:
    """The CSRF token in the first form of a page."""
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, role: str, *, purpose: str | None = "safeguarding") -> None:
    """Sign ``client`` in as ``role`` through the form, stating a purpose where the role must."""
    token = csrf_from(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"username": username(role), "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    if purpose and role in accounts.ROLES_STATING_PURPOSE:
        token = csrf_from(client.get("/purpose").text)
        response = client.post(
            "/purpose",
            data={"purpose": purpose, "case_reference": "CASE-1", "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
