"""Tampering as an attacker with DBA rights (triggers dropped first): every edit, deletion,
insertion, reordering and forged signature is caught, and the first bad event is named."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from joinedup.audit import verify
from joinedup.audit.chain import compute_hash
from joinedup.audit.signing import key_id, load_signing_key
from joinedup.cli import _register, app
from tests.integration.audit.conftest import new_key
from tests.integration.audit.helpers import event, fill, rebuild_from, row, tamper

EVENTS = 12
EVERY = 5  # checkpoints at 5 and 10; 11 and 12 are the unsigned tail


def _insert(engine: Engine, values: dict[str, object]) -> None:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    params = {k: json.dumps(v) if isinstance(v, list) else v for k, v in values.items()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            marks = ", ".join(
                f"CAST(:{n} AS jsonb)" if n in ("categories", "agreements") else f":{n}"
                for n in values
            )
        conn.execute(text(f"INSERT INTO audit_events ({columns}) VALUES ({marks})"), params)


def _shift_up_from(engine: Engine, seq: int) -> None:
    # Two steps so that no intermediate state breaks the primary key.
    tamper(
        engine,
        f"UPDATE audit_events SET seq = -seq WHERE seq >= {seq}",
        "UPDATE audit_events SET seq = 1 - seq WHERE seq < 0",
    )


def _forged(engine: Engine, seq: int, prev_hash: str, *, honest_hash: bool) -> dict[str, object]:
    fake = event(100, at=row(engine, seq - 1)["at"])
    values: dict[str, object] = {
        "seq": seq,
        "event_id": fake.event_id,
        "at": fake.at,
        "actor": fake.actor,
        "organisation": fake.organisation,
        "role": fake.role,
        "purpose": fake.purpose,
        "case_reference": None,
        "person_id": fake.person_id,
        "action": fake.action,
        "decision": fake.decision,
        "categories": list(fake.categories),
        "agreements": [dict(a) for a in fake.agreements],
        "request_id": fake.request_id,
        "reason": fake.reason,
        "break_glass": False,
        "prev_hash": prev_hash,
    }
    values["hash"] = compute_hash(prev_hash, values) if honest_hash else "f" * 64
    return values


def edit(engine: Engine) -> None:
    tamper(engine, "UPDATE audit_events SET purpose = 'planning' WHERE seq = 4")


def edit_and_rehash(engine: Engine) -> None:
    changed = {**row(engine, 4), "person_id": "p-somebody-else"}
    new_hash = compute_hash(str(changed["prev_hash"]), changed)
    tamper(
        engine,
        "UPDATE audit_events SET person_id = 'p-somebody-else', hash = :h WHERE seq = 4",
        params={"h": new_hash},
    )


def delete_middle(engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE seq = 4")


def delete_and_renumber(engine: Engine) -> None:
    tamper(
        engine,
        "DELETE FROM audit_events WHERE seq = 4",
        "UPDATE audit_events SET seq = -(seq - 1) WHERE seq > 4",
        "UPDATE audit_events SET seq = -seq WHERE seq < 0",
    )


def delete_signed_tail(engine: Engine) -> None:
    tamper(engine, "DELETE FROM audit_events WHERE seq >= 9")


def insert_linked(engine: Engine) -> None:
    prev = str(row(engine, 3)["hash"])
    _shift_up_from(engine, 4)
    _insert(engine, _forged(engine, 4, prev, honest_hash=True))


def insert_unlinked(engine: Engine) -> None:
    prev = str(row(engine, 3)["hash"])
    _shift_up_from(engine, 4)
    _insert(engine, _forged(engine, 4, prev, honest_hash=False))


def insert_replay_at_end(engine: Engine) -> None:
    # A copy of an old event appended as if new: its link points back into history.
    prev = str(row(engine, 6)["hash"])
    _insert(engine, _forged(engine, EVENTS + 1, prev, honest_hash=True))


def reorder(engine: Engine) -> None:
    tamper(
        engine,
        "UPDATE audit_events SET seq = -1 WHERE seq = 4",
        "UPDATE audit_events SET seq = 4 WHERE seq = 5",
        "UPDATE audit_events SET seq = 5 WHERE seq = -1",
    )


def forge_signature(engine: Engine) -> None:
    other = base64.b64encode(Ed25519PrivateKey.generate().sign(b"x")).decode()
    tamper(engine, "UPDATE audit_checkpoints SET signature = :s WHERE seq = 5", params={"s": other})


def rebuild_history(engine: Engine) -> None:
    # Edit event 7 and recompute every hash after it: a self-consistent chain, which only the
    # checkpoint at 10 (signed over the original) exposes.
    rows = [row(engine, seq) for seq in range(1, EVENTS + 1)]
    rows[6]["purpose"] = "planning"
    statements, params = [], {}
    prev = str(rows[5]["hash"])
    for index in range(6, EVENTS):
        rows[index]["prev_hash"] = prev
        prev = compute_hash(prev, rows[index])
        statements.append(
            f"UPDATE audit_events SET prev_hash = :p{index}, hash = :h{index}"
            + (", purpose = 'planning'" if index == 6 else "")
            + f" WHERE seq = {index + 1}"
        )
        params[f"p{index}"] = rows[index]["prev_hash"]
        params[f"h{index}"] = prev
    tamper(engine, *statements, params=params)


def delete_last_checkpoint_and_rebuild(engine: Engine) -> None:
    # The signed checkpoint at 10 deleted, then events 7 to 12 rebuilt: nothing in the database
    # contradicts the new chain, but the checkpoint at 5 announced one every 5 events.
    tamper(engine, "DELETE FROM audit_checkpoints WHERE seq >= 10")
    rebuild_from(engine, 7)


def clear_a_checkpoint_cadence(engine: Engine) -> None:
    # Making the checkpoint at 10 look older than the cadence, so that it announces nothing.
    tamper(engine, "UPDATE audit_checkpoints SET cadence = NULL WHERE seq = 10")


def stretch_a_checkpoint_cadence(engine: Engine) -> None:
    tamper(engine, "UPDATE audit_checkpoints SET cadence = 1000 WHERE seq = 10")


ATTACKS: list[tuple[str, Callable[[Engine], None], int, str]] = [
    ("edit", edit, 4, "edited"),
    ("edit and recompute its hash", edit_and_rehash, 4, "edited"),
    ("delete one event", delete_middle, 4, "deleted"),
    ("delete one and renumber the rest", delete_and_renumber, 4, "deleted"),
    ("delete the end, past a checkpoint", delete_signed_tail, 9, "deleted"),
    ("insert a forged event, correctly linked", insert_linked, 4, "inserted"),
    ("insert a forged event with a made-up hash", insert_unlinked, 4, "inserted"),
    ("replay an old event at the end", insert_replay_at_end, EVENTS + 1, "inserted"),
    ("swap two events", reorder, 4, "reordered"),
    ("forge a checkpoint signature", forge_signature, 5, "bad_signature"),
    ("rebuild history after an edit", rebuild_history, 6, "rewritten"),
    (
        "delete the last checkpoint, rebuild what follows the one before",
        delete_last_checkpoint_and_rebuild,
        10,
        "checkpoint_missing",
    ),
    ("clear a checkpoint's cadence", clear_a_checkpoint_cadence, 10, "bad_signature"),
    ("stretch a checkpoint's cadence", stretch_a_checkpoint_cadence, 10, "bad_signature"),
]


@pytest.mark.parametrize(
    ("attack", "seq", "kind"),
    [(fn, seq, kind) for _, fn, seq, kind in ATTACKS],
    ids=[name for name, *_ in ATTACKS],
)
def test_tampering_is_caught_and_named(
    engine: Engine, attack: Callable[[Engine], None], seq: int, kind: str
) -> None:
    fill(engine, EVENTS, checkpoint_every=EVERY)
    assert verify(engine).ok
    attack(engine)
    result = verify(engine)
    assert not result.ok
    first = result.first
    assert first is not None
    assert (first.seq, first.kind) == (seq, kind), result.problems


def _fill_with_credentials(engine: Engine) -> None:
    """Events 1-3 as written before migration 0014 (no credential); 4-6 with one, and 6 an
    administrator's change to an account of another organisation."""
    from joinedup.audit import append
    from joinedup.store.db import session_scope

    for n in range(1, 7):
        extra: dict[str, object] = {"credential": f"session:{n}"} if n >= 4 else {}
        if n == 6:
            extra = {"credential": "token:6", "account_organisation": "nhs-northbridge-icb"}
        with session_scope(engine) as session:
            append(session, event(n, **extra), checkpoint_every=0)


CREDENTIAL_EDITS: list[tuple[str, str, int]] = [
    ("give an old event a credential", "credential = 'session:1'", 3),
    ("change a session to another", "credential = 'session:99'", 4),
    ("pass a token's work off as a session's", "credential = 'session:5'", 6),
    ("clear the credential", "credential = NULL", 5),
    ("move an account change to another organisation", "account_organisation = 'x'", 6),
    ("clear the account's organisation", "account_organisation = NULL", 6),
]


@pytest.mark.parametrize(
    ("change", "seq"),
    [(change, seq) for _, change, seq in CREDENTIAL_EDITS],
    ids=[name for name, *_ in CREDENTIAL_EDITS],
)
def test_editing_the_credential_or_account_organisation_is_caught(
    engine: Engine, change: str, seq: int
) -> None:
    """The columns of migration 0014 are hashed when they hold a value: setting, changing or
    clearing one is an edit, named at its event."""
    _fill_with_credentials(engine)
    assert verify(engine).ok
    tamper(engine, f"UPDATE audit_events SET {change} WHERE seq = {seq}")
    result = verify(engine)
    assert result.first is not None
    assert (result.first.seq, result.first.kind) == (seq, "edited"), result.problems


def test_cli_verify_exit_codes(
    db_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(engine, EVENTS, checkpoint_every=EVERY)
    _register()
    runner = CliRunner()
    intact = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert intact.exit_code == 0, intact.output
    assert "OK: chain intact; last checkpoint at event 10; 2 events since" in intact.output
    edit(engine)
    broken = runner.invoke(app, ["audit", "verify", "--database-url", db_url])
    assert broken.exit_code == 1
    assert "TAMPERED: event 4: edited" in broken.output


def test_cli_verify_counts_one_event_since_the_checkpoint_as_one(
    db_url: str, engine: Engine
) -> None:
    fill(engine, EVERY + 1, checkpoint_every=EVERY)
    _register()
    intact = CliRunner().invoke(app, ["audit", "verify", "--database-url", db_url])
    assert intact.exit_code == 0, intact.output
    assert f"last checkpoint at event {EVERY}; 1 event since," in intact.output


def test_a_checkpoint_by_an_untrusted_key_is_reported(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(engine, 5, checkpoint_every=5)
    monkeypatch.setenv("JOINEDUP_AUDIT_SIGNING_KEY", new_key())
    result = verify(engine)
    assert result.first is not None and result.first.kind == "bad_signature"
    assert "not trusted" in result.first.message


def test_a_rotated_key_stays_trusted_when_listed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from joinedup.audit.signing import load_signing_key

    fill(engine, 5, checkpoint_every=5)
    old = load_signing_key().public.public_bytes_raw()
    monkeypatch.setenv("JOINEDUP_AUDIT_SIGNING_KEY", new_key())
    monkeypatch.setenv("JOINEDUP_AUDIT_TRUSTED_KEYS", base64.b64encode(old).decode())
    assert verify(engine).ok


def test_cli_verify_says_what_it_checked_and_by_which_keys(db_url: str, engine: Engine) -> None:
    """What a regulator is shown: the events covered (numbers and times), what was checked,
    the checkpoints and the keys that signed them — not only "OK"."""
    fill(engine, EVENTS, checkpoint_every=EVERY)
    _register()
    intact = CliRunner().invoke(app, ["audit", "verify", "--database-url", db_url])
    assert intact.exit_code == 0, intact.output
    assert "events 1 to 12, recorded 2026-06-01 09:01:00 to 2026-06-01 09:12:00 UTC" in (
        intact.output
    )
    key = key_id(load_signing_key().public)
    assert f"2 checkpoints (events 5 to 10) signed with Ed25519 key {key}" in intact.output
    assert "checked: every event's hash" in intact.output
    edit(engine)
    broken = CliRunner().invoke(app, ["audit", "verify", "--database-url", db_url])
    assert "events 1 to 12" in broken.output
    assert "TAMPERED: event 4: edited" in broken.output
