"""Resident accounts held after a split, in Chromium: the resident's page and the admin's.

The shared live server's own resident is left alone (other modules read their pages): this
module makes a resident of its own, on a person of its own that a link run (stored as a run
and its split event, as linkage writes them) has split in two.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from joinedup.services import accounts
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.linkage_tables import LinkRun, Person, PersonEvent
from tests.browser.conftest import PASSWORD, LiveServer

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]
KEPT, PART = "PH0LDKEPT0001", "PH0LDPART0001"
USERNAME = "held.resident@example.org"


def _held_resident(live_server: LiveServer) -> int:
    with session_scope(live_server.engine) as session:
        user = accounts.create_user(
            session,
            username=USERNAME,
            display_name="Held Resident",
            role="resident",
            password=PASSWORD,
            person_id=KEPT,
        )
        moment = utcnow()
        run = LinkRun(
            mode="incremental",
            engine="duckdb",
            status="done",
            started_at=moment,
            finished_at=moment,
        )
        session.add(run)
        session.flush()
        for person_id in (KEPT, PART):
            session.add(Person(person_id=person_id, created_run=run.id, status="active"))
        session.add(
            PersonEvent(
                run_id=run.id,
                kind="split",
                person_ids=[KEPT, PART],
                record_counts=[3, 1],
                person_id=KEPT,
            )
        )
        return user.id


def _sign_in(page: Page, username: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_a_held_resident_is_told_why_and_an_administrator_confirms_their_person(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    user_id = _held_resident(live_server)
    _sign_in(page, USERNAME)
    response = page.goto("/my/record")
    assert response is not None and response.status == 403
    expect(page.get_by_text("its team is checking", exact=False)).to_be_visible()
    check_page(page)
    page.context.clear_cookies()

    sign_in_as(page, "admin")
    page.goto("/admin/resident-holds")
    check_page(page)
    card = page.locator(f"#hold-{user_id}")
    expect(card).to_contain_text(f"{KEPT} (3 records), {PART} (1 record)")
    card.get_by_role("link", name="Confirm person").click()
    check_page(page)
    expect(page.get_by_label("Person id")).to_have_value(KEPT)
    page.get_by_label("Person id").fill("")
    page.get_by_role("button", name="Confirm person").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the person id you checked the resident against"
    )
    check_page(page)
    page.get_by_label("Person id").fill(PART.lower())
    page.get_by_role("button", name="Confirm person").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Account {USERNAME} confirmed"
    )
    expect(page.locator(f"#hold-{user_id}")).to_have_count(0)
    check_page(page)

    page.context.clear_cookies()
    _sign_in(page, USERNAME)
    response = page.goto("/my/record")
    assert response is not None and response.status == 200
