"""The resident API: my record, who accessed it, my choices, the subject access pack.

On the tiny Northbridge of ``practitioner_hub`` (the resident account is Anne's), on SQLite and
PostgreSQL. Every read is audited; other people's accesses show organisation and role, never the
member of staff; choices take effect on the next practitioner view.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from joinedup.audit.governance import record_choice
from joinedup.audit.log import NewEvent, append_all
from joinedup.services import accounts
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from joinedup.store.linkage_tables import LinkRun, PersonMember
from tests.integration.api.auth_hub import username
from tests.integration.api.practitioner_hub import (
    ANNE,
    ANNE_NHS,
    CLARE,
    GONE,
    OLD,
    PractitionerHub,
    at,
    end_record,
    open_hub,
)

hub = pytest.fixture(open_hub, name="hub")


def _events(hub: PractitionerHub, action: str) -> list[AuditEvent]:
    with session_scope(hub.engine) as session:
        rows = list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        session.expunge_all()
        return rows


def _me(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("resident", None)


def test_my_record_lists_each_service_with_plain_words_and_is_audited(
    hub: PractitionerHub,
) -> None:
    response = hub.client.get("/api/v1/me/record", headers=_me(hub))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["person_id"] == ANNE
    held = {h["source"]: h for h in body["held"]}
    assert set(held) == {"gp_registrations", "adult_social_care", "council_tax", "befriending"}
    assert held["council_tax"]["organisation_name"] == "Northbridge Borough Council"
    assert "your council tax account" in held["council_tax"]["described"]
    assert held["gp_registrations"]["special_category"] is True
    assert held["council_tax"]["special_category"] is False
    # Council tax C1 has two versions: "since" is when the first was stored, 400 days ago.
    assert held["council_tax"]["since"] < held["befriending"]["since"]
    [event] = _events(hub, "resident.record")
    assert event.person_id == ANNE and event.role == "resident" and event.decision == "permit"
    assert "council_tax/finance.council_tax" in event.categories


def test_access_log_names_organisation_and_role_not_the_member_of_staff(
    hub: PractitionerHub,
) -> None:
    view = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    assert view.status_code == 200
    hub.client.get("/api/v1/me/record", headers=_me(hub))
    response = hub.client.get("/api/v1/me/access-log", headers=_me(hub))
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    viewed = [e for e in entries if e["action"] == "person.view"]
    assert len(viewed) == 1
    entry = viewed[0]
    assert entry["organisation"] == "northbridge-council"
    assert entry["organisation_name"] == "Northbridge Borough Council"
    assert entry["role"] == "social_worker"
    assert entry["purpose"] == "safeguarding"
    assert entry["break_glass"] is False
    assert username("social_worker") not in response.text
    # The resident's own reads are not "someone else looking".
    assert all(e["role"] != "resident" for e in entries)
    assert len(_events(hub, "resident.access_log")) == 1


def test_access_log_flags_break_glass_at_once_its_reason_under_review(hub: PractitionerHub) -> None:
    reason = "Found collapsed at home, no relationship on record, urgent"
    # Clare's GP practice holds no record of her: break-glass is what opens her record to it.
    with session_scope(hub.engine) as session:
        clare = accounts.create_user(
            session,
            username="clare.resident",
            display_name="Clare",
            role="resident",
            person_id=CLARE,
        )
        secret = accounts.issue_token(session, user_id=clare.id, name="t", scopes=["read"]).secret
    started = hub.client.post(
        f"/api/v1/persons/{CLARE}/break-glass",
        headers=hub.bearer("gp", "direct_care"),
        json={"reason": reason, "hours": 1},
    )
    assert started.status_code == 201, started.text
    mine = {"Authorization": f"Bearer {secret}"}
    entries = hub.client.get("/api/v1/me/access-log", headers=mine).json()["entries"]
    flagged = [e for e in entries if e["break_glass"]]
    # Flagged at once, with organisation and role; the reason only once an IG officer has
    # reviewed it (test_break_glass_reason_review.py), as it may name other people.
    assert flagged and all(e["break_glass_reason_status"] == "under_review" for e in flagged)
    assert all(e["organisation"] == "nhs-northbridge-icb" and e["role"] == "gp" for e in flagged)
    assert all(e["break_glass_reason"] is None for e in flagged)


def test_access_log_pages_back_with_before_seq(hub: PractitionerHub) -> None:
    for _ in range(3):
        hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    first = hub.client.get("/api/v1/me/access-log?limit=2", headers=_me(hub)).json()
    assert len(first["entries"]) == 2 and first["next_before_seq"]
    second = hub.client.get(
        f"/api/v1/me/access-log?limit=2&before_seq={first['next_before_seq']}", headers=_me(hub)
    ).json()
    seqs = [e["seq"] for e in first["entries"] + second["entries"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == len(seqs)


def test_an_objection_is_kept_in_history_audited_and_obeyed_at_once(
    hub: PractitionerHub,
) -> None:
    headers = hub.bearer("housing_officer", "housing_support")
    before = hub.client.get(f"/api/v1/persons/{ANNE}", headers=headers).json()
    assert before["released"]
    response = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "objection", "purpose": "housing_support", "note": "I have a home"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(c["kind"], c["purpose"], c["given"]) for c in body["current"]] == [
        ("objection", "housing_support", True)
    ]
    assert body["current"][0]["by_resident"] is True
    [event] = _events(hub, "choice.record")
    assert event.person_id == ANNE and event.purpose == "housing_support"
    after = hub.client.get(f"/api/v1/persons/{ANNE}", headers=headers).json()
    assert after["released"] == []
    assert "deny_objection" in {w["reason_code"] for w in after["withheld"]} | {
        r["code"] for r in after["reasons"]
    }
    withdrawn = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "objection", "purpose": "housing_support", "given": False},
    ).json()
    assert [c["given"] for c in withdrawn["history"]] == [True, False]
    assert withdrawn["current"][0]["given"] is False


def test_consent_where_an_agreement_asks_for_it_opens_the_charity_record(
    hub: PractitionerHub,
) -> None:
    choices = hub.client.get("/api/v1/me/choices", headers=_me(hub)).json()
    asked = {(c["purpose"], c["source"]) for c in choices["consent_asked"]}
    assert ("direct_care", "befriending") in asked
    gp = hub.bearer("gp", "direct_care")
    assert (
        "befriending/identity.core"
        not in hub.client.get(f"/api/v1/persons/{ANNE}", headers=gp).json()["released"]
    )
    given = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "consent", "purpose": "direct_care", "source": "befriending"},
    )
    assert given.status_code == 201, given.text
    released = hub.client.get(f"/api/v1/persons/{ANNE}", headers=gp).json()["released"]
    assert "befriending/identity.core" in released


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "consent", "purpose": "planning"}, "nothing to consent to"),
        ({"kind": "objection", "purpose": "safeguarding", "source": "school"}, "No service"),
        ({"kind": "objection", "purpose": "gossip"}, None),
        ({"kind": "wish", "purpose": "safeguarding"}, None),
        ({"kind": "objection", "purpose": "safeguarding", "extra": 1}, None),
        ({"kind": "objection", "purpose": "safeguarding", "note": "x" * 501}, None),
    ],
)
def test_a_bad_choice_is_a_4xx_with_a_message(
    hub: PractitionerHub, body: dict[str, object], message: str | None
) -> None:
    response = hub.client.post("/api/v1/me/choices", headers=_me(hub), json=body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["detail"]
    if message:
        assert message in response.json()["detail"]
    assert not _events(hub, "choice.record")


def test_subject_access_pack_has_everything_and_is_audited_once(hub: PractitionerHub) -> None:
    hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker"))
    hub.client.post(
        "/api/v1/me/choices", headers=_me(hub), json={"kind": "objection", "purpose": "planning"}
    )
    response = hub.client.get("/api/v1/me/subject-access", headers=_me(hub))
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith("attachment;")
    pack = response.json()
    assert pack["person_id"] == ANNE
    sources = {s["source"]: s for s in pack["sources"]}
    assert set(sources) == {"gp_registrations", "adult_social_care", "council_tax", "befriending"}
    # Both versions of council tax C1, the old one marked as not current.
    versions = [
        (r["record_id"], r["version"], r["current"]) for r in sources["council_tax"]["records"]
    ]
    assert ("C1", 1, False) in versions and ("C1", 1, False) != ("C1", 2, True)
    assert sources["gp_registrations"]["records"][0]["data"]["nhs_number"] == ANNE_NHS
    assert sources["gp_registrations"]["records"][0]["attributes"]["practice"]
    assert sources["befriending"]["shared_under"][0]["consent_required"] in (True, False)
    assert "safeguarding" in pack["purposes"]
    assert "northbridge-council" in pack["recipients"]
    assert any(e["action"] == "person.view" for e in pack["access_log"])
    assert pack["choices"]["current"][0]["purpose"] == "planning"
    assert len(_events(hub, "resident.subject_access")) == 1
    # Every organisation and purpose the pack names is explained in it.
    assert pack["organisations"]["northbridge-council"] == "Northbridge Borough Council"
    named = {*pack["recipients"], *(s["organisation"] for s in pack["sources"])}
    assert named | {e["organisation"] for e in pack["access_log"]} == set(pack["organisations"])
    assert set(pack["purposes"]) <= set(pack["purpose_descriptions"])
    assert pack["purpose_descriptions"]["safeguarding"].startswith("protecting")


RESIDENT_ROUTES = [
    "/api/v1/me/record",
    "/api/v1/me/access-log",
    "/api/v1/me/choices",
    "/api/v1/me/subject-access",
]


@pytest.mark.parametrize("role", ["social_worker", "gp", "ig_officer", "reviewer", "admin"])
def test_only_a_resident_may_use_the_resident_routes(hub: PractitionerHub, role: str) -> None:
    for route in RESIDENT_ROUTES:
        response = hub.client.get(route, headers=hub.bearer(role))
        assert response.status_code == 403, route
        assert "resident" in response.json()["detail"]


def test_without_credentials_the_resident_routes_answer_401(hub: PractitionerHub) -> None:
    assert hub.client.get("/api/v1/me/record").status_code == 401


def test_a_failed_audit_write_returns_503_and_nothing_personal(
    hub: PractitionerHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    import joinedup.services.access as access

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(access, "append", refuse)
    for route in ("/api/v1/me/record", "/api/v1/me/subject-access", "/api/v1/me/access-log"):
        response = hub.client.get(route, headers=_me(hub))
        assert response.status_code == 503
        assert "Walker" not in response.text and ANNE_NHS not in response.text


def test_resident_reads_are_counted_on_the_trail(hub: PractitionerHub) -> None:
    for route in ("record", "access-log", "choices", "subject-access"):
        assert hub.client.get(f"/api/v1/me/{route}", headers=_me(hub)).status_code == 200
    with session_scope(hub.engine) as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.role == "resident")
        )
    assert count == 4


def test_the_choice_schema_offers_exactly_the_policy_purposes() -> None:
    from typing import get_args

    from joinedup.api.schemas_resident import ChoiceCreate
    from joinedup.policy.vocabulary import PURPOSES

    offered = set(get_args(ChoiceCreate.model_fields["purpose"].annotation))
    assert offered == set(PURPOSES)


def test_what_was_recorded_under_an_id_merged_into_mine_is_still_mine(hub: PractitionerHub) -> None:
    # OLD was Anne's id until linkage merged its records into ANNE's: the objection she made
    # and the look a housing officer had then were recorded under OLD.
    with session_scope(hub.engine) as session:
        record_choice(
            session,
            person_id=OLD,
            kind="objection",
            purpose="housing_support",
            given=True,
            recorded_by=username("resident"),
            at=at(-3),
        )
        append_all(
            session,
            [
                NewEvent(
                    actor=username("housing_officer"),
                    organisation="northbridge-council",
                    role="housing_officer",
                    action="person.view",
                    decision="permit",
                    purpose="housing_support",
                    person_id=OLD,
                    at=at(-2),
                )
            ],
        )
    housing = hub.bearer("housing_officer", "housing_support")
    view = hub.client.get(f"/api/v1/persons/{ANNE}", headers=housing).json()
    assert view["released"] == [], "the objection made before the merge stops the sharing"
    assert "deny_objection" in {w["reason_code"] for w in view["withheld"]}

    choices = hub.client.get("/api/v1/me/choices", headers=_me(hub)).json()
    assert [(c["kind"], c["purpose"], c["given"]) for c in choices["current"]] == [
        ("objection", "housing_support", True)
    ]
    log = hub.client.get("/api/v1/me/access-log", headers=_me(hub)).json()["entries"]
    assert [(e["role"], e["action"]) for e in log] == [
        ("housing_officer", "person.view"),
        ("housing_officer", "person.view"),
    ]
    pack = hub.client.get("/api/v1/me/subject-access", headers=_me(hub)).json()
    assert len(pack["access_log"]) == 2 and len(pack["choices"]["history"]) == 1

    # Withdrawn now (under ANNE): the withdrawal is the latest choice and sharing resumes.
    withdrawn = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "objection", "purpose": "housing_support", "given": False},
    )
    assert withdrawn.status_code == 201, withdrawn.text
    assert hub.client.get(f"/api/v1/persons/{ANNE}", headers=housing).json()["released"]


def test_a_search_that_showed_me_among_several_candidates_is_in_my_access_log(
    hub: PractitionerHub,
) -> None:
    found = hub.client.get(
        "/api/v1/persons/search",
        params={"name": "Walker", "postcode": "NB1 2AB"},
        headers=hub.bearer("housing_officer", "housing_support"),
    ).json()["candidates"]
    assert ANNE in {c["person_id"] for c in found} and len(found) > 1
    entries = hub.client.get("/api/v1/me/access-log", headers=_me(hub)).json()["entries"]
    assert [(e["role"], e["what"], e["purpose"]) for e in entries] == [
        ("housing_officer", "found you in a search", "housing_support")
    ]
    # One line for the search, however many candidates it named (one event each).
    pack = hub.client.get("/api/v1/me/subject-access", headers=_me(hub)).json()
    assert [e["action"] for e in pack["access_log"]] == ["person.search"]


def test_the_pack_and_consent_name_only_the_agreement_versions_policy_applies(
    hub: PractitionerHub,
) -> None:
    # northbridge-council-services version 1 is within its dates but superseded by version 2.
    pack = hub.client.get("/api/v1/me/subject-access", headers=_me(hub)).json()
    refs = {t["agreement"] for s in pack["sources"] for t in s["shared_under"]}
    assert "northbridge-council-services@2" in refs
    assert "northbridge-council-services@1" not in refs
    choices = hub.client.get("/api/v1/me/choices", headers=_me(hub)).json()
    assert all(c["agreement"] != "northbridge-council-services@1" for c in choices["consent_asked"])


# Choices made in turn (kind, purpose, source, given); what "current" then lists as
# (kind, source, given); and whether the practitioner who would receive that source now does.
# Policy takes the latest choice whatever its scope, and "current" must say the same.
CHOICE_SEQUENCES = [
    pytest.param(
        [("consent", "befriending", True), ("consent", None, False)],
        [("consent", None, False)],
        ("gp", "direct_care", "befriending", False),
        id="consent-to-one-service-then-withdrawn-for-every-service",
    ),
    pytest.param(
        [("consent", None, False), ("consent", "befriending", True)],
        [("consent", None, False), ("consent", "befriending", True)],
        ("gp", "direct_care", "befriending", True),
        id="withdrawn-for-every-service-then-given-to-one",
    ),
    pytest.param(
        [("objection", "council_tax", True), ("objection", None, False)],
        [("objection", None, False)],
        ("housing_officer", "housing_support", "council_tax", True),
        id="objection-to-one-service-then-withdrawn-for-every-service",
    ),
    pytest.param(
        [("objection", None, True), ("objection", "council_tax", False)],
        [("objection", None, True), ("objection", "council_tax", False)],
        ("housing_officer", "housing_support", "council_tax", True),
        id="objection-to-every-service-then-withdrawn-for-one",
    ),
]


@pytest.mark.parametrize(("steps", "current", "effect"), CHOICE_SEQUENCES)
def test_current_choices_are_those_policy_applies(
    hub: PractitionerHub,
    steps: list[tuple[str, str | None, bool]],
    current: list[tuple[str, str | None, bool]],
    effect: tuple[str, str, str, bool],
) -> None:
    role, purpose, source, released = effect
    for kind, scope, given in steps:
        response = hub.client.post(
            "/api/v1/me/choices",
            headers=_me(hub),
            json={"kind": kind, "purpose": purpose, "source": scope, "given": given},
        )
        assert response.status_code == 201, response.text
    body = hub.client.get("/api/v1/me/choices", headers=_me(hub)).json()
    assert [(c["kind"], c["source"], c["given"]) for c in body["current"]] == current
    view = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer(role, purpose)).json()
    assert (f"{source}/identity.core" in view["released"]) is released


def test_where_an_objection_cannot_stop_sharing_the_resident_is_told_and_it_goes_on(
    hub: PractitionerHub,
) -> None:
    choices = hub.client.get("/api/v1/me/choices", headers=_me(hub)).json()
    overridden = {(o["purpose"], o["source"]) for o in choices["objection_overridden"]}
    # Every safeguarding clause for Anne's sources overrides an objection; nothing else does.
    assert {p for p, _ in overridden} == {"safeguarding"}
    assert ("safeguarding", "adult_social_care") in overridden
    assert all(o["grounds"] for o in choices["objection_overridden"])
    social_worker = hub.bearer("social_worker", "safeguarding")
    before = hub.client.get(f"/api/v1/persons/{ANNE}", headers=social_worker).json()["released"]
    objected = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "objection", "purpose": "safeguarding"},
    )
    assert objected.status_code == 201, objected.text
    after = hub.client.get(f"/api/v1/persons/{ANNE}", headers=social_worker).json()
    assert after["released"] == before
    sources = {s for p, s in overridden}
    assert {label.split("/")[0] for label in after["released"]} <= sources


def test_when_every_record_about_me_has_ended_i_can_still_see_who_looked(
    hub: PractitionerHub,
) -> None:
    # GONE's records all ended (retired without a successor); while they were held a GP looked.
    with session_scope(hub.engine) as session:
        user = accounts.create_user(
            session, username="gone.resident", display_name="G", role="resident", person_id=GONE
        )
        secret = accounts.issue_token(
            session, user_id=user.id, name="t", scopes=["read", "write"]
        ).secret
        append_all(
            session,
            [
                NewEvent(
                    actor=username("gp"),
                    organisation="nhs-northbridge-icb",
                    role="gp",
                    action="person.view",
                    decision="permit",
                    purpose="direct_care",
                    person_id=GONE,
                    at=at(-30),
                )
            ],
        )
    mine = {"Authorization": f"Bearer {secret}"}
    record = hub.client.get("/api/v1/me/record", headers=mine)
    assert record.status_code == 200 and record.json()["held"] == []
    log = hub.client.get("/api/v1/me/access-log", headers=mine)
    assert log.status_code == 200
    assert [(e["role"], e["action"]) for e in log.json()["entries"]] == [("gp", "person.view")]
    assert hub.client.get("/api/v1/me/choices", headers=mine).status_code == 200
    pack = hub.client.get("/api/v1/me/subject-access", headers=mine)
    assert pack.status_code == 200 and pack.json()["sources"] == []
    assert len(pack.json()["access_log"]) == 1
    # Nothing is shared any more, so there is nothing to object to.
    choice = hub.client.post(
        "/api/v1/me/choices", headers=mine, json={"kind": "objection", "purpose": "planning"}
    )
    assert choice.status_code == 410


def test_an_access_that_went_ahead_despite_my_objection_says_so(hub: PractitionerHub) -> None:
    social_worker = hub.bearer("social_worker", "safeguarding")
    hub.client.get(f"/api/v1/persons/{ANNE}", headers=social_worker)
    objected = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "objection", "purpose": "safeguarding"},
    )
    assert objected.status_code == 201
    assert hub.client.get(f"/api/v1/persons/{ANNE}", headers=social_worker).json()["released"]
    entries = hub.client.get("/api/v1/me/access-log", headers=_me(hub)).json()["entries"]
    # Newest first: the view after the objection (overridden for safeguarding), then before.
    assert [e["despite_objection"] for e in entries] == [True, False]
    pack = hub.client.get("/api/v1/me/subject-access", headers=_me(hub)).json()
    assert [e["despite_objection"] for e in pack["access_log"]] == [True, False]


def run_ending(hub: PractitionerHub, key: str) -> None:
    """What the next link run does with a record its source no longer holds: it leaves the
    index (its membership ends) while the hub keeps its versions."""
    source, record_id = key.split("|")
    end_record(hub.engine, source, record_id)
    with session_scope(hub.engine) as session:
        run = LinkRun(mode="incremental", engine="duckdb", status="done", started_at=at())
        session.add(run)
        session.flush()
        session.execute(
            update(PersonMember)
            .where(PersonMember.record_key == key, PersonMember.to_run.is_(None))
            .values(to_run=run.id)
        )


def test_the_pack_holds_records_whose_source_no_longer_holds_them(hub: PractitionerHub) -> None:
    run_ending(hub, "befriending|B1")
    held = hub.client.get("/api/v1/me/record", headers=_me(hub)).json()["held"]
    assert "befriending" not in {h["source"] for h in held}  # no longer held by the charity
    pack = hub.client.get("/api/v1/me/subject-access", headers=_me(hub)).json()
    sections = {s["source"]: s for s in pack["sources"]}
    # ... but the hub still stores it: it is in the pack, marked as no longer current.
    [record] = sections["befriending"]["records"]
    assert record["record_id"] == "B1" and record["current"] is False and record["valid_to"]
    assert record["data"]["family_name"] == "Walker"
    # Bob's records, which never were Anne's, are not.
    assert "C2" not in {r["record_id"] for s in pack["sources"] for r in s["records"]}


@pytest.mark.parametrize("kind", ["consent", "objection"])
def test_a_choice_can_be_taken_back_after_its_service_stopped_holding_my_records(
    hub: PractitionerHub, kind: str
) -> None:
    purpose = "direct_care"
    given = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": kind, "purpose": purpose, "source": "befriending"},
    )
    assert given.status_code == 201, given.text
    run_ending(hub, "befriending|B1")
    # Were the charity to hold her records again, the choice would be in force again: she
    # must be able to take it back now (it was 400: no service called 'befriending').
    taken_back = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": kind, "purpose": purpose, "source": "befriending", "given": False},
    )
    assert taken_back.status_code == 201, taken_back.text
    assert [(c["source"], c["given"]) for c in taken_back.json()["current"]] == [
        ("befriending", False)
    ]
    # Giving one for a service that holds nothing about her is still refused.
    again = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": kind, "purpose": purpose, "source": "befriending"},
    )
    assert again.status_code == 400


@pytest.mark.parametrize("value", ["no", "false", 0, 1, "yes"])
def test_only_a_json_boolean_gives_or_withdraws_a_choice(
    hub: PractitionerHub, value: object
) -> None:
    # A "no" sent as text must not be read as withdrawing an objection, nor "1" as consent.
    response = hub.client.post(
        "/api/v1/me/choices",
        headers=_me(hub),
        json={"kind": "objection", "purpose": "housing_support", "given": value},
    )
    assert response.status_code == 422, response.text
    assert hub.client.get("/api/v1/me/choices", headers=_me(hub)).json()["history"] == []
