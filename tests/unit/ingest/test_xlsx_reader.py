"""Excel: a workbook built with openpyxl in the test; dates arrive as datetimes or serials."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.standardise import standardise_row
from tests.unit.ingest.helpers import mapping, read_all, write

XLSX = {
    "format": "xlsx",
    "person": {"full_name": "name", "date_of_birth": "dob", "nhs_number": "nhs"},
}


def workbook(tmp_path: Path, rows: list[list[Any]], *, title: str = "Volunteers") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    other = book.create_sheet("Notes")
    other.append(["nothing here"])
    path = tmp_path / "befriending.xlsx"
    book.save(path)
    return path


def test_types_blank_rows_and_line_numbers(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [
            ["id", "name", "dob", "nhs"],
            [1, "Mary Jones", datetime(1961, 4, 3), 9434765919],
            [None, None, None, None],
            [2.0, "Ali Khan", 22374, "943 476 5919"],
            [3, "Extra", None, None, "surprise"],
        ],
    )
    rows = read_all(mapping(**XLSX), path)
    assert [(r.line, r.kind) for r in rows] == [(2, "row"), (3, "blank"), (4, "row"), (5, "bad")]
    first = standardise_row(rows[0], mapping(**XLSX))
    assert first.record_id == "1"
    assert first.person.date_of_birth == "1961-04-03"
    assert first.person.nhs_number == "9434765919"
    serial = standardise_row(rows[2], mapping(**XLSX))
    assert serial.record_id == "2"
    assert serial.person.date_of_birth == date(1961, 4, 3).isoformat()
    assert rows[3].problems == ("values beyond the last column",)


def test_a_date_cell_ignores_a_text_format(tmp_path: Path) -> None:
    m = mapping(
        **{
            **XLSX,
            "person": {
                "full_name": "name",
                "date_of_birth": {"field": "dob", "format": "%d/%m/%Y"},
            },
        }
    )
    path = workbook(
        tmp_path, [["id", "name", "dob", "nhs"], [1, "A Person", datetime(1990, 12, 1), None]]
    )
    [row] = read_all(m, path)
    assert standardise_row(row, m).person.date_of_birth == "1990-12-01"


def test_sheet_by_name_or_number_and_skip_rows(tmp_path: Path) -> None:
    path = workbook(tmp_path, [["Report"], [], ["id", "name", "dob", "nhs"], [7, "B", None, None]])
    for sheet in ("Volunteers", 1):
        [row] = read_all(mapping(**XLSX, sheet=sheet, skip_rows=2), path)
        assert (row.line, row.values["id"]) == (4, 7)
    with pytest.raises(
        SourceFileError, match="no sheet named 'Staff'; the sheets are: Volunteers, Notes"
    ):
        read_all(mapping(**XLSX, sheet="Staff"), path)
    with pytest.raises(SourceFileError, match="sheet 3 asked for, the workbook has 2"):
        read_all(mapping(**XLSX, sheet=3), path)


def test_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match=r"not a readable Excel \.xlsx workbook"):
        read_all(mapping(**XLSX), write(tmp_path, "fake.xlsx", "id,name\n"))
