"""``ingest_file``: read an extract, standardise it, store it as versioned records, reconcile.

How a file is processed, in one transaction:

1. **Scan.** A first, light pass reads every row's record id (nothing is standardised) into a
   temporary table (:mod:`joinedup.ingest.seen`), to find ids that occur more than once: the
   *later* row wins, each earlier one is quarantined with "superseded by line N" so it is
   counted and its raw content kept, not lost. Deciding this before anything is written is
   what makes re-ingesting the same file store nothing new.
2. **Store.** The second pass reads rows a chunk at a time. For each chunk the records'
   current versions are looked up in the database (one indexed query per few hundred ids).
   A row whose raw digest (the row as read, the mapping, the standardisers' version; see
   :mod:`joinedup.ingest.prepare`) equals its current version's, on a day before that
   version's ``valid_until``, is ``unchanged`` without being standardised. Every other row
   is standardised and its content hash of the standardised person and attributes compared
   with the current version's: new → ``stored`` (version 1), different → ``updated`` (the old
   version is ended, a new one inserted), equal → ``unchanged`` (and the version's raw digest
   brought up to date, so that the next re-ingest skips it). For a line format (JSON Lines,
   NDJSON) into a source that holds versions, the scan stages each row's raw digest too and
   the lines found unchanged in one join are handed to the reader, which yields them unread.
   Writes go in chunks (executemany, ``COPY``).
3. **Full extracts.** With ``full=True`` current records whose id never appears in the file
   are ended (``valid_to`` set, ``ended_batch_id`` this batch), compared in the database
   against the scanned ids.

Memory holds one chunk of rows and the ids that repeat in the file, nothing per record of the
file or of the source: a million-row extract takes the same memory as a thousand-row one.
A fatal problem (missing file, undecodable bytes) rolls back everything and records the batch
as ``failed`` with the message.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.errors import JoinedupError
from joinedup.ingest import collector
from joinedup.ingest.errors import MassEndRefused, SourceConflict
from joinedup.ingest.mapping import SourceMapping, load_mapping
from joinedup.ingest.parallel import Batch, SecondProcess, prepared_batches, preparing_processes
from joinedup.ingest.prepare import CHECK, KEEP, SKIP, UNCHANGED, Prepared, Preparer
from joinedup.ingest.readers import Reader, open_reader
from joinedup.ingest.reconcile import Reconciliation
from joinedup.ingest.rows import SourceRow
from joinedup.ingest.seen import SeenIds
from joinedup.ingest.standardise import record_id_of
from joinedup.store import batches, records, sources
from joinedup.store.base import utcnow
from joinedup.store.db import session_scope
from joinedup.store.portable import portable_text
from joinedup.store.records import RecordState
from joinedup.store.tables import Source

#: Formats read line by line, whose unchanged lines the store pass need not parse.
LINE_FORMATS = ("jsonl", "fhir")
#: Rows read before their versions, ends and quarantine rows are written.
CHUNK = 5_000
#: Rows whose record states are looked up (and which are standardised, if they must be) at a
#: time: few enough that a row read is still in the CPU's caches when it is standardised
#: (deciding 5,000 at a time cost a first ingest ~5 % more CPU), enough for one query.
DECIDE = 500
#: Records written before PostgreSQL's planner statistics are refreshed a second time.
ANALYZE_FROM = 10_000
#: Chunks between full garbage collections (see :mod:`joinedup.ingest.collector`).
COLLECT_EVERY = 20
#: A full extract may end at most this share of its source's current records in one batch…
MASS_END_SHARE = 0.5
#: …unless it ends fewer than this many (a small source's full extract may well drop two of
#: three). A full extract normally ends a few per cent (moves, deaths, closed cases); ending
#: most of a source at once is what a cut-off export or the wrong file looks like.
MASS_END_MIN = 10
#: How often (in rows) the progress callback hears from a pass.
PROGRESS_EVERY = 2_000


@dataclass(frozen=True)
class IngestProgress:
    """Where an ingest is: ``phase`` (``scan`` or ``store``), rows so far, ``done`` of ``total``.

    ``done`` and ``total`` are bytes for text formats and rows for xlsx or a FHIR Bundle.
    """

    phase: str
    rows: int
    done: int
    total: int


ProgressCallback = Callable[[IngestProgress], None]


def ingest_file(
    engine: Engine,
    mapping: SourceMapping | Path | str,
    path: Path | str,
    *,
    full: bool = False,
    progress: ProgressCallback | None = None,
    parallel: bool | int | None = None,
    today: date | None = None,
    allow_mass_end: bool = False,
) -> Reconciliation:
    """Ingest the extract at ``path`` as ``mapping`` says, and return its reconciliation.

    ``mapping`` is a loaded :class:`SourceMapping` or the path of its YAML file. ``full=True``
    treats the file as a full extract: current records absent from it are ended. ``progress``
    is called now and then with an :class:`IngestProgress`. Every row ends up stored, updated,
    unchanged, quarantined (with its line and every reason) or skipped (blank), and
    ``read`` is their sum. A :class:`joinedup.errors.JoinedupError` (bad mapping, unreadable
    file, undecodable bytes) leaves nothing stored but a batch marked ``failed``.
    ``parallel`` says how many other processes read and standardise while this one writes
    (:mod:`joinedup.ingest.parallel`): ``True`` one, ``False`` none, a number that many; by
    default one per idle core for a large file. ``today`` is the day rows are judged against
    (dates of birth in the future, ages, two-digit years): the real date by default.
    A full extract that would end more than :data:`MASS_END_SHARE` of the source's current
    records (at least :data:`MASS_END_MIN`), or that has no readable record but would end some,
    raises :class:`MassEndRefused` with nothing kept, unless ``allow_mass_end``.

    >>> ingest_file(engine, Path("council_tax.yaml"), Path("ctax.csv")).stored  # doctest: +SKIP
    1200
    """
    if not isinstance(mapping, SourceMapping):
        mapping = load_mapping(mapping)
    path = Path(path)
    open_reader(mapping, path)  # fails at once, before any transaction, if the file is missing
    started = time.perf_counter()
    try:
        with collector.bulk_collection(), session_scope(engine, write=True) as session:
            if parallel is None:
                parallel = preparing_processes(path)
                if (
                    parallel
                    and mapping.format not in LINE_FORMATS
                    and records.has_versions(session, mapping.source)
                ):
                    # Only this process can skip standardising an unchanged row of a CSV or
                    # Excel file (it needs the stored versions): on a re-ingest that is worth
                    # more than a second core.
                    parallel = 0
            run = _Run(session, mapping, path, full, progress, int(parallel), today)
            run.allow_mass_end = allow_mass_end
            result = run.execute(started)
    except Exception as exc:
        _record_failure(engine, mapping, path, full, exc)
        raise
    return result


class _Run:
    """The state of one ingest while it runs (counts, the chunk being built)."""

    def __init__(
        self,
        session: Session,
        mapping: SourceMapping,
        path: Path,
        full: bool,
        progress: ProgressCallback | None,
        parallel: int,
        today: date | None = None,
    ) -> None:
        self.session = session
        self.mapping = mapping
        self.path = path
        self.full = full
        self.progress = progress
        self.counts = dict.fromkeys(
            ("read", "stored", "updated", "unchanged", "quarantined", "skipped"), 0
        )
        self.duplicates = 0
        self.warnings = 0
        self.parallel = parallel
        # Rows prepared and kept (KEEP or CHECK tuples) with their number among the rows
        # read, waiting for their chunk's record states.
        self.pending: list[tuple[Prepared, int]] = []
        # (raw digest, valid until, row id) of unchanged versions whose digest is out of date.
        self.digests: list[tuple[str, date | None, int]] = []
        # New versions as tuples in records.INSERT_COLUMNS order.
        self.inserts: list[tuple[Any, ...]] = []
        self.ends: list[int] = []
        self.quarantine: list[dict[str, Any]] = []
        # (record id, line) of quarantined rows whose id is known for certain.
        self.quarantined_ids: list[tuple[str, int]] = []
        self.now = utcnow()
        self.next_analyze = 0  # statistics refreshed at the start, then as the table doubles
        # Once per run: every row is judged against the same day.
        self.today = today if today is not None else date.today()
        self.flushes = 0
        self.flush_at = CHUNK  # rows read when the next flush is due
        self.empty = False  # whether the source held no version when the ingest began
        self.allow_mass_end = False
        # What the file hid from view (a workbook's hidden rows and unsaved formulas).
        self.workbook: dict[str, int] = {}
        self.notes: tuple[str, ...] = ()

    def execute(self, started: float) -> Reconciliation:
        _ensure_source(self.session, self.mapping)
        batch = batches.start_batch(
            self.session,
            source_id=self.mapping.source,
            file_name=self.path.name,
            file_sha256=file_sha256(self.path),
            full=self.full,
        )
        self.batch_id = batch.id
        source = self.mapping.source
        current_before = records.count_current(self.session, source) if self.full else 0
        seen = self.seen = SeenIds(self.session)
        # Rows are standardised only once their record is known to need it (_decide); into
        # a source with nothing stored yet every row must be, so at once.
        defer = records.has_versions(self.session, self.mapping.source)
        # Nor is there anything to look up: the scan left one row per id, so none can meet a
        # version this ingest stored.
        self.empty = not defer
        self.preparer = Preparer(self.mapping, {}, self.today)
        # A line format can do better: the scan notes each row's raw digest, and the lines
        # found unchanged in one join are not even parsed by the store pass.
        lines = defer and self.mapping.format in LINE_FORMATS
        if self.parallel:
            # Started first, so that the new interpreter imports while the scan runs. It
            # standardises what it reads, unless its line is known unchanged.
            with SecondProcess(self.mapping, self.path, self.today, self.parallel) as second:
                last_line = self._scan(seen, digests=lines)
                unchanged = self._unchanged(seen) if lines else None
                self._store_pass(second.batches(last_line, unchanged))
        else:
            last_line = self._scan(seen, digests=lines)
            unchanged = self._unchanged(seen) if lines else None
            self.preparer = Preparer(self.mapping, last_line, self.today)
            self._store_pass(
                prepared_batches(
                    self.mapping,
                    self.path,
                    last_line,
                    self.today,
                    defer=defer,
                    unchanged=unchanged,
                )
            )
        kept_quarantined = seen.kept_by_quarantine(source)
        ended = 0
        if self.full:
            # seen.ids() holds the ids of quarantined rows known for certain: a record whose
            # row is in the file but could not be trusted this time keeps its version.
            ended = records.end_absent(
                self.session, self.mapping.source, seen.ids(), self.now, batch_id=self.batch_id
            )
            self._check_what_ends(ended, current_before)
        seen.drop()
        result = Reconciliation(
            source=self.mapping.source,
            file=self.path.name,
            batch_id=self.batch_id,
            ended=ended,
            kept_quarantined=kept_quarantined,
            duplicates=self.duplicates,
            warnings=self.warnings,
            full=self.full,
            seconds=round(time.perf_counter() - started, 3),
            notes=self.notes,
            **self.counts,
            **self.workbook,
        )
        batches.finish_batch(self.session, batch, counts=result.counts(), status="complete")
        return result

    def _check_what_ends(self, ended: int, current_before: int) -> None:
        """Refuse a full extract that would end most of its source (the transaction rolls
        back, so nothing of the batch is kept), unless the caller allowed it."""
        if self.allow_mass_end or ended == 0:
            return
        kept = self.counts["stored"] + self.counts["updated"] + self.counts["unchanged"]
        share = ended / current_before if current_before else 0.0
        if kept > 0 and (share <= MASS_END_SHARE or ended < MASS_END_MIN):
            return
        quarantined = self.counts["quarantined"]
        why = (
            f"it holds no readable record ({quarantined:,} rows quarantined)"
            if kept == 0
            else f"only {kept:,} of its records were read ({quarantined:,} rows quarantined)"
        )
        raise MassEndRefused(
            f"{self.path.name}: refused as a full extract of {self.mapping.source}: {why}, and it "
            f"would end {ended:,} of the {current_before:,} current records ({share:.0%}). "
            "A cut-off export, a wrong file or a broken row usually looks like this. Nothing "
            "was stored. Check the file; if the source really has dropped them, ingest again "
            "with --allow-mass-end."
        )

    def _unchanged(self, seen: SeenIds) -> bytearray:
        return seen.unchanged_lines(self.mapping.source, self.today)

    def _scan(self, seen: SeenIds, digests: bool = False) -> dict[str, int]:
        """Stage every record id with its line (and raw digest, if ``digests``); return the
        ids that repeat → the line that wins."""
        reader = open_reader(self.mapping, self.path)
        reader.ids_only = True
        digest = self.preparer.raw_digest if digests else None
        for row in self._report(reader, "scan"):
            if row.kind != "row":
                continue
            record_id = record_id_of(row, self.mapping)
            if record_id is not None:
                seen.add(record_id, row.line, digest(row) if digest is not None else None)
        # The scan reads every row, so its reader's account of what the file hid is whole,
        # wherever the store pass's rows are prepared.
        hidden = "hidden_skipped" if self.mapping.hidden_rows == "skip" else "hidden_read"
        self.workbook = {hidden: reader.hidden, "unsaved_formulas": reader.unsaved}
        self.notes = tuple(reader.notes)
        seen.finish()
        return seen.repeated()

    def _report(self, reader: Reader, phase: str) -> Iterator[SourceRow]:
        rows = 0
        for row in reader.rows():
            rows += 1
            if self.progress is not None and rows % PROGRESS_EVERY == 0:
                self.progress(IngestProgress(phase, rows, reader.position(), reader.total))
            yield row
        if self.progress is not None:
            self.progress(IngestProgress(phase, rows, reader.total, reader.total))

    def _store_pass(self, source: Iterator[Batch]) -> None:
        rows = total = 0
        for batch, position, total in source:
            for item in batch:
                self._take(item)
                if len(self.pending) >= DECIDE:
                    self._decide()
                if self.counts["read"] >= self.flush_at:
                    self._flush()
            rows += len(batch)
            if self.progress is not None:
                self.progress(IngestProgress("store", rows, position, total))
        if self.progress is not None:  # the last batch of several processes may end early
            self.progress(IngestProgress("store", rows, total, total))
        self._flush()

    def _take(self, item: Prepared) -> None:
        self.counts["read"] += 1
        outcome = item[0]
        if outcome == UNCHANGED:
            self.counts["unchanged"] += 1
        elif outcome in (KEEP, CHECK):
            self.pending.append((item, self.counts["read"]))
        elif outcome == SKIP:
            self.counts["skipped"] += 1
        else:
            _, line, raw, reasons, duplicate, record_id = item
            self.duplicates += duplicate
            self._quarantine(line, raw, reasons, self.counts["read"], record_id)

    def _decide(self) -> None:
        """Compare the pending rows with their records' states and queue what must be written.

        A CHECK row whose record's current version has the same raw digest, before that
        version's ``valid_until``, is unchanged as it stands; any other is standardised now.
        """
        self._keep_statistics()
        states = (
            {}
            if self.empty
            else records.record_states(
                self.session, self.mapping.source, [item[2] for item, _ in self.pending]
            )
        )
        today = self.today
        for item, number in self.pending:
            state = states.get(item[2])
            if item[0] == CHECK:
                now = state.current if state is not None else None
                if (
                    now is not None
                    and now.raw_digest == item[3]
                    and (now.valid_until is None or today < now.valid_until)
                ):
                    self.counts["unchanged"] += 1
                    continue
                item = self.preparer.finish(item[4], item[2], item[3])
                if item[0] != KEEP:
                    _, line, raw, reasons, _, record_id = item
                    self._quarantine(line, raw, reasons, number, record_id)
                    continue
            self._store(item, state)
        self.pending = []

    def _keep_statistics(self) -> None:
        # See records.refresh_statistics: lookups must stay on the index as the table grows.
        written = self.counts["stored"] + self.counts["updated"]
        if written >= self.next_analyze:
            records.refresh_statistics(self.session)
            self.next_analyze = max(2 * written, ANALYZE_FROM)

    def _store(self, item: Prepared, state: RecordState | None) -> None:
        record_id, digest, raw, attributes, warnings, count, person, raw_digest, until = item[2:]
        now = state.current if state is not None else None
        if now is not None and now.content_hash == digest:
            self.counts["unchanged"] += 1
            if now.raw_digest != raw_digest or now.valid_until != until:
                self.digests.append((raw_digest, until, now.id))
            return
        if now is not None:
            self.ends.append(now.id)
            self.counts["updated"] += 1
        else:
            self.counts["stored"] += 1
        self.warnings += count
        self.inserts.append(
            (
                self.mapping.source,
                portable_text(record_id),
                # After the last version, current or ended (a record that comes back).
                state.last_version + 1 if state is not None else 1,
                self.batch_id,
                digest,
                raw,
                self.now,
                attributes,
                warnings,
                *person,
                raw_digest,
                until,
            )
        )

    def _quarantine(
        self, line: int, raw: str, reasons: Any, number: int, record_id: str | None = None
    ) -> None:
        self.counts["quarantined"] += 1
        if record_id is not None:
            self.quarantined_ids.append((record_id, line))
        self.quarantine.append(
            {
                "batch_id": self.batch_id,
                "source_id": self.mapping.source,
                "line_number": line,
                "record_number": number,
                "raw": raw,
                "reasons": list(reasons),
            }
        )

    def _flush(self) -> None:
        self.flush_at = self.counts["read"] + CHUNK
        if self.pending:
            self._decide()
        # Ends before inserts: at most one version of a record may be current at a time.
        if self.ends:
            records.end_versions(self.session, self.ends, self.now, batch_id=self.batch_id)
            self.ends = []
        if self.inserts:
            records.insert_prepared(self.session, self.inserts)
            self.inserts = []
        if self.digests:
            records.set_raw_digests(self.session, self.digests)
            self.digests = []
        if self.quarantine:
            # In file order: rows standardised in _decide were quarantined after later ones.
            self.quarantine.sort(key=itemgetter("record_number"))
            batches.add_quarantine_many(self.session, self.quarantine)
            self.quarantine = []
        if self.quarantined_ids:
            self.seen.add_quarantined(self.quarantined_ids)
            self.quarantined_ids = []
        self.flushes += 1
        if self.flushes % COLLECT_EVERY == 0:
            collector.collect()


def file_sha256(path: Path) -> str:
    """SHA-256 of the file's bytes, recorded on the batch (which extract was this?)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _ensure_source(session: Session, mapping: SourceMapping) -> None:
    _refuse_a_move(session, mapping)
    sources.ensure_organisation(session, mapping.organisation)
    sources.ensure_source(
        session,
        source_id=mapping.source,
        organisation_id=mapping.organisation,
        name=mapping.name,
        format=mapping.format,
        category=mapping.category,
        mapping_text=mapping.text,
        mapping_sha256=hashlib.sha256(mapping.text.encode("utf-8")).hexdigest(),
        adults_only=mapping.adults_only,
    )


def _record_failure(
    engine: Engine, mapping: SourceMapping, path: Path, full: bool, exc: Exception
) -> None:
    """Keep a trace of a failed ingest (its own transaction: the work itself was rolled back).

    Best effort: if the database itself is what failed, the original error matters more.
    """
    try:
        with session_scope(engine, write=True) as session:
            _ensure_source(session, mapping)
            batch = batches.start_batch(
                session,
                source_id=mapping.source,
                file_name=path.name,
                file_sha256=file_sha256(path),
                full=full,
            )
            # Only our own messages are known to hold no personal values; others give their kind.
            message = str(exc) if isinstance(exc, JoinedupError) else type(exc).__name__
            batches.finish_batch(session, batch, counts={}, status="failed", message=message)
    except Exception:
        return


def _refuse_a_move(session: Session, mapping: SourceMapping) -> None:
    # A source's organisation and category decide who may see its records under the data
    # sharing agreements: a copied mapping that kept another source's id, or an edited
    # organisation line, must not quietly hand a source's history to someone else.
    existing = session.get(Source, mapping.source)
    if existing is None or not records.has_versions(session, mapping.source):
        return
    for what, stored, wanted in (
        ("organisation", existing.organisation_id, mapping.organisation),
        ("category", existing.category, mapping.category),
    ):
        if stored != wanted:
            raise SourceConflict(
                f"{mapping.origin}: source {mapping.source} holds records of {what} {stored}, "
                f"but this mapping says {what} {wanted}. A source's organisation and category "
                "decide who may see its records, so an ingest never changes them: correct the "
                "mapping, or give the other system a source id of its own. Nothing was stored."
            )
