"""Excel: a workbook built with openpyxl in the test; dates arrive as datetimes or serials."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers import open_reader
from joinedup.ingest.readers.base import FOOTER_REASON, HEADER_AGAIN_REASON
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


@pytest.mark.parametrize(
    ("last", "footer"),
    [
        (["Total records: 2", None, None, None], True),
        (["Total", 2, None, None], True),
        (["Grand total: 2"], True),
        ([3, "Total Care Ltd", None, None], False),
        (["Total records", None, 4123, None], True),  # the count in the third column
        (["Page 2 of 9", None, None, None], True),
        ([None, "Grand total", None, 57.5], True),
    ],
)
def test_a_reports_footer_is_quarantined_as_one(
    tmp_path: Path, last: list[Any], footer: bool
) -> None:
    # As in a CSV file: it was quarantined as "no identifying field".
    path = workbook(tmp_path, [["id", "name", "dob", "nhs"], [1, "A", None, None], last])
    *_, row = read_all(mapping(**XLSX), path)
    assert (row.kind, row.problems) == (("bad", (FOOTER_REASON,)) if footer else ("row", ()))


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


def test_a_number_in_a_date_field_of_a_1904_workbook(tmp_path: Path) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    m = mapping(
        **XLSX,
        attributes={"fields": {"start": {"field": "start", "format": "%d/%m/%Y"}, "n": "n"}},
    )
    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "name", "dob", "nhs", "start", "n"])
    # 20912 is 3 April 1961 counted from 1904 (22374 from 1900); 1961 is a year, not a serial.
    sheet.append([1, "Mary Jones", 20912, None, 43000, 20912])
    sheet.append([2, "Ali Khan", datetime(1961, 4, 3), None, "01/02/2020", None])
    sheet.append([3, "Sam Lee", 1961, None, None, None])
    path = tmp_path / "mac.xlsx"
    book.save(path)
    rows = read_all(m, path)
    first, second, third = (standardise_row(r, m, today=date(2026, 12, 7)) for r in rows)
    assert first.person.date_of_birth == "1961-04-03"
    assert first.attributes == {"start": "2021-09-23", "n": 20912}  # an undated number stays
    assert '"dob": "20912"' in rows[0].raw  # the raw row is the cell as written
    assert second.person.date_of_birth == "1961-04-03"
    assert second.attributes == {"start": "2020-02-01"}
    assert (third.person.date_of_birth, third.person.year_of_birth) == (None, 1961)


def test_a_header_below_titles_or_on_another_sheet_is_named(tmp_path: Path) -> None:
    titled = workbook(tmp_path, [["Council Tax extract"], [], ["id", "name", "dob", "nhs"]])
    with pytest.raises(SourceFileError, match="are on row 3: set skip_rows: 2 in the mapping"):
        read_all(mapping(**XLSX), titled)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["Total", 2])
    data = book.create_sheet("Data")
    data.append(["Exported 07/12/2026"])
    data.append(["id", "name", "dob", "nhs"])
    path = tmp_path / "two.xlsx"
    book.save(path)
    with pytest.raises(
        SourceFileError,
        match="on sheet 'Data', row 2: set sheet: Data and skip_rows: 1 in the mapping",
    ):
        read_all(mapping(**XLSX), path)
    assert read_all(mapping(**XLSX, sheet="Data", skip_rows=1), path) == []


def test_a_header_cell_merged_across_columns(tmp_path: Path) -> None:
    # "Name" merged over the family and given names: the given names' column had the name ""
    # and no mapping could read it.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "Name", None, None, "dob"])
    sheet.merge_cells("B1:D1")
    sheet.append([1, "Smith", "John", "Paul", "03/04/1961"])
    path = tmp_path / "merged.xlsx"
    book.save(path)
    m = mapping(
        format="xlsx",
        person={
            "family_name": "Name",
            "given_name": "Name (2)",
            "middle_names": "Name (3)",
            "date_of_birth": "dob",
        },
    )
    reader = open_reader(m, path)
    [row] = list(reader.rows())
    person = standardise_row(row, m).person
    assert (person.given_name, person.middle_names, person.family_name) == ("John", "Paul", "Smith")
    assert reader.notes == [
        "column C has no header of its own (a header cell merged across columns?): read as "
        "'Name (2)'",
        "column D has no header of its own (a header cell merged across columns?): read as "
        "'Name (3)'",
    ]


def test_a_header_repeated_at_a_page_top_is_quarantined(tmp_path: Path) -> None:
    # It was stored: a person with the family name "Name" and the record id "id".
    header = ["id", "name", "dob", "nhs"]
    path = workbook(tmp_path, [header, [1, "A", None, None], header, [2, "B", None, None]])
    rows = read_all(mapping(**XLSX), path)
    assert [(r.line, r.kind) for r in rows] == [(2, "row"), (3, "bad"), (4, "row")]
    assert rows[1].problems == (HEADER_AGAIN_REASON,)
