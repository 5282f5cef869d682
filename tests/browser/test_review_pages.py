"""The reviewer's pages in Chromium: the queue, a pair side by side with the evidence, deciding.

Every page shown goes through ``check_page``; one journey is done with the keyboard alone. Each
test that decides uses its own review item (``practitioner_review_data.REVIEW_ITEMS``), since
the live server and its database last the whole session.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PASSWORD, LiveServer
from tests.browser.practitioner_review_data import (
    KEYBOARD_PAIR,
    MOUSE_PAIR,
    add_practitioner_and_review_data,
)

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


@pytest.fixture(scope="module", autouse=True)
def borough(live_server: LiveServer) -> None:
    add_practitioner_and_review_data(live_server.engine)


def _row_of(page: Page, pair: tuple[str, str]) -> Locator:
    return page.locator("#queue > li").filter(has_text=f"{pair[0]} and {pair[1]}")


def test_the_queue_puts_possible_wrong_merges_first(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "reviewer")
    page.get_by_role("link", name="Review queue").first.click()
    expect(page).to_have_title("Review queue – joinedup")
    reasons = page.locator("#queue > li .govuk-tag").all_inner_texts()
    assert reasons, "the queue is empty"
    wrong_merges = [i for i, text in enumerate(reasons) if "wrong merge" in text.lower()]
    missed = [i for i, text in enumerate(reasons) if "missed link" in text.lower()]
    assert wrong_merges and missed
    assert max(wrong_merges) < min(missed), reasons
    check_page(page)


def test_review_a_pair_and_keep_the_records_apart(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "reviewer")
    page.goto("/review")
    _row_of(page, MOUSE_PAIR).get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Review item \d+$"))
    expect(page.locator(".govuk-caption-l")).to_have_text("Possible wrong merge")
    comparison = page.locator("#comparison")
    given = comparison.locator("tr").filter(has_text="Given name")
    expect(given).to_contain_text("Robert")
    expect(given).to_contain_text("Same")
    expect(comparison.locator("tr").filter(has_text="NHS number")).to_contain_text("One missing")
    chart = page.locator("figure#evidence-pair")
    expect(chart).to_contain_text("Record A and record B: the evidence between them")
    expect(chart).to_contain_text("-3.2, evidence against")
    check_page(page)

    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_title(re.compile(r"^Error: Review item \d+"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Select whether these records are the same person"
    )
    check_page(page)

    page.get_by_label("No, keep them apart").check()
    page.get_by_label("Note (optional)").fill("Father and son at one address: dates differ.")
    page.get_by_role("button", name="Save decision").click()
    expect(page).to_have_title("Review queue – joinedup")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("different people")
    expect(_row_of(page, MOUSE_PAIR)).to_have_count(0)
    check_page(page)


def test_keyboard_only_review_from_sign_in_to_decision(
    page: Page, live_server: LiveServer, check_page: CheckPage
) -> None:
    """A reviewer signs in, opens a pair, links it and is back at the queue: no mouse at all."""
    page.goto("/sign-in")
    _tab_to(page, "#username")
    page.keyboard.type(live_server.username("reviewer"))
    _tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("What you can do")

    _tab_to(page, "a[href='/review']")
    page.keyboard.press("Enter")
    expect(page).to_have_title("Review queue – joinedup")
    check_page(page)

    link = _row_of(page, KEYBOARD_PAIR).get_by_role("link")
    href = link.get_attribute("href")
    _tab_to(page, f"a[href='{href}']")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-caption-l")).to_have_text("Possible missed link")
    check_page(page)

    _tab_to(page, "input[name=decision]")
    page.keyboard.press("Space")
    expect(page.get_by_label("Yes, link them")).to_be_checked()
    _tab_to(page, "#note")
    page.keyboard.type("Same NHS number history; the befriending record has an old address.")
    _tab_to(page, "form button.govuk-button")
    page.keyboard.press("Enter")

    expect(page).to_have_title("Review queue – joinedup")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("the same person")
    check_page(page)


def _tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus (fail after ``limit``)."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"could not reach {selector} with the Tab key")


def test_an_unknown_item_is_a_404_page(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "reviewer")
    response = page.goto("/review/999999")
    assert response is not None and response.status == 404
    check_page(page)


@pytest.mark.parametrize("role", ["social_worker", "ig_officer"])
def test_only_reviewers_see_the_queue(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, role: str
) -> None:
    sign_in_as(page, role)
    response = page.goto("/review")
    assert response is not None and response.status == 403
    check_page(page)


def test_filter_the_queue_with_the_keyboard_and_see_a_bad_filter_by_its_field(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    """A reviewer narrows the queue to one kind above a risk, keyboard only; the form keeps
    its values; a risk that is not a number comes back by its field. Each page is checked
    (axe, 320 px, one h1)."""
    sign_in_as(page, "reviewer")
    page.goto("/review")
    _tab_to(page, "#kind")
    page.keyboard.press("ArrowDown")  # the first kind: possible wrong merges
    _tab_to(page, "#min_risk")
    page.keyboard.type("1")
    _tab_to(page, "form[action='/review'] button.govuk-button")
    page.keyboard.press("Enter")
    matching = re.compile(r"open pairs? match(es)? these filters")
    expect(page.locator("h2").filter(has_text=matching)).to_be_visible()
    reasons = page.locator("#queue > li .govuk-tag").all_inner_texts()
    assert reasons and all("wrong merge" in r.lower() for r in reasons), reasons
    expect(page.locator("#min_risk")).to_have_value("1")
    expect(page.locator("#kind")).to_have_value("person")
    check_page(page)

    page.locator("#min_risk").fill("lots")
    page.locator("form[action='/review'] button.govuk-button").press("Enter")
    expect(page).to_have_title("Error: Review queue – joinedup")
    expect(page.locator("#min_risk-error")).to_contain_text("as a number from 0 to 2")
    check_page(page)

    page.get_by_role("link", name="Clear filters").first.click()
    expect(page).to_have_url(re.compile(r"/review$"))
    check_page(page)


@pytest.mark.parametrize(
    ("width", "query", "form_open"),
    [
        (320, "", False),  # a phone: the queue comes first, the form behind "Filter the queue"
        (320, "?kind=person", True),  # a filter is on: the reviewer sees what is filtering
        (1280, "", True),  # a desktop: the form open, as it always was
        (1280, "?kind=person", True),
    ],
    ids=["phone", "phone-filtered", "desktop", "desktop-filtered"],
)
def test_the_queue_filters_give_way_to_the_queue_on_a_phone(
    page: Page,
    sign_in_as: SignIn,
    check_page: CheckPage,
    width: int,
    query: str,
    form_open: bool,
) -> None:
    sign_in_as(page, "reviewer")
    page.set_viewport_size({"width": width, "height": 640})
    page.goto("/review" + query)
    filters = page.locator("details#queue-filters")
    summary = filters.locator("summary")
    expect(summary).to_have_text("Filter the queue")
    kind = page.get_by_label("Kind", exact=True)
    if form_open:
        expect(filters).to_have_attribute("open", "")
        expect(kind).to_be_visible()
    else:
        expect(filters).not_to_have_attribute("open", re.compile(".*"))
        expect(kind).to_be_hidden()
        first = page.locator("#queue > li a").first
        box = first.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 640, (
            f"the first review item is below the first screen at {width} px: {box}"
        )
        summary.focus()
        page.keyboard.press("Enter")  # the control opens it by keyboard
        expect(kind).to_be_visible()
    check_page(page)
