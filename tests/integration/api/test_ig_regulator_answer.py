"""What an IG officer needs to answer a regulator about one resident, from the audit search.

The ICO asks: every access between two dates, by whom and why, which categories were released
under which agreement version and clause, any break-glass and how it was reviewed, the
resident's choices at the time of each access (not today's), and how many accesses in all.
On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.audit.log import checkpoint_now
from joinedup.services.audit_context import clauses_relied_on
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.auth_hub import sign_in
from tests.integration.api.practitioner_hub import (
    ANNE,
    CLARE,
    PractitionerHub,
    hub_with_ig_officers,
)

hub = pytest.fixture(hub_with_ig_officers, name="hub")
URL = "/api/v1/governance/audit/events"
REASON = "Found collapsed at home, no relationship on record, urgent"


def _search(hub: PractitionerHub, who: str = "ig_officer", **params: Any) -> dict[str, Any]:
    response = hub.client.get(URL, headers=hub.bearer(who, None), params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _choose(hub: PractitionerHub, kind: str, purpose: str, given: bool) -> None:
    response = hub.client.post(
        "/api/v1/me/choices",
        headers=hub.bearer("resident", None),
        json={"kind": kind, "purpose": purpose, "given": given},
    )
    assert response.status_code == 201, response.text


def _view(hub: PractitionerHub, role: str, purpose: str) -> None:
    response = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer(role, purpose))
    assert response.status_code == 200, response.text


def test_the_total_counts_every_page(hub: PractitionerHub) -> None:
    for _ in range(3):
        _view(hub, "social_worker", "safeguarding")
    first = _search(hub, person_id=ANNE, action="person.view", limit=1)
    assert len(first["events"]) == 1 and first["next_before_seq"]
    # "How many accesses?" had no answer but paging to the end.
    assert first["total"] == 3


def test_each_access_shows_the_choices_in_force_at_its_time(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    _choose(hub, "objection", "housing_support", True)
    _view(hub, "social_worker", "safeguarding")
    _choose(hub, "objection", "housing_support", False)
    _view(hub, "social_worker", "safeguarding")
    newest, middle, oldest = _search(hub, person_id=ANNE, action="person.view")["events"]

    def objecting(event: dict[str, Any]) -> list[bool]:
        return [
            c["given"]
            for c in event["choices_then"]
            if c["kind"] == "objection" and c["purpose"] == "housing_support"
        ]

    # Before the objection, none; while it stood, in force; after it was taken back, withdrawn.
    assert objecting(oldest) == []
    assert objecting(middle) == [True]
    assert objecting(newest) == [False]
    assert all(c["at"] <= middle["at"] for c in middle["choices_then"])


def test_each_agreement_relied_on_names_its_clauses(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    [event] = _search(hub, person_id=ANNE, action="person.view")["events"]
    assert event["agreements"]
    for agreement in event["agreements"]:
        # "Under which clause?": the row held the agreement's id, version and hash only.
        assert agreement["clauses"], agreement
        assert all(isinstance(c, str) and c for c in agreement["clauses"])


def test_a_break_glass_shows_how_it_was_reviewed(hub: PractitionerHub) -> None:
    hub.break_glass_and_view(CLARE, REASON)
    [alert] = hub.client.get("/api/v1/governance/alerts", headers=hub.bearer("ig_icb", None)).json()
    reviewed = hub.client.post(
        f"/api/v1/governance/alerts/{alert['id']}/break-glass-reason",
        headers=hub.bearer("ig_icb", None),
        json={"decision": "redact", "summary": "Emergency: the person was found unwell at home."},
    )
    assert reviewed.status_code == 201, reviewed.text
    handled = hub.client.post(
        f"/api/v1/governance/alerts/{alert['id']}/acknowledge",
        headers=hub.bearer("ig_icb", None),
        json={"note": "Checked with the GP practice: a genuine emergency.", "close": True},
    )
    assert handled.status_code == 200, handled.text
    [started] = _search(hub, "ig_icb", person_id=CLARE, action="break_glass.start")["events"]
    review = started["break_glass_review"]
    assert review["alert_id"] == alert["id"]
    assert review["reason_shown_to_resident"] == "redacted"
    assert review["status"] == "closed"
    assert review["handled_by"] == "ig_icb"
    assert review["outcome"] == "Checked with the GP practice: a genuine emergency."
    # The council's IG officer sees the same event, open on their own queue, without the
    # ICB's note (it may name people).
    # The view the glass opened names the clauses it was released under, as any other does.
    [view] = _search(hub, "ig_icb", person_id=CLARE, action="person.view")["events"]
    assert view["break_glass"] and view["agreements"]
    assert all(a["clauses"] for a in view["agreements"]), view["agreements"]
    [theirs] = _search(hub, person_id=CLARE, action="break_glass.start")["events"]
    assert theirs["break_glass_review"]["status"] == "open"
    assert theirs["break_glass_review"]["outcome"] is None


def test_the_total_does_not_count_the_search_itself(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    page = _search(hub, action="audit.search")
    assert page["total"] == len(page["events"]) == 0
    page = _search(hub, action="audit.search")
    assert page["total"] == len(page["events"]) == 1


def test_the_audit_page_says_how_many_and_what_each_access_meant(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    _choose(hub, "objection", "housing_support", True)
    _view(hub, "social_worker", "safeguarding")
    _view(hub, "social_worker", "safeguarding")
    browser = TestClient(hub.client.app)
    sign_in(browser, "ig_officer")
    page = browser.get(
        "/governance/audit",
        params={"search": "1", "person_id": ANNE, "action": "person.view"},
    ).text
    assert "3 events match" in page
    assert page.count("Objected to housing support") == 2
    assert page.count("None recorded") == 1
    [event] = _search(hub, person_id=ANNE, action="person.view", limit=1)["events"]
    for agreement in event["agreements"]:
        assert f"{agreement['id']} version {agreement['version']}</a>, clause" in page


EXPORT = "/api/v1/governance/audit/export"


def test_an_export_a_regulator_can_read_csv(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    _choose(hub, "objection", "housing_support", True)
    _view(hub, "housing_officer", "housing_support")
    response = hub.client.get(
        EXPORT, headers=hub.bearer("ig_officer", None), params={"person_id": ANNE}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    found = _search(hub, person_id=ANNE)
    # Every access the search finds, oldest first (the export's own event came after it).
    accesses = [e["seq"] for e in found["events"] if not e["action"].startswith("audit.")]
    assert [int(r["seq"]) for r in rows] == sorted(accesses)
    housing = next(r for r in rows if r["role"] == "housing_officer")
    assert housing["at_uk"] and housing["at_utc"].endswith("Z")
    assert "objection to housing_support" in housing["choices_then"]
    assert housing["hash"] and len(housing["hash"]) == 64
    social = next(r for r in rows if r["role"] == "social_worker")
    assert "clause" in social["agreements"] and social["categories"]


def test_an_export_as_json_says_who_exported_what_and_is_audited(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    response = hub.client.get(
        EXPORT,
        headers=hub.bearer("ig_officer", None),
        params={"person_id": ANNE, "format": "json", "since": "2020-01-01T00:00:00Z"},
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["exported_by"]["role"] == "ig_officer"
    assert document["filters"] == {"person_id": ANNE, "since": "2020-01-01T00:00:00+00:00"}
    assert document["total"] == len(document["events"]) >= 1
    assert document["events"][0]["choices_then"] == []
    [event] = _search(hub, action="audit.export")["events"]
    assert event["person_id"] == ANNE
    assert "person_id, since" in event["reason"] and f"{document['total']} event" in event["reason"]


@pytest.mark.parametrize(
    "params",
    [{"format": "xlsx"}, {"person_id": "PNEVER0000009"}, {"rol": "gp"}, {"limit": "5"}],
)
def test_a_bad_export_is_a_4xx_with_a_message(hub: PractitionerHub, params: dict[str, str]) -> None:
    response = hub.client.get(EXPORT, headers=hub.bearer("ig_officer", None), params=params)
    assert response.status_code in (400, 404, 422), response.text
    assert response.json()["detail"]


def test_the_audit_page_links_to_its_export(hub: PractitionerHub) -> None:
    _view(hub, "social_worker", "safeguarding")
    browser = TestClient(hub.client.app)
    sign_in(browser, "ig_officer")
    page = browser.get(
        "/governance/audit", params={"search": "1", "person_id": ANNE, "action": "person.view"}
    ).text
    link = re.search(r'href="(/governance/audit/export\?[^"]+)"', page)
    assert link, "no export link"
    download = browser.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert len(list(csv.DictReader(io.StringIO(download.text)))) == 1


def test_an_export_keeps_to_the_officers_remit(hub: PractitionerHub) -> None:
    # The council's social worker sees Clare's council records only: nothing of the ICB's.
    response = hub.client.get(f"/api/v1/persons/{CLARE}", headers=hub.bearer("social_worker"))
    assert response.status_code == 200, response.text
    theirs = hub.client.get(
        EXPORT, headers=hub.bearer("ig_icb", None), params={"person_id": CLARE, "format": "json"}
    )
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["events"] == []
    ours = hub.client.get(
        EXPORT,
        headers=hub.bearer("ig_officer", None),
        params={"person_id": CLARE, "format": "json"},
    )
    assert [e["role"] for e in ours.json()["events"]] == ["social_worker"]


def test_the_chain_status_says_what_it_covered_and_which_keys_signed(
    hub: PractitionerHub,
) -> None:
    _view(hub, "social_worker", "safeguarding")
    _view(hub, "social_worker", "safeguarding")
    with session_scope(hub.engine) as session:
        checkpoint_now(session)
    status = hub.client.get(
        "/api/v1/governance/audit/verify", headers=hub.bearer("ig_officer", None)
    ).json()
    assert status["ok"] and status["first_seq"] == 1
    assert status["first_at"] <= status["head_at"]
    [signer] = status["signed_by"]
    assert signer["checkpoints"] == 1 and len(signer["key_id"]) == 16
    assert signer["development"] is True  # the tests sign with the development key
    browser = TestClient(hub.client.app)
    sign_in(browser, "ig_officer")
    page = browser.get("/governance/chain").text
    assert f"Ed25519 key {signer['key_id']}" in page and "Events checked" in page


def test_the_row_records_the_clauses_and_older_rows_have_them_derived_alike(
    hub: PractitionerHub,
) -> None:
    _view(hub, "social_worker", "safeguarding")
    [event] = _search(hub, person_id=ANNE, action="person.view")["events"]
    with session_scope(hub.engine) as session:
        row = session.scalars(select(AuditEvent).where(AuditEvent.seq == event["seq"])).one()
        recorded = {a["id"]: a["clauses"] for a in row.agreements}
        assert all(recorded.values()), recorded
        # A row from before the clauses were recorded: the same answer, derived.
        old = AuditEvent(
            **{
                c: getattr(row, c)
                for c in ("organisation", "role", "purpose", "categories", "person_id")
            },
            agreements=[{k: v for k, v in a.items() if k != "clauses"} for a in row.agreements],
        )
        derived = clauses_relied_on(session, old)
    assert {a["id"]: a["clauses"] for a in derived} == recorded
    assert all(a["clauses_derived"] for a in derived)
    assert not any(a["clauses_derived"] for a in event["agreements"])
