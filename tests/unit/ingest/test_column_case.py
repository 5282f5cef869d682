"""A header naming the mapping's columns in another case, or with spaces or a BOM around them:
read, and said, the same way in CSV and Excel."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers import open_reader
from tests.unit.ingest.helpers import mapping, write


def _file(tmp_path: Path, kind: str, header: list[str]) -> Path:
    row = ["1", "Ann Lee", "03/04/1961", "", "x"][: len(header)]
    if kind == "csv":
        return write(tmp_path, "h.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(row)
    path = tmp_path / "h.xlsx"
    book.save(path)
    return path


def _read(tmp_path: Path, kind: str, header: list[str]) -> tuple[dict[str, str], list[str]]:
    reader = open_reader(mapping(format=kind), _file(tmp_path, kind, header))
    [row] = list(reader.rows())
    return dict(row.values), reader.notes


CASE_NOTE = (
    "column 'NAME' was read for 'name', which the mapping names: the two differ only in case "
    "(write the mapping's name as the header does to silence this)"
)

# description, header, the name read, notes
HEADERS = [
    ("as the mapping writes them", ["id", "name", "dob", "nhs"], "Ann Lee", []),
    # Spaces, a BOM or a non-breaking space around a name were always taken off, silently:
    # they are how a cell was typed or saved, not another column.
    ("spaces around", ["id", " name ", "dob\t", "nhs"], "Ann Lee", []),
    ("a BOM and a non-breaking space", ["\ufeffid", "name\u00a0", "dob", "nhs"], "Ann Lee", []),
    # Another case was "column 'name' is not in the file (did you mean 'NAME'?)" and stopped
    # the ingest; exports change the case of their headings between versions.
    ("another case", ["id", "NAME", "dob", "nhs"], "Ann Lee", [CASE_NOTE]),
    ("another case and a space", ["id", "NAME ", "dob", "nhs"], "Ann Lee", [CASE_NOTE]),
    # The mapping's own spelling, where the header has it, wins over one in another case.
    ("both: the exact one read", ["id", "NAME", "name", "dob", "nhs"], "03/04/1961", []),
]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("header", "name", "notes"), [h[1:] for h in HEADERS], ids=[h[0] for h in HEADERS]
)
def test_header_names(
    tmp_path: Path, kind: str, header: list[str], name: str, notes: list[str]
) -> None:
    values, said = _read(tmp_path, kind, header)
    assert values["name"] == name
    assert said == notes


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_two_columns_in_other_cases_are_refused(tmp_path: Path, kind: str) -> None:
    path = _file(tmp_path, kind, ["id", "Name", "NAME", "dob", "nhs"])
    with pytest.raises(SourceFileError) as caught:
        list(open_reader(mapping(format=kind), path).rows())
    assert (
        "column 'name' is not in the file: 'Name' and 'NAME' differ from it only in case "
        "(name one exactly in the mapping)"
    ) in str(caught.value)
