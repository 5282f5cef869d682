"""Residents and households: exact size, consistent relationships, plausible people."""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given, settings
from hypothesis import strategies as st

from joinedup.demo.people import REFERENCE_DATE
from joinedup.demo.population import build_population
from joinedup.demo.rng import Rng


def _masculine(family: str) -> str:
    # Polish family names take a feminine form (Zieliński, Zielińska): twins of different sex
    # share the name, not its spelling.
    return family[:-1] + "i" if family.endswith(("ska", "cka", "dzka")) else family


@settings(max_examples=25, deadline=None)
@given(people=st.integers(1, 400), seed=st.integers(0, 10**6))
@example(people=4, seed=1454)
def test_the_borough_has_exactly_the_people_asked_for(people: int, seed: int) -> None:
    pop = build_population(people, seed)
    assert len(pop.people) == people
    assert [p.index for p in pop.people] == list(range(people))
    members = sorted(i for h in pop.households for i in h.members)
    assert members == list(range(people))
    for p in pop.people:
        assert p.household < len(pop.households) and p.address >= 0
        if p.twin_of >= 0:
            twin = pop.people[p.twin_of]
            assert twin.twin_of == p.index
            assert (twin.dob, twin.address) == (p.dob, p.address)
            assert _masculine(twin.family) == _masculine(p.family)
            assert twin.given != p.given
        if p.father_son_of >= 0:
            other = pop.people[p.father_son_of]
            assert other.father_son_of == p.index
            assert (other.given, other.family, other.address) == (p.given, p.family, p.address)
            assert other.dob != p.dob
        if p.sibling_group >= 0:
            group = [q for q in pop.people if q.sibling_group == p.sibling_group]
            assert len(group) >= 2 and {q.household for q in group} == {p.household}


def test_people_are_plausible() -> None:
    pop = build_population(5000, 2)
    ages = [p.age for p in pop.people]
    assert min(ages) >= 0 and max(ages) <= 105
    assert 0.15 < sum(a < 18 for a in ages) / len(ages) < 0.35
    for h in pop.households:
        kids = [pop.people[i] for i in h.members if pop.people[i].age < 16]
        assert len(kids) < len(h.members) or not kids, "a child living alone"
    assert all(p.dob <= REFERENCE_DATE for p in pop.people)
    assert len({p.nhs for p in pop.people}) == len(pop.people)
    emails = [p.email for p in pop.people if p.email]
    assert len(set(emails)) == len(emails)
    communities = Counter(p.community for p in pop.people)
    assert communities.most_common(1)[0][0] == "white_british"
    assert len(communities) >= 10


def test_married_women_keep_their_birth_name() -> None:
    pop = build_population(3000, 5)
    married = [p for p in pop.people if p.birth_family]
    assert married
    assert all(p.sex == "female" and p.birth_family != p.family for p in married[:50])


def test_a_household_that_moved_lived_on_another_street() -> None:
    # A move to the house next door is rare; the generator once made nine moves in ten of that
    # kind, which put every mover's old records at their new postcode.
    pop = build_population(3000, 5)
    movers = [p for p in pop.people if p.previous_address >= 0]
    assert len(movers) > 50
    elsewhere = [
        (pop.addresses[p.previous_address].street, pop.addresses[p.previous_address].postcode)
        != (pop.addresses[p.address].street, pop.addresses[p.address].postcode)
        for p in movers
    ]
    assert sum(elsewhere) / len(elsewhere) > 0.95


def test_the_same_seed_gives_the_same_people() -> None:
    a, b = build_population(500, 9), build_population(500, 9)
    assert [(p.given, p.family, p.dob, p.nhs) for p in a.people] == [
        (p.given, p.family, p.dob, p.nhs) for p in b.people
    ]


@given(seed=st.integers(0, 10**6), a=st.integers(-50, 50), width=st.integers(0, 100))
def test_fast_draws_stay_in_range(seed: int, a: int, width: int) -> None:
    rng = Rng(seed)
    assert a <= rng.randint(a, a + width) <= a + width
    assert a <= rng.randrange(a, a + width + 1) <= a + width
    assert rng.choice("xyz") in "xyz"
