"""The administrator's pages in Chromium: organisations, users and API tokens.

Every page shown goes through ``check_page``. Each test makes its own organisation, accounts and
tokens (names unique to the test) in the shared live server, so nothing another module expects
changes: the accounts ``conftest`` made for each role are only read here.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy import select

from joinedup.services import accounts
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditEvent
from tests.browser.conftest import ORGANISATION, PASSWORD, LiveServer

CheckPage = Callable[..., None]
SignIn = Callable[..., Page]


def _api_status(live_server: LiveServer, token: str) -> int:
    """The status ``GET /api/v1/me`` answers with this bearer token (no browser cookies)."""
    request = urllib.request.Request(
        live_server.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            json.load(response)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _admin_events(live_server: LiveServer, text: str) -> list[tuple[str, str, str]]:
    """(actor, action, reason) of the audit events whose reason mentions ``text``."""
    with session_scope(live_server.engine) as session:
        rows = session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.reason)
            .where(AuditEvent.reason.contains(text))
            .order_by(AuditEvent.seq)
        )
        return [(a, b, c or "") for a, b, c in rows]


def _error_summary_links_to(page: Page, message: str, field_id: str) -> None:
    summary = page.locator(".govuk-error-summary")
    link = summary.get_by_role("link", name=message)
    expect(link).to_have_attribute("href", f"#{field_id}")
    expect(page.locator(f"#{field_id}")).to_have_count(1)


def test_organisations_are_listed_and_added_with_errors_linked_to_fields(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "admin")
    page.get_by_role("link", name="Organisations").first.click()
    expect(page).to_have_title("Organisations – joinedup")
    expect(page.locator("main")).to_contain_text("Northbridge Council")
    check_page(page)

    page.get_by_role("button", name="Add an organisation").click()
    expect(page).to_have_title("Add an organisation – joinedup")
    check_page(page)

    page.get_by_role("button", name="Add organisation").click()
    expect(page).to_have_title("Error: Add an organisation – joinedup")
    _error_summary_links_to(page, "Enter the organisation's name", "name")
    _error_summary_links_to(page, "Enter a short id for the organisation", "id")
    check_page(page)

    page.get_by_label("Name", exact=True).fill("Riverside Food Bank")
    page.get_by_label("Id", exact=True).fill("riverside food bank!")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.locator("#id-error")).to_contain_text("lower-case letters, digits and hyphens")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Riverside Food Bank")
    check_page(page)

    page.get_by_label("Id", exact=True).fill("riverside-food-bank")
    page.get_by_label("Kind of organisation (optional)").fill("charity")
    page.get_by_role("button", name="Add organisation").click()
    expect(page).to_have_title("Organisations – joinedup")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Riverside Food Bank has been added."
    )
    expect(page.locator("main")).to_contain_text("riverside-food-bank")
    check_page(page)

    # The same id again is refused on its field, not with a server error.
    page.goto("/admin/organisations/new")
    page.get_by_label("Name", exact=True).fill("Another Food Bank")
    page.get_by_label("Id", exact=True).fill(ORGANISATION)
    page.get_by_role("button", name="Add organisation").click()
    _error_summary_links_to(page, f"There is already an organisation '{ORGANISATION}'", "id")


def test_an_account_is_created_then_switched_off_and_back_on(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    sign_in_as(page, "admin")
    page.get_by_role("link", name="Users").first.click()
    expect(page).to_have_title("Users – joinedup")
    check_page(page)
    page.get_by_role("button", name="Create an account").click()
    expect(page).to_have_title("Create an account – joinedup")
    check_page(page)

    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_title("Error: Create an account – joinedup")
    _error_summary_links_to(page, "Enter a username", "username")
    _error_summary_links_to(page, "Select a role", "role")
    check_page(page)

    page.get_by_label("Username").fill("Sam.Patel.Admin-Test")
    page.get_by_label("Name", exact=True).fill("Sam Patel")
    page.get_by_label("Social worker").check()
    page.get_by_label("Password (optional)").fill("short")
    page.get_by_role("button", name="Create account").click()
    _error_summary_links_to(
        page, "Select the organisation the account belongs to", "organisation_id"
    )
    page.get_by_label("Organisation").select_option(ORGANISATION)
    page.get_by_label("Password (optional)").fill("short")
    page.get_by_role("button", name="Create account").click()
    _error_summary_links_to(
        page,
        f"A password must be at least {accounts.MIN_PASSWORD_LENGTH} characters long",
        "password",
    )
    # The answers are kept, except the password, which never goes back to the browser.
    expect(page.get_by_label("Username")).to_have_value("Sam.Patel.Admin-Test")
    expect(page.get_by_label("Password (optional)")).to_have_value("")
    check_page(page)

    page.get_by_label("Password (optional)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_title("Users – joinedup")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Account sam.patel.admin-test created."
    )
    check_page(page)
    with session_scope(live_server.engine) as session:
        assert accounts.authenticate(session, "sam.patel.admin-test", PASSWORD) is not None

    # A username already taken is refused on its field.
    page.goto("/admin/users/new")
    page.get_by_label("Username").fill("sam.patel.admin-test")
    page.get_by_label("Name", exact=True).fill("Sam Patel again")
    page.get_by_label("Records reviewer").check()
    page.get_by_label("Organisation").select_option(ORGANISATION)
    page.get_by_role("button", name="Create account").click()
    _error_summary_links_to(
        page, "The username 'sam.patel.admin-test' is already taken", "username"
    )

    page.goto("/admin/users")
    card = page.locator(".govuk-summary-card", has_text="sam.patel.admin-test")
    card.get_by_role("link", name="Switch off sam.patel.admin-test").click()
    expect(page).to_have_title("Switch off sam.patel.admin-test – joinedup")
    check_page(page)
    page.get_by_role("button", name="Switch off account").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Account sam.patel.admin-test is now switched off."
    )
    expect(card).to_contain_text("Switched off")
    check_page(page)
    with session_scope(live_server.engine) as session:
        assert accounts.authenticate(session, "sam.patel.admin-test", PASSWORD) is None

    card.get_by_role("button", name="Switch on sam.patel.admin-test").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is now switched on.")
    expect(card).to_contain_text("Active")
    events = _admin_events(live_server, "sam.patel.admin-test")
    assert [(actor, action) for actor, action, _ in events] == [
        (LiveServer.username("admin"), "account.create"),
        (LiveServer.username("admin"), "account.disable"),
        (LiveServer.username("admin"), "account.enable"),
    ]
    assert PASSWORD not in str(events)

    # An administrator is not offered switching off their own account, and cannot force it.
    own = page.locator(".govuk-summary-card", has_text=LiveServer.username("admin"))
    expect(own.get_by_role("link", name=re.compile("Switch off"))).to_have_count(0)
    admin_id = live_server.user_ids["admin"]
    page.goto(f"/admin/users/{admin_id}/disable")
    expect(page.locator("main")).to_contain_text("This is your own account")
    expect(page.get_by_role("button", name="Switch off account")).to_have_count(0)
    check_page(page)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(
        f"/admin/users/{admin_id}/disable", form={"csrf_token": token or ""}
    )
    assert response.status == 409


def test_a_token_is_shown_once_works_and_stops_when_revoked(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    with session_scope(live_server.engine) as session:
        system = accounts.create_user(
            session,
            username="case-system.admin-test",
            display_name="Case system",
            role="social_worker",
            organisation_id=ORGANISATION,
        )
        system_id = system.id
    sign_in_as(page, "admin")
    page.get_by_role("link", name="API tokens").first.click()
    expect(page).to_have_title("API tokens – joinedup")
    check_page(page)
    page.get_by_role("button", name="Issue a token").click()
    expect(page).to_have_title("Issue an API token – joinedup")
    check_page(page)

    page.get_by_label("Read").uncheck()
    page.get_by_role("button", name="Issue token").click()
    expect(page).to_have_title("Error: Issue an API token – joinedup")
    _error_summary_links_to(page, "Select the account the token acts as", "user_id")
    _error_summary_links_to(page, "Enter a name that says what uses the token", "name")
    _error_summary_links_to(page, "Select what the token may do", "scopes")
    check_page(page)

    page.get_by_label("Account").select_option(str(system_id))
    page.get_by_label("Name", exact=True).fill("Nightly sync admin-test")
    page.get_by_label("Read").check()
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Issue token").click()
    expect(page).to_have_title("Token issued – joinedup")
    check_page(page)
    secret = page.locator("#token-secret").inner_text().strip()
    assert secret.startswith(accounts.TOKEN_PREFIX)
    assert _api_status(live_server, secret) == 200

    # Listed by its first characters only; the secret is on no other page.
    page.goto("/admin/tokens")
    card = page.locator(".govuk-summary-card", has_text="Nightly sync admin-test")
    expect(card).to_contain_text(secret[:10])
    assert secret not in page.content()
    card.get_by_role("link", name="Revoke the token Nightly sync admin-test").click()
    expect(page).to_have_title("Revoke the token Nightly sync admin-test – joinedup")
    check_page(page)
    page.get_by_role("button", name="Revoke token").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Token Nightly sync admin-test is revoked."
    )
    expect(card).to_contain_text("Revoked")
    check_page(page)
    assert _api_status(live_server, secret) == 401
    events = _admin_events(live_server, secret[:10])
    assert [action for _, action, _ in events] == ["token.issue", "token.revoke"]
    assert secret not in str(events)


def test_bad_input_and_other_roles_get_a_4xx_page(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "admin")
    for path, status in (
        ("/admin/users/999999/disable", 404),
        ("/admin/tokens/999999/revoke", 404),
        ("/admin/users/abc/disable", 422),
        ("/admin/tokens/99999999999999/revoke", 422),
        ("/admin/tokens/new?user_id=-1", 422),
    ):
        response = page.goto(path)
        assert response is not None and response.status == status, path
    check_page(page)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    # A form posted without its CSRF token is refused; with one, nonsense is still a 4xx.
    assert page.request.post("/admin/organisations", form={"id": "x-y", "name": "X"}).status == 403
    assert (
        page.request.post("/admin/tokens/999999/revoke", form={"csrf_token": token}).status == 404
    )
    answer = page.request.post(
        "/admin/tokens",
        form={"csrf_token": token, "user_id": "1" * 40, "name": "x", "scopes": "root"},
    )
    assert answer.status == 400
    for odd in ("²", "9" * 5000, "-3", ""):
        answer = page.request.post(
            "/admin/tokens",
            form={
                "csrf_token": token,
                "user_id": odd,
                "name": "x",
                "scopes": "read",
                "expiry": "30",
            },
        )
        assert answer.status == 400, odd[:10]
    answer = page.request.post(
        "/admin/users",
        form={"csrf_token": token, "username": "x" * 5000, "display_name": "X", "role": "gp"},
    )
    assert answer.status == 400


def test_other_roles_are_refused_the_admin_pages(
    page: Page, sign_in_as: SignIn, check_page: CheckPage
) -> None:
    sign_in_as(page, "social_worker")
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    check_page(page)


def test_a_password_an_administrator_set_is_changed_at_first_sign_in(
    page: Page, sign_in_as: SignIn, check_page: CheckPage, live_server: LiveServer
) -> None:
    """The administrator creates the account, so knows its password: its owner, signing in
    with it, is sent to change it, with every problem in the error summary, and only then
    reaches the purpose page and their own."""
    given, own = "the admin typed this", "only hana knows this one"
    sign_in_as(page, "admin")
    page.goto("/admin/users/new")
    page.get_by_label("Username").fill("hana.forced-change")
    page.get_by_label("Name", exact=True).fill("Hana Forced")
    page.get_by_label("Housing officer").check()
    page.get_by_label("Organisation").select_option(ORGANISATION)
    page.get_by_label("Password (optional)").fill(given)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("created")
    page.context.clear_cookies()

    page.goto("/sign-in")
    page.get_by_label("Username").fill("hana.forced-change")
    page.get_by_label("Password", exact=True).fill(given)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Change your password – joinedup")
    expect(page.locator("main")).to_contain_text("An administrator set the password")
    check_page(page)
    page.goto("/people")  # any other page leads back here
    expect(page).to_have_title("Change your password – joinedup")

    page.get_by_label("Current password").fill("not it")
    page.get_by_label("New password").fill("hana")
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_title("Error: Change your password – joinedup")
    _error_summary_links_to(page, "Your current password is not correct", "current_password")
    _error_summary_links_to(
        page,
        f"A password must be at least {accounts.MIN_PASSWORD_LENGTH} characters long",
        "new_password",
    )
    expect(page.get_by_label("Current password")).to_have_value("")
    check_page(page)

    page.get_by_label("Current password").fill(given)
    page.get_by_label("New password").fill(own)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_title("Why are you using joinedup today? – joinedup")
    events = _admin_events(live_server, "hana.forced-change")
    assert [(actor, action) for actor, action, _ in events] == [
        (LiveServer.username("admin"), "account.create"),
        ("hana.forced-change", "account.password_change"),
    ]
    assert given not in str(events) and own not in str(events)
    with session_scope(live_server.engine) as session:
        assert accounts.authenticate(session, "hana.forced-change", given) is None
        assert accounts.authenticate(session, "hana.forced-change", own) is not None
