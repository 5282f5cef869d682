"""Why a household member's name is not shown: words about the requester, never the member's
own choices (consent, objection), which nothing released to the requester."""

from __future__ import annotations

import pytest

from joinedup.policy import vocabulary as v
from joinedup.policy.request import Decision, ItemDecision, Reason
from joinedup.services.household import NEEDS_RELATIONSHIP, NOT_SHARED, _why


def _decision(*item_codes: str, request: str | None = None) -> Decision:
    items = tuple(
        ItemDecision("council_tax", f"c{i}", False, (Reason(code, f"because {code}"),))
        for i, code in enumerate(item_codes)
    )
    reasons = (Reason(request, f"because {request}"),) if request else ()
    return Decision(person_id="PBOB", purpose="debt_support", items=items, reasons=reasons)


CASES = [
    # (why, the member's decision, what the requester reads)
    ("no consent from the member is not said", _decision(v.DENY_CONSENT), NOT_SHARED),
    ("nor the member's objection", _decision(v.DENY_OBJECTION, v.DENY_ROLE), NOT_SHARED),
    ("no agreement for the role", _decision(v.DENY_ROLE), NOT_SHARED),
    ("no relationship with the member is what the requester can act on",
     _decision(v.DENY_ROLE, request=v.DENY_NO_RELATIONSHIP), NEEDS_RELATIONSHIP),
    ("nothing held to decide on", _decision(), NOT_SHARED),
]  # fmt: skip


@pytest.mark.parametrize(
    ("decision", "expected"), [pytest.param(d, e, id=why) for why, d, e in CASES]
)
def test_why_a_member_is_not_named(decision: Decision, expected: str) -> None:
    said = _why(decision)
    assert said == expected
    assert "deny_" not in said and "consent" not in said and "object" not in said
