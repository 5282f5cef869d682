"""Property-based: schemathesis drives every API operation, authenticated as the role it serves.

Every operation in the app's OpenAPI document (the shell's, the practitioner's, the resident's,
the IG officer's, the reviewer's — whatever is mounted) is called with generated parameters and
bodies, by a token of the role the route is for (plus the purpose headers practitioners send),
so the generated cases reach the service code and not only the authorisation check. No answer
may be a 5xx, and every 2xx body must match its response schema. Bounded for CI: a few
derandomised examples per operation (``JOINEDUP_FUZZ_EXAMPLES`` raises it for a deeper run).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from joinedup.services import accounts
from joinedup.store.db import session_scope
from tests.integration.api.practitioner_hub import PractitionerHub, open_hub

EXAMPLES = int(os.environ.get("JOINEDUP_FUZZ_EXAMPLES", "8"))
# Which role each part of the API is for; the first matching prefix wins.
ROLE_BY_PREFIX = (
    ("/api/v1/admin", "admin"),
    ("/api/v1/persons", "social_worker"),
    ("/api/v1/me/", "resident"),
    ("/api/v1/governance", "ig_officer"),
    ("/api/v1/review", "reviewer"),
    ("/api/v1/fhir", "gp"),
)


hub = pytest.fixture(open_hub, name="hub")


def role_for(path: str) -> str:
    """The role an operation is for (``gp`` for the shell's own routes)."""
    for prefix, role in ROLE_BY_PREFIX:
        if path.startswith(prefix):
            return role
    return "gp"


def _headers(hub: PractitionerHub, role: str) -> dict[str, str]:
    # Generated admin calls may switch accounts off or revoke tokens: each case starts afresh,
    # so every operation is exercised past authentication.
    with session_scope(hub.engine) as session:
        user_id = hub.user_ids[role]
        accounts.set_active(session, user_id, True)
        # A generated password reset would leave the account able only to change it.
        accounts.get_user(session, user_id).must_change_password = False
        scopes = ["read", "write", "admin"] if role == "admin" else ["read", "write"]
        secret = accounts.issue_token(session, user_id=user_id, name="fuzz", scopes=scopes).secret
    headers = {"Authorization": f"Bearer {secret}"}
    if role in accounts.ROLES_STATING_PURPOSE:
        headers |= {"Joinedup-Purpose": "safeguarding", "Joinedup-Case-Reference": "FUZZ-1"}
    return headers


@pytest.mark.slow
def test_no_operation_answers_5xx_and_2xx_bodies_match_their_schema(hub: PractitionerHub) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", hub.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {operation.path for operation in operations}
    assert {"/api/v1/me/record", "/api/v1/governance/alerts", "/api/v1/review/items"} <= paths

    for operation in operations:
        _exercise(hub, operation, role_for(operation.path))


def _exercise(hub: PractitionerHub, operation: Any, role: str) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        response = case.call(headers=_headers(hub, role))
        checks = [not_a_server_error]
        # Error bodies are RFC 9457 problems, not FastAPI's documented 422 shape; only
        # successful answers are held to their response_model.
        if 200 <= response.status_code < 300:
            checks.append(response_schema_conformance)
        case.validate_response(response, checks=checks)

    call()


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/api/v1/admin/users", "admin"),
        ("/api/v1/persons/search", "social_worker"),
        ("/api/v1/me/record", "resident"),
        ("/api/v1/me", "gp"),
        ("/api/v1/governance/alerts", "ig_officer"),
        ("/api/v1/review/items", "reviewer"),
    ],
)
def test_role_for(path: str, role: str) -> None:
    assert role_for(path) == role
