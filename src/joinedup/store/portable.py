"""Values both backends can store: the one place text is adjusted before it is written.

PostgreSQL cannot hold the NUL character (U+0000) in ``text`` or ``jsonb``; SQLite can. Extracts
do contain it (a stray byte in a CSV, junk rows that end up in quarantine), so rather than let
one backend fail where the other succeeds, the store writes U+FFFD REPLACEMENT CHARACTER in its
place on both. Nothing else is changed.
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"
REPLACEMENT = "\ufffd"


def portable_text(value: str) -> str:
    """``value`` with every NUL replaced by U+FFFD (the same string when it has none)."""
    return value.replace(NUL, REPLACEMENT) if NUL in value else value


def portable_json(value: Any) -> Any:
    """A JSON-able value with NUL replaced in every string, keys included; tuples become lists.

    Returns the value itself when nothing needed changing, so the common case allocates little.
    """
    if isinstance(value, str):
        return portable_text(value)
    if isinstance(value, dict):
        return {
            (portable_text(k) if isinstance(k, str) else k): portable_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [portable_json(v) for v in value]
    return value
