"""Dates as UK systems write them, read day first, returned as ``datetime.date``.

Recognised without a format: ``03/04/1961``, ``3/4/61``, ``03.04.1961``, ``03 / 04 / 1961``
(a space either side of a separator), ``03-APR-1961``,
``3 April 1961``, ``3rd April 1961``, ``April 3, 1961``, ``1961-04-03``, ``1961/04/03``,
``19610403`` (``19610403.0`` too), ``030461``, ISO datetimes (``1961-04-03T00:00:00Z``) and
zoned ISO dates (``1961-04-03Z``), a date followed by a
midnight time (``03/04/1961 00:00:00``), Excel serial day numbers as numbers or text
(``22374``, ``"22374.0"``), and ``date``/``datetime`` objects from spreadsheet readers.

Choices (see ``docs/standards.md``):

- Numeric dates are **always day first**. ``04/13/1961`` is rejected ("month 13 does not
  exist"), never silently read as 13 April.
- Two-digit years: :func:`parse_date` puts the year in the window from 80 years before to 19
  years after ``today``; :func:`parse_date_of_birth` takes the latest century that is not in the
  future, so ``3/4/61`` is 1961 and ``3/4/19`` is 2019.
- Excel serials count days from 1899-12-30 as Excel does, including its phantom 29 February
  1900 (serial 60), which is rejected; serials below 60 are shifted by the one day Excel gets
  wrong. A bare string of four digits is a year, not a serial, and so is a whole number from
  1850 to 2100: use :func:`parse_year_of_birth`.
- Reasons describe the problem and the shape of the input (``99/99/9999``), never the date,
  because a date of birth is personal.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from functools import lru_cache

from joinedup.standards.errors import StandardsError, shape_of
from joinedup.standards.excel_dates import excel_serial_to_date, is_compact_date, is_excel_serial
from joinedup.standards.partial_dates import (
    ESTIMATED_REASON,
    age_reason,
    estimated_date,
    month_and_short_year,
    no_date_reason,
    partial_date_year,
)
from joinedup.standards.partial_dates import MONTHS as _MONTHS
from joinedup.standards.partial_dates import YOB_RE as _YOB_RE
from joinedup.standards.partial_dates import (  # here with the other year-of-birth readers
    is_year_of_birth_form as is_year_of_birth_form,
)

_MAX_AGE = 125


_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>\d{4}|\d{2})"
# A time after the date, ignored ("03/04/1961 00:00:00"): colons, or dots as Oracle's
# TIMESTAMP display writes it ("03-APR-61 12.00.00.000000000 AM").
_TIME = (
    r"(?:[ T]\d{1,2}(?P<sep>[:.])\d{2}(?:(?P=sep)\d{2}(?:\.\d+)?)?\s*(?:[AaPp][Mm])?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_SEP = r"(?: ?[/.\-] ?| )"
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+)?"
# XML Schema's xs:date may end with a zone ("1961-04-03Z", "1961-04-03+01:00"): XML exports.
_ZONE = r"(?:Z|[+-]\d{2}:\d{2})"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        rf"^(?P<y>\d{{4}}) ?[-/.] ?(?P<m>\d{{1,2}}) ?[-/.] ?(?P<d>\d{{1,2}})(?:{_ZONE}|{_TIME})$"
    ),
    # Spaces alone separate too ("03 04 1961"): mainframe extracts and typed free text.
    re.compile(rf"^(?P<d>\d{{1,2}}){_SEP}(?P<m>\d{{1,2}}){_SEP}{_YEAR}{_TIME}$"),
    re.compile(rf"^{_WEEKDAY}{_DAY}(?:\s+of)?[\s\-/.]*{_MONTH}[\s\-/.,]*{_YEAR}{_TIME}$", re.I),
    re.compile(rf"^{_WEEKDAY}{_MONTH}\s*{_DAY},?\s*(?P<y>\d{{4}}){_TIME}$", re.I),
    # HL7 v2 writes a date of birth as YYYYMMDD with the hour, minute and second if it has them.
    re.compile(
        r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?:[01]\d|2[0-3])(?:[0-5]\d(?:[0-5]\d)?)?)?$"
    ),
    re.compile(r"^(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{2})$"),
)
# A decimal comma too ("22374,0"): Excel in a European locale writes a serial's text so.
_SERIAL_RE = re.compile(r"^\d{5}(?:[.,]\d+)?$")
# pandas writes an integer column holding a gap as floats, so 19610403 arrives as "19610403.0".
_COMPACT_FLOAT_RE = re.compile(r"^(\d{8})\.0+$")


def _today(today: date | None) -> date:
    return today if today is not None else date.today()


def _windowed_year(two_digits: int, today: date) -> int:
    """Put a two-digit year in [today - 80 years, today + 19 years]."""
    year = today.year // 100 * 100 + two_digits
    if year > today.year + 19:
        year -= 100
    elif year < today.year - 80:
        year += 100
    return year


def _birth_year(two_digits: int, today: date) -> int:
    """The latest year ending in these two digits that is not after ``today``'s year."""
    year = today.year // 100 * 100 + two_digits
    return year - 100 if year > today.year else year


def _build(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise StandardsError(
            f"month {month} does not exist (dates are read day first: day/month/year)"
        )
    if year < 1 or year > 9999:
        raise StandardsError(f"year {year} is out of range")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        if month == 2 and day == 29:
            raise StandardsError("29 February does not exist in that year (not a leap year)")
        raise StandardsError(f"day {day} does not exist in {calendar.month_name[month]}")
    return date(year, month, day)


def parse_date(
    text: str | int | float | date,
    fmt: str | None = None,
    *,
    today: date | None = None,
    two_digit_year: str = "window",
) -> date:
    """Read a date the way UK systems write it, day first, and return a ``date``.

    With ``fmt`` (a ``strptime`` format, e.g. ``"%d-%b-%Y"``) only that format is tried.
    Without it, the forms in this module's docstring are recognised; numbers are Excel
    serials. Impossible dates (``31/02/1980``, month 13) raise :class:`StandardsError` with
    the reason. ``two_digit_year`` is ``"window"`` (default, 80 years back to 19 ahead of
    ``today``) or ``"birth"`` (never after ``today``'s year). Example:
    ``parse_date("03-APR-1961") == date(1961, 4, 3)``.
    """
    return _parse(text, fmt, _today(today), two_digit_year)[0]


# How long an answer holds. Only two things in this module depend on the day they are asked:
# which century a two-digit year falls in (it moves with today's year) and, for dates of
# birth, the checks against today (not in the future, an age of at most 125). Each ``*_until``
# function gives its answer with the first day on which that answer might differ — or
# ``None``, when it holds for ever — so that a caller keeping the answer (ingest, which skips
# re-standardising an unchanged row) knows when it must ask again. The day given may be
# earlier than the true one (asking again early is harmless), never later.


def _next_year(now: date) -> date | None:
    """1 January after ``now``: a two-digit year may fall in another century from then."""
    return date(now.year + 1, 1, 1) if now.year < 9999 else None


def _earliest(first: date | None, second: date | None) -> date | None:
    if first is None:
        return second
    if second is None:
        return first
    return min(first, second)


def _may_be_two_digit(text: str | int | float | date, fmt: str | None) -> bool:
    """Whether a date that failed to parse had its century chosen by today's year (its
    failure may then change with the year: 29/02/25 exists in 1925 but not in 2025)."""
    if fmt is not None or isinstance(text, bool) or not isinstance(text, str | int):
        return False  # strptime's own two-digit pivot does not move; numbers are serials
    raw = " ".join(str(text).split())
    for pattern in _PATTERNS:
        match = pattern.match(raw)
        if match:
            return len(match.group("y")) == 2
    return False


def parse_date_until(
    text: str | int | float | date,
    fmt: str | None = None,
    *,
    today: date | None = None,
    two_digit_year: str = "window",
) -> tuple[date, date | None]:
    """:func:`parse_date`, with the first day its answer might differ (``None``: never).

    Only a two-digit year makes the answer depend on the day: it holds until the next
    1 January. A :class:`StandardsError` raised carries the same in its ``until``.
    Example: ``parse_date_until("03/04/61", today=date(2026, 5, 1))`` is
    ``(date(1961, 4, 3), date(2027, 1, 1))``.
    """
    now = _today(today)
    try:
        parsed, two_digit = _parse(text, fmt, now, two_digit_year)
    except StandardsError as exc:
        exc.until = _next_year(now) if _may_be_two_digit(text, fmt) else None
        raise
    return parsed, _next_year(now) if two_digit else None


def _parse(
    text: str | int | float | date, fmt: str | None, now: date, two_digit_year: str
) -> tuple[date, bool]:
    """Parse, and say whether the year was written with two digits (a century was chosen)."""
    if fmt is not None and not isinstance(fmt, str):
        raise StandardsError("date format is not text")
    if isinstance(text, str):
        return _parse_text(text, fmt, now, two_digit_year)
    if isinstance(text, datetime):
        return text.date(), False
    if isinstance(text, date):
        return text, False
    if isinstance(text, bool):
        raise StandardsError("a true/false value is not a date")
    if isinstance(text, int | float):
        if float(text).is_integer() and is_compact_date(int(text)):
            return _parse(str(int(text)), fmt, now, two_digit_year)
        if not is_excel_serial(text):
            # A spreadsheet number 1961 in a date column is the year, not Excel's serial for
            # 14 May 1905, as the text "1961" is (parse_year_of_birth reads it).
            raise StandardsError("a year alone is not a date")
        return excel_serial_to_date(float(text)), False
    raise StandardsError("date is not text")


# Dates of birth repeat (a city has ~36,500 distinct ones for a century), so text is memoised.
@lru_cache(maxsize=65_536)
def _parse_text(text: str, fmt: str | None, now: date, two_digit_year: str) -> tuple[date, bool]:
    raw = " ".join(text.split())
    if not raw:
        raise StandardsError("date is blank")
    if fmt is not None:
        return _with_format(raw, fmt), "%y" in fmt
    if _SERIAL_RE.match(raw):
        return excel_serial_to_date(float(raw.replace(",", "."))), False
    if compact := _COMPACT_FLOAT_RE.match(raw):
        raw = compact[1]
    for pattern in _PATTERNS:
        match = pattern.match(raw)
        if match:
            return _from_match(match, now, two_digit_year), len(match.group("y")) == 2
    if re.fullmatch(r"\d{4}", raw):
        raise StandardsError("a year alone is not a date")
    if estimated_date(raw) is not None:
        raise StandardsError(ESTIMATED_REASON)
    raise StandardsError(f"not a recognised date form ({shape_of(raw)}); dates are read day first")


def _with_format(raw: str, fmt: str) -> date:
    try:
        return datetime.strptime(raw, fmt).date()
    except ValueError as error:
        message = str(error)
        if "out of range" in message or "must be in" in message:
            raise StandardsError(f"impossible date for format {fmt}") from None
        raise StandardsError(f"date ({shape_of(raw)}) does not match the format {fmt}") from None


def _from_match(match: re.Match[str], now: date, two_digit_year: str) -> date:
    parts = match.groupdict()
    day = int(parts["d"])
    if parts.get("mon"):
        name = parts["mon"].upper()
        if name not in _MONTHS:
            raise StandardsError(f"{shape_of(parts['mon'])} is not a month name")
        month = _MONTHS[name]
    else:
        month = int(parts["m"])
    year_text = parts["y"]
    year = int(year_text)
    if len(year_text) == 2:
        year = _birth_year(year, now) if two_digit_year == "birth" else _windowed_year(year, now)
    return _build(year, month, day)


def parse_date_of_birth(
    text: str | int | float | date, fmt: str | None = None, today: date | None = None
) -> date:
    """Parse a date of birth: :func:`parse_date`, then reject the future and ages over 125.

    Two-digit years take the latest century that is not in the future; if the full date
    would still be after ``today`` it is taken a century earlier (``3/12/26`` read in
    November 2026 is 1926). Raises :class:`StandardsError` with the reason.
    """
    return parse_date_of_birth_until(text, fmt, today)[0]


def parse_date_of_birth_until(
    text: str | int | float | date, fmt: str | None = None, today: date | None = None
) -> tuple[date, date | None]:
    """:func:`parse_date_of_birth`, with the first day its answer might differ (``None``: never).

    A date of birth in the future is rejected until that day; a valid one holds until the
    day it would give an age over 125; one already over 125 is rejected for ever; a
    two-digit year holds at most until the next 1 January (its century may change then).
    A :class:`StandardsError` raised carries the same in its ``until``. Example: read on
    1 May 2026, ``"2026-06-01"`` is rejected with ``until`` 1 June 2026.
    """
    now = _today(today)
    try:
        born, two_digit = _parse(text, fmt, now, "birth")
    except StandardsError as exc:
        if isinstance(text, str) and (an_age := age_reason(text)) is not None:
            raise StandardsError(an_age) from None
        exc.until = _next_year(now) if _may_be_two_digit(text, fmt) else None
        raise
    until = _next_year(now) if two_digit else None
    if (reason := no_date_reason(born)) is not None:
        raise StandardsError(reason)
    if born > now:
        if not two_digit:
            raise StandardsError("date of birth is in the future", until=born)
        # Taken a century earlier until the day this century's date is no longer ahead.
        until = _earliest(until, born)
        try:
            born = born.replace(year=born.year - 100)
        except ValueError:  # 29 February in a year that is not a leap year
            raise StandardsError("date of birth is in the future", until=until) from None
    age = now.year - born.year - ((now.month, now.day) < (born.month, born.day))
    if age > _MAX_AGE:
        # Ages only grow: rejected for as long as the century stays the same.
        raise StandardsError(f"date of birth gives an age over {_MAX_AGE}", until=until)
    return born, _earliest(until, _birthday(born, _MAX_AGE + 1))


def _birthday(born: date, age: int) -> date | None:
    """The first day on which someone born on ``born`` is ``age`` (28 February stands in for
    29 February: a day early, which is safe)."""
    year = born.year + age
    if year > 9999:
        return None
    return date(year, born.month, 28 if (born.month, born.day) == (2, 29) else born.day)


def parse_year_of_birth(text: str | int | float, today: date | None = None) -> int:
    """A year of birth from ``1941``, ``b.1941``, ``born 1941``, ``c. 1941``, ``YOB 1941``.

    A date known only to the month or year (``April 1941``, ``00/00/1941``) gives its year;
    a full date is accepted too and gives its year. The year must not be in the future or
    more than 125 years ago; otherwise :class:`StandardsError` is raised with the reason.
    """
    return parse_year_of_birth_until(text, today)[0]


def parse_year_of_birth_until(
    text: str | int | float, today: date | None = None
) -> tuple[int, date | None]:
    """:func:`parse_year_of_birth`, with the first day its answer might differ (``None``: never).

    A year in the future is rejected until its 1 January; a valid year holds until the
    1 January from which it would be more than 125 years ago; a full date holds as
    :func:`parse_date_of_birth_until` says. A :class:`StandardsError` raised carries the same
    in its ``until``.
    """
    now = _today(today)
    until: date | None = None
    if isinstance(text, bool):
        raise StandardsError("a true/false value is not a year")
    if isinstance(text, float):
        if text != text or not text.is_integer():
            raise StandardsError("year of birth is not a whole number")
        text = int(text)
    if isinstance(text, int):
        year = text
    elif isinstance(text, str):
        raw = " ".join(text.split())
        if not raw:
            raise StandardsError("year of birth is blank")
        if (guessed := estimated_date(raw)) is not None:
            return parse_year_of_birth_until(guessed, now)
        match = _YOB_RE.match(raw)
        partial = None if match else partial_date_year(raw)
        short = None if match or partial is not None else month_and_short_year(raw)
        if match:
            year = int(match.group("y"))
        elif partial is not None:
            year = partial
        elif short is not None:
            # "Apr-61": the latest such year not after this one, as for "03/04/61".
            year, until = _birth_year(short, now), _next_year(now)
        else:
            try:
                born, until = parse_date_of_birth_until(raw, today=now)
            except StandardsError as exc:
                raise StandardsError(
                    f"not a recognised year of birth ({shape_of(raw)})", until=exc.until
                ) from None
            year = born.year
    else:
        raise StandardsError("year of birth is not text")
    if year > now.year:
        first = date(year, 1, 1) if 1 <= year <= 9999 else None
        raise StandardsError("year of birth is in the future", until=_earliest(until, first))
    if year < now.year - _MAX_AGE:
        raise StandardsError(f"year of birth gives an age over {_MAX_AGE}", until=until)
    too_old = date(year + _MAX_AGE + 1, 1, 1) if year + _MAX_AGE + 1 <= 9999 else None
    return year, _earliest(until, too_old)


def to_iso(value: date) -> str:
    """The ISO 8601 form the common person schema stores: ``YYYY-MM-DD``."""
    return value.isoformat()
