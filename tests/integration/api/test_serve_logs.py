"""``joinedup serve --workers 2`` logs like one process does, and never a query string.

A QA pass found that worker processes had no logging configuration: with two or more workers
there was no access log and joinedup's own lines below WARNING were lost. Here a real server with
two workers is started on a free port, sent searches whose query strings hold a name, a date of
birth and an NHS number, and its output must hold one access line per request, naming the route
template, and none of what was searched for. On PostgreSQL the tests connect as a superuser that
owns the tables, so the start-up warning about the audit trail's triggers must appear, once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.integration.api.live_server import serving
from tests.integration.api.practitioner_hub import ANNE_NHS, PractitionerHub, make_practitioner_hub

SEARCH = {"name": "Anne Walker", "date_of_birth": "1950-03-04", "nhs_number": ANNE_NHS}
SECRETS = ("Anne", "Walker", "1950-03-04", ANNE_NHS, "?", "name=", "nhs_number")


@pytest.fixture
def served(engine: Engine, tmp_path: Path) -> Iterator[tuple[PractitionerHub, str, Path]]:
    """``joinedup serve --workers 2`` on a hub's database; yields the hub, its URL and its log."""
    hub = make_practitioner_hub(engine)
    log_path = tmp_path / "serve.log"
    try:
        with serving(engine, log_path, workers=2) as (base, _):
            yield hub, base, log_path
    finally:
        hub.client.close()


def _wait_for(log_path: Path, expected: dict[str, int]) -> str:
    """The log once each pattern appears as often as expected (or after 30 s, for the message).

    A worker writes a request's line after the response has gone out, and the second worker may
    finish starting after the first has served: give both a moment to reach the file.
    """
    deadline = time.monotonic() + 30
    while True:
        text = log_path.read_text(encoding="utf-8")
        seen = {pattern: len(re.findall(pattern, text)) for pattern in expected}
        if all(seen[p] >= n for p, n in expected.items()) or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


def test_two_workers_log_access_lines_without_query_strings(
    served: tuple[PractitionerHub, str, Path], db_backend: str
) -> None:
    hub, base, log_path = served
    headers = hub.bearer("gp", "direct_care")
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        for _ in range(4):
            assert client.get("/api/v1/persons/search", params=SEARCH).status_code == 200
        missing = client.get(f"/no/such/page/{ANNE_NHS}", params={"name": "Anne Walker"})
        assert missing.status_code == 404
    access = r"INFO \[\d+\] joinedup\.access GET /api/v1/persons/search 200 "
    no_route = r"INFO \[\d+\] joinedup\.access GET - 404 "
    # Both workers start with the same configuration: uvicorn's lines in joinedup's format.
    started = r"\[(\d+)\] uvicorn\.error Application startup complete"
    text = _wait_for(log_path, {access: 4, no_route: 1, started: 2})
    lines = text.splitlines()
    assert len([line for line in lines if re.search(access, line)]) == 4, text
    assert len([line for line in lines if re.search(no_route, line)]) == 1, text
    assert len(set(re.findall(started, text))) == 2, text
    for line in lines:
        if "joinedup.access" in line or "uvicorn" in line:
            assert not any(secret in line for secret in SECRETS), line
    warnings = [line for line in lines if "can rewrite the audit trail" in line]
    if db_backend == "postgresql":
        assert len(warnings) == 1 and "docs/audit.md" in warnings[0], text
    else:
        assert warnings == [], text
