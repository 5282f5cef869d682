"""Reasons are read by people, so they name a purpose by its label, never by its id.

One row per reason that names the purpose: the request, the item, the code, and the words the
reason must contain. An id such as ``direct_care`` must not appear in the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from joinedup.policy import PURPOSES, Holding, ResidentChoice, decide, purpose_label
from joinedup.policy.vocabulary import purpose_words
from tests.unit.policy.builders import NOW, request

CARE = ("social_care", "social_care.adult")
TAX = ("tax", "finance.council_tax")
BEFRIENDING = ("befriending", "charity.befriending")
NOT_KNOWN_TO_ICB = (Holding("social_care", "council", ("social_care.adult",)),)


def _choice(kind: str, purpose: str) -> ResidentChoice:
    return ResidentChoice(kind=kind, purpose=purpose, given=True, at=NOW - timedelta(days=1))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Row:
    name: str
    changes: dict[str, Any]
    item: tuple[str, str]
    code: str
    words: str


ROWS = [
    Row("permitted", {}, CARE, "permit", "permitted for direct care ("),
    Row(
        "no relationship",
        {"holdings": NOT_KNOWN_TO_ICB},
        CARE,
        "deny_no_relationship",
        "direct care needs a legitimate relationship",
    ),
    Row(
        "aggregate only",
        {"purpose": "planning"},
        CARE,
        "deny_aggregate_only",
        "planning is aggregate only",
    ),
    Row(
        "purpose not in the clause",
        {"role": "housing_officer", "organisation": "council", "purpose": "debt_support"},
        TAX,
        "deny_purpose_not_permitted",
        "the purpose debt support is not permitted",
    ),
    Row(
        "consent missing",
        {},
        BEFRIENDING,
        "deny_consent_missing",
        "consent for direct care is required",
    ),
    Row(
        "objection honoured",
        {
            "role": "housing_officer",
            "organisation": "council",
            "purpose": "housing_support",
            "choices": (_choice("objection", "housing_support"),),
        },
        TAX,
        "deny_objection",
        "objects to sharing for housing support",
    ),
    Row(
        "objection overridden",
        {"purpose": "safeguarding", "choices": (_choice("objection", "safeguarding"),)},
        CARE,
        "permit_objection_overridden",
        "despite the resident's objection to safeguarding:",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
def test_reasons_name_the_purpose_by_its_label(row: Row) -> None:
    decision = decide(request(**row.changes))
    [item] = [i for i in decision.items if (i.source, i.category) == row.item]
    [reason] = [r for r in item.reasons if r.code == row.code]
    assert row.words in reason.message
    assert "_" not in reason.message.split(":")[0], "a purpose id, not its label"


@pytest.mark.parametrize(
    ("purpose", "label", "words"),
    [
        ("direct_care", "Direct care", "direct care"),
        ("housing_support", "Housing support", "housing support"),
        ("planning", "Planning", "planning"),
        # Not in the vocabulary (an old audit row): tidied, never refused.
        ("school_transport", "School transport", "school transport"),
    ],
)
def test_purpose_labels(purpose: str, label: str, words: str) -> None:
    assert (purpose_label(purpose), purpose_words(purpose)) == (label, words)


def test_every_purpose_has_a_label_of_its_own() -> None:
    labels = [rule.label for rule in PURPOSES.values()]
    assert all(label and label[0].isupper() for label in labels)
    assert len(set(labels)) == len(labels)
