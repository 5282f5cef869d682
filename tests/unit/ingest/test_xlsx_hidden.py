"""Excel: what a workbook hides — rows hidden by hand or by a filter, hidden sheets, formulas
saved without a result — is read and said, never silently lost."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from joinedup.ingest.readers import open_reader
from joinedup.ingest.readers.xlsx_reader import HIDDEN_ROW
from joinedup.ingest.readers.xlsx_sheet import sheet_rows
from joinedup.ingest.standardise import standardise_row
from joinedup.ingest.values import FormulaText
from tests.unit.ingest.helpers import mapping, read_all

XLSX = {
    "format": "xlsx",
    "person": {"full_name": "name", "date_of_birth": "dob", "nhs_number": "nhs"},
    "attributes": {"fields": {"band": "band"}},
}
HEADER = ["id", "name", "dob", "nhs", "band", "notes"]
ADVICE = "open and save the workbook in Excel, or export it to CSV"


def save(book: Workbook, path: Path) -> Path:
    book.save(path)
    return path


def workbook(tmp_path: Path, rows: list[list[Any]], hidden: tuple[int, ...] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    return save(book, tmp_path / "extract.xlsx")


def as_xlsxwriter_saves(path: Path) -> Path:
    """The workbook as XlsxWriter writes formulas: a placeholder result of 0, and the
    recalculate-on-open flag (which openpyxl sets as well)."""
    out = path.with_name("xlsxwriter.xlsx")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(</f>)<v\s*/>|(</f>)<v></v>", rb"\1\2<v>0</v>", data)
            if item.filename == "xl/workbook.xml":
                assert b'fullCalcOnLoad="1"' in data
            target.writestr(item, data)
    return out


# --- hidden rows -------------------------------------------------------------------------


def test_a_hidden_row_is_read_with_a_warning_and_counted(tmp_path: Path) -> None:
    path = workbook(
        tmp_path,
        [HEADER, [1, "Mary Jones", None, None], [2, "TEST PERSON", None, None], [None] * 4],
        hidden=(3, 4),
    )
    m = mapping(**XLSX)
    reader = open_reader(m, path)
    rows = list(reader.rows())
    assert [(r.line, r.kind, r.notes) for r in rows] == [
        (2, "row", ()),
        (3, "row", (HIDDEN_ROW,)),
        (4, "blank", ()),  # a hidden empty row hides nothing
    ]
    assert reader.hidden == 1
    kept = standardise_row(rows[1], m)
    assert kept.warnings == (HIDDEN_ROW,) and not kept.problems
    assert kept.person.family_name == "Person"


def test_hidden_rows_skip_when_the_mapping_says_so(tmp_path: Path) -> None:
    path = workbook(tmp_path, [HEADER, [1, "Mary Jones"], [2, "Deleted Person"]], hidden=(3,))
    reader = open_reader(mapping(**XLSX, hidden_rows="skip"), path)
    assert [(r.line, r.kind) for r in reader.rows()] == [(2, "row"), (3, "skip")]
    assert reader.hidden == 1


def test_hidden_rows_is_an_xlsx_key() -> None:
    from joinedup.ingest.errors import MappingError

    with pytest.raises(MappingError, match="hidden_rows: only applies to format xlsx"):
        mapping(hidden_rows="skip")
    with pytest.raises(MappingError, match="hidden_rows: expected read or skip"):
        mapping(**XLSX, hidden_rows="drop")


# --- hidden sheets -----------------------------------------------------------------------


def two_sheets(tmp_path: Path, first_state: str) -> Path:
    book = Workbook()
    lookups = book.active
    assert lookups is not None
    lookups.title = "Lookups"
    lookups.append(["code", "meaning"])
    data = book.create_sheet("Data")
    data.append(HEADER)
    data.append([1, "Mary Jones"])
    lookups.sheet_state = first_state
    book.active = 1
    return save(book, tmp_path / "sheets.xlsx")


def test_a_hidden_first_sheet_is_passed_over_and_said(tmp_path: Path) -> None:
    reader = open_reader(mapping(**XLSX), two_sheets(tmp_path, "hidden"))
    [row] = list(reader.rows())
    assert row.values["name"] == "Mary Jones"
    assert reader.notes == [
        "sheet 'Data' was read: the first visible sheet (hidden before it: 'Lookups'; name "
        "the sheet with sheet: in the mapping to read another)"
    ]


def test_a_hidden_sheet_the_mapping_names_is_read_and_said(tmp_path: Path) -> None:
    path = two_sheets(tmp_path, "veryHidden")
    m = mapping(format="xlsx", person={"full_name": "meaning"}, record_id="code", sheet=1)
    reader = open_reader(m, path)
    assert list(reader.rows()) == []
    assert reader.notes == [
        "sheet 'Lookups' is hidden in the workbook; it was read because the mapping names it"
    ]


# --- formulas without a saved result -----------------------------------------------------


def formulas(tmp_path: Path) -> Path:
    return workbook(
        tmp_path,
        [
            HEADER,
            [1, "Mary Jones", "=DATE(1961,4,3)", 9434765919, "=B2", "=A1"],
            ["=ROW()", "Ali Khan", datetime(1961, 4, 3), None, "B", None],
            [3, "=UPPER(B2)", "=DATE(1961,4,3)", None, None, None],
        ],
    )


def test_a_formula_without_a_result_is_a_warning_naming_the_cell(tmp_path: Path) -> None:
    m = mapping(**XLSX)
    reader = open_reader(m, formulas(tmp_path))
    first, second, third = reader.rows()
    assert first.kind == "row"
    # Not known, but kept as written for the raw row: what the cell held is not lost.
    assert isinstance(first.values["dob"], FormulaText)
    assert first.values["dob"] == "=DATE(1961,4,3)"
    assert '"dob": "=DATE(1961,4,3)"' in first.raw
    assert first.notes == (
        f"date_of_birth: C2 ('dob') holds a formula with no saved result; {ADVICE}",
        f"attributes.band: E2 ('band') holds a formula with no saved result; {ADVICE}",
    )  # F2 is not mapped: nothing of the record is lost there
    result = standardise_row(first, m)
    assert (result.person.date_of_birth, result.attributes) == (None, {})
    assert result.warnings == first.notes and not result.problems
    # The record id's cell: the row cannot be trusted, so it is quarantined, saying why.
    assert second.kind == "bad"
    assert second.problems == (
        f"record_id: A3 ('id') holds a formula with no saved result; {ADVICE}",
    )
    # Nothing else identifies the third row: quarantined with every reason.
    third_result = standardise_row(third, m)
    assert third_result.problems[1:] == (
        f"full_name: B4 ('name') holds a formula with no saved result; {ADVICE}",
        f"date_of_birth: C4 ('dob') holds a formula with no saved result; {ADVICE}",
    )
    assert reader.unsaved == 5


def test_xlsxwriters_placeholder_zero_is_no_result(tmp_path: Path) -> None:
    path = as_xlsxwriter_saves(formulas(tmp_path))
    m = mapping(**XLSX)
    first = read_all(m, path)[0]
    assert first.values["dob"] == "=DATE(1961,4,3)"  # not 30 December 1899
    assert standardise_row(first, m).person.date_of_birth is None
    assert first.notes[0].startswith("date_of_birth: C2 ('dob') holds a formula")


def test_a_saved_result_is_read_as_usual(tmp_path: Path) -> None:
    """What Excel writes once it has calculated: the result beside the formula; an empty
    text result is a result (an empty cell), not a missing one."""
    path = formulas(tmp_path)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "excel.xlsx", "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(
                    b"<f>DATE(1961,4,3)</f><v />", b"<f>DATE(1961,4,3)</f><v>22374</v>"
                )
                data = re.sub(
                    rb'<c r="E2"([^>]*)><f>B2</f><v\s*/>',
                    rb'<c r="E2"\1 t="str"><f>B2</f><v></v>',
                    data,
                )
                data = data.replace(b'fullCalcOnLoad="1"', b"")
            out.writestr(item, data)
    m = mapping(**XLSX)
    first = read_all(m, tmp_path / "excel.xlsx")[0]
    assert first.notes == ()
    assert standardise_row(first, m).person.date_of_birth == date(1961, 4, 3).isoformat()


def test_rows_agree_with_openpyxls_own(tmp_path: Path) -> None:
    """The streaming parser gives openpyxl's values, row for row (gaps included)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["C1"] = "id", 3.5
    sheet["B3"], sheet["D3"] = datetime(1961, 4, 3), True
    sheet["A6"] = "=1+1"
    sheet["E7"] = "last"
    path = save(book, tmp_path / "gaps.xlsx")
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book.worksheets[0]
        theirs = [tuple(r) for r in ws.iter_rows(values_only=True)]
        ours = list(sheet_rows(book, ws))
    finally:
        book.close()
    assert [r.number for r in ours] == list(range(1, len(theirs) + 1))
    for row, expected in zip(ours, theirs, strict=True):
        assert row.cells == expected[: len(row.cells)]
        assert not any(expected[len(row.cells) :])
    assert ours[5].unsaved == {0: "=1+1"}
