"""Dates known only to the month or the year, as systems write a date of birth they lack.

``April 1941``, ``04/1941``, ISO's ``1941-04`` (FHIR's partial ``date``), and zeros for what is
not known (``00/00/1941``, ``00/04/1941``, ``1941-00-00``): no day can be read from them, but
the year can, and linkage compares years of birth where one side has no more.
"""

from __future__ import annotations

import calendar
import re

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
