"""The words of a name and the steps both name parsers share (see :mod:`.names`).

The lists of titles, suffixes and placeholders; how a word is read as initials, a title, a
suffix or an honour; taking titles off the front of a name and suffixes off its end; and
putting the parts together, display-cased, as a :class:`PersonName`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from joinedup.standards.name_case import NAME_MARKS, display_case, has_letters
from joinedup.standards.name_words import NOT_A_FAMILY_NAME, NOT_A_GIVEN_NAME, honour_of
from joinedup.standards.placeholders import SPREADSHEET_ERRORS

# Spellings (upper case, no dots) → the form stored. Leading position only, except the
# everyday ones in _TRAILING_TITLES which exports also write last ("SMITH J MR").
TITLES: dict[str, str] = {
    "MR": "Mr", "MISTER": "Mr", "MRS": "Mrs", "MISSUS": "Mrs", "MS": "Ms", "MISS": "Miss",
    "MX": "Mx", "MASTER": "Master", "MSTR": "Master", "DR": "Dr", "DOCTOR": "Dr",
    "PROF": "Prof", "PROFESSOR": "Prof", "REV": "Rev", "REVD": "Rev", "REVEREND": "Rev",
    "SIR": "Sir", "DAME": "Dame", "LADY": "Lady", "LORD": "Lord", "FR": "Fr", "FATHER": "Fr",
    "SR": "Sr", "SISTER": "Sr", "CLLR": "Cllr", "COUNCILLOR": "Cllr", "CAPT": "Capt",
    "CAPTAIN": "Capt", "RABBI": "Rabbi", "IMAM": "Imam", "HON": "Hon", "RT HON": "Rt Hon",
    # Clergy (stacked: "Rev Canon"), the armed forces' commonest, peerage.
    "CANON": "Canon", "VEN": "Ven", "VENERABLE": "Ven", "ARCHDEACON": "Archdeacon",
    "PASTOR": "Pastor", "VERY REV": "Very Rev", "VERY REVD": "Very Rev", "RT REV": "Rt Rev",
    "RT REVD": "Rt Rev", "SGT": "Sgt", "CPL": "Cpl", "MAJ": "Maj", "LT": "Lt",
    "BARONESS": "Baroness",
    # Ranks as the Ministry of Defence and veterans' services write them (Armed Forces
    # Covenant records), two-word ones taken as one title. Not listed, because they are
    # also given names: "Col" (Colin), "Gen" (Japanese), "Po", "Wo".
    "MAJOR": "Maj", "COLONEL": "Col", "LT COL": "Lt Col", "BRIG": "Brig",
    "BRIGADIER": "Brig", "LT GEN": "Lt Gen", "MAJ GEN": "Maj Gen", "CDR": "Cdr",
    "LT CDR": "Lt Cdr", "WG CDR": "Wg Cdr", "SQN LDR": "Sqn Ldr", "FLT LT": "Flt Lt",
    "GP CAPT": "Gp Capt", "AIR CDRE": "Air Cdre", "CDRE": "Cdre", "ADM": "Adm", "PTE": "Pte",
    "LCPL": "LCpl", "L/CPL": "LCpl",
}  # fmt: skip
_TRAILING_TITLES = frozenset(
    {"MR", "MRS", "MS", "MISS", "MX", "MASTER", "MSTR", "DR", "PROF", "REV", "REVD"}
)
SUFFIXES: dict[str, str] = {
    "JR": "Jr", "JNR": "Jr", "JUNIOR": "Jr", "SNR": "Snr", "SENIOR": "Snr",
    "II": "II", "III": "III", "IV": "IV",
}  # fmt: skip
# "Sr" is a suffix after a name but a title (Sister) before one.
_TRAILING_SUFFIXES = {**SUFFIXES, "SR": "Snr"}

# Values systems put in a name field to mean "no name".
_PLACEHOLDERS = frozenset(
    {"", "-", "?", ".", "N/A", "NA", "NK", "NONE", "NULL", "UNKNOWN", "NOT KNOWN", "NOT GIVEN"}
    | {"--", "??", "N/K", "N/S", "NOT RECORDED", "NOT STATED"}
    | SPREADSHEET_ERRORS
)
_VOWELS = set("AEIOUY")
_JOINERS = frozenset({"&", "AND", "+"})
_CACHE_SIZE = 65_536

# Given and family names recur far more than whole names do: tidying each part once is what
# keeps names cheap in a large file where most people's full name is their own.
_display_case = lru_cache(maxsize=_CACHE_SIZE)(display_case)


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name in parts, each display-cased, or None when absent."""

    title: str | None = None
    given_name: str | None = None
    middle_names: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None
    #: The name someone goes by, written in brackets or quotes in a one-field name.
    preferred_name: str | None = None
    #: Former family names (``née Jones``) written in the name: maiden or previous surnames.
    other_family_names: tuple[str, ...] = ()
    #: What was written in the name and not kept (``Baby``, ``DECD``), each said in a fixed
    #: sentence that repeats nothing personal: a record that changed should say why.
    notes: tuple[str, ...] = ()


#: The note of a word for a newborn not yet named, written where the given name goes.
NEWBORN_NOTE = (
    "a word for a newborn not yet named (such as Baby or Twin) stood in place of the given "
    "name: no given name is kept"
)
#: The note of a mark that the person has died (``DECD``) written in the name.
DECEASED_NOTE = (
    "the name was marked deceased (such as DECD): the mark is not kept as part of the name; "
    "a date of death belongs in its own field"
)


def _plain(token: str) -> str:
    return token.replace(".", "").upper()


def _title_of(token: str) -> str | None:
    return TITLES.get(_plain(token))


def _suffix_of(token: str) -> str | None:
    return _TRAILING_SUFFIXES.get(_plain(token.rstrip(",")))


# An initial run into the word after it ("J.SMITH", "J.P.SMITH"), as council systems with
# no room for a space write it: the dot ends the initial.
_RUN_ON_INITIAL = re.compile(r"(?<![^\W\d_])([^\W\d_])\.(?=[^\W\d_]{2})")


# A double quote between two letters ("O"Brien", "D"Souza") is an apostrophe typed with Shift
# held (on a UK keyboard " is Shift+2); quotes round a known-as name are taken out before this.
_QUOTE_FOR_APOSTROPHE = re.compile(r"(?<=[^\W\d_])\"(?=[^\W\d_])")


def _clean(text: str) -> str:
    if "." in text:
        text = _RUN_ON_INITIAL.sub(r"\1. ", text)
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = text.translate(NAME_MARKS)
    if '"' in text:
        text = _QUOTE_FOR_APOSTROPHE.sub("'", text)
    text = re.sub(r"[\"“”]", " ", text)
    return " ".join(text.split())


def _letters(token: str) -> str:
    return "".join(filter(str.isalpha, token))


def _is_caps_word(token: str) -> bool:
    letters = _letters(token)
    return len(letters) >= 2 and letters.isupper() and _initials(token, strict=True) is None


def _initials(token: str, strict: bool) -> list[str] | None:
    """Split ``J``, ``J.``, ``J.P.`` (or, when not ``strict``, ``JP``) into initials."""
    if "." in token and all(len(p) <= 1 for p in token.split(".")):
        parts = [p for p in token.split(".") if p]
        return parts if parts and all(p.isalpha() for p in parts) else None
    letters = _letters(token)
    if len(token) == 1 and token.isalpha():
        return [token]
    if (
        not strict
        and token == letters
        and 2 <= len(letters) <= 3
        and letters.isupper()
        and not (_VOWELS & set(letters))
    ):
        return list(letters)
    return None


def _expand(tokens: list[str], strict: bool) -> list[str]:
    out: list[str] = []
    for token in tokens:
        out.extend(_initials(token, strict) or [token])
    return out


def _take_titles(tokens: list[str]) -> list[str]:
    """Remove leading titles (also two-word ``Rt Hon``) from ``tokens``; return them.

    Joint titles (``Mr & Mrs J Smith``, common on council tax accounts) are removed and not
    returned: they name two people, so neither title belongs to the one record.
    """
    found: list[str] = []
    joint = False
    while len(tokens) > 1:
        pair = _plain(" ".join(tokens[:2])) if len(tokens) > 2 else ""
        if pair in TITLES:
            found.append(TITLES[pair])
            del tokens[:2]
        elif (title := _title_of(tokens[0])) is not None:
            found.append(title)
            del tokens[0]
        elif found and len(tokens) > 2 and _plain(tokens[0]) in _JOINERS:
            if _title_of(tokens[1]) is None:
                break
            joint = True
            del tokens[0]
        else:
            break
    return [] if joint else found


def _take_endings(tokens: list[str], *, all_caps: bool, given_part: bool = False) -> list[str]:
    """Remove trailing suffixes and honours from a one-field name's ``tokens``; return them.

    An honour that could be initials (``JP``) stays where initials are expected: in the given
    part after a comma, and after a lone word (``SMITH JP``, ``SMITH J JP``). In a name
    written ``all_caps``, one that could be a family name (``ADE OBE``) stays unless two
    words are left before it.
    """
    found: list[str] = []
    while len(tokens) > 1:
        last = tokens[-1]
        ending = _suffix_of(last)
        if ending is None and (ending := honour_of(last)) is not None:
            rest = tokens[:-1]
            if _initials(last.rstrip(","), strict=False) is not None and (
                given_part
                or (
                    _initials(rest[0], strict=True) is None
                    and all(_initials(t, strict=False) for t in rest[1:])
                )
            ):
                break
            if all_caps and not given_part and len(rest) < 2:
                break
        if ending is None:
            break
        found.insert(0, ending)
        tokens.pop()
    return found


def _take_suffixes(tokens: list[str]) -> list[str]:
    found: list[str] = []
    while len(tokens) > 1 and (suffix := _suffix_of(tokens[-1])) is not None:
        found.insert(0, suffix)
        tokens.pop()
    return found


# What may follow a newborn's "Baby" or "Twin" in place of a name ("Baby Girl", "Twin A"),
# or end it when the mother's name is in the family-name field ("Baby of", PAS systems).
_NEWBORN_WORDS = frozenset({"BOY", "GIRL", "MALE", "FEMALE", "OF"})
# Forenames that say only "not known": dropped as placeholders are, with nothing to note.
_UNKNOWN_WORDS = frozenset({"UNKNOWN", "UNK"})


def _not_named(given: list[str]) -> bool:
    """Whether the given names are a not-yet-named newborn's or an unknown person's words
    (``Baby``, ``Baby Girl``, ``Twin 1``, ``Twin A``, ``Unknown``) and nothing else.

    Only then: ``Baby`` is also a given name in its own right (common among Malayali families,
    ``Baby Mathew``), and a name after it is the person's.
    """
    words = [_plain(p).strip(",") for p in given]
    if words[0] not in NOT_A_GIVEN_NAME:
        return False
    twin = words[0] == "TWIN"
    return all(
        w in NOT_A_GIVEN_NAME or w in _NEWBORN_WORDS or (twin and len(w) == 1) for w in words[1:]
    )


def _finish(
    titles: list[str], given: list[str], family: list[str], suffixes: list[str]
) -> PersonName:
    def joined(parts: list[str]) -> str | None:
        text = " ".join(p.strip(",") for p in parts if has_letters(p))
        return _display_case(text) if text else None

    given = [p for p in given if has_letters(p)]
    notes: tuple[str, ...] = ()
    if given and given[0][:1] in "BbIiNnTtUu" and _not_named(given):
        if _plain(given[0]).strip(",") not in _UNKNOWN_WORDS:
            notes = (NEWBORN_NOTE,)
        given = []  # "Baby Girl", "Twin 1": none of it is a name
    if (
        family
        and family[0][:1] in "Uu"
        and all(_plain(p).strip(",") in NOT_A_FAMILY_NAME for p in family)
    ):
        family = []
    return PersonName(
        title=" ".join(titles) or None,
        given_name=joined(given[:1]),
        middle_names=joined(given[1:]),
        family_name=joined(family),
        name_suffix=" ".join(suffixes) or None,
        notes=notes,
    )
