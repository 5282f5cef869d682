"""Address lines into parts: flat, house number or name, street, locality, town, postcode.

UK addresses follow BS 7666 in the gazetteers (a secondary addressable object — the flat — a
primary one — the house number or name — a street, a locality, a town) and the Royal Mail
Postcode Address File in practice, but source systems hold them as three to five free lines.
This module recovers the parts by the shape of each line, without a gazetteer:

- A flat comes first: ``Flat 3``, ``Apartment 2``, ``Unit 5``, ``Ground Floor Flat``,
  ``Basement``, or the Scottish tenement position ``3/1``; the rest of that line
  (``Flat 3 Rose Court``) is a building name. A line that is only a flat is found anywhere.
- The first line that starts with a number (``12``, ``12A``, ``12-14``) gives the house number
  and the street; lines before it are the house name. Without a number, a first line that does
  not end in a street word (Road, Lane, Close …) is a house name.
- After the street, the last line is the town and those between are the locality, unless the
  town is given separately. Country lines (``UK``, ``England``) are dropped; a historic county
  after the town (``West Yorkshire``) is dropped, as Royal Mail has not used counties since 1996.
- The postcode is pulled out of any line and normalised (an invalid ``postcode=`` argument
  gives None here; call :func:`normalise_postcode` on it for the reason).
- A line (or a comma-separated part of one) that only says the person has no fixed abode
  (``NFA``, ``N.F.A.``, ``No Fixed Abode``, ``No fixed address``) is not an address part: it
  is left out and ``Address.no_fixed_abode`` says it was there (ingest keeps a warning).

Lines written all in capitals or all in lower case are shown in display case (``HAREHILLS
LANE`` → ``Harehills Lane``); lines in mixed case are kept as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from joinedup.standards.address_words import (
    ACRONYMS,
    COUNTIES,
    COUNTRIES,
    SMALL_WORDS,
    STREET_FIRST_WORDS,
    STREET_WORDS,
    without_care_of,
)
from joinedup.standards.errors import StandardsError
from joinedup.standards.name_case import capitalise_word, is_one_case
from joinedup.standards.postcode import extract_postcode, normalise_postcode


@dataclass(frozen=True, slots=True)
class Address:
    """An address in parts, each display-cased, or None when absent."""

    flat: str | None = None
    house_number: str | None = None
    house_name: str | None = None
    street: str | None = None
    locality: str | None = None
    town: str | None = None
    postcode: str | None = None
    #: A part said "no fixed abode" (``NFA``) and was left out.
    no_fixed_abode: bool = False


# What sources write for "no fixed abode", matched on its words in capitals, punctuation gone.
_NO_FIXED_ABODE = re.compile(
    r"^(?:OF )?(?:NO FIXED (?:ABODE|ADDRESS|RESIDENCE)(?: N ?F ?A)?|N ?F ?A)$"
)
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def is_no_fixed_abode(text: str) -> bool:
    """True when ``text`` only says "no fixed abode": ``NFA``, ``N.F.A.``, ``No Fixed Abode``,
    ``no fixed address``, ``No Fixed Abode (NFA)``. Never raises."""
    if not isinstance(text, str) or len(text) > 40:
        return False
    words = " ".join(_NOT_LETTERS.sub(" ", text.upper()).split())
    return _NO_FIXED_ABODE.match(words) is not None


_FLOOR = r"(?:ground|first|second|third|fourth|top|basement|lower|upper|1st|2nd|3rd)"
_FLAT_RE = re.compile(
    rf"^(?P<flat>(?:{_FLOOR}\s+floor\s+)?"
    r"(?:flat|apartment|apt|unit|room|suite|maisonette|studio)\.?\s*(?:no\.?\s*)?"
    r"(?P<id>[0-9]+[A-Z]?|[A-Z]|[0-9]+/[0-9]+)"
    rf"|{_FLOOR}(?:\s+floor)?\s+(?:flat|maisonette)"
    rf"|(?:{_FLOOR}\s+floor|basement)(?=\s*$)"
    r"|[0-9]{1,2}/[0-9]{1,2}(?=\s+[0-9]|$))"
    r"(?:[\s,]+(?P<rest>.*))?$",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(
    r"^(?:no\.?\s*)?(?P<number>[0-9]+[A-Z]?(?:\s*[-–/]\s*[0-9]+[A-Z]?"
    r"|(?<=[A-Z])(?:\s*(?:[&/]|\band\b)\s*[A-Z](?![\w'’]))+)?)(?:\s*,)?"
    r"(?:\s+(?P<street>.*[^\W\d_].*))?$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
# "12 A High Street": a letter standing alone after a house or flat number is the number's
# suffix (12A), as are letters listed after it ("12 A & B", "12A/B": one home over two).
_SUFFIX_RE = re.compile(
    r"^(?P<letters>[A-Z](?:\s*(?:&|/|\band\b)\s*[A-Z])*)(?![\w'’.])\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# A lone letter is not a suffix before these: Irish "O" with its apostrophe dropped
# ("O Connell Street") and the Welsh article "Y" ("Y Wern").
_NOT_SUFFIXES = frozenset("OoYy")
# Nor when all that follows is one word naming a building or a street: "B Block", "C Wing",
# "A Road" — a letter that is the name, not the number's.
_BUILDING_WORDS = frozenset("block blk wing tower building house hall".split())  # noqa: SIM905
_DOTTED = re.compile(r"^(?:[^\W\d_]\.)+$")
_ORDINAL = re.compile(r"^(\d+)(st|nd|rd|th)$", re.IGNORECASE)


# Streets, localities and towns recur across the households of a file.
@lru_cache(maxsize=65_536)
def address_case(text: str) -> str:
    """Display case for an address line written all in one case: ``NEWCASTLE UPON TYNE`` →
    ``Newcastle upon Tyne``, ``ST JOHN'S ROAD`` → ``St John's Road``. Mixed case is kept.
    """
    words = text.split()
    out = []
    for index, word in enumerate(words):
        if not is_one_case(word):
            out.append(word)
        elif word.upper() in ACRONYMS or _DOTTED.match(word):
            out.append(word.upper())
        elif index > 0 and word.lower() in SMALL_WORDS:
            out.append(word.lower())
        else:
            pieces = word.split("-")
            out.append(
                "-".join(
                    p.lower() if i > 0 and p.lower() in SMALL_WORDS else capitalise_word(p)
                    for i, p in enumerate(pieces)
                )
            )
    return " ".join(out)


def _flat_form(match: re.Match[str]) -> str:
    """``FLAT 3a`` → ``Flat 3A``, ``ground floor flat`` → ``Ground Floor Flat``."""
    return _flat_text(match.group("flat"))


# A few hundred flat names ("Flat 3", "Ground Floor Flat") cover every block in a town.
@lru_cache(maxsize=4_096)
def _flat_text(flat: str) -> str:
    words = flat.split()
    return " ".join(_flat_word(w) for w in words)


def _flat_word(word: str) -> str:
    """``3a`` → ``3A``, but ``1ST`` → ``1st`` (a floor)."""
    if ordinal := _ORDINAL.match(word):
        return ordinal.group(1) + ordinal.group(2).lower()
    return word.upper() if any(c.isdigit() for c in word) else address_case(word)


def _is_street(text: str) -> bool:
    words = text.replace(".", "").split()
    return len(words) > 1 and (
        words[-1].lower() in STREET_WORDS or words[0].lower() in STREET_FIRST_WORDS
    )


def _suffix(rest: str) -> tuple[str, str] | None:
    """The letters that begin ``rest`` and belong to the number before it, as a suffix
    (``A``, ``A&B``, ``A/B``), and what follows them; None when ``rest`` does not begin
    with one (see ``_SUFFIX_RE`` and the exceptions beside it)."""
    match = _SUFFIX_RE.match(rest)
    if not match:
        return None
    letters, after = match.group("letters"), match.group("rest")
    if (letters in _NOT_SUFFIXES and after) or after[:1] in ("&", "/"):
        return None  # "12 A & Bramley Road" says too little to take apart
    words = after.replace(".", "").split()
    if len(letters) == 1 and len(words) == 1:
        word = words[0].lower()
        if word in STREET_WORDS or word in _BUILDING_WORDS:
            return None
    return _number_form(letters), after


_AND = re.compile(r"\s*\band\b\s*", re.IGNORECASE)


def _number_form(text: str) -> str:
    """``12 - 14`` → ``12-14``, ``12a and b`` → ``12A&B``."""
    return _SPACES.sub("", _AND.sub("&", text)).upper().replace("–", "-")


def _segments(lines: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line is None:
            continue
        if not isinstance(line, str):
            raise StandardsError("address line is not text")
        for piece in line.split(","):
            part: str | None = " ".join(piece.split()).strip(" .;")
            if part and part[0] in "cC":  # only "c/o" and "care of" are looked at further
                part = without_care_of(part)
            if part:
                out.append(part)
    return out


def parse_address(
    lines: Sequence[str | None], town: str | None = None, postcode: str | None = None
) -> Address:
    """Split address lines into an :class:`Address`, as this module's docstring describes.

    ``parse_address(["Flat 3 Rose Court", "12A Harehills Lane", "Harehills"], town="Leeds",
    postcode="ls6 2ab")`` gives flat ``Flat 3``, house name ``Rose Court``, house number
    ``12A``, street ``Harehills Lane``, locality ``Harehills``, town ``Leeds``, postcode
    ``LS6 2AB``. Lines may be None or blank and may hold several parts separated by commas.
    Raises :class:`StandardsError` only when a line is not text.
    """
    if isinstance(lines, str):
        lines = [lines]
    if not all(line is None or isinstance(line, str) for line in lines):
        raise StandardsError("address line is not text")
    if not all(part is None or isinstance(part, str) for part in (town, postcode)):
        raise StandardsError("town or postcode is not text")
    return _parse_address(tuple(lines), town, postcode)


# Every resident of a block shares its address lines, so parsed addresses are memoised.
@lru_cache(maxsize=65_536)
def _parse_address(
    lines: tuple[str | None, ...], town: str | None, postcode: str | None
) -> Address:
    segments = _segments(lines)
    found: str | None = None
    kept: list[str] = []
    for segment in segments:
        code, rest = extract_postcode(segment)
        found = found or code
        if rest and rest.upper() not in COUNTRIES:
            kept.append(rest)
    chosen = _valid_postcode(postcode) if postcode and postcode.strip() else found
    kept, homeless = _without_no_fixed_abode(kept)
    if town is not None and is_no_fixed_abode(town):
        town, homeless = None, True  # "NFA" in the town column is no town
    if homeless:
        return _no_fixed_abode(kept, town, chosen)
    return _assemble(kept, town, chosen)


def _without_no_fixed_abode(segments: list[str]) -> tuple[list[str], bool]:
    """``segments`` without those saying "no fixed abode", and whether there were any."""
    kept = [s for s in segments if not is_no_fixed_abode(s)]
    return kept, len(kept) < len(segments)


def _no_fixed_abode(segments: list[str], town: str | None, postcode: str | None) -> Address:
    """The address of someone recorded as of no fixed abode: what is left beside it is
    usually where they are (``NFA, Leeds``), so without a flat, number or street in it, it is
    the locality and town, never a house name."""
    if any(_FLAT_RE.match(s) or _NUMBER_RE.match(s) or _is_street(s) for s in segments):
        return replace(_assemble(segments, town, postcode), no_fixed_abode=True)
    if town and town.strip():
        segments = [s for s in segments if s.upper() != " ".join(town.split()).upper()]
    elif len(segments) > 1 and segments[-1].upper().replace(".", "") in COUNTIES:
        segments.pop()
    return replace(
        _assemble([], town or (segments.pop() if segments else None), postcode),
        locality=address_case(", ".join(segments)) if segments else None,
        no_fixed_abode=True,
    )


def _valid_postcode(text: str) -> str | None:
    try:
        return normalise_postcode(text)
    except StandardsError:
        return None


def _assemble(segments: list[str], town: str | None, postcode: str | None) -> Address:
    flat: str | None = None
    names: list[str] = []
    number: str | None = None
    street: str | None = None
    rest = list(segments)

    if rest and (match := _FLAT_RE.match(rest[0])):
        flat = _flat_form(match)
        after = match.group("rest")
        if after and (match.group("id") or "").isdigit() and (found := _suffix(after)):
            flat, after = flat + found[0], found[1]  # "Unit 4 C" is Unit 4C
        if after:
            rest[0] = after
        else:
            rest.pop(0)
    else:
        # Some systems write the flat after the street ("14A Oak Road, Flat 2"). The first
        # segment has just been tried.
        for index, segment in enumerate(rest[1:], start=1):
            match = _FLAT_RE.match(segment)
            if match and not match.group("rest"):
                flat = _flat_form(match)
                del rest[index]
                break

    for index, segment in enumerate(rest):
        match = _NUMBER_RE.match(segment)
        if not match:
            continue
        number = _number_form(match.group("number"))
        names = rest[:index]
        street = match.group("street")
        if street and number.isdigit() and (found := _suffix(street)):
            number, street = number + found[0], found[1] or None
        if street:
            rest = rest[index + 1 :]
        elif index + 1 < len(rest):
            street = rest[index + 1]
            rest = rest[index + 2 :]
        else:
            rest = []
        break
    else:
        if rest and not _is_street(rest[0]):
            names = [rest.pop(0)]
        if rest and (_is_street(rest[0]) or (not names and len(rest) > 1)):
            street = rest.pop(0)

    town_text = " ".join(town.split()) if town and town.strip() else None
    if town_text:
        rest = [r for r in rest if r.upper() != town_text.upper()]
    else:
        if len(rest) > 1 and rest[-1].upper().replace(".", "") in COUNTIES:
            rest.pop()
        town_text = rest.pop() if rest else None

    def shown(text: str | None) -> str | None:
        return address_case(text) if text else None

    return Address(
        flat=flat,
        house_number=number,
        house_name=shown(", ".join(names)),
        street=shown(street),
        locality=shown(", ".join(rest)),
        town=shown(town_text),
        postcode=postcode,
    )


def parse_one_line_address(text: str) -> Address:
    """Split an address written on one line: ``"Flat 3, 12 High St, Leeds LS1 1AA"``.

    The postcode is pulled out first; the rest is split at commas. Without commas the street
    is taken to end at its last street word (``12 High Street Headingley Leeds`` → street
    ``High Street``, town ``Headingley Leeds`` as one). Raises :class:`StandardsError` only
    when ``text`` is not text.
    """
    if not isinstance(text, str):
        raise StandardsError("address is not text")
    postcode, rest = extract_postcode(text)
    segments, homeless = _without_no_fixed_abode(_segments(rest.split(",")))
    if len(segments) == 1:
        segments = _split_after_street(segments[0])
    segments = [s for s in segments if s.upper() not in COUNTRIES]
    if homeless:
        return _no_fixed_abode(segments, None, postcode)
    return _assemble(segments, None, postcode)


def _split_after_street(segment: str) -> list[str]:
    words = segment.split()
    for index in range(len(words) - 2, 0, -1):
        if words[index].lower().rstrip(".") in STREET_WORDS:
            town = _without_region(words[index + 1 :])
            return [" ".join(words[: index + 1]), " ".join(town)]
    return [segment]


def _without_region(words: list[str]) -> list[str]:
    """The words after a street without a country or county at their end (``Leeds West
    Yorkshire UK`` → ``Leeds``), which commas would have made lines of their own and dropped;
    at least one word is kept."""
    while len(words) > 1:
        for size in (4, 3, 2, 1):
            tail = " ".join(words[-size:]).upper().replace(".", "")
            if size < len(words) and (tail in COUNTRIES or tail in COUNTIES):
                words = words[:-size]
                break
        else:
            return words
    return words
