"""Review queue rules: pair forms, risk, and which pairs a run puts in the queue."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.errors import JoinedupError
from joinedup.linkage import review
from joinedup.linkage.thresholds import probability_to_weight

LINK_WEIGHT = probability_to_weight(0.999)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gp|1 ~ ctax|9", ("ctax|9", "gp|1")),
        ("ctax|9~gp|1", ("ctax|9", "gp|1")),
        ("  gp|a|b ~ gp|c  ", ("gp|a|b", "gp|c")),  # record ids may hold a bar
        # ... and a tilde: the pair is read at the separator `review list` prints
        ("qa_src|T~1 ~ qb_src|T~1", ("qa_src|T~1", "qb_src|T~1")),
        ("qb_src|T~1 ~ qa_src|T~1", ("qa_src|T~1", "qb_src|T~1")),
        ("gp|a~|~b ~ gp|c|~", ("gp|a~|~b", "gp|c|~")),
        ("gp|x ~ y ~ ctax|9", ("ctax|9", "gp|x ~ y")),  # "y ~ ctax" is no source id
        ("gp|~ ~ gp|c", ("gp|c", "gp|~")),
        ("gp|1 ~ gp|~", ("gp|1", "gp|~")),
        # without spaces, only when the text can be read one way
        ("qa_src|T~1~qb_src|T~1", ("qa_src|T~1", "qb_src|T~1")),
        ("gp|1~ ctax|9", ("ctax|9", "gp|1")),
    ],
)
def test_parse_pair(text: str, expected: tuple[str, str]) -> None:
    assert review.parse_pair(text) == expected
    assert review.parse_pair(review.format_pair(expected)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gp|1", "two record keys"),
        ("gp|1 ~ ", "two record keys"),
        ("gp|1 ~ |2", "'|2' is not a record key"),
        ("gp|1 ~ nosource", "'nosource' is not a record key"),
        ("GP|1 ~ gp|2", "'GP|1' is not a record key"),  # source ids are lower case
        ("gp|1 ~ gp|1", "two different records"),
        # "gp|1" and "gp|2 ~ gp|3", or "gp|1 ~ gp|2" and "gp|3"?
        ("gp|1 ~ gp|2 ~ gp|3", "more than one pair"),
        ("qa_src|T~qb_src|T~qc_src|T", "more than one pair"),
    ],
)
def test_parse_pair_refuses(text: str, message: str) -> None:
    with pytest.raises(JoinedupError, match=re.escape(message)):
        review.parse_pair(text)


_SOURCE_IDS = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,6}", fullmatch=True)
_RECORD_IDS = st.text(alphabet="ab1~| ", min_size=1, max_size=8).map(str.strip).filter(bool)


@given(_SOURCE_IDS, _RECORD_IDS, _SOURCE_IDS, _RECORD_IDS)
def test_a_printed_pair_reads_back_as_itself_or_is_refused_as_ambiguous(
    source_a: str, id_a: str, source_b: str, id_b: str
) -> None:
    a, b = f"{source_a}|{id_a}", f"{source_b}|{id_b}"
    if a == b:
        return
    pair = review.canonical_pair(a, b)
    try:
        assert review.parse_pair(review.format_pair(pair)) == pair
    except JoinedupError as exc:
        # Never another pair: only a record id holding " ~ " can make the text ambiguous.
        assert "more than one pair" in str(exc)
        assert review.PAIR_SEPARATOR in id_a or review.PAIR_SEPARATOR in id_b


@pytest.mark.parametrize(
    ("probability", "risk"),
    [(0.5, 1.0), (0.75, 0.5), (0.999, 0.002), (0.0, 0.0), (1.0, 0.0)],
)
def test_uncertain_risk(probability: float, risk: float) -> None:
    assert review.uncertain_risk(probability) == pytest.approx(risk)


@pytest.mark.parametrize(
    ("above_threshold", "risk"),
    [(0.0, 2.0), (1.5, 1.5), (3.0, 1.0), (10.0, 1.0), (-1.0, 2.0)],
)
def test_weak_link_risk(above_threshold: float, risk: float) -> None:
    assert review.weak_link_risk(LINK_WEIGHT + above_threshold, LINK_WEIGHT) == pytest.approx(risk)


@given(st.floats(0, 1), st.floats(-5, 40))
def test_every_weak_link_outranks_every_uncertain_pair(probability: float, weight: float) -> None:
    assert review.weak_link_risk(weight, LINK_WEIGHT) >= review.uncertain_risk(probability)


def pairs(*rows: tuple[str, str, float, float]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    )


# (description, pairs, membership, decided, expected (pair, reason) in order)
CASES = [
    (
        "an uncertain pair across persons is queued",
        pairs(("a", "b", 2.0, 0.8)),
        {"a": "P1", "b": "P2"},
        [],
        [(("a", "b"), "uncertain")],
    ),
    (
        "a pair below the band is not",
        pairs(("a", "b", -3.0, 0.2)),
        {"a": "P1", "b": "P2"},
        [],
        [],
    ),
    (
        "a decided pair is not queued again",
        pairs(("a", "b", 2.0, 0.8)),
        {"a": "P1", "b": "P2"},
        [("a", "b")],
        [],
    ),
    (
        "a person held only by a weak link is queued, above uncertain pairs",
        pairs(("a", "b", LINK_WEIGHT + 1, 0.9995), ("c", "d", 0.0, 0.5)),
        {"a": "P1", "b": "P1", "c": "P2", "d": "P3"},
        [],
        [(("a", "b"), "weak_link"), (("c", "d"), "uncertain")],
    ),
    (
        "a strongly held person is not",
        pairs(("a", "b", 30.0, 1.0)),
        {"a": "P1", "b": "P1"},
        [],
        [],
    ),
    (
        "the weakest link the person needs is the one queued",
        pairs(("a", "b", 30.0, 1.0), ("b", "c", LINK_WEIGHT + 0.5, 0.9993)),
        {"a": "P1", "b": "P1", "c": "P1"},
        [],
        [(("b", "c"), "weak_link")],
    ),
    (
        "a weak pair with a strong way round it holds nothing",
        pairs(("a", "b", 30.0, 1.0), ("b", "c", 30.0, 1.0), ("a", "c", LINK_WEIGHT + 0.5, 0.9993)),
        {"a": "P1", "b": "P1", "c": "P1"},
        [],
        [],
    ),
    (
        "pairs come in canonical order whatever the input order",
        pairs(("z", "a", 1.0, 0.6)),
        {"a": "P1", "z": "P2"},
        [],
        [(("a", "z"), "uncertain")],
    ),
]


@pytest.mark.parametrize(
    ("frame", "membership", "decided", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_find_candidates(frame, membership, decided, expected) -> None:
    found = review.find_candidates(frame, membership, decided=decided)
    assert [(c.pair, c.reason) for c in found] == expected
