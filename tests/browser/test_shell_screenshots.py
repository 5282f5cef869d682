"""Screenshots of the shell's pages for the docs: JOINEDUP_SCREENSHOTS=DIR writes them there."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

OUT = os.environ.get("JOINEDUP_SCREENSHOTS")

pytestmark = pytest.mark.skipif(not OUT, reason="set JOINEDUP_SCREENSHOTS=DIR to take them")


@pytest.mark.parametrize("width", [1024, 320])
def test_screenshots(page: Page, sign_in_as: Callable[..., Page], width: int) -> None:
    assert OUT
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": width, "height": 800})
    suffix = "" if width > 320 else "-320"
    page.goto("/sign-in")
    page.screenshot(path=out / f"shell-sign-in{suffix}.png", full_page=True)
    page.get_by_role("button", name="Sign in").click()
    page.screenshot(path=out / f"shell-sign-in-errors{suffix}.png", full_page=True)
    sign_in_as(page, "ig_officer")
    page.screenshot(path=out / f"shell-home-ig-officer{suffix}.png", full_page=True)
    page.context.clear_cookies()
    sign_in_as(page, "social_worker", purpose="safeguarding", case="SG-2024-0117")
    page.screenshot(path=out / f"shell-home-social-worker{suffix}.png", full_page=True)
    page.goto("/purpose")
    page.screenshot(path=out / f"shell-purpose{suffix}.png", full_page=True)
