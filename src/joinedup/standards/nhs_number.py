"""NHS numbers: ten digits whose last is a Modulus 11 check digit (NHS Data Dictionary).

The check: multiply the first nine digits by 10, 9, … 2, sum, take the remainder on division
by 11 and subtract it from 11. A result of 11 means a check digit of 0; a result of 10 means the
number can never be valid, so no NHS number is issued with it.

Numbers of one repeated digit (``0000000000``, ``1111111111`` …) are placeholders that some
pass the check by accident; they are rejected. Reasons show the number masked (``943****918``).
"""

from __future__ import annotations

import re

from joinedup.standards.errors import StandardsError
from joinedup.standards.uprn import is_scientific_notation

_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
# Each digit's code point is 48 more than its value: the weighted sum of nine ASCII digits
# exceeds the weighted sum of their values by 48 times the sum of the weights.
_ASCII_OFFSET = 48 * sum(_WEIGHTS)
# Spaces, hyphens and dots are how people group the 3-3-4 digits; anything else is not a number.
_SEPARATORS = re.compile(r"[\s\-.]")


def mask_nhs_number(digits: str) -> str:
    """Mask the middle of a number for messages: ``9434765919`` → ``943****919``."""
    if len(digits) <= 6:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 6)}{digits[-3:]}"


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no check digit can exist (10)."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


_LABEL = re.compile(r"^NHS\s*(?:no\.?|number|num)?\s*[:#.]?\s*", re.IGNORECASE)


def is_valid_nhs_number(text: str) -> bool:
    """True when :func:`normalise_nhs_number` would accept ``text``."""
    try:
        normalise_nhs_number(text)
    except StandardsError:
        return False
    return True


def normalise_nhs_number(text: str | int) -> str:
    """Return the ten digits of a valid NHS number, e.g. ``"943 476 5919"`` → ``"9434765919"``.

    Spaces, hyphens and dots between digits are removed, a leading label (``NHS No:``) and a
    trailing ``.0`` left by a spreadsheet are dropped; anything else, a length other than ten,
    a repeated single digit or a failed Modulus 11 check raises :class:`StandardsError` with
    the reason.
    """
    # Most extracts hold the ten digits as they are: check them without the clean-up below,
    # and leave every failure to it, so reasons are worded in one place.
    if type(text) is str and len(text) == 10 and _passes(text):
        return text
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise StandardsError("NHS number is not text")
    raw = str(text).strip()
    if raw[:1] in "Nn":
        raw = _LABEL.sub("", raw)  # "NHS No: 943 476 5919", as typed in a free-text field
    if raw.endswith(".0"):
        raw = raw[:-2]
    digits = _SEPARATORS.sub("", raw)
    if not digits:
        raise StandardsError("NHS number is blank")
    if not (digits.isascii() and digits.isdigit()):
        if is_scientific_notation(raw.replace(" ", "")):
            raise StandardsError(
                "NHS number is in scientific notation; a spreadsheet has lost its digits"
            )
        raise StandardsError("NHS number must contain only digits, spaces and hyphens")
    if len(digits) != 10:
        raise StandardsError(f"NHS number has {len(digits)} digits; it must have 10")
    masked = mask_nhs_number(digits)
    if len(set(digits)) == 1:
        raise StandardsError(f"NHS number {masked} is one repeated digit, a placeholder")
    check = nhs_check_digit(digits[:9])
    if check is None:
        raise StandardsError(
            f"NHS number {masked} can never be valid (its check digit would be 10)"
        )
    if check != int(digits[9]):
        raise StandardsError(f"NHS number {masked} fails the Modulus 11 check")
    return digits


def _passes(digits: str) -> bool:
    """Whether ten characters are ASCII digits making a valid NHS number (Modulus 11, not one
    repeated digit)."""
    if not (digits.isdigit() and digits.isascii()) or digits == digits[0] * 10:
        return False
    d = digits.encode("ascii")
    total = (
        10 * d[0] + 9 * d[1] + 8 * d[2] + 7 * d[3] + 6 * d[4] + 5 * d[5] + 4 * d[6] + 3 * d[7]
        + 2 * d[8] - _ASCII_OFFSET
    )  # fmt: skip
    check = 11 - total % 11
    return (0 if check == 11 else check) == d[9] - 48
