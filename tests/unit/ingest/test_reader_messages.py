"""What a failed read says: no personal value from a header row, no binary file's bytes."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers.base import looks_like_data
from tests.unit.ingest.helpers import mapping, read_all, write


def _message(path: Path, **overrides: Any) -> str:
    with pytest.raises(SourceFileError) as caught:
        read_all(mapping(**overrides), path)
    message = str(caught.value)
    assert message.isprintable(), message
    return message


# description, the file's first row, what the message must say, and what it must not.
HEADERS = [
    (
        "no header: a row of data",
        "1,Ann Lee,01/01/1970,9434765919",
        ["the first row looks like data rather than column names", "4 cells", "columns:"],
        ["Ann", "Lee", "1970", "9434765919"],
    ),
    (
        "no header: a row of data with nothing that looks like it",
        "A1,Ann,Lee,Leeds",
        ["none of the columns the mapping names is in the header row", "columns:"],
        ["Ann", "Lee", "Leeds", "A1"],
    ),
    (
        "a header of another export: no cell echoed either",
        "Ref,Surname,Born",
        ["none of the columns the mapping names", "the mapping reads id, name, dob, nhs"],
        ["Ref", "Surname", "Born"],
    ),
    (
        "a real header: listed, with what looks like data hidden",
        "id,name,dob,LS6 2AB,ann@example.org,3 Apr 1961",
        ["column 'nhs' is not in the file", "The columns are: id, name, dob, [hidden"],
        ["LS6", "example", "Apr"],
    ),
    (
        "a real header: the hint is a column name, never a value",
        "id,nam,dob,9434765919",
        ["(did you mean 'nam'?)"],
        ["9434765919"],
    ),
    (
        "a cell with control characters is hidden too",
        "id,name,dob,n\x1bhs",
        ["column 'nhs' is not in the file", "dob, [hidden: looks like data]"],
        ["\x1b"],
    ),
]


@pytest.mark.parametrize(
    ("first", "says", "hides"), [h[1:] for h in HEADERS], ids=[h[0] for h in HEADERS]
)
def test_header_problems(tmp_path: Path, first: str, says: list[str], hides: list[str]) -> None:
    message = _message(write(tmp_path, "nohdr.csv", first + "\n2,Bob Ray,02/02/1970,\n"))
    assert message.startswith("nohdr.csv: ")
    for text in says:
        assert text in message
    for text in hides:
        assert text not in message


@pytest.mark.parametrize(
    ("cell", "data"),
    [
        ("1", True),
        ("01/01/1970", True),
        ("1970-01-01", True),
        ("3-APR-1961", True),
        ("943 476 5919", True),
        ("07700900123", True),
        ("a@b.org", True),
        ("LS6 2AB", True),
        ("Date of birth", False),
        ("Address line 1", False),
        ("NHS No.", False),
        ("Age/YOB", False),
        ("", False),
    ],
)
def test_looks_like_data(cell: str, data: bool) -> None:
    assert looks_like_data(cell) is data


def _zip(path: Path, *names: str) -> bytes:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return path.read_bytes()


# description, the file's bytes (a function of a scratch path), what the message says.
BINARY = [
    (
        "an Excel workbook",
        lambda p: _zip(p, "[Content_Types].xml", "xl/workbook.xml"),
        "this looks like an Excel workbook, not {text}; set format: xlsx in the mapping",
    ),
    (
        "the start of a workbook",
        lambda p: _zip(p, "xl/workbook.xml")[:200],
        "this looks like an Excel workbook",
    ),
    ("a Word document", lambda p: _zip(p, "word/document.xml"), "a Word document, not {text}"),
    ("another zip archive", lambda p: _zip(p, "a.csv"), "this is a zip archive, not {text}"),
    ("a PDF", lambda p: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document"),
    ("an old .xls", lambda p: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(500), "old-style Excel"),
    ("a program", lambda p: b"\x7fELF\x02\x01\x01" + bytes(64) + b"\x1b[0m", "a program"),
    (
        "binary bytes",
        lambda p: b"id,name\n" + bytes(range(256)) * 4,
        "this looks like a binary file (NUL and control bytes), not {text}",
    ),
    (
        "UTF-16 without a byte-order mark",
        lambda p: "id,name,dob,nhs\n1,Ann,,\n".encode("utf-16-le"),
        "UTF-16 text without a byte-order mark (a NUL byte beside every letter); "
        "set encoding: utf-16-le in the mapping",
    ),
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(("make", "says"), [b[1:] for b in BINARY], ids=[b[0] for b in BINARY])
def test_a_file_that_is_not_text(tmp_path: Path, fmt: str, make: Any, says: str) -> None:
    path = write(tmp_path, f"extract.{fmt}", make(tmp_path / "scratch"))
    text = "CSV text" if fmt == "csv" else "JSON Lines text"
    message = _message(path, format=fmt)
    assert message.startswith(f"extract.{fmt}: ")
    assert says.format(text=text) in message
    assert len(message) < 200


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (b"id,name,dob,nhs\n1,Ann\x00\x00\x00\x00,,\n", "auto"),  # NUL padding: still text
        ("id,name,dob,nhs\n1,Ann,,\n".encode("utf-16-le"), "utf-16-le"),
        ("id,name,dob,nhs\n1,Ann,,\n".encode("utf-16"), "auto"),
    ],
)
def test_text_with_nul_bytes_is_read(tmp_path: Path, content: bytes, encoding: str) -> None:
    [row] = read_all(mapping(encoding=encoding), write(tmp_path, "t.csv", content))
    assert row.values["name"].rstrip("\x00") == "Ann"


def test_a_headerless_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([1, "Ann Lee", datetime(1970, 1, 1), 9434765919])
    path = tmp_path / "nohdr.xlsx"
    book.save(path)
    message = _message(path, format="xlsx")
    assert "the first row looks like data rather than column names (4 cells" in message
    assert not any(text in message for text in ("Ann", "1970", "9434765919"))
