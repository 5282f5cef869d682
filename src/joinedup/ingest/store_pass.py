"""The store pass of an ingest: prepared rows compared with their records' stored versions,
a chunk at a time, and written.

The rows come prepared (:mod:`joinedup.ingest.prepare`), from this process or from preparing
processes beside it (:mod:`joinedup.ingest.parallel`), in file order. Rows to keep wait in
``pending`` until :data:`DECIDE` of them can have their records' current versions looked up
in one query (``records.record_states``); a row whose raw digest equals its current
version's, before that version's ``valid_until``, is unchanged without being standardised,
and any other is standardised and compared by content hash: new → ``stored``, different →
``updated`` (the old version ended, a new one inserted), equal → ``unchanged``. What must be
written is sent every :data:`CHUNK` rows read (executemany, ``COPY``), with the quarantined
rows and, for those whose record id is known for certain, their ids
(:meth:`joinedup.ingest.seen.SeenIds.add_quarantined`). :mod:`joinedup.ingest.pipeline` runs
the scan before it and reconciles after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from joinedup.ingest import collector
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.parallel import Batch
from joinedup.ingest.prepare import CHECK, KEEP, SKIP, UNCHANGED, Prepared, Preparer
from joinedup.ingest.progress import IngestProgress, ProgressCallback
from joinedup.ingest.seen import SeenIds
from joinedup.store import batches, records
from joinedup.store.base import utcnow
from joinedup.store.portable import portable_text
from joinedup.store.records import RecordState

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


class StorePass:
    """The counts of one ingest and the chunk being decided and written.

    The ingest (``pipeline._Run``) sets ``batch_id``, ``seen``, ``preparer`` and ``empty``
    before the pass begins.
    """

    def __init__(
        self,
        session: Session,
        mapping: SourceMapping,
        progress: ProgressCallback | None,
        today: date | None = None,
    ) -> None:
        self.session = session
        self.mapping = mapping
        self.progress = progress
        self.counts = dict.fromkeys(
            ("read", "stored", "updated", "unchanged", "quarantined", "skipped"), 0
        )
        self.duplicates = 0
        self.warnings = 0
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
        self.batch_id = 0
        self.seen: SeenIds
        self.preparer: Preparer

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
