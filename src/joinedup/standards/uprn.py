"""Unique Property Reference Numbers (UPRN): the identifier of a place in BS 7666 gazetteers.

A UPRN is a whole number of up to 12 digits (OS AddressBase, the National Land and Property
Gazetteer). Spreadsheets mangle them: leading zeros are added to pad a column, ``.0`` is
appended when a column is read as floats, and large numbers are shown in scientific notation
(``1.00023E+11``), which has lost digits and cannot be recovered, so it is rejected.
"""

from __future__ import annotations

import re

from joinedup.standards.errors import StandardsError

_FLOAT_TAIL = re.compile(r"\.0+$")
_SCIENTIFIC = re.compile(r"[0-9.]+[eE][+-]?[0-9]+")


def is_scientific_notation(text: str) -> bool:
    """Whether ``text`` (spaces removed) is a number as a spreadsheet shows a long one,
    ``9.43477E+09``: its digits are lost and must never be guessed back."""
    return _SCIENTIFIC.fullmatch(text) is not None


def normalise_uprn(text: str | int) -> str:
    """Return a UPRN as digits with no leading zeros: ``"000100023336956"`` → ``"100023336956"``.

    Spaces and a ``.0`` from a spreadsheet are removed; the value must then be 1 to 12
    digits and not zero, or :class:`StandardsError` is raised with the reason. Idempotent.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise StandardsError("UPRN is not text")
    raw = "".join(str(text).split())
    raw = _FLOAT_TAIL.sub("", raw)
    if not raw:
        raise StandardsError("UPRN is blank")
    if is_scientific_notation(raw):
        raise StandardsError("UPRN is in scientific notation; a spreadsheet has lost its digits")
    if not (raw.isascii() and raw.isdigit()):
        raise StandardsError("UPRN must contain only digits")
    digits = raw.lstrip("0")
    if not digits:
        raise StandardsError("UPRN cannot be zero")
    if len(digits) > 12:
        raise StandardsError(f"UPRN has {len(digits)} digits; it has at most 12")
    return digits
