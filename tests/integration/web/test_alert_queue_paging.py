"""The IG officer's alert queue reaches every alert, a page at a time, and counts them all.

It used to show the newest 100 and say "100 open alerts": on a busy week with 130 open, the 30
oldest — the ones waiting longest — were out of reach, and the count said there were none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from joinedup.audit.governance import raise_alert
from joinedup.services import governance
from joinedup.store.db import session_scope
from joinedup.web.governance_pages import ALERTS_PAGE_SIZE
from tests.integration.api.auth_hub import ORGANISATION, Hub, csrf_from
from tests.integration.web.pages import error_summary, parse

SignedIn = Callable[..., TestClient]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _raise(hub: Hub, count: int, *, organisation: str = ORGANISATION) -> list[int]:
    """``count`` open alerts, newest last; every third pair raised in the same second."""
    ids = []
    with session_scope(hub.engine) as session:
        for n in range(count):
            alert = raise_alert(
                session,
                kind="relationship_declared",
                actor="sam.social",
                organisation=organisation,
                summary="A social worker declared a relationship, for 30 days",
                now=T0 + timedelta(seconds=n - n % 3),
            )
            ids.append(alert.id)
    return ids


def _shown(html: str) -> list[int]:
    return [
        int(div.get("id").removeprefix("alert-"))
        for div in parse(html).iter("div")
        if re.fullmatch(r"alert-[0-9]+", div.get("id") or "")
    ]


def _older(html: str) -> str | None:
    for link in parse(html).iter("a"):
        if "Older alerts" in "".join(link.itertext()):
            return str(link.get("href"))
    return None


def test_every_open_alert_is_reached_page_by_page_newest_first(
    hub: Hub, signed_in: SignedIn
) -> None:
    ours = _raise(hub, 2 * ALERTS_PAGE_SIZE + 7)
    _raise(hub, 5, organisation="another-council")  # not in this IG officer's remit
    client = signed_in("ig_officer")

    seen: list[int] = []
    url: str | None = "/governance/alerts"
    pages = 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.text[:500]
        assert f"{len(ours)} open alerts, newest first" in response.text
        shown = _shown(response.text)
        assert 0 < len(shown) <= ALERTS_PAGE_SIZE
        seen += shown
        url = _older(response.text)
        pages += 1
    assert pages == 3
    assert seen == list(reversed(ours))


def test_a_page_link_that_is_not_an_alert_id_shows_the_newest(
    hub: Hub, signed_in: SignedIn
) -> None:
    ours = _raise(hub, 3)
    client = signed_in("ig_officer")
    for before in ("abc", "0", "-1", "9" * 40, "²"):
        response = client.get("/governance/alerts", params={"before": before})
        assert response.status_code == 200, before
        assert _shown(response.text) == list(reversed(ours))


def test_handling_an_alert_far_back_in_the_queue_shows_it_with_the_error(
    hub: Hub, signed_in: SignedIn
) -> None:
    # The card in error was looked for among the 200 newest alerts only: for an older one,
    # htmx got a 400 page it does not swap in (nothing happened), and a plain post a page
    # whose error summary linked to a card that was not on it.
    oldest = _raise(hub, governance.PAGE_MAX + 5)[0]
    client = signed_in("ig_officer")
    token = csrf_from(client.get("/governance/alerts").text)
    url = f"/governance/alerts/{oldest}"

    plain = client.post(url, data={"csrf_token": token, "note": ""})
    assert plain.status_code == 400
    assert list(error_summary(plain.text)) == [f"#note-{oldest}"]
    assert oldest in _shown(plain.text)

    swapped = client.post(
        url, data={"csrf_token": token, "note": ""}, headers={"HX-Request": "true"}
    )
    assert swapped.status_code == 200
    assert _shown(swapped.text) == [oldest] and "Write a note" in swapped.text
