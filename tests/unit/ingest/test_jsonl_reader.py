"""JSON Lines: dotted paths into nested objects, and bad lines quarantined with their numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.ingest.paths import compile_path, resolve
from tests.unit.ingest.helpers import mapping, read_all, write

DOC = {"person": {"name": {"family": "Smith"}}, "addresses": [{"postcode": "LS6 2AB"}], "n": 0}


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
