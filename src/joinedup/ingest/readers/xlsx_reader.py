"""Excel ``.xlsx`` workbooks, streamed with openpyxl's read-only mode (rows, never the whole sheet).

Cells keep their Excel types: a date cell arrives as a ``datetime`` (never re-read as text in
some other order) and a number as a number, so an NHS number is not shown as ``9.43E+09``.
Line numbers are sheet row numbers, as Excel shows them.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers.base import Reader, check_columns, unique_names
from joinedup.ingest.rows import SourceRow, bad, blank


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
            check_columns(self.mapping, header, name)
            header = unique_names(header)
            width = len(header)
            for cells in rows:
                number += 1
                self._done = number
                yield self._row(number, cells, header, width)
        finally:
            workbook.close()

    _done = 0

    def position(self) -> int:
        """Sheet rows read so far (``total`` is the sheet's last row)."""
        return self._done

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
        if any(t.strip() for t in texts[width:]):
            return bad(
                number, json.dumps(texts, ensure_ascii=False), "values beyond the last column"
            )
        return SourceRow(line=number, raw=raw, values=values)
