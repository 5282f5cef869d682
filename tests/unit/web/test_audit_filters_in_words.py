"""The line above audit results names the filters the search ran with (the form folds away on a
phone once there are results, so this line is where the IG officer sees them)."""

from __future__ import annotations

import pytest

from joinedup.web.governance_forms import filters_in_words

DECISIONS = {"permit": "Allowed", "deny": "Refused"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, []),
        ({"search": "1", "person_id": " ", "break_glass": ""}, []),
        ({"person_id": "P7K2M9QX4TB1A"}, ["Person id P7K2M9QX4TB1A"]),
        (
            {"action": "person.view", "person_id": "P1", "actor": "gp@example.org"},
            ["Person id P1", "Member of staff gp@example.org", "Action person.view"],
        ),
        (
            {"role": "social_worker", "purpose": "direct_care", "decision": "deny"},
            ["Role social worker", "Purpose direct care", "Decision refused"],
        ),
        ({"break_glass": "yes"}, ["Only break-glass"]),
        ({"break_glass": "no"}, ["No break-glass"]),
        (
            {"since-day": "31/3/2026", "until-day": "1", "until-month": "4", "until-year": "2026"},
            ["From 31/3/2026", "To 1/4/2026"],
        ),
        ({"credential": "token:12", "organisation": "nhs-trust"},
         ["Organisation id nhs-trust", "Credential token:12"]),
    ],
)  # fmt: skip
def test_filters_in_words(values: dict[str, str], expected: list[str]) -> None:
    assert filters_in_words(values, DECISIONS) == expected
