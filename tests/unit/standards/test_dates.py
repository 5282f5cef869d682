"""Dates: day first always, two-digit years, Excel serials, impossible dates with reasons."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.dates import (
    excel_serial_to_date,
    is_year_of_birth_form,
    parse_date,
    parse_date_of_birth,
    parse_year_of_birth,
)
from joinedup.standards.errors import StandardsError
from joinedup.standards.excel_dates import is_excel_serial

TODAY = date(2026, 11, 23)
APRIL_3 = date(1961, 4, 3)

PARSE = [
    ("03/04/1961", APRIL_3, "day first, never US order"),
    ("3/4/1961", APRIL_3, "no leading zeros"),
    ("3/4/61", APRIL_3, "two-digit year in the window"),
    ("03.04.1961", APRIL_3, "dots"),
    ("03-04-1961", APRIL_3, "hyphens"),
    ("03-APR-1961", APRIL_3, "Oracle style"),
    ("03-Apr-61", APRIL_3, "Oracle style, two-digit year"),
    ("3 April 1961", APRIL_3, "long month"),
    ("3rd April 1961", APRIL_3, "ordinal"),
    ("3rd of April 1961", APRIL_3, "ordinal, of"),
    ("19610403120000", APRIL_3, "HL7 v2 timestamp"),
    ("196104031200", APRIL_3, "HL7 v2 to the minute"),
    ("3 Sept 1961", date(1961, 9, 3), "Sept"),
    ("Monday 3 April 1961", APRIL_3, "weekday"),
    ("April 3, 1961", APRIL_3, "month name first is unambiguous"),
    ("1961-04-03", APRIL_3, "ISO 8601"),
    ("1961/04/03", APRIL_3, "year first with slashes"),
    ("19610403", APRIL_3, "compact ISO"),
    ("030461", APRIL_3, "DDMMYY"),
    ("1961-04-03T10:15:00Z", APRIL_3, "ISO datetime"),
    ("1961-04-03 10:15:00+01:00", APRIL_3, "ISO datetime with offset"),
    ("03/04/1961 00:00:00", APRIL_3, "export with a midnight time"),
    # Oracle's default TIMESTAMP display (DD-MON-RR HH.MI.SSXFF AM) writes the time with dots.
    ("03-APR-61 12.00.00.000000000 AM", APRIL_3, "Oracle TIMESTAMP as exported"),
    ("03-APR-1961 00.00.00", APRIL_3, "Oracle, a four-digit year and a dotted time"),
    ("1961-04-03 00:00:00.0000000", APRIL_3, "SQL Server datetime2"),
    ("22374", APRIL_3, "Excel serial as text"),
    ("22374.0", APRIL_3, "Excel serial as a float's text"),
    (22374, APRIL_3, "Excel serial as a number"),
    (22374.5, APRIL_3, "Excel serial with a time of day"),
    (19610403, APRIL_3, "compact ISO as an integer"),
    (datetime(1961, 4, 3, 12, 0), APRIL_3, "a datetime from a spreadsheet reader"),
    (APRIL_3, APRIL_3, "a date passes through"),
    ("29/02/2000", date(2000, 2, 29), "2000 was a leap year"),
    ("1/3/20", date(2020, 3, 1), "two-digit year this century"),
    ("1/3/45", date(2045, 3, 1), "two-digit year within 19 years ahead"),
    ("1/3/46", date(1946, 3, 1), "two-digit year beyond 19 years ahead goes back"),
    ("03 / 04 / 1961", APRIL_3, "spaces around the separators"),
    ("3 /4/ 61", APRIL_3, "a space on one side"),
    ("03 - 04 - 1961 00:00:00", APRIL_3, "spaced hyphens, with a time"),
    ("1961 - 04 - 03", APRIL_3, "year first, spaced"),
    ("03 04 1961", APRIL_3, "spaces alone separate (was rejected)"),
    ("3 4 61", APRIL_3, "spaces alone, two-digit year"),
    ("03\u00a004\u00a01961", APRIL_3, "non-breaking spaces"),
    ("22374,0", APRIL_3, "Excel serial with a decimal comma (was rejected)"),
    # XML Schema's xs:date may carry a zone (an XML export): the date is as written.
    ("1961-04-03Z", APRIL_3, "xs:date in UTC (was rejected)"),
    ("1961-04-03+01:00", APRIL_3, "xs:date with an offset (was rejected)"),
    ("1961-04-03T00:00:00.000+01:00", APRIL_3, "ISO datetime, milliseconds and an offset"),
    # pandas writes an integer column holding a gap as floats: 19610403 becomes 19610403.0.
    ("19610403.0", APRIL_3, "compact ISO as a float's text (was rejected)"),
    (19610403.0, APRIL_3, "compact ISO as a float (was 'too large to be an Excel date')"),
]

REJECT = [
    ("31/02/1980", "day 31 does not exist in February", "impossible day"),
    ("29/02/1981", "not a leap year", "29 February in a common year"),
    ("01/13/1980", "month 13 does not exist", "month 13"),
    ("04/13/1961", "day first", "US order is never read silently"),
    ("00/01/1980", "day 0", "day zero"),
    ("1961", "a year alone", "a year is not a date"),
    ("", "blank", "blank"),
    ("hello", "not a recognised date form (AAAAA)", "no date"),
    ("3 Foo 1961", "is not a month name", "an unknown month"),
    ("03 04", "not a recognised date form", "spaces alone, no year"),
    ("03 / 13 / 1961", "month 13", "spaced, still day first"),
    ("60", "not a recognised", "too short to be a serial"),
    ("1961040399", "not a recognised", "an HL7 timestamp's hour is 00 to 23"),
    (60, "did not exist", "Excel's phantom 29 February 1900"),
    (0, "start at 1", "Excel serials start at 1"),
    (True, "true/false", "a boolean"),
    (float("inf"), "too large", "infinity from a broken spreadsheet cell"),
    (float("nan"), "start at 1", "NaN from an empty pandas cell"),
    (3_000_000, "too large", "beyond 9999-12-31"),
    (1961, "a year alone", "a spreadsheet number 1961 is the year, not a day in 1905"),
    (1961.0, "a year alone", "the same as a float"),
    ("03/04/1961 (est)", "marked as estimated", "an estimated date is no known date"),
    ("19610403.5", "not a recognised", "a compact date has no fraction"),
]


@pytest.mark.parametrize(("text", "expected", "why"), PARSE)
def test_parse_date(text: str, expected: date, why: str) -> None:
    assert parse_date(text, today=TODAY) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), REJECT)
def test_parse_date_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        parse_date(text, today=TODAY)
    assert reason in raised.value.reason, why


def test_reasons_do_not_repeat_the_date() -> None:
    with pytest.raises(StandardsError) as raised:
        parse_date("31/02/1980")
    assert "1980" not in raised.value.reason


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("03-Apr-1961", "%d-%b-%Y", APRIL_3),
        ("04/03/1961", "%m/%d/%Y", APRIL_3),
        ("1961.04.03", "%Y.%m.%d", APRIL_3),
    ],
)
def test_parse_date_with_format(text: str, fmt: str, expected: date) -> None:
    assert parse_date(text, fmt) == expected


def test_parse_date_with_format_rejects_mismatch() -> None:
    with pytest.raises(StandardsError, match="does not match the format"):
        parse_date("1961-04-03", "%d/%m/%Y")


@pytest.mark.parametrize(
    ("serial", "expected", "why"),
    [
        (1, date(1900, 1, 1), "Excel's day 1"),
        (59, date(1900, 2, 28), "the day before the phantom leap day"),
        (61, date(1900, 3, 1), "after the phantom leap day"),
        (45000, date(2023, 3, 15), "a recent date"),
    ],
)
def test_excel_serial(serial: int, expected: date, why: str) -> None:
    assert excel_serial_to_date(serial) == expected, why


@pytest.mark.parametrize(
    ("serial", "expected", "why"),
    [
        (0, date(1904, 1, 1), "the 1904 system's day 0"),
        (20912, date(1961, 4, 3), "the 1900 system's 22374, 1,462 days less"),
        (59.5, date(1904, 2, 29), "no phantom leap day; a time of day ignored"),
    ],
)
def test_excel_serial_1904(serial: float, expected: date, why: str) -> None:
    assert excel_serial_to_date(serial, date1904=True) == expected, why


@pytest.mark.parametrize(
    ("value", "expected", "why"),
    [
        (22374, True, "a serial"),
        (22374.5, True, "a serial with a time of day"),
        (1961, False, "a year"),
        (1961.0, False, "a year as a float"),
        (19610403, False, "YYYYMMDD"),
        (True, False, "a boolean is not a number here"),
        ("22374", False, "text is read by parse_date"),
    ],
)
def test_is_excel_serial(value: object, expected: bool, why: str) -> None:
    assert is_excel_serial(value) is expected, why


@given(st.dates(min_value=date(1904, 1, 1), max_value=date(9999, 12, 31)))
def test_the_two_date_systems_differ_by_1462_days(value: date) -> None:
    serial_1904 = (value - date(1904, 1, 1)).days
    assert excel_serial_to_date(serial_1904, date1904=True) == value
    assert excel_serial_to_date(serial_1904 + 1462) == value


DOB = [
    ("3/4/61", APRIL_3, "1961, not 2061"),
    ("3/4/19", date(2019, 4, 3), "a child born this century"),
    ("3/12/26", date(1926, 12, 3), "this year's century would be next month: take 1926"),
    ("23/11/2026", TODAY, "born today"),
    ("03-Apr-61", APRIL_3, "Oracle style"),
]
DOB_REJECT = [
    ("24/11/2026", "in the future", "tomorrow"),
    ("01/01/1890", "over 125", "too old"),
    ("31/02/1980", "does not exist", "impossible dates are still rejected"),
    # What systems store for "no date" is no one's date of birth (see partial_dates.NO_DATE).
    ("01/01/1900", "no date", "SQL Server's date for an empty value"),
    ("1899-12-30", "no date", "Excel's and OLE Automation's day 0"),
    ("1753-01-01", "no date", "SQL Server's earliest datetime"),
    ("0001-01-01", "no date", ".NET's earliest date"),
    ("01/01/1800", "no date", "HES: a date not given"),
    # An age where the date goes is said to be one (was "not a recognised date form (99)").
    ("67 yrs", "an age, not a date of birth", "an age in years"),
    ("Age 67", "an age, not a date of birth", "age written first"),
    ("6 months", "an age, not a date of birth", "a baby's age"),
    ("67", "an age, or a year written with two digits", "a bare number: either"),
]


def test_a_no_date_placeholder_is_refused_whatever_the_day() -> None:
    # Before 2025 the age rule let 1900-01-01 through as the birthday of a 124-year-old.
    with pytest.raises(StandardsError, match="no date") as raised:
        parse_date_of_birth("1900-01-01", today=date(2024, 6, 1))
    assert raised.value.until is None


@pytest.mark.parametrize(("text", "expected", "why"), DOB)
def test_parse_date_of_birth(text: str, expected: date, why: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), DOB_REJECT)
def test_parse_date_of_birth_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        parse_date_of_birth(text, today=TODAY)
    assert reason in raised.value.reason, why


def test_parse_date_of_birth_with_two_digit_format() -> None:
    # strptime's %y would read 61 as 2061; a date of birth is never in the future.
    assert parse_date_of_birth("03/04/61", "%d/%m/%y", today=TODAY) == APRIL_3


YOB = [
    ("1941", 1941, "a bare year"),
    ("b.1941", 1941, "b."),
    ("b. 1941", 1941, "b. with a space"),
    ("born 1941", 1941, "born"),
    ("c. 1941", 1941, "circa"),
    ("c1941", 1941, "circa, no space"),
    ("YOB 1941", 1941, "YOB"),
    ("YOB: 1941", 1941, "YOB with a colon"),
    ("1941?", 1941, "a doubtful year is still the year"),
    ("1941.0", 1941, "a spreadsheet float"),
    (1941, 1941, "an integer"),
    (1941.0, 1941, "a float"),
    ("03/04/1941", 1941, "a full date gives its year"),
    # A date of birth known only to the month or year, as systems write one.
    ("April 1941", 1941, "month and year"),
    ("APR-1941", 1941, "abbreviated month, hyphen"),
    ("Sept 1941", 1941, "Sept"),
    ("04/1941", 1941, "month number and year"),
    ("1941-04", 1941, "ISO 8601 year and month (FHIR's partial date)"),
    ("00/00/1941", 1941, "day and month zero: not known"),
    ("00/04/1941", 1941, "day zero: not known"),
    ("00.00.1941", 1941, "dotted zeros"),
    ("1941-00-00", 1941, "ISO with zeros"),
    # Excel's mmm-yy display saved to CSV: the century as for a date of birth.
    ("Apr-41", 1941, "month and two-digit year (was rejected)"),
    ("APR-61", 1961, "in capitals"),
    ("Jan-19", 2019, "this century when not in the future"),
    ("Dec-26", 2026, "this year"),
    # An estimated date of birth (an age assessed, not a birth registered): the year only.
    ("03/04/1961 (est)", 1961, "estimated date (was not a recognised year)"),
    ("01/01/1961 (Estimated)", 1961, "estimated, in words"),
    ("01/01/1961 est.", 1961, "estimated, no brackets"),
    ("1961 (est)", 1961, "an estimated year"),
]
YOB_REJECT = [
    ("2027", "in the future", "next year"),
    ("1890", "over 125", "too old"),
    ("nineteen", "not a recognised year", "words"),
    ("", "blank", "blank"),
    (1941.5, "whole number", "half a year"),
    ("13/1941", "not a recognised year", "no month 13"),
    ("Smarch 1941", "not a recognised year", "not a month"),
    ("00/13/1941", "not a recognised year", "no month 13, even with day zero"),
    ("00/00/0000", "not a recognised year", "all zeros"),
]


@pytest.mark.parametrize(("text", "expected", "why"), YOB)
def test_parse_year_of_birth(text: str, expected: int, why: str) -> None:
    assert parse_year_of_birth(text, today=TODAY) == expected, why


@pytest.mark.parametrize(
    ("text", "expected", "why"),
    [
        ("1941", True, "a bare year"),
        ("b.1941", True, "born"),
        (" c. 1941 ", True, "circa, padded"),
        ("YOB: 1941", True, "YOB"),
        ("03/04/1941", False, "a full date is not a year alone"),
        ("nineteen", False, "words"),
        ("19411", False, "five digits"),
        (1941, True, "a spreadsheet number"),
        (1941.5, False, "not a whole number"),
        (22374, False, "an Excel serial"),
        ("April 1941", True, "a month and year"),
        ("00/00/1941", True, "zero day and month"),
        ("03/04/41", False, "a two-digit year is a full date"),
        ("Apr-61", True, "Excel's mmm-yy"),
        ("Apr-3", False, "one digit is not mmm-yy"),
        ("03/04/1941 (est)", True, "an estimated date gives only its year"),
        ("Smith (est)", False, "the marker alone makes no year"),
    ],
)
def test_is_year_of_birth_form(text: str, expected: bool, why: str) -> None:
    assert is_year_of_birth_form(text) is expected, why


@pytest.mark.parametrize(("text", "reason", "why"), YOB_REJECT)
def test_parse_year_of_birth_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        parse_year_of_birth(text, today=TODAY)
    assert reason in raised.value.reason, why


@given(st.dates(min_value=date(1000, 1, 1)), st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y"]))
def test_round_trip_through_common_forms(value: date, fmt: str) -> None:
    assert parse_date(value.strftime(fmt).lstrip("0") or "0") == value


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)))
def test_excel_serial_round_trip(value: date) -> None:
    serial = (value - date(1899, 12, 30)).days
    assert excel_serial_to_date(serial) == value


@given(st.text(max_size=30) | st.integers() | st.floats())
def test_parse_date_raises_only_standards_error(text: str | int | float) -> None:
    try:
        result = parse_date(text, today=TODAY)
    except StandardsError:
        return
    assert parse_date(result.isoformat()) == result


@given(st.text(max_size=20))
def test_year_of_birth_raises_only_standards_error(text: str) -> None:
    with contextlib.suppress(StandardsError):
        parse_year_of_birth(text, today=TODAY)
