"""What a decision withheld, on the IG officer's audit search, page, export and ``audit log``.

On the tiny Northbridge of ``practitioner_hub`` (SQLite and PostgreSQL). The row keeps every item
policy did not release; an IG officer is shown them as the practitioner was, except that a sealed
source the view masked (nothing of it released) is listed only for the organisation holding it:
the council's IG officer sees its adult social care withheld from its housing officer, the
charity's IG officer does not see the council's or the ICB's sealed sources withheld from its
caseworker — only what the caseworker was told.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from joinedup.cli import _register, app
from tests.integration.api.auth_hub import sign_in
from tests.integration.api.practitioner_hub import (
    ANNE,
    BOB,
    PractitionerHub,
    hub_with_ig_officers,
)

hub = pytest.fixture(hub_with_ig_officers, name="hub")
URL = "/api/v1/governance/audit/events"
EXPORT = "/api/v1/governance/audit/export"


def _view(hub: PractitionerHub, role: str, purpose: str, person: str = ANNE) -> dict[str, Any]:
    response = hub.client.get(f"/api/v1/persons/{person}", headers=hub.bearer(role, purpose))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _views(hub: PractitionerHub, who: str, **params: Any) -> list[dict[str, Any]]:
    response = hub.client.get(
        URL, headers=hub.bearer(who, None), params={"action": "person.view", **params}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def _items(withheld: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(w["source"], w["category"], w["reason_code"]) for w in withheld}


def _sources(withheld: list[dict[str, Any]]) -> set[str]:
    return {w["source"] for w in withheld}


CASES = [
    # (who views, purpose, IG officer, sources the officer is shown as withheld)
    # The council holds adult social care: its officer sees it withheld from its own staff;
    # the GP register is the ICB's, masked in the view, and stays masked here.
    ("housing_officer", "housing_support", "ig_officer", {"adult_social_care", "befriending"}),
    # The charity holds neither sealed source: its officer sees what the caseworker was told.
    ("charity_caseworker", "direct_care", "ig_charity", {"council_tax"}),
]


@pytest.mark.parametrize(("role", "purpose", "officer", "shown"), CASES)
def test_the_search_shows_what_was_withheld_and_why(
    hub: PractitionerHub, role: str, purpose: str, officer: str, shown: set[str]
) -> None:
    view = _view(hub, role, purpose)
    [event] = _views(hub, officer, role=role)
    assert _sources(event["withheld"]) == shown
    told = {(w["source"], w["category"], w["reason_code"]) for w in view["withheld"]}
    # Whatever the practitioner was told was withheld, the officer sees, with the same code.
    assert told <= _items(event["withheld"])
    assert all(w["reason_code"].startswith("deny") for w in event["withheld"])
    assert set(event["withheld"][0]) == {"source", "category", "reason_code"}


def test_nothing_withheld_is_an_empty_list_and_no_decision_is_null(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    [event] = _views(hub, "ig_officer", role="social_worker")
    assert event["withheld"] == []
    # The searches above: no access decision, so nothing recorded as withheld.
    searches = _views(hub, "ig_officer", action="audit.search")
    assert searches and all(s["withheld"] is None for s in searches)


def test_household_events_record_each_members_withholding(hub: PractitionerHub) -> None:
    _view(hub, "gp", "direct_care", person=BOB)
    [member] = _views(hub, "ig_icb", action="person.household")
    assert member["person_id"] == ANNE
    assert ("befriending", "charity.befriending", "deny_consent_missing") in _items(
        member["withheld"]
    )


def test_the_page_and_the_export_show_it(hub: PractitionerHub) -> None:
    _view(hub, "housing_officer", "housing_support")
    browser = TestClient(hub.client.app)
    sign_in(browser, "ig_officer")
    page = browser.get(
        "/governance/audit", params={"search": "1", "person_id": ANNE, "action": "person.view"}
    ).text
    assert ">Withheld</dt>" in page
    assert "adult_social_care/social_care.adult: <code>deny_role_not_permitted</code>" in page
    assert "gp_registrations" not in page.split(">Withheld</dt>", 1)[1].split("</dd>", 1)[0]
    response = hub.client.get(
        EXPORT, headers=hub.bearer("ig_officer", None), params={"person_id": ANNE}
    )
    assert response.status_code == 200, response.text
    [row] = [r for r in csv.DictReader(io.StringIO(response.text)) if r["action"] == "person.view"]
    assert "adult_social_care/social_care.adult: deny_role_not_permitted" in row["withheld"]
    assert "gp_registrations" not in row["withheld"]
    document = hub.client.get(
        EXPORT,
        headers=hub.bearer("ig_officer", None),
        params={"person_id": ANNE, "format": "json", "action": "person.view"},
    ).json()
    [event] = document["events"]
    assert _sources(event["withheld"]) == {"adult_social_care", "befriending"}


def test_audit_log_shows_everything_withheld(hub: PractitionerHub, db_url: str) -> None:
    """The operator's command reads the whole trail: the masked sources too."""
    _view(hub, "housing_officer", "housing_support")
    _register()
    result = CliRunner().invoke(app, ["audit", "log", ANNE, "--database-url", db_url])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("    withheld:")]
    assert "gp_registrations/health.gp_registration (deny_role_not_permitted)" in line
    assert "adult_social_care/social_care.adult (deny_role_not_permitted)" in line
