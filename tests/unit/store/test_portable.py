"""Values both backends can store: NUL becomes U+FFFD in text and in JSON, nothing else changes."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.store.db import _json_dumps
from joinedup.store.portable import portable_json, portable_text


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        ("Zoë", "Zoë", "no NUL: unchanged"),
        ("a\x00b", "a\ufffdb", "NUL replaced"),
        ("\x00\x00", "\ufffd\ufffd", "every NUL"),
        ("", "", "empty"),
    ],
)
def test_portable_text(value, expected, why):
    assert portable_text(value) == expected, why


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        ({"k\x00": ["\x00", 1, None]}, {"k\ufffd": ["\ufffd", 1, None]}, "keys and nested values"),
        (("a", "b\x00"), ["a", "b\ufffd"], "tuples become lists"),
        (3, 3, "numbers untouched"),
        ("\\u0000", "\\u0000", "the escape written as text is not a NUL"),
        ("\\\x00", "\\\ufffd", "a backslash before a real NUL"),
        ([], [], "empty list"),
        ({}, {}, "empty dict"),
    ],
)
def test_json_serialiser_replaces_nul_like_portable_json(value, expected, why):
    assert json.loads(_json_dumps(value)) == expected, why
    assert portable_json(value) == expected, why


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_serialised_json_has_no_nul_and_equals_portable_json(value):
    text = _json_dumps(value)
    decoded = json.loads(text)
    assert "\x00" not in json.dumps(decoded, ensure_ascii=False)
    assert decoded == portable_json(value)


@given(st.text())
def test_portable_text_is_idempotent(value):
    assert portable_text(portable_text(value)) == portable_text(value)
