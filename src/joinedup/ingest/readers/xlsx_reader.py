"""Excel ``.xlsx`` workbooks, streamed with openpyxl's read-only mode (rows, never the whole sheet).

Cells keep their Excel types: a date cell arrives as a ``datetime`` (never re-read as text in
some other order) and a number as a number, so an NHS number is not shown as ``9.43E+09``.
Line numbers are sheet row numbers, as Excel shows them.

A workbook made in the 1904 date system (Excel for the Mac before 2011) counts its serial day
numbers from 1904: openpyxl converts date cells by it, but a plain number in a date field
would be read as a 1900 serial, four years and a day early. Such numbers are converted here,
where the workbook's system is known (:func:`date_columns`).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import islice
from typing import Any

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.readers.base import (
    FOOTER_REASON,
    HEADER_AGAIN_REASON,
    LOOK_AHEAD,
    Reader,
    check_columns,
    header_row,
    is_footer,
    is_header_again,
    match_case,
    shown,
    skip_rows_hint,
    unique_names,
)
from joinedup.ingest.readers.xlsx_sheet import SheetRow, sheet_rows
from joinedup.ingest.rows import SourceRow, bad, blank
from joinedup.ingest.values import FormulaText
from joinedup.standards import StandardsError
from joinedup.standards.characters import tidy_characters
from joinedup.standards.excel_dates import excel_serial_to_date, is_excel_serial

#: Person fields read as dates (attributes with a ``format`` are too).
_DATE_FIELDS = ("date_of_birth", "date_of_death")


def cell_text(value: Any) -> str:
    """A cell as text for the raw record: ISO dates, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class XlsxReader(Reader):
    """Rows of one worksheet; ``values`` keeps each cell's Excel type (datetime, number, text).

    A row hidden in the workbook is read with a warning (or skipped, with ``hidden_rows:
    skip``); a formula with no saved result in a mapped column is a warning naming the cell
    (the record id's: the row is quarantined). Both are counted for the reconciliation
    (``hidden``, ``unsaved``), and ``notes`` says which sheet was read when the mapping did not
    name a visible one, and which columns of the header are hidden (:func:`hidden_column_notes`).
    """

    def rows(self) -> Iterator[SourceRow]:
        """Yield each row after the header row; empty rows are blanks."""
        from openpyxl import load_workbook  # imported here: only xlsx sources need it
        from openpyxl.utils.exceptions import InvalidFileException

        name = self.path.name
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
            raise SourceFileError(f"{name}: not a readable Excel .xlsx workbook ({exc})") from None
        try:
            sheet = self._sheet(workbook)
            self.total = max(1, sheet.max_row or 1)
            hidden_columns: set[int] = set()
            rows = sheet_rows(workbook, sheet, hidden_columns)
            number = 0
            for _ in range(self.mapping.skip_rows):
                if next(rows, None) is None:
                    break
                number += 1
            if self.mapping.columns is not None:
                header = list(self.mapping.columns)
            else:
                first: SheetRow | None = None
                for first in rows:
                    number += 1
                    if any(cell_text(c).strip() for c in first.cells):
                        break
                else:
                    raise SourceFileError(f"{name}: the sheet has no header row")
                header = [tidy_characters(cell_text(c)).strip() for c in first.cells]
                while header and not header[-1]:
                    header.pop()
                self._written_header = list(header)
                header = self._merged_header(header)
                header, said = match_case(self.mapping, header)
                self.notes.extend(said)
            try:
                check_columns(self.mapping, header, name)
            except SourceFileError as exc:
                if self.mapping.columns is not None:
                    raise
                hint = self._where_the_header_is(workbook, sheet, rows, number)
                if hint is None:
                    raise
                raise SourceFileError(f"{exc}. {hint}") from None
            header = unique_names(header)
            self._dates1904 = (
                date_columns(self.mapping) & set(header) if _is_1904(workbook) else frozenset()
            )
            cells = CellLabels(self.mapping, header)
            for row in rows:
                number += 1
                self._done = number
                yield self._row(row, header, cells)
            # Known once the sheet's first row was read (its columns are declared before it).
            self.notes.extend(hidden_column_notes(hidden_columns, cells))
        finally:
            workbook.close()

    _done = 0
    _dates1904: frozenset[str] | set[str] = frozenset()
    #: The header as the sheet writes it (trimmed), to know a row that repeats it.
    _written_header: list[str] = []  # noqa: RUF012 - replaced, never changed

    def _merged_header(self, header: list[str]) -> list[str]:
        """``header`` with each cell left empty after a named one named after it (``Name``,
        ``Name (2)``), and a note saying so: a header cell merged across columns (``Name``
        over the family and given names) holds its text in the first of them only, and the
        columns after it had no name a mapping could use (their values were never read)."""
        from openpyxl.utils.cell import get_column_letter

        out = list(header)
        for index in range(1, len(out)):
            if out[index] or not out[index - 1]:
                continue
            label = re.sub(r" \(\d+\)$", "", out[index - 1])
            count = 2 if out[index - 1] == label else int(out[index - 1][len(label) + 2 : -1]) + 1
            out[index] = f"{label} ({count})"
            self.notes.append(
                f"column {get_column_letter(index + 1)} has no header of its own (a header cell "
                f"merged across columns?): read as '{shown(out[index])}'"
            )
        return out

    def position(self) -> int:
        """Sheet rows read so far (``total`` is the sheet's last row)."""
        return self._done

    def _where_the_header_is(
        self, workbook: Any, sheet: Any, rows: Iterator[SheetRow], number: int
    ) -> str | None:
        """Where the mapped columns are when the header read lacks them: further down this
        sheet (report titles above the header), or on another sheet of the workbook."""
        below = ((number + n, row.cells) for n, row in enumerate(rows, start=1))
        found = header_row(self.mapping, islice(below, LOOK_AHEAD))
        if found is not None:
            return skip_rows_hint(found, "row")
        for other in workbook.sheetnames:
            if other == sheet.title:
                continue
            numbered = enumerate(workbook[other].iter_rows(values_only=True), start=1)
            found = header_row(self.mapping, islice(numbered, LOOK_AHEAD))
            if found is not None:
                skip = f" and skip_rows: {found - 1}" if found > 1 else ""
                return (
                    f"The columns the mapping names are on sheet '{other}', row {found}: "
                    f"set sheet: {other}{skip} in the mapping"
                )
        return None

    def _sheet(self, workbook: Any) -> Any:
        wanted = self.mapping.sheet
        names = list(workbook.sheetnames)
        if wanted is None:
            # The first sheet a person opening the workbook sees: a hidden first sheet is
            # a lookup list or a macro's scratch space, not the extract.
            visible = [n for n in names if workbook[n].sheet_state == "visible"] or names
            if visible[0] != names[0]:
                before = ", ".join(f"'{n}'" for n in names[: names.index(visible[0])])
                self.notes.append(
                    f"sheet '{visible[0]}' was read: the first visible sheet (hidden before it: "
                    f"{before}; name the sheet with sheet: in the mapping to read another)"
                )
            return workbook[visible[0]]
        if isinstance(wanted, int):
            if wanted > len(names):
                raise SourceFileError(
                    f"{self.path.name}: sheet {wanted} asked for, the workbook has {len(names)}"
                )
            chosen = workbook[names[wanted - 1]]
        elif wanted not in names:
            raise SourceFileError(
                f"{self.path.name}: no sheet named '{wanted}'; the sheets are: {', '.join(names)}"
            )
        else:
            chosen = workbook[wanted]
        if chosen.sheet_state != "visible":
            self.notes.append(
                f"sheet '{chosen.title}' is hidden in the workbook; it was read because the "
                "mapping names it"
            )
        return chosen

    def _row(self, row: SheetRow, header: list[str], labels: CellLabels) -> SourceRow:
        number, cells, width = row.number, row.cells, len(header)
        texts = [cell_text(c) for c in cells]
        if not any(t.strip() for t in texts) and not row.unsaved:
            return blank(number)
        if row.hidden and self.mapping.hidden_rows == "skip":
            self.hidden += 1
            return SourceRow(line=number, raw="", kind="skip")
        if is_footer(texts):
            return bad(number, json.dumps(texts, ensure_ascii=False), FOOTER_REASON)
        if is_header_again(texts, self._written_header):
            return bad(number, json.dumps(texts, ensure_ascii=False), HEADER_AGAIN_REASON)
        if len(cells) < width:
            cells = cells + (None,) * (width - len(cells))
        values = dict(zip(header, cells, strict=False))
        written = {h: cell_text(v) for h, v in values.items()}
        notes: list[str] = []
        problems: list[str] = []
        if row.unsaved:
            for index, formula in row.unsaved.items():
                if index >= width:
                    continue
                column = header[index]
                # Not known (no result, or XlsxWriter's placeholder 0); the raw row keeps the
                # formula, so what the cell held is not lost.
                values[column] = written[column] = FormulaText(formula)
                said = labels.unsaved(index, number)
                if said is not None:
                    self.unsaved += 1
                    (problems if index == labels.record_id else notes).append(said)
        raw = json.dumps(written, ensure_ascii=False)
        for column in self._dates1904:
            if column in values:
                values[column] = from_1904(values[column])
        if row.hidden:
            self.hidden += 1
            notes.append(HIDDEN_ROW)
        if any(t.strip() for t in texts[width:]):
            # A cell's column is fixed in a workbook, so the header's columns are read right
            # whatever lies beyond them; the record id among them is known (unless a formula
            # with no saved result is all it holds).
            return bad(
                number,
                json.dumps(texts, ensure_ascii=False),
                "values beyond the last column",
                *problems,
                *notes,
                certain=None if problems else values,
            )
        if problems:
            return bad(number, raw, *problems, *notes)
        return SourceRow(line=number, raw=raw, values=values, notes=tuple(notes))


#: The warning kept on a record read from a hidden row. It names no row: a warning is kept
#: with the record's version, and the same row exported a line lower is the same version.
HIDDEN_ROW = (
    "hidden row: the row is hidden in the workbook and was read as data; rows are often "
    "hidden to exclude them (deleted or test records)"
)


#: What a formula cell with no saved result is told to do.
UNSAVED_ADVICE = "open and save the workbook in Excel, or export it to CSV"


class CellLabels:
    """What each mapped column is called in a warning: the mapping keys that read it."""

    def __init__(self, mapping: SourceMapping, header: list[str]) -> None:
        keys: dict[str, list[str]] = {}
        keys.setdefault(mapping.record_id.name, []).append("record_id")
        for key, refs in mapping.person.items():
            for ref in refs:
                keys.setdefault(ref.name, []).append(key)
        for attribute, ref in mapping.attribute_fields.items():
            keys.setdefault(ref.name, []).append(f"attributes.{attribute}")
        self.keys = {
            i: ", ".join(dict.fromkeys(keys[h])) for i, h in enumerate(header) if h in keys
        }
        self.header = header
        self.record_id = (
            header.index(mapping.record_id.name) if mapping.record_id.name in header else -1
        )

    def unsaved(self, index: int, number: int) -> str | None:
        """The warning for a formula with no saved result in column ``index`` of row ``number``
        (None for a column the mapping does not read: nothing is lost from the record)."""
        from openpyxl.utils.cell import get_column_letter

        key = self.keys.get(index)
        if key is None:
            return None
        cell = f"{get_column_letter(index + 1)}{number}"
        return (
            f"{key}: {cell} ('{shown(self.header[index])}') holds a formula with no saved "
            f"result; {UNSAVED_ADVICE}"
        )


#: Hidden columns named one by one in a note; the rest are counted.
NAMED_COLUMNS = 10


def hidden_column_notes(hidden: set[int], labels: CellLabels) -> list[str]:
    """What the reconciliation says about columns of the header hidden in the workbook.

    A hidden column is read like any other — hiding is how a sheet is tidied for viewing, and
    the values are still there — so it is a note, not a quarantine. But a column is also hidden
    because its values are superseded (``DOB (old)`` beside ``DOB``) or only working figures,
    and a mapping written from what a person sees in Excel may read the one they never saw: the
    columns the mapping reads are named with the keys they feed. Those it does not read are
    still kept in each raw row, and said in a second note.
    """
    from openpyxl.utils.cell import get_column_letter

    width = len(labels.header)
    columns = sorted(index for index in hidden if index < width)
    mapped = [i for i in columns if i in labels.keys]
    others = [i for i in columns if i not in labels.keys]
    notes = []

    def named(indexes: list[int], with_keys: bool) -> str:
        parts = []
        for index in indexes[:NAMED_COLUMNS]:
            title = shown(labels.header[index])
            keys = f", read for {labels.keys[index]}" if with_keys else ""
            parts.append(f"{get_column_letter(index + 1)} ('{title}'{keys})")
        more = len(indexes) - NAMED_COLUMNS
        if more > 0:
            return f"{', '.join(parts)} and {more:,} more"
        return ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]

    if mapped:
        one = len(mapped) == 1
        notes.append(
            f"{'column' if one else 'columns'} {named(mapped, True)} "
            f"{'is' if one else 'are'} hidden in the workbook and {'was' if one else 'were'} "
            "read; a column is often hidden because its values are superseded or only "
            "working figures: check that the mapping reads the columns meant"
        )
    if others:
        one = len(others) == 1
        notes.append(
            f"{'column' if one else 'columns'} {named(others, False)} "
            f"{'is' if one else 'are'} hidden in the workbook; the mapping does not read "
            f"{'it' if one else 'them'}, and each record's raw row keeps "
            f"{'it' if one else 'them'}"
        )
    return notes


def date_columns(mapping: SourceMapping) -> frozenset[str]:
    """The columns the mapping reads as dates: dates of birth and death, attributes with a
    ``format``."""
    names = {ref.name for key in _DATE_FIELDS for ref in mapping.person.get(key, ())}
    names.update(ref.name for ref in mapping.attribute_fields.values() if ref.format)
    return frozenset(names)


def from_1904(value: Any) -> Any:
    """A number in a date field of a 1904 workbook as its date; anything else (a date cell,
    text, a year such as 1961) as it is. A number that is no 1904 date is left for the
    standardiser to refuse."""
    if not is_excel_serial(value):
        return value
    try:
        return excel_serial_to_date(value, date1904=True)
    except StandardsError:
        return value


def _is_1904(workbook: Any) -> bool:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    return bool(workbook.epoch == CALENDAR_MAC_1904)
