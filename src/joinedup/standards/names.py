"""Person names: from one field or from parts, into title, given, middle, family and suffix.

The one-field forms councils and the NHS really hold are recognised:

==============================================  ===============================================
``Mr J Smith``                                  title, initial, family name
``SMITH, John``                                 family name first, before a comma
``SMITH JP MR``                                 family name, initials, title last (exports)
``John SMITH``, ``SMITH John``                  the family name is the part in capitals
``Dr. Mary-Jane O'NEILL-Smith Jr``              title, hyphens, apostrophes, suffix
``Ludwig van Beethoven``, ``Ffion ap Rhys``     particles stay with the family name
``Madonna``                                     a single name is the family name (as PDS)
``Rev Canon J Smith``                           titles stacked
``Sir John SMITH-JONES OBE``                    honours kept as the suffix, not the name
``John 'Jack' Smith``, ``SMITH, John (Jack)``   a known-as name: the preferred name
``John & Mary Smith``                           two people: only their shared family name
==============================================  ===============================================

When nothing marks the order (``JOHN SMITH``, ``SMITH JOHN``) the name is read given name
first. A former family name (``(née Jones)``, ``SMITH NEE JONES, Mary``, ``formerly Jones``) is
kept as another family name; other bracketed text (``(deceased)``) is dropped. Titles and
suffixes come from the lists in :mod:`joinedup.standards.name_tokens`, honours and the known-as
and former-name rules from :mod:`joinedup.standards.name_words`. Honours that look like
initials (``JP``, ``MP``, ``QC``) are read as initials where initials are expected (``SMITH
JP``, ``SMITH, John JP``), and a name all in capitals keeps a last word that may be a family
name (``ADE OBE``) unless two words stay before it. The Welsh ``ap`` and ``ab`` written in
capitals inside a name in mixed case (``John AB Smith``) are initials, not particles.

Text that is not one person's name raises :class:`StandardsError` (ingest keeps the reason as
a warning, and no name): a role (``The Occupier``), people acting for someone (``Executors
of J Smith``), someone described by another's name (``Baby of Sarah Jones``) and two people's
full names (``Mr J Smith & Ms K Jones``).
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from joinedup.standards.errors import StandardsError
from joinedup.standards.name_case import PARTICLES, display_case, has_letters, name_key
from joinedup.standards.name_tokens import (
    _CACHE_SIZE,
    _JOINERS,
    _PLACEHOLDERS,
    _TRAILING_TITLES,
    DECEASED_NOTE,
    SUFFIXES,
    TITLES,
    PersonName,
    _clean,
    _expand,
    _finish,
    _initials,
    _is_caps_word,
    _letters,
    _plain,
    _suffix_of,
    _take_endings,
    _take_suffixes,
    _take_titles,
    _title_of,
)
from joinedup.standards.name_variants import nickname_variants
from joinedup.standards.name_words import (
    NOT_A_FAMILY_NAME,
    honour_of,
    not_one_person,
    take_former_names,
    take_known_as,
    without_deceased,
)
from joinedup.standards.placeholders import SPREADSHEET_ERRORS

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
    text, former = take_former_names(text)
    if former:
        return replace(_parse_full_name(text), other_family_names=former)
    alive = without_deceased(text)
    name = _parse_marked_name(alive)
    if alive != text:
        return replace(name, notes=(*name.notes, DECEASED_NOTE))
    return name


def _parse_marked_name(text: str) -> PersonName:
    """:func:`_parse_full_name` of a name without its former names and deceased marks."""
    text, known_as = take_known_as(text)
    cleaned = _clean(text)
    plain = _plain(cleaned)
    if plain in SPREADSHEET_ERRORS:
        raise StandardsError("name is a spreadsheet formula's error (such as #REF!), not a name")
    if plain in _PLACEHOLDERS or (
        "UNK" in plain and set(plain.replace(",", " ").split()) <= NOT_A_FAMILY_NAME
    ):
        raise StandardsError("name is blank or a placeholder")  # also "UNKNOWN, UNKNOWN"
    if not has_letters(cleaned):
        raise StandardsError("name has no letters")
    if (reason := not_one_person(plain)) is not None:
        raise StandardsError(reason)
    all_caps = cleaned == cleaned.upper()
    if "," in cleaned:
        parts = [p.strip() for p in cleaned.split(",") if has_letters(p)]
        suffixes: list[str] = []
        if len(parts) > 1 and all(_ending_of(t) for t in parts[-1].split()):
            suffixes = [_ending_of(t) or t for t in parts.pop().split()]
        if len(parts) > 1:
            name = _surname_comma(parts[0], " ".join(parts[1:]), suffixes, all_caps)
            return _with_preferred(name, known_as)
        cleaned = " ".join(parts) + (" " + " ".join(suffixes) if suffixes else "")
    return _with_preferred(_no_comma(_words(cleaned), all_caps), known_as)


_LIKE_INITIALS = frozenset({"ap", "ab"})


def _is_particle(token: str) -> bool:
    """A family-name particle (``van``, ``bin``, ``ap``); the Welsh ``ap`` and ``ab`` only
    when not written in capitals, which in ``John AB Smith`` are initials."""
    lowered = token.lower()
    return lowered in PARTICLES and not (lowered in _LIKE_INITIALS and token.isupper())


# Words that begin a family name written with a space ("Mc Donald", "O' Brien", "St John",
# the Irish "Ó Briain", "Ní Bhriain") and are never a name alone, so they join the family name
# even at the start. "Mac" and "Nic" begin one too ("Iain Mac an t-Saoir") but are given
# names as well: they join it only after a given name, as particles do.
_PREFIXES_ONLY = frozenset({"mc", "o'", "ó", "st", "st.", "ní", "uí"})
_PREFIXES = _PREFIXES_ONLY | {"mac", "nic"}


def _joins_family(token: str, *, first: bool) -> bool:
    """Whether ``token``, before a family name, is part of it: a prefix (``Mc``, ``St``) or a
    particle (``van``). ``first``: it is the name's first word, which may be a given name."""
    lowered = token.lower()
    if lowered in _PREFIXES_ONLY:
        return True
    return not first and (lowered in _PREFIXES or _is_particle(token))


def _family_first_words(tokens: list[str]) -> int:
    """How many words a family name written first takes: one, and the prefixes and particles
    before it (``MC DONALD J``, ``DE LA CRUZ M``); at least one word is left after it."""
    lead = 0
    while lead < len(tokens) - 2 and _joins_family(tokens[lead], first=False):
        lead += 1
    return lead + 1


def _ending_of(token: str) -> str | None:
    """A suffix or an honour (a part of its own after a comma: ``John Smith, OBE``)."""
    return _suffix_of(token) or honour_of(token)


def _with_preferred(name: PersonName, known_as: str | None) -> PersonName:
    """``name`` with the known-as name it was written with, when that is another name for
    its given name (not for a joint name, which has none, nor ``John 'John' Smith``)."""
    if known_as is None or name.given_name is None:
        return name
    if name_key(known_as) == name_key(name.given_name):
        return name
    return replace(name, preferred_name=known_as)


def _words(text: str) -> list[str]:
    """Split on spaces, dropping stray punctuation (``-``, ``:``) but keeping ``&`` joiners."""
    return [t for t in text.split(" ") if has_letters(t) or _plain(t) in _JOINERS]


def _surname_comma(
    family_part: str, rest_part: str, suffixes: list[str], all_caps: bool
) -> PersonName:
    family = _words(family_part)
    titles = _take_titles(family)
    suffixes = _take_endings(family, all_caps=all_caps) + suffixes
    rest = _words(rest_part)
    titles += _take_titles(rest)
    if _joint(rest) is not None:
        # "SMITH, John & Mary": two people who share the family name; only it is theirs both.
        return _finish([], [], family, [])
    suffixes = _take_endings(rest, all_caps=all_caps, given_part=True) + suffixes
    if len(rest) > 1 and _plain(rest[-1]) in _TRAILING_TITLES:
        titles.append(TITLES[_plain(rest.pop())])
    if len(rest) == 1 and (only := _title_of(rest[0])) is not None:
        titles.append(only)
        rest = []
    return _finish(titles, _expand(rest, strict=False), family, suffixes)


def _joint(tokens: list[str]) -> list[str] | None:
    """For a name joining two people (``John & Mary Smith``): the second's words, titles
    taken off, when the first is a given name alone (the family name is shared), else ``[]``
    (two full names); None when no joiner stands between two names."""
    joiner = next((i for i, t in enumerate(tokens) if _plain(t) in _JOINERS), None)
    if joiner is None:
        return None
    first = [t for t in tokens[:joiner] if has_letters(t)]
    second = [t for t in tokens[joiner + 1 :] if has_letters(t)]
    if not first or not second:
        return None
    _take_titles(second)
    return second if len(first) == 1 else []


_TWO_PEOPLE = "name is of two people (a joint name), not one person's"


def _no_comma(tokens: list[str], all_caps: bool = False) -> PersonName:
    titles = _take_titles(tokens)
    joint = _joint(tokens)
    if joint is not None:
        # "John & Mary Smith": the second name's family name is theirs both; no given name
        # (which of the two is this record?), and never the second's as a middle name.
        family = _no_comma(joint, all_caps).family_name if len(joint) > 1 else None
        if family is None:
            raise StandardsError(_TWO_PEOPLE)
        return _finish([], [], family.split(), [])
    suffixes = _take_endings(tokens, all_caps=all_caps)
    surname_first = False
    if not titles and len(tokens) > 1 and _plain(tokens[-1]) in _TRAILING_TITLES:
        titles.append(TITLES[_plain(tokens.pop())])
        suffixes = _take_endings(tokens, all_caps=all_caps) + suffixes
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
            while start > 1 and (caps[start - 1] or _joins_family(tokens[start - 1], first=False)):
                start -= 1
            return _finish(titles, _expand(tokens[:start], strict=True), tokens[start:], suffixes)
        if caps[0]:
            end = 1
            while end < len(tokens) - 1 and caps[end]:
                end += 1
            return _finish(titles, _expand(tokens[end:], strict=True), tokens[:end], suffixes)

    family_words = _family_first_words(tokens)
    if not surname_first and _initials(tokens[0], strict=True) is None:
        # "SMITH J" / "SMITH JP": a word followed only by initials is family name first.
        surname_first = all(_initials(t, strict=False) for t in tokens[family_words:])
    if surname_first:
        given = _expand(tokens[family_words:], strict=False)
        return _finish(titles, given, tokens[:family_words], suffixes)

    start = len(tokens) - 1
    while start > 0 and _joins_family(tokens[start - 1], first=start == 1):
        start -= 1
    return _finish(titles, _expand(tokens[:start], strict=True), tokens[start:], suffixes)


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
    notes = given.notes + family.notes
    return PersonName(
        title=given.title,
        given_name=given.given_name,
        middle_names=given.middle_names,
        family_name=family.family_name,
        name_suffix=family.name_suffix,
        other_family_names=family.other_family_names,
        notes=tuple(dict.fromkeys(notes)) if notes else (),
    )


@lru_cache(maxsize=_CACHE_SIZE)
def _given_side(title: str | None, given_name: str | None, middle_names: str | None) -> PersonName:
    """The title, given name and middle names of :func:`parse_name_parts` (nothing else set)."""
    title_text = _part(title)
    alive = _alive(given_name), _alive(middle_names)
    given = (_part(alive[0]) or "").split()
    middle = (_part(alive[1]) or "").split()
    titles = _take_titles(given) if len(given) > 1 else []
    if title_text:
        known = _title_of(title_text) or TITLES.get(_plain(title_text))
        titles = [known or title_text.replace(".", "").strip()]
    # Middle initials are split as given ones are ("J.P." → J P): a middle name moves up to
    # the given name when there is none, and must read the same there the second time.
    name = _finish(titles, _expand(given + middle, strict=True), [], [])
    if alive != (given_name, middle_names):
        return replace(name, notes=(*name.notes, DECEASED_NOTE))
    return name


def _alive(part: str | None) -> str | None:
    """A name part without a mark that the person has died (``SMITH DECD``)."""
    return without_deceased(part) if part is not None else None


@lru_cache(maxsize=_CACHE_SIZE)
def _family_side(family_name: str | None, name_suffix: str | None) -> PersonName:
    """The family name, suffix and former family names of :func:`parse_name_parts` (nothing
    else set)."""
    former: tuple[str, ...] = ()
    written = family_name
    if family_name is not None:
        family_name, former = take_former_names(_alive(family_name) or "")
    family = (_part(family_name) or "").split()
    suffix_text = _part(name_suffix)
    suffixes = _take_suffixes(family)
    if suffix_text:
        suffixes = [_suffix_of(suffix_text) or suffix_text]
    name = _finish([], [], family, suffixes)
    if written is not None and _alive(written) != written:
        name = replace(name, notes=(DECEASED_NOTE,))
    return replace(name, other_family_names=former) if former else name
