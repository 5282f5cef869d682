"""The reconciliation of one ingest: every row read is accounted for, exactly once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

#: The keys of ``joinedup ingest --json``, in the order they are printed.
JSON_KEYS = (
    "read",
    "stored",
    "updated",
    "unchanged",
    "quarantined",
    "skipped",
    "ended",
    "batch_id",
)


@dataclass(frozen=True)
class Reconciliation:
    """What one ingest did with each row.

    ``read = stored + updated + unchanged + quarantined + skipped`` always holds (checked on
    construction): ``stored`` new records, ``updated`` records given a new version,
    ``unchanged`` rows equal to the current version, ``quarantined`` rows kept aside with their
    reasons (``duplicates`` of them are earlier rows whose record id came again later in the
    file), ``skipped`` blank lines and non-Patient FHIR resources. ``ended`` counts records a
    ``--full`` extract no longer holds; ``kept_quarantined`` counts records that keep their
    current version — neither updated nor ended — because their row in the file was
    quarantined (its record id known for certain); ``warnings`` counts data-quality warnings
    on stored rows.

    What a workbook hid is told too, since nothing in the counts shows it: ``hidden_read`` rows
    hidden in it were read as data (each keeps a warning), ``hidden_skipped`` were skipped as
    the mapping says (``hidden_rows: skip``; counted in ``skipped``), ``unsaved_formulas``
    cells of mapped columns held a formula with no saved result (dropped, each with a warning
    on its record, or the row quarantined for its record id). ``notes`` is what the reader had
    to say about the file as a whole (which sheet it read, which columns were hidden).
    """

    source: str
    file: str
    batch_id: int
    read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    skipped: int = 0
    ended: int = 0
    kept_quarantined: int = 0
    duplicates: int = 0
    warnings: int = 0
    full: bool = False
    seconds: float = 0.0
    hidden_read: int = 0
    hidden_skipped: int = 0
    unsaved_formulas: int = 0
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        accounted = self.stored + self.updated + self.unchanged + self.quarantined + self.skipped
        if self.read != accounted:
            raise AssertionError(
                f"reconciliation does not add up: read {self.read} != accounted {accounted}"
            )

    def counts(self) -> dict[str, int]:
        """The counts an ingest batch records (``read`` … ``ended``)."""
        return {key: getattr(self, key) for key in JSON_KEYS if key != "batch_id"}

    def to_json(self) -> dict[str, Any]:
        """The ``--json`` object: the documented keys first, then source, file, and timing."""
        data = asdict(self)
        out = {key: data[key] for key in JSON_KEYS}
        out.update({k: v for k, v in data.items() if k not in out})
        return out

    def summary(self, database: str | None = None) -> str:
        """A few human lines: the sum, then what else happened. ``database``, where the batch
        was written (:func:`joinedup.store.db.location`), is named on the second line."""
        lines = [
            f"{self.file} → {self.source} (batch {self.batch_id}, {self.seconds:.1f}s)",
            *([f"database: {database}"] if database is not None else []),
            f"read {self.read:,} = stored {self.stored:,} + updated {self.updated:,} "
            f"+ unchanged {self.unchanged:,} + quarantined {self.quarantined:,} "
            f"+ skipped {self.skipped:,}",
        ]
        extra = []
        if self.full:
            extra.append(f"ended {self.ended:,} records absent from this full extract")
        if self.kept_quarantined:
            records = (
                "1 record" if self.kept_quarantined == 1 else (f"{self.kept_quarantined:,} records")
            )
            extra.append(
                f"kept: row quarantined: {records} kept their current version (not updated"
                f"{', not ended' if self.full else ''}): their row is in this file but was "
                "quarantined"
            )
        if self.duplicates:
            extra.append(f"{self.duplicates:,} rows superseded by a later row with the same id")
        if self.warnings:
            extra.append(f"{self.warnings:,} data-quality warnings on stored rows")
        extra.extend(self.workbook_lines())
        lines.extend(extra)
        return "\n".join(lines)

    def workbook_lines(self) -> list[str]:
        """What a workbook hid from view, said in words (nothing when it hid nothing)."""
        out = list(self.notes)
        if self.hidden_read:
            out.append(
                f"{_rows(self.hidden_read)} hidden in the workbook and "
                f"{'was' if self.hidden_read == 1 else 'were'} read (each record keeps a "
                "warning; set hidden_rows: skip in the mapping if hidden rows are not data)"
            )
        if self.hidden_skipped:
            out.append(
                f"{_rows(self.hidden_skipped)} hidden in the workbook and "
                f"{'was' if self.hidden_skipped == 1 else 'were'} skipped (hidden_rows: skip)"
            )
        if self.unsaved_formulas:
            cells = "1 cell" if self.unsaved_formulas == 1 else f"{self.unsaved_formulas:,} cells"
            out.append(
                f"{cells} of mapped columns held a formula with no saved result and "
                f"{'was' if self.unsaved_formulas == 1 else 'were'} read as empty: open and "
                "save the workbook in Excel, or export it to CSV, and ingest it again"
            )
        return out


def _rows(count: int) -> str:
    return "1 row was" if count == 1 else f"{count:,} rows were"


#: Quarantined rows named after an ingest's summary; the rest are in the quarantine table.
SHOWN_QUARANTINE = 10


def quarantine_report(engine: Engine, result: Reconciliation, limit: int = SHOWN_QUARANTINE) -> str:
    """The first ``limit`` quarantined rows of ``result``'s batch, one line each with where it
    was and every reason — what an engineer fixing the file needs first. Reasons never repeat a
    personal value (the standards mask what they mention), so no row's content is shown."""
    from joinedup.store import batches
    from joinedup.store.db import session_scope

    if not result.quarantined:
        return ""
    with session_scope(engine) as session:
        rows = batches.list_quarantine(session, result.batch_id, limit=limit)
        lines = [
            f"  {_where(row.line_number, row.record_number)}: {'; '.join(map(str, row.reasons))}"
            for row in rows
        ]
    shown = len(lines)
    head = (
        f"quarantined rows (the first {shown} of {result.quarantined:,}):"
        if result.quarantined > shown
        else "quarantined rows:"
    )
    more = result.quarantined - shown
    tail = [f"  … and {more:,} more in the quarantine table, batch {result.batch_id}"]
    if not more:
        tail = []
    return "\n".join([head, *lines, *tail])


def _where(line: int | None, record: int) -> str:
    return f"line {line}" if line is not None else f"record {record}"
