"""Excel: a 0 saved beside a formula is a result unless the workbook is XlsxWriter's placeholder.

XlsxWriter cannot calculate: it saves every formula with the result 0, asks to be recalculated
on opening (``fullCalcOnLoad``) and writes Excel 2007's ``calcId``. A program that calculates
and still sets the flag (Apache POI forcing a recalculation, a script filling a template) saves
real results, among them real zeros: they were read as "no saved result" and dropped. Built
with openpyxl, then given the results and calculation settings each writer saves.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from joinedup.ingest.readers import open_reader, xlsx_sheet
from joinedup.ingest.values import FormulaText
from tests.unit.ingest.helpers import mapping
from tests.unit.ingest.test_xlsx_hidden import HEADER, XLSX, workbook

# C2 calculates a date (22374 is 3 April 1961), E2 a band of 0; E3 is 0 as well.
ROWS = [
    HEADER,
    [1, "Mary Jones", "=DATE(1961,4,3)", None, "=0*1", None],
    [2, "Ali Khan", None, None, "=0*2", None],
]


def saved(tmp_path: Path, results: dict[str, str], calc: bytes | None = None) -> Path:
    """``workbook`` with ``results`` saved beside the formulas of those cells, and the
    workbook's calculation settings replaced by ``calc`` when given."""
    path = workbook(tmp_path, ROWS)
    out = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                for cell, value in results.items():
                    pattern = rb'(<c r="' + cell.encode() + rb'"[^>]*><f>[^<]*</f>)<v\s*/>'
                    data, found = re.subn(pattern, rb"\1<v>" + value.encode() + rb"</v>", data)
                    assert found == 1, cell
            if item.filename == "xl/workbook.xml" and calc is not None:
                data, found = re.subn(rb"<calcPr[^>]*/>", calc, data)
                assert found == 1
            target.writestr(item, data)
    return out


def _band(path: Path) -> tuple[list[object], list[tuple[str, ...]], int]:
    reader = open_reader(mapping(**XLSX), path)
    rows = list(reader.rows())
    return [row.values["band"] for row in rows], [row.notes for row in rows], reader.unsaved


def test_xlsxwriters_zeros_are_still_no_result(tmp_path: Path) -> None:
    # Every formula saved as 0, the flag and calcId 124519 (openpyxl writes both): XlsxWriter.
    bands, notes, unsaved = _band(saved(tmp_path, {"C2": "0", "E2": "0", "E3": "0"}))
    assert bands == ["=0*1", "=0*2"] and all(isinstance(b, FormulaText) for b in bands)
    assert notes[1] == (
        "attributes.band: E3 ('band') holds a formula with no saved result; open and save the "
        "workbook in Excel, or export it to CSV",
    )
    assert unsaved == 3


def test_a_zero_beside_results_a_program_calculated_is_zero(tmp_path: Path) -> None:
    # The same settings, but C2 holds a calculated date: whatever wrote it calculated, so its
    # zeros are results. They were read as "no saved result" and the bands dropped.
    bands, notes, unsaved = _band(saved(tmp_path, {"C2": "22374", "E2": "0", "E3": "0"}))
    assert bands == [0, 0]
    assert notes == [(), ()] and unsaved == 0


@pytest.mark.parametrize(
    "calc",
    [
        pytest.param(b'<calcPr calcId="191029" fullCalcOnLoad="1"/>', id="Excel's calcId"),
        pytest.param(b'<calcPr calcId="191029"/>', id="no recalculation asked"),
    ],
)
def test_a_zero_saved_by_a_program_that_calculates_is_zero(tmp_path: Path, calc: bytes) -> None:
    # Every formula's result is 0 here, but the workbook is not XlsxWriter's: a template filled
    # in by a script and flagged for recalculation, or Apache POI's forced recalculation.
    bands, notes, unsaved = _band(saved(tmp_path, {"C2": "0", "E2": "0", "E3": "0"}, calc))
    assert bands == [0, 0]
    assert notes == [(), ()] and unsaved == 0


class _Sheet:
    """What ``sheet_has_calculated_results`` reads of a read-only sheet: its XML."""

    def __init__(self, xml: bytes) -> None:
        self.xml = xml

    def _get_source(self) -> io.BytesIO:
        return io.BytesIO(self.xml)


@pytest.mark.parametrize(
    ("cells", "calculated"),
    [
        (b'<c r="A1"><f>1+1</f><v>2</v></c>', True),
        (b'<c r="A1"><f>1-1</f><v>0</v></c>', False),
        (b'<c r="A1"><f>0.5</f><v>0.5</v></c>', True),
        (b'<c r="A1" t="str"><f>"x"</f><v>x</v></c>', True),
        (b'<c r="A1"><f t="shared" si="0"/><v>7</v></c>', True),
        (b'<x:c r="A1"><x:f>1+1</x:f><x:v>2</x:v></x:c>', True),
        (b'<c r="A1"><f>1+1</f><v/></c><c r="B1"><v>5</v></c>', False),
        (b'<c r="A1"><v>5</v></c>', False),
    ],
)
def test_what_counts_as_a_calculated_result(cells: bytes, calculated: bool) -> None:
    xml = b"<worksheet><sheetData><row r='1'>" + cells + b"</row></sheetData></worksheet>"
    assert xlsx_sheet.sheet_has_calculated_results(_Sheet(xml)) is calculated


def test_a_result_across_two_chunks_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_sheet, "_CHUNK", 7)
    xml = b"<sheetData>" + b"<c><f>1-1</f><v>0</v></c>" * 5 + b"<c><f>1+1</f><v>2</v></c>"
    assert xlsx_sheet.sheet_has_calculated_results(_Sheet(xml))
