"""Every page the site serves passes ``check_page``: one row per page route, and a guard.

The journeys in the other modules check each page they pass through; this module makes "every
page" hold by construction. ``PAGES`` has a row for each ``GET`` route of the web routers (plus
the error pages), and ``test_every_page_route_has_a_row`` fails when a route is added without
one — so a new page cannot escape the HTML, heading, id, CSRF, 320 px and axe-core checks.

Each row is opened by a user of the role that would use it, through a live server, in
Chromium. Rows only read: nothing here changes what the journeys in other modules expect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import Browser
from sqlalchemy import select

from joinedup.api.app import create_app
from joinedup.config import Settings
from joinedup.services import accounts
from joinedup.store.db import make_engine, session_scope
from joinedup.store.governance_tables import Alert
from joinedup.store.linkage_tables import ReviewItem
from tests.browser.conftest import LiveServer, sign_in
from tests.browser.keyboard_checks import keyboard_problems
from tests.browser.page_checks import PageWatch, problems
from tests.browser.practitioner_review_data import ANNE, BOB, DORA, add_practitioner_and_review_data
from tests.browser.resident_governance_data import ROSA, add_resident_and_governance_data

_OPEN_EVERY_DETAILS = """() => {
    const closed = [...document.querySelectorAll('details:not([open])')];
    closed.forEach(d => { d.open = true; });
    return closed.length;
}"""

# A desktop, and a phone held upright.
WIDTHS = (1280, 320)

# Routes that answer with something other than a page (a file download).
NOT_PAGES = {"/my/download/file", "/governance/audit/export"}


@dataclass(frozen=True)
class Row:
    route: str  # the route template, as the app declares it
    path: str  # what to open; "{item}" an open review item's id; "{user}", "{resident}" (the
    # resident's account) and "{token}" ids
    role: str | None = None  # None: signed out
    purpose: str = "safeguarding"
    status: int = 200  # of the page checked (after ``submit``, when there is one)
    # A button to press on the page with the form left as it is: the page with the form's
    # errors. Only forms whose errors change nothing (never "Revoke token", say).
    submit: str | None = None


PAGES = [
    Row("/sign-in", "/sign-in"),
    Row("/sign-in", "/sign-in", submit="Sign in", status=400),
    Row("/accessibility", "/accessibility"),
    Row("/purpose", "/purpose", role="social_worker"),
    Row("/account/password", "/account/password", role="social_worker"),
    Row(
        "/account/password",
        "/account/password",
        role="social_worker",
        submit="Change password",
        status=400,
    ),
    Row("/", "/", role="social_worker"),
    Row("/", "/", role="resident"),
    Row("/people", "/people", role="social_worker"),
    Row("/people", "/people?name=Anne+Walker&date_of_birth=4%2F3%2F1950", role="social_worker"),
    Row("/people", "/people?name=Nobody+Here", role="social_worker"),
    Row("/people", "/people?name=" + "x" * 300, role="social_worker", status=400),
    Row("/people/{person_id}", f"/people/{ANNE}", role="social_worker"),
    Row("/people/{person_id}", f"/people/{DORA}", role="gp", purpose="direct_care"),
    Row(
        "/people/{person_id}/break-glass",
        f"/people/{DORA}/break-glass",
        role="gp",
        purpose="direct_care",
    ),
    # Break-glass would open nothing to the GP (above); to a social worker it would: the form.
    Row(
        "/people/{person_id}/break-glass",
        f"/people/{DORA}/break-glass",
        role="social_worker",
        purpose="direct_care",
    ),
    Row(
        "/people/{person_id}/break-glass",
        f"/people/{DORA}/break-glass",
        role="social_worker",
        purpose="direct_care",
        submit="Break glass and view the record",
        status=400,
    ),
    # The housing officer's break-glass on Rosa is open (resident_governance_data starts it).
    Row(
        "/people/{person_id}/break-glass/started",
        f"/people/{ROSA}/break-glass/started",
        role="housing_officer",
        purpose="housing_support",
    ),
    Row(
        "/people/{person_id}/relationship",
        f"/people/{DORA}/relationship",
        role="social_worker",
        purpose="direct_care",
    ),
    Row(
        "/people/{person_id}/relationship",
        f"/people/{DORA}/relationship",
        role="social_worker",
        purpose="direct_care",
        submit="Declare relationship",
        status=400,
    ),
    Row("/review", "/review", role="reviewer"),
    Row("/review", "/review?kind=person&min_risk=1", role="reviewer"),
    Row("/review", "/review?min_risk=lots", role="reviewer", status=400),
    # A person's history as the reviewer sees it: the items touching one person.
    Row("/review", f"/review?person={BOB}", role="reviewer"),
    Row("/review/{item_id}", "/review/{item}", role="reviewer"),
    Row("/review/{item_id}", "/review/{item}", role="reviewer", submit="Save decision", status=400),
    Row("/governance/audit", "/governance/audit", role="ig_officer"),
    Row(
        "/governance/audit",
        f"/governance/audit?search=1&person_id={ROSA}&action=person.view",
        role="ig_officer",
    ),
    Row("/governance/alerts", "/governance/alerts", role="ig_officer"),
    Row("/governance/alerts", "/governance/alerts?status=all", role="ig_officer"),
    Row("/governance/alerts", "/governance/alerts?status=bogus", role="ig_officer", status=400),
    # "{alert}" is the break-glass alert on Rosa (resident_governance_data raises it).
    Row(
        "/governance/alerts/{alert_id}/reason",
        "/governance/alerts/{alert}/reason",
        role="ig_officer",
    ),
    Row("/governance/audit", "/governance/audit?search=1", role="ig_officer"),
    Row(
        "/governance/audit",
        "/governance/audit?search=1&break_glass=perhaps&since-day=31&since-month=2",
        role="ig_officer",
        status=400,
    ),
    Row("/governance/agreements", "/governance/agreements", role="ig_officer"),
    Row(
        "/governance/agreements/{agreement_id}",
        "/governance/agreements/northbridge-health-and-care",
        role="ig_officer",
    ),
    Row("/governance/chain", "/governance/chain", role="ig_officer"),
    Row("/my/record", "/my/record", role="resident"),
    Row("/my/access", "/my/access", role="resident"),
    Row("/my/choices", "/my/choices", role="resident"),
    Row(
        "/my/choices/change",
        "/my/choices/change?kind=consent&purpose=direct_care&given=yes",
        role="resident",
    ),
    Row("/my/download", "/my/download", role="resident"),
    Row("/", "/", role="admin"),
    Row("/admin/organisations", "/admin/organisations", role="admin"),
    Row("/admin/organisations/new", "/admin/organisations/new", role="admin"),
    Row(
        "/admin/organisations/new",
        "/admin/organisations/new",
        role="admin",
        submit="Add organisation",
        status=400,
    ),
    Row("/admin/users", "/admin/users", role="admin"),
    Row("/admin/users/new", "/admin/users/new", role="admin"),
    Row("/admin/users/new", "/admin/users/new", role="admin", submit="Create account", status=400),
    Row("/admin/users/{user_id}/disable", "/admin/users/{user}/disable", role="admin"),
    Row("/admin/users/{user_id}/password", "/admin/users/{user}/password", role="admin"),
    Row("/admin/tokens", "/admin/tokens", role="admin"),
    Row("/admin/tokens/new", "/admin/tokens/new", role="admin"),
    Row("/admin/tokens/{token_id}/revoke", "/admin/tokens/{token}/revoke", role="admin"),
    Row("/admin/resident-holds", "/admin/resident-holds", role="admin"),
    Row("/admin/users/{user_id}/person", "/admin/users/{resident}/person", role="admin"),
    # Opened again after it was issued: the page without the secret.
    Row("/admin/tokens/{token_id}/issued", "/admin/tokens/{token}/issued", role="admin"),
    # Error pages are pages too.
    Row("(404)", "/no-such-page", role="social_worker", status=404),
    Row("(403)", "/governance/audit", role="resident", status=403),
    Row(
        "(400)",
        "/my/choices/change?kind=nonsense&purpose=planning&given=yes",
        role="resident",
        status=400,
    ),
]


@pytest.fixture(scope="module", autouse=True)
def borough(live_server: LiveServer) -> None:
    add_practitioner_and_review_data(live_server.engine)
    add_resident_and_governance_data(live_server)


@pytest.fixture(scope="module")
def token_id(live_server: LiveServer) -> int:
    """A token for the reviewer's account, so the admin's token pages have one to show."""
    with session_scope(live_server.engine) as session:
        issued = accounts.issue_token(
            session, user_id=live_server.user_ids["reviewer"], name="Every page check"
        )
        return issued.record.id


def _page_routes() -> set[str]:
    settings = Settings.from_env()
    settings = Settings(settings.data_dir, "sqlite://", secret_key="pages")
    app = create_app(settings, make_engine("sqlite://"))
    return {
        route.path
        for route in iter_route_contexts(app.routes)
        if route.path
        and not route.path.startswith(("/api/", "/static", "/assets"))
        and "GET" in (route.methods or ())
    }


def test_every_page_route_has_a_row() -> None:
    covered = {row.route for row in PAGES}
    missing = _page_routes() - covered - NOT_PAGES
    assert not missing, "page routes without a row in PAGES: " + ", ".join(sorted(missing))
    stale = {r for r in covered if r.startswith("/")} - _page_routes()
    assert not stale, "rows for routes the app does not serve: " + ", ".join(sorted(stale))


@pytest.fixture(scope="module")
def signed_in(browser: Browser, live_server: LiveServer) -> Callable[[str, str], Any]:
    """``signed_in(role, purpose)``: the cookies of one sign-in per role and purpose, so each row
    opens its page in a fresh context without going through the sign-in form again."""
    states: dict[tuple[str, str], Any] = {}

    def get(role: str, purpose: str) -> Any:
        if (role, purpose) not in states:
            context = browser.new_context(base_url=live_server.url)
            try:
                sign_in(context.new_page(), live_server, role, purpose)
                states[role, purpose] = context.storage_state()
            finally:
                context.close()
        return states[role, purpose]

    return get


def _path(row: Row, live_server: LiveServer, token_id: int) -> str:
    path = row.path
    if "{item}" in path:
        with session_scope(live_server.engine) as session:
            item = session.scalars(select(ReviewItem.id).order_by(ReviewItem.id)).first()
        assert item is not None, "the borough has review items"
        path = path.replace("{item}", str(item))
    if "{alert}" in path:
        with session_scope(live_server.engine) as session:
            alert = session.scalars(
                select(Alert.id).where(Alert.kind == "break_glass", Alert.person_id == ROSA)
            ).first()
        assert alert is not None, "Rosa's break-glass raised an alert"
        path = path.replace("{alert}", str(alert))
    path = path.replace("{user}", str(live_server.user_ids["reviewer"]))
    path = path.replace("{resident}", str(live_server.user_ids["resident"]))
    return path.replace("{token}", str(token_id))


@pytest.mark.parametrize(
    "row",
    PAGES,
    ids=lambda r: f"{r.role or 'signed-out'} {r.path[:80]}" + (f" {r.submit}" if r.submit else ""),
)
def test_every_page_passes_the_page_checks_on_a_phone_and_a_desktop(
    browser: Browser,
    signed_in: Callable[[str, str], Any],
    live_server: LiveServer,
    token_id: int,
    row: Row,
) -> None:
    """The page checks (``page_checks``: HTML, one h1 that starts the title, ids, CSRF, no
    sideways scroll at 320 px, axe-core) and the keyboard checks (``keyboard_checks``: every
    control reached by Tab, with a visible focus) at each of ``WIDTHS``."""
    state = signed_in(row.role, row.purpose) if row.role else None
    context = browser.new_context(base_url=live_server.url, storage_state=state)
    try:
        page = context.new_page()
        watch = PageWatch(page).attach()
        path = _path(row, live_server, token_id)
        found = []
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        response = page.goto(path)
        if row.submit:
            assert response is not None and response.status == 200, path
            with page.expect_navigation() as sent:
                page.get_by_role("button", name=row.submit, exact=True).click()
            response = sent.value
        assert response is not None and response.status == row.status, path
        # Loaded once, then narrowed: a page that folds a form on a phone (macros/filters.html)
        # is checked with it open at both widths, which has every control the folded one has.
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            at = f"at {width} px"
            found += [f"{at}: {p}" for p in problems(watch) + keyboard_problems(page)]
            menu = page.locator(".govuk-service-navigation__toggle")
            if menu.is_visible():  # narrow: the navigation is behind "Menu"; open it by keyboard
                menu.focus()
                page.keyboard.press("Enter")
                found += [f"{at}, menu open: {p}" for p in keyboard_problems(page)]
        # What a details element holds is hidden from the checks above until it is opened.
        if page.evaluate(_OPEN_EVERY_DETAILS):
            at = f"at {WIDTHS[-1]} px, every details open"
            found += [f"{at}: {p}" for p in problems(watch) + keyboard_problems(page)]
        assert not found, f"{path} as {row.role or 'signed out'}:\n- " + "\n- ".join(found)
    finally:
        context.close()
