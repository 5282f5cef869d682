"""``joinedup policy …`` and ``joinedup audit …``: argument handling and printing only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from joinedup.cli import app
from joinedup.cli.database import absent_sqlite_file

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.engine import Engine

    from joinedup.audit.verify import VerifyResult
    from joinedup.policy.model import Agreement
    from joinedup.services.agreements_store import StoredStatus

policy_app = typer.Typer(help="Data sharing agreements: check them and run policy tests.")
audit_app = typer.Typer(help="The audit trail: verify it, sign it, make keys.")
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")


@policy_app.command("test")
def policy_test(
    directory: Path = typer.Argument(
        ..., metavar="DIRECTORY", help="Agreements and *_test.yaml files, searched deeply."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show every item's reasons."),
) -> None:
    """Run table-driven policy tests (request -> expected permits/denies), as 'opa test' does."""
    from joinedup.policy.testing import run_directory

    results = run_directory(directory)
    for result in results:
        typer.echo(f"{'PASS' if result.passed else 'FAIL'}: {result.name}")
        for failure in result.failures:
            typer.echo(f"    {failure}")
        if verbose and result.decision is not None:
            for item in result.decision.items:
                cite = "; ".join(
                    f"{r.code}" + (f" [{r.citation}]" if r.citation else "") for r in item.reasons
                )
                state = "permit" if item.permitted else "deny"
                typer.echo(f"    {state:6} {item.label}: {cite}")
    failed = sum(not r.passed for r in results)
    typer.echo("-" * 40)
    typer.echo(f"PASS: {len(results) - failed}/{len(results)}")
    if failed:
        typer.echo(f"FAIL: {failed}/{len(results)}")
        raise typer.Exit(1)


@policy_app.command("check")
def policy_check(
    directory: Path = typer.Argument(
        ..., metavar="DIRECTORY", help="Directory of agreement YAML files."
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="Compare with the versions stored there (default: JOINEDUP_DATABASE_URL or the "
        "SQLite file under JOINEDUP_DATA_DIR, when there is one).",
    ),
) -> None:
    """Validate every agreement in DIRECTORY and print its id, version, validity and hash.

    Where there is a database, also say how each agreement stands against the versions stored
    there — new, unchanged, a new version, or edited without a new version — and exit 1 naming
    each file edited without one: a hub serving it would pause sharing under that agreement.
    """
    from joinedup.policy.agreements import load_agreements, sources_closed_to_their_provider
    from joinedup.policy.engine import agreements_in_force
    from joinedup.services.agreements_store import StoredStatus
    from joinedup.store.base import utcnow

    agreements = load_agreements(directory)
    compared = _compare_with_database(agreements, database_url)
    edited = []
    for agreement in agreements:
        until = agreement.valid_to or "open-ended"
        status = compared.get((agreement.id, agreement.version))
        if status is StoredStatus.EDITED:
            edited.append(agreement)
        shown = f"  {status.upper() if status is StoredStatus.EDITED else status}" if status else ""
        typer.echo(
            f"{agreement.ref:40} {agreement.valid_from} to {until}  "
            f"{len(agreement.clauses)} clauses  sha256:{agreement.sha256}{shown}"
        )
    for provider, source in sources_closed_to_their_provider(
        agreements_in_force(agreements, utcnow())
    ):
        typer.echo(
            f"note: no agreement in force lets {provider}'s own staff see {source}, which it "
            "provides; add a clause naming it as a recipient if its staff should",
            err=True,
        )
    for agreement in edited:
        typer.echo(
            f"{agreement.origin}: {agreement.ref} is stored with different content: edited "
            "without a new version, so sharing under it would pause (503) once deployed. Bump "
            "its version, or put the stored text back.",
            err=True,
        )
    if edited:
        raise typer.Exit(1)


def _compare_with_database(
    agreements: tuple[Agreement, ...], database_url: str | None
) -> dict[tuple[str, int], StoredStatus]:
    """(id, version) → how it stands against the database's stored versions; empty without one.

    Reads only: a configured SQLite file that does not exist is an error (comparing with an empty
    database would call every agreement new), while the default file's absence just means there
    is no hub here to compare with, as before this check existed.
    """
    import os

    from sqlalchemy import inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.orm import Session

    from joinedup.config import Settings
    from joinedup.errors import JoinedupError
    from joinedup.services.agreements_store import compare_with_stored
    from joinedup.store.db import make_engine

    configured = database_url or any(
        os.environ.get(f"JOINEDUP_{name}", "").strip() for name in ("DATABASE_URL", "DATA_DIR")
    )
    url = database_url or Settings.from_env().database_url
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise JoinedupError(
            "the database URL is not a valid URL (see JOINEDUP_DATABASE_URL)"
        ) from None
    shown = parsed.render_as_string(hide_password=True)
    path = absent_sqlite_file(url)
    if path is not None:
        if configured:
            raise JoinedupError(
                f"no database at {path}: check --database-url, JOINEDUP_DATABASE_URL or "
                "JOINEDUP_DATA_DIR (policy check never creates one)"
            )
        return {}
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("agreement_versions"):
            raise JoinedupError(
                f"{shown} has no agreement_versions table: is it a joinedup database? "
                "(policy check never creates or migrates one)"
            )
        with Session(engine) as session:
            compared = compare_with_stored(session, agreements)
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise JoinedupError(f"cannot read the agreements stored in {shown}: {reason}") from None
    finally:
        engine.dispose()
    typer.echo(f"compared with the agreement versions stored in {shown}")
    return {(a.id, a.version): status for a, status in compared}


@policy_app.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema that agreement files must satisfy."""
    from joinedup.policy.schema import AGREEMENT_SCHEMA

    typer.echo(json.dumps(AGREEMENT_SCHEMA, indent=2))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _existing_database(database_url: str | None) -> Engine:
    """An engine on the audit trail to read, refusing a SQLite file that does not exist.

    Opening one would create and migrate an empty database — a mistyped path or a forgotten
    ``JOINEDUP_DATABASE_URL`` then read as an intact trail of no events.
    """
    from joinedup.config import Settings
    from joinedup.errors import JoinedupError
    from joinedup.store.db import make_engine

    url = database_url or Settings.from_env().database_url
    path = absent_sqlite_file(url)
    if path is not None:
        raise JoinedupError(
            f"no database at {path}: check --database-url or JOINEDUP_DATABASE_URL "
            "(an audit command never creates one)"
        )
    return make_engine(url)


@audit_app.command("verify")
def audit_verify(
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="The database holding the trail (default: JOINEDUP_DATABASE_URL or the SQLite "
        "file under JOINEDUP_DATA_DIR).",
    ),
    witness: list[Path] | None = typer.Option(
        None,
        "--witness",
        help="A witness file, or a directory of them, from 'audit checkpoint --witness' "
        "(repeatable): the database must still hold each witnessed checkpoint.",
        metavar="PATH",
    ),
) -> None:
    """Recompute the hash chain and check signed checkpoints; exit 1 naming the first bad event."""
    from joinedup.audit.verify import verify
    from joinedup.audit.witness import read_witnesses
    from joinedup.store.db import upgrade

    # A witness that cannot be believed is refused before the database is even opened.
    witnesses = read_witnesses(witness) if witness else []
    engine = _existing_database(database_url)
    try:
        upgrade(engine)
        result = verify(engine, witnesses=witnesses)
    finally:
        engine.dispose()
    typer.echo(
        f"{_count(result.events, 'event')}, {_count(result.checkpoints, 'checkpoint')}; "
        f"head {result.head_seq} {result.head_hash}"
    )
    for line in _coverage(result, witnessed=len(witness or [])):
        typer.echo(line)
    if result.first is not None:
        typer.echo(f"TAMPERED: {result.first}", err=True)
        if len(result.problems) > 1:
            typer.echo(f"({len(result.problems) - 1} further problems follow from it)", err=True)
        raise typer.Exit(1)
    if result.development_signed:
        typer.echo(
            f"WARNING: {_count(result.development_signed, 'checkpoint')} signed with the public "
            "development key, which anyone can use: they prove nothing. Set "
            "JOINEDUP_AUDIT_SIGNING_KEY (joinedup audit keygen) before real use.",
            err=True,
        )
    tail = result.unsigned_tail
    witnessed = (
        f"; as {result.witnesses} witnesses hold it, the latest at event "
        f"{result.last_witnessed_seq}"
        if result.witnesses > 1
        else f"; as the witness of event {result.last_witnessed_seq} holds it"
    )
    typer.echo(
        "OK: chain intact"
        + (f"; last checkpoint at event {result.last_checkpoint_seq}" if result.checkpoints else "")
        + (
            f"; {tail} {'event' if tail == 1 else 'events'} since, protected by the chain only"
            if tail
            else ""
        )
        + (witnessed if result.witnesses else "")
    )


def _utc(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment is not None else "(time unreadable)"


def _coverage(result: VerifyResult, *, witnessed: int) -> list[str]:
    """What verify covered and checked, for a report a regulator can be shown: the events (by
    number and time), the checks made, and which keys signed the checkpoints found good."""
    if not result.events:
        return ["no events recorded"]
    lines = [
        f"events {result.first_seq} to {result.head_seq}, recorded {_utc(result.first_at)} "
        f"to {_utc(result.head_at)} UTC",
        "checked: every event's hash over its content and its link to the event before; each "
        "checkpoint's Ed25519 signature against the keys trusted here and the hash it sealed; "
        "that no checkpoint the recorded interval calls for is missing"
        + (f"; {_count(witnessed, 'witness path')} outside the database" if witnessed else ""),
    ]
    span = (
        f"events {result.first_checkpoint_seq} to {result.last_checkpoint_seq}"
        if result.checkpoints > 1
        else f"event {result.last_checkpoint_seq}"
    )
    from joinedup.audit.signing import development_key_id

    development = development_key_id()

    def trust(key: str) -> str:
        return (
            "the public development key: it proves nothing"
            if key == development
            else ("trusted here")
        )

    keys = sorted(result.signed_by.items())
    if len(keys) == 1 and keys[0][1] == result.checkpoints:
        lines.append(
            f"{_count(result.checkpoints, 'checkpoint')} ({span}) signed with Ed25519 key "
            f"{keys[0][0]}, {trust(keys[0][0])}"
        )
    elif result.checkpoints:
        lines.append(f"{_count(result.checkpoints, 'checkpoint')} ({span}); good signatures:")
        lines += [f"  {count} by Ed25519 key {key}, {trust(key)}" for key, count in keys]
    else:
        lines.append("no signed checkpoints: the events are protected by the chain only")
    return lines


@audit_app.command("checkpoint")
def audit_checkpoint(
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="The database holding the trail (default: JOINEDUP_DATABASE_URL or the SQLite "
        "file under JOINEDUP_DATA_DIR).",
    ),
    witness: Path | None = typer.Option(
        None,
        "--witness",
        help="Also write the latest signed checkpoint to this file (or to a new file in this "
        "directory), to keep where the database's administrators cannot write.",
        metavar="PATH",
    ),
) -> None:
    """Sign the current head of the audit trail now (before a backup, say)."""
    from joinedup.audit.log import checkpoint_now
    from joinedup.audit.witness import latest_witness, write_witness
    from joinedup.store.db import location, session_scope, upgrade

    engine = _existing_database(database_url)
    where = location(engine)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            checkpoint = checkpoint_now(session)
            # Read while the session is open: the checkpoint's attributes expire at the commit.
            signed = (
                None
                if checkpoint is None
                else f"signed event {checkpoint.seq} {checkpoint.hash} with key {checkpoint.key_id}"
            )
            latest = latest_witness(session) if witness is not None else None
    finally:
        engine.dispose()
    if signed is None:
        typer.echo("nothing to sign: the trail is empty or its head is already checkpointed")
    else:
        typer.echo(signed)
    typer.echo(f"database: {where}")
    if witness is None:
        return
    if latest is None:
        typer.echo("no witness written: the trail has no checkpoint yet")
        return
    # Written only after the commit: a witness of a checkpoint rolled back would accuse the hub.
    path = write_witness(latest, witness)
    typer.echo(f"witness of the checkpoint at event {latest.seq} written to {path}")


@audit_app.command("log")
def audit_log(
    person_id: str = typer.Argument(
        ..., metavar="PERSON_ID", help="The person id (as in the master person index)."
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=1000, help="Show at most N accesses."),
    since: str | None = typer.Option(
        None,
        "--since",
        metavar="DATE",
        help="The first day to include, a UK day (2026-03-01 or 01/03/2026).",
    ),
    until: str | None = typer.Option(
        None,
        "--until",
        metavar="DATE",
        help="The last day to include, a UK day (to its end, UK time, summer time included).",
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        help="The database holding the trail (default: JOINEDUP_DATABASE_URL or the SQLite "
        "file under JOINEDUP_DATA_DIR).",
    ),
) -> None:
    """Who accessed a person's data: organisation, role, when, why — the resident's access log.

    Also under the ids their records were held by at the time: ids since merged into theirs,
    and the id their records were split from, up to the split. --since and --until
    are UK days, both included: a regulator's "between 1 and 31 March" in London.
    """
    start = _uk_day_start(since, "--since")
    first_after = _uk_day_start(until, "--until", next_day=True)
    if start and first_after and start >= first_after:
        raise typer.BadParameter("--until must be the same day as --since or after it")
    from joinedup.audit.queries import access_log
    from joinedup.linkage.ids import normalise_person_id
    from joinedup.linkage.lineage import lineage
    from joinedup.linkage.persons import PersonNotFound, lookup_person
    from joinedup.store.db import session_scope, upgrade

    # As the index issued it: "p7k2m9qx4tb1a " found no events and said "no recorded access".
    wanted = normalise_person_id(person_id)
    engine = _existing_database(database_url)
    try:
        upgrade(engine)
        with session_scope(engine) as session:
            holders = lineage(session, wanted).holders()
            entries = access_log(
                session, wanted, limit=limit, holders=holders, since=start, until=first_after
            )
            if not entries:
                # A mistyped id is not a person nobody looked at: exit 3, as joinedup person.
                lookup_person(session, wanted)
    except PersonNotFound as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    finally:
        engine.dispose()
    if not entries:
        typer.echo("no recorded access")
    for entry in entries:
        flag = "  BREAK-GLASS" if entry.break_glass else ""
        typer.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S}Z  {entry.organisation} ({entry.role})  "
            f"{entry.purpose or '-'}  {entry.action}  {entry.decision}{flag}"
            + (f"  — {entry.reason}" if entry.reason else "")
        )
        if entry.withheld:
            typer.echo(
                "    withheld: "
                + ", ".join(
                    f"{w.get('source')}/{w.get('category')} ({w.get('reason_code')})"
                    for w in entry.withheld
                )
            )


def _uk_day_start(text: str | None, option: str, *, next_day: bool = False) -> datetime | None:
    """The UTC time a UK day typed as ``2026-03-31`` or ``31/03/2026`` starts (or, with
    ``next_day``, the day after it: an inclusive end). In summer it is 23:00 the day before."""
    import re
    from datetime import UTC, date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    if text is None:
        return None
    value = text.strip()
    iso = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})", value)
    uk = re.fullmatch(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})", value)
    try:
        if iso:
            day = date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif uk:
            day = date(int(uk[3]), int(uk[2]), int(uk[1]))
        else:
            raise ValueError
        if next_day:
            day += timedelta(days=1)
    except (ValueError, OverflowError):
        raise typer.BadParameter(
            f"{option} must be a real date, such as 2026-03-31 or 31/03/2026"
        ) from None
    return datetime.combine(day, time(), ZoneInfo("Europe/London")).astimezone(UTC)


@audit_app.command("keygen")
def audit_keygen() -> None:
    """Make a new Ed25519 signing key for JOINEDUP_AUDIT_SIGNING_KEY (keep it secret)."""
    from joinedup.audit.signing import generate_key

    private, public = generate_key()
    typer.echo(f"JOINEDUP_AUDIT_SIGNING_KEY={private}")
    typer.echo(f"# public key, for JOINEDUP_AUDIT_TRUSTED_KEYS after rotation: {public}")
