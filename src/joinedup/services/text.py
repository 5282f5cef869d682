"""Free text a person types for the record — a reason for break-glass or a relationship.

A reason is read later by an IG officer and by the resident, so what counts towards its minimum
length is what they will see: letters, digits, punctuation and symbols. Zero-width and other
format characters (U+200B, U+2060, a byte-order mark) are invisible, and control characters (a
NUL) are never typed on purpose and cannot be stored by PostgreSQL; thirty zero-width spaces
are not a reason.
"""

from __future__ import annotations

import unicodedata

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
