"""What a reader yields: one source row, a blank, a row to skip, or a row that cannot be trusted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

RowKind = Literal["row", "blank", "skip", "bad", "unchanged"]


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One unit read from an extract, before standardisation.

    ``line`` is the physical line where the record starts (CSV, JSON Lines, NDJSON), the sheet
    row (xlsx) or the entry number (a FHIR Bundle). ``raw`` is the content as read, kept for the
    stored record and for quarantine. ``values`` is what mapping fields look up: a dict of column
    to value, or a parsed JSON object. ``kind`` says whether it is a row to standardise, a blank
    line, a row to skip (a non-Patient FHIR resource) or a ``bad`` row whose ``problems`` send it
    to quarantine; a ``bad`` row's ``values`` hold only the cells its reader can vouch for
    (see :func:`bad`), often none. ``hints`` carry person fields a reader already understands
    (FHIR); ``notes`` the reader's own warnings about a kept row. An
    ``unchanged`` row is a line the ingest already knows to be its record's current version
    (:attr:`joinedup.ingest.readers.base.Reader.unchanged`): not parsed, nothing else in it.
    """

    line: int
    raw: str
    values: Mapping[str, Any] = field(default_factory=dict)
    kind: RowKind = "row"
    problems: tuple[str, ...] = ()
    hints: Mapping[str, Any] | None = None
    #: Data-quality warnings the reader itself has about a kept row (bytes decoded as
    #: Windows-1252 in a UTF-8 file), kept on the record with the standardisers' own.
    notes: tuple[str, ...] = ()


#: What a reader yields for a line it was told is unchanged (one object, as nothing in it varies).
UNCHANGED = SourceRow(line=0, raw="", kind="unchanged")


def blank(line: int, raw: str = "") -> SourceRow:
    """A blank line or empty sheet row: counted as skipped."""
    return SourceRow(line=line, raw=raw, kind="blank")


def bad(line: int, raw: str, *problems: str, certain: Mapping[str, Any] | None = None) -> SourceRow:
    """A row that cannot be trusted: quarantined with ``problems``.

    ``certain`` holds the values the reader can still vouch for (a CSV record's cells before
    the quote that broke it; every cell of a spreadsheet row, whose columns are fixed), so
    that its record id, if among them, is known: the record then keeps its current version
    rather than being ended by a full extract as if the row were not in the file. Only cells
    whose place in the record is certain belong here; a guess is worse than nothing.
    """
    return SourceRow(line=line, raw=raw, values=certain or {}, kind="bad", problems=problems)
