"""How long a date standard's answer holds: the ``*_until`` functions.

Spec rows (input, today, expected answer and ``until``, why), then the property that matters
to ingest, which skips re-standardising a row until that day: asked on any day before
``until``, the answer (value or reason) is the same as on the day it was given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.standards.dates import (
    parse_date,
    parse_date_of_birth,
    parse_date_of_birth_until,
    parse_date_until,
    parse_year_of_birth,
    parse_year_of_birth_until,
)
from joinedup.standards.errors import StandardsError

TODAY = date(2026, 5, 1)
NEXT_YEAR = date(2027, 1, 1)

DATES_OF_BIRTH = [
    ("03/04/1961", date(1961, 4, 3), date(2087, 4, 3), "valid until the age would pass 125"),
    ("29/02/1960", date(1960, 2, 29), date(2086, 2, 28), "29 February: a day early is safe"),
    ("03/04/61", date(1961, 4, 3), NEXT_YEAR, "two digits: the century may change next year"),
    ("03/12/26", date(1926, 12, 3), date(2026, 12, 3), "this century's date is still ahead"),
    ("1900-06-01", date(1900, 6, 1), date(2026, 6, 1), "126 on 1 June"),
]
DOB_REJECTED = [
    ("2026-06-01", date(2026, 6, 1), "in the future until that day"),
    ("1890-01-01", None, "over 125 for ever"),
    ("31/02/1980", None, "not a date, whatever the day"),
    ("29/02/25", NEXT_YEAR, "two digits: 2025 has no 29 February, 1925 neither; next year may"),
    ("hello", None, "not a date"),
]


@pytest.mark.parametrize(("text", "born", "until", "why"), DATES_OF_BIRTH)
def test_date_of_birth_until(text: str, born: date, until: date | None, why: str) -> None:
    assert parse_date_of_birth_until(text, today=TODAY) == (born, until), why


@pytest.mark.parametrize(("text", "until", "why"), DOB_REJECTED)
def test_date_of_birth_rejected_until(text: str, until: date | None, why: str) -> None:
    with pytest.raises(StandardsError) as caught:
        parse_date_of_birth_until(text, today=TODAY)
    assert caught.value.until == until, why


@pytest.mark.parametrize(
    ("text", "expected", "until"),
    [
        ("03/04/1961", date(1961, 4, 3), None),
        ("03/04/61", date(1961, 4, 3), NEXT_YEAR),
        ("2030-01-01", date(2030, 1, 1), None),
        (22374, date(1961, 4, 3), None),
    ],
)
def test_date_until(text: Any, expected: date, until: date | None) -> None:
    assert parse_date_until(text, today=TODAY) == (expected, until)


@pytest.mark.parametrize(
    ("text", "year", "until"),
    [
        ("1941", 1941, date(2067, 1, 1)),
        ("b.1901", 1901, date(2027, 1, 1)),
        (1980.0, 1980, date(2106, 1, 1)),
        ("03/04/1961", 1961, date(2087, 1, 1)),
        ("Apr-61", 1961, NEXT_YEAR),  # a two-digit year: its century may change
    ],
)
def test_year_of_birth_until(text: Any, year: int, until: date) -> None:
    assert parse_year_of_birth_until(text, today=TODAY) == (year, until)


@pytest.mark.parametrize(
    ("text", "until"), [("2027", date(2027, 1, 1)), ("1850", None), ("soon", None)]
)
def test_year_of_birth_rejected_until(text: str, until: date | None) -> None:
    with pytest.raises(StandardsError) as caught:
        parse_year_of_birth_until(text, today=TODAY)
    assert caught.value.until == until


def _answer(func: Callable[..., Any], text: Any, today: date) -> Any:
    try:
        return ("value", func(text, today=today))
    except StandardsError as exc:
        return ("reason", exc.reason)


def _until(func: Callable[..., Any], text: Any, today: date) -> date | None:
    try:
        until: date | None = func(text, today=today)[1]
    except StandardsError as exc:
        until = exc.until
    return until


DAY = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
NUMBER = st.integers(0, 40)
DATE_TEXT = st.one_of(
    st.builds(
        lambda d, m, y, sep: f"{d:02d}{sep}{m:02d}{sep}{y}",
        st.integers(1, 31),
        st.integers(1, 13),
        st.one_of(st.integers(0, 99).map(lambda y: f"{y:02d}"), st.integers(1860, 2100)),
        st.sampled_from(["/", ".", "-"]),
    ),
    st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 12, 31)).map(date.isoformat),
    st.integers(1850, 2100).map(str),
    st.text(alphabet="0123456789/b.", max_size=10),
)
PAIRS = [
    (parse_date_of_birth, parse_date_of_birth_until),
    (parse_date, parse_date_until),
    (parse_year_of_birth, parse_year_of_birth_until),
]


@settings(max_examples=300, deadline=None)
@given(text=DATE_TEXT, today=DAY, offsets=st.lists(NUMBER, min_size=1, max_size=5))
def test_the_answer_holds_until_the_day_given(text: str, today: date, offsets: list[int]) -> None:
    for plain, with_until in PAIRS:
        answer = _answer(plain, text, today)
        first = _answer(lambda t, today, f=with_until: f(t, today=today)[0], text, today)
        assert first == answer
        until = _until(with_until, text, today)
        if until is None:
            days = [today + timedelta(days=365 * 10 * n + n) for n in offsets]
        else:
            assert until > today
            span = (until - today).days
            days = [until - timedelta(days=1), *(today + timedelta(days=n % span) for n in offsets)]
            # a day in each year up to the last one the answer holds, not just nearby ones
            days += [today + timedelta(days=span * n // 41) for n in offsets]
        for day in days:
            if day.year > 9000:
                continue
            assert _answer(plain, text, day) == answer, (plain.__name__, day, until)
