"""The hash chain: which fields of an event are hashed, in what canonical form, and how.

``hash = SHA-256(prev_hash + "\\n" + canonical JSON of the event's fields)``. The fields are
every column except ``seq``, ``prev_hash`` and ``hash``: the position of an event is fixed by the
link to its predecessor, not by its number, which lets verification tell a reordering (links
intact, order wrong) from an edit (content no longer matches its hash).

Columns added after the trail was first written (:data:`OPTIONAL_HASHED_FIELDS`) are in the
canonical JSON only when they hold a value: an event written before they existed hashes exactly
as it did then, and a value given to it later, or taken from a newer event, changes its hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
# What ``json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
# does, with one encoder for every event: ``json.dumps`` with options builds a new encoder
# per call, which cost more than the hashing (every view appends two or more events).
# Without the check for circular references, which an event's fields (strings, a list of
# strings, a list of flat dicts) cannot have: the same text, a little less work.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False
)

HASHED_FIELDS: tuple[str, ...] = (
    "event_id",
    "at",
    "actor",
    "organisation",
    "role",
    "purpose",
    "case_reference",
    "person_id",
    "action",
    "decision",
    "categories",
    "agreements",
    "request_id",
    "reason",
    "break_glass",
)
# Migration 0014: the credential used, and the organisation of the account an administrator's
# change was made to. Migration 0016: what an access decision withheld (source, category,
# reason code). Hashed when not NULL (see the module's docstring).
OPTIONAL_HASHED_FIELDS: tuple[str, ...] = ("credential", "account_organisation", "withheld")
# Every column an appender writes besides the chain's own three.
STORED_FIELDS: tuple[str, ...] = HASHED_FIELDS + OPTIONAL_HASHED_FIELDS


def canonical_time(moment: datetime) -> str:
    """UTC, microseconds, ``Z``: the one text form of a time in the chain (both backends keep
    microseconds, so a value read back hashes the same as the value written)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    utc = moment.astimezone(UTC)
    if utc.year >= 1000:
        # The same text as strftime below gives, with less work (every event is hashed on
        # append and again on verify). strftime's %Y does not pad a year before 1000 to four
        # digits, isoformat does: those keep strftime.
        return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_fields(fields: Mapping[str, Any]) -> str:
    """The canonical JSON of an event's hashed fields: sorted keys, no whitespace, UTF-8 kept."""
    document: dict[str, Any] = {name: fields.get(name) for name in HASHED_FIELDS}
    if not isinstance(document["at"], datetime):
        raise TypeError("an audit event's time must be a datetime")
    document["at"] = canonical_time(document["at"])
    document["break_glass"] = bool(document["break_glass"])
    document["categories"] = list(document["categories"] or [])
    document["agreements"] = list(document["agreements"] or [])
    for name in OPTIONAL_HASHED_FIELDS:
        value = fields.get(name)
        if value is not None:
            document[name] = value
    return _CANONICAL.encode(document)


def compute_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """The hash of an event given its predecessor's hash (``GENESIS`` for the first event)."""
    payload = f"{prev_hash}\n{canonical_fields(fields)}".encode()
    return hashlib.sha256(payload).hexdigest()


def row_fields(row: Any) -> dict[str, Any]:
    """The hashed fields of an ORM row or any object with those attributes."""
    return {name: getattr(row, name, None) for name in STORED_FIELDS}
