"""A control character in a free-text search filter: the same 400, naming the field, on both.

PostgreSQL cannot compare text holding a NUL: the query failed and the answer was a bare "A value
in the request is out of range." (400), where SQLite ran it and found nothing (200). A QA pass
found it on the IG officer's audit search; the admin's user filter did the same, and the name
search quietly dropped the NUL and searched for the rest. Each now answers 400 saying which
field, before any query runs, on both databases.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.practitioner_hub import make_practitioner_hub

AUDIT = "/api/v1/governance/audit/events"

CASES = [
    pytest.param("ig_officer", None, AUDIT, {"actor": "sam\x00"}, "actor", id="audit-actor"),
    pytest.param(
        "ig_officer", None, AUDIT, {"organisation": "\x00"}, "organisation", id="audit-org"
    ),
    pytest.param("ig_officer", None, AUDIT, {"action": "person.\x00"}, "action", id="audit-action"),
    pytest.param(
        "admin",
        None,
        "/api/v1/admin/users",
        {"organisation_id": "nb\x00"},
        "organisation_id",
        id="admin-users",
    ),
    pytest.param(
        "gp",
        "direct_care",
        "/api/v1/persons/search",
        {"name": "Anne Wal\x00ker"},
        "name",
        id="person-search-name",
    ),
]


@pytest.mark.parametrize(("role", "purpose", "url", "params", "field"), CASES)
def test_a_nul_in_a_filter_is_a_400_naming_the_field(
    engine: Engine,
    role: str,
    purpose: str | None,
    url: str,
    params: dict[str, str],
    field: str,
) -> None:
    hub = make_practitioner_hub(engine)
    response = hub.client.get(url, headers=hub.bearer(role, purpose), params=params)
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert field in detail and "control character" in detail, detail
    assert "\x00" not in response.text


def test_a_refused_audit_search_is_not_run_or_audited(engine: Engine) -> None:
    hub = make_practitioner_hub(engine)
    headers = hub.bearer("ig_officer", None)
    assert hub.client.get(AUDIT, headers=headers, params={"actor": "a\x00"}).status_code == 400
    with session_scope(engine) as session:
        query = select(func.count()).where(AuditEvent.action == "audit.search")
        assert session.scalar(query) == 0
    # A tab is whitespace, not a control character to refuse: searched, and nothing found.
    found = hub.client.get(AUDIT, headers=headers, params={"actor": "a\tb"})
    assert found.status_code == 200 and found.json()["events"] == []
