"""Signing keys: both accepted forms, clear errors for the rest, and signatures that bind."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from joinedup.audit import signing

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _pem(key: object) -> str:
    return key.private_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_base64_and_pem_give_the_same_key() -> None:
    private, public = signing.generate_key()
    from_raw = signing.parse_private_key(private)
    from_pem = signing.parse_private_key(_pem(from_raw))
    assert signing.key_id(from_raw.public_key()) == signing.key_id(from_pem.public_key())
    assert (
        base64.b64encode(
            from_raw.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        ).decode()
        == public
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not base64 at all!", "neither PEM nor base64"),
        (base64.b64encode(b"short").decode(), "must be 32 bytes"),
        ("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----", "not a readable PEM"),
        (_pem(generate_private_key(SECP256R1())), "must be an Ed25519 key"),
    ],
)
def test_bad_keys_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(signing.SigningKeyError, match=message):
        signing.parse_private_key(text)


def test_production_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(signing.SIGNING_KEY_ENV, raising=False)
    monkeypatch.setenv(signing.MODE_ENV, "production")
    with pytest.raises(signing.SigningKeyError, match="production needs"):
        signing.load_signing_key()


def test_development_key_outside_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(signing.SIGNING_KEY_ENV, raising=False)
    monkeypatch.delenv(signing.MODE_ENV, raising=False)
    monkeypatch.setattr(signing, "_warned", True)
    assert signing.load_signing_key().development


def test_a_signature_binds_seq_hash_and_time(monkeypatch: pytest.MonkeyPatch) -> None:
    key = signing.SigningKey(Ed25519PrivateKey.generate())
    signature = signing.sign_checkpoint(key, 5, "a" * 64, AT)
    assert signing.signature_valid(key.public, signature, 5, "a" * 64, AT)
    assert not signing.signature_valid(key.public, signature, 6, "a" * 64, AT)
    assert not signing.signature_valid(key.public, signature, 5, "b" * 64, AT)
    assert not signing.signature_valid(key.public, signature, 5, "a" * 64, AT.replace(second=1))
    assert not signing.signature_valid(key.public, "%%%", 5, "a" * 64, AT)


def test_trusted_keys_must_be_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(signing.TRUSTED_KEYS_ENV, "nonsense")
    with pytest.raises(signing.SigningKeyError, match="not a base64 Ed25519 public key"):
        signing.trusted_public_keys()
