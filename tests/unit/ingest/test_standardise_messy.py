"""Cells seen in real extracts that were lost, misread or said unclearly: a date known only to
the month, an age where the date of birth goes, a partial date of death."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from joinedup.ingest.rows import SourceRow
from joinedup.ingest.standardise import PARTIAL_DATE, PARTIAL_DEATH, standardise_row
from tests.unit.ingest.helpers import mapping

TODAY = date(2026, 11, 23)
WIDE = mapping(
    person={"full_name": "name", "date_of_birth": "dob", "date_of_death": "dod", "postcode": "pc"}
)


def run(values: dict[str, Any], m: Any = WIDE) -> Any:
    row = SourceRow(line=2, raw="", values={"id": "R1", "name": "Ann Jones", **values})
    return standardise_row(row, m, today=TODAY)


@pytest.mark.parametrize(
    ("values", "field", "expected", "warning"),
    [
        # Excel's mmm-yy display saved to CSV: the year was lost with the date.
        ({"dob": "Apr-61"}, "year_of_birth", 1961, f"date_of_birth: {PARTIAL_DATE}"),
        ({"dob": "03 04 1961"}, "date_of_birth", "1961-04-03", None),
        ({"dob": "22374,0"}, "date_of_birth", "1961-04-03", None),
        ({"dob": "67 yrs"}, "year_of_birth", None, "date_of_birth: an age, not a date of birth"),
        # A partial date of death was "not a recognised date form (AAAAA 9999)".
        ({"dod": "April 2020"}, "date_of_death", None, f"date_of_death: {PARTIAL_DEATH}"),
        ({"dod": "00/04/2020"}, "date_of_death", None, f"date_of_death: {PARTIAL_DEATH}"),
        ({"dod": "Apr-20"}, "date_of_death", None, f"date_of_death: {PARTIAL_DEATH}"),
    ],
)
def test_fields(values: dict[str, Any], field: str, expected: Any, warning: str | None) -> None:
    result = run(values)
    assert not result.problems
    assert getattr(result.person, field) == expected
    said = [w[: len(warning)] for w in result.warnings] if warning else list(result.warnings)
    assert said == ([] if warning is None else [warning]), result.warnings


def test_a_month_and_two_digit_year_is_asked_again_next_year() -> None:
    assert run({"dob": "Apr-61"}).valid_until == date(2027, 1, 1)
