"""JSON Lines: dotted paths into nested objects, and bad lines quarantined with their numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.ingest.paths import compile_path, resolve
from joinedup.ingest.readers import open_reader
from tests.unit.ingest.helpers import mapping, read_all, write

DOC = {
    "person": {"name": {"family": "Smith"}},
    "addresses": [{"postcode": "LS6 2AB"}],
    "n": 0,
    "contacts": [
        {"phone": "07700 900123"},
        {"email": "a@example.org"},
        {"phone": ["0113 496 0000", "0113 496 0001"]},
    ],
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("person.name.family", "Smith"),
        ("addresses.0.postcode", "LS6 2AB"),
        ("addresses.1.postcode", None),
        ("addresses.x", None),
        ("person.name.family.more", None),
        ("missing", None),
        ("n", 0),
        # A key step over a list of objects takes it in each (JSONPath's contacts[*].phone).
        ("contacts.phone", ["07700 900123", "0113 496 0000", "0113 496 0001"]),
        ("contacts.email", ["a@example.org"]),
        ("contacts.fax", None),
        ("contacts.1.email", "a@example.org"),
    ],
)
def test_resolve(path: str, expected: object) -> None:
    assert resolve(DOC, compile_path(path)) == expected


def test_lines(tmp_path: Path) -> None:
    m = mapping(format="jsonl", record_id="case.id", person={"family_name": "person.name.family"})
    content = (
        b'{"case": {"id": 1}, "person": {"name": {"family": "Smith"}}}\n'
        b"\n"
        b'{"case": {"id": 2}, "person": \n'
        b"[1, 2]\n"
        b'{"case": {"id": 3}, "name": "Ren\xe9e"}\n'
        b"   \r\n"
        b'{"case": {"id": 4}}'
    )
    rows = read_all(m, write(tmp_path, "care.jsonl", content))
    assert [(r.line, r.kind) for r in rows] == [
        (1, "row"),
        (2, "blank"),
        (3, "bad"),
        (4, "bad"),
        (5, "bad"),
        (6, "blank"),
        (7, "row"),
    ]
    assert rows[0].values["person"]["name"]["family"] == "Smith"
    assert rows[2].problems[0].startswith("not valid JSON (")
    assert rows[3].problems == ("expected a JSON object, found a list",)
    assert rows[4].problems[0].startswith("not valid utf-8")


def test_bom_on_the_first_line(tmp_path: Path) -> None:
    m = mapping(format="jsonl", person={"family_name": "f"})
    [row] = read_all(m, write(tmp_path, "b.jsonl", '\ufeff{"id": "1", "f": "Zoë"}\n'))
    assert row.values == {"id": "1", "f": "Zoë"}


TRUNCATED = '{"id":7, "person": {"name": {"given":"Hal"}'
COMMA = f"not valid JSON (Expecting ',' delimiter at column {len(TRUNCATED) + 1})"
NAME = "not valid JSON (Expecting property name enclosed in double quotes at column 10)"
LONE = "invalid Unicode escape (\\ud800 is half of a surrogate pair and the other half is missing)"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": 1, "name": "K\\ud800"}', LONE),
        ('{"id": 1, "name": ["a", {"b": "\\udc00x"}]}', LONE.replace("ud800", "udc00")),
        ('{"id": 1, "K\\uD800": "key"}', LONE),
        ('{"id": 1, "name": "\\ud83d\\ude00"}', None),  # a pair: one character
        ('{"id": 1, "name": "\\\\ud800"}', None),  # an escaped backslash: text, not an escape
        ('{"id": 1, "n": NaN}', None),
        (TRUNCATED, f"not valid JSON (Expecting ',' delimiter at column {len(TRUNCATED) + 1})"),
        (
            TRUNCATED + "\r",
            f"not valid JSON (Expecting ',' delimiter at column {len(TRUNCATED) + 1})",
        ),
        (
            '{"id": 1,, "x": 2}',
            "not valid JSON (Expecting property name enclosed in double quotes at column 10)",
        ),
    ],
)
def test_what_a_line_parses_to(tmp_path: Path, line: str, problem: str | None) -> None:
    m = mapping(format="jsonl", person={"full_name": "name"})
    path = write(tmp_path, "x.jsonl", line + '\n{"id": 2, "name": "Bo"}\n')
    rows = read_all(m, path)
    assert [r.line for r in rows] == [1, 2]
    assert rows[0].problems == ((problem,) if problem else ())
    assert rows[0].raw == line.rstrip("\r")
    assert (rows[1].kind, rows[1].values) == ("row", {"id": 2, "name": "Bo"})


LINES = '{"id": 1, "f": "Zoë"}\r\n\r\n{"id": 2, "f": "Łukasz 😀"}\n[1]\n{"id": 3}'


@pytest.mark.parametrize(
    ("codec", "encoding"),
    [
        ("utf-16", "auto"),  # PowerShell's default: a BOM says it
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
        ("utf-32", "auto"),
        ("utf-8-sig", "auto"),
    ],
)
def test_utf16_and_utf32(tmp_path: Path, codec: str, encoding: str) -> None:
    m = mapping(format="jsonl", person={"family_name": "f"}, encoding=encoding)
    rows = read_all(m, write(tmp_path, "w.jsonl", LINES, encoding=codec))
    assert [(r.line, r.kind) for r in rows] == [
        (1, "row"),
        (2, "blank"),
        (3, "row"),
        (4, "bad"),
        (5, "row"),
    ]
    assert rows[0].raw == '{"id": 1, "f": "Zoë"}'
    assert rows[2].values == {"id": 2, "f": "Łukasz 😀"}


def test_undecodable_utf16_is_one_bad_line(tmp_path: Path) -> None:
    m = mapping(format="jsonl", person={"family_name": "f"}, encoding="utf-16-le")
    lone = "\n".join(['{"id": 1}', '{"id": 2, "f": "K', '"}', '{"id": 3}']).encode("utf-16-le")
    broken = lone.replace('"}'.encode("utf-16-le"), b"\x00\xd8" + '"}'.encode("utf-16-le"), 1)
    rows = read_all(m, write(tmp_path, "u.jsonl", broken + b"\x00"))  # and an odd last byte
    assert [(r.line, r.kind) for r in rows] == [(1, "row"), (2, "bad"), (3, "bad"), (4, "bad")]
    assert rows[2].problems == ("not valid utf-16-le text (bytes that do not decode)",)
    assert rows[2].raw == '\ufffd"}'
    assert rows[3].problems == ("not valid utf-16-le text (bytes that do not decode)",)


def test_utf16_lines_marked_unchanged(tmp_path: Path) -> None:
    m = mapping(format="jsonl", person={"family_name": "f"})
    path = write(tmp_path, "m.jsonl", '{"id": 1}\n{"id": 2}\n{"id": 3}\n', encoding="utf-16")
    reader = open_reader(m, path)
    reader.unchanged = bytearray([0b0000_0100])
    assert [r.kind for r in reader.rows()] == ["row", "unchanged", "row"]


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_a_json_array_written_one_object_a_line(tmp_path: Path, codec: str) -> None:
    # Exporters that write "JSON", not JSON Lines: every line was quarantined as not JSON.
    m = mapping(format="jsonl", person={"family_name": "f"})
    content = (
        '[\n{"id": 1, "f": "Smith"},\n  {"id": 2, "f": "Jones"} ,\r\n{"id": 3, "f": "Khan"}\n]\n'
    )
    rows = read_all(m, write(tmp_path, "a.json", content, encoding=codec))
    assert [(r.line, r.kind) for r in rows] == [
        (1, "blank"),
        (2, "row"),
        (3, "row"),
        (4, "row"),
        (5, "blank"),
    ]
    assert [r.values["f"] for r in rows if r.kind == "row"] == ["Smith", "Jones", "Khan"]
    assert rows[1].raw == '{"id": 1, "f": "Smith"},'


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('[{"id": 1, "f": "Smith"},', "row"),  # the bracket on the first object's line
        ('{"id": 9, "f": "Lee"}]', "row"),
        ('{"id": 1, "f": ', "bad"),  # broken JSON stays broken
        ("[1, 2],", "bad"),  # not an object
    ],
)
def test_a_json_array_line_with_its_bracket(tmp_path: Path, line: str, kind: str) -> None:
    m = mapping(format="jsonl", person={"family_name": "f"})
    [row] = read_all(m, write(tmp_path, "a.json", line + "\n"))
    assert row.kind == kind


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_a_json_array_on_one_line_says_what_it_is(tmp_path: Path, codec: str) -> None:
    # A "JSON export" written as one array on one line was quarantined as "expected a JSON
    # object, found a list", which did not say that the whole file was in that one line.
    m = mapping(format="jsonl", person={"family_name": "f"})
    content = '[{"id": 1, "f": "Smith"}, {"id": 2, "f": "Jones"}]\n'
    [row] = read_all(m, write(tmp_path, "a.json", content, encoding=codec))
    assert row.kind == "bad"
    assert row.problems == (
        "expected a JSON object, found a JSON array of 2 objects on one line: JSON Lines holds "
        "one object a line (write each on its own line, e.g. jq -c '.[]' FILE)",
    )
