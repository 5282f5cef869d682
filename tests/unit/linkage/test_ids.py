"""Stable person ids: a table of before/after cases, then properties drawn by Hypothesis."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage.ids import assign_ids, is_person_id, new_person_id


def counter_ids(prefix: str = "N") -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers)}"


# (description, previous record→person, new record→cluster, person age, expected record→person,
#  expected retired, expected event kinds)
CASES = [
    (
        "unchanged clusters keep their ids",
        {"a": "P1", "b": "P1", "c": "P2"},
        {"a": "x", "b": "x", "c": "y"},
        {"P1": 1, "P2": 2},
        {"a": "P1", "b": "P1", "c": "P2"},
        {},
        [],
    ),
    (
        "a new record joins an existing person",
        {"a": "P1"},
        {"a": "x", "b": "x"},
        {"P1": 1},
        {"a": "P1", "b": "P1"},
        {},
        [],
    ),
    (
        "a new record alone forms a new person",
        {"a": "P1"},
        {"a": "x", "b": "y"},
        {"P1": 1},
        {"a": "P1", "b": "N1"},
        {},
        ["create"],
    ),
    (
        "a merge keeps the older id even when the newer person is larger",
        {"a": "P1", "b": "P2", "c": "P2"},
        {"a": "x", "b": "x", "c": "x"},
        {"P1": 1, "P2": 2},
        {"a": "P1", "b": "P1", "c": "P1"},
        {"P2": "P1"},
        ["merge"],
    ),
    (
        "merge age ties keep the id of the person bringing more records",
        {"a": "P1", "b": "P2", "c": "P2"},
        {"a": "x", "b": "x", "c": "x"},
        {"P1": 5, "P2": 5},
        {"a": "P2", "b": "P2", "c": "P2"},
        {"P1": "P2"},
        ["merge"],
    ),
    (
        "merge ties of age and size are broken by id",
        {"a": "P2", "b": "P1"},
        {"a": "x", "b": "x"},
        {"P1": 5, "P2": 5},
        {"a": "P1", "b": "P1"},
        {"P2": "P1"},
        ["merge"],
    ),
    (
        "a split keeps the id on the larger part",
        {"a": "P1", "b": "P1", "c": "P1"},
        {"a": "x", "b": "y", "c": "y"},
        {"P1": 1},
        {"a": "N1", "b": "P1", "c": "P1"},
        {},
        ["split"],
    ),
    (
        "an even split keeps the id on the part with the first record",
        {"a": "P1", "b": "P1"},
        {"a": "x", "b": "y"},
        {"P1": 1},
        {"a": "P1", "b": "N1"},
        {},
        ["split"],
    ),
    (
        "a stray record of another person does not take its id",
        {"a": "P1", "b": "P1", "c": "P1", "d": "P2", "e": "P2"},
        {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"},
        {"P1": 1, "P2": 2},
        {"a": "P1", "b": "P1", "c": "P2", "d": "P2", "e": "P2"},
        {},
        ["split"],
    ),
    (
        "a person whose records all ended is retired without a redirect",
        {"a": "P1", "b": "P2"},
        {"a": "x"},
        {"P1": 1, "P2": 2},
        {"a": "P1"},
        {"P2": None},
        ["retire"],
    ),
    (
        "cluster labels do not matter, only who is with whom",
        {"a": "P1", "b": "P2"},
        {"a": "P2", "b": "P1"},
        {"P1": 1, "P2": 2},
        {"a": "P1", "b": "P2"},
        {},
        [],
    ),
]


@pytest.mark.parametrize(
    ("previous", "clusters", "order", "expected", "retired", "kinds"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_assign_ids(previous, clusters, order, expected, retired, kinds):
    result = assign_ids(previous, clusters, created_order=order, new_id=counter_ids())
    assert result.membership == expected
    assert result.retired == retired
    assert sorted(event.kind for event in result.events) == sorted(kinds)


def test_merge_event_names_survivor_first_with_record_counts():
    result = assign_ids(
        {"a": "P1", "b": "P2", "c": "P2"},
        {"a": "x", "b": "x", "c": "x"},
        created_order={"P1": 1, "P2": 2},
    )
    (event,) = result.events
    assert (event.kind, event.person_ids, event.record_counts) == ("merge", ("P1", "P2"), (1, 2))


def test_split_event_names_the_kept_id_then_the_new_parts():
    result = assign_ids(
        {"a": "P1", "b": "P1", "c": "P1"},
        {"a": "x", "b": "y", "c": "y"},
        new_id=counter_ids(),
    )
    (event,) = result.events
    assert (event.kind, event.person_ids, event.record_counts) == ("split", ("P1", "N1"), (2, 1))


def test_new_ids_never_reuse_taken_ones():
    factory = iter(["P1", "R1", "N9"]).__next__
    result = assign_ids({"a": "P1"}, {"a": "x", "b": "y"}, new_id=factory, taken=["R1"])
    assert result.membership["b"] == "N9"


def test_new_person_ids_are_well_formed_and_distinct():
    ids = {new_person_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(is_person_id(pid) for pid in ids)
    assert not is_person_id("P123")
    assert not is_person_id("PIIIIIIIIIIII")


keys = st.sampled_from([f"s|{n}" for n in range(30)])
labels = st.sampled_from("abcdefgh")
partitions = st.dictionaries(keys, labels, max_size=30)


@st.composite
def before_and_after(draw):
    previous_labels = draw(partitions)
    previous = {key: f"P{label}" for key, label in previous_labels.items()}
    clusters = draw(st.dictionaries(keys, labels, max_size=30))
    # Keep most previous records so that merges and splits, not only retirements, are drawn.
    for key in previous:
        if key not in clusters and draw(st.booleans()):
            clusters[key] = draw(labels)
    order = {pid: draw(st.integers(0, 3)) for pid in set(previous.values())}
    return previous, clusters, order


@settings(max_examples=300, deadline=None)
@given(before_and_after())
def test_rerunning_on_the_same_clusters_changes_nothing(case):
    previous, clusters, order = case
    first = assign_ids(previous, clusters, created_order=order, new_id=counter_ids())
    order2 = {**order, **{pid: 99 for pid in first.created}}
    again = assign_ids(first.membership, clusters, created_order=order2, new_id=counter_ids("M"))
    assert again.membership == first.membership
    assert again.events == () and again.retired == {} and again.created == ()


@settings(max_examples=300, deadline=None)
@given(before_and_after())
def test_every_previous_id_is_active_or_redirects_to_an_active_id(case):
    previous, clusters, order = case
    result = assign_ids(previous, clusters, created_order=order, new_id=counter_ids())
    active = set(result.membership.values())
    surviving = {previous[key] for key in previous if key in clusters}
    for pid in set(previous.values()):
        if pid in active:
            assert pid not in result.retired
        elif pid in surviving:
            assert result.retired[pid] in active
        else:
            assert result.retired[pid] is None


@settings(max_examples=300, deadline=None)
@given(before_and_after())
def test_persons_are_exactly_the_clusters(case):
    previous, clusters, order = case
    result = assign_ids(previous, clusters, created_order=order, new_id=counter_ids())
    assert set(result.membership) == set(clusters)
    for a, b in itertools.combinations(clusters, 2):
        assert (clusters[a] == clusters[b]) == (result.membership[a] == result.membership[b])
    assert not set(result.created) & set(previous.values())
