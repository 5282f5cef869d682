"""Writing events for the audit tests, and tampering as a DBA who can drop triggers would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, inspect, select, text
from sqlalchemy.engine import Engine

from joinedup.audit import NewEvent, append
from joinedup.audit.chain import GENESIS, HASHED_FIELDS, compute_hash
from joinedup.audit.signing import load_signing_key, sign_checkpoint
from joinedup.store.db import session_scope
from joinedup.store.governance_tables import AuditCheckpoint, AuditEvent

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def event(n: int, **changes: object) -> NewEvent:
    fields: dict[str, object] = {
        "actor": f"user-{n % 3}",
        "organisation": "northbridge-council" if n % 2 else "nhs-northbridge-icb",
        "role": "social_worker" if n % 2 else "gp",
        "action": "person.view",
        "decision": "permit",
        "purpose": "direct_care" if n % 4 else "safeguarding",
        "person_id": f"p-{n % 5}",
        "categories": ["adult_social_care/social_care.adult"],
        "agreements": [{"id": "nb", "version": 1, "sha256": "a" * 64}],
        "request_id": f"req-{n}",
        "reason": "Zoë's review",
        "at": T0 + timedelta(minutes=n),
    }
    fields.update(changes)
    return NewEvent(**fields)  # type: ignore[arg-type]


def fill(engine: Engine, count: int, *, checkpoint_every: int = 0) -> None:
    """Append ``count`` events, one transaction each, as a service would."""
    for n in range(1, count + 1):
        with session_scope(engine) as session:
            append(session, event(n), checkpoint_every=checkpoint_every)


def drop_triggers(conn: Connection) -> None:
    """What an attacker with DBA rights does first: remove the append-only triggers."""
    if conn.dialect.name == "postgresql":
        for table in ("audit_events", "audit_checkpoints"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"))
    else:
        for table in ("audit_events", "audit_checkpoints"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_update"))
            conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_delete"))


def tamper(engine: Engine, *statements: str, params: dict[str, object] | None = None) -> None:
    with engine.begin() as conn:
        drop_triggers(conn)
        for statement in statements:
            conn.execute(text(statement), params or {})


def row(engine: Engine, seq: int) -> dict[str, object]:
    table = AuditEvent.__table__
    with engine.connect() as conn:
        found = conn.execute(select(table).where(table.c.seq == seq)).first()
    assert found is not None
    return dict(found._mapping)


def rebuild_from(engine: Engine, seq: int) -> None:
    """Edit event ``seq`` and recompute every hash after it: a self-consistent chain, which
    only a checkpoint (or a witness) signed over the original contradicts."""
    head = _head(engine)
    rows = [row(engine, n) for n in range(seq, head + 1)]
    prev = str(row(engine, seq - 1)["hash"]) if seq > 1 else "0" * 64
    statements, params = [], {}
    for index, values in enumerate(rows):
        if index == 0:
            values["purpose"] = "planning"
        values["prev_hash"] = prev
        prev = compute_hash(prev, values)
        statements.append(
            f"UPDATE audit_events SET prev_hash = :p{index}, hash = :h{index}"
            + (", purpose = 'planning'" if index == 0 else "")
            + f" WHERE seq = {values['seq']}"
        )
        params[f"p{index}"], params[f"h{index}"] = values["prev_hash"], prev
    tamper(engine, *statements, params=params)


def _head(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT max(seq) FROM audit_events")).scalar_one())


def legacy_checkpoint(engine: Engine, seq: int) -> None:
    """A checkpoint of event ``seq`` as written before migration 0009: no cadence, signed
    without one."""
    key, at = load_signing_key(), datetime.now(UTC)
    chain_hash = str(row(engine, seq)["hash"])
    signature = sign_checkpoint(key, seq, chain_hash, at)
    values = {
        "seq": seq,
        "hash": chain_hash,
        "signature": signature,
        "key_id": key.key_id,
        "at": at,
    }
    with engine.begin() as conn:
        conn.execute(insert(AuditCheckpoint.__table__).values(**values))


def fill_legacy(engine: Engine, count: int, *, checkpoint_every: int = 0) -> None:
    """Append ``count`` events as the appender did before migration 0014: only the columns that
    existed then (no ``credential``, no ``account_organisation``), hashed in that form, and a
    checkpoint (with its cadence) every ``checkpoint_every`` events. For a schema of 0009-0013."""
    start = _head_or_zero(engine)
    prev = str(row(engine, start)["hash"]) if start else GENESIS
    key = load_signing_key()
    with engine.begin() as conn:
        has_cadence = "cadence" in {
            c["name"] for c in inspect(conn).get_columns("audit_checkpoints")
        }
        for seq in range(start + 1, start + count + 1):
            made = event(seq)
            values = {name: getattr(made, name) for name in HASHED_FIELDS}
            values["categories"], values["agreements"] = (
                list(made.categories),
                list(made.agreements),
            )
            values.update(seq=seq, prev_hash=prev, hash=compute_hash(prev, values))
            conn.execute(insert(AuditEvent.__table__).values(**values))
            prev = str(values["hash"])
            if checkpoint_every and seq % checkpoint_every == 0:
                at = datetime.now(UTC)
                cadence = checkpoint_every if has_cadence else None
                signed = {
                    "seq": seq,
                    "hash": prev,
                    "signature": sign_checkpoint(key, seq, prev, at, cadence),
                    "key_id": key.key_id,
                    "at": at,
                }
                if has_cadence:
                    signed["cadence"] = cadence
                conn.execute(insert(AuditCheckpoint.__table__).values(**signed))


def _head_or_zero(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT coalesce(max(seq), 0) FROM audit_events")).scalar_one()
        )
