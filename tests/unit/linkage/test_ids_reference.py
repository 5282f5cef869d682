"""assign_ids agrees exactly with the reference that walks every cluster through the rules."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.linkage.ids import _ALPHABET, _spell, assign_ids, is_person_id

from .reference_ids import reference_assign_ids

KEYS = [f"s|{i}" for i in range(12)]
key = st.sampled_from(KEYS)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(key, st.sampled_from(["PA", "PB", "PC", "PD"])),
    st.dictionaries(key, st.sampled_from(["c1", "c2", "c3", "c4", "c5"])),
    st.dictionaries(st.sampled_from(["PA", "PB", "PC", "PD"]), st.integers(1, 3)),
    st.lists(st.sampled_from(["N0", "N1", "N3"]), max_size=2),
)
def test_agrees_with_the_reference(previous, clusters, order, taken):
    results = []
    for assign in (assign_ids, reference_assign_ids):
        counter = itertools.count()
        results.append(
            assign(
                previous,
                clusters,
                created_order=order,
                new_id=lambda: f"N{next(counter)}",  # noqa: B023 (used before the loop moves on)
                taken=taken,
            )
        )
    assert results[0] == results[1]


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(key, st.sampled_from(["PA", "PB", "PC", "PD"]), min_size=4),
    st.dictionaries(st.sampled_from(["PA", "PB", "PC", "PD"]), st.sampled_from(["c1", "c2"])),
    st.dictionaries(key, st.sampled_from(["c1", "c2", "c3", None])),
)
def test_agrees_with_the_reference_when_most_persons_stay_whole(previous, label_of, moves):
    # Persons kept whole (the fast path), with a few records moved, new or no longer clustered.
    clusters = {k: label_of.get(p, f"own-{p}") for k, p in previous.items()}
    for k, label in moves.items():
        if label is None:
            clusters.pop(k, None)
        else:
            clusters[k] = label
    results = []
    for assign in (assign_ids, reference_assign_ids):
        counter = itertools.count()
        results.append(assign(previous, clusters, new_id=lambda: f"N{next(counter)}"))  # noqa: B023
    assert results[0] == results[1]


@given(st.integers(min_value=0, max_value=2**60 - 1))
def test_person_id_spelling_agrees_with_a_character_at_a_time(bits):
    """The pair table spells the 60 bits as one look-up per character did."""
    expected = "P" + "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(12))
    assert _spell(bits) == expected
    assert is_person_id(_spell(bits))
