"""The resident's "who has looked" page over HTTP: what an access despite an objection says.

Over the practitioner hub (the resident account is Anne's): she objects to sharing for
safeguarding, a social worker looks all the same (the agreements override objections there),
and her page must say that her "no" was known and why the sharing went ahead.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from joinedup.audit.log import NewEvent, append_all
from joinedup.store.db import session_scope
from tests.integration.api.auth_hub import sign_in, username
from tests.integration.api.practitioner_hub import ANNE, make_practitioner_hub
from tests.integration.api.relinking import split_off_the_residents_records


def test_an_access_despite_my_objection_says_why_it_went_ahead(engine: Engine) -> None:
    hub = make_practitioner_hub(engine)
    browser = hub.client.__class__(hub.client.app, raise_server_exceptions=False)
    sign_in(browser, "resident")
    hub.client.post(
        "/api/v1/me/choices",
        headers=hub.bearer("resident", None),
        json={"kind": "objection", "purpose": "safeguarding"},
    )
    hub.client.get(f"/api/v1/persons/{ANNE}", headers=hub.bearer("social_worker", "safeguarding"))
    page = browser.get("/my/access")
    assert page.status_code == 200, page.text
    text = " ".join(page.text.split())
    assert "You had said no to sharing for this. It was shared anyway" in text
    browser.close()
    hub.client.close()


def test_times_are_shown_in_uk_time(engine: Engine) -> None:
    # 23:30 UTC on 30 June is half past midnight on 1 July on a resident's clock (BST).
    hub = make_practitioner_hub(engine)
    with session_scope(engine) as session:
        append_all(
            session,
            [
                NewEvent(
                    actor=username("social_worker"),
                    organisation="northbridge-council",
                    role="social_worker",
                    action="person.view",
                    decision="permit",
                    purpose="safeguarding",
                    person_id=ANNE,
                    at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
                )
            ],
        )
    browser = hub.client.__class__(hub.client.app, raise_server_exceptions=False)
    sign_in(browser, "resident")
    text = " ".join(browser.get("/my/access").text.split())
    assert "1 July 2026, 00:30" in text and "30 June 2026" not in text
    browser.close()
    hub.client.close()


def test_a_break_glass_reason_from_before_a_split_says_why_it_is_not_shown(
    engine: Engine,
) -> None:
    hub = make_practitioner_hub(engine)
    started = hub.client.post(
        f"/api/v1/persons/{ANNE}/break-glass",
        json={"reason": "Neighbour reports a fall; her son Tom Walker has a key", "hours": 1},
        headers=hub.bearer("social_worker", "direct_care"),
    )
    assert started.status_code == 201, started.text
    split_off_the_residents_records(hub.engine, username("resident"))
    browser = hub.client.__class__(hub.client.app, raise_server_exceptions=False)
    sign_in(browser, "resident")
    text = " ".join(browser.get("/my/access").text.split())
    assert "Used emergency access (break-glass) to your record" in text
    assert "some records of someone else's were wrongly joined to yours" in text
    # The warning above the log does not promise a reason that will never be shown.
    assert "Below it says why their reason is not shown here" in text
    assert "shown below once" not in text
    assert "Tom Walker" not in text
    browser.close()
    hub.client.close()
