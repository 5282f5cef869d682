"""Forms in Chromium show every problem at once, and filters say which values they take.

The rules themselves are tested over HTTP in ``tests/integration/web``; here each error page
is shown in the browser and goes through ``check_page`` (valid HTML, one h1, the ``Error:``
title, no sideways scroll at 320 px, no axe-core violation), and the GOV.UK error summary
links each problem to its field.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from joinedup.services import accounts
from tests.browser.conftest import LiveServer
from tests.browser.practitioner_review_data import DORA, add_practitioner_and_review_data

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


@pytest.fixture(scope="module", autouse=True)
def borough(live_server: LiveServer) -> None:
    add_practitioner_and_review_data(live_server.engine)


def _summary_links(page: Page) -> dict[str, str]:
    """``{"#field": "message"}`` for each link of the error summary."""
    links = page.locator(".govuk-error-summary a")
    return {
        links.nth(i).get_attribute("href") or "": " ".join(links.nth(i).inner_text().split())
        for i in range(links.count())
    }


def test_create_account_and_add_organisation_show_every_problem(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "admin")
    page.goto("/admin/users/new")
    page.get_by_label("Username").fill("A B")
    page.get_by_label("Name", exact=True).fill("Sam Patel")
    page.get_by_label("Housing officer").check()
    page.get_by_label("Password (optional)").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_title("Error: Create an account – joinedup")
    assert list(_summary_links(page)) == ["#username", "#organisation_id", "#password"]
    expect(page.locator("#password-error")).to_contain_text(
        f"at least {accounts.MIN_PASSWORD_LENGTH} characters"
    )
    expect(page.get_by_label("Username")).to_have_value("A B")
    expect(page.get_by_label("Housing officer")).to_be_checked()
    check_page(page)

    page.goto("/admin/organisations/new")
    page.get_by_label("Id", exact=True).fill("../x")
    page.get_by_role("button", name="Add organisation").click()
    expect(page).to_have_title("Error: Add an organisation – joinedup")
    assert list(_summary_links(page)) == ["#name", "#id"]
    expect(page.get_by_label("Id", exact=True)).to_have_value("../x")
    check_page(page)


def test_break_glass_shows_the_reason_and_the_hours_problems(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    # A social worker: break-glass would open Dora's record to one (not to the council's GP).
    sign_in_as(page, "social_worker", purpose="direct_care", case="ASC-FORM-ERRORS")
    page.goto(f"/people/{DORA}/break-glass")
    page.get_by_label("Why do you need emergency access?").fill("short")
    # The form starts with the longest time chosen; a browser can still send none.
    page.evaluate("document.querySelectorAll('input[name=hours]').forEach(r => r.checked = false)")
    page.get_by_role("button", name="Break glass and view the record").click()
    expect(page).to_have_title("Error: Break glass for emergency access – joinedup")
    assert _summary_links(page) == {
        "#reason": "Give a reason of at least 20 characters",
        "#hours": "Select how long you need access for",
    }
    expect(page.get_by_label("Why do you need emergency access?")).to_have_value("short")
    check_page(page)


def test_a_search_value_too_long_is_a_message_by_its_field(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "gp", purpose="safeguarding")
    response = page.goto("/people?name=" + "x" * 5000)
    assert response is not None and response.status == 400
    expect(page).to_have_title("Error: Find a person – joinedup")
    assert _summary_links(page) == {"#name": "Name must be 200 characters or fewer"}
    expect(page.locator("main")).not_to_contain_text("query.name")
    check_page(page)

    # Through the form, with htmx: the whole page is loaded with the message in place.
    page.goto("/people")
    page.get_by_label("NHS number").fill("9" * 21)
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title("Error: Find a person – joinedup")
    expect(page.locator("#nhs_number-error")).to_contain_text(
        "NHS number must be 20 characters or fewer"
    )
    expect(page.get_by_label("NHS number")).to_have_value("9" * 21)
    check_page(page)


def test_unknown_filter_values_are_errors_naming_the_values_allowed(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "ig_officer")
    response = page.goto("/governance/alerts?status=bogus")
    assert response is not None and response.status == 400
    expect(page).to_have_title("Error: Alerts – joinedup")
    assert _summary_links(page) == {"#status": "Select Open, Acknowledged, Closed or All"}
    page.locator(".govuk-error-summary").get_by_role("link").click()
    check_page(page)
    page.get_by_role("link", name="Closed", exact=True).click()
    expect(page).to_have_title("Alerts – joinedup")

    response = page.goto("/governance/audit?search=1&actor=gp%40example.org&break_glass=perhaps")
    assert response is not None and response.status == 400
    expect(page).to_have_title("Error: Audit search – joinedup")
    assert _summary_links(page) == {
        "#break_glass": "Select Either, Only break-glass or No break-glass"
    }
    expect(page.locator("#break_glass-error")).to_be_visible()
    expect(page.get_by_label("Member of staff (username)")).to_have_value("gp@example.org")
    check_page(page)
