"""Encoding detection: UTF-8, BOMs, single-byte files, and UTF-8 with Windows-1252 rows in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.ingest.readers import open_reader
from joinedup.ingest.readers.csv_reader import CsvReader
from joinedup.ingest.readers.encoding import _CHUNK, detect
from tests.unit.ingest.helpers import mapping, write

HEADER = b"id,dob,nhs,name\n"  # the name last: a cut-off character ends the file


def _utf8(name: str) -> bytes:
    return name.encode("utf-8")


def _cp1252(name: str) -> bytes:
    return name.encode("cp1252")


# description, the file's rows (bytes), the codec found, the names read, the lines read as
# Windows-1252 inside a UTF-8 file.
CASES = [
    (
        "UTF-8 throughout",
        [b"1,,,Zo\xc3\xab Caf\xc3\xa9", b"2,,,Ann"],
        "utf-8",
        ["Zoë Café", "Ann"],
        [],
    ),
    (
        "Windows-1252 throughout: as before",
        [_cp1252("1,,,Renée Dupré"), _cp1252("2,,,Owes £12 to O’Neill")],
        "cp1252",
        ["Renée Dupré", "Owes £12 to O’Neill"],
        [],
    ),
    (
        "Latin-1 letters: the same bytes as Windows-1252",
        ["1,,,Jürgen Müller".encode("latin-1"), "2,,,Ñaño ©".encode("latin-1")],
        "cp1252",
        ["Jürgen Müller", "Ñaño ©"],
        [],
    ),
    (
        "UTF-8 with a Windows-1252 row: UTF-8, that row's bytes as Windows-1252",
        [_utf8(f"{i},,,Zoë Café") for i in range(1, 5)] + [_cp1252("5,,,Seán O’Neill")],
        "utf-8",
        ["Zoë Café"] * 4 + ["Seán O’Neill"],
        [6],
    ),
    (
        "the Windows-1252 row first",
        [_cp1252("1,,,Seán"), _utf8("2,,,Zoë")],
        "utf-8",
        ["Seán", "Zoë"],
        [2],
    ),
    (
        "a row with both",
        [_utf8("1,,,Zoë ") + _cp1252("Seán")],
        "utf-8",
        ["Zoë Seán"],
        [2],
    ),
    (
        "UTF-8 cut off in its last character",
        [_utf8("1,,,Zoë"), b"6,,,Ren\xc3"],
        "utf-8",
        ["Zoë", "RenÃ"],
        [3],
    ),
    (
        "ASCII cut off in a UTF-8 character: a single-byte file, read as before",
        [b"1,,,Ann", b"6,,,Ren\xc3"],
        "cp1252",
        ["Ann", "RenÃ"],
        [],
    ),
]


@pytest.mark.parametrize(
    ("rows", "codec", "names", "lines"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_encodings(
    tmp_path: Path, rows: list[bytes], codec: str, names: list[str], lines: list[int]
) -> None:
    path = write(tmp_path, "e.csv", HEADER + b"\n".join(rows))
    assert detect(path).codec == codec
    assert (detect(path).fallback_lines is not None) == bool(lines)
    reader = open_reader(mapping(), path)
    assert isinstance(reader, CsvReader)
    read = list(reader.rows())
    assert [r.values["name"] for r in read] == names
    assert (reader.fallback_rows, reader.fallback_lines) == (len(lines), lines)


@pytest.mark.parametrize(
    ("bom", "codec"),
    [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-32", "utf-32")],
)
def test_a_byte_order_mark_decides(tmp_path: Path, bom: str, codec: str) -> None:
    path = write(tmp_path, "b.csv", "id,dob,nhs,name\n1,,,Zoë\n", encoding=bom)
    assert detect(path).codec == codec
    [row] = open_reader(mapping(), path).rows()
    assert row.values["name"] == "Zoë"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"])
def test_lines_are_counted_across_chunks(tmp_path: Path, ending: str) -> None:
    # A line end straddles the first megabyte's end (the "\r" of "\r\n" before it, the "\n"
    # after); the Windows-1252 byte is on the line after it.
    first = _utf8("id,name,dob,nhs" + ending + "1,,,Zoë")
    filler = b"x" * (_CHUNK - len(first) - 1 - len(ending.encode()) + 1)
    body = first + filler + ending.encode() + _cp1252("2,,,Seán") + ending.encode()
    path = write(tmp_path, "l.csv", body)
    found = detect(path).fallback_lines
    assert found is not None
    assert [n for n in range(8 * len(found)) if found[n >> 3] >> (n & 7) & 1] == [3]


# Lines of Windows-1252 and of UTF-8 in any order. The Windows-1252 letters are ones whose
# bytes can never form UTF-8 (é = 0xE9 wants two continuation bytes; ü = 0xFC starts nothing),
# so what the file says is never in doubt.
LINE = st.tuples(st.booleans(), st.text(alphabet="ab éü", max_size=6))


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(LINE, min_size=1, max_size=12))
def test_mixed_lines_read_back(
    tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[bool, str]]
) -> None:
    body = HEADER + b"".join(
        f"{i},,,{name}\n".encode("utf-8" if utf8 else "cp1252")
        for i, (utf8, name) in enumerate(lines)
    )
    path = write(tmp_path_factory.mktemp("m"), "m.csv", body)
    reader = open_reader(mapping(), path)
    assert isinstance(reader, CsvReader)
    assert [r.values["name"] for r in reader.rows()] == [name for _, name in lines]
    if any(utf8 and not name.isascii() for utf8, name in lines):
        expected = [i + 2 for i, (utf8, name) in enumerate(lines) if not (utf8 or name.isascii())]
    else:  # nothing says UTF-8: a single-byte file (or ASCII), read whole as before
        expected = []
    assert (reader.fallback_rows, reader.fallback_lines) == (len(expected), expected[:10])
