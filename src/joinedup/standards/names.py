"""Person names: from one field or from parts, into title, given, middle, family and suffix.

The one-field forms councils and the NHS really hold are recognised:

========================================  =====================================================
``Mr J Smith``                            title, initial, family name
``SMITH, John``                           family name first, before a comma
``SMITH JP MR``                           family name, initials, title last (system exports)
``John SMITH``, ``SMITH John``            the family name is the part written in capitals
``Dr. Mary-Jane O'NEILL-Smith Jr``        title, hyphens, apostrophes, suffix
``Ludwig van Beethoven``                  particles stay with the family name
``Madonna``                               a single name is the family name (the PDS convention)
========================================  =====================================================

When nothing marks the order (``JOHN SMITH``, ``SMITH JOHN``) the name is read given name
first. Bracketed text (``John (Jack) Smith``) is dropped. Titles and suffixes come from the
lists below; post-nominals (OBE, JP …) are not recognised because in upper-case exports they
are indistinguishable from initials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from joinedup.standards.errors import StandardsError
from joinedup.standards.name_case import (
    APOSTROPHES,
    PARTICLES,
    display_case,
    has_letters,
    name_key,
)
from joinedup.standards.name_variants import nickname_variants

__all__ = [
    "SUFFIXES",
    "TITLES",
    "PersonName",
    "display_case",
    "name_key",
    "nickname_variants",
    "parse_full_name",
    "parse_name_parts",
]

# Spellings (upper case, no dots) → the form stored. Leading position only, except the
# everyday ones in _TRAILING_TITLES which exports also write last ("SMITH J MR").
TITLES: dict[str, str] = {
    "MR": "Mr", "MISTER": "Mr", "MRS": "Mrs", "MISSUS": "Mrs", "MS": "Ms", "MISS": "Miss",
    "MX": "Mx", "MASTER": "Master", "MSTR": "Master", "DR": "Dr", "DOCTOR": "Dr",
    "PROF": "Prof", "PROFESSOR": "Prof", "REV": "Rev", "REVD": "Rev", "REVEREND": "Rev",
    "SIR": "Sir", "DAME": "Dame", "LADY": "Lady", "LORD": "Lord", "FR": "Fr", "FATHER": "Fr",
    "SR": "Sr", "SISTER": "Sr", "CLLR": "Cllr", "COUNCILLOR": "Cllr", "CAPT": "Capt",
    "CAPTAIN": "Capt", "RABBI": "Rabbi", "IMAM": "Imam", "HON": "Hon", "RT HON": "Rt Hon",
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
)
_VOWELS = set("AEIOUY")
_JOINERS = frozenset({"&", "AND", "+"})
_CACHE_SIZE = 65_536


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name in parts, each display-cased, or None when absent."""

    title: str | None = None
    given_name: str | None = None
    middle_names: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None


def _plain(token: str) -> str:
    return token.replace(".", "").upper()


def _title_of(token: str) -> str | None:
    return TITLES.get(_plain(token))


def _suffix_of(token: str) -> str | None:
    return _TRAILING_SUFFIXES.get(_plain(token.rstrip(",")))


def _clean(text: str) -> str:
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", text)
    text = text.translate(APOSTROPHES)
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


def _take_suffixes(tokens: list[str]) -> list[str]:
    found: list[str] = []
    while len(tokens) > 1 and (suffix := _suffix_of(tokens[-1])) is not None:
        found.insert(0, suffix)
        tokens.pop()
    return found


def _finish(
    titles: list[str], given: list[str], family: list[str], suffixes: list[str]
) -> PersonName:
    def joined(parts: list[str]) -> str | None:
        text = " ".join(p.strip(",") for p in parts if has_letters(p))
        return _display_case(text) if text else None

    given = [p for p in given if has_letters(p)]
    return PersonName(
        title=" ".join(titles) or None,
        given_name=joined(given[:1]),
        middle_names=joined(given[1:]),
        family_name=joined(family),
        name_suffix=" ".join(suffixes) or None,
    )


def parse_full_name(text: str) -> PersonName:
    """Split a name held in one field into its parts, each display-cased.

    ``parse_full_name("SMITH JP MR")`` → ``PersonName(title="Mr", given_name="J",
    middle_names="P", family_name="Smith")``; the forms recognised are listed in this
    module's docstring. Raises :class:`StandardsError` when the text has no letters or is a
    placeholder such as ``UNKNOWN``.
    """
    if not isinstance(text, str):
        raise StandardsError("name is not text")
    return _parse_full_name(text)


# Names repeat across a file (and across sources), so parsed forms are memoised: ingest of a
# million rows spends its time on distinct names only. Bounded, so memory stays flat.
@lru_cache(maxsize=_CACHE_SIZE)
def _parse_full_name(text: str) -> PersonName:
    cleaned = _clean(text)
    if _plain(cleaned) in _PLACEHOLDERS:
        raise StandardsError("name is blank or a placeholder")
    if not has_letters(cleaned):
        raise StandardsError("name has no letters")
    if "," in cleaned:
        parts = [p.strip() for p in cleaned.split(",") if has_letters(p)]
        suffixes: list[str] = []
        if len(parts) > 1 and all(_suffix_of(t) for t in parts[-1].split()):
            suffixes = [_suffix_of(t) or t for t in parts.pop().split()]
        if len(parts) > 1:
            return _surname_comma(parts[0], " ".join(parts[1:]), suffixes)
        cleaned = " ".join(parts) + (" " + " ".join(suffixes) if suffixes else "")
    return _no_comma(_words(cleaned))


def _words(text: str) -> list[str]:
    """Split on spaces, dropping stray punctuation (``-``, ``:``) but keeping ``&`` joiners."""
    return [t for t in text.split(" ") if has_letters(t) or _plain(t) in _JOINERS]


def _surname_comma(family_part: str, rest_part: str, suffixes: list[str]) -> PersonName:
    family = _words(family_part)
    titles = _take_titles(family)
    suffixes = _take_suffixes(family) + suffixes
    rest = _words(rest_part)
    titles += _take_titles(rest)
    suffixes = _take_suffixes(rest) + suffixes
    if len(rest) > 1 and _plain(rest[-1]) in _TRAILING_TITLES:
        titles.append(TITLES[_plain(rest.pop())])
    if len(rest) == 1 and (only := _title_of(rest[0])) is not None:
        titles.append(only)
        rest = []
    return _finish(titles, _expand(rest, strict=False), family, suffixes)


def _no_comma(tokens: list[str]) -> PersonName:
    titles = _take_titles(tokens)
    suffixes = _take_suffixes(tokens)
    surname_first = False
    if not titles and len(tokens) > 1 and _plain(tokens[-1]) in _TRAILING_TITLES:
        titles.append(TITLES[_plain(tokens.pop())])
        suffixes = _take_suffixes(tokens) + suffixes
        surname_first = True
    elif not titles and len(tokens) > 2 and _plain(tokens[1]) in _TRAILING_TITLES:
        # "SMITH MRS J": some exports put the title between family name and initials.
        titles.append(TITLES[_plain(tokens.pop(1))])
        surname_first = True
    if len(tokens) == 1:
        only = tokens[0]
        if not titles and _plain(only) in _TRAILING_TITLES:
            return _finish([TITLES[_plain(only)]], [], [], suffixes)
        if (initials := _initials(only, strict=True)) is not None:
            return _finish(titles, initials, [], suffixes)
        return _finish(titles, [], tokens, suffixes)

    words = [t for t in tokens if len(_letters(t)) >= 2]
    caps = [_is_caps_word(t) for t in tokens]
    mixed = any(_is_caps_word(t) for t in words) and not all(_is_caps_word(t) for t in words)
    if mixed:
        # The family name is the run of capitals, at the start or at the end ("John SMITH").
        if caps[-1]:
            start = len(tokens)
            while start > 1 and (caps[start - 1] or tokens[start - 1].lower() in PARTICLES):
                start -= 1
            return _finish(titles, _expand(tokens[:start], strict=True), tokens[start:], suffixes)
        if caps[0]:
            end = 1
            while end < len(tokens) - 1 and caps[end]:
                end += 1
            return _finish(titles, _expand(tokens[end:], strict=True), tokens[:end], suffixes)

    if not surname_first and _initials(tokens[0], strict=True) is None:
        # "SMITH J" / "SMITH JP": a word followed only by initials is family name first.
        surname_first = all(_initials(t, strict=False) for t in tokens[1:])
    if surname_first:
        return _finish(titles, _expand(tokens[1:], strict=False), tokens[:1], suffixes)

    start = len(tokens) - 1
    while start > 1 and tokens[start - 1].lower() in PARTICLES:
        start -= 1
    return _finish(titles, _expand(tokens[:start], strict=True), tokens[start:], suffixes)


# Given and family names recur far more than whole names do: tidying each part once is what
# keeps names cheap in a large file where most people's full name is their own.
_display_case = lru_cache(maxsize=_CACHE_SIZE)(display_case)


@lru_cache(maxsize=_CACHE_SIZE)
def _part(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise StandardsError("name part is not text")
    cleaned = _clean(value).strip(" ,")
    if _plain(cleaned) in _PLACEHOLDERS or not has_letters(cleaned):
        return None
    return cleaned


def parse_name_parts(
    *,
    title: str | None = None,
    given_name: str | None = None,
    middle_names: str | None = None,
    family_name: str | None = None,
    name_suffix: str | None = None,
) -> PersonName:
    """Tidy a name that a source already holds in separate fields.

    Parts are cleaned and display-cased; placeholders (``UNKNOWN``, ``N/A``, ``-``) become
    None; a title left in the given name (``Mr John``) or a suffix left in the family name
    (``Smith Jr``) is moved to its own part; a given-name field holding several names
    (``John Paul``) keeps the first as the given name and puts the rest before the middle
    names. Unknown titles are kept as written. Never raises on text.
    """
    parts = (title, given_name, middle_names, family_name, name_suffix)
    if not all(part is None or isinstance(part, str) for part in parts):
        raise StandardsError("name part is not text")
    return _parse_name_parts(*parts)


def _parse_name_parts(
    title: str | None,
    given_name: str | None,
    middle_names: str | None,
    family_name: str | None,
    name_suffix: str | None,
) -> PersonName:
    # The two ends of a name are tidied apart and each remembered: whole names rarely repeat
    # in a file, given names and family names do (so whole names are not remembered here).
    given = _given_side(title, given_name, middle_names)
    family = _family_side(family_name, name_suffix)
    return PersonName(
        title=given.title,
        given_name=given.given_name,
        middle_names=given.middle_names,
        family_name=family.family_name,
        name_suffix=family.name_suffix,
    )


@lru_cache(maxsize=_CACHE_SIZE)
def _given_side(title: str | None, given_name: str | None, middle_names: str | None) -> PersonName:
    """The title, given name and middle names of :func:`parse_name_parts` (nothing else set)."""
    title_text = _part(title)
    given = (_part(given_name) or "").split()
    middle = (_part(middle_names) or "").split()
    titles = _take_titles(given) if len(given) > 1 else []
    if title_text:
        known = _title_of(title_text) or TITLES.get(_plain(title_text))
        titles = [known or title_text.replace(".", "").strip()]
    return _finish(titles, _expand(given, strict=True) + middle, [], [])


@lru_cache(maxsize=_CACHE_SIZE)
def _family_side(family_name: str | None, name_suffix: str | None) -> PersonName:
    """The family name and suffix of :func:`parse_name_parts` (nothing else set)."""
    family = (_part(family_name) or "").split()
    suffix_text = _part(name_suffix)
    suffixes = _take_suffixes(family)
    if suffix_text:
        suffixes = [_suffix_of(suffix_text) or suffix_text]
    return _finish([], [], family, suffixes)
