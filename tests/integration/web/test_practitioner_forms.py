"""The practitioner's forms: a search value too long, break-glass and a relationship.

A search value longer than its limit used to be refused by FastAPI before the page saw it: a
422 "There is a problem" page saying ``query.name: String should have at most 200 characters``,
and the form gone. Break-glass with a short reason and no hours showed only the hours.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from joinedup.web.practitioner_forms import (
    DAYS_CAP,
    SHOWN_MAX,
    days_number,
    field_errors_only,
    reason_problem,
    relationship_problems,
    search_length_errors,
)
from tests.integration.api.auth_hub import csrf_from
from tests.integration.api.practitioner_hub import ANNE, build_borough
from tests.integration.web.pages import checked, error_summary, field_error, value_of

SignedIn = Callable[..., TestClient]


def test_a_name_too_long_is_a_message_by_the_field_with_the_value_kept(
    signed_in: SignedIn,
) -> None:
    response = signed_in("gp").get("/people", params={"name": "x" * 5000})
    assert response.status_code == 400
    page = response.text
    assert error_summary(page) == {"#name": "Name must be 200 characters or fewer"}
    assert field_error(page, "name") == "Name must be 200 characters or fewer"
    assert "query.name" not in page
    # Shown back cut to a thousand characters: still too long, so searching again says so again.
    assert value_of(page, "name") == "x" * SHOWN_MAX


def test_an_nhs_number_too_long_and_other_problems_are_shown_together(
    signed_in: SignedIn,
) -> None:
    response = signed_in("social_worker").get(
        "/people", params={"nhs_number": "9" * 21, "postcode": "XX", "name": "Anne Walker"}
    )
    assert response.status_code == 400
    summary = error_summary(response.text)
    assert list(summary) == ["#postcode", "#nhs_number"]
    assert summary["#nhs_number"] == "NHS number must be 20 characters or fewer"
    assert summary["#postcode"] == (
        "Enter a full postcode, such as NB1 2AB, or only the district, such as NB1"
    )
    assert value_of(response.text, "nhs_number") == "9" * 21
    assert value_of(response.text, "postcode") == "XX"


def test_htmx_hands_a_too_long_search_to_the_whole_page(signed_in: SignedIn) -> None:
    response = signed_in("gp").get(
        "/people", params={"postcode": "N" * 17}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith("/people?postcode=NNN")


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"name": "x" * 200, "date_of_birth": "", "postcode": "", "nhs_number": ""}, {}),
        ({"name": "x" * 201}, {"name": "Name must be 200 characters or fewer"}),
        (
            {"date_of_birth": "1" * 41},
            {"date_of_birth": "Date of birth must be 40 characters or fewer"},
        ),
        ({"postcode": "N" * 17}, {"postcode": "Postcode must be 16 characters or fewer"}),
    ],
)
def test_search_length_errors(values: dict[str, str], expected: dict[str, str]) -> None:
    assert search_length_errors(values) == expected


def test_only_problems_naming_a_field_are_kept_when_a_field_was_left_out() -> None:
    too_broad = "Search by NHS number, by full name, or by two of: name, date of birth, postcode."
    assert field_errors_only(too_broad) == {}
    assert field_errors_only("postcode: Postcode has 2 characters; nhs_number: has 3 digits") == {
        "postcode": "Postcode has 2 characters",
        "nhs_number": "Has 3 digits",
    }


def _post_form(client: TestClient, path: str, data: dict[str, str]) -> str:
    token = csrf_from(client.get(path).text)
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 400, response.text[:500]
    return response.text


@pytest.fixture
def borough(engine: Engine) -> None:
    build_borough(engine)


@pytest.mark.usefixtures("borough")
def test_break_glass_shows_the_reason_and_the_hours_problems_together(
    signed_in: SignedIn,
) -> None:
    client = signed_in("gp", purpose="direct_care")
    page = _post_form(client, f"/people/{ANNE}/break-glass", {"reason": "short", "hours": ""})
    assert error_summary(page) == {
        "#reason": "Give a reason of at least 20 characters",
        "#hours": "Select how long you need access for",
    }
    assert value_of(page, "reason") == "short"
    assert checked(page, "hours") == []
    # Hours the form does not offer are refused by the page, not turned into a server error.
    for hours in ("²", "0", "5", "9" * 5000):
        page = _post_form(
            client, f"/people/{ANNE}/break-glass", {"reason": "x" * 30, "hours": hours}
        )
        assert list(error_summary(page)) == ["#hours"], hours[:10]


@pytest.mark.usefixtures("borough")
def test_a_relationship_shows_the_reason_and_the_days_problems_together(
    signed_in: SignedIn,
) -> None:
    client = signed_in("social_worker", purpose="direct_care")
    path = f"/people/{ANNE}/relationship"
    page = _post_form(client, path, {"reason": "short", "days": "²"})
    assert error_summary(page) == {
        "#reason": "Give a reason of at least 10 characters",
        "#days": "Enter how many days the relationship lasts, as a number",
    }
    assert value_of(page, "reason") == "short"
    # A number of days too large to be real is left to the service, which knows the limit.
    page = _post_form(client, path, {"reason": "Her named social worker", "days": "9" * 5000})
    assert list(error_summary(page)) == ["#days"]
    assert "at most" in error_summary(page)["#days"]


@pytest.mark.parametrize(
    ("days", "problem", "number"),
    [
        ("30", None, 30),
        ("007", None, 7),
        ("0", "A relationship lasts at least one day", None),
        ("000", "A relationship lasts at least one day", None),
        ("", "Enter how many days the relationship lasts, as a number", None),
        ("1.5", "Enter how many days the relationship lasts, as a number", None),
        ("²", "Enter how many days the relationship lasts, as a number", None),
        ("9" * 5000, None, DAYS_CAP),
    ],
)
def test_relationship_days(days: str, problem: str | None, number: int | None) -> None:
    assert relationship_problems("A long enough reason", days).get("days") == problem
    if number is not None:
        assert days_number(days) == number


@pytest.mark.parametrize(
    ("reason", "problem"),
    [
        ("", "Enter a reason"),
        ("\u200b" * 30, "Enter a reason"),
        ("  a   b  ", "Give a reason of at least 5 characters"),
        ("a b c", None),
        ("x" * 500 + "\u200b" * 5, None),
        ("x" * 501, "The reason must be 500 characters or fewer"),
    ],
)
def test_reasons_are_counted_as_the_services_count_them(reason: str, problem: str | None) -> None:
    assert reason_problem(reason, minimum=5, empty="Enter a reason") == problem
