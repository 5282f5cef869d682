"""The IG officer's remit, alerts and audit search when linkage merges or splits a person.

On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL, through the API (and
``joinedup audit log`` for the operator). A break-glass reaches the records its person id held
at the time, so the IG officers of the organisations holding those records oversee it — also
once the id is merged away (it holds nothing now) or the records are split off to someone
else; but not what happens to the other resident after the split. Searching the trail for a
person finds what was recorded under the ids their records were held by at the time.
"""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from joinedup.cli import _register, app
from tests.integration.api.practitioner_hub import (
    ANNE,
    CLARE,
    CLARE_PERSON,
    PractitionerHub,
    hub_with_ig_officers,
)
from tests.integration.api.relinking import add_record, person_of, relink

S3, C3, S4 = "adult_social_care|S3", "council_tax|C3", "adult_social_care|S4"
G1, S1, C1, B1 = "gp_registrations|G1", "adult_social_care|S1", "council_tax|C1", "befriending|B1"
REASON = "Found collapsed at home, no relationship on record, urgent"


hub = pytest.fixture(hub_with_ig_officers, name="hub")


def _alerts(hub: PractitionerHub, officer: str) -> list[dict[str, Any]]:
    response = hub.client.get(
        "/api/v1/governance/alerts", params={"status": "all"}, headers=hub.bearer(officer, None)
    )
    assert response.status_code == 200, response.text
    return list(response.json())


def _events(hub: PractitionerHub, officer: str, **filters: str) -> list[dict[str, Any]]:
    response = hub.client.get(
        "/api/v1/governance/audit/events",
        params={"limit": 200, **filters},
        headers=hub.bearer(officer, None),
    )
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def _break_glass(hub: PractitionerHub, person: str, role: str = "gp") -> None:
    response = hub.client.post(
        f"/api/v1/persons/{person}/break-glass",
        json={"reason": REASON, "hours": 1},
        headers=hub.bearer(role, "direct_care"),
    )
    assert response.status_code == 201, response.text


def test_break_glass_under_an_id_merged_away_stays_with_the_holders_ig_officer(
    hub: PractitionerHub,
) -> None:
    add_record(hub.engine, S4, {**CLARE_PERSON, "given_name": "Clara"})
    dora = person_of(relink(hub.engine, [S4]), S4)
    _break_glass(hub, dora)  # a GP: the ICB's staff; the council holds S4
    relink(hub.engine, [S3, C3, S4])  # Dora's record is Clare's: Dora's id is merged away
    [alert] = _alerts(hub, "ig_officer")
    assert (alert["kind"], alert["person_id"]) == ("break_glass", dora)
    # The break-glass opened the council's social care record, which it still holds.
    council = _events(hub, "ig_officer", break_glass="true")
    assert {(e["action"], e["person_id"]) for e in council} == {("break_glass.start", dora)}
    reason = hub.client.get(
        f"/api/v1/governance/alerts/{alert['id']}/break-glass-reason",
        headers=hub.bearer("ig_officer", None),
    )
    assert reason.status_code == 200, reason.text
    assert [a["id"] for a in _alerts(hub, "ig_icb")] == [alert["id"]]  # its staff did it
    assert _alerts(hub, "ig_charity") == []


def test_after_a_split_each_holder_oversees_what_reached_its_records_then_only(
    hub: PractitionerHub,
) -> None:
    _break_glass(hub, ANNE, role="social_worker")  # before the split: it reached B1 too
    run = relink(hub.engine, [G1, S1], [C1, B1])
    other = person_of(run, B1)
    _break_glass(hub, ANNE, role="gp")  # after: B1 is the other resident's
    alerts = _alerts(hub, "ig_officer")
    assert len(alerts) == 2
    # The charity held the joined record's befriending file: it oversees the first only.
    charity = _alerts(hub, "ig_charity")
    assert [a["id"] for a in charity] == [min(a["id"] for a in alerts)]
    assert {e["person_id"] for e in _events(hub, "ig_charity", break_glass="true")} == {ANNE}
    assert len(_events(hub, "ig_charity", action="break_glass.start")) == 1
    assert other not in {a["person_id"] for a in charity}


def test_a_person_search_finds_what_was_recorded_under_the_ids_their_records_had(
    hub: PractitionerHub,
) -> None:
    view = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    assert view.status_code == 200, view.text
    run = relink(hub.engine, [G1, S1], [C1, B1])
    other = person_of(run, C1)
    after = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    assert after.status_code == 200, after.text
    anne_views = [
        e["seq"] for e in _events(hub, "ig_officer", action="person.view", person_id=ANNE)
    ]
    assert len(anne_views) == 2
    # The other resident's search: the view of the joined record, under Anne's id, before the
    # split — not Anne's view after it.
    theirs = _events(hub, "ig_officer", action="person.view", person_id=other)
    assert [(e["person_id"], e["seq"]) for e in theirs] == [(ANNE, min(anne_views))]


def test_a_person_search_and_the_operators_log_find_accesses_under_an_id_merged_away(
    hub: PractitionerHub, db_url: str
) -> None:
    add_record(hub.engine, S4, {**CLARE_PERSON, "given_name": "Clara"})
    dora = person_of(relink(hub.engine, [S4]), S4)
    _break_glass(hub, dora)
    relink(hub.engine, [S3, C3, S4])
    found = _events(hub, "ig_officer", person_id=CLARE)
    assert {e["person_id"] for e in found} == {dora}
    assert "break_glass.start" in {e["action"] for e in found}
    _register()
    result = CliRunner().invoke(app, ["audit", "log", CLARE, "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert "no recorded access" not in result.output and "BREAK-GLASS" in result.output
