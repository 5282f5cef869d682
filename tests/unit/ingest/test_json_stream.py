"""Streaming a Bundle's entries: same values as json.loads, whatever the buffer size."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.ingest.readers.json_stream import BundleSyntaxError, bundle_entries

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(entries=st.lists(JSON, max_size=6), chunk=st.integers(1, 40), pretty=st.booleans())
def test_same_entries_as_json_loads(entries: list[Any], chunk: int, pretty: bool) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries, "total": 12345}
    text = json.dumps(bundle, indent=2 if pretty else None)
    assert list(bundle_entries(io.StringIO(text), chunk=chunk)) == entries


def test_resource_type_may_come_last() -> None:
    text = '{"entry": [{"a": 1}, 22], "resourceType": "Bundle"}'
    assert list(bundle_entries(io.StringIO(text), chunk=3)) == [{"a": 1}, 22]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"resourceType": "Patient", "id": "x"}', "resourceType is 'Patient'"),
        ('{"entry": []}', "no resourceType 'Bundle'"),
        ("[]", "expected '{'"),
        ("", "expected '{', found 'the end'"),
        ("{}", "the object is empty"),
        ('{"resourceType": "Bundle", "entry": [1 2]}', "expected ']'"),
    ],
)
def test_broken_documents(text: str, message: str) -> None:
    with pytest.raises(BundleSyntaxError, match=message):
        list(bundle_entries(io.StringIO(text)))


def test_truncated_document() -> None:
    with pytest.raises(json.JSONDecodeError):
        list(bundle_entries(io.StringIO('{"resourceType": "Bundle", "entry": [{"a": '), chunk=4))
