"""The audit trail's readers at the size of a real hub: the IG officer, the resident, verify.

    uv run --frozen python -m benchmarks.audit.run [--events 1000000] [--persons 20000]
        [--backends sqlite postgresql] [--repeat 7] [--markdown FILE]

For each backend (a SQLite file; a throwaway PostgreSQL cluster, as the test fixtures start
one) a borough is seeded (``hub.py``) and a year's audit trail of ``--events`` events written
through the chain's own appender (``trail.py``). Then, each ``--repeat`` times, through the
services the API and web pages call (each read audited and committed, as a request is):

- an IG officer's audit search (a page of 50), within their organisation's remit — the
  council's (staff, and sources in most views), the befriending charity's (a small staff and
  one source) and the police's (staff only, no source) — unfiltered, by person (the
  most-viewed and a typical one), by user, by a month's date range and break-glass only; each
  first page and a deep page (``before_seq`` a tenth of the way up the trail: what an officer
  reaches paging back to the year's start);
- the resident's "who looked at my record" first page and their subject access pack, for the
  most-viewed resident and a typical one;
- ``joinedup audit verify`` over the whole chain (the function; and the command once, which
  must pass).

Reported per step: p50 and p95 wall time and the peak resident memory it added.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from benchmarks.api import seed
from benchmarks.audit import hub as borough
from benchmarks.audit import trail
from benchmarks.ingest.measure import measure
from benchmarks.ingest.run import database
from joinedup.audit import audited_engine
from joinedup.audit import verify as verify_chain
from joinedup.services.governance import AuditFilters, search_audit
from joinedup.services.resident_access_log import access_history
from joinedup.services.subject_access import subject_access_pack
from joinedup.store.db import make_engine, session_scope
from joinedup.store.governance_tables import AuditEvent

MIB = 1024 * 1024
#: The organisations whose IG officers search, broadest remit first.
OFFICERS = (seed.COUNCIL, seed.CHARITY, borough.POLICE)
#: A page slower than this keeps a person at a desk waiting (the brief's line).
DESK_S = 1.0


@dataclass
class Step:
    """One timed read: its samples (seconds) and the most resident memory it added."""

    backend: str
    label: str
    seconds: list[float]
    rss_growth: int
    rows: int

    def percentile(self, p: int) -> float:
        ordered = sorted(self.seconds)
        if len(ordered) == 1:
            return ordered[0]
        return statistics.quantiles(ordered, n=100, method="inclusive")[p - 1]


def timed(backend: str, label: str, repeat: int, read: Callable[[], int]) -> Step:
    """Run ``read`` ``repeat`` times (after one untimed warm-up); ``read`` returns its rows."""
    read()
    samples, growth, rows = [], 0, 0
    for _ in range(repeat):
        measured = measure(label, 0, read)
        samples.append(measured.seconds)
        growth = max(growth, measured.rss_growth)
        rows = measured.result
    step = Step(backend, label, samples, growth, rows)
    flag = "  SLOW" if step.percentile(95) > DESK_S else ""
    print(
        f"  {label:<58} p50 {step.percentile(50) * 1000:9.1f} ms  "
        f"p95 {step.percentile(95) * 1000:9.1f} ms  rows {rows:6}  "
        f"+{growth / MIB:6.1f} MiB{flag}",
        flush=True,
    )
    return step


def _search(engine: Engine, organisation: str, filters: AuditFilters, before: int | None) -> int:
    with session_scope(audited_engine(engine)) as session:
        page = search_audit(
            session, borough.ig_officer(organisation), filters, before_seq=before, limit=50
        )
        return len(page.events)


def _access_log(engine: Engine, person_id: str) -> int:
    with session_scope(audited_engine(engine)) as session:
        return len(access_history(session, borough.resident(person_id)).entries)


def _pack(engine: Engine, person_id: str) -> int:
    with session_scope(audited_engine(engine)) as session:
        return len(subject_access_pack(session, borough.resident(person_id)).access_log)


def _verify(engine: Engine) -> int:
    result = verify_chain(engine)
    if not result.ok:
        raise SystemExit(f"audit verify failed: {result.first}")
    return result.events


def _most_viewed(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                select(AuditEvent.person_id)
                .where(AuditEvent.person_id.is_not(None))
                .group_by(AuditEvent.person_id)
                .order_by(func.count().desc())
                .limit(1)
            ).scalar_one()
        )


def steps(backend: str, engine: Engine, hub: borough.Hub, events: int, repeat: int) -> list[Step]:
    """Every timed read on one backend's hub."""
    busiest = _most_viewed(engine)
    # One of the persons another id was merged into: their lineage has two ids.
    typical = seed.person_id(hub.persons // 2 // borough.MERGE_EVERY * borough.MERGE_EVERY)
    deep = max(1, events // 10)
    # A month around the deep page: the regulator asks about last January.
    month = hub.start + timedelta(days=15)
    out: list[Step] = []
    for organisation in OFFICERS:
        staff = next(p for p in hub.practitioners if p.organisation == organisation)
        cases = {
            "unfiltered": AuditFilters(),
            "person (most-viewed)": AuditFilters(person_id=busiest),
            "person (typical)": AuditFilters(person_id=typical),
            "user": AuditFilters(actor=staff.user),
            "month": AuditFilters(since=month, until=month + timedelta(days=30)),
            "break-glass": AuditFilters(break_glass=True),
        }
        for name, filters in cases.items():
            for page, before in (("first", None), ("deep", deep)):
                out.append(
                    timed(
                        backend,
                        f"IG search {organisation.removeprefix('northbridge-')}: "
                        f"{name}, {page} page",
                        repeat,
                        lambda o=organisation, f=filters, b=before: _search(engine, o, f, b),
                    )
                )
    for who, pid in (("most-viewed", busiest), ("typical", typical)):
        out.append(
            timed(
                backend,
                f"resident access log, first page ({who})",
                repeat,
                lambda p=pid: _access_log(engine, p),
            )
        )
        out.append(
            timed(
                backend,
                f"subject access pack ({who})",
                repeat,
                lambda p=pid: _pack(engine, p),
            )
        )
    out.append(
        timed(backend, "audit verify (whole chain)", max(2, repeat // 3), lambda: _verify(engine))
    )
    return out


def verify_command(url: str) -> float:
    """``joinedup audit verify`` as an operator runs it; must exit 0. Returns its seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "joinedup", "audit", "verify"],
        env={**os.environ, "JOINEDUP_DATABASE_URL": url, "PYTHONWARNINGS": "ignore"},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"joinedup audit verify failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def bench_backend(backend: str, args: argparse.Namespace, workdir: Path) -> tuple[list[Step], str]:
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[backend]
    with database(backend, workdir) as url:
        engine = make_engine(url)
        started = time.perf_counter()
        hub = borough.build(engine, args.persons)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        trail.write(engine, hub, args.events)
        written = time.perf_counter() - started
        if engine.dialect.name == "postgresql":
            # Planner statistics, as autovacuum keeps them on a live hub.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with engine.connect() as conn:
                conn.execute(text("ANALYZE"))
        note = (
            f"{name}: {args.persons:,} persons seeded in {seeded:.0f} s; {args.events:,} events "
            f"appended in {written:.0f} s ({args.events / written:,.0f}/s)"
        )
        print(note, flush=True)
        out = steps(name, engine, hub, args.events, args.repeat)
        command = verify_command(url)
        note += f"; `joinedup audit verify` passed in {command:.0f} s"
        print(note, flush=True)
        engine.dispose()
        return out, note


def table(results: list[Step]) -> str:
    lines = [
        "| backend | read | p50 ms | p95 ms | rows | peak +MiB |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for step in results:
        lines.append(
            f"| {step.backend} | {step.label} | {step.percentile(50) * 1000:,.1f} | "
            f"{step.percentile(95) * 1000:,.1f} | {step.rows:,} | {step.rss_growth / MIB:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument(
        "--backends", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--markdown", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    results: list[Step] = []
    notes: list[str] = []
    workdir = Path(tempfile.mkdtemp(prefix="joinedup-bench-audit-"))
    try:
        for backend in args.backends:
            steps_, note = bench_backend(backend, args, workdir)
            results += steps_
            notes.append(note)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    header = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; {args.events:,} events, {args.persons:,} persons, "
        f"{args.repeat} runs per read"
    )
    slow = [f"{s.backend}: {s.label}" for s in results if s.percentile(95) > DESK_S]
    verdict = (
        [f"over {DESK_S:.0f} s at p95: " + "; ".join(slow)] if slow else ["every read under 1 s"]
    )
    report = "\n".join([header, "", *notes, "", table(results), "", *verdict])
    print()
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
