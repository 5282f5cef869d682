"""How a review pair is written and read: two record keys, in one canonical order.

``review list`` prints a pair as ``"gp|1 ~ lbx|9"`` and ``review decide`` reads it back. Record
ids may hold any character, ``~``, ``|`` and spaces included, so ``parse_pair`` reads a pair by
where the second key can start rather than by splitting on every tilde.
"""

from __future__ import annotations

import re

from joinedup.errors import JoinedupError

# How a pair is written on the command line: the two record keys joined by this. A record id
# may hold any character, "~", "|" and " ~ " included, so ``parse_pair`` reads a pair by where
# the second key can start (a source id, then "|"), not by splitting on every tilde.
PAIR_SEPARATOR = " ~ "


# A source id, as a mapping's schema allows it (``ingest/mapping.schema.json``, "identifier").
_SOURCE_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")


def canonical_pair(a: str, b: str) -> tuple[str, str]:
    """The pair in its one stored order (smaller key first); a record cannot pair with itself."""
    if a == b:
        raise JoinedupError(f"a review pair needs two different records, got {a!r} twice")
    return (a, b) if a < b else (b, a)


def format_pair(pair: tuple[str, str]) -> str:
    """``("gp|1", "lbx|9")`` → ``"gp|1 ~ lbx|9"``, the form ``review list`` prints."""
    return f"{pair[0]}{PAIR_SEPARATOR}{pair[1]}"


def parse_pair(text: str) -> tuple[str, str]:
    """Read a pair as ``review list`` prints it (``"gp|1 ~ lbx|9"``) into canonical order.

    Record ids may hold ``~``, ``|`` and spaces, so the text is read at each tilde in turn and
    kept where both sides are record keys (a source id, ``|``, a record id). Readings at the
    printed separator (``" ~ "``) come first; a bare ``~`` (``"gp|1~lbx|9"``) is read only when
    no printed separator gives a pair. More than one reading is refused as ambiguous, as is
    text that is not two record keys: ``JoinedupError`` says what form is expected.
    Example: ``parse_pair("gp|T~1 ~ lbx|9")`` is ``("gp|T~1", "lbx|9")``.
    """
    text = text.strip()
    readings = _readings(text, PAIR_SEPARATOR) or _readings(text, "~")
    if len(readings) > 1:
        shown = "; ".join(f"{a!r} and {b!r}" for a, b in readings)
        raise JoinedupError(
            f"{text!r} can be read as more than one pair ({shown}); write it as "
            f"'review list' prints it, with {PAIR_SEPARATOR.strip()!r} between spaces"
        )
    if not readings:
        parts = [part.strip() for part in text.split("~")]
        if len(parts) == 2 and all(parts):  # one tilde: name the side that is not a key
            bad = next(part for part in parts if not _is_key(part))
            raise JoinedupError(
                f"{bad!r} is not a record key (expected 'source|record_id', the source id as "
                "its mapping names it)"
            )
        raise JoinedupError(
            f"a pair is two record keys joined by '~', e.g. 'gp|A1 ~ council_tax|77'; got {text!r}"
        )
    return canonical_pair(*readings[0])


def _readings(text: str, separator: str) -> list[tuple[str, str]]:
    """Each way of splitting ``text`` at one ``separator`` into two record keys."""
    out = []
    start = text.find(separator)
    while start >= 0:
        left, right = text[:start].strip(), text[start + len(separator) :].strip()
        if _is_key(left) and _is_key(right):
            out.append((left, right))
        start = text.find(separator, start + 1)
    return out


def _is_key(part: str) -> bool:
    source_id, sep, record_id = part.partition("|")
    return bool(sep and record_id.strip() and _SOURCE_ID.fullmatch(source_id))
