"""The IG officer's pages in Chromium: audit search, alerts, agreements, chain status.

Every page shown goes through ``check_page``. The trail holds what ``resident_governance_data``
did to Rosa Quinn's record through the real services: views, a break-glass session and a
declared relationship, the last two each raising an alert.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from joinedup.store.db import session_scope
from joinedup.store.disclosure_tables import BreakGlassReasonReview
from joinedup.store.governance_tables import Alert, AuditEvent
from tests.browser.conftest import LiveServer
from tests.browser.resident_governance_data import (
    BREAK_GLASS_REASON,
    ROSA,
    add_resident_and_governance_data,
)

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


@pytest.fixture(scope="module", autouse=True)
def rosa(live_server: LiveServer) -> None:
    add_resident_and_governance_data(live_server)


def test_audit_search_with_filters_paging_and_errors(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    sign_in_as(page, "ig_officer")
    page.get_by_role("link", name="Audit search").first.click()
    expect(page).to_have_title("Audit search – joinedup")
    expect(page.locator("#results")).to_have_count(0)
    check_page(page)

    page.get_by_label("Person id").fill(ROSA)
    page.get_by_label("Only break-glass").check()
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_have_text("1 event matches")
    row = page.locator("main ol > li")
    expect(row).to_contain_text("break_glass.start")
    expect(row).to_contain_text("Break-glass")
    expect(row).to_contain_text("Housing support, case HO-7731")
    check_page(page)

    # Every view of Rosa's record, 25 to a page: older, then back to the newest.
    page.get_by_label("Either").check()
    page.get_by_label("Action").fill("person.view")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_have_text(re.compile(r"^\d+ events match$"))
    expect(page.get_by_text("25 on this page, newest first.")).to_be_visible()
    page.get_by_role("link", name="Older events").click()
    expect(page).to_have_url(re.compile(r"before_seq=\d+"))
    expect(page.locator("main ol > li")).not_to_have_count(0)
    expect(page.get_by_label("Action")).to_have_value("person.view")
    check_page(page)
    page.get_by_role("link", name="Newer events").click()
    expect(page.get_by_text("25 on this page, newest first.")).to_be_visible()

    # The searches themselves are on the trail, naming the filters (not their values).
    with session_scope(live_server.engine) as session:
        reasons = list(
            session.scalars(select(AuditEvent.reason).where(AuditEvent.action == "audit.search"))
        )
    assert "audit search on person_id, action" in reasons

    page.get_by_label("Day").first.fill("31")
    page.get_by_label("Month").first.fill("2")
    page.get_by_label("Year").first.fill("2026")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_title("Error: Audit search – joinedup")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The from date must be a real date"
    )
    check_page(page)


@pytest.mark.parametrize(("width", "form_open"), [(320, False), (1280, True)])
def test_audit_results_come_first_on_a_phone_and_name_their_filters(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, width: int, form_open: bool
) -> None:
    """The search form is 2,000 px tall at 320 px: once there are results, a phone shows them
    first, with the filters named above them, and the form behind "Change the search"."""
    sign_in_as(page, "ig_officer")
    page.set_viewport_size({"width": width, "height": 640})
    page.goto("/governance/audit")
    expect(page.get_by_label("Person id")).to_be_visible()  # no search yet: the form itself
    page.get_by_label("Person id").fill(ROSA)
    page.get_by_label("Action").fill("person.view")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#filters-shown")).to_have_text(
        f"Filtered by Person id {ROSA}; Action person.view."
    )
    form = page.locator("details#audit-filters")
    person = page.get_by_label("Person id")
    if form_open:
        expect(form).to_have_attribute("open", "")
        expect(person).to_have_value(ROSA)
    else:
        expect(person).to_be_hidden()
        box = page.locator("#results").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 640, box
        form.locator("summary").focus()
        page.keyboard.press("Enter")
        expect(person).to_have_value(ROSA)
    check_page(page)


def test_alert_queue_acknowledge_and_close_with_a_note(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    sign_in_as(page, "ig_officer")
    page.get_by_role("link", name="Alerts").first.click()
    expect(page.locator("h1")).to_have_text("Alerts")
    glass = page.locator(".govuk-summary-card", has_text=ROSA).filter(has_text="Break-glass access")
    expect(glass).to_have_count(1)
    expect(glass).to_contain_text("Open")
    check_page(page)

    # No note: the card says what to do (htmx swaps the card, not the page).
    glass.get_by_role("button", name="Acknowledge").click()
    expect(glass.locator(".govuk-error-message")).to_contain_text("Write a note")
    glass.get_by_role("textbox").fill("Spoke to the officer: the fall was real, access justified.")
    glass.get_by_role("button", name="Acknowledge").click()
    expect(glass).to_contain_text("is now acknowledged")
    expect(glass).to_contain_text("Spoke to the officer")
    check_page(page)

    relationship = page.locator(".govuk-summary-card", has_text=ROSA).filter(
        has_text="Declared relationship"
    )
    relationship.get_by_role("textbox").fill("Checked the GP list: Rosa is their patient.")
    relationship.get_by_role("button", name="Close alert").click()
    expect(relationship).to_contain_text("is now closed")
    expect(relationship.get_by_role("button")).to_have_count(0)

    with session_scope(live_server.engine) as session:
        rows = session.scalars(select(Alert).where(Alert.person_id == ROSA)).all()
        assert {(a.kind, a.status) for a in rows} == {
            ("break_glass", "acknowledged"),
            ("relationship_declared", "closed"),
        }
        actions = set(
            session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == ROSA))
        )
    assert {"alert.acknowledge", "alert.close"} <= actions

    page.get_by_role("link", name="Closed").click()
    expect(page.locator(".govuk-summary-card", has_text=ROSA)).to_contain_text(
        "Checked the GP list"
    )
    check_page(page)


def test_alert_handled_without_javascript(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    """The forms work as plain posts too: the queue comes back with a banner or the error."""
    sign_in_as(page, "ig_officer")
    page.goto("/governance/alerts?status=all")
    glass = page.locator(".govuk-summary-card", has_text=ROSA).filter(has_text="Break-glass access")
    # HTMLFormElement.submit() skips the submit event htmx listens for: a plain form post,
    # as a browser without JavaScript would send it.
    glass.locator("form").evaluate("form => form.submit()")
    expect(page).to_have_title("Error: Alerts – joinedup")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write a note")
    check_page(page)


SUMMARY = "A neighbour was worried about you after a fall and could not reach you."


def test_break_glass_reason_reviewed_then_seen_by_the_resident_as_redacted(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    """The IG officer reads the reason, redacts it with a summary (a GOV.UK form with CSRF),
    and the resident sees the summary — never the reason as typed."""
    sign_in_as(page, "ig_officer")
    page.goto("/governance/alerts?status=all")
    glass = page.locator(".govuk-summary-card", has_text=ROSA).filter(has_text="Break-glass access")
    expect(glass).to_contain_text("The resident sees")
    glass.get_by_role("link", name=re.compile("Review the reason")).click()
    expect(page.locator("h1")).to_have_text("Review the reason for emergency access")
    expect(page.locator("#reason-as-written")).to_contain_text(BREAK_GLASS_REASON)
    expect(page.locator("#resident-sees")).to_contain_text("Nothing yet")
    expect(page.locator("main form input[name=csrf_token]")).to_have_count(1)
    check_page(page)

    page.get_by_role("button", name="Save what the resident sees").click()
    expect(page).to_have_title("Error: Review the reason for emergency access – joinedup")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select whether the resident")
    check_page(page)

    page.get_by_label("A summary instead").check()
    page.get_by_role("button", name="Save what the resident sees").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write a summary")
    check_page(page)
    page.get_by_label("Summary for the resident").fill(SUMMARY)
    page.get_by_role("button", name="Save what the resident sees").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("your summary")
    expect(page.locator("#resident-sees")).to_contain_text(SUMMARY)
    check_page(page)

    with session_scope(live_server.engine) as session:
        [row] = session.scalars(
            select(BreakGlassReasonReview).where(BreakGlassReasonReview.person_id == ROSA)
        )
        assert (row.outcome, row.shown_text) == ("redacted", SUMMARY)
        actions = set(
            session.scalars(select(AuditEvent.action).where(AuditEvent.person_id == ROSA))
        )
    assert {"break_glass.reason_read", "break_glass.reason_redact"} <= actions

    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, "resident")
    page.goto("/my/access")
    entry = page.locator("#access-log > li").filter(
        has=page.locator(".govuk-tag", has_text="Emergency access")
    )
    expect(entry).to_contain_text(SUMMARY)
    expect(entry).to_contain_text("This is a summary by Northbridge Borough Council")
    expect(page.locator("main")).not_to_contain_text(BREAK_GLASS_REASON)
    check_page(page)


def test_agreements_in_plain_english(page: Page, sign_in_as: SignIn, check_page: CheckPage) -> None:
    sign_in_as(page, "ig_officer")
    page.get_by_role("link", name="Agreements").first.click()
    expect(page.locator("h1")).to_have_text("Data sharing agreements")
    health = page.locator(".govuk-summary-card", has_text="health and adult social care")
    expect(health).to_contain_text("In force")
    check_page(page)

    health.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text(
        "Northbridge health and adult social care information sharing agreement"
    )
    clause = page.locator("#clause-4-1")
    expect(clause).to_contain_text("Clause 4.1")
    expect(clause).to_contain_text("Adult social care you receive")
    expect(clause).to_contain_text("GPs and social workers at")
    expect(clause).to_contain_text("Safeguarding: protecting a child or an adult at risk of harm")
    expect(clause).to_contain_text("No. Sharing can go on even if the person objects")
    expect(clause).to_contain_text("It is part of a public task or official duty set in law")
    expect(clause).to_contain_text("A substantial public interest set in law")
    expect(clause).to_contain_text("31 March 2028")
    expect(page.locator("#clause-2-1")).to_contain_text("Yes. If the person objects")
    page.get_by_text("The agreement as written").click()
    expect(page.locator("details")).to_contain_text("override_grounds:")
    check_page(page)

    response = page.goto("/governance/agreements/no-such-agreement")
    assert response is not None and response.status == 404
    check_page(page)


def test_chain_status(page: Page, sign_in_as: SignIn, check_page: CheckPage) -> None:
    sign_in_as(page, "ig_officer")
    page.get_by_role("link", name="Audit chain").first.click()
    expect(page.locator("h1")).to_have_text("Audit chain")
    expect(page.locator("#chain-result")).to_have_text("The audit trail is intact.")
    check_page(page)


def test_only_ig_officers(page: Page, sign_in_as: SignIn, check_page: CheckPage) -> None:
    sign_in_as(page, "resident")
    response = page.goto("/governance/audit")
    assert response is not None and response.status == 403
    check_page(page)


SHOTS = os.environ.get("JOINEDUP_SCREENSHOTS")


@pytest.mark.skipif(not SHOTS, reason="set JOINEDUP_SCREENSHOTS=1 (or a folder) to take them")
def test_governance_screenshots(page: Page, sign_in_as: SignIn) -> None:
    out = Path("docs/screenshots" if SHOTS in ("1", "true") else str(SHOTS))
    out.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1024, "height": 800})
    sign_in_as(page, "ig_officer")
    for path, name in (
        (f"/governance/audit?person_id={ROSA}&break_glass=&search=1", "audit-search"),
        ("/governance/alerts?status=all", "alerts"),
        ("/governance/agreements", "agreements"),
        ("/governance/agreements/northbridge-health-and-care", "agreement"),
        ("/governance/chain", "chain"),
    ):
        page.goto(path)
        page.screenshot(path=out / f"governance-{name}.png", full_page=True)
