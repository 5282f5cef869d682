"""Dates systems write when they lack one: known only in part, or a stand-in for none.

``April 1941``, ``04/1941``, ISO's ``1941-04`` (FHIR's partial ``date``), Excel's ``mmm-yy``
display (``Apr-41``), and zeros for what is not known (``00/00/1941``, ``00/04/1941``,
``1941-00-00``): no day can be read from them, but the year can, and linkage compares years
of birth where one side has no more. An age written where a date of birth goes (``67``,
``67 yrs``) gives neither: it is said to be one.

A date a system stores for *no date* (:data:`NO_DATE`: SQL Server turns an empty value into
1900-01-01) is a real calendar day, and would otherwise be read as someone's birth or death.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from joinedup.standards.excel_dates import YEAR_NUMBERS

#: Dates that systems store for "no date", never a date of birth or death of anyone a
#: service holds (each is over 125 years ago), with where each comes from.
NO_DATE: dict[date, str] = {
    date(1900, 1, 1): "SQL Server's date for an empty value, and many systems' default",
    date(1899, 12, 30): "day 0 of Excel and of OLE Automation (Access, Visual Basic)",
    date(1753, 1, 1): "SQL Server's earliest datetime",
    date(1, 1, 1): "the earliest date of .NET and of SQL Server's datetime2",
    date(1800, 1, 1): "Hospital Episode Statistics' code for a date not given",
    date(1801, 1, 1): "Hospital Episode Statistics' code for an invalid date",
}


def no_date_reason(value: date) -> str | None:
    """Why ``value`` is not a date of birth or death (one of :data:`NO_DATE`), or None.

    The reason names the date: it is one of a fixed list, never personal data.

    >>> no_date_reason(date(1900, 1, 1))
    '1900-01-01 is what systems store for no date: treated as missing'
    """
    if value not in NO_DATE:
        return None
    return f"{value.isoformat()} is what systems store for no date: treated as missing"


#: Month names and abbreviations (upper case) → month number.
MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    MONTHS[calendar.month_name[_number].upper()] = _number
    MONTHS[calendar.month_abbr[_number].upper()] = _number
MONTHS["SEPT"] = 9

# The month in words or digits, or zeros for the day or month not known.
_PARTIAL_RES = (
    re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.?[\s\-/.,]*(?P<y>\d{4})$"),
    re.compile(r"^(?P<m>\d{1,2})[\s\-/.]+(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})$"),
    re.compile(r"^(?P<d>0{1,2})[\s\-/.]+(?P<m>\d{1,2})[\s\-/.]+(?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>00)$"),
)


# Excel's "mmm-yy" number format, as a CSV saved from the sheet writes it: "Apr-61".
_MONTH_SHORT_YEAR = re.compile(r"^(?P<mon>[A-Za-z]{3,9})\.?[\s\-/]+(?P<y>\d{2})$")


def month_and_short_year(text: str) -> int | None:
    """The two-digit year (0–99) of a month and year written ``Apr-61`` (Excel's ``mmm-yy``),
    or None; the century is the caller's to choose.

    >>> month_and_short_year("Apr-61"), month_and_short_year("12-61")
    (61, None)
    """
    match = _MONTH_SHORT_YEAR.match(" ".join(text.split()))
    if match is None or match["mon"].upper() not in MONTHS:
        return None
    return int(match["y"])


# An age where a date goes: "67", "67 yrs", "Age 67", "67 years old", "6 months", "67y".
_AGE = re.compile(
    r"^(?:aged?\s*:?\s*)?\d{1,3}\s*(?P<unit>y|yo|y/o|yrs?|years?(?:\s+old)?|m|mths?|months?"
    r"|w|wks?|weeks?)?\.?$",
    re.IGNORECASE,
)
AGE_REASON = (
    "an age, not a date of birth: an age does not give the year of birth, so nothing is kept"
)
NUMBER_REASON = (
    "a number of one to three digits is not a date of birth (an age, or a year written with "
    "two digits?): nothing is kept"
)


def age_reason(text: str) -> str | None:
    """Why ``text`` in a date-of-birth field is not one when it is written as an age (``67
    yrs``) or a bare short number (``67``: an age, or the year 1967?), or None."""
    match = _AGE.match(" ".join(text.split()))
    if match is None:
        return None
    return AGE_REASON if match["unit"] or not text.strip()[:1].isdigit() else NUMBER_REASON


def partial_date_year(text: str) -> int | None:
    """The year of a date written without its day, or without its day and month
    (``April 1941``, ``04/1941``, ``1941-04``, ``00/00/1941``), or None for any other text.

    A year alone is not one (see :func:`is_year_of_birth_form`); the month, where given,
    must exist (``00`` counts as not known only beside a day of ``00``).

    >>> partial_date_year("00/00/1941"), partial_date_year("13/1941")
    (1941, None)
    """
    raw = " ".join(text.split())
    for pattern in _PARTIAL_RES:
        match = pattern.match(raw)
        if match is None:
            continue
        found = match.groupdict()
        if found.get("mon") is not None and found["mon"].upper() not in MONTHS:
            return None
        lowest = 0 if found.get("d") is not None else 1
        if found.get("m") is not None and not lowest <= int(found["m"]) <= 12:
            return None
        year = int(found["y"])
        return year if year >= 1000 else None
    return None


# A year alone, as systems and people write one: "1941", "b.1941", "c. 1941", "YOB 1941".
YOB_RE = re.compile(
    r"^(?:(?:b|born|yob|year of birth|c|ca|circa|approx)(?![a-z])\.?\s*:?\s*)*"
    r"(?P<y>\d{4})(?:\.0)?\s*\??$",
    re.I,
)


# "03/04/1961 (est)": a date of birth estimated (an age assessed for someone who arrived
# without papers, a record made before the person could say), its day often a guess such as
# 1 January. Two people given the same guessed day would look born on one day, so only the year
# is read from it.
_ESTIMATED = re.compile(
    r"^(?P<date>.*\d)\s*(?:\(\s*(?:est|estd|estimated)\.?\s*\)|(?:est|estd|estimated)\.?)$",
    re.IGNORECASE,
)
ESTIMATED_REASON = (
    "marked as estimated: its day and month may be a guess, so it is not read as a known date"
)


def estimated_date(text: str) -> str | None:
    """What is written before an "estimated" mark (``03/04/1961 (est)``, ``1961 est.``),
    or None when ``text`` has no such mark.

    >>> estimated_date("03/04/1961 (est)"), estimated_date("03/04/1961")
    ('03/04/1961', None)
    """
    match = _ESTIMATED.match(" ".join(text.split()))
    return match["date"] if match is not None else None


def is_year_of_birth_form(text: str | int | float) -> bool:
    """True when ``text`` is written as a year alone (``1941``, ``b.1941``, ``c. 1941``,
    ``YOB 1941``, or the spreadsheet number 1941), as a date known only to the month or
    year (``April 1941``, ``00/00/1941``: :func:`partial_date_year`) or as a date marked
    estimated (``03/04/1941 (est)``: :func:`estimated_date`): what
    :func:`~joinedup.standards.dates.parse_year_of_birth` reads without falling back to a
    date."""
    if isinstance(text, bool):
        return False
    if isinstance(text, int | float):
        return YEAR_NUMBERS[0] <= text <= YEAR_NUMBERS[1] and float(text).is_integer()
    if not isinstance(text, str):
        return False
    raw = " ".join(text.split())
    return (
        YOB_RE.match(raw) is not None
        or partial_date_year(raw) is not None
        or month_and_short_year(raw) is not None
        or estimated_date(raw) is not None
    )
