"""What a one-field name holds besides one person's name: honours, a known-as name, a role.

Kept apart from :mod:`joinedup.standards.names`, which parses the name itself; this module
only recognises the extra pieces, from short documented lists:

- **Honours and post-nominals** (``OBE``, ``JP``, ``PhD`` …) after a name are not part of it.
- **A known-as name** in brackets or quotes (``John (Jack) Smith``, ``John 'Jack' Smith``) is
  the name someone goes by, not a given or middle name. Bracketed notes that are not a name
  (``(nee Jones)``, ``(deceased)``, ``(twin 1)``) are not known-as names.
- **A former family name** marked ``née``/``nee``, ``formerly``, ``previously`` or ``maiden
  name`` (``Mrs Mary Smith (née Jones)``, ``SMITH NEE JONES, Mary``) is another family name
  of the person: kept apart, never read as the family name or a middle name.
- **Names that are not one person's**: a role (``The Occupier``), people acting for someone
  (``Executors of J Smith``, ``Estate of …``), someone described by another's name
  (``Baby of Sarah Jones``).
"""

from __future__ import annotations

import re

from joinedup.standards.name_case import APOSTROPHES, display_case

#: Honours and post-nominal letters (upper case, no dots) → the form stored as a suffix.
#: Orders of chivalry, the legal and political letters councils meet most, doctorates. Not
#: listed, because they are also names: ``MA``, ``BA``, ``OM``, ``CH``, ``MD`` …
HONOURS: dict[str, str] = {
    "OBE": "OBE", "MBE": "MBE", "CBE": "CBE", "KBE": "KBE", "DBE": "DBE", "GBE": "GBE",
    "QC": "QC", "KC": "KC", "JP": "JP", "MP": "MP", "MSP": "MSP", "PHD": "PhD",
    "DPHIL": "DPhil",
}  # fmt: skip


def honour_of(token: str) -> str | None:
    """The stored form of an honour written as one (``OBE``, ``O.B.E.``, ``PhD``, ``Ph.D.``),
    or None. Written in title case (``Obe``, ``Jp``) it is a name, not an honour."""
    written = token.rstrip(",").replace(".", "")
    stored = HONOURS.get(written.upper())
    if stored is None or written not in (written.upper(), stored):
        return None
    return stored


# Words introducing a known-as name inside brackets: "(known as Jack)", "(aka Jack)".
_KNOWN_AS_WORDS = re.compile(
    r"^(?:known\s+as|k/?a|aka|a\s*k\s*a|kna|prefers?|preferred(?:\s+name)?|called)\b[\s:]*",
    re.IGNORECASE,
)
# Single words that are notes about the record, not a name it goes by.
_NOT_KNOWN_AS = frozenset(
    """NEE NÉE DECEASED DECD DEC DEAD LATE TWIN BABY INFANT CHILD MINOR ADULT MOTHER MUM MOM
    FATHER DAD SON DAUGHTER WIFE HUSBAND SPOUSE PARTNER CARER GUARDIAN TENANT OCCUPIER OWNER
    LODGER RESIDENT PATIENT CLIENT ALIAS AKA FORMERLY PREVIOUSLY MAIDEN MARRIED UNKNOWN NFA
    HOMELESS DUPLICATE DUP TEST JOINT SELF MALE FEMALE NONE""".split()  # noqa: SIM905
)
# A bracketed, square-bracketed or double-quoted part, or a single-quoted word that starts
# after a space (so the apostrophes of O'Neill and D'Arcy are never quotes).
_SPANS = re.compile(r"\(([^)]*)\)|\[([^\]]*)\]|\"([^\"]*)\"|(?<!\S)'([^'\s][^']*?)'(?=[\s,]|$)")
_QUOTES = {**APOSTROPHES, ord("“"): '"', ord("”"): '"'}
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*$")


# A former family name: in brackets anywhere, or after the name and before a comma or the end.
# "Nee" alone is a family name too (Patrick Nee), so the marker needs a name after it, and
# "born" is left out: it introduces a year or a place as often as a name.
_FORMER_MARK = r"(?:n[ée]e|formerly|previously|maiden(?:\s+name)?)"
_FORMER = re.compile(
    rf"[(\[]\s*{_FORMER_MARK}\b[\s:.]*(?P<inner>[^)\]]*)[)\]]"
    rf"|(?<=\S)\s+{_FORMER_MARK}(?::\s*|\s+)(?P<after>[^\s,()\[\]][^,()\[\]]*?)\s*(?=,|$)",
    re.IGNORECASE,
)


def _may_hold_former(text: str) -> bool:
    # Most names hold no marker; substring tests say so in a tenth of the regex's time (a
    # whole name is parsed once per person, so this is on ingest's hot path).
    low = text.lower()
    return (
        "nee" in low
        or "née" in low
        or "formerly" in low
        or "previously" in low
        or ("maiden" in low)
    )


def take_former_names(text: str) -> tuple[str, tuple[str, ...]]:
    """``text`` without its notes of a former family name, and those names display-cased.

    ``take_former_names("Mrs Mary Smith née Jones")`` gives ``("Mrs Mary Smith", ("Jones",))``;
    ``"SMITH (NEE JONES), Mary"`` gives ``("SMITH , Mary", ("Jones",))``. A note with no
    letters in it (``(nee)``) is dropped with nothing kept; text without a note comes back as
    it was.
    """
    if not _may_hold_former(text) or _FORMER.search(text) is None:
        return text, ()
    found: list[str] = []

    def drop(match: re.Match[str]) -> str:
        name = " ".join((match["inner"] or match["after"] or "").split()).strip(".,;:")
        if any(map(str.isalpha, name)):
            found.append(display_case(name))
        return " "

    rest = _FORMER.sub(drop, text)
    return rest, tuple(dict.fromkeys(found))


def take_known_as(text: str) -> tuple[str, str | None]:
    """``text`` without its bracketed and quoted parts, and the known-as name among them.

    ``take_known_as("John 'Jack' Smith")`` gives ``("John   Smith", "Jack")``;
    ``"Mrs Mary Smith (nee Jones)"`` gives the name without the note and None. A name that
    is nothing but such parts (``"John Smith"`` in quotes) comes back as it was: the quotes
    then only wrap the name. The first part that is a single word, once ``known as`` or
    ``aka`` is taken off, and not a note (``deceased``, ``twin``), is the known-as name.
    """
    found: list[str] = []

    def drop(match: re.Match[str]) -> str:
        found.append(next(g for g in match.groups() if g is not None))
        return " "

    plain = text.translate(_QUOTES)
    rest = _SPANS.sub(drop, plain)
    if not found or not any(map(str.isalpha, rest)):
        return text, None
    return rest, next((name for name in map(_known_as, found) if name), None)


def _known_as(inner: str) -> str | None:
    words = _KNOWN_AS_WORDS.sub("", " ".join(inner.split())).split()
    if len(words) != 1:
        return None
    word = words[0].strip(".,")
    letters = sum(map(str.isalpha, word))
    if letters < 2 or not _NAME_WORD.match(word) or word.upper() in _NOT_KNOWN_AS:
        return None
    return display_case(word)


# Names that are not one person's, matched on the name in capitals without dots.
_ROLE = re.compile(
    r"^(?:THE\s+)?(?:OWNERS?\s*/?\s*)?(?:OCCUPIERS?|OWNERS?|RESIDENTS?|HOUSEHOLDERS?|TENANTS?"
    r"|LEASEHOLDERS?|PROPRIETORS?)(?:\s+(?:OF|AT)\b.*)?$"
)
_ACTING_FOR = re.compile(
    r"^(?:THE\s+)?(?:EXECUTORS?|EXECUTRIX|EXORS?|EXRS?|EXECS?|ADMINISTRATORS?|TRUSTEES?"
    r"|(?:PERSONAL\s+)?REPRESENTATIVES?|ESTATE)(?:\s+(?:OF|FOR|TO)\b.*)?$"
)
# Also after a family name and a comma ("SMITH, BABY OF"): patient administration systems
# put a newborn's "Baby of" in the forename field, the mother's family name in its own.
_DESCRIBED_BY = re.compile(
    r"^(?:[^,]*,\s*)?"
    r"(?:(?:BABY|INFANT|NEWBORN|CHILD|SON|DAUGHTER|TWIN(?:\s+\w+)?)\s+OF|B\s*/\s*O)\b"
)
#: Words systems write as the forename of someone not yet named or not identified (``BABY
#: SMITH``, ``SMITH, UNKNOWN``): no given name, and never one to link on — every "Baby Smith",
#: twins included, would share it. The family name beside them is real and kept.
NOT_A_GIVEN_NAME = frozenset({"UNKNOWN", "UNK", "BABY", "TWIN", "INFANT", "NEWBORN", "UNNAMED"})
#: A family name that says it is not known.
NOT_A_FAMILY_NAME = frozenset({"UNKNOWN", "UNK"})
# Written beside a name to say the person has died ("SMITH, JOHN DECD"): a note, not a name.
# Patient administration systems also flag it in asterisks or brackets ("*DECEASED*",
# "[DECEASED]"), and "(RIP)" in brackets only: "Rip" alone is a name.
_DECEASED = re.compile(
    r"(?<![^\s,(\[*])(?:decd|dec'd|deceased)\.?(?![^\s,)\]*])|\(\s*r\.?i\.?p\.?\s*\)",
    re.IGNORECASE,
)


def without_deceased(text: str) -> str:
    """``text`` without a note that the person has died (``DECD``, ``Dec'd``, ``Deceased``).

    >>> without_deceased("SMITH, JOHN DECD")
    'SMITH, JOHN  '
    """
    lowered = text.lower()
    if "dec" not in lowered and "(r" not in lowered:  # most names: no regex search
        return text
    return _DECEASED.sub(" ", text)


def not_one_person(plain: str) -> str | None:
    """Why a name (in capitals, dots removed) is not one person's name, or None when it may
    be: ``THE OCCUPIER``, ``EXECUTORS OF J SMITH``, ``BABY OF SARAH JONES``."""
    if _ROLE.match(plain):
        return "name is a role (such as the occupier), not a person's name"
    if _ACTING_FOR.match(plain):
        return "name is of people acting for someone (such as executors), not one person's"
    if _DESCRIBED_BY.match(plain):
        return "name describes someone by another person's name (such as baby of)"
    return None
