"""CSV reading: encodings, delimiters, quoted newlines, ragged and blank rows, line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers.csv_reader import (
    STRAY_QUOTE_REASON,
    UNDOUBLED_QUOTE_NOTE,
    sniff_delimiter,
)
from joinedup.ingest.readers.encoding import detect_encoding
from tests.unit.ingest.helpers import mapping, read_all, write

HEADER = "id,name,dob,nhs\n"


def test_windows_1252_with_pound_and_accent(tmp_path: Path) -> None:
    text = HEADER + "1,Renée Dupré,03/04/1961,\n2,Owes £12,01/01/1970,\n"
    path = write(tmp_path, "ctax.csv", text, encoding="cp1252")
    assert detect_encoding(path) == "cp1252"
    rows = read_all(mapping(), path)
    assert [r.values["name"] for r in rows] == ["Renée Dupré", "Owes £12"]


def test_windows_1252_first_seen_deep_in_the_file(tmp_path: Path) -> None:
    # The sample a naive detector looks at is pure ASCII; the £ comes 5,000 rows later.
    text = HEADER + "".join(f"{i},Name {i},01/01/1970,\n" for i in range(5000)) + "9,£,,\n"
    path = write(tmp_path, "late.csv", text, encoding="cp1252")
    rows = read_all(mapping(), path)
    assert rows[-1].values["name"] == "£"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", "\ufeff" + HEADER + "1,Zoë,,\n")
    assert detect_encoding(path) == "utf-8-sig"
    [row] = read_all(mapping(), path)
    assert row.values == {"id": "1", "name": "Zoë", "dob": "", "nhs": ""}


def test_explicit_codec_is_honoured_and_wrong_bytes_are_fatal(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", HEADER + "1,Łukasz,,\n", encoding="utf-8")
    [row] = read_all(mapping(encoding="utf-8"), path)
    assert row.values["name"] == "Łukasz"
    latin = write(tmp_path, "y.csv", HEADER + "1,Renée,,\n", encoding="cp1252")
    with pytest.raises(SourceFileError, match=r"y.csv: line 2: bytes that are not valid utf-8"):
        read_all(mapping(encoding="utf-8"), latin)


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2,5;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('name;note\n"Smith, J";"a,b,c"\n', ";"),
        ("single\nvalue\n", ","),
        ("", ","),
        ("Council Tax extract\na;b;c\n1;2,5;3\n", ";"),  # a title: the commonest width wins
    ],
)
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


def test_semicolons_are_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path, "hb.csv", "id;name;dob;nhs\n1;SMITH, John;01/02/1950;\n")
    [row] = read_all(mapping(), path)
    assert row.values["name"] == "SMITH, John"


@pytest.mark.parametrize(
    ("text", "overrides", "why"),
    [
        ("sep=;\r\nid;name;dob;nhs\r\n1;SMITH, John;;\r\n", {}, "Excel's directive"),
        ("SEP=|\nid|name|dob|nhs\n1|SMITH, John||\n", {}, "in capitals, a pipe"),
        ("sep=\t\nid\tname\tdob\tnhs\n1\tSMITH, John\t\t\n", {}, "a tab"),
        ('sep=,,,\nid,name,dob,nhs\n1,"SMITH, John",,\n', {}, "padded to the rows' width"),
        # A mapping that already skipped the line (the workaround) still reads the same.
        ("sep=;\nid;name;dob;nhs\n1;SMITH, John;;\n", {"skip_rows": 1}, "skip_rows covers it"),
        ("sep=;\nid;name;dob;nhs\n1;SMITH, John;;\n", {"delimiter": ";"}, "delimiter given"),
    ],
)
def test_excels_sep_line_names_the_delimiter(
    tmp_path: Path, text: str, overrides: dict[str, object], why: str
) -> None:
    # "sep=;" on the first line is how a file tells Excel its delimiter; it is neither the
    # header nor a row (the header used to be refused as "2 cells", lines after it as data).
    [row] = read_all(mapping(**overrides), write(tmp_path, "sep.csv", text))
    assert (row.line, row.values["id"], row.values["name"]) == (3, "1", "SMITH, John"), why


FOOTER = "looks like a report's footer"


@pytest.mark.parametrize(
    ("last", "reason", "why"),
    [
        ("Total records: 4,123\n", FOOTER, "a count with a thousands comma: was 2 columns of 4"),
        ('"Total records: 4,123",,,\n', FOOTER, "quoted and padded: was no identifying field"),
        ("TOTAL,,,\n", FOOTER, "a bare total"),
        ("(2 rows affected)\n", FOOTER, "sqlcmd's count"),
        ("2 rows selected.\n", FOOTER, "SQL*Plus's count"),
        ("*** End of report ***\n", FOOTER, "an end marker"),
        ("3,Total Care Ltd,,\n", None, "a record whose name starts with a footer's word"),
        ("Totals,A,,\n", None, "an id that is a word, with a name"),
        # The count under the column it counts (was "no identifying field").
        ("Total records,,4123,\n", FOOTER, "the count in the third column"),
        ('Total,,"4,123",\n', FOOTER, "a count with a thousands comma, third column"),
        (",Grand Total,,57\n", FOOTER, "the label in the second column, the total last"),
        ("Total,,4123,Smith\n", None, "a word beside the number: not only a count"),
        ("Page 1 of 3,,,\n", FOOTER, "a page's footer: was no identifying field"),
        ("Page 1 of 3 Smith,A,,\n", None, "more after the page number"),
        # Reports repeat the header at each page's top: it was stored as a person "Name".
        (HEADER, "repeats the header row", "the header again"),
        (" id , name ,dob, nhs,\n", "repeats the header row", "padded, an empty cell after"),
        ("id,name,dob,nhs2\n", None, "not the header: one name differs"),
    ],
)
def test_a_reports_footer_is_quarantined_as_one(
    tmp_path: Path, last: str, reason: str | None, why: str
) -> None:
    text = HEADER + "1,A,,\n2,B,,\n" + last
    rows = read_all(mapping(), write(tmp_path, "f.csv", text))
    assert len(rows) == 3, why
    problems = rows[-1].problems
    if reason is None:
        assert rows[-1].kind == "row" and not problems, why
    else:
        assert rows[-1].kind == "bad" and problems[0].startswith(reason), (why, problems)


def test_quoted_newlines_keep_the_starting_line(tmp_path: Path) -> None:
    text = HEADER + '1,"Mary\nAnn Smith",,\n2,"Bob\r\n\r\nJones",,\n3,Al,,\n'
    rows = read_all(mapping(), write(tmp_path, "q.csv", text))
    assert [r.line for r in rows] == [2, 4, 7]
    assert rows[0].values["name"] == "Mary\nAnn Smith"
    assert rows[1].raw == '2,"Bob\r\n\r\nJones",,'


def test_ragged_rows_blank_lines_and_trailing_padding(tmp_path: Path) -> None:
    text = HEADER + "1,A,,\n\n2,B\n3,C,,,x\n,,,\n4,D,,,,\n"
    rows = read_all(mapping(), write(tmp_path, "r.csv", text))
    kinds = [(r.line, r.kind, r.problems) for r in rows]
    assert kinds == [
        (2, "row", ()),
        (3, "blank", ()),
        (4, "bad", ("expected 4 columns, found 2",)),
        (5, "bad", ("expected 4 columns, found 5",)),
        (6, "blank", ()),
        (7, "row", ()),  # empty cells after the last column are an export's padding
    ]
    assert rows[2].raw == "2,B"


def test_skip_rows_and_headerless_columns(tmp_path: Path) -> None:
    banner = "Council Tax extract\nRun 2026-11-01\n"
    rows = read_all(mapping(skip_rows=2), write(tmp_path, "b.csv", banner + HEADER + "1,A,,\n"))
    assert [(r.line, r.values["id"]) for r in rows] == [(4, "1")]
    headerless = mapping(columns=["id", "name", "dob", "nhs"])
    rows = read_all(headerless, write(tmp_path, "h.csv", "1,A,,\n2,B,,\n"))
    assert [(r.line, r.values["name"]) for r in rows] == [(1, "A"), (2, "B")]


@pytest.mark.parametrize(
    ("banner", "line"),
    [
        ("Council Tax extract\n", 2),
        ("Council Tax extract,,,\nRun 2026-11-01,,,\n,,,\n", 4),
        ("Report,,,\n\n", 3),
    ],
)
def test_a_header_below_report_titles_is_found_for_the_message(
    tmp_path: Path, banner: str, line: int
) -> None:
    path = write(tmp_path, "t.csv", banner + HEADER + "1,A,,\n")
    with pytest.raises(SourceFileError) as caught:
        read_all(mapping(), path)
    message = str(caught.value)
    assert f"are on line {line}: set skip_rows: {line - 1} in the mapping" in message
    [row] = read_all(mapping(skip_rows=line - 1), path)
    assert (row.line, row.values["id"]) == (line + 1, "1")


def test_no_skip_rows_hint_when_no_row_has_the_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "n.csv", "Report\nid,name\n1,A\n")
    with pytest.raises(SourceFileError) as caught:
        read_all(mapping(), path)
    assert "skip_rows" not in str(caught.value)


def test_a_missing_column_fails_the_file_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "id,nam,dob\n1,A,\n")
    with pytest.raises(SourceFileError) as caught:
        read_all(mapping(), path)
    message = str(caught.value)
    assert "column 'name' is not in the file (did you mean 'nam'?)" in message
    assert "column 'nhs' is not in the file" in message
    assert "The columns are: id, nam, dob" in message


def test_empty_file_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="no header row"):
        read_all(mapping(), write(tmp_path, "e.csv", "\n\n"))
    with pytest.raises(SourceFileError, match=r"gone\.csv: file not found"):
        read_all(mapping(), tmp_path / "gone.csv")


def test_duplicate_header_names_are_kept(tmp_path: Path) -> None:
    [row] = read_all(mapping(), write(tmp_path, "d.csv", "id,name,dob,nhs,x,x\n1,A,,,p,q\n"))
    assert row.values["x"] == "p" and row.values["x (2)"] == "q"


@pytest.mark.parametrize(
    ("line", "expected", "noted", "why"),
    [
        # The writer did not double the quote; each value ends at a quote before a comma, and
        # the columns add up, so the values are read as written (was quarantined).
        ('3,"O"Brien, Ann",03/04/1961,\n', 'O"Brien, Ann', True, "stray quote, a comma after it"),
        # The columns added up the wrong way: csv read 'OBrien"' and 'Flat 5 High St"', stored.
        ('3,"O"Brien",03/04/1961,\n', 'O"Brien', True, "stray quote, the columns add up"),
        ('3,"Flat 5" High St",,\n', 'Flat 5" High St', True, "a quote for inches, quoted"),
        ('3,"A "B" C",,\n', 'A "B" C', True, "two stray quotes"),
        ('3,"O""Brien, Ann",03/04/1961,,\n', 'O"Brien, Ann', False, "a doubled quote, and padding"),
        ('3,"SMITH, Ann",03/04/1961,,\n', "SMITH, Ann", False, "a quoted comma, and padding"),
        (
            '3,Ann "Jack" Smith,03/04/1961,,\n',
            'Ann "Jack" Smith',
            False,
            "quotes inside an unquoted value",
        ),
        ('3,5" Main St,,\n', '5" Main St', False, "a quote for inches, unquoted"),
        # Which comma ends the value cannot be told: quarantined rather than guessed.
        ('3,"He said "no", then left",03/04/1961,\n', None, False, "a stray quote before a comma"),
        ('3,"O"Brien",03/04/1961,x,y\n', None, False, "a column too many either way"),
        # An empty cell at the end may be padding, or a value the quote pushed one column on.
        ('3,"O"Brien",03/04/1961,,\n', None, False, "stray quote, and padding"),
    ],
)
def test_a_quote_not_doubled(
    tmp_path: Path, line: str, expected: str | None, noted: bool, why: str
) -> None:
    *_, row = read_all(mapping(), write(tmp_path, "q.csv", HEADER + line))
    if expected is None:
        assert (row.kind, row.problems) == ("bad", (STRAY_QUOTE_REASON,)), why
        return
    assert (row.kind, row.values["name"]) == ("row", expected), why
    assert row.notes == ((UNDOUBLED_QUOTE_NOTE,) if noted else ()), why


@pytest.mark.parametrize("name", ["na\u00a0me", "\u200bname", "name\ufeff", "ｎａｍｅ"])
def test_invisible_and_look_alike_characters_in_a_column_name(tmp_path: Path, name: str) -> None:
    # The column matched no mapping, and the error showed it as "[hidden: looks like data]".
    m = mapping(person={"full_name": "na me" if "\u00a0" in name else "name"})
    [row] = read_all(m, write(tmp_path, "h.csv", f"id,{name},dob,nhs\n1,Ann Jones,,\n"))
    assert row.kind == "row" and "Ann Jones" in row.values.values()
