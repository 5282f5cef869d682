"""CSV records: a quote that never closes costs one record, and every line is counted once."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers.csv_quotes import STRAY_QUOTE_REASON
from joinedup.ingest.readers.csv_records import MAX_RECORD_LINES, CsvRecords, open_quote_line
from joinedup.ingest.readers.encoding import detect
from tests.unit.ingest.helpers import mapping, read_all, write

HEADER = "id,name,dob,nhs\n"
GOOD = "{i},Person {i} Smith,01/01/1970,\n"


def _good(start: int, stop: int) -> str:
    return "".join(GOOD.format(i=i) for i in range(start, stop))


# description, file body after the header, the (line, kind, problem) of every row read.
CASES = [
    (
        "a quote opened and never closed: that line alone, the rest kept",
        _good(1, 3) + '3,"Ann Lee,01/01/1970,\n' + _good(4, 6),
        [
            (2, "row", None),
            (3, "row", None),
            (4, "bad", "a quoted field opened on line 4 never closes"),
            (5, "row", None),
            (6, "row", None),
        ],
    ),
    (
        "a quote that runs to the end of the file: the lines after it are read again",
        _good(1, 2) + '2,"Ann Lee,01/01/1970,\n3,Bo,,\n',
        [
            (2, "row", None),
            (3, "bad", "a quoted field opened on line 3 never closes"),
            (4, "row", None),
        ],
    ),
    (
        "the last line, without a line end",
        _good(1, 2) + '2,"Ann',
        [(2, "row", None), (3, "bad", "a quoted field opened on line 3 never closes")],
    ),
    (
        "a quote that opens on a record's second line",
        '1,"Mary\nAnn",x,"never\n2,Bo,,\n',
        [
            (2, "bad", "a quoted field opened on line 3 never closes"),
            (4, "row", None),
        ],
    ),
    (
        "real quoted newlines are one record, as before",
        '1,"12 High St\nLeeds\nLS6 2AB",01/01/1970,\n2,"Bo ""B"" Ray",,\n',
        [(2, "row", None), (5, "row", None)],
    ),
    (
        # csv joins text after a closing quote to the value ("Annx"); where the value ends
        # cannot be told, so the row is quarantined (it was stored as "Annx").
        "text after a closing quote: a quote not doubled",
        '1,"Ann"x,01/01/1970,\n2,Bo,,\n',
        [(2, "bad", STRAY_QUOTE_REASON), (3, "row", None)],
    ),
    (
        # Two stray quotes close each other: one record over both lines, which csv read as a
        # name "a,,\n2,b"; the second quote is not followed by a delimiter, so it is quarantined.
        "two stray quotes close each other: one record over both lines, quarantined",
        '1,"a,,\n2,"b,,\n3,c,,\n',
        [(2, "bad", STRAY_QUOTE_REASON), (4, "row", None)],
    ),
    (
        "a stray quote just after a real multi-line record",
        '1,"x\ny",,\n2,"b,,\n3,c,,\n',
        [
            (2, "row", None),
            (4, "bad", "a quoted field opened on line 4 never closes"),
            (5, "row", None),
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_quotes(
    tmp_path: Path, body: str, expected: list[tuple[int, str, str | None]]
) -> None:
    rows = read_all(mapping(), write(tmp_path, "q.csv", HEADER + body))
    assert [(r.line, r.kind, r.problems[0] if r.problems else None) for r in rows] == expected


def test_one_broken_line_in_five_thousand(tmp_path: Path) -> None:
    # The QA file: before, "read 870" with one quarantined row of 131,083 characters.
    body = _good(1, 3) + '3,"Ann Lee,01/01/1970,\n' + _good(4, 5001)
    rows = read_all(mapping(), write(tmp_path, "q5k.csv", HEADER + body))
    assert len(rows) == 5000
    [broken] = [r for r in rows if r.kind == "bad"]
    assert (broken.line, broken.raw) == (4, '3,"Ann Lee,01/01/1970,')
    assert [r.line for r in rows] == list(range(2, 5002))


def test_pipe_delimited(tmp_path: Path) -> None:
    text = 'id|name|dob|nhs\n1|"Lee, Ann|01/01/1970|\n2|Bob Ray|02/02/1970|\n3|Cy|03/03/1970|\n'
    rows = read_all(mapping(), write(tmp_path, "p.csv", text))
    assert [(r.line, r.kind) for r in rows] == [(2, "bad"), (3, "row"), (4, "row")]
    assert rows[0].problems == ("a quoted field opened on line 2 never closes",)


@pytest.mark.parametrize(
    ("lines", "kept"),
    [(MAX_RECORD_LINES, True), (MAX_RECORD_LINES + 1, False)],
    ids=["at the bound", "past it"],
)
def test_the_bound_on_lines_in_one_record(tmp_path: Path, lines: int, kept: bool) -> None:
    note = "\n".join(f"paragraph {i}" for i in range(lines))
    text = HEADER + f'1,"{note}",,\n2,Bo,,\n'
    rows = read_all(mapping(), write(tmp_path, "n.csv", text))
    if kept:
        assert [(r.line, r.kind) for r in rows] == [(2, "row"), (2 + lines, "row")]
        assert rows[0].values["name"] == note
    else:
        # The first line alone is broken; each line after is read again as a record.
        assert rows[0].line == 2 and rows[0].problems == (
            "a quoted field opened on line 2 never closes",
        )
        assert [r.line for r in rows] == list(range(2, 3 + lines))


def test_the_field_limit(tmp_path: Path) -> None:
    huge = "x" * (csv.field_size_limit() + 10)
    text = HEADER + f'1,"{huge},,\n2,Bo,,\n'
    rows = read_all(mapping(), write(tmp_path, "f.csv", text))
    assert [(r.line, r.kind) for r in rows] == [(2, "bad"), (3, "row")]
    assert rows[0].problems == ("a quoted field opened on line 2 never closes",)
    unquoted = HEADER + f"1,{huge},,\n2,Bo,,\n"
    rows = read_all(mapping(), write(tmp_path, "g.csv", unquoted))
    assert [(r.line, r.kind) for r in rows] == [(2, "bad"), (3, "row")]
    assert rows[0].problems[0].startswith("cannot parse the CSV record (field larger than")


def test_a_header_whose_quote_never_closes(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="a quoted field opened on line 1 never closes"):
        read_all(mapping(), write(tmp_path, "h.csv", 'id,"name,dob,nhs\n1,A,,\n'))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1,Ann,,\r\n2,Bob,,\r\n\x1a", [(2, "row"), (3, "row"), (4, "blank")]),
        ("1,Ann,,\n2,Bob,,\x1a", [(2, "row"), (3, "row")]),
        ("1,Ann,,\n\x1a\n2,Bob,,\n", [(2, "row"), (3, "bad"), (4, "row")]),
    ],
    ids=["on its own line", "ending the last row", "not the last byte: data"],
)
def test_a_dos_end_of_file_mark(tmp_path: Path, body: str, expected: list[tuple[int, str]]) -> None:
    rows = read_all(mapping(), write(tmp_path, "z.csv", HEADER + body))
    assert [(r.line, r.kind) for r in rows] == expected
    assert [r.values["nhs"] for r in rows if r.kind == "row"] == ["", ""]


# Records of any text: their lines add up to the file's, their text to its text; and on text
# csv.writer wrote, they are what csv.reader reads.
TEXT = st.text(alphabet=st.sampled_from(list('ab ,|"\n\r\x1a')), max_size=300)
ROWS = st.lists(st.lists(st.text(alphabet='ab ,"\n\r', max_size=8), max_size=5), max_size=12)


def _physical(text: str) -> list[str]:
    return list(io.StringIO(text, newline=""))


@settings(max_examples=200, deadline=None)
@given(text=TEXT)
def test_records_partition_the_lines(text: str) -> None:
    lines = _physical(text)
    records = list(CsvRecords(iter(lines), ","))
    assert sum(r.lines for r in records) == len(lines)
    assert "".join(r.text for r in records) == text
    assert [r.line for r in records] == [
        1 + sum(r.lines for r in records[:i]) for i in range(len(records))
    ]


@settings(max_examples=200, deadline=None)
@given(rows=ROWS)
def test_records_of_well_formed_csv_are_csv_readers(rows: list[list[str]]) -> None:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    expected = list(csv.reader(io.StringIO(text, newline="")))
    records = list(CsvRecords(iter(_physical(text)), ","))
    assert [r.cells for r in records] == expected
    assert all(r.problem is None for r in records)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (['1,"Ann,x\n'], 0),
        (['1,"Ann",x\n'], None),
        (['1,"Mary\n', 'Ann",x,"y\n', "z\n"], 1),
        (['1,Ann "Nan" Lee,x\n'], None),  # a quote inside an unquoted field is a character
        (['1,"a""b\n'], 0),  # a doubled quote keeps the field open
        (['1,"a"""\n'], None),
        (['1, "a\n'], None),  # a space first: not a quoted field
    ],
)
def test_open_quote_line(lines: list[str], expected: int | None) -> None:
    assert open_quote_line(lines, ",") == expected


# Whole files of text-like bytes: quotes, line ends of every kind, delimiters, UTF-8 and
# Windows-1252 letters, a UTF-8 letter cut short, Ctrl-Z.
PIECES = [b'"', b",", b";", b"|", b"\n", b"\r", b"\r\n", b" ", b"a", b"1"]
PIECES += [b"\xc3\xab", b"\xe9", b"\xc3", b"\x1a", b"\x00"]
FILES = st.lists(st.sampled_from(PIECES), max_size=120).map(lambda p: HEADER.encode() + b"".join(p))


def _spans(raw: str) -> int:
    return len(io.StringIO(raw + "\n", newline="").readlines())


@settings(max_examples=300, deadline=None)
@given(content=FILES)
def test_every_physical_line_is_in_one_row(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = write(tmp_path_factory.mktemp("p"), "p.csv", content)
    try:
        rows = read_all(mapping(), path)
    except SourceFileError:
        return  # the header is not one the mapping can use: the file fails, nothing is read
    detected = detect(path)
    lines = io.StringIO(content.decode(detected.codec, detected.errors), newline="").readlines()
    for row, after in itertools.pairwise(rows):
        assert after.line == row.line + _spans(row.raw)
    if rows:
        assert rows[-1].line + _spans(rows[-1].raw) - 1 == len(lines)
