"""The standardisers ingest calls, gathered in one place from :mod:`joinedup.standards`.

Ingest needs each standardiser as "text in, standard form out, ``StandardsError`` with a reason
otherwise". Where ``standards`` returns a richer object (an address in parts) the adaptation to
plain values lives here, so :mod:`joinedup.ingest.standardise` reads as a list of fields.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import joinedup.standards as standards
from joinedup.standards import StandardsError

ADDRESS_PARTS = ("flat", "house_number", "house_name", "street", "locality", "town", "postcode")

_SEX = {
    "m": "male", "male": "male", "1": "male", "man": "male",
    "f": "female", "female": "female", "2": "female", "woman": "female",
    "0": "unknown", "u": "unknown", "unknown": "unknown", "not known": "unknown",
    "9": "unknown", "not specified": "unknown", "ns": "unknown",
    "x": "other", "i": "other", "other": "other", "indeterminate": "other",
}  # fmt: skip
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _from_standards(name: str) -> Callable[..., Any] | None:
    found = getattr(standards, name, None)
    return found if callable(found) else None


def normalise_sex(text: str) -> str:
    """FHIR administrative gender from the codes and spellings systems use (M, Male, 1 …)."""
    own = _from_standards("normalise_sex")
    if own is not None:
        return str(own(text))
    found = _SEX.get(text.strip().lower())
    if found is None:
        raise StandardsError("not a recognised sex or gender code")
    return found


def normalise_phone(text: str) -> str:
    """A phone number in E.164 (GB the default country)."""
    own = _from_standards("normalise_phone")
    if own is not None:
        return str(own(text))
    import phonenumbers

    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise StandardsError("not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise StandardsError("not a valid phone number")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_email(text: str) -> str:
    """An email address with its domain lower-cased."""
    own = _from_standards("normalise_email")
    if own is not None:
        return str(own(text))
    text = text.strip()
    if not _EMAIL.match(text):
        raise StandardsError("not an email address")
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def normalise_uprn(text: str) -> str:
    """A UPRN: digits, up to 12, no leading zeros."""
    own = _from_standards("normalise_uprn")
    if own is not None:
        return str(own(text))
    digits = text.strip().removesuffix(".0")
    if not digits.isdigit() or len(digits) > 12 or int(digits) == 0:
        raise StandardsError("a UPRN is 1 to 12 digits")
    return str(int(digits))


def address_parts(lines: Sequence[str]) -> dict[str, str]:
    """Flat, house number or name, street, locality, town (and a postcode) from address lines."""
    own = _from_standards("parse_address")
    if own is not None:
        return _parts(own(list(lines)))
    return _simple_address(list(lines))


def one_line_address_parts(text: str) -> dict[str, str]:
    """The parts of an address written on one line, its postcode pulled out."""
    own = _from_standards("parse_one_line_address")
    if own is not None:
        return _parts(own(text))
    postcode, rest = standards.extract_postcode(text)
    parts = _simple_address([p for p in rest.split(",")])
    if postcode:
        parts["postcode"] = postcode
    return parts


def _parts(result: Any) -> dict[str, str]:
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.asdict(result)
    if not isinstance(result, Mapping):
        result = {name: getattr(result, name, None) for name in ADDRESS_PARTS}
    return {name: str(result[name]) for name in ADDRESS_PARTS if result.get(name)}


_NUMBERED = re.compile(r"^(?P<number>\d+[A-Za-z]?(?:-\d+[A-Za-z]?)?)\s+(?P<street>.+)$")
_FLAT = re.compile(r"^(?:flat|apartment|apt|unit)\s+\S+$", re.IGNORECASE)


def _simple_address(lines: list[str]) -> dict[str, str]:
    parts: dict[str, str] = {}
    rest = [line.strip() for line in lines if line and line.strip()]
    if rest and _FLAT.match(rest[0]):
        parts["flat"] = standards.display_case(rest.pop(0))
    for i, line in enumerate(rest):
        match = _NUMBERED.match(line)
        if match:
            parts["house_number"] = match["number"].upper()
            parts["street"] = standards.display_case(match["street"])
            if i > 0:
                parts["house_name"] = standards.display_case(" ".join(rest[:i]))
            rest = rest[i + 1 :]
            break
    else:
        if rest and not any(ch.isdigit() for ch in rest[0]):
            parts["house_name"] = standards.display_case(rest.pop(0))
        if rest:
            parts["street"] = standards.display_case(rest.pop(0))
    if len(rest) >= 2:
        parts["locality"] = standards.display_case(rest[0])
        parts["town"] = standards.display_case(rest[-1])
    elif rest:
        parts["town"] = standards.display_case(rest[0])
    return parts
