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
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import islice
from typing import Any

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.readers.base import (
    LOOK_AHEAD,
    Reader,
    check_columns,
    header_row,
    skip_rows_hint,
    unique_names,
)
from joinedup.ingest.rows import SourceRow, bad, blank
from joinedup.standards import StandardsError
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
    """Rows of one worksheet; ``values`` keeps each cell's Excel type (datetime, number, text)."""

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
            rows = sheet.iter_rows(values_only=True)
            number = 0
            for _ in range(self.mapping.skip_rows):
                if next(rows, None) is None:
                    break
                number += 1
            if self.mapping.columns is not None:
                header = list(self.mapping.columns)
            else:
                first: tuple[Any, ...] | None = None
                for first in rows:
                    number += 1
                    if any(cell_text(c).strip() for c in first):
                        break
                else:
                    raise SourceFileError(f"{name}: the sheet has no header row")
                header = [cell_text(c).strip() for c in first]
                while header and not header[-1]:
                    header.pop()
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
            width = len(header)
            self._dates1904 = (
                date_columns(self.mapping) & set(header) if _is_1904(workbook) else frozenset()
            )
            for cells in rows:
                number += 1
                self._done = number
                yield self._row(number, cells, header, width)
        finally:
            workbook.close()

    _done = 0
    _dates1904: frozenset[str] | set[str] = frozenset()

    def position(self) -> int:
        """Sheet rows read so far (``total`` is the sheet's last row)."""
        return self._done

    def _where_the_header_is(
        self, workbook: Any, sheet: Any, rows: Iterator[tuple[Any, ...]], number: int
    ) -> str | None:
        """Where the mapped columns are when the header read lacks them: further down this
        sheet (report titles above the header), or on another sheet of the workbook."""
        below = ((number + n, cells) for n, cells in enumerate(rows, start=1))
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
            return workbook[names[0]]
        if isinstance(wanted, int):
            if wanted > len(names):
                raise SourceFileError(
                    f"{self.path.name}: sheet {wanted} asked for, the workbook has {len(names)}"
                )
            return workbook[names[wanted - 1]]
        if wanted not in names:
            raise SourceFileError(
                f"{self.path.name}: no sheet named '{wanted}'; the sheets are: {', '.join(names)}"
            )
        return workbook[wanted]

    def _row(self, number: int, cells: tuple[Any, ...], header: list[str], width: int) -> SourceRow:
        texts = [cell_text(c) for c in cells]
        if not any(t.strip() for t in texts):
            return blank(number)
        values = dict(zip(header, cells, strict=False))
        raw = json.dumps({h: cell_text(v) for h, v in values.items()}, ensure_ascii=False)
        for column in self._dates1904:
            if column in values:
                values[column] = from_1904(values[column])
        if any(t.strip() for t in texts[width:]):
            return bad(
                number, json.dumps(texts, ensure_ascii=False), "values beyond the last column"
            )
        return SourceRow(line=number, raw=raw, values=values)


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
