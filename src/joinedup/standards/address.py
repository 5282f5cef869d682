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
    r"^(?:no\.?\s*)?(?P<number>[0-9]+[A-Z]?(?:\s*[-–/]\s*[0-9]+[A-Z]?)?)(?:\s*,)?"
    r"(?:\s+(?P<street>.*[^\W\d_].*))?$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
# Word lists read better as prose than as a column of quoted strings.
_STREET_WORDS = frozenset(
    """street st road rd lane ln avenue ave av drive dr close cl court ct crescent cres place
    pl way grove gr gardens gdns terrace ter terr walk square sq hill row mews parade pde green
    rise view park vale mount croft fold garth wynd brow approach boulevard circus broadway
    chase gate mead bank causeway quay wharf yard lea dale fields heights villas cottages
    hollow ridge side wood meadow meadows end embankment esplanade promenade brae loan
    vennel""".split()  # noqa: SIM905
)
# Welsh street names put the kind of street first: "Heol y Bont", "Ffordd y Brenin".
_STREET_FIRST_WORDS = frozenset(
    "heol ffordd stryd lôn lon rhodfa cilgant clos teras".split()  # noqa: SIM905
)
_COUNTRIES = frozenset(
    {"UK", "U.K.", "GB", "UNITED KINGDOM", "GREAT BRITAIN", "ENGLAND", "SCOTLAND", "WALES"}
    | {"NORTHERN IRELAND"}
)
_COUNTIES = frozenset(
    """AVON BEDFORDSHIRE BERKSHIRE BUCKINGHAMSHIRE CAMBRIDGESHIRE CHESHIRE CLEVELAND CORNWALL
    CUMBRIA DERBYSHIRE DEVON DORSET ESSEX GLOUCESTERSHIRE HAMPSHIRE HEREFORDSHIRE HERTFORDSHIRE
    HUMBERSIDE KENT LANCASHIRE LEICESTERSHIRE LINCOLNSHIRE MERSEYSIDE MIDDLESEX NORFOLK
    NORTHAMPTONSHIRE NORTHUMBERLAND NOTTINGHAMSHIRE OXFORDSHIRE RUTLAND SHROPSHIRE SOMERSET
    STAFFORDSHIRE SUFFOLK SURREY WARWICKSHIRE WILTSHIRE WORCESTERSHIRE CLWYD DYFED GWENT
    GWYNEDD POWYS FIFE AYRSHIRE LANARKSHIRE RENFREWSHIRE ABERDEENSHIRE""".split()  # noqa: SIM905
) | frozenset(
    {
        "COUNTY DURHAM", "CO DURHAM", "EAST SUSSEX", "WEST SUSSEX", "GREATER LONDON",
        "GREATER MANCHESTER", "NORTH YORKSHIRE", "SOUTH YORKSHIRE", "WEST YORKSHIRE",
        "EAST YORKSHIRE", "EAST RIDING OF YORKSHIRE", "TYNE AND WEAR", "TYNE & WEAR",
        "WEST MIDLANDS", "ISLE OF WIGHT", "MID GLAMORGAN", "SOUTH GLAMORGAN", "WEST GLAMORGAN",
        "CO ANTRIM", "COUNTY ANTRIM", "CO DOWN", "COUNTY DOWN",
    }
)  # fmt: skip
# Lower case inside a line; "y" and "yr" are the Welsh "the" ("Heol y Bont").
_SMALL_WORDS = frozenset(
    {"and", "of", "the", "upon", "on", "in", "by", "under", "le", "la", "y", "yr"}
)
# Kept in capitals: a PO box, British Forces post, and the bodies whose buildings people live
# in or write from. Letters with dots ("P.O.") are kept in capitals too.
_ACRONYMS = frozenset({"PO", "BFPO", "HQ", "RAF", "HMP", "HMS", "NHS", "YMCA", "YWCA"})
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
        elif word.upper() in _ACRONYMS or _DOTTED.match(word):
            out.append(word.upper())
        elif index > 0 and word.lower() in _SMALL_WORDS:
            out.append(word.lower())
        else:
            pieces = word.split("-")
            out.append(
                "-".join(
                    p.lower() if i > 0 and p.lower() in _SMALL_WORDS else capitalise_word(p)
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
        words[-1].lower() in _STREET_WORDS or words[0].lower() in _STREET_FIRST_WORDS
    )


def _segments(lines: Sequence[str | None]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line is None:
            continue
        if not isinstance(line, str):
            raise StandardsError("address line is not text")
        for part in line.split(","):
            part = " ".join(part.split()).strip(" .;")
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
        if rest and rest.upper() not in _COUNTRIES:
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
    elif len(segments) > 1 and segments[-1].upper().replace(".", "") in _COUNTIES:
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
        if match.group("rest"):
            rest[0] = match.group("rest")
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
        number = _SPACES.sub("", match.group("number")).upper().replace("–", "-")
        names = rest[:index]
        if match.group("street"):
            street = match.group("street")
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
        if len(rest) > 1 and rest[-1].upper().replace(".", "") in _COUNTIES:
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
    segments = [s for s in segments if s.upper() not in _COUNTRIES]
    if homeless:
        return _no_fixed_abode(segments, None, postcode)
    return _assemble(segments, None, postcode)


def _split_after_street(segment: str) -> list[str]:
    words = segment.split()
    for index in range(len(words) - 2, 0, -1):
        if words[index].lower().rstrip(".") in _STREET_WORDS:
            return [" ".join(words[: index + 1]), " ".join(words[index + 1 :])]
    return [segment]
