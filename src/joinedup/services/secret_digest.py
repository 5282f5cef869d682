"""How API tokens and session cookies are kept: their SHA-256, never the secret.

They are 256-bit random values, so a slow hash (as passwords need) adds nothing, and a fast one
keeps every request's credential check cheap.
"""

from __future__ import annotations

import hashlib


def sha256_hex(secret: str) -> str:
    """The SHA-256 of a token as 64 lowercase hex characters: what the database keeps."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
