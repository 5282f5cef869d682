"""Ed25519 keys for audit checkpoints: loading, signing, and checking signatures.

The private key comes only from ``JOINEDUP_AUDIT_SIGNING_KEY``: base64 of the raw 32-byte seed,
or a PEM (PKCS#8) private key. When it is unset:

- in production (``JOINEDUP_ENV=production``) appending a checkpoint fails with a clear error,
  so no access is served without a key (fail closed);
- otherwise a fixed development key is used and a warning is shown once. Anyone can forge
  checkpoints signed with it: it exists so that a laptop demo works with no set-up.

Verification trusts the public half of the configured key plus any old keys listed (base64 raw
32-byte public keys, comma separated) in ``JOINEDUP_AUDIT_TRUSTED_KEYS`` — after a key rotation.
A key is named by ``key_id``: the first 16 hex digits of SHA-256 over its raw public bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import warnings
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from joinedup.audit.chain import canonical_time
from joinedup.errors import JoinedupError

SIGNING_KEY_ENV = "JOINEDUP_AUDIT_SIGNING_KEY"
TRUSTED_KEYS_ENV = "JOINEDUP_AUDIT_TRUSTED_KEYS"
MODE_ENV = "JOINEDUP_ENV"

# Derived from a public constant on purpose: it signs development data only.
_DEVELOPMENT_SEED = hashlib.sha256(b"joinedup development audit key - not for production").digest()


class SigningKeyError(JoinedupError):
    """The audit signing key is missing (in production) or cannot be read."""


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short stable name for a public key (16 hex digits of its SHA-256)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    """The private key checkpoints are signed with, its public half, and whether it is the
    well-known development key."""

    private: Ed25519PrivateKey
    development: bool = False

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)


def production_mode() -> bool:
    """True when ``JOINEDUP_ENV`` says this is a production deployment."""
    return os.environ.get(MODE_ENV, "").strip().lower() in ("production", "prod")


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from base64 of the raw 32 bytes, or from PEM (PKCS#8)."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"{SIGNING_KEY_ENV} is not a readable PEM key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{SIGNING_KEY_ENV} must be an Ed25519 key")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise SigningKeyError(
            f"{SIGNING_KEY_ENV} is neither PEM nor base64 (make one: joinedup audit keygen)"
        ) from None
    if len(raw) != 32:
        raise SigningKeyError(f"{SIGNING_KEY_ENV} must be 32 bytes of base64, got {len(raw)}")
    return Ed25519PrivateKey.from_private_bytes(raw)


_warned = False


def load_signing_key() -> SigningKey:
    """The configured signing key, or the development key (with a warning) outside production.

    Raises :class:`SigningKeyError` when the key is unreadable, or absent in production. Call it
    at start-up to fail early; :func:`joinedup.audit.log.append` calls it when it checkpoints.
    """
    global _warned
    configured = os.environ.get(SIGNING_KEY_ENV, "").strip()
    if configured:
        return SigningKey(parse_private_key(configured))
    if production_mode():
        raise SigningKeyError(
            f"{SIGNING_KEY_ENV} is not set; production needs an Ed25519 key to sign the audit "
            "trail (make one with: joinedup audit keygen)"
        )
    if not _warned:
        _warned = True
        warnings.warn(
            f"{SIGNING_KEY_ENV} is not set: audit checkpoints are signed with the public "
            "development key, which anyone can forge. Set it before real use.",
            stacklevel=2,
        )
    return SigningKey(Ed25519PrivateKey.from_private_bytes(_DEVELOPMENT_SEED), development=True)


def development_key_id() -> str:
    """The key id of the public development key, so a verifier can say what it signed."""
    return key_id(Ed25519PrivateKey.from_private_bytes(_DEVELOPMENT_SEED).public_key())


def describe_keys(keys: dict[str, Ed25519PublicKey]) -> str:
    """The key ids of ``keys`` for a message, the development key named as such."""
    development = development_key_id()
    named = [f"{k} (the development key)" if k == development else k for k in sorted(keys)]
    return ", ".join(named) or "none"


def trusted_public_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys that verification accepts, by key id: the signing key's and the listed ones.

    The development key is trusted only where it is what this machine signs with: no signing
    key, no trusted keys listed, not production. An auditor who sets only
    ``JOINEDUP_AUDIT_TRUSTED_KEYS`` must not accept checkpoints anyone could have forged with
    it; to trust it deliberately, list its public key there.
    """
    keys: dict[str, Ed25519PublicKey] = {}
    listed = [item.strip() for item in os.environ.get(TRUSTED_KEYS_ENV, "").split(",")]
    listed = [item for item in listed if item]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            current = load_signing_key()
            if not (current.development and listed):
                keys[current.key_id] = current.public
        except SigningKeyError:
            pass
    for item in listed:
        try:
            public = Ed25519PublicKey.from_public_bytes(base64.b64decode(item))
        except (binascii.Error, ValueError):
            raise SigningKeyError(
                f"{TRUSTED_KEYS_ENV}: {item[:12]}… is not a base64 Ed25519 public key"
            ) from None
        keys[key_id(public)] = public
    return keys


def checkpoint_message(
    seq: int, chain_hash: str, at: datetime, cadence: int | None = None
) -> bytes:
    """The exact bytes a checkpoint signs: a domain tag, the event number, hash and time, and
    the checkpoint interval in force (``cadence``). Checkpoints from before migration 0009
    have no cadence and were signed as version 1, without it; a cadence is never left out of
    a version 2 message, so clearing one in the database breaks the signature."""
    if cadence is None:
        return f"joinedup-audit-checkpoint/1\n{seq}\n{chain_hash}\n{canonical_time(at)}".encode()
    return (
        f"joinedup-audit-checkpoint/2\n{seq}\n{chain_hash}\n{canonical_time(at)}\n{cadence}"
    ).encode()


def sign_checkpoint(
    key: SigningKey, seq: int, chain_hash: str, at: datetime, cadence: int | None = None
) -> str:
    """Base64 Ed25519 signature of :func:`checkpoint_message`."""
    message = checkpoint_message(seq, chain_hash, at, cadence)
    return base64.b64encode(key.private.sign(message)).decode()


def signature_valid(
    public: Ed25519PublicKey,
    signature: str,
    seq: int,
    chain_hash: str,
    at: datetime,
    cadence: int | None = None,
) -> bool:
    """True when ``signature`` is the key's signature over this checkpoint."""
    try:
        public.verify(base64.b64decode(signature), checkpoint_message(seq, chain_hash, at, cadence))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def generate_key() -> tuple[str, str]:
    """A new key pair as (private base64 raw seed, public base64 raw) for the environment."""
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return base64.b64encode(seed).decode(), base64.b64encode(public).decode()
