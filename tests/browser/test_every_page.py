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

import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import Page
from sqlalchemy import select

from joinedup.api.app import create_app
from joinedup.config import Settings
from joinedup.services import accounts
from joinedup.store.db import make_engine, session_scope
from joinedup.store.governance_tables import Alert
from joinedup.store.linkage_tables import ReviewItem
from tests.browser.conftest import LiveServer
from tests.browser.practitioner_review_data import ANNE, DORA, add_practitioner_and_review_data
from tests.browser.resident_governance_data import ROSA, add_resident_and_governance_data

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]

# Routes that answer with something other than a page (a file download).
NOT_PAGES = {"/my/download/file", "/governance/audit/export"}


@dataclass(frozen=True)
class Row:
    route: str  # the route template, as the app declares it
    path: str  # what to open; "{item}" an open review item's id; "{user}", "{resident}" (the
    # resident's account) and "{token}" ids
    role: str | None = None  # None: signed out
    purpose: str = "safeguarding"
    status: int = 200


PAGES = [
    Row("/sign-in", "/sign-in"),
    Row("/accessibility", "/accessibility"),
    Row("/purpose", "/purpose", role="social_worker"),
    Row("/account/password", "/account/password", role="social_worker"),
    Row("/", "/", role="social_worker"),
    Row("/", "/", role="resident"),
    Row("/people", "/people", role="social_worker"),
    Row("/people", "/people?name=Anne+Walker&date_of_birth=4%2F3%2F1950", role="social_worker"),
    Row("/people/{person_id}", f"/people/{ANNE}", role="social_worker"),
    Row("/people/{person_id}", f"/people/{DORA}", role="gp", purpose="direct_care"),
    Row(
        "/people/{person_id}/break-glass",
        f"/people/{DORA}/break-glass",
        role="gp",
        purpose="direct_care",
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
    Row("/review", "/review", role="reviewer"),
    Row("/review/{item_id}", "/review/{item}", role="reviewer"),
    Row("/governance/audit", "/governance/audit", role="ig_officer"),
    Row(
        "/governance/audit",
        f"/governance/audit?person_id={ROSA}&action=person.view",
        role="ig_officer",
    ),
    Row("/governance/alerts", "/governance/alerts?status=all", role="ig_officer"),
    # "{alert}" is the break-glass alert on Rosa (resident_governance_data raises it).
    Row(
        "/governance/alerts/{alert_id}/reason",
        "/governance/alerts/{alert}/reason",
        role="ig_officer",
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
    Row("/admin/users", "/admin/users", role="admin"),
    Row("/admin/users/new", "/admin/users/new", role="admin"),
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


@pytest.mark.parametrize("row", PAGES, ids=lambda r: f"{r.role or 'signed-out'} {r.path}")
def test_every_page_passes_the_page_checks(
    page: Page,
    sign_in_as: SignIn,
    check_page: CheckPage,
    live_server: LiveServer,
    token_id: int,
    row: Row,
) -> None:
    if row.role is not None:
        sign_in_as(page, row.role, purpose=row.purpose)
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
    path = path.replace("{token}", str(token_id))
    response = page.goto(path)
    assert response is not None and response.status == row.status, path
    check_page(page)
