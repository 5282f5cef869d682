"""An unpaired surrogate in a request's JSON is the request's fault: 400, never a 500.

JSON may write ``"\\ud800"``, which is no character: it cannot be stored (UTF-8, on either
database) or sent on. One field without its own check (an organisation id) let it reach the
database driver, and the answer was a 500 and a traceback in the server's log.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from tests.integration.api.practitioner_hub import make_practitioner_hub

BODY = (
    b'{"username": "qa-s1", "display_name": "d", "role": "gp", '
    b'"organisation_id": "\\ud800", "password": "a long passphrase"}'
)


def test_an_unpaired_surrogate_is_a_400_on_both_databases(engine: Engine) -> None:
    hub = make_practitioner_hub(engine)
    headers = {**hub.bearer("admin", None), "Content-Type": "application/json"}
    response = hub.client.post("/api/v1/admin/users", content=BODY, headers=headers)
    assert response.status_code == 400, response.text
    assert "not valid Unicode" in response.json()["detail"]
