"""The IG officer's filters never read a value they do not offer as another one.

``/governance/alerts?status=bogus`` used to show the open alerts, and an audit search with
``break_glass=perhaps`` searched "either", each without a word: someone who typed or pasted a
filter would believe the page showed what they asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from joinedup.web.governance_forms import (
    BREAK_GLASS_RULE,
    alert_status_problem,
    read_audit_form,
)
from tests.integration.web.pages import checked, error_summary, field_error, parse, value_of

SignedIn = Callable[..., TestClient]
STATUS_RULE = "Select Open, Acknowledged, Closed or All"
PRINTABLE = "Use only letters, numbers, spaces and punctuation"


@pytest.mark.parametrize("status", ["bogus", "OPEN", "acknowledged-or-closed-or-anything"])
def test_an_unknown_alert_status_is_an_error_naming_the_statuses(
    signed_in: SignedIn, status: str
) -> None:
    response = signed_in("ig_officer").get("/governance/alerts", params={"status": status})
    assert response.status_code == 400
    page = response.text
    assert error_summary(page) == {"#status": STATUS_RULE}
    assert field_error(page, "status") == STATUS_RULE
    # The filter's links are there to choose from, and no alerts are listed as if asked for.
    links = [a.get("href") for a in parse(page).iter("a")]
    for known in ("open", "acknowledged", "closed", "all"):
        assert f"/governance/alerts?status={known}" in links
    assert "alerts, newest first" not in page and "There are no" not in page


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": ""},
        {"status": "closed"},
        {"status": "all"},
        {"handled": "abc", "outcome": "closed"},
        {"handled": "7", "outcome": "x" * 50},
    ],
)
def test_known_statuses_and_stray_banner_values_show_the_queue(
    signed_in: SignedIn, query: dict[str, str]
) -> None:
    response = signed_in("ig_officer").get("/governance/alerts", params=query)
    assert response.status_code == 200
    assert error_summary(response.text) == {}
    assert "There are no" in response.text


def test_an_unknown_break_glass_filter_is_an_error_with_the_answers_kept(
    signed_in: SignedIn,
) -> None:
    response = signed_in("ig_officer").get(
        "/governance/audit",
        params={"search": "1", "actor": "gp@example.org", "break_glass": "perhaps"},
    )
    assert response.status_code == 400
    page = response.text
    assert error_summary(page) == {"#break_glass": BREAK_GLASS_RULE}
    assert field_error(page, "break_glass") == BREAK_GLASS_RULE
    assert value_of(page, "actor") == "gp@example.org"
    assert checked(page, "break_glass") == []
    assert 'id="results"' not in page


@pytest.mark.parametrize(("value", "searched"), [("", None), ("yes", True), ("no", False)])
def test_the_break_glass_filters_the_form_offers(
    signed_in: SignedIn, value: str, searched: bool | None
) -> None:
    response = signed_in("ig_officer").get(
        "/governance/audit", params={"search": "1", "break_glass": value, "before_seq": "²"}
    )
    assert response.status_code == 200
    assert checked(response.text, "break_glass") == [value]
    assert read_audit_form({"break_glass": value}).filters.break_glass is searched


def test_audit_form_errors_come_in_the_order_of_the_fields() -> None:
    form = read_audit_form(
        {
            "until-day": "1",
            "break_glass": "maybe",
            "decision": "perhaps",
            "person_id": "P" * 201,
            "since-day": "31",
            "since-month": "2",
            "since-year": "2026",
        }
    )
    assert list(form.errors) == ["person_id", "decision", "break_glass", "since-day", "until-day"]


def test_alert_status_problem() -> None:
    assert alert_status_problem("open") is None
    assert alert_status_problem("all") is None
    assert alert_status_problem("bogus") == STATUS_RULE


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        # "To 31 December 9999" takes in every event: its end, the next midnight, is past the
        # last date Python can hold, and the page answered 500.
        ({"until-day": "31", "until-month": "12", "until-year": "9999"}, "31"),
        (
            {
                "since-day": "31",
                "since-month": "12",
                "since-year": "9999",
                "until-day": "31",
                "until-month": "12",
                "until-year": "9999",
            },
            "31",
        ),
    ],
)
def test_a_to_date_on_the_last_day_there_is_searches_to_the_end(
    signed_in: SignedIn, query: dict[str, str], shown: str
) -> None:
    response = signed_in("ig_officer").get("/governance/audit", params={"search": "1", **query})
    assert response.status_code == 200, response.text[:500]
    assert error_summary(response.text) == {}
    assert value_of(response.text, "until-day") == shown
    assert read_audit_form(query).filters.until is None


@pytest.mark.parametrize("field", ["person_id", "actor", "organisation", "action"])
@pytest.mark.parametrize("value", ["sam\x00social", "sam\x1b[0msocial"])
def test_a_control_character_in_a_text_filter_is_a_message_by_its_field(
    signed_in: SignedIn, field: str, value: str
) -> None:
    # It was the bare error page ("actor holds a control character…"), the form and the other
    # answers gone: a terminal's colour code pasted with a username does it.
    response = signed_in("ig_officer").get(
        "/governance/audit",
        params={"search": "1", field: value, "decision": "deny"},
    )
    assert response.status_code == 400
    assert error_summary(response.text) == {f"#{field}": PRINTABLE}
    assert checked(response.text, "break_glass") == [""]
    assert 'id="results"' not in response.text


BST_30 = datetime(2026, 3, 30, 23, tzinfo=UTC)
BST_31 = datetime(2026, 3, 31, 23, tzinfo=UTC)
BST_29_END = datetime(2026, 3, 29, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "since", "until"),
    [
        # A London borough's IG officer means UK days. 31 March 2026 is in summer time: it
        # runs from 23:00 UTC on the 30th; it was searched as the UTC day, missing the first
        # hour and taking in the first hour of 1 April.
        (("31", "3", "2026"), BST_30, BST_31),
        # In winter a UK day is the UTC day.
        (("15", "1", "2026"), datetime(2026, 1, 15, tzinfo=UTC), datetime(2026, 1, 16, tzinfo=UTC)),
        # The day the clocks go forward is 23 hours long.
        (("29", "3", "2026"), datetime(2026, 3, 29, tzinfo=UTC), BST_29_END),
        # A whole date typed into the day box, as people do.
        (("31/03/2026", "", ""), BST_30, BST_31),
        (("31.3.2026", "", ""), BST_30, BST_31),
    ],
)
def test_dates_are_uk_days(typed: tuple[str, str, str], since: datetime, until: datetime) -> None:
    day, month, year = typed
    form = read_audit_form(
        {
            "since-day": day,
            "since-month": month,
            "since-year": year,
            "until-day": day,
            "until-month": month,
            "until-year": year,
        }
    )
    assert form.errors == {}
    assert (form.filters.since, form.filters.until) == (since, until)


def test_the_role_filter_is_offered_and_checked(signed_in: SignedIn) -> None:
    browser = signed_in("ig_officer")
    page = browser.get("/governance/audit").text
    assert 'name="role"' in page and '<option value="housing_officer"' in page
    assert read_audit_form({"role": "housing_officer"}).filters.role == "housing_officer"
    response = browser.get("/governance/audit", params={"search": "1", "role": "wizard"})
    assert response.status_code == 400
    assert error_summary(response.text) == {"#role": "Select a role from the list"}


def test_an_unknown_person_id_is_an_error_by_its_field(signed_in: SignedIn) -> None:
    # It answered "No events match": a regulator would be told nobody looked at a mistyped id.
    response = signed_in("ig_officer").get(
        "/governance/audit", params={"search": "1", "person_id": "PNEVER0000009"}
    )
    assert response.status_code == 404
    assert error_summary(response.text) == {
        "#person_id": "No person has the id PNEVER0000009: check the id"
    }
    assert value_of(response.text, "person_id") == "PNEVER0000009"
    assert 'id="results"' not in response.text
