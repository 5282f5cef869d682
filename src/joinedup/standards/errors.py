"""The one error that every standardiser raises.

Standards are pure and know nothing of the rest of joinedup, so this is a plain ``ValueError``
rather than a ``JoinedupError``: ingest catches it and keeps ``reason`` as a data-quality warning
on the record instead of losing the row.
"""

from __future__ import annotations

from datetime import date


class StandardsError(ValueError):
    """A value that does not meet its standard, with a short human ``reason``.

    The reason is written to be stored and shown: it never repeats a personal value in full
    (an NHS number appears masked, ``943****918``), so it is safe in a data-quality report.
    ``until`` is set by the standards whose answer depends on the day they are asked (the
    ``*_until`` functions of :mod:`joinedup.standards.dates`): the first day on which the
    same value might no longer be rejected this way; ``None`` means never.
    """

    def __init__(self, reason: str, until: date | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.until = until


def shape_of(text: str, limit: int = 24) -> str:
    """Describe the shape of ``text`` without its content: digits become 9, letters A.

    Used in reasons so that a rejected date of birth or email says *what kind* of thing was
    given (``99/99/9999``) without repeating a personal value.
    """
    out = []
    for ch in text[:limit]:
        if ch.isdigit():
            out.append("9")
        elif ch.isalpha():
            out.append("A")
        else:
            out.append(ch)
    return "".join(out) + ("…" if len(text) > limit else "")
