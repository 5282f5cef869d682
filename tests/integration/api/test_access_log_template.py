"""The access log names a route by its whole template, ``/api/v1`` included (docs/api.md).

A docs QA pass found FastAPI 0.165 naming an included router's route without its prefix, so
``GET /api/v1/admin/users`` and the admin page ``GET /admin/users`` logged the same line and an
operator could not tell the API from the pages.
"""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.integration.api.auth_hub import make_hub

CASES = [
    # (request path, the template the access log must name)
    ("/api/v1/health", "/api/v1/health"),
    ("/api/v1/admin/users", "/api/v1/admin/users"),
    ("/api/v1/admin/users/7", "/api/v1/admin/users/{user_id}"),
    ("/api/v1/persons/P-NOT-REAL/explanation", "/api/v1/persons/{person_id}/explanation"),
    ("/admin/users", "/admin/users"),
    ("/people/P-NOT-REAL", "/people/{person_id}"),
    ("/api/v1/no/such/route", "-"),
]


@pytest.mark.parametrize(("path", "template"), CASES, ids=[c[0] for c in CASES])
def test_the_access_log_names_the_whole_route_template(
    engine: Engine, caplog: pytest.LogCaptureFixture, path: str, template: str
) -> None:
    hub = make_hub(engine)
    with caplog.at_level("INFO", logger="joinedup.access"):
        hub.client.get(path, follow_redirects=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "joinedup.access"]
    assert len(lines) == 1, lines
    assert lines[0].split()[:2] == ["GET", template], lines[0]
