"""Identifiers that sort by the time they were made: UUID version 7 (RFC 9562).

An audit event's id and a request's id are each a key of a B-tree index on the audit trail.
A random UUID lands on a random leaf of that index, so every append dirties a page of its own
that the commit must write and the checkpoint copy back; an id that starts with the time lands
on the last leaf, which the previous append dirtied already. On SQLite that was two of the
sixteen pages a governed view wrote. The id stays as hard to guess as it needs to be (74
random bits) and has the same form as before (36 characters, or 32 hex digits).
"""

from __future__ import annotations

import secrets
import time
import uuid

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62


def uuid7(now_ns: int | None = None) -> uuid.UUID:
    """A version 7 UUID: 48 bits of Unix time in milliseconds, then 74 random bits."""
    millis = (time.time_ns() if now_ns is None else now_ns) // 1_000_000
    rand_a = secrets.randbits(12)
    rand_b = secrets.randbits(62)
    return uuid.UUID(int=(millis & (2**48 - 1)) << 80 | _VERSION | rand_a << 64 | _VARIANT | rand_b)
