"""Screenshots of the practitioner's and reviewer's pages for the docs.

``JOINEDUP_SCREENSHOTS=docs/screenshots`` (or ``=1`` for that folder) writes them; otherwise the
test is skipped. Each page is also checked, so a screenshot never shows a page that fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveServer
from tests.browser.practitioner_review_data import (
    ANNE,
    DORA,
    SCREENSHOT_PAIR,
    add_practitioner_and_review_data,
)

_SETTING = os.environ.get("JOINEDUP_SCREENSHOTS")
OUT = Path("docs/screenshots") if _SETTING == "1" else Path(_SETTING or ".")

pytestmark = pytest.mark.skipif(not _SETTING, reason="set JOINEDUP_SCREENSHOTS=DIR to take them")

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


@pytest.fixture(scope="module", autouse=True)
def borough(live_server: LiveServer) -> None:
    add_practitioner_and_review_data(live_server.engine)


def _shot(page: Page, name: str, width: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 800})
    suffix = "-320" if width == 320 else ""
    page.screenshot(path=OUT / f"{name}{suffix}.png", full_page=True)


@pytest.mark.parametrize("width", [1024, 320])
def test_practitioner_screenshots(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_as(page, "social_worker", purpose="safeguarding", case="SG-2024-0117")
    page.goto("/people")
    _shot(page, "practitioner-search", width)
    page.goto("/people?name=Walker&postcode=NB1+2AB")
    check_page(page)
    _shot(page, "practitioner-search-results", width)
    page.goto("/people?name=Anne&date_of_birth=31%2F2%2F1950&postcode=XX")
    _shot(page, "practitioner-search-errors", width)
    page.goto(f"/people/{ANNE}")
    check_page(page)
    _shot(page, "practitioner-person", width)

    page.context.clear_cookies()
    sign_in_as(page, "charity_caseworker", purpose="direct_care", case="BEF-0042")
    page.goto(f"/people/{DORA}")
    check_page(page)
    _shot(page, "practitioner-person-withheld", width)
    page.goto(f"/people/{DORA}/relationship")
    _shot(page, "practitioner-relationship", width)
    page.goto(f"/people/{DORA}/break-glass")
    _shot(page, "practitioner-break-glass", width)
    page.get_by_label("Why do you need emergency access?").fill(
        "Neighbour reports she has not been seen for three days; police attending now."
    )
    page.get_by_label("2 hours").check()
    page.get_by_role("button", name="Break glass and view the record").click()
    check_page(page)
    _shot(page, "practitioner-break-glass-started", width)


@pytest.mark.parametrize("width", [1024, 320])
def test_review_screenshots(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_as(page, "reviewer")
    page.goto("/review")
    check_page(page)
    _shot(page, "review-queue", width)
    row = page.locator("#queue > li").filter(has_text=" and ".join(SCREENSHOT_PAIR))
    row.get_by_role("link").click()
    check_page(page)
    _shot(page, "review-item", width)
