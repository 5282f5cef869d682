"""What a decision withheld: the row's items (``Decision.withheld_codes``) and what an IG officer
is shown of them (``services.audit_withheld.shown_withheld``), as tables."""

from __future__ import annotations

import pytest

from joinedup.policy.request import Decision, ItemDecision, Reason
from joinedup.services.audit_withheld import shown_withheld


def _item(source: str, category: str, *codes: str) -> ItemDecision:
    return ItemDecision(source, category, not codes, tuple(Reason(c, c) for c in codes))


def test_the_row_records_every_item_not_released_with_the_closest_reason() -> None:
    decision = Decision(
        "P1",
        "direct_care",
        (
            _item("council_tax", "identity.core"),
            _item("asc", "social_care.adult", "deny_sealed", "deny_recipient_not_party"),
            _item("gp", "identity.core", "deny_role_not_permitted", "deny_objection"),
            _item("gp", "health.gp_registration", "deny_no_agreement"),
        ),
    )
    assert decision.withheld_codes() == [
        {
            "source": "asc",
            "category": "social_care.adult",
            "reason_code": "deny_recipient_not_party",
        },
        {"source": "gp", "category": "identity.core", "reason_code": "deny_objection"},
        {"source": "gp", "category": "health.gp_registration", "reason_code": "deny_no_agreement"},
    ]


ASC = {"source": "asc", "category": "social_care.adult", "reason_code": "deny_sealed"}
ASC_ID = {"source": "asc", "category": "identity.core", "reason_code": "deny_sealed"}
TAX = {"source": "council_tax", "category": "finance.council_tax", "reason_code": "deny_role"}

CASES = [
    # (description, withheld on the row, released labels, officer's sources, shown)
    ("no decision recorded", None, [], set(), None),
    ("nothing withheld", [], ["council_tax/identity.core"], set(), ()),
    ("an ordinary source is shown to all", [TAX], [], set(), (TAX,)),
    ("a masked sealed source is hidden from others", [ASC_ID, ASC, TAX], [], set(), (TAX,)),
    ("and shown to its holder", [ASC_ID, ASC, TAX], [], {"asc"}, (ASC_ID, ASC, TAX)),
    ("a sealed source partly released is not masked", [ASC], ["asc/identity.core"], set(), (ASC,)),
]


@pytest.mark.parametrize(
    ("withheld", "released", "own", "shown"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_what_an_ig_officer_is_shown(
    withheld: list[dict[str, str]] | None,
    released: list[str],
    own: set[str],
    shown: tuple[dict[str, str], ...] | None,
) -> None:
    assert shown_withheld(withheld, released, frozenset(own)) == shown
