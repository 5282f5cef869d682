"""Excel: columns hidden in the workbook are read as before, and the reconciliation says so.

A hidden column's values are still data (not a reason to quarantine anything), but a column is
often hidden because it is superseded or only working figures, and a mapping written from what
Excel shows may read the one no one sees. Built with openpyxl.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from joinedup.ingest.readers import open_reader
from joinedup.ingest.readers.xlsx_reader import NAMED_COLUMNS
from tests.unit.ingest.helpers import mapping
from tests.unit.ingest.test_xlsx_hidden import HEADER, XLSX, save

ROWS = [HEADER, [1, "Mary Jones", "1961-04-03", 9434765919, "B", "old address"]]


def book_with(tmp_path: Path, hide: Any) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in ROWS:
        sheet.append(row)
    hide(sheet)
    return save(book, tmp_path / "columns.xlsx")


def _read(path: Path, **overrides: Any) -> tuple[list[Any], list[str]]:
    reader = open_reader(mapping(**{**XLSX, **overrides}), path)
    rows = list(reader.rows())
    return rows, reader.notes


def test_a_hidden_mapped_column_is_read_and_said_with_what_it_feeds(tmp_path: Path) -> None:
    def hide(sheet: Any) -> None:
        sheet.column_dimensions["C"].hidden = True

    [row], notes = _read(book_with(tmp_path, hide))
    assert row.kind == "row" and row.values["dob"] == "1961-04-03"  # read as before
    assert row.notes == ()  # a note on the file, not a warning on every record
    assert notes == [
        "column C ('dob', read for date_of_birth) is hidden in the workbook and was read; a "
        "column is often hidden because its values are superseded or only working figures: "
        "check that the mapping reads the columns meant"
    ]


def test_hidden_columns_mapped_and_not_each_said(tmp_path: Path) -> None:
    def hide(sheet: Any) -> None:
        sheet.column_dimensions.group("D", "F", hidden=True)  # a collapsed group: min..max

    [row], notes = _read(book_with(tmp_path, hide))
    assert row.values["nhs"] == 9434765919 and row.values["notes"] == "old address"
    assert notes == [
        "columns D ('nhs', read for nhs_number) and E ('band', read for attributes.band) are "
        "hidden in the workbook and were read; a column is often hidden because its values "
        "are superseded or only working figures: check that the mapping reads the columns meant",
        "column F ('notes') is hidden in the workbook; the mapping does not read it, and each "
        "record's raw row keeps it",
    ]


def test_a_column_of_zero_width_is_hidden_too(tmp_path: Path) -> None:
    # What Excel shows as hidden and some writers save so (openpyxl leaves a 0 width out).
    path = book_with(tmp_path, lambda sheet: None)
    out = tmp_path / "zero.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                cols = b'<cols><col min="2" max="2" width="0" customWidth="1"/></cols>'
                data = data.replace(b"<sheetData>", cols + b"<sheetData>", 1)
            target.writestr(item, data)
    _, notes = _read(out)
    assert notes[0].startswith("column B ('name', read for full_name) is hidden")


def test_hidden_columns_beyond_the_header_or_none_say_nothing(tmp_path: Path) -> None:
    def hide(sheet: Any) -> None:
        sheet.column_dimensions["H"].hidden = True  # no header, no data

    assert _read(book_with(tmp_path, hide))[1] == []
    assert _read(book_with(tmp_path, lambda sheet: None))[1] == []


def test_a_hidden_sheet_and_a_hidden_column_are_both_said(tmp_path: Path) -> None:
    book = Workbook()
    lookups = book.active
    assert lookups is not None
    lookups.title = "Lookups"
    data = book.create_sheet("Data")
    for row in ROWS:
        data.append(row)
    data.column_dimensions["C"].hidden = True
    lookups.sheet_state = "hidden"
    book.active = 1
    _, notes = _read(save(book, tmp_path / "both.xlsx"))
    assert notes[0].startswith("sheet 'Data' was read: the first visible sheet")
    assert notes[1].startswith("column C ('dob', read for date_of_birth) is hidden")


def test_many_hidden_columns_are_counted_after_the_first_few(tmp_path: Path) -> None:
    wide = [f"extra{n}" for n in range(NAMED_COLUMNS + 3)]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*HEADER, *wide])
    sheet.append([*ROWS[1], *wide])
    sheet.column_dimensions.group("G", "Z", hidden=True)
    _, notes = _read(save(book, tmp_path / "wide.xlsx"))
    assert notes == [
        "columns G ('extra0'), H ('extra1'), I ('extra2'), J ('extra3'), K ('extra4'), "
        "L ('extra5'), M ('extra6'), N ('extra7'), O ('extra8'), P ('extra9') and 3 more are "
        "hidden in the workbook; the mapping does not read them, and each record's raw row "
        "keeps them"
    ]
