"""A break-glass reason reaches the resident only as an IG officer released or redacted it.

On the tiny Northbridge of ``practitioner_hub``, on SQLite and PostgreSQL: a GP breaks the glass
on Clare with a reason that names a third party; Clare's access log and subject access pack flag
the emergency access at once, naming organisation, role and purpose, but not the reason; the IG
officer reads it (audited), redacts it with a summary, and later releases it — each a new row,
each audited — and Clare sees exactly what was decided. The trail itself is never edited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from joinedup.services import accounts
from joinedup.store.db import session_scope
from joinedup.store.disclosure_tables import BreakGlassReasonReview
from joinedup.store.governance_tables import AuditEvent
from tests.integration.api.practitioner_hub import (
    ANNE,
    CLARE,
    PractitionerHub,
    make_practitioner_hub,
)

TYPED = "Concerned about her after her husband John Smith, 14 Oak Rd, reported a fall"
GP_IG = "ig.icb"
SUMMARY = "A family member was worried about your safety after a fall at home."


@pytest.fixture
def hub(engine: Engine) -> Iterator[PractitionerHub]:
    hub = make_practitioner_hub(engine)
    hub.add_ig_officer(GP_IG, "nhs-northbridge-icb")
    yield hub
    hub.client.close()


def _clare(hub: PractitionerHub) -> dict[str, str]:
    with session_scope(hub.engine) as session:
        user = accounts.create_user(
            session,
            username="clare.resident",
            display_name="Clare",
            role="resident",
            person_id=CLARE,
        )
        secret = accounts.issue_token(session, user_id=user.id, name="t", scopes=["read"]).secret
    return {"Authorization": f"Bearer {secret}"}


def _break_glass(hub: PractitionerHub) -> int:
    view = hub.break_glass_and_view(CLARE, TYPED)
    assert view["break_glass_used"] is True
    alerts = hub.client.get("/api/v1/governance/alerts", headers=_ig(hub)).json()
    [alert] = [a for a in alerts if a["kind"] == "break_glass"]
    assert alert["reason_review"] == "under_review"
    return int(alert["id"])


def _ig(hub: PractitionerHub) -> dict[str, str]:
    """The IG officer of the GP's organisation, who decides what the resident is told."""
    return hub.bearer(GP_IG, None)


def _glass_entries(hub: PractitionerHub, me: dict[str, str]) -> tuple[list[Any], str]:
    response = hub.client.get("/api/v1/me/access-log", headers=me)
    assert response.status_code == 200, response.text
    return [e for e in response.json()["entries"] if e["break_glass"]], response.text


def _pack(hub: PractitionerHub, me: dict[str, str]) -> str:
    response = hub.client.get("/api/v1/me/subject-access", headers=me)
    assert response.status_code == 200, response.text
    return response.text


def _actions(hub: PractitionerHub) -> list[tuple[str, str | None]]:
    with session_scope(hub.engine) as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.reason)
            .where(AuditEvent.action.like("break_glass.reason_%"))
            .order_by(AuditEvent.seq)
        )
        return [(a, r) for a, r in rows]


def test_the_resident_sees_the_reason_only_as_the_ig_officer_decides(hub: PractitionerHub) -> None:
    me = _clare(hub)
    alert_id = _break_glass(hub)
    url = f"/api/v1/governance/alerts/{alert_id}/break-glass-reason"

    # Before any review: flagged, organisation, role and purpose — never the typed words.
    glass, body = _glass_entries(hub, me)
    assert glass and TYPED not in body and "John Smith" not in body
    assert {(e["organisation"], e["role"], e["purpose"]) for e in glass} == {
        ("nhs-northbridge-icb", "gp", "direct_care")
    }
    assert all(e["break_glass_reason_status"] == "under_review" for e in glass)
    assert all(e["break_glass_reason"] is None for e in glass)
    assert "John Smith" not in _pack(hub, me)

    # The IG officer reads it in full (audited), and redacts it.
    read = hub.client.get(url, headers=_ig(hub))
    assert read.status_code == 200, read.text
    assert read.json()["reason"] == TYPED and read.json()["status"] == "under_review"
    assert read.json()["role"] == "gp" and read.json()["purpose"] == "direct_care"
    redacted = hub.client.post(
        url, headers=_ig(hub), json={"decision": "redact", "summary": SUMMARY}
    )
    assert redacted.status_code == 201, redacted.text
    assert redacted.json()["status"] == "redacted" and redacted.json()["shown_text"] == SUMMARY

    glass, body = _glass_entries(hub, me)
    assert "John Smith" not in body
    assert all(e["break_glass_reason"] == SUMMARY for e in glass)
    assert all(e["break_glass_reason_status"] == "redacted" for e in glass)
    pack = _pack(hub, me)
    assert SUMMARY in pack and "John Smith" not in pack

    # A change of mind is a new review; the last one is what the resident sees.
    released = hub.client.post(url, headers=_ig(hub), json={"decision": "release"})
    assert released.status_code == 201, released.text
    assert [h["outcome"] for h in released.json()["history"]] == ["redacted", "released"]
    glass, _ = _glass_entries(hub, me)
    assert all(e["break_glass_reason"] == TYPED for e in glass)
    assert all(e["break_glass_reason_status"] == "released" for e in glass)
    alerts = hub.client.get("/api/v1/governance/alerts", headers=_ig(hub)).json()
    assert [a["reason_review"] for a in alerts if a["id"] == alert_id] == ["released"]

    # Each step on the trail, proving what was shown by its hash — not the words themselves.
    actions = _actions(hub)
    assert [a for a, _ in actions] == [
        "break_glass.reason_read",
        "break_glass.reason_redact",
        "break_glass.reason_release",
    ]
    assert hashlib.sha256(SUMMARY.encode()).hexdigest() in (actions[1][1] or "")
    assert all("John" not in (r or "") and SUMMARY not in (r or "") for _, r in actions)
    # The resident is told of the IG officer's reading and decisions too, by organisation.
    _, body = _glass_entries(hub, me)
    assert "decided you can see that reason as it was written" in body
    assert GP_IG not in body


def test_the_reviews_are_append_only(hub: PractitionerHub) -> None:
    alert_id = _break_glass(hub)
    url = f"/api/v1/governance/alerts/{alert_id}/break-glass-reason"
    posted = hub.client.post(url, headers=_ig(hub), json={"decision": "redact", "summary": SUMMARY})
    assert posted.status_code == 201, posted.text
    for statement in (
        "UPDATE break_glass_reason_reviews SET shown_text = 'changed'",
        "DELETE FROM break_glass_reason_reviews",
    ):
        with pytest.raises(DBAPIError, match="append-only"), session_scope(hub.engine) as s:
            s.execute(text(statement))
    with session_scope(hub.engine) as session:
        [row] = session.scalars(select(BreakGlassReasonReview))
        assert row.shown_text == SUMMARY and row.reviewed_by == GP_IG


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"decision": "redact"}, 400, "Write a summary"),
        ({"decision": "redact", "summary": "too short"}, 400, "Write a summary"),
        ({"decision": "redact", "summary": "A worry\x00about safety"}, 400, "control characters"),
        ({"decision": "redact", "summary": "\u200b" * 30}, 400, "Write a summary"),
        ({"decision": "release", "summary": SUMMARY}, 400, "only for a redacted reason"),
        ({"decision": "publish"}, 422, "decision"),
        ({"decision": "release", "extra": 1}, 422, "extra"),
    ],
)
def test_bad_reviews_are_refused_and_record_nothing(
    hub: PractitionerHub, body: dict[str, Any], status: int, says: str
) -> None:
    alert_id = _break_glass(hub)
    url = f"/api/v1/governance/alerts/{alert_id}/break-glass-reason"
    response = hub.client.post(url, headers=_ig(hub), json=body)
    assert response.status_code == status, response.text
    assert says in str(response.json()["detail"])
    with session_scope(hub.engine) as session:
        assert session.scalars(select(BreakGlassReasonReview)).first() is None


def test_a_summary_that_is_not_valid_unicode_is_refused(hub: PractitionerHub) -> None:
    alert_id = _break_glass(hub)
    response = hub.client.post(
        f"/api/v1/governance/alerts/{alert_id}/break-glass-reason",
        content=b'{"decision": "redact", "summary": "A worry \\ud800 about your safety"}',
        headers={**_ig(hub), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert "summary" in response.json()["detail"]
    with session_scope(hub.engine) as session:
        assert session.scalars(select(BreakGlassReasonReview)).first() is None


def test_an_alert_that_is_not_break_glass_has_no_reason_to_review(hub: PractitionerHub) -> None:
    declared = hub.client.post(
        f"/api/v1/persons/{ANNE}/relationships",
        headers=hub.bearer("housing_officer", "housing_support"),
        json={"reason": "Allocated housing officer for the tenancy", "days": 30},
    )
    assert declared.status_code == 201, declared.text
    [alert] = hub.client.get("/api/v1/governance/alerts", headers=_ig(hub)).json()
    assert alert["kind"] == "relationship_declared" and alert["reason_review"] is None
    url = f"/api/v1/governance/alerts/{alert['id']}/break-glass-reason"
    assert hub.client.get(url, headers=_ig(hub)).status_code == 404
    missing = hub.client.get(
        "/api/v1/governance/alerts/999999/break-glass-reason", headers=_ig(hub)
    )
    assert missing.status_code == 404 and missing.json()["detail"]


@pytest.mark.parametrize("role", ["gp", "social_worker", "reviewer", "admin", "resident"])
def test_only_an_ig_officer_reviews_a_reason(hub: PractitionerHub, role: str) -> None:
    alert_id = _break_glass(hub)
    url = f"/api/v1/governance/alerts/{alert_id}/break-glass-reason"
    assert hub.client.get(url, headers=hub.bearer(role)).status_code == 403
    posted = hub.client.post(url, headers=hub.bearer(role), json={"decision": "release"})
    assert posted.status_code == 403
    assert _actions(hub) == []
