"""One value → its standard form, or the reason it has none: the standards of
:mod:`joinedup.standards` in the ``(value, reason)`` form a row's builder wants
(:mod:`joinedup.ingest.person_builder`), remembered for recurring values, and the fixed
texts of the warnings they give.

Extracts repeat themselves (towns, postcodes, dates, given names), so most of these are
memoised; what is unique per person (NHS numbers) is not. Standardisers are pure and their
results immutable, so sharing the caches between rows is safe. Nothing here reads a row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from joinedup.standards import (
    StandardsError,
    display_case,
    normalise_nhs_number,
    normalise_postcode,
    normalise_sex,
    normalise_uprn,
    parse_address,
    parse_full_name,
    parse_name_parts,
    parse_one_line_address,
)
from joinedup.standards.characters import tidy_characters
from joinedup.standards.dates import (
    parse_date_of_birth_until,
    parse_date_until,
    parse_year_of_birth_until,
)
from joinedup.standards.name_case import has_letters
from joinedup.standards.partial_dates import month_and_short_year, no_date_reason, partial_date_year
from joinedup.standards.placeholders import is_placeholder

T = TypeVar("T")
Outcome = tuple[Any, str | None]
# (value, reason, until): an outcome that depends on the day, and the first day it may differ.
DatedOutcome = tuple[Any, str | None, date | None]


def memo(func: Callable[..., T], size: int = 32_768) -> Callable[..., Outcome]:
    """``func`` as ``(value, None)`` or ``(None, reason)``, remembered for recurring inputs.

    Extracts repeat themselves (towns, postcodes, dates, given names, codes); caching the
    outcome, failures included, takes most of the standardising cost off a large file.
    Standardisers are pure and their results immutable, so sharing them is safe.
    """

    @lru_cache(maxsize=size)
    def run(*args: Any) -> Outcome:
        try:
            return func(*args), None
        except StandardsError as exc:
            return None, exc.reason

    return run


display_case_of = memo(display_case)


def unmarked(text: str) -> str:
    """An address part without the apostrophe Excel puts before a cell it keeps as text
    (``'Rose Cottage``, ``'Leeds``): no UK address part begins with one. (In a CSV cell it
    is taken off only before a digit, since names begin with one: ``'t Hooft``.)"""
    return text[1:].strip() if text[:1] == "'" else text


def _name_alone(text: str) -> str:
    if not has_letters(text):
        raise StandardsError("name has no letters")
    return display_case(text)


display_name = memo(_name_alone)


@lru_cache(maxsize=32_768)
def plain_text(text: str) -> str:
    """A value with invisible and look-alike characters made plain (``LS6\u200b2AB``,
    full-width digits), trimmed; only for text that is not ASCII, and remembered."""
    return tidy_characters(text).strip()


# Asked of every address part: towns, streets and house numbers recur, so remembered.
is_placeholder_cached = lru_cache(maxsize=32_768)(is_placeholder)
postcode_of = memo(normalise_postcode)
sex_of = memo(normalise_sex)
uprn_of = memo(normalise_uprn)
ADDRESS_FIELDS = ("flat", "house_number", "house_name", "street", "locality", "town", "postcode")
# What a parsed address says beside its parts: not a person field (see _Builder.address).
NO_FIXED_ABODE = "no_fixed_abode"
NAME_PARTS = ("title", "given_name", "middle_names", "family_name", "name_suffix")
# A name may also give former family names (``née Jones``), and a one-field name a known-as
# name (``John 'Jack' Smith``); "notes" says what was written in it and not kept (``DECD``).
NOTES = "notes"
_PARTS_FIELDS = (*NAME_PARTS, "other_family_names", NOTES)
_FULL_NAME_FIELDS = (*NAME_PARTS, "other_family_names", "preferred_name", NOTES)
Items = tuple[tuple[str, str], ...]


def _present(value: Any, names: tuple[str, ...]) -> Items:
    """The fields of a parsed name or address that hold something, as ``(name, value)`` pairs:
    remembered with the parse, so a recurring name or address is not taken apart again."""
    return tuple((name, found) for name in names if (found := getattr(value, name, None)))


full_name_of = memo(lambda text: _present(parse_full_name(text), _FULL_NAME_FIELDS))
name_parts_of = memo(
    lambda title, given, middle, family, suffix: _present(
        parse_name_parts(
            title=title,
            given_name=given,
            middle_names=middle,
            family_name=family,
            name_suffix=suffix,
        ),
        _PARTS_FIELDS,
    )
)
_WITH_FLAG = (*ADDRESS_FIELDS, NO_FIXED_ABODE)
address_of = memo(lambda lines, town: _present(parse_address(list(lines), town=town), _WITH_FLAG))
one_line_address_of = memo(lambda text: _present(parse_one_line_address(text), _WITH_FLAG))
NO_FIXED_ABODE_WARNING = "address: says no fixed abode, which is not kept as part of the address"


def _memo_until(func: Callable[..., tuple[T, date | None]], size: int = 32_768) -> Any:
    """:func:`memo` for a standard whose answer depends on the day: ``func`` gives
    ``(value, until)`` or raises with ``until``; the outcome is ``(value, reason, until)``."""

    @lru_cache(maxsize=size)
    def run(*args: Any) -> DatedOutcome:
        try:
            value, until = func(*args)
            return value, None, until
        except StandardsError as exc:
            return None, exc.reason, exc.until

    return run


# A century holds about 36,500 dates of birth: a smaller cache would evict them in turn.
date_of_birth_of = _memo_until(parse_date_of_birth_until, 65_536)
date_of = _memo_until(lambda value, fmt, today: parse_date_until(value, fmt, today=today))


def _death_until(value: Any, fmt: str | None, today: date) -> tuple[date, date | None]:
    """A date of death, but not a system's stand-in for no date (1900-01-01): that would
    record a living person as dead."""
    try:
        died, until = parse_date_until(value, fmt, today=today)
    except StandardsError as exc:
        if isinstance(value, str) and is_partial(value):
            raise StandardsError(PARTIAL_DEATH, until=exc.until) from None
        raise
    if (reason := no_date_reason(died)) is not None:
        raise StandardsError(reason, until=until)
    return died, until


def is_partial(text: str) -> bool:
    """Whether ``text`` is a date known only to the month or year (``April 1961``, ``Apr-61``)."""
    return partial_date_year(text) is not None or month_and_short_year(text) is not None


PARTIAL_DEATH = (
    "not a full date (the day or month is not known): a date of death is kept only as a full "
    "date, so nothing is kept"
)
date_of_death_of = _memo_until(_death_until)
year_of_birth_of = _memo_until(parse_year_of_birth_until)
YEAR_ONLY = "only a year is given: kept as the year of birth"
PARTIAL_DATE = (
    "not a full date (the day or month is not known): its year is kept as the year of birth"
)
ESTIMATED_DATE = (
    "marked as estimated (its day and month may be a guess): its year is kept as the year of birth"
)
# Address parts a source may give on their own (the town is passed to the parser instead).
PLAIN_ADDRESS = ("flat", "house_number", "house_name", "street", "locality")


def _plain(func: Callable[[str], str]) -> Callable[[str], Outcome]:
    """``func`` in the ``(value, reason)`` form, without a cache (values unique per person)."""

    def run(text: str) -> Outcome:
        try:
            return func(text), None
        except StandardsError as exc:
            return None, exc.reason

    return run


nhs_number_of = _plain(normalise_nhs_number)


def reorder(full: str, order: str) -> str:
    """Write a name with no comma as ``FAMILY, Given`` when the mapping says which end it is."""
    if order == "auto" or "," in full:
        return full
    words = full.split()
    if len(words) < 2:
        return full
    if order == "family_first":
        return f"{words[0]}, {' '.join(words[1:])}"
    return f"{words[-1]}, {' '.join(words[:-1])}"
