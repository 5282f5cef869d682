"""The administrator's forms show every problem at once, and agree with ``services.accounts``.

GOV.UK: check every field the page can, show all the problems in one error summary with a
message by each field, and keep the answers (never the password). ``services.accounts`` stops at
its first problem, so before this a form with three mistakes showed one of them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from joinedup.services import accounts
from joinedup.store.db import session_scope
from joinedup.web.admin_forms import (
    ORGANISATION_ID_RULE,
    USERNAME_RULE,
    organisation_problems,
    user_problems,
)
from tests.integration.api.auth_hub import ORGANISATION, Hub, csrf_from
from tests.integration.web.pages import error_summary, field_error, value_of

SignedIn = Callable[..., TestClient]
SHORT = f"A password must be at least {accounts.MIN_PASSWORD_LENGTH} characters long"


def _post(client: TestClient, path: str, form: str, data: dict[str, str]) -> str:
    token = csrf_from(client.get(form).text)
    response = client.post(path, data={**data, "csrf_token": token})
    assert response.status_code == 400, response.text[:500]
    return response.text


def test_create_account_shows_the_username_organisation_and_password_problems_together(
    signed_in: SignedIn,
) -> None:
    page = _post(
        signed_in("admin"),
        "/admin/users",
        "/admin/users/new",
        {
            "username": "A B",
            "display_name": "Sam Patel",
            "role": "social_worker",
            "organisation_id": "nope",
            "password": "short",
        },
    )
    assert error_summary(page) == {
        "#username": USERNAME_RULE,
        "#organisation_id": "Select an organisation from the list",
        "#password": SHORT,
    }
    assert field_error(page, "username") == USERNAME_RULE
    assert field_error(page, "organisation_id") == "Select an organisation from the list"
    assert field_error(page, "password") == SHORT
    assert value_of(page, "username") == "A B"
    assert value_of(page, "display_name") == "Sam Patel"
    assert value_of(page, "password") is None
    assert "short" not in page


def test_add_organisation_shows_the_name_and_the_id_problems_together(
    signed_in: SignedIn,
) -> None:
    page = _post(
        signed_in("admin"),
        "/admin/organisations",
        "/admin/organisations/new",
        {"id": "../x", "name": "", "kind": "charity"},
    )
    assert error_summary(page) == {
        "#name": "Enter the organisation's name",
        "#id": ORGANISATION_ID_RULE,
    }
    assert field_error(page, "id") == ORGANISATION_ID_RULE
    assert value_of(page, "id") == "../x"
    assert value_of(page, "kind") == "charity"


def test_issue_token_shows_the_account_and_the_name_problems_together(
    signed_in: SignedIn,
) -> None:
    # A name over the service's limit, or holding a control character, was left to the
    # service, which stops at its first problem: the account's, here.
    for name, message in [
        ("N" * 201, f"A token's name must be {accounts.NAME_MAX} characters or fewer"),
        ("sync\x00", "Use only letters, numbers, spaces and punctuation"),
    ]:
        page = _post(
            signed_in("admin"),
            "/admin/tokens",
            "/admin/tokens/new",
            {"user_id": "", "name": name, "scopes": "read", "expiry": "30"},
        )
        assert error_summary(page) == {
            "#user_id": "Select the account the token acts as",
            "#name": message,
        }


def test_a_problem_only_the_service_can_see_is_still_shown_by_its_field(
    signed_in: SignedIn,
) -> None:
    page = _post(
        signed_in("admin"),
        "/admin/organisations",
        "/admin/organisations/new",
        {"id": ORGANISATION, "name": "Northbridge again"},
    )
    assert error_summary(page) == {"#id": f"There is already an organisation '{ORGANISATION}'"}


# (values, password, what the page says) — the organisations offered are ORGANISATION only.
USER_CASES = [
    pytest.param(
        {"username": "", "display_name": "", "role": ""},
        "",
        {
            "username": "Enter a username",
            "display_name": "Enter the person's name, or what the account is for",
            "role": "Select a role",
        },
        id="nothing-typed",
    ),
    pytest.param(
        {"username": "Sam.Patel", "display_name": "Sam", "role": "gp"},
        "",
        {"organisation_id": "Select the organisation the account belongs to"},
        id="staff-need-an-organisation",
    ),
    pytest.param(
        {"username": "sam", "display_name": "Sam", "role": "resident", "organisation_id": "x"},
        "long enough password",
        {"person_id": "Enter the person id the resident's account is for"},
        id="a-resident-needs-a-person-and-no-organisation",
    ),
    pytest.param(
        {"username": "sam", "display_name": "Sam", "role": "resident", "person_id": "P" * 65},
        "",
        {"person_id": "Enter a person id as the master person index shows it"},
        id="person-id-too-long",
    ),
    pytest.param(
        {"username": "sam", "display_name": "N" * 201, "role": "gp", "organisation_id": "x"},
        "x" * 1001,
        {
            "display_name": f"A display name must be {accounts.NAME_MAX} characters or fewer",
            "organisation_id": "Select an organisation from the list",
            "password": "Enter at most 1000 characters",
        },
        id="too-long",
    ),
    pytest.param(
        {"username": "sam", "display_name": "Sam\x00", "role": "admin"},
        "",
        {
            "display_name": "Use only letters, numbers, spaces and punctuation",
            "organisation_id": "Select the organisation the account belongs to",
        },
        id="control-character",
    ),
    pytest.param(
        {"username": "sam", "display_name": "Sam", "role": "gp", "organisation_id": ORGANISATION},
        " " * 12,
        {"password": "A password cannot be one character repeated"},
        id="password-of-spaces",
    ),
    pytest.param(
        {
            "username": "Sam.Patel",
            "display_name": "Sam",
            "role": "gp",
            "organisation_id": ORGANISATION,
        },
        "sam.patel2026!",
        {"password": "A password must not contain the username"},
        id="password-holding-the-username",
    ),
    pytest.param(
        {
            "username": "sam.patel",
            "display_name": "Sam Patel",
            "role": "gp",
            "organisation_id": ORGANISATION,
            "person_id": "ignored for staff",
        },
        "",
        {},
        id="all-good-no-password",
    ),
]


@pytest.mark.parametrize(("values", "password", "expected"), USER_CASES)
def test_user_problems(values: dict[str, str], password: str, expected: dict[str, str]) -> None:
    assert user_problems(values, password, {ORGANISATION}) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"id": "", "name": "", "kind": ""}, ["name", "id"]),
        ({"id": "ok-id", "name": "X" * 201, "kind": "K" * 41}, ["name", "kind"]),
        ({"id": "a", "name": "A", "kind": ""}, ["id"]),
        ({"id": "riverside-food-bank", "name": "Riverside Food Bank", "kind": ""}, []),
    ],
)
def test_organisation_problems_name_each_field_in_form_order(
    values: dict[str, str], expected: list[str]
) -> None:
    assert list(organisation_problems(values)) == expected


USERNAMES = [
    "sam.patel",
    "Jo.Bloggs",
    " sam ",
    "a@b.c",
    "abc",
    "ab",
    "x" * 100,
    "x" * 101,
    "A B",
    "-abc",
    ".abc",
    "ab_c",
    "abc!",
    "äbc",
    "9lives",
]
ORGANISATION_IDS = [
    *("ab", "a", "-ab", "a-", "a" * 63, "a" * 64, "../x", "ab_c", "x1-y2", "ab cd"),
    *("hub", "resident", "residents"),
]


def test_the_page_and_the_service_agree_on_usernames_and_organisation_ids(
    hub: Hub, engine: Engine
) -> None:
    """The page's patterns copy the service's (which are private): this fails if they drift."""
    disagree = []
    for username in USERNAMES:
        page_refuses = "username" in user_problems(
            {"username": username.strip(), "display_name": "X", "role": "reviewer"},
            "",
            {ORGANISATION},
        )
        with session_scope(engine) as session:
            try:
                accounts.create_user(
                    session,
                    username=username,
                    display_name="X",
                    role="reviewer",
                    organisation_id=ORGANISATION,
                )
                service_refuses = False
            except accounts.Invalid as exc:
                service_refuses = exc.field == "username"
        if page_refuses != service_refuses:
            disagree.append(("username", username, page_refuses, service_refuses))
    for identifier in ORGANISATION_IDS:
        page_refuses = "id" in organisation_problems({"id": identifier, "name": "X", "kind": ""})
        with session_scope(engine) as session:
            try:
                accounts.create_organisation(session, identifier, name="X")
                service_refuses = False
            except accounts.Invalid as exc:
                service_refuses = exc.field == "id"
        if page_refuses != service_refuses:
            disagree.append(("id", identifier, page_refuses, service_refuses))
    assert disagree == []
