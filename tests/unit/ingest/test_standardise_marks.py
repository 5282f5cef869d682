"""What a row loses from a name is said on the record: a ``Baby`` or ``DECD`` taken out of a
name left the record changed with no warning, so no one could see why."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from joinedup.ingest.rows import SourceRow
from joinedup.ingest.standardise import standardise_row
from joinedup.standards.name_tokens import DECEASED_NOTE, NEWBORN_NOTE
from tests.unit.ingest.helpers import mapping

TODAY = date(2026, 11, 23)
FULL = mapping(person={"full_name": "name", "date_of_birth": "dob"})
PARTS = mapping(person={"given_name": "forename", "family_name": "surname", "date_of_birth": "dob"})


def run(values: dict[str, Any], m: Any) -> Any:
    row = SourceRow(line=2, raw="", values={"id": "R1", "dob": "03/04/2026", **values})
    return standardise_row(row, m, today=TODAY)


@pytest.mark.parametrize(
    ("m", "values", "stored", "warnings"),
    [
        (FULL, {"name": "BABY SMITH"}, (None, "Smith"), [f"full_name: {NEWBORN_NOTE}"]),
        (FULL, {"name": "SMITH, JOHN DECD"}, ("John", "Smith"), [f"full_name: {DECEASED_NOTE}"]),
        (
            PARTS,
            {"forename": "Baby of", "surname": "SMITH"},
            (None, "Smith"),
            [f"name: {NEWBORN_NOTE}"],
        ),
        (
            PARTS,
            {"forename": "JOHN", "surname": "SMITH DECD"},
            ("John", "Smith"),
            [f"name: {DECEASED_NOTE}"],
        ),
        # A placeholder forename is not a marker: nothing to say.
        (PARTS, {"forename": "UNKNOWN", "surname": "SMITH"}, (None, "Smith"), []),
        (FULL, {"name": "John Smith"}, ("John", "Smith"), []),
    ],
)
def test_a_mark_taken_out_of_a_name_is_warned_about(
    m: Any, values: dict[str, Any], stored: tuple[str | None, str], warnings: list[str]
) -> None:
    result = run(values, m)
    assert not result.problems
    assert (result.person.given_name, result.person.family_name) == stored
    assert list(result.warnings) == warnings


def test_a_baby_of_after_the_family_name_is_not_a_name() -> None:
    # "SMITH, BABY OF" (PAS) was stored as given name Baby, middle name Of.
    result = run({"name": "SMITH, BABY OF"}, FULL)
    assert (result.person.given_name, result.person.middle_names) == (None, None)
    assert result.warnings == (
        "full_name: name describes someone by another person's name (such as baby of)",
    )
