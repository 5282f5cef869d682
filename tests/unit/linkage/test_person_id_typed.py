"""``normalise_person_id``: a person id as someone typed it, in the form ids are stored in.

A table of what was typed, what it is taken as, and why.
"""

from __future__ import annotations

import pytest

from joinedup.linkage.ids import new_person_id, normalise_person_id

CASES = [
    ("P7K2M9QX4TB1A", "P7K2M9QX4TB1A", "an id as issued is itself"),
    ("p7k2m9qx4tb1a", "P7K2M9QX4TB1A", "lower case, typed from a letter"),
    ("p7K2m9Qx4tB1a", "P7K2M9QX4TB1A", "mixed case"),
    ("  P7K2M9QX4TB1A \n", "P7K2M9QX4TB1A", "spaces and a newline around, pasted"),
    ("\tp7k2m9qx4tb1a ", "P7K2M9QX4TB1A", "a tab, and lower case"),
    ("P7K2 M9QX 4TB1A", "P7K2M9QX4TB1A", "grouped in fours, read off a screen"),
    ("PANNE00000001", "PANNE00000001", "a readable fixture id is an id too"),
    ("pold000000003", "POLD000000003", "letters ids are never issued with are not changed"),
    ("", "", "nothing typed is nothing"),
    ("  ", "", "spaces only are nothing"),
    ("  p-1 ", "p-1", "not an id's shape: only stripped, so the error names what was typed"),
    ("pnosuchpersonx", "pnosuchpersonx", "too long: not an id, left as typed"),
    ("p7k2m9qx4tb1", "p7k2m9qx4tb1", "too short: not an id, left as typed"),
    ("q7k2m9qx4tb1a", "q7k2m9qx4tb1a", "not starting with P: left as typed"),
    ("p7k2m9qx4tb1é", "p7k2m9qx4tb1é", "a letter outside ASCII: left as typed"),
    ("p7k2m9qx-4tb1a", "p7k2m9qx-4tb1a", "a hyphen is not a space: left as typed"),
]


@pytest.mark.parametrize(("typed", "expected"), [c[:2] for c in CASES], ids=[c[2] for c in CASES])
def test_normalise_person_id(typed: str, expected: str) -> None:
    assert normalise_person_id(typed) == expected


def test_none_is_nothing() -> None:
    assert normalise_person_id(None) == ""


def test_every_issued_id_comes_back_from_any_case_and_spacing() -> None:
    for _ in range(200):
        issued = new_person_id()
        assert normalise_person_id(issued) == issued
        assert normalise_person_id(f" {issued.lower()} ") == issued
