"""Excel's serial day numbers: the 1900 date system (with its phantom 29 February 1900) and
the 1904 one that workbooks made on a Mac before 2011 keep; and which numbers in a date field
are serials at all (not a year such as 1961, not ``19610403``).

Kept apart from :mod:`joinedup.standards.dates`, which reads dates written as text.
"""

from __future__ import annotations

from datetime import date, timedelta

from joinedup.standards.errors import StandardsError

_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_MAX = (date(9999, 12, 31) - _EXCEL_EPOCH).days
# Excel for the Mac counted from 1 January 1904 until 2011, and a workbook keeps the system it
# was made in: serial 0 is 1904-01-01 there, and there is no phantom leap day to correct.
_EXCEL_1904_EPOCH = date(1904, 1, 1)
_EXCEL_1904_MAX = (date(9999, 12, 31) - _EXCEL_1904_EPOCH).days
# Whole numbers read as a year rather than an Excel serial (which would be a day in 1905–1910).
YEAR_NUMBERS = (1850, 2100)


def excel_serial_to_date(serial: float, *, date1904: bool = False) -> date:
    """Convert an Excel serial day number to a date, in the 1900 date system or (``date1904``)
    the 1904 one that workbooks made on a Mac before 2011 keep.

    Excel believes 1900 was a leap year, so serial 60 is a 29 February that never happened
    (rejected) and serials 1–59 are one day later than their true date would be counted from
    Excel's effective epoch of 1899-12-30. In the 1904 system serial 0 is 1904-01-01 and the
    same number is 1,462 days later. The fractional part (a time of day) is ignored.
    """
    if date1904:
        if serial != serial or serial < 0:
            raise StandardsError("Excel 1904 serial day numbers start at 0 (1904-01-01)")
        if serial > _EXCEL_1904_MAX:
            raise StandardsError("number is too large to be an Excel date")
        return _EXCEL_1904_EPOCH + timedelta(days=int(serial))
    if serial != serial or serial < 1:  # NaN or before Excel's first day
        raise StandardsError("Excel serial day numbers start at 1 (1900-01-01)")
    if serial > _EXCEL_MAX:
        raise StandardsError("number is too large to be an Excel date")
    whole = int(serial)
    if whole > _EXCEL_MAX:
        raise StandardsError("number is too large to be an Excel date")
    if whole == 60:
        raise StandardsError("Excel serial 60 is 29 February 1900, a day that did not exist")
    if whole < 60:
        whole += 1
    return _EXCEL_EPOCH + timedelta(days=whole)


def is_compact_date(number: int) -> bool:
    """Whether an integer is a date written ``YYYYMMDD`` (``19610403``), not a serial."""
    return 10_000_000 <= number <= 99_991_231


def is_excel_serial(value: object) -> bool:
    """Whether a number in a date field is read as an Excel serial day number: any number
    but a whole one from 1850 to 2100 (a year) or a whole number written as ``YYYYMMDD``.
    A reader of a workbook in the 1904 date system converts exactly these itself."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if float(value).is_integer() and is_compact_date(int(value)):
        return False
    return not (YEAR_NUMBERS[0] <= value <= YEAR_NUMBERS[1] and float(value).is_integer())
