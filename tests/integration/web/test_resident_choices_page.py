"""The resident's choices page says what policy does now, not merely the last choice made.

Over the practitioner hub (the resident account is Anne's; she consents or objects through the
API, as an app on her phone might), then her choices page read as HTML: each card's tag and
words must agree with what the next practitioner view releases.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.integration.api.auth_hub import sign_in, username
from tests.integration.api.practitioner_hub import (
    ANNE,
    PractitionerHub,
    make_practitioner_hub,
)
from tests.integration.api.relinking import split_off_the_residents_records
from tests.integration.api.test_resident_api import run_ending
from tests.integration.web.pages import parse


@pytest.fixture
def anne(engine: Engine) -> Iterator[tuple[PractitionerHub, TestClient]]:
    hub = make_practitioner_hub(engine)
    browser = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(browser, "resident")
    yield hub, browser
    browser.close()
    hub.client.close()


def _card(html: str, card_id: str) -> str:
    for element in parse(html).iter("div"):
        if element.get("id") == card_id:
            return " ".join("".join(element.itertext()).split())
    raise AssertionError(f"no card {card_id}")


# Choices made in turn through the API (kind, purpose, source, given), then the card and the
# words it must hold, and the practitioner whose view shows whether that is true.
PAGE_CASES = [
    pytest.param(
        [("consent", "direct_care", "befriending", True), ("consent", "direct_care", None, False)],
        "consent-direct_care-befriending",
        "Not shared",
        ("gp", "direct_care", "befriending", False),
        id="consent-withdrawn-for-every-service-is-not-shared",
    ),
    pytest.param(
        [("consent", "direct_care", None, True)],
        "consent-direct_care-befriending",
        "You said yes",
        ("gp", "direct_care", "befriending", True),
        id="consent-for-every-service-covers-the-charity",
    ),
    pytest.param(
        [("objection", "housing_support", "council_tax", True)],
        "purpose-housing_support",
        "You said no for some services",
        ("housing_officer", "housing_support", "council_tax", False),
        id="objection-to-one-service-is-shown",
    ),
]


@pytest.mark.parametrize(("steps", "card_id", "shown", "effect"), PAGE_CASES)
def test_a_choice_card_says_what_policy_does(
    anne: tuple[PractitionerHub, TestClient],
    steps: list[tuple[str, str, str | None, bool]],
    card_id: str,
    shown: str,
    effect: tuple[str, str, str, bool],
) -> None:
    hub, browser = anne
    for kind, purpose, source, given in steps:
        response = hub.client.post(
            "/api/v1/me/choices",
            headers=hub.bearer("resident", None),
            json={"kind": kind, "purpose": purpose, "source": source, "given": given},
        )
        assert response.status_code == 201, response.text
    page = browser.get("/my/choices")
    assert page.status_code == 200, page.text
    assert shown in _card(page.text, card_id)
    role, purpose, source, released = effect
    view = hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer(role, purpose)).json()
    assert (f"{source}/identity.core" in view["released"]) is released


def test_the_history_names_purposes_and_services_in_plain_words(
    anne: tuple[PractitionerHub, TestClient],
) -> None:
    hub, browser = anne
    hub.client.post(
        "/api/v1/me/choices",
        headers=hub.bearer("resident", None),
        json={"kind": "objection", "purpose": "debt_support", "source": "council_tax"},
    )
    text = " ".join(browser.get("/my/choices").text.split())
    assert "said no for help with money (Council Tax)" in text
    assert "debt support" not in text and "council tax)" not in text


def test_a_purpose_says_before_objecting_where_the_law_lets_sharing_go_on(
    anne: tuple[PractitionerHub, TestClient],
) -> None:
    _, browser = anne
    html = browser.get("/my/choices").text
    safeguarding = _card(html, "purpose-safeguarding")
    assert "Even if you say no, your" in safeguarding
    # A list as one would say it, not "A and B and C and D".
    assert "your Adult Social Care, Befriending, Council Tax and GP registrations records" in (
        safeguarding
    )
    assert "Even if you say no" not in _card(html, "purpose-housing_support")


def test_a_yes_no_one_asks_for_any_more_can_still_be_taken_back(
    anne: tuple[PractitionerHub, TestClient],
) -> None:
    hub, browser = anne
    hub.client.post(
        "/api/v1/me/choices",
        headers=hub.bearer("resident", None),
        json={"kind": "consent", "purpose": "direct_care", "source": "befriending"},
    )
    run_ending(hub, "befriending|B1")  # the charity no longer holds her records
    card = _card(browser.get("/my/choices").text, "consent-direct_care-befriending")
    assert "You said yes" in card and "Take back your yes" in card
    assert "would count again" in card


def test_an_objection_kept_from_before_a_split_says_so_and_can_be_taken_back(
    engine: Engine,
) -> None:
    hub = make_practitioner_hub(engine)
    made = hub.client.post(
        "/api/v1/me/choices",
        headers=hub.bearer("resident", None),
        json={"kind": "objection", "purpose": "housing_support"},
    )
    assert made.status_code == 201, made.text
    split_off_the_residents_records(hub.engine, username("resident"))
    browser = TestClient(hub.client.app, raise_server_exceptions=False)
    sign_in(browser, "resident")
    html = browser.get("/my/choices").text
    card = _card(html, "purpose-housing_support")
    assert "may have been theirs" in card and "Take back your no" in card
    text = " ".join(html.split())
    assert "kept from before we found that records we had joined to yours belong to someone" in text
    browser.close()
    hub.client.close()
