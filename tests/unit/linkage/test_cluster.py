"""cluster(): strongest links first, reviewer decisions obeyed, no chaining past contrary pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.errors import JoinedupError
from joinedup.linkage.cluster import cluster


def pairs(*rows: tuple[str, str, float], nhs_weights=None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])
    if nhs_weights is not None:
        ids = zip(frame["unique_id_l"], frame["unique_id_r"], strict=True)
        frame["mw_nhs_number"] = [nhs_weights.get(pair, 0.0) for pair in ids]
    return frame


CASES = [
    # (description, pairs, kwargs, expected groups)
    ("a strong pair links", [("a", "b", 0.9999)], {}, [{"a", "b"}]),
    ("a pair below the unambiguous band does not", [("a", "b", 0.55)], {}, [{"a"}, {"b"}]),
    (
        "a pair below the threshold does not when unambiguous links are off",
        [("a", "b", 0.9)],
        {"unambiguous_probability": None},
        [{"a"}, {"b"}],
    ),
    ("a lone candidate in the unambiguous band links", [("a", "b", 0.7)], {}, [{"a", "b"}]),
    (
        "two candidates for one record: neither links",
        [("a", "b", 0.7), ("a", "c", 0.72)],
        {},
        [{"a"}, {"b"}, {"c"}],
    ),
    (
        "a standing link in the band stays though a second candidate appears",
        [("a", "b", 0.7), ("a", "c", 0.72)],
        {"previous": {"a": "P1", "b": "P1", "c": "P2"}},
        [{"a", "b"}, {"c"}],
    ),
    (
        "a standing link gives way to a reviewer's not-link",
        [("a", "b", 0.7)],
        {"previous": {"a": "P1", "b": "P1"}, "cannot_link": [("a", "b")]},
        [{"a"}, {"b"}],
    ),
    (
        "a standing link whose pair is no longer a candidate splits",
        [("a", "b", 0.4)],
        {"previous": {"a": "P1", "b": "P1"}},
        [{"a"}, {"b"}],
    ),
    (
        "different NHS numbers keep two records apart through a third without one",
        [("a", "c", 0.9999), ("b", "c", 0.9998), ("a", "b", 0.7)],
        {"nhs_weights": {("a", "b"): -9.0}},
        [{"a", "c"}, {"b"}],
    ),
    (
        "a chain joins when nothing contradicts it",
        [("a", "b", 0.9999), ("b", "c", 0.9999)],
        {},
        [{"a", "b", "c"}],
    ),
    (
        "a weak link does not chain two people with contrary evidence",
        [("a", "b", 0.99999), ("c", "d", 0.99999), ("b", "c", 0.9991), ("a", "d", 0.0001)],
        {},
        [{"a", "b"}, {"c", "d"}],
    ),
    (
        "the stronger link wins a three-way conflict",
        [("a", "b", 0.99999), ("b", "c", 0.9995), ("a", "c", 0.001)],
        {},
        [{"a", "b"}, {"c"}],
    ),
    (
        "cannot-link keeps a strong pair apart",
        [("a", "b", 0.99999)],
        {"cannot_link": [("a", "b")]},
        [{"a"}, {"b"}],
    ),
    (
        "cannot-link also stops a chain",
        [("a", "b", 0.99999), ("b", "c", 0.99999)],
        {"cannot_link": [("a", "c")]},
        [{"a", "b"}, {"c"}],
    ),
    (
        "must-link joins a pair the model doubted",
        [("a", "b", 0.1)],
        {"must_link": [("a", "b")]},
        [{"a", "b"}],
    ),
    (
        "must-link joins records in no pair at all",
        [],
        {"must_link": [("x", "y")]},
        [{"x", "y"}],
    ),
    (
        "ids in no pair become persons of one",
        [("a", "b", 0.9999)],
        {"ids": ["a", "b", "z"]},
        [{"a", "b"}, {"z"}],
    ),
]


def groups(assignment: dict[str, str]) -> list[set[str]]:
    out: dict[str, set[str]] = {}
    for record, rep in assignment.items():
        out.setdefault(rep, set()).add(record)
    return sorted(out.values(), key=lambda g: sorted(g))


@pytest.mark.parametrize(
    ("description", "rows", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_cluster_cases(description, rows, kwargs, expected):
    nhs_weights = kwargs.pop("nhs_weights", None)
    scored = pairs(*rows, nhs_weights=nhs_weights)
    assert groups(cluster(scored, threshold=0.999, **kwargs)) == expected


def test_representative_is_smallest_key():
    result = cluster(pairs(("b", "a", 0.9999), ("c", "b", 0.9999)), threshold=0.999)
    assert set(result.values()) == {"a"}


def test_must_link_against_cannot_link_is_refused():
    with pytest.raises(JoinedupError, match="conflict"):
        cluster(pairs(), threshold=0.999, must_link=[("a", "b")], cannot_link=[("a", "b")])


def test_bad_input_is_a_user_error():
    with pytest.raises(JoinedupError):
        cluster(pd.DataFrame({"unique_id_l": []}), threshold=0.999)
    with pytest.raises(JoinedupError):
        cluster(pairs(), threshold=2.0)


ids = st.sampled_from([f"r{i}" for i in range(8)])
edge = st.tuples(ids, ids, st.floats(0.0, 1.0)).filter(lambda e: e[0] != e[1])


@settings(max_examples=60, deadline=None)
@given(st.lists(edge, max_size=20), st.lists(st.tuples(ids, ids), max_size=3))
def test_cannot_link_always_holds_and_order_does_not_matter(edges, cannot):
    cannot = [(a, b) for a, b in cannot if a != b]
    frame = pairs(*edges)
    result = cluster(frame, threshold=0.5, cannot_link=cannot)
    for a, b in cannot:
        assert result[a] != result[b]
    shuffled = frame.sample(frac=1.0, random_state=1)
    assert cluster(shuffled, threshold=0.5, cannot_link=cannot) == result


def test_a_near_match_links_when_it_is_the_only_candidate():
    # "J Smith" (no date of birth) and one John Smith at the address: unambiguous.
    result = cluster(pairs(("ct", "john", 0.995)), threshold=0.999)
    assert result["ct"] == result["john"]


def test_a_near_match_with_two_candidates_stays_apart():
    # Father and son of one name: the date-of-birth-less record could be either.
    frame = pairs(("ct", "senior", 0.995), ("ct", "junior", 0.995), ("junior", "senior", 0.0001))
    result = cluster(frame, threshold=0.999)
    assert len(set(result.values())) == 3


def test_the_unambiguous_rule_can_be_turned_off():
    result = cluster(pairs(("a", "b", 0.995)), threshold=0.999, unambiguous_probability=None)
    assert result["a"] != result["b"]


def test_a_low_scored_pair_is_outweighed_by_the_evidence_between_two_groups():
    scored = pairs(("a", "b", 0.99999), ("b", "c", 0.99999), ("a", "c", 0.005))
    scored["match_weight"] = [20.0, 20.0, -8.0]
    assert groups(cluster(scored, threshold=0.999)) == [{"a", "b", "c"}]


def test_a_low_scored_pair_still_vetoes_when_the_evidence_is_against():
    scored = pairs(("a", "b", 0.99999), ("b", "c", 0.9995), ("a", "c", 0.0001))
    scored["match_weight"] = [20.0, 11.0, -13.3]
    assert groups(cluster(scored, threshold=0.999)) == [{"a", "b"}, {"c"}]


def scored_pairs(*rows: tuple[str, str, float, dict[str, float]]) -> pd.DataFrame:
    """Pairs with per-comparison match weights; comparisons not named weigh 0 (missing)."""
    names = ("given_name", "family_name", "dob", "location", "nhs_number", "sex")
    frame = pd.DataFrame(
        [(a, b, p) for a, b, p, _ in rows],
        columns=["unique_id_l", "unique_id_r", "match_probability"],
    )
    for name in names:
        frame[f"mw_{name}"] = [w.get(name, 0.0) for *_, w in rows]
    frame["match_weight"] = np.log2(frame["match_probability"] / (1 - frame["match_probability"]))
    return frame


# "Mr G Rossi" on the council-tax roll, at an address where the sources hold two men named
# Giuseppe Rossi: the son (sex recorded) and the father (sex not recorded).
_INITIAL_AT_HOME = {"given_name": 4.0, "family_name": 0.5, "location": 11.2}
_FATHER_AND_SON = {"given_name": 8.5, "family_name": 0.5, "dob": -9.0, "location": 11.2}


def test_a_namesake_whose_sex_is_not_recorded_still_makes_the_link_ambiguous():
    scored = scored_pairs(
        ("ct", "son", 0.7, {**_INITIAL_AT_HOME, "sex": 1.0}),
        ("ct", "father", 0.45, _INITIAL_AT_HOME),
        ("father", "son", 0.0001, _FATHER_AND_SON),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"ct"}, {"father"}, {"son"}]


def test_an_initial_that_agrees_with_only_one_person_at_the_address_links():
    # The mother's given name and title say she is not "Mr G Rossi".
    scored = scored_pairs(
        ("ct", "son", 0.7, {**_INITIAL_AT_HOME, "sex": 1.0}),
        ("ct", "mother", 0.0001, {**_INITIAL_AT_HOME, "given_name": -5.9, "sex": -4.8}),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"ct", "son"}, {"mother"}]


def test_a_title_that_contradicts_the_sex_is_no_rival():
    scored = scored_pairs(
        ("ct", "son", 0.7, {**_INITIAL_AT_HOME, "sex": 1.0}),
        ("ct", "daughter", 0.2, {**_INITIAL_AT_HOME, "sex": -4.8}),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"ct", "son"}, {"daughter"}]


# "Mr Campbell" on the council-tax roll; the GP holds Marcus Campbell, born 1986, and the school
# census his son Marcus, born 2021. Father and son score as a candidate pair for the name and
# house despite the birth dates; the boy cannot be the adult who pays the council tax.
_MR_AT_HOME = {"family_name": 0.5, "location": 11.2, "sex": 1.0}
_SCHOOLBOY = {"family_name": 0.5, "location": 11.2, "sex": 1.0, "dob": -12.0}
_NAMED_AFTER_FATHER = {"given_name": 8.0, "family_name": 0.5, "dob": -9.0, "location": 11.2}


def test_a_child_named_after_his_father_is_no_rival_for_the_fathers_council_tax_row():
    scored = scored_pairs(
        ("ct", "father", 0.85, _MR_AT_HOME),
        ("father", "son", 0.503, _NAMED_AFTER_FATHER),
        ("ct", "son", 0.0001, _SCHOOLBOY),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"ct", "father"}, {"son"}]


@pytest.mark.parametrize(
    ("why", "rows"),
    [
        (
            # Both men are adults: "Mr Blackstead" may be either, whatever their birth dates say
            # about each other.
            "two adults the council-tax row could each be",
            [
                ("ct", "son", 0.85, _MR_AT_HOME),
                ("ct", "father", 0.6, _MR_AT_HOME),
                ("father", "son", 0.0001, {**_NAMED_AFTER_FATHER, "given_name": -5.0}),
            ],
        ),
        (
            # The candidate clashes with the father's record but nothing rules it out for the
            # council-tax row: it might be the payer.
            "a rival the other side does not rule out",
            [
                ("ct", "father", 0.85, _MR_AT_HOME),
                ("father", "son", 0.503, _NAMED_AFTER_FATHER),
                ("ct", "son", 0.3, _MR_AT_HOME),
            ],
        ),
        (
            # Ruled out by the council-tax row, but the pair with the father has nothing
            # against it: a second record that may be his.
            "a rival whose own pair does not clash",
            [
                ("ct", "father", 0.85, _MR_AT_HOME),
                ("father", "other", 0.6, {"given_name": 8.0, "family_name": 0.5, "location": 11.2}),
                ("ct", "other", 0.0001, _SCHOOLBOY),
            ],
        ),
    ],
)
def test_a_rival_still_counts_unless_both_sides_say_it_is_someone_else(why, rows):
    assert len(groups(cluster(scored_pairs(*rows), threshold=0.999))) == 3, why


# John Smith on the GP list (born 1961) and in housing benefit (no birth date), "Mr J Smith" on
# the council-tax roll, all at one address: the council-tax row is a candidate of both, so it
# could be the one man they both are. It is no rival for their link; alone, the two would link.
_WHOLE_NAME_AT_HOME = {"given_name": 8.0, "family_name": 0.5, "location": 11.2}


@pytest.mark.parametrize(
    ("why", "rows", "expected"),
    [
        (
            "a third record both sides could be is no rival",
            [
                ("gp", "hb", 0.988, _WHOLE_NAME_AT_HOME),
                ("gp", "ct", 0.85, {**_INITIAL_AT_HOME, "sex": 1.0}),
                ("hb", "ct", 0.58, _INITIAL_AT_HOME),
            ],
            [{"ct", "gp", "hb"}],
        ),
        (
            # The council-tax row's title says a woman: it cannot be the housing-benefit man,
            # so it may be another person the GP's record could be.
            "a third record one side rules out is still a rival",
            [
                ("gp", "hb", 0.988, _WHOLE_NAME_AT_HOME),
                ("gp", "ct", 0.85, _INITIAL_AT_HOME),
                ("hb", "ct", 0.001, {**_INITIAL_AT_HOME, "sex": -4.8}),
            ],
            [{"ct"}, {"gp"}, {"hb"}],
        ),
        (
            # As strong a candidate as the link had it the sex it lacks: it might be the
            # better match, not the same man.
            "a third record as strong as the link is still a rival",
            [
                ("gp", "hb", 0.97, {**_WHOLE_NAME_AT_HOME, "sex": 1.0}),
                ("gp", "ct", 0.96, _WHOLE_NAME_AT_HOME),
                ("hb", "ct", 0.58, _INITIAL_AT_HOME),
            ],
            [{"ct"}, {"gp"}, {"hb"}],
        ),
    ],
)
def test_a_candidate_of_both_sides_is_no_rival(why, rows, expected):
    assert groups(cluster(scored_pairs(*rows), threshold=0.999)) == expected, why


def test_a_weak_link_is_refused_when_a_record_of_the_person_says_someone_else():
    # The council-tax row is already Olivia (born 2002) by a shared mobile; a baby Olivia at
    # the same address is its only other candidate, but her date of birth is not Olivia's.
    scored = scored_pairs(
        ("ct", "olivia", 0.99999, {"given_name": 8.0, "family_name": 0.5, "location": 11.2}),
        ("ct", "baby", 0.7, {"given_name": 8.0, "family_name": 0.5, "location": 11.2}),
        ("baby", "olivia", 0.018, {"given_name": 8.0, "dob": -9.0, "location": 11.2}),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"baby"}, {"ct", "olivia"}]


def test_a_weak_link_is_not_refused_for_an_old_address_of_the_same_person():
    # A mover: the council-tax row at the new address scores low against the old GP record
    # only because of where it lives, which says nothing about who it is.
    scored = scored_pairs(
        ("new", "old", 0.99999, {"given_name": 8.0, "dob": 12.0, "location": -4.0}),
        ("ct", "new", 0.7, {**_INITIAL_AT_HOME, "sex": 1.0}),
        ("ct", "old", 0.02, {"given_name": 4.0, "family_name": 4.0, "location": -4.0}),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"ct", "new", "old"}]


def test_a_clash_gives_way_when_the_evidence_between_the_groups_is_as_strong_as_a_link():
    # A duplicate whose birth date is mistyped against one of its person's three records, and
    # that agrees with all three on everything else.
    agree = {"given_name": 8.0, "family_name": 0.5, "location": 11.2}
    scored = scored_pairs(
        ("a", "b", 0.99999, {**agree, "dob": 11.0}),
        ("a", "c", 0.99999, {**agree, "dob": 11.0}),
        ("b", "c", 0.99999, {**agree, "dob": 11.0}),
        ("a", "dup", 0.99, agree),
        ("b", "dup", 0.99, agree),
        ("c", "dup", 0.2, {**agree, "dob": -7.6}),
    )
    assert groups(cluster(scored, threshold=0.999)) == [{"a", "b", "c", "dup"}]
