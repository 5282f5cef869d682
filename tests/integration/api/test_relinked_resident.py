"""A resident's choices and access log when linkage splits their record, through the API.

On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL. Anne's record holds
four services; a link run then finds that her council tax (C1) and befriending (B1) records
are someone else's: she keeps her id with her GP (G1) and adult social care (S1) records, and
the other two form a new person — "the other resident", who gets an account of their own.

- **Choices.** Linkage had the two joined, so a choice made then may have been either's. An
  objection is kept by both parts (fail safe) and shown to the other resident as kept from
  before, which they may take back; a consent stays with Anne's id only. The split is put on
  the IG officer's queue (``split_choices``).
- **Access log.** What someone saw of the joined record is shown to each resident only as far
  as it was theirs: the services whose records each holds now. Nobody is shown what was seen
  of the other's records.
"""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.audit.governance import flag_split_choices, record_choice
from joinedup.services import accounts
from joinedup.store.db import session_scope
from tests.integration.api.auth_hub import password_hash, username
from tests.integration.api.practitioner_hub import (
    ANNE,
    CLARE,
    PractitionerHub,
    open_hub,
)
from tests.integration.api.relinking import (
    Relinked,
    add_record,
    confirm_resident,
    person_of,
    relink,
)

G1, S1, C1, B1 = "gp_registrations|G1", "adult_social_care|S1", "council_tax|C1", "befriending|B1"
S3, C3 = "adult_social_care|S3", "council_tax|C3"
S4, S5 = "adult_social_care|S4", "adult_social_care|S5"


hub = pytest.fixture(open_hub, name="hub")


def _anne(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("resident", None)


def _choose(hub: PractitionerHub, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = hub.client.post("/api/v1/me/choices", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _view(hub: PractitionerHub, role: str, purpose: str, person: str) -> dict[str, Any]:
    response = hub.client.get(f"/api/v1/persons/{person}", headers=hub.bearer(role, purpose))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _codes(view: dict[str, Any]) -> set[str]:
    return {w["reason_code"] for w in view["withheld"]} | {r["code"] for r in view["reasons"]}


def _split(hub: PractitionerHub) -> tuple[Relinked, str]:
    """The link run that finds C1 and B1 to be someone else's; that person's id."""
    run = relink(hub.engine, [G1, S1], [C1, B1])
    other = person_of(run, C1)
    assert person_of(run, G1) == ANNE != other
    # The split holds Anne's account until an administrator has checked it is still hers.
    confirm_resident(hub.engine, username("resident"), ANNE)
    return run, other


def _account(hub: PractitionerHub, person: str) -> dict[str, str]:
    """A resident account for ``person`` (the other resident), and its headers."""
    with session_scope(hub.engine) as session:
        user = accounts.create_user(
            session,
            username="other.resident@example.org",
            display_name="The other resident",
            role="resident",
            password_hash=password_hash(),
            person_id=person,
        )
        issued = accounts.issue_token(session, user_id=user.id, name="t", scopes=["read", "write"])
        return {"Authorization": f"Bearer {issued.secret}"}


def test_an_objection_made_while_two_residents_were_joined_is_kept_by_both_parts(
    hub: PractitionerHub,
) -> None:
    _choose(hub, _anne(hub), kind="objection", purpose="housing_support")
    _choose(hub, _anne(hub), kind="consent", purpose="direct_care", source="befriending")
    _run, other = _split(hub)

    # The housing officer sees council tax records for housing support — not the other
    # resident's: the objection was made while their records were Anne's, so it may be theirs.
    housing = _view(hub, "housing_officer", "housing_support", other)
    assert housing["released"] == [] and "deny_objection" in _codes(housing)
    # The consent is not: sharing must not rest on a yes the other resident may never have
    # given. (The GP declares a relationship, so that consent is all that is missing.)
    declared = hub.client.post(
        f"/api/v1/persons/{other}/relationships",
        json={"reason": "Registered at the practice today", "days": 30},
        headers=hub.bearer("gp", "direct_care"),
    )
    assert declared.status_code == 201, declared.text
    gp = _view(hub, "gp", "direct_care", other)
    assert "befriending/identity.core" not in gp["released"]
    assert "deny_consent_missing" in _codes(gp)

    # The other resident sees the objection as kept from before, and no consent.
    theirs = hub.client.get("/api/v1/me/choices", headers=_account(hub, other)).json()
    assert [(c["kind"], c["purpose"], c["given"], c["inherited"]) for c in theirs["current"]] == [
        ("objection", "housing_support", True, True)
    ]
    assert theirs["current"][0]["by_resident"] is False
    # Anne's own choices are as she made them.
    mine = hub.client.get("/api/v1/me/choices", headers=_anne(hub)).json()
    assert {(c["kind"], c["purpose"], c["inherited"]) for c in mine["current"]} == {
        ("objection", "housing_support", False),
        ("consent", "direct_care", False),
    }


def test_each_resident_takes_back_the_kept_objection_for_themselves_only(
    hub: PractitionerHub,
) -> None:
    _choose(hub, _anne(hub), kind="objection", purpose="housing_support")
    _run, other = _split(hub)
    theirs = _account(hub, other)
    taken_back = _choose(hub, theirs, kind="objection", purpose="housing_support", given=False)
    assert [(c["given"], c["inherited"]) for c in taken_back["current"]] == [(False, False)]
    assert _view(hub, "housing_officer", "housing_support", other)["released"] == [
        "council_tax/identity.core",
        "council_tax/finance.council_tax",
    ]
    # Anne's still stands; and her taking hers back later does not reach the other resident.
    mine = hub.client.get("/api/v1/me/choices", headers=_anne(hub)).json()
    assert [(c["purpose"], c["given"]) for c in mine["current"]] == [("housing_support", True)]
    _choose(hub, theirs, kind="objection", purpose="housing_support")
    _choose(hub, _anne(hub), kind="objection", purpose="housing_support", given=False)
    housing = _view(hub, "housing_officer", "housing_support", other)
    assert housing["released"] == [] and "deny_objection" in _codes(housing)


def test_the_split_is_put_on_the_ig_officers_queue_without_the_choices_themselves(
    hub: PractitionerHub,
) -> None:
    _choose(hub, _anne(hub), kind="objection", purpose="housing_support")
    _choose(hub, _anne(hub), kind="consent", purpose="direct_care", source="befriending")
    run, other = _split(hub)
    with session_scope(hub.engine) as session:
        assert len(flag_split_choices(session, run.run_id)) == 1
    with session_scope(hub.engine) as session:
        assert flag_split_choices(session, run.run_id) == [], "raised once"
    # The council holds the other resident's council tax record: its IG officer sees it.
    alerts = hub.client.get(
        "/api/v1/governance/alerts",
        params={"kind": "split_choices"},
        headers=hub.bearer("ig_officer", None),
    )
    assert alerts.status_code == 200, alerts.text
    [alert] = alerts.json()
    assert alert["person_id"] == other and alert["status"] == "open"
    assert "1 objection(s)" in alert["summary"] and "1 consent(s)" in alert["summary"]
    assert ANNE in alert["summary"]
    for private in ("housing", "befriending", "direct_care"):
        assert private not in alert["summary"]


def test_a_split_with_no_choices_raises_no_alert(hub: PractitionerHub) -> None:
    run, _other = _split(hub)
    with session_scope(hub.engine) as session:
        assert flag_split_choices(session, run.run_id) == []


def _log(hub: PractitionerHub, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = hub.client.get("/api/v1/me/access-log", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["entries"])


def _pack_log(hub: PractitionerHub, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = hub.client.get("/api/v1/me/subject-access", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["access_log"])


def _by_role(entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entry in entries:
        out.setdefault(entry["role"], []).extend(entry["categories"])
    return {role: sorted(set(labels)) for role, labels in out.items()}


def test_each_resident_is_shown_only_what_was_seen_of_their_own_records_before_a_split(
    hub: PractitionerHub,
) -> None:
    social = _view(hub, "social_worker", "safeguarding", ANNE)["released"]
    anne_sources, their_sources = (
        {"gp_registrations", "adult_social_care"},
        {"council_tax", "befriending"},
    )
    assert {label.split("/")[0] for label in social} == anne_sources | their_sources
    _view(hub, "housing_officer", "housing_support", ANNE)  # council tax only
    _run, other = _split(hub)
    theirs = _account(hub, other)
    _view(hub, "housing_officer", "housing_support", other)  # after the split: theirs only

    # Anne: what the social worker saw of her GP and social care records; nothing of the
    # council tax and befriending records, which are the other resident's — nor the housing
    # officer's look before the split, which saw only council tax. (After it, the housing
    # officer's look at the other resident checked her as one of the household: refused.)
    mine = {
        "social_worker": sorted(s for s in social if s.split("/")[0] in anne_sources),
        "housing_officer": [],
    }
    assert _by_role(_log(hub, _anne(hub))) == mine
    assert _by_role(_pack_log(hub, _anne(hub))) == mine
    newest = _log(hub, _anne(hub))[0]
    assert (newest["action"], newest["decision"]) == ("person.household", "deny")
    # The other resident: what was seen of their records, before the split (under the id they
    # had then) and after; nothing of Anne's.
    council_tax = ["council_tax/finance.council_tax", "council_tax/identity.core"]
    expected = {
        "social_worker": sorted(s for s in social if s.split("/")[0] in their_sources),
        "housing_officer": council_tax,
    }
    assert _by_role(_log(hub, theirs)) == expected
    assert _by_role(_pack_log(hub, theirs)) == expected
    assert [e["role"] for e in _log(hub, theirs)] == [
        "housing_officer",
        "housing_officer",
        "social_worker",
    ]


def test_a_break_glass_reason_written_about_the_joined_record_is_not_shown_across_the_split(
    hub: PractitionerHub,
) -> None:
    # A social worker breaks the glass on the joined record: it opened both residents' data.
    started = hub.client.post(
        f"/api/v1/persons/{ANNE}/break-glass",
        json={"reason": "Neighbour reports a fall; her son Tom Walker has a key", "hours": 1},
        headers=hub.bearer("social_worker", "direct_care"),
    )
    assert started.status_code == 201, started.text
    _run, other = _split(hub)
    [anne_entry] = [e for e in _log(hub, _anne(hub)) if e["break_glass"]]
    assert anne_entry["break_glass_reason_status"] == "under_review"
    theirs = _account(hub, other)
    [their_entry] = [e for e in _log(hub, theirs) if e["break_glass"]]
    assert their_entry["action"] == "break_glass.start"
    assert their_entry["break_glass_reason_status"] == "not_shown"
    assert their_entry["break_glass_reason"] is None
    # Released by the council's IG officer for Anne: still not shown to the other resident.
    ig = hub.bearer("ig_officer", None)
    [alert] = hub.client.get("/api/v1/governance/alerts", headers=ig).json()
    released = hub.client.post(
        f"/api/v1/governance/alerts/{alert['id']}/break-glass-reason",
        json={"decision": "release"},
        headers=ig,
    )
    assert released.status_code == 201, released.text
    [anne_entry] = [e for e in _log(hub, _anne(hub)) if e["break_glass"]]
    assert anne_entry["break_glass_reason"].startswith("Neighbour reports a fall")
    text = str(_pack_log(hub, theirs))
    assert "Tom Walker" not in text and "not_shown" in text


def test_a_split_raises_no_alert_for_choices_made_before_the_records_were_joined(
    hub: PractitionerHub,
) -> None:
    # Clare's consent, made before another resident's social care record was joined to hers:
    # it was hers, and the split that takes that record away again leaves nothing to check.
    with session_scope(hub.engine) as session:
        record_choice(
            session,
            person_id=CLARE,
            kind="consent",
            purpose="direct_care",
            given=True,
            recorded_by="clare@example.org",
            source="befriending",
        )
    add_record(hub.engine, S4, {"given_name": "Clara", "family_name": "Moss"})
    relink(hub.engine, [S3, C3, S4])
    run = relink(hub.engine, [S3, C3], [S4])
    with session_scope(hub.engine) as session:
        assert flag_split_choices(session, run.run_id) == []
    # A consent made while they were joined is the IG officer's to check.
    add_record(hub.engine, S5, {"given_name": "Clary", "family_name": "Moss"})
    relink(hub.engine, [S3, C3, S5])
    with session_scope(hub.engine) as session:
        record_choice(
            session,
            person_id=CLARE,
            kind="consent",
            purpose="direct_care",
            given=True,
            recorded_by="clare@example.org",
        )
    run = relink(hub.engine, [S3, C3], [S5])
    with session_scope(hub.engine) as session:
        [alert] = flag_split_choices(session, run.run_id)
        assert "0 objection(s)" in alert.summary and "1 consent(s)" in alert.summary
