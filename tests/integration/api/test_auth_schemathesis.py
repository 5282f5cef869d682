"""Property-based: schemathesis drives every shell API operation, authenticated; none may 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from sqlalchemy.engine import Engine

from joinedup.services import accounts
from joinedup.store.db import session_scope
from tests.integration.api.auth_hub import Hub, make_hub


@pytest.fixture
def hub(engine: Engine) -> Iterator[Hub]:
    hub = make_hub(engine)
    yield hub
    hub.client.close()


def _fresh_admin_token(hub: Hub) -> str:
    # Generated cases may deactivate the admin or revoke their token; start each case afresh so
    # every operation is exercised past authentication.
    with session_scope(hub.engine) as session:
        admin_id = hub.user_ids["admin"]
        accounts.set_active(session, admin_id, True)
        # A generated password reset would leave the account able only to change it.
        accounts.get_user(session, admin_id).must_change_password = False
        scopes = ["read", "write", "admin"]
        return accounts.issue_token(session, user_id=admin_id, name="fuzz", scopes=scopes).secret


@pytest.mark.slow
def test_no_operation_answers_5xx(hub: Hub) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", hub.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {_fresh_admin_token(hub)}"})
            case.validate_response(response, checks=[not_a_server_error])

        call()
