"""The practitioner's pages in Chromium: search, the joined-up record, break-glass, relationships.

Every page shown goes through ``check_page``. The data is the practitioner API's tiny Northbridge
plus Dora Finch, whom no council service knows (``practitioner_review_data``). The live server's
accounts all belong to the council, so a council practitioner working on direct care has no
relationship with Dora until they declare one or break the glass.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.browser.conftest import LiveServer
from tests.browser.practitioner_review_data import (
    ANNE,
    ANNE_NHS,
    CLARE,
    DORA,
    OLD,
    add_practitioner_and_review_data,
)

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


@pytest.fixture(scope="module", autouse=True)
def borough(live_server: LiveServer) -> None:
    add_practitioner_and_review_data(live_server.engine)


def test_search_with_htmx_then_the_joined_up_record(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker", purpose="safeguarding", case="SG-2024-0117")
    page.get_by_role("link", name="Find a person").first.click()
    expect(page).to_have_title("Find a person – joinedup")
    check_page(page)

    page.get_by_label("Name").fill("Anne Walker")
    page.get_by_label("Date of birth").fill("4/3/1950")
    with page.expect_response(lambda r: "/people?" in r.url) as answer:
        page.get_by_role("button", name="Search").click()
    # htmx swapped the results in: the request was a fragment, and the address was pushed.
    assert answer.value.request.headers.get("hx-request") == "true"
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", level=2)).to_have_text("1 person found")
    expect(page.locator("#search-status")).to_have_text("1 person found")
    expect(results).to_contain_text("Probable match")
    expect(results).to_contain_text("Born 4 March 1950")
    expect(results).to_contain_text("Postcode district NB1")
    expect(page).to_have_url(re.compile(r"/people\?name=Anne(%20|\+)Walker"))
    check_page(page)

    results.get_by_role("link", name="Anne Walker").click()
    expect(page.locator("h1")).to_have_text("Anne Walker")
    expect(page).to_have_title("Anne Walker – joinedup")
    main = page.locator("main")
    expect(main).to_contain_text("4 March 1950")
    expect(main).to_contain_text(f"{ANNE_NHS[:3]} {ANNE_NHS[3:6]} {ANNE_NHS[6:]}")
    expect(main).to_contain_text("12, Mill Lane, Northbridge, NB1 2AB")
    expect(main).to_contain_text("Safeguarding, case SG-2024-0117")
    for heading in (
        "Services involved",
        "Timeline",
        "Contacts",
        "Household",
        "Withheld information",
        "Why these records are one person",
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    for service in ("GP registrations", "Adult Social Care", "Council Tax", "Befriending"):
        expect(page.get_by_role("heading", name=service, exact=True)).to_be_visible()
    expect(main).to_contain_text("Record updated (2), as received by joinedup from Council Tax")
    expect(main).to_contain_text("+447700900123")
    expect(page.locator("#household ~ ul").first).to_contain_text("Robert Walker")
    # The evidence chart: a figure per explained record, bars and words, and a table.
    charts = page.locator("figure.joinedup-evidence")
    # Adult social care and the GP register are each other's best match: one chart for both.
    expect(charts).to_have_count(3)
    first = charts.first
    expect(first.locator("svg rect")).not_to_have_count(0)
    expect(first).to_contain_text("Date of birth")
    expect(first).to_contain_text("+8.2, evidence for")
    expect(charts.nth(1)).to_contain_text("-2.1, evidence against")
    first.get_by_text("Show these figures as a table").click()
    expect(first.get_by_role("table")).to_contain_text("+8.20")
    check_page(page)

    page.get_by_role("link", name="Robert Walker").click()
    expect(page.locator("h1")).to_have_text("Robert Walker")
    check_page(page)


def test_search_errors_with_and_without_javascript(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "housing_officer", purpose="housing_support")
    page.goto("/people")
    page.get_by_role("button", name="Search").click()
    # htmx hands the error over to a full page so the summary and the messages are in place.
    expect(page).to_have_title("Error: Find a person – joinedup")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a name, date of birth, postcode or NHS number")
    check_page(page)

    page.goto("/people?name=Anne&date_of_birth=31%2F2%2F1950&postcode=XX&nhs_number=123")
    expect(page).to_have_title("Error: Find a person – joinedup")
    expect(summary.get_by_role("link", name="Day 31 does not exist in February")).to_have_attribute(
        "href", "#date_of_birth"
    )
    expect(page.locator("#postcode-error")).to_contain_text(
        "Enter a full postcode, such as NB1 2AB, or only the district, such as NB1"
    )
    expect(page.locator("#nhs_number-error")).to_contain_text("NHS number has 3 digits")
    expect(page.get_by_label("Postcode")).to_have_value("XX")
    check_page(page)

    page.goto("/people?name=Walker")
    expect(page).to_have_title("Error: Find a person – joinedup")
    expect(summary).to_contain_text("Search by NHS number, by full name")
    check_page(page)

    # Without JavaScript the form is a plain GET and the results are a page of their own.
    page.goto(f"/people?nhs_number={ANNE_NHS}")
    expect(page.locator("#search-results")).to_contain_text("Certain match")
    check_page(page)


def test_the_evidence_never_names_a_service_the_practitioner_may_not_see(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    # Housing support releases Clare's council tax record, not her adult social care record,
    # which is what the council tax record matched best. Social care is not even listed as
    # withheld, so "a record you cannot see" would have told the officer it exists.
    sign_in_as(page, "housing_officer", purpose="housing_support", case="HO-EVIDENCE-1")
    page.goto(f"/people/{CLARE}")
    why = page.locator("#why-one-person ~ table").first
    expect(why).to_contain_text("Council Tax C3")
    expect(why).to_contain_text("No match among the records shown to you")
    expect(why).not_to_contain_text("A record you cannot see")
    expect(page.locator("main")).not_to_contain_text("S3")
    expect(page.locator("main")).not_to_contain_text("Adult Social Care")
    check_page(page)
    # The evidence was read through services.explanations: decided and on the audit trail.
    with session_scope(live_server.engine) as session:
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "person.explain", AuditEvent.case_reference == "HO-EVIDENCE-1"
            )
        ).one()
    assert (event.person_id, event.purpose, event.role) == (
        CLARE,
        "housing_support",
        "housing_officer",
    )
    assert not [c for c in event.categories if c.startswith("social_care.")]


def test_a_merged_id_leads_to_the_person_it_was_merged_into(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker")
    page.goto(f"/people/{OLD}")
    expect(page).to_have_url(re.compile(rf"/people/{ANNE}\?moved-from={OLD}$"))
    expect(page.locator("main")).to_contain_text(f"Person {OLD} was merged into this person")
    check_page(page)


def test_an_unknown_person_is_a_404_page(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker")
    response = page.goto("/people/PNEVER0000009")
    assert response is not None and response.status == 404
    check_page(page)


def test_break_glass_with_a_warning_a_reason_and_a_confirmation(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker", purpose="direct_care", case="ASC-OOH-881")
    page.goto(f"/people/{DORA}")
    expect(page.locator("#no-relationship")).to_contain_text("You have no relationship")
    expect(page.locator("main")).to_contain_text("Withheld information")
    check_page(page)

    page.get_by_role("button", name="Break glass").click()
    expect(page).to_have_title("Break glass for emergency access – joinedup")
    expect(page.locator(".govuk-warning-text")).to_contain_text("Only break the glass")
    check_page(page)

    page.get_by_role("button", name="Break glass and view the record").click()
    expect(page).to_have_title("Error: Break glass for emergency access – joinedup")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you need")
    check_page(page)

    page.get_by_label("Why do you need emergency access?").fill("Fell at home")
    page.get_by_label("1 hour").check()
    page.get_by_role("button", name="Break glass and view the record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("at least 20 characters")
    expect(page.get_by_label("1 hour")).to_be_checked()
    check_page(page)

    page.get_by_label("Why do you need emergency access?").fill(
        "Found collapsed at home; the ambulance crew need her medication history now."
    )
    page.get_by_role("button", name="Break glass and view the record").click()
    expect(page.locator("h1")).to_have_text("Break-glass access started")
    expect(page.locator(".govuk-panel")).to_contain_text(re.compile(r"at \d{1,2}:\d\d[ap]m"))
    check_page(page)

    page.get_by_role("button", name="View the record").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("break-glass access until")
    # Break-glass stands in for the relationship: what the agreements share with a social
    # worker for direct care opens.
    expect(page.locator("h1")).to_have_text("Dora Finch")
    expect(page.get_by_role("button", name="Break glass")).to_have_count(0)
    check_page(page)


def test_break_glass_that_would_open_nothing_is_not_offered_and_says_why(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    # A council account in the GP role: the GP register is sealed to it and befriending shares
    # nothing with a GP without Dora's consent, so break-glass would show an empty record.
    sign_in_as(page, "gp", purpose="direct_care", case="GP-APPT-881")
    page.goto(f"/people/{DORA}")
    expect(page.locator("#no-relationship")).to_contain_text("You have no relationship")
    expect(page.get_by_role("button", name="Break glass")).to_have_count(0)
    expect(page.locator("#break-glass-opens-nothing")).to_contain_text(
        "Break-glass would not open anything"
    )
    expect(page.locator("main")).not_to_contain_text("gp_registrations")
    check_page(page)
    page.goto(f"/people/{DORA}/break-glass")
    expect(page.locator("#break-glass-opens-nothing")).to_contain_text("would not open anything")
    expect(page.get_by_role("button", name="Break glass and view the record")).to_have_count(0)
    check_page(page)


def test_declare_a_relationship(page: Page, sign_in_as: SignIn, check_page: CheckPage) -> None:
    sign_in_as(page, "social_worker", purpose="direct_care", case="ASC-REF-2291")
    # Straight to the form: the break-glass test may already have opened Dora's record to
    # this account (the live server lives for the session), and then the page offers no button.
    page.goto(f"/people/{DORA}/relationship")
    expect(page).to_have_title("Declare a relationship – joinedup")
    check_page(page)

    page.get_by_label("For how many days?").fill("")
    page.get_by_role("button", name="Declare relationship").click()
    errors = page.locator(".govuk-error-summary")
    expect(errors).to_contain_text("Enter why you have a relationship with this person")
    expect(errors).to_contain_text("Enter how many days the relationship lasts")
    check_page(page)

    page.get_by_label("What is your relationship with this person?").fill(
        "Referred by her GP for a care needs assessment after a fall."
    )
    page.get_by_label("For how many days?").fill("90")
    page.get_by_role("button", name="Declare relationship").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Relationship declared")
    expect(page.locator("h1")).to_have_text("Dora Finch")
    expect(page.locator("#no-relationship")).to_have_count(0)
    check_page(page)


@pytest.mark.parametrize("role", ["reviewer", "ig_officer", "resident"])
def test_only_practitioners_see_the_practitioner_pages(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, role: str
) -> None:
    sign_in_as(page, role)
    response = page.goto("/people")
    assert response is not None and response.status == 403
    check_page(page)
