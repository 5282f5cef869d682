"""Every audit test signs with a fresh key of its own, as production would (no dev-key warning)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat


def new_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return base64.b64encode(raw).decode()


@pytest.fixture(autouse=True)
def signing_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = new_key()
    monkeypatch.setenv("JOINEDUP_AUDIT_SIGNING_KEY", key)
    monkeypatch.delenv("JOINEDUP_AUDIT_TRUSTED_KEYS", raising=False)
    monkeypatch.delenv("JOINEDUP_ENV", raising=False)
    return key
