"""The administrator's list of accounts comes a page at a time, and finds an account by name.

It used to show every account on one page: with the 3,000 staff of a council and its partners
that was 4.5 MB of summary cards, and the only way to find a leaver to switch off was the
browser's own find.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from joinedup.services import accounts
from joinedup.store.db import session_scope
from joinedup.web.admin import USERS_PAGE_SIZE
from tests.integration.api.auth_hub import ORGANISATION, Hub
from tests.integration.web.pages import error_summary, field_error, parse, value_of

SignedIn = Callable[..., TestClient]


def _add(hub: Hub, count: int) -> list[str]:
    names = [f"staff.{n:03d}" for n in range(count)]
    with session_scope(hub.engine) as session:
        for n, name in enumerate(names):
            accounts.create_user(
                session,
                username=name,
                display_name=f"Worker Number{n:03d}",
                role="social_worker",
                organisation_id=ORGANISATION,
            )
    return names


def _shown(html: str) -> list[str]:
    return [
        "".join(h3.itertext()).strip()
        for h3 in parse(html).iter("h3")
        if "govuk-summary-card__title" in (h3.get("class") or "")
    ]


def _link(html: str, text: str) -> str | None:
    for link in parse(html).iter("a"):
        if text in "".join(link.itertext()):
            return str(link.get("href"))
    return None


def test_every_account_is_reached_page_by_page_in_username_order(
    hub: Hub, signed_in: SignedIn
) -> None:
    _add(hub, 2 * USERS_PAGE_SIZE + 3)
    client = signed_in("admin")
    with session_scope(hub.engine) as session:
        every = [u.username for u in accounts.list_users(session)]

    seen: list[str] = []
    url: str | None = "/admin/users"
    pages = 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.text[:500]
        assert f"{len(every)} accounts" in response.text
        shown = _shown(response.text)
        assert 0 < len(shown) <= USERS_PAGE_SIZE
        seen += shown
        url = _link(response.text, "Next")
        pages += 1
    assert seen == every
    assert pages >= 3


def test_an_account_is_found_by_part_of_its_username_or_name(hub: Hub, signed_in: SignedIn) -> None:
    _add(hub, USERS_PAGE_SIZE + 10)
    client = signed_in("admin")
    by_name = client.get("/admin/users", params={"q": "number057"})
    assert by_name.status_code == 200
    assert _shown(by_name.text) == ["staff.057"]
    assert value_of(by_name.text, "q") == "number057"
    assert re.search(r"1 account\b", by_name.text)
    by_username = client.get("/admin/users", params={"q": "STAFF.00"})
    assert _shown(by_username.text) == [f"staff.00{n}" for n in range(10)]
    # LIKE's wildcards are only themselves.
    assert _shown(client.get("/admin/users", params={"q": "staff_0%"}).text) == []


def test_a_search_that_cannot_be_searched_is_a_message_by_its_field(
    hub: Hub, signed_in: SignedIn
) -> None:
    client = signed_in("admin")
    for q in ("x" * 201, "sam\x00", "sam\x07"):
        response = client.get("/admin/users", params={"q": q})
        assert response.status_code == 400
        assert list(error_summary(response.text)) == ["#q"]
        assert field_error(response.text, "q")


def test_a_page_that_is_not_a_page_number_is_the_first_and_past_the_end_is_the_last(
    hub: Hub, signed_in: SignedIn
) -> None:
    _add(hub, USERS_PAGE_SIZE + 1)
    client = signed_in("admin")
    first = _shown(client.get("/admin/users").text)
    for page in ("abc", "0", "-1", "²", "9" * 40):
        response = client.get("/admin/users", params={"page": page})
        assert response.status_code == 200, page
        assert _shown(response.text) == first
    last = client.get("/admin/users", params={"page": "999"})
    assert last.status_code == 200
    assert _shown(last.text) == _shown(client.get("/admin/users", params={"page": "2"}).text)


def test_the_banner_names_an_account_made_on_a_later_page(hub: Hub, signed_in: SignedIn) -> None:
    _add(hub, USERS_PAGE_SIZE + 5)
    client = signed_in("admin")
    response = client.get("/admin/users", params={"added": "staff.054"})
    assert "staff.054" not in _shown(response.text)
    assert "Account staff.054 created." in response.text
