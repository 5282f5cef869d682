"""Witnesses: a signed checkpoint kept outside the database exposes what the database alone
cannot — the newest checkpoints deleted and the events after the one before rewritten, even
by fewer than the checkpoint interval — and a witness that was edited or made up is refused.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.audit import checkpoint_now, verify
from joinedup.audit.signing import _DEVELOPMENT_SEED, SigningKey, load_signing_key, sign_checkpoint
from joinedup.audit.witness import Witness, WitnessError, latest_witness, read_witnesses
from joinedup.cli import _register, app
from joinedup.store.db import session_scope
from tests.integration.audit.conftest import new_key
from tests.integration.audit.helpers import fill, rebuild_from, tamper

EVERY = 5  # checkpoints at 5 and 10, and the witnessed one at 12


def _witnessed_trail(engine: Engine) -> Witness:
    fill(engine, 12, checkpoint_every=EVERY)
    with session_scope(engine) as session:
        checkpoint_now(session)
        witness = latest_witness(session)
    assert witness is not None and witness.seq == 12
    return witness


def delete_witnessed_checkpoint(engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_checkpoints WHERE seq = 12")


def delete_witnessed_checkpoint_and_rebuild_tail(engine: Engine) -> None:
    # Fewer events than the interval rebuilt after the last surviving checkpoint (10).
    delete_witnessed_checkpoint(engine)
    rebuild_from(engine, 11)


def delete_witnessed_checkpoint_and_replace_tail(engine: Engine) -> None:
    # Events 11 and 12 deleted and two others appended by the application in their place.
    tamper(
        engine,
        "DELETE FROM audit_checkpoints WHERE seq = 12",
        "DELETE FROM audit_events WHERE seq > 10",
    )
    fill(engine, 2, checkpoint_every=EVERY)


def delete_witnessed_checkpoint_and_tail(engine: Engine) -> None:
    tamper(
        engine,
        "DELETE FROM audit_checkpoints WHERE seq = 12",
        "DELETE FROM audit_events WHERE seq > 10",
    )


def delete_two_checkpoints_and_rebuild(engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_checkpoints WHERE seq >= 10")
    rebuild_from(engine, 7)


def delete_every_checkpoint_and_rebuild(engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_checkpoints")
    rebuild_from(engine, 2)


ATTACKS: list[tuple[str, Callable[[Engine], None], tuple[int, str], bool]] = [
    # (description, attack, first problem with the witness, seen without it)
    (
        "delete the witnessed checkpoint",
        delete_witnessed_checkpoint,
        (12, "checkpoint_missing"),
        False,
    ),
    (
        "delete it and rebuild the two events after the checkpoint before",
        delete_witnessed_checkpoint_and_rebuild_tail,
        (11, "rewritten"),
        False,
    ),
    (
        "delete it and the two events after the checkpoint before, and append two more",
        delete_witnessed_checkpoint_and_replace_tail,
        (11, "rewritten"),
        False,
    ),
    (
        "delete it and the events after the checkpoint before",
        delete_witnessed_checkpoint_and_tail,
        (11, "deleted"),
        False,
    ),
    (
        "delete the last two checkpoints and rebuild from 7",
        delete_two_checkpoints_and_rebuild,
        (6, "rewritten"),
        True,  # by the cadence: a checkpoint is due at 10
    ),
    (
        "delete every checkpoint and rebuild from 2",
        delete_every_checkpoint_and_rebuild,
        (1, "rewritten"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("attack", "first", "seen_without"),
    [(fn, first, seen) for _, fn, first, seen in ATTACKS],
    ids=[name for name, *_ in ATTACKS],
)
def test_a_witness_exposes_deleted_checkpoints_and_what_followed(
    engine: Engine,
    attack: Callable[[Engine], None],
    first: tuple[int, str],
    seen_without: bool,
) -> None:
    witness = _witnessed_trail(engine)
    assert verify(engine, witnesses=[witness]).ok
    attack(engine)
    assert verify(engine).ok is not seen_without
    result = verify(engine, witnesses=[witness])
    assert result.first is not None
    assert (result.first.seq, result.first.kind) == first, result.problems
    assert witness.source in result.first.message or result.first.kind == "checkpoint_missing"


def test_an_older_witness_still_holds_once_the_trail_grew(engine: Engine) -> None:
    witness = _witnessed_trail(engine)
    fill(engine, 9, checkpoint_every=EVERY)
    result = verify(engine, witnesses=[witness])
    assert result.ok, result.problems
    assert (result.witnesses, result.last_witnessed_seq) == (1, 12)


def _cli(*args: str) -> object:
    _register()
    return CliRunner().invoke(app, ["audit", *args])


def test_witness_round_trip_through_the_commands(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    fill(engine, 12, checkpoint_every=EVERY)
    kept = tmp_path / "witnesses"
    kept.mkdir()
    taken = _cli("checkpoint", "--database-url", db_url, "--witness", str(kept))
    assert taken.exit_code == 0, taken.output  # type: ignore[attr-defined]
    assert "signed event 12" in taken.output  # type: ignore[attr-defined]
    files = sorted(kept.glob("*.json"))
    assert [f.name for f in files] == ["audit-witness-000000000012.json"]
    document = json.loads(files[0].read_text())
    assert {k: document[k] for k in ("format", "seq", "cadence")} == {
        "format": "joinedup-audit-witness/1",
        "seq": 12,
        "cadence": EVERY,
    }
    assert set(document) == {"format", "seq", "hash", "signature", "key_id", "at", "cadence"}
    # A second witness later, to a named file: the head is already signed, the witness is taken.
    fill(engine, 3, checkpoint_every=EVERY)
    single = tmp_path / "today.json"
    again = _cli("checkpoint", "--database-url", db_url, "--witness", str(single))
    assert again.exit_code == 0 and single.exists(), again.output  # type: ignore[attr-defined]
    assert read_witnesses([single])[0].seq == 15
    ok = _cli("verify", "--database-url", db_url, "--witness", str(kept), "--witness", str(single))
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    assert "as 2 witnesses hold it, the latest at event 15" in ok.output  # type: ignore[attr-defined]
    tamper(engine, "DELETE FROM audit_checkpoints WHERE seq = 15")
    broken = _cli("verify", "--database-url", db_url, "--witness", str(single))
    assert broken.exit_code == 1  # type: ignore[attr-defined]
    assert "TAMPERED: event 15: checkpoint_missing" in broken.output  # type: ignore[attr-defined]


def _write(path: Path, document: dict[str, object]) -> Path:
    path.write_text(json.dumps(document))
    return path


def _signed_by(key: SigningKey, document: dict[str, object]) -> dict[str, object]:
    from datetime import datetime

    at = datetime.fromisoformat(str(document["at"]))
    signature = sign_checkpoint(
        key,
        int(document["seq"]),
        str(document["hash"]),
        at,
        document["cadence"],  # type: ignore[arg-type]
    )
    return {**document, "signature": signature, "key_id": key.key_id}


EDITS: list[tuple[str, Callable[[dict[str, object]], object], str]] = [
    ("hash changed", lambda d: {**d, "hash": "0" * 64}, "signature does not match"),
    ("event moved", lambda d: {**d, "seq": 11}, "signature does not match"),
    (
        "time changed",
        lambda d: {**d, "at": "2026-06-01T09:00:00.000000Z"},
        "signature does not match",
    ),
    ("cadence cleared", lambda d: {**d, "cadence": None}, "signature does not match"),
    (
        "signature of another key, key id kept",
        lambda d: {
            **d,
            "signature": base64.b64encode(Ed25519PrivateKey.generate().sign(b"x")).decode(),
        },
        "signature does not match",
    ),
    (
        "made up and signed with a key the hub does not trust",
        lambda d: _signed_by(SigningKey(Ed25519PrivateKey.generate()), d),
        "not trusted",
    ),
    (
        "made up and signed with the public development key",
        lambda d: _signed_by(
            SigningKey(Ed25519PrivateKey.from_private_bytes(_DEVELOPMENT_SEED), development=True), d
        ),
        "not trusted",
    ),
    ("not a witness", lambda d: {"seq": 12}, "not a joinedup audit witness"),
    (
        "a field missing",
        lambda d: {k: v for k, v in d.items() if k != "signature"},
        "lacks signature",
    ),
    ("seq not a number", lambda d: {**d, "seq": "12"}, "wrong type"),
    ("not JSON", lambda d: "{", "cannot be read"),
]


@pytest.mark.parametrize(
    ("edit", "message"), [(e, m) for _, e, m in EDITS], ids=[name for name, *_ in EDITS]
)
def test_an_edited_or_forged_witness_is_refused(
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    edit: Callable[[dict[str, object]], object],
    message: str,
) -> None:
    fill(engine, 12, checkpoint_every=EVERY)
    genuine = tmp_path / "genuine.json"
    assert _cli("checkpoint", "--database-url", db_url, "--witness", str(genuine)).exit_code == 0  # type: ignore[attr-defined]
    edited = edit(json.loads(genuine.read_text()))
    forged = tmp_path / "forged.json"
    forged.write_text(edited if isinstance(edited, str) else json.dumps(edited))
    with pytest.raises(WitnessError, match=message):
        read_witnesses([forged])
    outcome = _cli("verify", "--database-url", db_url, "--witness", str(forged))
    # main() prints a JoinedupError as "Error: …" and exits with its code, 2
    assert isinstance(outcome.exception, WitnessError), outcome.output  # type: ignore[attr-defined]
    assert outcome.exception.exit_code == 2  # type: ignore[attr-defined]


def test_a_witness_is_trusted_by_the_rules_checkpoints_are(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An auditor who lists only the hub's public key (and holds no private key) accepts the
    hub's witness; after a rotation the old key must be listed, as for checkpoints."""
    witness = _witnessed_trail(engine)
    hub_public = base64.b64encode(load_signing_key().public.public_bytes_raw()).decode()
    from joinedup.audit.witness import write_witness

    path = write_witness(witness, tmp_path / "w.json")
    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY")
    monkeypatch.setenv("JOINEDUP_AUDIT_TRUSTED_KEYS", hub_public)
    assert verify(engine, witnesses=[path]).ok
    monkeypatch.setenv("JOINEDUP_AUDIT_SIGNING_KEY", new_key())
    monkeypatch.delenv("JOINEDUP_AUDIT_TRUSTED_KEYS")
    with pytest.raises(WitnessError, match="not trusted"):
        read_witnesses([path])


@pytest.mark.parametrize("where", ["missing file", "empty directory"])
def test_a_witness_path_that_holds_none_is_an_error(tmp_path: Path, where: str) -> None:
    path = tmp_path / "nothing.json" if where == "missing file" else tmp_path
    with pytest.raises(WitnessError, match="no witness"):
        read_witnesses([path])


def test_no_witness_of_an_empty_trail(db_url: str, tmp_path: Path) -> None:
    outcome = _cli("checkpoint", "--database-url", db_url, "--witness", str(tmp_path / "w.json"))
    assert outcome.exit_code == 0, outcome.output  # type: ignore[attr-defined]
    assert "no witness written" in outcome.output  # type: ignore[attr-defined]
    assert not (tmp_path / "w.json").exists()
