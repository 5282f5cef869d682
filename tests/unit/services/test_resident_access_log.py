"""The resident's access log: one line per visit, in words, paged without splitting a visit.

``visit_entry`` is pure (audit events in, one entry out), so its rules are rows of a table.
``access_history``'s paging is checked over an in-memory trail whose fetches are a few events
long, so visits fall across fetch and page boundaries; the API's tests run it on both databases.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from joinedup.policy.request import ResidentChoice
from joinedup.policy.vocabulary import PURPOSES
from joinedup.services import resident_access_log as resident
from joinedup.services.actor import Actor
from joinedup.services.break_glass_reasons import ReasonShown
from joinedup.services.whose_events import Seen

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NAMES = {"northbridge-council": "Northbridge Council"}


def event(seq: int, action: str, **fields: Any) -> Any:
    base: dict[str, Any] = {
        "seq": seq,
        "at": T0 + timedelta(seconds=seq),
        "actor": "sam.social",
        "organisation": "northbridge-council",
        "role": "social_worker",
        "purpose": "safeguarding",
        "action": action,
        "decision": "permit",
        "categories": [],
        "break_glass": False,
        "reason": None,
        "request_id": f"req-{seq}",
    }
    return SimpleNamespace(**{**base, **fields})


def test_every_action_a_practitioner_page_audits_has_words() -> None:
    for action in ("person.view", "person.explain", "person.search", "person.household"):
        assert action in resident.ACTION_WORDS


VISIT_CASES = [
    # (why, events, expected what, expected decision)
    (
        "a person page's view and explanation read as one visit, in the order they happened",
        [
            event(2, "person.explain", request_id="r1"),
            event(1, "person.view", request_id="r1"),
        ],
        "looked at your joined-up record and checked why records from different services "
        "were matched as yours",
        "permit",
    ),
    (
        "the same words twice are said once",
        [event(1, "person.view", request_id="r1"), event(2, "person.view", request_id="r1")],
        "looked at your joined-up record",
        "permit",
    ),
    (
        "a part refused makes the visit partial",
        [
            event(1, "person.view", request_id="r1", decision="partial"),
            event(2, "person.explain", request_id="r1"),
        ],
        "looked at your joined-up record and checked why records from different services "
        "were matched as yours",
        "partial",
    ),
    (
        "a step that needs no decision leaves the others' decision",
        [
            event(1, "relationship.declare", request_id="r1", decision="none"),
            event(2, "person.view", request_id="r1", decision="deny"),
        ],
        "declared that they work with you and looked at your joined-up record",
        "deny",
    ),
]


@pytest.mark.parametrize(
    ("why", "events", "what", "decision"), VISIT_CASES, ids=[c[0] for c in VISIT_CASES]
)
def test_a_visit_reads_as_one_line(why: str, events: list, what: str, decision: str) -> None:
    entry = resident.visit_entry(events, NAMES)
    assert entry.what == what
    assert entry.decision == decision
    assert entry.organisation_name == "Northbridge Council"
    assert entry.at == min(e.at for e in events)
    assert entry.actions == tuple(e.action for e in sorted(events, key=lambda e: e.seq))


def _glass_visit() -> list[Any]:
    return [
        event(
            1,
            "person.view",
            categories=["gp/identity.core"],
            break_glass=True,
            reason="break-glass: found collapsed after John Smith, 14 Oak Rd, called",
            purpose="direct_care",
        ),
        event(2, "person.explain", categories=["gp/identity.core", "council/finance"]),
    ]


def test_a_visit_keeps_every_category_and_its_break_glass_reason_is_under_review() -> None:
    entry = resident.visit_entry(_glass_visit(), NAMES)
    assert entry.categories == ("gp/identity.core", "council/finance")
    assert entry.break_glass and entry.break_glass_reason_status == "under_review"
    # Unreviewed, the reason as typed (which names someone else) is never shown.
    assert entry.break_glass_reason is None
    assert entry.purpose == "direct_care"
    assert entry.purpose_description == PURPOSES["direct_care"].description


@pytest.mark.parametrize(
    ("shown", "status", "text"),
    [
        (ReasonShown("released", "found collapsed"), "released", "found collapsed"),
        (ReasonShown("redacted", "A caller was worried"), "redacted", "A caller was worried"),
        (ReasonShown("under_review", None), "under_review", None),
    ],
)
def test_a_break_glass_reason_is_shown_as_its_review_says(
    shown: ReasonShown, status: str, text: str | None
) -> None:
    entry = resident.visit_entry(_glass_visit(), NAMES, {1: shown})
    assert (entry.break_glass_reason_status, entry.break_glass_reason) == (status, text)


def test_an_ordinary_access_has_no_reason_and_no_review_status() -> None:
    entry = resident.visit_entry([event(1, "person.view", reason="household of P123")], NAMES)
    assert entry.break_glass_reason is None and entry.break_glass_reason_status is None


@pytest.fixture
def trail(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """An in-memory audit trail for one resident, fetched three events at a time."""
    events: list[Any] = []

    def search(session: Any, *, before_seq: int | None, limit: int, within: Any) -> list:
        newest_first = sorted(events, key=lambda e: -e.seq)
        return [e for e in newest_first if before_seq is None or e.seq < before_seq][:limit]

    class AllMine:
        """Every event is the resident's, all of it (no merges, no splits)."""

        condition = None

        def seen(self, event: Any) -> Seen:
            return Seen(tuple(event.categories or ()), across_split=False)

    monkeypatch.setattr(resident.queries, "search", search)
    monkeypatch.setattr(resident.queries, "MAX_LIMIT", 3)
    monkeypatch.setattr(resident, "own_person_id", lambda session, actor, **_: "P-1")
    monkeypatch.setattr(resident, "events_of", lambda session, person_id: AllMine())
    monkeypatch.setattr(resident, "policy_choices", lambda session, ids: ())
    monkeypatch.setattr(resident, "organisation_names", lambda session: NAMES)
    return events


ME = Actor(user="rosa", organisation="", role="resident", person_id="P-1")


def _page(before: int | None = None, limit: int = 2) -> resident.AccessHistory:
    return resident.access_history(
        None,  # type: ignore[arg-type]
        ME,
        before_seq=before,
        limit=limit,
        audit_read=False,
    )


def test_pages_hold_whole_visits_and_skip_the_residents_own_reads(trail: list[Any]) -> None:
    trail.extend(
        [
            event(1, "person.search", request_id="a"),
            event(2, "person.view", request_id="b"),
            event(3, "person.explain", request_id="b"),
            event(4, "resident.record", role="resident", actor="rosa", request_id="c"),
            event(5, "person.view", request_id="d"),
            event(6, "person.explain", request_id="d"),
            event(7, "person.view", request_id="e"),
            event(8, "person.explain", request_id="e"),
        ]
    )
    first = _page()
    assert [e.actions for e in first.entries] == [
        ("person.view", "person.explain"),
        ("person.view", "person.explain"),
    ]
    assert first.next_before_seq == 5
    second = _page(first.next_before_seq)
    assert [e.actions for e in second.entries] == [
        ("person.view", "person.explain"),
        ("person.search",),
    ]
    assert second.next_before_seq is None


def test_a_reused_request_id_does_not_fold_separate_visits(trail: list[Any]) -> None:
    later = T0 + resident.VISIT_WINDOW + timedelta(minutes=5)
    trail.extend(
        [
            event(1, "person.view", request_id="same"),
            event(2, "person.view", request_id="same", at=later),
            event(3, "person.view", request_id="same", actor="other.worker", at=later),
            event(4, "person.view", request_id=None),
            event(5, "person.explain", request_id=None),
        ]
    )
    page = _page(limit=10)
    assert len(page.entries) == 5
    assert page.next_before_seq is None


# Audited actions that never name a person (an administrator's changes to organisations), and
# the resident's own reads (left out of their log). Changes to a resident's own account and its
# tokens name them, so they are said in words.
NEVER_ABOUT_A_PERSON = ("organisation.",)
OWN_READS = ("resident.",)
_ACTION = re.compile(
    r'"((?:person|audit|alert|break_glass|relationship|choice|review|resident|account|token|'
    r'organisation|user)\.[a-z_]+)"'
)


def test_every_audited_action_is_said_in_plain_words() -> None:
    # Any action the hub writes with a person id reaches that resident's log; shown as its id
    # ("Audit search.") it says nothing to them.
    root = Path(resident.__file__).resolve().parents[1]
    actions = {m for path in root.rglob("*.py") for m in _ACTION.findall(path.read_text())}
    assert "audit.search" in actions and "person.view" in actions  # the scan finds them
    unsaid = sorted(
        a
        for a in actions
        if a not in resident.ACTION_WORDS and not a.startswith(NEVER_ABOUT_A_PERSON + OWN_READS)
    )
    assert unsaid == []


def _objection(purpose: str, source: str | None, given: bool, seconds: int) -> ResidentChoice:
    return ResidentChoice("objection", purpose, given, T0 + timedelta(seconds=seconds), source)


OBJECTION_CASES = [
    # (why, event fields, choices, flagged)
    (
        "released for a purpose objected to for every service",
        {"categories": ["council_tax/finance.council_tax"]},
        [_objection("safeguarding", None, True, 0)],
        True,
    ),
    (
        "released from the one service objected to",
        {"categories": ["council_tax/identity.core", "gp_registrations/identity.core"]},
        [_objection("safeguarding", "gp_registrations", True, 0)],
        True,
    ),
    (
        "the objection names another service",
        {"categories": ["council_tax/identity.core"]},
        [_objection("safeguarding", "gp_registrations", True, 0)],
        False,
    ),
    (
        "the objection came after the access",
        {"categories": ["council_tax/identity.core"]},
        [_objection("safeguarding", None, True, 60)],
        False,
    ),
    (
        "the objection was withdrawn before the access",
        {"categories": ["council_tax/identity.core"]},
        [_objection("safeguarding", None, True, 0), _objection("safeguarding", None, False, 1)],
        False,
    ),
    (
        "another purpose",
        {"categories": ["council_tax/identity.core"]},
        [_objection("housing_support", None, True, 0)],
        False,
    ),
    (
        "refused: the objection was obeyed",
        {"categories": [], "decision": "deny"},
        [_objection("safeguarding", None, True, 0)],
        False,
    ),
    (
        "a search releases no service's data",
        {"categories": ["identity.search"], "action": "person.search"},
        [_objection("safeguarding", None, True, 0)],
        False,
    ),
]


@pytest.mark.parametrize(("why", "fields", "choices", "flagged"), OBJECTION_CASES)
def test_an_access_despite_an_objection_is_noted(
    why: str, fields: dict[str, Any], choices: list[ResidentChoice], flagged: bool
) -> None:
    entry = resident.access_entry(event(10, fields.pop("action", "person.view"), **fields), NAMES)
    assert resident.noting_objection(entry, choices).despite_objection is flagged, why
