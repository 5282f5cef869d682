"""Each organisation handles an alert for itself, and sees, read-only, what the others did.

The GP's break-glass on Clare concerns the ICB (its staff broke the glass) and the council (it
holds her records); not the charity. On the tiny Northbridge of ``practitioner_hub``, SQLite and
PostgreSQL, through the API and the queue page.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import Alert
from tests.integration.api.auth_hub import sign_in
from tests.integration.api.practitioner_hub import CLARE, PractitionerHub, hub_with_ig_officers

hub = pytest.fixture(hub_with_ig_officers, name="hub")
BASE = "/api/v1/governance/alerts"
REASON = "Found collapsed at home, no relationship on record, urgent"
ICB_NOTE = "Rang Dr Patel at the practice: justified"


def _alert(hub: PractitionerHub) -> int:
    hub.break_glass_and_view(CLARE, REASON)
    with session_scope(hub.engine) as session:
        found = session.scalar(select(Alert.id).where(Alert.kind == "break_glass"))
    assert found is not None
    return found


def _entry(hub: PractitionerHub, officer: str, alert_id: int) -> dict[str, Any]:
    response = hub.client.get(BASE, headers=hub.bearer(officer, None), params={"status": "all"})
    assert response.status_code == 200, response.text
    [entry] = [a for a in response.json() if a["id"] == alert_id]
    return dict(entry)


def _handle(hub: PractitionerHub, officer: str, alert_id: int, note: str, close: bool) -> None:
    response = hub.client.post(
        f"{BASE}/{alert_id}/acknowledge",
        headers=hub.bearer(officer, None),
        json={"note": note, "close": close},
    )
    assert response.status_code == 200, response.text


def test_nobody_has_handled_it_yet(hub: PractitionerHub) -> None:
    alert_id = _alert(hub)
    for officer in ("ig_icb", "ig_officer"):
        assert _entry(hub, officer, alert_id)["others"] == []


def test_each_sees_the_others_handling_but_keeps_its_own_status(hub: PractitionerHub) -> None:
    alert_id = _alert(hub)
    _handle(hub, "ig_icb", alert_id, ICB_NOTE, close=True)
    council = _entry(hub, "ig_officer", alert_id)
    assert (council["status"], council["handled_by"], council["outcome"]) == ("open", None, None)
    [icb] = council["others"]
    assert (icb["organisation"], icb["status"], icb["handled_by"]) == (
        "nhs-northbridge-icb",
        "closed",
        "ig_icb",
    )
    assert icb["handled_at"]
    assert ICB_NOTE not in str(council)  # their note may name people: it stays theirs
    _handle(hub, "ig_officer", alert_id, "Seen; council records in order", close=False)
    theirs = _entry(hub, "ig_icb", alert_id)
    assert theirs["status"] == "closed" and theirs["outcome"] == ICB_NOTE
    assert [(o["organisation"], o["status"]) for o in theirs["others"]] == [
        ("northbridge-council", "acknowledged")
    ]
    # The single alert answer (handling it) carries the others too.
    acked = hub.client.post(
        f"{BASE}/{alert_id}/acknowledge",
        headers=hub.bearer("ig_officer", None),
        json={"note": "Closed after the ICB's review", "close": True},
    )
    assert acked.status_code == 200, acked.text
    assert [o["organisation"] for o in acked.json()["others"]] == ["nhs-northbridge-icb"]


def test_an_organisation_outside_the_alert_sees_neither(hub: PractitionerHub) -> None:
    alert_id = _alert(hub)
    _handle(hub, "ig_icb", alert_id, ICB_NOTE, close=True)
    response = hub.client.get(
        BASE, headers=hub.bearer("ig_charity", None), params={"status": "all"}
    )
    assert response.status_code == 200
    assert alert_id not in {a["id"] for a in response.json()}


def test_the_queue_page_shows_the_other_organisations(hub: PractitionerHub) -> None:
    alert_id = _alert(hub)
    _handle(hub, "ig_icb", alert_id, ICB_NOTE, close=True)
    browser = TestClient(hub.client.app)
    sign_in(browser, "ig_officer")
    page = browser.get("/governance/alerts", params={"status": "open"}).text
    card = page.split(f'id="alert-{alert_id}"', 1)[1]
    assert "Other organisations" in card
    assert "nhs-northbridge-icb: closed by ig_icb" in card
    assert ICB_NOTE not in page
    assert "Acknowledge" in card  # still open here: the council's own to handle
