"""A standardised row → its content hash and the tuple the store writes, with orjson.

This is the per-row part of writing a version, so it is kept to C-level work: the person's
fields are read with one ``attrgetter``, the hashed text and the JSON columns are serialised
by orjson, and the row goes to the store as a tuple in :data:`records.INSERT_COLUMNS` order
(:func:`joinedup.store.records.insert_prepared`), not as a dict to be checked and re-ordered.

**The hash must not change**: every stored version carries one, and a re-ingest compares
against it. The canonical text is ``json.dumps(..., sort_keys=True, ensure_ascii=False,
separators=(",", ":"))``, UTF-8. orjson with ``OPT_SORT_KEYS`` writes the same bytes for
text, whole numbers within 64 bits, booleans, null, lists and dicts with text keys (every
code point escapes alike; keys sort by code point both ways) — but not for every float
(``1e-07`` against ``1e-7``) and it refuses larger integers. So a value holding a float, or
anything orjson refuses, is hashed the old way. ``tests/unit/ingest/test_versions.py``
checks the two agree.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import fields
from operator import attrgetter
from typing import Any

import orjson

from joinedup.standards import StandardPerson
from joinedup.store.portable import portable_text

# The store's PERSON_FIELDS and PERSON_LIST_FIELDS, in the same order (a test holds them
# equal), read from the person itself so that the preparing process need not load the
# store's tables (SQLAlchemy) at all.
PERSON_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(StandardPerson))
PERSON_LIST_FIELDS = frozenset(f.name for f in fields(StandardPerson) if f.default == ())

# The legacy encoder: what the hash has always been taken over.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_SORTED = orjson.OPT_SORT_KEYS
_PERSON_VALUES = attrgetter(*PERSON_FIELDS)
_LIST_INDEXES = tuple(i for i, name in enumerate(PERSON_FIELDS) if name in PERSON_LIST_FIELDS)
_EMPTY_LIST = "[]"
_NUL_ESCAPE = "\\u0000"
# What the engine's serialiser is (joinedup.store.db): the text of a JSON column.
_COLUMN_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# ``\u0000`` as an escape (preceded by an even number of backslashes), not as escaped text.
_NUL_ESCAPE_PATTERN = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def person_values(person: StandardPerson) -> tuple[Any, ...]:
    """The person's fields in :data:`PERSON_FIELDS` order (list fields still tuples)."""
    values: tuple[Any, ...] = _PERSON_VALUES(person)
    return values


def content_hash(person: Mapping[str, Any], attributes: Mapping[str, Any]) -> str:
    """SHA-256 of the standardised person and attributes: what decides new, changed or unchanged.

    The raw row is left out on purpose: a column the mapping does not read, or a reformatted
    date, changes nothing that is stored as standard, so it makes no new version.
    """
    document = {"person": person, "attributes": attributes}
    if not _has_float(attributes):
        try:
            return hashlib.sha256(orjson.dumps(document, option=_SORTED)).hexdigest()
        except orjson.JSONEncodeError:
            pass  # an integer beyond 64 bits, a key that is not text: the old way decides
    text = _HASH_ENCODER.encode(document)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def values_hash(values: tuple[Any, ...], attributes: Mapping[str, Any]) -> str:
    """:func:`content_hash` of a person given as :func:`person_values`."""
    return content_hash(dict(zip(PERSON_FIELDS, values, strict=True)), attributes)


def json_text(value: Any) -> str:
    """``value`` as the JSON text the engine's serialiser writes (compact, not ASCII-escaped,
    NUL stored as U+FFFD), ready for a JSON column (see ``records.insert_prepared``).

    orjson writes it when that gives the same bytes; a float, or anything orjson refuses,
    goes through the same encoder the engine uses.
    """
    if not value and type(value) in (list, tuple):
        return _EMPTY_LIST
    text: str | None = None
    if not _has_float(value):
        try:
            text = orjson.dumps(value).decode("utf-8")
        except orjson.JSONEncodeError:
            text = None
    if text is None:
        text = _COLUMN_ENCODER.encode(value)
    if _NUL_ESCAPE in text:
        text = _NUL_ESCAPE_PATTERN.sub(r"\1\\ufffd", text)
    return text


def version_values(values: tuple[Any, ...]) -> list[Any]:
    """Person values ready for the store: list fields as JSON text, NUL replaced in text."""
    out = list(values)
    for index in _LIST_INDEXES:
        out[index] = json_text(out[index])
    texts = [v for v in values if type(v) is str]
    if texts and "\x00" in "".join(texts):
        out = [portable_text(v) if type(v) is str else v for v in out]
    return out


def _has_float(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None:
        return False
    if kind is float:
        return True
    if kind is dict:
        items: Any = value.values()
    elif kind is list or kind is tuple:
        items = value
    else:
        return isinstance(value, float)
    # Almost every value is text: judged here, without a call per value (a loop, as a
    # generator in any() costs more than it saves).
    for item in items:  # noqa: SIM110
        if type(item) is not str and item is not None and _has_float(item):
            return True
    return False
