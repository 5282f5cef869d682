"""Properties of decide() over random requests: deny by default, and no rule ever adds access
that a stricter request would not have."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.policy import ROLES, ResidentChoice, decide
from joinedup.policy.vocabulary import PURPOSES
from tests.unit.policy.builders import NOW, agreement, request

CARE = agreement()

requests = st.builds(
    lambda role, purpose, org, minutes, keep: request(
        role=role,
        purpose=purpose,
        organisation=org,
        now=NOW + timedelta(minutes=minutes),
        agreements=(
            replace(CARE, clauses=tuple(c for c, k in zip(CARE.clauses, keep, strict=True) if k)),
        ),
    ),
    st.sampled_from(ROLES),
    st.sampled_from(sorted(PURPOSES)),
    st.sampled_from(["icb", "council", "charity", "elsewhere"]),
    st.integers(min_value=-400 * 24 * 60, max_value=400 * 24 * 60),
    st.lists(st.booleans(), min_size=len(CARE.clauses), max_size=len(CARE.clauses)),
)


@settings(max_examples=150, deadline=None)
@given(requests)
def test_without_agreements_nothing_is_released(req) -> None:  # type: ignore[no-untyped-def]
    assert decide(replace(req, agreements=())).released == ()


@settings(max_examples=150, deadline=None)
@given(requests)
def test_same_request_same_decision(req) -> None:  # type: ignore[no-untyped-def]
    assert decide(req) == decide(req)


@settings(max_examples=150, deadline=None)
@given(requests, st.sampled_from(sorted(PURPOSES)))
def test_an_objection_never_adds_access(req, purpose) -> None:  # type: ignore[no-untyped-def]
    objecting = replace(
        req, choices=(ResidentChoice("objection", purpose, True, req.now - timedelta(days=1)),)
    )
    assert set(decide(objecting).released) <= set(decide(req).released)


@settings(max_examples=150, deadline=None)
@given(requests)
def test_fewer_clauses_never_add_access(req) -> None:  # type: ignore[no-untyped-def]
    full = replace(req, agreements=(CARE,))
    assert set(decide(req).released) <= set(decide(full).released)


@settings(max_examples=100, deadline=None)
@given(requests)
def test_every_item_has_a_reason(req) -> None:  # type: ignore[no-untyped-def]
    for item in decide(req).items:
        assert item.reasons
        if item.permitted and req.role != "resident":
            assert item.reasons[0].agreement is not None
