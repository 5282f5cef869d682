"""decide(): one table row per rule and per boundary — request in, expected outcome and reason."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from joinedup.policy import (
    BREAK_GLASS_MAX,
    BreakGlass,
    Clause,
    Holding,
    Relationship,
    ResidentChoice,
    agreements_in_force,
    decide,
)
from tests.unit.policy.builders import NOW, agreement, request

CARE = ("social_care", "social_care.adult")
TAX = ("tax", "finance.council_tax")
BEFRIENDING = ("befriending", "charity.befriending")
GP = ("gp", "health.gp_registration")

# The person is known only to the council and the charity, so the ICB has no own record.
NOT_KNOWN_TO_ICB = (
    Holding("social_care", "council", ("social_care.adult",)),
    Holding("befriending", "charity", ("charity.befriending",)),
)
HOUR = timedelta(hours=1)
HOUSING = {"organisation": "council", "role": "housing_officer", "purpose": "housing_support"}


def rel(**changes: Any) -> Relationship:
    base = Relationship(
        org="icb",
        reason="new patient",
        starts_at=NOW - timedelta(days=1),
        expires_at=NOW + timedelta(days=1),
    )
    return replace(base, **changes)


def glass(**changes: Any) -> BreakGlass:
    base = BreakGlass(
        actor="u-gp",
        reason="unconscious in A&E",
        started_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(hours=1),
    )
    return replace(base, **changes)


def choice(kind: str, purpose: str = "direct_care", **changes: Any) -> ResidentChoice:
    base = ResidentChoice(kind=kind, purpose=purpose, given=True, at=NOW - timedelta(days=1))  # type: ignore[arg-type]
    return replace(base, **changes)


@dataclass(frozen=True)
class Case:
    name: str
    changes: dict[str, Any]
    item: tuple[str, str]
    permitted: bool
    code: str


CASES = [
    # request-level rules
    Case("unknown role", {"role": "wizard"}, CARE, False, "deny_unknown_role"),
    Case("unknown purpose", {"purpose": "curiosity"}, CARE, False, "deny_unknown_purpose"),
    Case("planning is aggregate only", {"purpose": "planning"}, CARE, False, "deny_aggregate_only"),
    Case(
        "resident sees own record",
        {"role": "resident", "requester_person_id": "p1"},
        BEFRIENDING,
        True,
        "permit_subject_access",
    ),
    Case(
        "resident cannot see another person",
        {"role": "resident", "requester_person_id": "p2"},
        CARE,
        False,
        "deny_role_not_permitted",
    ),
    # legitimate relationship for direct care
    Case("own record is a relationship", {}, CARE, True, "permit"),
    Case(
        "no record, no relationship",
        {"holdings": NOT_KNOWN_TO_ICB},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "declared relationship",
        {"holdings": NOT_KNOWN_TO_ICB, "relationships": (rel(),)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "relationship from its start instant",
        {"holdings": NOT_KNOWN_TO_ICB, "relationships": (rel(starts_at=NOW),)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "relationship not yet started",
        {
            "holdings": NOT_KNOWN_TO_ICB,
            "relationships": (rel(starts_at=NOW + timedelta(seconds=1)),),
        },
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "relationship a microsecond before expiry",
        {
            "holdings": NOT_KNOWN_TO_ICB,
            "relationships": (rel(expires_at=NOW + timedelta(microseconds=1)),),
        },
        CARE,
        True,
        "permit",
    ),
    Case(
        "relationship expired at this instant",
        {"holdings": NOT_KNOWN_TO_ICB, "relationships": (rel(expires_at=NOW),)},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "relationship of another organisation",
        {"holdings": NOT_KNOWN_TO_ICB, "relationships": (rel(org="council"),)},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "relationship of another user",
        {"holdings": NOT_KNOWN_TO_ICB, "relationships": (rel(actor="u-other"),)},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "relationship of this user",
        {"holdings": NOT_KNOWN_TO_ICB, "relationships": (rel(actor="u-gp"),)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "safeguarding needs no relationship",
        {"holdings": NOT_KNOWN_TO_ICB, "purpose": "safeguarding"},
        CARE,
        True,
        "permit",
    ),
    # break-glass
    Case(
        "break-glass stands in for a relationship",
        {"holdings": NOT_KNOWN_TO_ICB, "break_glass": glass()},
        CARE,
        True,
        "permit",
    ),
    Case(
        "break-glass expired at this instant",
        {"holdings": NOT_KNOWN_TO_ICB, "break_glass": glass(expires_at=NOW)},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "break-glass without a reason",
        {"holdings": NOT_KNOWN_TO_ICB, "break_glass": glass(reason="  ")},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "break-glass of exactly the longest time",
        {
            "holdings": NOT_KNOWN_TO_ICB,
            "break_glass": glass(
                started_at=NOW - timedelta(hours=1),
                expires_at=NOW - timedelta(hours=1) + BREAK_GLASS_MAX,
            ),
        },
        CARE,
        True,
        "permit",
    ),
    Case(
        "break-glass longer than allowed",
        {
            "holdings": NOT_KNOWN_TO_ICB,
            "break_glass": glass(expires_at=NOW - timedelta(hours=1) + BREAK_GLASS_MAX * 2),
        },
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "another user's break-glass",
        {"holdings": NOT_KNOWN_TO_ICB, "break_glass": glass(actor="u-other")},
        CARE,
        False,
        "deny_no_relationship",
    ),
    Case(
        "break-glass does not open what no agreement shares",
        {
            "holdings": (*NOT_KNOWN_TO_ICB, Holding("tax", "council", ("finance.council_tax",))),
            "break_glass": glass(),
        },
        TAX,
        False,
        "deny_recipient_not_party",
    ),
    # agreement validity (UK calendar days, both ends inclusive)
    Case(
        "last valid day, 23:59 in London (BST)",
        {"now": datetime(2026, 12, 31, 23, 59, tzinfo=UTC)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "the day after valid_to",
        {"now": datetime(2027, 1, 1, 0, 0, tzinfo=UTC)},
        CARE,
        False,
        "deny_agreement_not_in_force",
    ),
    Case(
        "first valid day starts at midnight London time (23:00 UTC the day before)",
        {"now": datetime(2026, 3, 31, 23, 0, tzinfo=UTC)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "an hour before the first valid day in London",
        {"now": datetime(2026, 3, 31, 22, 59, 59, tzinfo=UTC)},
        CARE,
        False,
        "deny_agreement_not_in_force",
    ),
    # clause matching
    Case("no clause shares it", {}, GP, False, "deny_no_agreement"),
    Case(
        "recipient organisation not named",
        {"organisation": "council", "role": "gp"},
        CARE,
        False,
        "deny_recipient_not_party",
    ),
    Case("role not named", {"role": "social_worker"}, CARE, False, "deny_role_not_permitted"),
    Case(
        "purpose not named", {"purpose": "debt_support"}, CARE, False, "deny_purpose_not_permitted"
    ),
    Case("a wildcard covers ordinary categories", HOUSING, TAX, True, "permit"),
    Case(
        "provider must match the clause",
        {**HOUSING, "holdings": (Holding("tax", "charity", ("finance.council_tax",)),)},
        TAX,
        False,
        "deny_provider_mismatch",
    ),
    # consent
    Case("consent required and absent", {}, BEFRIENDING, False, "deny_consent_missing"),
    Case("consent given", {"choices": (choice("consent"),)}, BEFRIENDING, True, "permit"),
    Case(
        "consent for this source only",
        {"choices": (choice("consent", source="befriending"),)},
        BEFRIENDING,
        True,
        "permit",
    ),
    Case(
        "consent for another source",
        {"choices": (choice("consent", source="tax"),)},
        BEFRIENDING,
        False,
        "deny_consent_missing",
    ),
    Case(
        "consent for another purpose",
        {"choices": (choice("consent", purpose="debt_support"),)},
        BEFRIENDING,
        False,
        "deny_consent_missing",
    ),
    Case(
        "consent recorded after now does not count yet",
        {"choices": (choice("consent", at=NOW + timedelta(seconds=1)),)},
        BEFRIENDING,
        False,
        "deny_consent_missing",
    ),
    Case(
        "consent recorded at this instant counts",
        {"choices": (choice("consent", at=NOW),)},
        BEFRIENDING,
        True,
        "permit",
    ),
    Case(
        "consent given then withdrawn",
        {
            "choices": (
                choice("consent"),
                choice("consent", given=False, at=NOW - timedelta(hours=1)),
            )
        },
        BEFRIENDING,
        False,
        "deny_consent_missing",
    ),
    Case(
        "consent withdrawn then given again",
        {
            "choices": (
                choice("consent", given=False),
                choice("consent", at=NOW - timedelta(hours=1)),
            )
        },
        BEFRIENDING,
        True,
        "permit",
    ),
    Case(
        "a later general withdrawal revokes a source consent",
        {
            "choices": (
                choice("consent", source="befriending"),
                choice("consent", given=False, at=NOW - timedelta(hours=1)),
            )
        },
        BEFRIENDING,
        False,
        "deny_consent_missing",
    ),
    # objection, and safeguarding overriding it as data (clause 2: objection: override)
    Case("objection honoured", {"choices": (choice("objection"),)}, CARE, False, "deny_objection"),
    Case(
        "objection to another purpose",
        {"choices": (choice("objection", purpose="housing_support"),)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "objection withdrawn",
        {"choices": (choice("objection"), choice("objection", given=False, at=NOW))},
        CARE,
        True,
        "permit",
    ),
    Case(
        "objection to another source",
        {"choices": (choice("objection", source="tax"),)},
        CARE,
        True,
        "permit",
    ),
    Case(
        "safeguarding clause overrides an objection",
        {"purpose": "safeguarding", "choices": (choice("objection", purpose="safeguarding"),)},
        CARE,
        True,
        "permit_objection_overridden",
    ),
    Case(
        "objection to housing support honoured (no override in its clause)",
        {**HOUSING, "choices": (choice("objection", purpose="housing_support"),)},
        TAX,
        False,
        "deny_objection",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_decide(case: Case) -> None:
    decision = decide(request(**case.changes))
    item = decision.item(*case.item)
    assert item is not None, f"{case.item} is not held"
    assert item.permitted is case.permitted, item.reasons
    assert case.code in {reason.code for reason in item.reasons}, item.reasons


def test_permit_reason_cites_agreement_version_clause_and_hash() -> None:
    care = agreement()
    decision = decide(request(agreements=(care,)))
    (reason,) = decision.item(*CARE).reasons  # type: ignore[union-attr]
    assert (reason.agreement, reason.version, reason.clause) == ("care", 1, "1")
    assert reason.sha256 == care.sha256
    assert reason.citation == "care@1 clause 1"
    assert "9(2)(h)" in reason.message
    assert [ref.to_dict() for ref in decision.agreements_used] == [
        {"id": "care", "version": 1, "sha256": care.sha256}
    ]


def test_override_reason_states_its_grounds() -> None:
    decision = decide(
        request(purpose="safeguarding", choices=(choice("objection", purpose="safeguarding"),))
    )
    (reason,) = decision.item(*CARE).reasons  # type: ignore[union-attr]
    assert "compelling legitimate grounds" in reason.message
    assert reason.clause == "2"


def test_deny_lists_each_clause_that_came_close() -> None:
    decision = decide(request(role="social_worker", purpose="safeguarding"))
    reasons = decision.item(*CARE).reasons  # type: ignore[union-attr]
    assert {(r.clause, r.code) for r in reasons} == {
        ("1", "deny_role_not_permitted"),
        ("2", "deny_role_not_permitted"),
    }


def test_break_glass_is_flagged_only_when_it_was_needed() -> None:
    flagged = decide(request(holdings=NOT_KNOWN_TO_ICB, break_glass=glass()))
    assert flagged.break_glass_used and flagged.reasons[0].code == "break_glass"
    not_needed = decide(request(break_glass=glass()))
    assert not not_needed.break_glass_used


def test_superseded_version_no_longer_applies_even_within_its_dates() -> None:
    v1 = agreement()
    v2 = agreement(
        version=2,
        valid_from=datetime(2026, 5, 1).date(),
        clauses=tuple(c for c in v1.clauses if c.id != "4"),
        sha256="b" * 64,
    )
    decision = decide(request(agreements=(v1, v2), choices=(choice("consent"),)))
    item = decision.item(*BEFRIENDING)
    assert item is not None and not item.permitted
    (reason,) = item.reasons
    assert reason.code == "deny_agreement_not_in_force"
    assert "superseded by version 2" in reason.message
    care = decision.item(*CARE)
    assert care is not None and care.reasons[0].version == 2


def test_future_version_does_not_apply_before_it_starts() -> None:
    v1 = agreement()
    v2 = agreement(version=2, valid_from=datetime(2026, 7, 1).date(), sha256="c" * 64)
    decision = decide(request(agreements=(v1, v2)))
    assert decision.item(*CARE).reasons[0].version == 1  # type: ignore[union-attr]


AGREEMENTS_IN_FORCE = [
    # (when, UTC), versions in force, why
    (datetime(2026, 4, 15, 12, 0, tzinfo=UTC), [1], "version 2 has not started"),
    (datetime(2026, 5, 1, 12, 0, tzinfo=UTC), [2], "version 2 supersedes 1 within 1's dates"),
    (datetime(2026, 4, 30, 23, 30, tzinfo=UTC), [2], "already 1 May in the UK (BST)"),
    (datetime(2027, 1, 2, 12, 0, tzinfo=UTC), [], "both have expired"),
]


@pytest.mark.parametrize(("when", "expected", "why"), AGREEMENTS_IN_FORCE)
def test_agreements_in_force_are_those_decide_applies(
    when: datetime, expected: list[int], why: str
) -> None:
    v1 = agreement()
    v2 = agreement(version=2, valid_from=datetime(2026, 5, 1).date(), sha256="b" * 64)
    found = [a.version for a in agreements_in_force((v1, v2), when)]
    assert found == expected, why


def test_a_wildcard_never_opens_a_sealed_category() -> None:
    base = agreement()
    loose = Clause(
        id="9",
        source="gp",
        provider="icb",
        categories=("health.*",),
        recipients=("icb",),
        roles=("gp",),
        purposes=("direct_care",),
        article_6="6(1)(e)",
        article_9="9(2)(h)",
    )
    decision = decide(request(agreements=(replace(base, clauses=(*base.clauses, loose)),)))
    item = decision.item(*GP)
    assert item is not None and not item.permitted
    assert item.reasons[0].code == "deny_sealed"


def test_outcome_and_released_labels() -> None:
    decision = decide(request())
    assert decision.outcome == "partial"
    assert decision.released_labels == ("social_care/social_care.adult",)
    assert decision.allows(*CARE) and not decision.allows(*TAX)
    assert not decision.allows("nowhere", "nothing")
    assert decide(request(purpose="planning")).outcome == "deny"
    everything = decide(request(role="resident", requester_person_id="p1"))
    assert everything.outcome == "permit"
    assert everything.to_dict()["items"][0]["permitted"] is True


def test_no_agreements_means_nothing_is_released() -> None:
    assert decide(request(agreements=())).released == ()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        request(now=datetime(2026, 6, 1, 10, 0))
