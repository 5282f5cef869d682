"""JSON read back from SQLite parses as ``json.loads`` would, whichever parser does it."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.store.db import _json_dumps, _json_loads

CASES = [
    ("[]", []),
    ('["07700 900123","+447700900456"]', ["07700 900123", "+447700900456"]),
    ('{"band":"D","arrears":12.5}', {"band": "D", "arrears": 12.5}),
    # Where faster parsers differ from json: kept exact, and taken.
    ("123456789012345678901234567890", 123456789012345678901234567890),
    ('{"n":NaN}', {"n": math.nan}),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_reads_as_json_does(text: str, expected: object) -> None:
    got = _json_loads(text)
    if isinstance(expected, dict) and any(
        isinstance(v, float) and math.isnan(v) for v in expected.values()
    ):
        assert math.isnan(got["n"])
    else:
        assert got == expected == json.loads(text)


def test_an_empty_list_is_a_fresh_list_each_time() -> None:
    first = _json_loads("[]")
    first.append("x")
    assert _json_loads("[]") == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(json_values)
def test_round_trips_what_the_store_writes(value: object) -> None:
    text = _json_dumps(value)
    assert _json_loads(text) == json.loads(text)
