"""Long, realistic values never make a page scroll sideways at 320 px (WCAG 1.4.10 Reflow).

``check_page`` already fails a page that scrolls sideways, but the other modules' data has short
values, and a table cell or a flex item only wraps a long word when told it may. The data here
(``long_values_data``) has long phone numbers and email addresses, double-barrelled names, long
record ids, a 190-letter display name and a 100-letter username. Each test opens the pages that
show them and asserts, at 320 px, that the page is no wider than the window and that no table
cell, heading or paragraph is wider than its box (a value cut off at the edge).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, LiveServer
from tests.browser.long_values_data import (
    GP_RECORD,
    ICB_GP_USERNAME,
    LONG,
    LONG_EMAILS,
    LONG_NAME,
    LONG_NAME_USERNAME,
    LONG_PHONES,
    TAX_RECORD,
    add_long_values,
    long_name_user,
    long_review_item,
)
from tests.browser.page_checks import NARROWEST

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


@pytest.fixture(scope="module", autouse=True)
def long_values(live_server: LiveServer) -> None:
    add_long_values(live_server.engine)


def _sign_in(page: Page, username: str, case: str | None = None) -> None:
    """Sign in through the form as an account made here (stating safeguarding, given a case)."""
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if case is not None:
        page.get_by_label("Safeguarding").check()
        page.get_by_label("Case reference").fill(case)
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()


def assert_fits_at_320(page: Page) -> None:
    """At 320 px: the page does not scroll sideways, and no cell, heading or text overflows."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": NARROWEST, "height": 800})
    try:
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        overflowing = page.evaluate(
            """() => [...document.querySelectorAll('td, th, h1, p, dd')]
                .filter(el => !el.closest('.govuk-visually-hidden'))
                .filter(el => el.scrollWidth > el.clientWidth + 1)
                .map(el => el.tagName + ': ' + el.textContent.trim().slice(0, 60))"""
        )
    finally:
        if viewport:
            page.set_viewport_size(viewport)
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide at {NARROWEST}px"
    assert overflowing == [], f"{page.url}: content wider than its box: {overflowing}"


def test_the_reviewers_field_by_field_table_fits_at_320(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    sign_in_as(page, "reviewer")
    page.goto("/review")
    expect(page.locator("#queue")).to_contain_text(TAX_RECORD)
    assert_fits_at_320(page)
    check_page(page)

    page.goto(f"/review/{long_review_item(live_server.engine)}")
    comparison = page.locator("#comparison")
    for value in (LONG_PHONES[0], LONG_EMAILS[0], LONG_EMAILS[1], "Fotheringham-Montgomery"):
        expect(comparison).to_contain_text(value)
    assert_fits_at_320(page)
    check_page(page)


@pytest.mark.parametrize("who", ["a GP at the ICB", "a social worker at the council"])
def test_the_person_page_and_its_best_match_table_fit_at_320(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, who: str
) -> None:
    case = "SG-2026-LONG-VALUES"
    if who.startswith("a GP"):
        _sign_in(page, ICB_GP_USERNAME, case=case)
    else:
        sign_in_as(page, "social_worker", purpose="safeguarding", case=case)
    page.goto("/people?name=Alexandra-Louise+Fotheringham-Montgomery&date_of_birth=29%2F12%2F1983")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Fotheringham-Montgomery")
    assert_fits_at_320(page)
    check_page(page)

    page.goto(f"/people/{LONG}")
    best_match = page.locator("#why-one-person ~ table").first
    expect(best_match).to_contain_text(GP_RECORD)
    expect(page.locator("main")).to_contain_text(LONG_PHONES[0])
    assert_fits_at_320(page)
    check_page(page)


def test_a_190_letter_name_and_a_100_letter_username_wrap_wherever_they_are_shown(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    _sign_in(page, LONG_NAME_USERNAME)
    expect(page.locator("h1")).to_have_text("What you can do")
    expect(page.locator(".joinedup-account")).to_contain_text(LONG_NAME)
    assert_fits_at_320(page)
    check_page(page)
    page.goto("/review")
    assert_fits_at_320(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("Sign in")

    sign_in_as(page, "admin")
    page.goto("/admin/users")
    expect(page.locator("main")).to_contain_text(LONG_NAME)
    assert_fits_at_320(page)
    check_page(page)
    user_id = long_name_user(live_server.engine)
    page.goto(f"/admin/users/{user_id}/disable")
    expect(page.locator("h1")).to_have_text(f"Switch off {LONG_NAME_USERNAME}")
    expect(page.locator("main")).to_contain_text(LONG_NAME)
    assert_fits_at_320(page)
    check_page(page)
    page.goto(f"/admin/tokens/new?user_id={user_id}")
    expect(page.get_by_label("Account")).to_have_value(str(user_id))
    assert_fits_at_320(page)
    check_page(page)
