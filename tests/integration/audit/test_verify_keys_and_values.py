"""Verification as an auditor runs it: which keys a verifier trusts, values a DBA left unreadable,
and a database path that does not exist (QA findings, 2026-12-07)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.audit import verify
from joinedup.audit.signing import (
    _DEVELOPMENT_SEED,
    SigningKey,
    load_signing_key,
    sign_checkpoint,
)
from joinedup.cli import _register, app
from joinedup.errors import JoinedupError
from joinedup.store.governance_tables import AuditCheckpoint
from tests.integration.audit.helpers import fill, tamper


def _development_key() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.from_private_bytes(_DEVELOPMENT_SEED), development=True)


def _resign_checkpoints(engine: Engine, key: SigningKey) -> None:
    """What a DBA who read the source does: re-sign every checkpoint with the public dev key."""
    table = AuditCheckpoint.__table__
    with engine.connect() as conn:
        checkpoints = [dict(c._mapping) for c in conn.execute(select(table))]
    for c in checkpoints:
        tamper(
            engine,
            "UPDATE audit_checkpoints SET signature = :signature, key_id = :key_id "
            "WHERE seq = :seq",
            params={
                "signature": sign_checkpoint(key, c["seq"], c["hash"], c["at"], c["cadence"]),
                "key_id": key.key_id,
                "seq": c["seq"],
            },
        )


def test_a_verifier_with_trusted_keys_does_not_trust_the_development_key(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(engine, 12, checkpoint_every=5)
    hub_public = load_signing_key().public.public_bytes_raw()
    _resign_checkpoints(engine, _development_key())
    # The auditor's machine, as docs/audit.md describes it: only the hub's public key.
    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY")
    monkeypatch.setenv("JOINEDUP_AUDIT_TRUSTED_KEYS", base64.b64encode(hub_public).decode())
    result = verify(engine)
    assert result.first is not None
    assert (result.first.seq, result.first.kind) == (5, "bad_signature")
    assert "(the development key)" not in result.first.message
    assert "not trusted" in result.first.message


def test_development_signed_checkpoints_are_accepted_with_a_warning(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY")  # a laptop demo: the development key
    fill(engine, 12, checkpoint_every=5)
    result = verify(engine)
    assert result.ok and result.development_signed == 2
    _register()
    outcome = CliRunner().invoke(app, ["audit", "verify", "--database-url", db_url])
    assert outcome.exit_code == 0, outcome.output
    assert "WARNING: 2 checkpoints signed with the public development key" in outcome.output


def test_an_untrusted_key_names_the_keys_trusted_here(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(engine, 5, checkpoint_every=5)
    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY")  # an auditor who configured nothing
    result = verify(engine)
    assert result.first is not None and result.first.kind == "bad_signature"
    assert "(the development key)" in result.first.message
    assert "JOINEDUP_AUDIT_TRUSTED_KEYS" in result.first.message


SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET at = 'garbage' WHERE seq = 3",
        "UPDATE audit_events SET categories = 'not json' WHERE seq = 3",
    ],
    ids=["time", "json"],
)
@SQLITE_ONLY
def test_an_undecodable_stored_value_is_named_not_raised(engine: Engine, statement: str) -> None:
    fill(engine, 8, checkpoint_every=5)
    tamper(engine, statement)
    result = verify(engine)
    assert result.first is not None
    assert (result.first.seq, result.first.kind) == (3, "edited")
    assert "cannot be read" in result.first.message
    assert result.events == 8  # the rest was still checked


def test_a_value_of_the_wrong_type_is_named_not_raised(engine: Engine) -> None:
    fill(engine, 8, checkpoint_every=5)
    cast = "CAST('5' AS jsonb)" if engine.dialect.name == "postgresql" else "'5'"
    tamper(engine, f"UPDATE audit_events SET categories = {cast} WHERE seq = 3")
    result = verify(engine)
    assert result.first is not None
    assert (result.first.seq, result.first.kind) == (3, "edited")


@SQLITE_ONLY
def test_an_undecodable_checkpoint_time_is_a_bad_signature(engine: Engine) -> None:
    fill(engine, 8, checkpoint_every=5)
    tamper(engine, "UPDATE audit_checkpoints SET at = 'garbage' WHERE seq = 5")
    result = verify(engine)
    assert result.first is not None
    assert (result.first.seq, result.first.kind) == (5, "bad_signature")


@pytest.mark.parametrize("command", ["verify", "checkpoint", "log"])
def test_audit_commands_refuse_a_sqlite_file_that_does_not_exist(
    tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "typo" / "joinedup.db"
    _register()
    args = ["audit", command, *(["P1"] if command == "log" else [])]
    outcome = CliRunner().invoke(app, [*args, "--database-url", f"sqlite:///{missing}"])
    # main() prints a JoinedupError as "Error: …" and exits with its code, 2 (a user error)
    assert isinstance(outcome.exception, JoinedupError) and outcome.exception.exit_code == 2
    assert f"no database at {missing}" in str(outcome.exception)
    assert not missing.parent.exists()


def test_verify_on_an_empty_existing_database_still_answers(db_url: str) -> None:
    _register()
    outcome = CliRunner().invoke(app, ["audit", "verify", "--database-url", db_url])
    assert outcome.exit_code == 0, outcome.output
    assert "0 events" in outcome.output
