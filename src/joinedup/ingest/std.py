"""The standardisers ingest calls, gathered in one place from :mod:`joinedup.standards`.

Ingest needs each standardiser as "text in, standard form out, ``StandardsError`` with a reason
otherwise". Where ``standards`` returns a richer object (an address in parts) the adaptation to
plain values lives here, so :mod:`joinedup.ingest.standardise` reads as a list of fields.
Until ``standards`` offers ``parse_address`` / ``parse_one_line_address`` a deliberately simple
stand-in splits address lines here (house number + street, flat, house name, town).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import joinedup.standards as standards
from joinedup.standards import normalise_email, normalise_phone, normalise_sex, normalise_uprn

__all__ = [
    "address_parts",
    "normalise_email",
    "normalise_phone",
    "normalise_sex",
    "normalise_uprn",
    "one_line_address_parts",
]

ADDRESS_PARTS = ("flat", "house_number", "house_name", "street", "locality", "town", "postcode")


def _from_standards(name: str) -> Callable[..., Any] | None:
    found = getattr(standards, name, None)
    return found if callable(found) else None


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
