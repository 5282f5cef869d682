"""A practitioner's relationship and break-glass when linkage merges or splits the person.

On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL, through the API. A GP
has no record of Clare Moss, so without a declared relationship (or break-glass) direct care
shows the GP nothing of her adult social care record. Another adult social care record of hers
(S4) first forms a person of its own ("Dora"'s id) and is then linked to her.

- A relationship or break-glass recorded under an id that is later **merged away** counts for
  the person it was merged into: linkage found more of the same resident's records.
- When a person **splits**, they stay with the part that keeps the id; the practitioner declares
  again (or breaks the glass again) for the other part, which linkage says is someone else.
- When a wrong merge is **undone**, the id merged away follows its records (``linkage.persons``)
  and so does what was recorded under it.
"""

from __future__ import annotations

from typing import Any

import pytest

from joinedup.audit import governance
from joinedup.store.db import session_scope
from tests.integration.api.auth_hub import username
from tests.integration.api.practitioner_hub import (
    CLARE,
    CLARE_PERSON,
    PractitionerHub,
    open_hub,
)
from tests.integration.api.relinking import add_record, person_of, relink

S3, C3, S4 = "adult_social_care|S3", "council_tax|C3", "adult_social_care|S4"
CARE = ["adult_social_care/identity.core", "adult_social_care/social_care.adult"]
BREAK_GLASS_REASON = "Collapsed in clinic and unable to give a history"


hub = pytest.fixture(open_hub, name="hub")


def _gp(hub: PractitionerHub) -> dict[str, str]:
    return hub.bearer("gp", "direct_care")


def _view(hub: PractitionerHub, person: str) -> dict[str, Any]:
    response = hub.client.get(f"/api/v1/persons/{person}", headers=_gp(hub))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _declare(hub: PractitionerHub, person: str) -> None:
    response = hub.client.post(
        f"/api/v1/persons/{person}/relationships",
        json={"reason": "Registered at the practice today", "days": 30},
        headers=_gp(hub),
    )
    assert response.status_code == 201, response.text


def _break_glass(hub: PractitionerHub, person: str) -> None:
    response = hub.client.post(
        f"/api/v1/persons/{person}/break-glass",
        json={"reason": BREAK_GLASS_REASON, "hours": 1},
        headers=_gp(hub),
    )
    assert response.status_code == 201, response.text


def _dora(hub: PractitionerHub) -> str:
    """Clare's second adult social care record, linked first to a person of its own."""
    add_record(hub.engine, S4, {**CLARE_PERSON, "given_name": "Clara"})
    return person_of(relink(hub.engine, [S4]), S4)


def _no_relationship(view: dict[str, Any]) -> bool:
    codes = {r["code"] for r in view["reasons"]} | {w["reason_code"] for w in view["withheld"]}
    return view["released"] == [] and "deny_no_relationship" in codes


def test_a_relationship_declared_under_an_id_merged_away_counts_for_the_merged_person(
    hub: PractitionerHub,
) -> None:
    dora = _dora(hub)
    _declare(hub, dora)
    assert _view(hub, dora)["released"] == CARE
    assert _no_relationship(_view(hub, CLARE))

    merged = relink(hub.engine, [S3, C3, S4])
    assert person_of(merged, S4) == CLARE and merged.retired == {dora: CLARE}
    # The GP's relationship was with this resident, under the id she had then: it still holds.
    view = _view(hub, CLARE)
    assert view["released"] == CARE and view["break_glass_used"] is False
    # The old id redirects to her, and the view there is the same.
    assert _view(hub, dora)["person_id"] == CLARE


def test_a_relationship_stays_with_the_part_of_a_split_that_keeps_the_id(
    hub: PractitionerHub,
) -> None:
    add_record(hub.engine, S4, CLARE_PERSON)
    relink(hub.engine, [S3, C3, S4])
    _declare(hub, CLARE)
    assert _view(hub, CLARE)["released"] == CARE

    split = relink(hub.engine, [S3, C3], [S4])
    other = person_of(split, S4)
    assert person_of(split, S3) == CLARE != other
    assert _view(hub, CLARE)["released"] == CARE
    # Linkage now says S4 is someone else: the GP has declared nothing about them.
    assert _no_relationship(_view(hub, other))
    _declare(hub, other)
    assert _view(hub, other)["released"] == CARE


def test_a_relationship_under_an_id_merged_away_follows_its_records_when_the_merge_is_undone(
    hub: PractitionerHub,
) -> None:
    dora = _dora(hub)
    _declare(hub, dora)
    relink(hub.engine, [S3, C3, S4])
    assert _view(hub, CLARE)["released"] == CARE

    undone = relink(hub.engine, [S3, C3], [S4])
    other = person_of(undone, S4)
    assert other not in (CLARE, dora)
    # The relationship was declared for the person S4 belongs to, not for Clare.
    assert _view(hub, dora)["person_id"] == other
    assert _view(hub, other)["released"] == CARE
    assert _no_relationship(_view(hub, CLARE))


def test_break_glass_opened_under_an_id_merged_away_counts_for_the_merged_person(
    hub: PractitionerHub,
) -> None:
    dora = _dora(hub)
    _break_glass(hub, dora)
    relink(hub.engine, [S3, C3, S4])
    view = _view(hub, CLARE)
    assert view["break_glass_used"] is True and view["released"] == CARE


def test_break_glass_stays_with_the_part_of_a_split_that_keeps_the_id(
    hub: PractitionerHub,
) -> None:
    add_record(hub.engine, S4, CLARE_PERSON)
    relink(hub.engine, [S3, C3, S4])
    _break_glass(hub, CLARE)
    split = relink(hub.engine, [S3, C3], [S4])
    other = person_of(split, S4)
    assert _view(hub, CLARE)["break_glass_used"] is True
    view = _view(hub, other)
    assert view["break_glass_used"] is False and _no_relationship(view)


def test_the_open_session_is_found_under_the_id_it_was_merged_into(hub: PractitionerHub) -> None:
    # What "is a session of mine already open on this person?" asks (a second request must
    # not open a second session): a session opened under an id since merged away is open.
    dora = _dora(hub)
    _break_glass(hub, dora)
    relink(hub.engine, [S3, C3, S4])
    with session_scope(hub.engine) as session:
        found = governance.active_break_glass(session, actor=username("gp"), person_id=CLARE)
        assert found is not None and found.person_id == dora
        assert (
            governance.active_break_glass(session, actor=username("social_worker"), person_id=CLARE)
            is None
        )
