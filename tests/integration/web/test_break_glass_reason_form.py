"""The IG officer's break-glass reason form over HTTP: CSRF, every error by its field, the save.

The page, its look and the resident's side are checked in Chromium
(``tests/browser/test_governance_pages.py``); here the form is posted with what a browser would
send and with what it would not.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from joinedup.audit import governance
from joinedup.store import sources
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.disclosure_tables import BreakGlassReasonReview
from joinedup.store.governance_tables import Alert
from joinedup.store.linkage_tables import LinkRun, Person, PersonMember
from tests.integration.api.auth_hub import Hub, csrf_from, username
from tests.integration.web.pages import error_summary, value_of

SignedIn = Callable[..., TestClient]
TYPED = "Her partner Sam Jones phoned: she had not been seen for two days"


def _alert(hub: Hub) -> int:
    with session_scope(hub.engine) as session:
        governance.start_break_glass(
            session,
            actor=username("gp"),
            organisation="northbridge-council",
            role="gp",
            person_id="PWEB000000001",
            reason=TYPED,
        )
        alert_id = session.scalars(select(Alert.id)).one()
    return int(alert_id)


def _reviews(hub: Hub) -> list[tuple[str, str]]:
    with session_scope(hub.engine) as session:
        rows = session.execute(
            select(BreakGlassReasonReview.outcome, BreakGlassReasonReview.shown_text)
        )
        return [(o, t) for o, t in rows]


def test_a_post_without_the_csrf_token_is_refused(hub: Hub, signed_in: SignedIn) -> None:
    alert_id = _alert(hub)
    client = signed_in("ig_officer")
    response = client.post(f"/governance/alerts/{alert_id}/reason", data={"decision": "release"})
    assert response.status_code == 403 and _reviews(hub) == []


def test_each_problem_by_its_field_then_saved(hub: Hub, signed_in: SignedIn) -> None:
    alert_id = _alert(hub)
    client = signed_in("ig_officer")
    url = f"/governance/alerts/{alert_id}/reason"
    page = client.get(url)
    assert page.status_code == 200 and TYPED in page.text
    token = csrf_from(page.text)

    nothing = client.post(url, data={"csrf_token": token})
    assert nothing.status_code == 400
    assert list(error_summary(nothing.text)) == ["#decision"]

    short = client.post(url, data={"csrf_token": token, "decision": "redact", "summary": "short"})
    assert short.status_code == 400
    assert list(error_summary(short.text)) == ["#summary"]
    assert value_of(short.text, "summary") == "short"
    assert _reviews(hub) == []

    # The summary box is in the form whatever is chosen: with "as written" it is ignored.
    saved = client.post(
        url,
        data={"csrf_token": token, "decision": "release", "summary": "left over"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{url}?saved=1"
    assert _reviews(hub) == [("released", TYPED)]


def test_only_an_ig_officer_sees_the_page(hub: Hub, signed_in: SignedIn) -> None:
    alert_id = _alert(hub)
    response = signed_in("social_worker").get(f"/governance/alerts/{alert_id}/reason")
    assert response.status_code == 403 and TYPED not in response.text


def _elsewhere(hub: Hub, *, held: bool) -> int:
    """A GP of the ICB breaks the glass on a resident the council (the IG officer's
    organisation) holds a record of when ``held``, or on one it knows nothing of."""
    person = "PHELD00000001" if held else "PNOTHELD00001"
    with session_scope(hub.engine) as session:
        sources.ensure_organisation(session, "nhs-northbridge-icb", "NHS Northbridge", "nhs")
        if held:
            sources.ensure_source(
                session,
                source_id="council_tax",
                organisation_id="northbridge-council",
                name="Council Tax",
                format="csv",
                category="finance.council_tax",
                mapping_text="source: council_tax",
                mapping_sha256="0" * 64,
            )
            run = LinkRun(mode="full", engine="duckdb", status="done", started_at=utcnow())
            session.add(run)
            session.flush()
            session.add(Person(person_id=person, created_run=run.id, status="active"))
            session.flush()
            session.add(
                PersonMember(record_key="council_tax|C9", person_id=person, from_run=run.id)
            )
        governance.start_break_glass(
            session,
            actor=username("gp"),
            organisation="nhs-northbridge-icb",
            role="gp",
            person_id=person,
            reason=TYPED,
        )
        alert_id = session.scalars(select(Alert.id).where(Alert.person_id == person)).one()
    return int(alert_id)


def test_another_organisations_break_glass_is_read_not_decided(
    hub: Hub, signed_in: SignedIn
) -> None:
    alert_id = _elsewhere(hub, held=True)
    client = signed_in("ig_officer")
    url = f"/governance/alerts/{alert_id}/reason"
    page = client.get(url)
    assert page.status_code == 200 and TYPED in page.text
    assert 'id="not-yours-to-decide"' in page.text and 'name="decision"' not in page.text
    refused = client.post(url, data={"csrf_token": csrf_from(page.text), "decision": "release"})
    assert refused.status_code == 403 and _reviews(hub) == []


def test_a_break_glass_outside_the_organisations_remit_is_not_found(
    hub: Hub, signed_in: SignedIn
) -> None:
    alert_id = _elsewhere(hub, held=False)
    page = signed_in("ig_officer").get(f"/governance/alerts/{alert_id}/reason")
    assert page.status_code == 404 and TYPED not in page.text
