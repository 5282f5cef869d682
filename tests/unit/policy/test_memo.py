"""decide() remembers per-item answers: a remembered answer must always be the one it would
work out afresh, whatever else changed between two requests (choices, the time, the asker)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.policy import ROLES, Relationship, ResidentChoice, decide
from joinedup.policy import engine as policy_engine
from joinedup.policy.memo import ItemMemo
from joinedup.policy.vocabulary import PURPOSES
from tests.unit.policy.builders import NOW, agreement, holdings, request

CARE = agreement()
# A few fixed agreement sets, so that requests drawn one after another share them (and so the
# memo) — the case in which a stale answer would show.
SETS = (
    (CARE,),
    (replace(CARE, clauses=CARE.clauses[:2]),),
    (replace(CARE, clauses=CARE.clauses[1:]), agreement(version=2, valid_from=NOW.date())),
)
SOURCES = [None, "social_care", "tax", "befriending", "gp"]

choices = st.lists(
    st.builds(
        ResidentChoice,
        st.sampled_from(["objection", "consent"]),
        st.sampled_from(["direct_care", "safeguarding", "housing_support"]),
        st.booleans(),
        st.integers(min_value=-3, max_value=3).map(lambda d: NOW + timedelta(days=d)),
        st.sampled_from(SOURCES),
    ),
    max_size=4,
)

# Askers that some clause serves (so choices and days matter), and any asker at all.
askers = st.one_of(
    st.sampled_from(
        [
            ("gp", "direct_care", "icb"),
            ("gp", "safeguarding", "icb"),
            ("housing_officer", "housing_support", "council"),
        ]
    ),
    st.tuples(
        st.sampled_from(ROLES),
        st.sampled_from(sorted(PURPOSES)),
        st.sampled_from(["icb", "council", "charity", "elsewhere"]),
    ),
)

requests = st.builds(
    lambda asker, hours, agreements, chosen, related, held, named: request(
        role=asker[0],
        purpose=asker[1],
        organisation=asker[2],
        now=NOW + timedelta(hours=hours),
        agreements=agreements,
        choices=tuple(chosen),
        relationships=(
            (Relationship(asker[2], "case", NOW - timedelta(days=1), NOW + timedelta(days=1)),)
            if related
            else ()
        ),
        holdings=held,
        organisation_names={"council": "Northbridge Council"} if named else {},
    ),
    askers,
    st.integers(min_value=-96, max_value=96),
    st.sampled_from(SETS),
    choices,
    st.booleans(),
    st.sampled_from([holdings(), holdings()[:2], holdings()[2:], ()]),
    st.booleans(),
)


# One thing changed between two requests: the answer to the second must not be the first's.
changes = st.one_of(
    askers.map(lambda a: {"role": a[0], "purpose": a[1], "organisation": a[2]}),
    st.sampled_from(ROLES).map(lambda role: {"role": role}),
    st.sampled_from(sorted(PURPOSES)).map(lambda purpose: {"purpose": purpose}),
    st.sampled_from(["icb", "council", "charity"]).map(lambda org: {"organisation": org}),
    # The day before version 2 of SETS[2] starts, its first day, and after CARE has expired.
    st.sampled_from([-24, 0, 1, 24, 6000]).map(lambda h: {"now": NOW + timedelta(hours=h)}),
    st.sampled_from(SETS).map(lambda agreements: {"agreements": agreements}),
    choices.map(lambda chosen: {"choices": tuple(chosen)}),
    st.sampled_from([holdings(), holdings()[:2], holdings()[2:]]).map(lambda h: {"holdings": h}),
)


@settings(max_examples=600, deadline=None)
@given(requests, changes)
def test_a_remembered_decision_is_the_one_worked_out_afresh(req, change) -> None:  # type: ignore[no-untyped-def]
    other = replace(req, **change)
    policy_engine._MEMO.clear()
    fresh = decide(other)
    policy_engine._MEMO.clear()
    decide(req)  # its answers are remembered; then the other request is asked
    assert decide(other) == fresh
    assert decide(req) == decide(req)


def test_a_choice_made_later_changes_the_answer_at_once() -> None:
    asked = request(purpose="direct_care")
    assert decide(asked).allows("social_care", "social_care.adult")
    objecting = replace(
        asked,
        choices=(ResidentChoice("objection", "direct_care", True, NOW - timedelta(hours=1)),),
    )
    assert not decide(objecting).allows("social_care", "social_care.adult")
    # The objection made after the time asked about does not count.
    later = replace(asked, choices=(replace(objecting.choices[0], at=NOW + timedelta(hours=1)),))
    assert decide(later).allows("social_care", "social_care.adult")


def test_a_new_agreements_tuple_is_never_answered_from_another() -> None:
    asked = request(purpose="direct_care")
    assert decide(asked).allows("social_care", "social_care.adult")
    without = replace(asked, agreements=(replace(CARE, clauses=CARE.clauses[2:]),))
    assert not decide(without).allows("social_care", "social_care.adult")


def test_the_memo_is_bounded() -> None:
    memo = ItemMemo(sets=2, keys=3)
    sets = [(CARE,), (replace(CARE, version=2),), (replace(CARE, version=3),)]
    for agreements in sets:
        for n in range(5):
            assert memo.get(agreements, n, lambda n=n: (n,)) == (n,)  # type: ignore[misc]
    assert len(memo._by_id) == 2
    assert all(len(answers) <= 3 for _, answers in memo._by_id.values())
    # An agreements tuple evicted and seen again starts afresh.
    assert memo.get(sets[0], 0, lambda: ("again",)) == ("again",)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    policy_engine._MEMO.clear()


def test_agreements_in_a_list_are_not_remembered_by_identity() -> None:
    agreements = [CARE]
    asked = request(purpose="direct_care", agreements=agreements)
    assert decide(asked).allows("social_care", "social_care.adult")
    agreements[0] = replace(CARE, clauses=CARE.clauses[2:])  # the same list, changed
    assert not decide(asked).allows("social_care", "social_care.adult")
