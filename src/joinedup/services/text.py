"""Free text a person types — a reason for the record, or a filter to search by.

A reason is read later by an IG officer and by the resident, so what counts towards its minimum
length is what they will see: letters, digits, punctuation and symbols. Zero-width and other
format characters (U+200B, U+2060, a byte-order mark) are invisible, and control characters (a
NUL) are never typed on purpose and cannot be stored by PostgreSQL; thirty zero-width spaces
are not a reason.

A search filter with a control character is refused too, naming the field: PostgreSQL cannot
compare text holding a NUL and fails the query, where SQLite quietly finds nothing, so the
same search would otherwise answer a bare 400 on one database and "no results" on the other.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from joinedup.services.actor import ServiceError

# Letters, marks, numbers, punctuation and symbols: the categories a reader sees.
_VISIBLE = frozenset("LMNPS")


def visible_length(text: str) -> int:
    """How many characters of ``text`` a reader sees (spaces and invisible ones not counted)."""
    return sum(1 for ch in text if unicodedata.category(ch)[0] in _VISIBLE)


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control character other than tab, newline or carriage return."""
    return any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text)


def tidy_reason(reason: str | None) -> str:
    """``reason`` with runs of whitespace made one space and invisible format characters
    dropped (what is stored and shown)."""
    kept = "".join(ch for ch in (reason or "") if unicodedata.category(ch) != "Cf")
    return " ".join(kept.split())


def refuse_control_characters(filters: Mapping[str, str | None]) -> None:
    """Refuse (400) the first of ``filters`` (field name → value) holding a control character.

    ``refuse_control_characters({"actor": "sam\\x00"})`` raises :class:`ServiceError` with
    "actor holds a control character (such as NUL): search with ordinary text."
    """
    for name, value in filters.items():
        if value is not None and has_control_characters(value):
            raise ServiceError(
                f"{name} holds a control character (such as NUL): search with ordinary text."
            )
