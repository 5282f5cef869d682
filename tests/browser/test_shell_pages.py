"""The shell's pages in Chromium: sign in, purpose, home per role, errors, all via check_page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from joinedup.policy.vocabulary import ROLES
from joinedup.services.accounts import ROLES_STATING_PURPOSE
from joinedup.web import NAVIGATION
from tests.browser.conftest import PASSWORD, LiveServer

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


def test_sign_in_page(page: Page, check_page: CheckPage) -> None:
    page.goto("/sign-in")
    expect(page).to_have_title("Sign in – joinedup")
    check_page(page)


def test_sign_in_with_nothing_entered_shows_the_errors(page: Page, check_page: CheckPage) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Error: Sign in – joinedup")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your username")
    expect(summary).to_contain_text("Enter your password")
    check_page(page)


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    page: Page, live_server: LiveServer, check_page: CheckPage
) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(live_server.username("reviewer"))
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct username and password"
    )
    check_page(page)


def test_keyboard_only_journey_sign_in_state_purpose_sign_out(
    page: Page, live_server: LiveServer, check_page: CheckPage
) -> None:
    """A practitioner does everything with the keyboard alone: no clicks anywhere."""
    page.goto("/sign-in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()

    _tab_to(page, "#username")
    page.keyboard.type(live_server.username("housing_officer"))
    _tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    _tab_to(page, "button.govuk-button:not(.govuk-password-input__toggle)")
    page.keyboard.press("Enter")

    expect(page).to_have_title("Why are you using joinedup today? – joinedup")
    check_page(page)
    _tab_to(page, "input[name=purpose]")
    # Arrow keys move through a radio group: from the first (direct care) to housing support.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Housing support")).to_be_checked()
    _tab_to(page, "#case_reference")
    page.keyboard.type("HOU/2024/77")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("What you can do")
    context = page.locator("#session-context")
    expect(context).to_contain_text("Housing support")
    expect(context).to_contain_text("HOU/2024/77")
    check_page(page)

    _tab_to(page, "button.joinedup-link-button")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    check_page(page)


def _tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has focus (fails after ``limit``)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never received focus by Tab")


def test_purpose_page_and_its_errors(
    page: Page, sign_in_as: SignIn, live_server: LiveServer, check_page: CheckPage
) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(live_server.username("gp"))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/purpose")
    check_page(page)

    page.get_by_label("Case reference").fill("<script>")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the purpose of your work")
    expect(summary).to_contain_text("Case reference must only include")
    check_page(page)


def test_pages_need_sign_in_and_come_back_afterwards(
    page: Page, live_server: LiveServer, check_page: CheckPage
) -> None:
    page.goto("/accessibility")
    check_page(page)
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/")
    page.goto("/purpose")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/purpose")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_a_home_page(
    page: Page, role: str, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, role, purpose="direct_care")
    expect(page.locator("h1")).to_be_visible()
    for item in NAVIGATION[role]:
        expect(page.locator("main").get_by_role("link", name=item.text)).to_have_attribute(
            "href", item.href
        )
    context = page.locator("#session-context")
    if role in ROLES_STATING_PURPOSE:
        expect(context).to_contain_text("Direct care")
    else:
        expect(context).to_have_count(0)
    check_page(page)


def test_the_purpose_can_be_changed_from_any_page(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker", purpose="safeguarding", case="SG-1")
    page.get_by_role("link", name="Change purpose or case reference").click()
    expect(page.get_by_label("Safeguarding")).to_be_checked()
    expect(page.get_by_label("Case reference")).to_have_value("SG-1")
    page.get_by_label("Debt support").check()
    page.get_by_label("Case reference").fill("DEBT-9")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#session-context")).to_contain_text("Debt support")
    expect(page.locator("#session-context")).to_contain_text("DEBT-9")
    check_page(page)


def test_a_missing_page_is_a_page_too(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "reviewer")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    check_page(page)


def test_a_form_without_its_csrf_token_is_refused(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker")
    page.goto("/purpose")
    page.locator("form[action='/purpose'] input[name=csrf_token]").evaluate("el => el.remove()")
    page.get_by_label("Planning").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("You cannot do this")
    expect(page.locator("main")).to_contain_text("This form has expired")
    check_page(page)
