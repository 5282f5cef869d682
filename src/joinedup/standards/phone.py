"""Phone numbers to E.164 with ``phonenumbers`` (Google's libphonenumber metadata).

National numbers are read in the ``region`` given (GB by default), so ``0113 496 0000``,
``(0113) 4960000``, ``+44 113 496 0000`` and ``0044 113 496 0000`` all become
``+441134960000``. Extensions (``ext 123``, ``x12``) are dropped: a person is reached at the
number, and linkage compares numbers. A UK mobile whose leading zero a spreadsheet removed
(``7911123456``) is read as ``07911 123456``, which is what libphonenumber does for GB.

Numbers libphonenumber does not consider valid for their country are rejected, with one
exception: Ofcom's drama range for mobiles (``07700 900000``–``07700 900999``) is accepted,
because it is reserved for fiction and test data and never reaches a real person.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from joinedup.standards.errors import StandardsError

_DRAMA_MOBILE = re.compile(r"^7700900\d{3}$")


def normalise_phone(text: str | int, region: str = "GB") -> str:
    """Return ``text`` as an E.164 number (``+447911123456``), reading national forms in ``region``.

    Raises :class:`StandardsError` when the text is not a phone number or not a valid one for
    its country. Idempotent: an E.164 number comes back unchanged.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise StandardsError("phone number is not text")
    if not isinstance(region, str):
        raise StandardsError("phone region is not text")
    return _normalise_phone(str(text), region)


# libphonenumber takes a quarter of a millisecond a number; the same numbers recur.
@lru_cache(maxsize=65_536)
def _normalise_phone(text: str, region: str) -> str:
    raw = text.strip()
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    if not raw:
        raise StandardsError("phone number is blank")
    if len(raw) > 60:
        raise StandardsError("phone number is too long")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise StandardsError("not a phone number") from None
    national = str(number.national_number)
    drama = number.country_code == 44 and bool(_DRAMA_MOBILE.match(national))
    if not drama and not phonenumbers.is_valid_number(number):
        raise StandardsError("not a valid phone number for its country")
    number.extension = None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def is_mobile(e164: str) -> bool:
    """True when an E.164 number is a mobile (or could be either, as in the US)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    if number.country_code == 44 and _DRAMA_MOBILE.match(str(number.national_number)):
        return True
    kind = phonenumbers.number_type(number)
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
