"""The content hash written with orjson is byte for byte the hash every stored version carries."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.ingest.versions import content_hash, json_text, version_values
from joinedup.standards import StandardPerson
from joinedup.store.db import _json_dumps
from joinedup.store.tables import PERSON_FIELDS


def legacy_hash(person: dict[str, Any], attributes: dict[str, Any]) -> str:
    text = json.dumps(
        {"person": person, "attributes": attributes},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)
PEOPLE = st.fixed_dictionaries(
    {
        "given_name": st.none() | TEXT,
        "family_name": st.none() | TEXT,
        "year_of_birth": st.none() | st.integers(1800, 2100),
        "phones": st.lists(TEXT, max_size=2),
    }
)


@settings(max_examples=400)
@given(PEOPLE, st.dictionaries(TEXT, JSON_VALUES, max_size=4))
def test_hash_is_the_legacy_hash(person: dict[str, Any], attributes: dict[str, Any]) -> None:
    assert content_hash(person, attributes) == legacy_hash(person, attributes)


def test_known_hash_is_unchanged() -> None:
    # A hash stored by the code before orjson: a re-ingest must find it equal.
    person = StandardPerson(given_name="Zoë", family_name="O'Neill", year_of_birth=1961)
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    attributes = {"practice": "B86017", "score": 1e-07, "big": 2**65}
    assert content_hash(values, attributes) == legacy_hash(values, attributes)


@settings(max_examples=300)
@given(JSON_VALUES)
def test_json_columns_read_back_as_the_engine_writes_them(value: Any) -> None:
    assert json_text(value) == _json_dumps(value)


def test_list_fields_become_json_and_nul_is_replaced() -> None:
    person = StandardPerson(given_name="A\x00n", phones=("+447700900123",))
    values = version_values(tuple(getattr(person, name) for name in PERSON_FIELDS))
    row = dict(zip(PERSON_FIELDS, values, strict=True))
    assert row["given_name"] == "A\ufffdn"
    assert row["phones"] == '["+447700900123"]'
    assert row["emails"] == "[]"


def test_person_fields_are_the_stores_in_its_order() -> None:
    from joinedup.ingest import versions
    from joinedup.store import tables

    assert versions.PERSON_FIELDS == tables.PERSON_FIELDS
    assert versions.PERSON_LIST_FIELDS == tables.PERSON_LIST_FIELDS
