"""One read row → what the store pass does with it, with no database in sight.

Everything an ingest does to a row that does not depend on the records already stored —
standardising it, judging it, hashing its content, building the values its new version would
be written with — happens here, so that it can run in the ingesting process or in a second
process that reads and prepares the file while the first one writes
(:mod:`joinedup.ingest.parallel`). The outcome of a row is a plain tuple (cheap to pickle):

- ``(SKIP, line)``: a blank line or a resource that is not a Patient;
- ``(QUARANTINE, line, raw, reasons, duplicate, record_id)``: kept aside with every reason;
  ``record_id`` is the row's id where it is known for certain (a ``bad`` row's reader
  vouched for it, or the row was read and judged untrustworthy), else None — and None for a
  row superseded by a later one, which speaks for the record instead;
- ``(KEEP, line, record_id, digest, raw, attributes, warnings, warning_count, person,
  raw_digest, valid_until)``: a row to compare with its record's current version by
  ``digest``; the rest is the new version's values, ready for
  :func:`joinedup.store.records.insert_prepared`;
- ``(UNCHANGED,)``: a line the reader was told is unchanged (see ``Reader.unchanged``);
- ``(CHECK, line, record_id, raw_digest, row)``: only when the ingest asked to defer
  (``defer=True``): a row not standardised yet. The ingest looks its record up first; if the
  current version was standardised from the same raw digest and its ``valid_until`` is still
  ahead, the row is unchanged and never standardised; otherwise :meth:`Preparer.finish` makes
  it a KEEP or QUARANTINE tuple.

**The raw digest** (SHA-256 cut to 128 bits, in hex) is taken over the standardisers' version
(:data:`joinedup.ingest.standardise.STANDARDISERS_VERSION`), what they depend on outside
joinedup (the Python and Unicode versions, the phone library's), the mapping's text and the row as
read — the line of a JSON format, the decoded cells with their column names otherwise — so
whatever standardising the row depends on is in it, except the day, which ``valid_until``
covers: a row that differs in any byte, a changed mapping or a bumped version is
standardised again.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from datetime import time as dtime
from importlib import metadata
from typing import Any

import orjson

from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.rows import SourceRow
from joinedup.ingest.standardise import (
    STANDARDISERS_VERSION,
    record_id_of,
    standardise_with_id,
)
from joinedup.ingest.versions import json_text, person_values, values_hash, version_values
from joinedup.store.portable import portable_text

SKIP = "skip"
QUARANTINE = "quarantine"
KEEP = "keep"
CHECK = "check"
UNCHANGED = "unchanged"
Prepared = tuple[Any, ...]
_UNCHANGED: Prepared = (UNCHANGED,)


class Preparer:
    """Prepares the rows of one file: ``preparer(row)`` → a :data:`Prepared` tuple.

    ``last_line`` maps each record id that repeats in the file to the line of its last row
    (the one kept). ``today`` is the day every row is judged against. With ``defer=True`` a
    row to keep comes back as a CHECK tuple, to be finished (standardised) only if its record
    needs it.
    """

    def __init__(
        self,
        mapping: SourceMapping,
        last_line: Mapping[str, int],
        today: date,
        *,
        defer: bool = False,
    ) -> None:
        self.mapping = mapping
        self.last_line = last_line
        self.today = today
        self.defer = defer
        # A JSON reader's values are JSON already, unless the text spelt a non-finite number.
        self.json_values = mapping.format in ("jsonl", "fhir")
        self._digest_base = raw_digest_base(mapping)

    def __call__(self, row: SourceRow) -> Prepared:
        kind = row.kind
        if kind == "unchanged":
            return _UNCHANGED
        if kind == "blank" or kind == "skip":
            return (SKIP, row.line)
        if kind == "bad":
            certain = record_id_of(row, self.mapping) if row.values else None
            return (QUARANTINE, row.line, row.raw, row.problems, False, certain)
        record_id = record_id_of(row, self.mapping)
        # The ids were staged as the store keeps them (a NUL as U+FFFD: ingest.seen).
        last = row.line if record_id is None else self.last_line.get(portable_text(record_id))
        if last is not None and last != row.line:
            reason = f"record id repeated at line {last}; only that later row is read"
            return (QUARANTINE, row.line, row.raw, (reason,), True, None)
        if record_id is None:
            return self.finish(row, None, None)
        digest = self.raw_digest(row)
        if self.defer:
            return (CHECK, row.line, record_id, digest, row)
        return self.finish(row, record_id, digest)

    def finish(self, row: SourceRow, record_id: str | None, raw_digest: str | None) -> Prepared:
        """Standardise a row (one :meth:`__call__` deferred, or on its way): KEEP or QUARANTINE."""
        result = standardise_with_id(row, self.mapping, record_id, self.today)
        if result.problems or record_id is None:
            return (QUARANTINE, row.line, row.raw, result.problems, False, record_id)
        values = person_values(result.person)
        return (
            KEEP,
            row.line,
            record_id,
            values_hash(values, result.attributes),
            self._raw(row),
            json_text(result.attributes),
            json_text(list(result.warnings)),
            len(result.warnings),
            tuple(version_values(values)),
            raw_digest,
            result.valid_until,
        )

    def raw_digest(self, row: SourceRow) -> str:
        """The row's raw digest (see the module's docstring)."""
        digest = self._digest_base.copy()
        if self.json_values:
            digest.update(row.raw.encode("utf-8", "surrogatepass"))
        else:
            digest.update(_values_bytes(row.values))
        if row.notes:
            # What the reader saw beside the values (a hidden row, a formula with no result,
            # bytes read as Windows-1252) is kept as warnings: a row that differs in it only
            # is not the same row.
            digest.update(b"\0notes" + repr(row.notes).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:32]

    def _raw(self, row: SourceRow) -> Any:
        if self.json_values and "NaN" not in row.raw and "Infinity" not in row.raw:
            # The line as read is the JSON it was parsed from: stored as is, not encoded again.
            return row.values if "\\u0000" in row.raw else row.raw
        return jsonable(row.values)


def _environment() -> str:
    """What the standardisers' output depends on besides joinedup's own code, which upgrades
    change without anyone bumping STANDARDISERS_VERSION: Python (its Unicode tables decide
    case and letters) and the libraries ``joinedup.standards`` may use (phone metadata)."""
    versions = []
    for package in ("phonenumbers", "nicknames"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} -")
    python = f"python {sys.version_info[0]}.{sys.version_info[1]}"
    return "; ".join([python, f"unicode {unicodedata.unidata_version}", *versions])


_ENVIRONMENT = _environment()


def raw_digest_base(mapping: SourceMapping) -> Any:
    """The raw digest's hasher fed with what every row of ``mapping`` shares: the
    standardisers' version and environment, and the mapping's text (its compiled form if it
    has no text)."""
    text = mapping.text or repr(mapping)
    head = f"joinedup raw row\n{STANDARDISERS_VERSION}\n{_ENVIRONMENT}\n{len(text)}\n{text}\n"
    return hashlib.sha256(head.encode("utf-8", "surrogatepass"))


def _values_bytes(values: Mapping[str, Any]) -> bytes:
    """The row's cells with their column names, as bytes from which they could be read back
    (a CSV row's text cells through orjson; Excel's typed values through their ``repr``)."""
    if type(values) is dict and all(type(v) is str for v in values.values()):
        try:
            return b"j" + orjson.dumps(values)
        except TypeError:  # a key that is not text, or a lone surrogate
            pass
    return b"r" + repr(values).encode("utf-8", "surrogatepass")


def jsonable(value: Any) -> Any:
    """The raw row as JSON-safe values (Excel dates and times in ISO form)."""
    if type(value) is dict and all(type(v) is str for v in value.values()):
        return value  # a CSV row is JSON-safe as it is
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime) and value.time() == dtime(0):
        return value.date().isoformat()  # Excel's dates are midnight datetimes
    if isinstance(value, datetime | date | dtime):
        return value.isoformat()
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    return value
