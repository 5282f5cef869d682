"""Which quarantined rows' record ids a reader vouches for (``bad(..., certain=…)``): only those
whose place in the record is certain. A wrong id would keep a record alive under ``--full``."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.ingest.readers.csv_quotes import certain_cells
from joinedup.ingest.standardise import record_id_of
from tests.unit.ingest.helpers import mapping, read_all, write

HEADER = "id,name,dob,nhs\n"


@pytest.mark.parametrize(
    ("raw", "count", "why"),
    [
        ('1,"O"Brien, Ann",x', 1, "the id before the first quoted value"),
        ('"1","x",2,"O"Brien",3', 3, "quoted values closed by the delimiter are certain"),
        ('"O"Brien",1', 0, "the first value is the broken one"),
        ('1,5" Main St,"O"Brien"', 1, "an unquoted value holding a quote is not vouched for"),
        ('1,"a""b","O"Brien"', 2, "a doubled quote is one quote"),
    ],
)
def test_certain_cells(raw: str, count: int, why: str) -> None:
    assert certain_cells(raw, ",") == count, why


# (the rows after the header, the ids read from the quarantined rows, in order)
CSV_CASES = [
    pytest.param('7,"He said "no", then left",01/02/1980,x\n', ["7"], id="stray quote after id"),
    pytest.param("7,Ann\n", ["7"], id="columns missing: the first is certain"),
    pytest.param("7,Ann,Smith,01/02/1980,x\n", ["7"], id="a column too many"),
    pytest.param(
        "7,Ann,12 High St\nLeeds,01/02/1980\n", ["7", None], id="the rest of a split record"
    ),
    pytest.param("7,Ann,01/02/1980\n8,Bob,01/02/1980\n", ["7", "8"], id="each one short"),
    pytest.param("7,x\n8,x\n", ["7", None], id="two short rows may be one record"),
    pytest.param("7,x\n8,Bob,01/02/1980,x,y,z\n", ["7", "8"], id="too many to be the rest of one"),
    pytest.param("7,x\n\n8,x\n", ["7", None], id="a blank line does not end a split record"),
    pytest.param("1,Ann,01/02/1980,x\nTotal records: 1\n", [None], id="a footer is no record"),
    pytest.param('7,"never closes,01/02/1980,x\n8,x\n', [None, None], id="after a broken quote"),
]


@pytest.mark.parametrize(("body", "ids"), CSV_CASES)
def test_csv_quarantined_rows_ids(tmp_path: Path, body: str, ids: list[str | None]) -> None:
    m = mapping()
    bad = [r for r in read_all(m, write(tmp_path, "x.csv", HEADER + body)) if r.kind == "bad"]
    assert [record_id_of(r, m) for r in bad] == ids


def test_an_id_column_after_the_break_is_not_certain(tmp_path: Path) -> None:
    m = mapping()
    path = write(tmp_path, "x.csv", 'name,id,dob,nhs\n"He said "no", then left",7,x,y\n')
    [row] = read_all(m, path)
    assert row.kind == "bad" and record_id_of(row, m) is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"id": "7", "name": "K\\ud800"}', "7"),
        ('{"id": "K\\ud800", "name": "Ann"}', None),
        ('{"id": "7", "name": ', None),
        ('["7"]', None),
    ],
    ids=["lone surrogate elsewhere", "in the id", "not JSON", "not an object"],
)
def test_json_lines_quarantined_rows_ids(tmp_path: Path, line: str, expected: str | None) -> None:
    m = mapping(format="jsonl")
    [row] = read_all(m, write(tmp_path, "x.jsonl", line + "\n"))
    assert row.kind == "bad" and record_id_of(row, m) == expected
