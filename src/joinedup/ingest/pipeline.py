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

Here: :func:`ingest_file`, the scan and the reconciliation. The store pass (step 2) is
:mod:`joinedup.ingest.store_pass`; what is checked of the source and of a full extract before
a batch is kept, and the trace of a failed one, :mod:`joinedup.ingest.source_checks`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from joinedup.ingest import collector
from joinedup.ingest.mapping import SourceMapping, load_mapping
from joinedup.ingest.parallel import SecondProcess, prepared_batches, preparing_processes
from joinedup.ingest.prepare import Preparer
from joinedup.ingest.progress import IngestProgress, ProgressCallback
from joinedup.ingest.readers import Reader, open_reader
from joinedup.ingest.reconcile import Reconciliation
from joinedup.ingest.rows import SourceRow
from joinedup.ingest.seen import SeenIds
from joinedup.ingest.source_checks import (
    MASS_END_MIN,
    MASS_END_SHARE,
    ensure_source,
    file_sha256,
    record_failure,
    refuse_a_mass_end,
)
from joinedup.ingest.standardise import record_id_of
from joinedup.ingest.store_pass import CHUNK, DECIDE, StorePass
from joinedup.store import batches, records
from joinedup.store.db import session_scope

# Re-exported: callers and docs name them here.
__all__ = [
    "CHUNK",
    "DECIDE",
    "LINE_FORMATS",
    "MASS_END_MIN",
    "MASS_END_SHARE",
    "PROGRESS_EVERY",
    "IngestProgress",
    "ProgressCallback",
    "file_sha256",
    "ingest_file",
]

#: Formats read line by line, whose unchanged lines the store pass need not parse.
LINE_FORMATS = ("jsonl", "fhir")
#: How often (in rows) the progress callback hears from the scan.
PROGRESS_EVERY = 2_000


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
        record_failure(engine, mapping, path, full, exc)
        raise
    return result


class _Run(StorePass):
    """One ingest while it runs: the scan, then the store pass (:class:`StorePass`), then the
    reconciliation."""

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
        super().__init__(session, mapping, progress, today)
        self.path = path
        self.full = full
        self.parallel = parallel
        self.allow_mass_end = False
        # What the file hid from view (a workbook's hidden rows and unsaved formulas).
        self.workbook: dict[str, int] = {}
        self.notes: tuple[str, ...] = ()

    def execute(self, started: float) -> Reconciliation:
        ensure_source(self.session, self.mapping)
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
        """Refuse a full extract that would end most of its source (see
        :func:`refuse_a_mass_end`), unless the caller allowed it."""
        if self.allow_mass_end:
            return
        refuse_a_mass_end(
            file=self.path.name,
            source=self.mapping.source,
            ended=ended,
            current_before=current_before,
            counts=self.counts,
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
