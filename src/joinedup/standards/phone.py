"""Phone numbers to E.164 with ``phonenumbers`` (Google's libphonenumber metadata).

National numbers are read in the ``region`` given (GB by default), so ``0113 496 0000``,
``(0113) 4960000``, ``+44 113 496 0000`` and ``0044 113 496 0000`` all become
``+441134960000``. Extensions (``ext 123``, ``x12``) are dropped: a person is reached at the
number, and linkage compares numbers. So is a note written after the number (``07700 900123
(mum)``, ``0113 496 0000 - work``), which libphonenumber would read as vanity letters. A UK
mobile whose leading zero a spreadsheet removed (``7911123456``) is read as ``07911 123456``,
which is what libphonenumber does for GB.

Numbers libphonenumber does not consider valid for their country are rejected, with one
exception: Ofcom's drama range for mobiles (``07700 900000``–``07700 900999``) is accepted,
because it is reserved for fiction and test data and never reaches a real person.

A cell holding several numbers (``07700 900123 / 0113 496 0000``, also with ``;``, ``,``,
``|``, ``&``, ``or``, ``and`` or a line break between them, or labels: ``0113 496 0000 (H)
07700 900123 (M)``) is split by :func:`split_phones`,
so that each can be normalised on its own; :func:`normalise_phone` refuses such a cell as a
whole rather than return one of its numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache
from itertools import pairwise
from typing import Any

import phonenumbers
from phonenumbers.phonemetadata import PhoneMetadata

from joinedup.standards.errors import StandardsError
from joinedup.standards.uprn import is_scientific_notation

_DRAMA_MOBILE = re.compile(r"^7700900\d{3}$")


def normalise_phone(text: str | int, region: str = "GB") -> str:
    """Return ``text`` as an E.164 number (``+447911123456``), reading national forms in ``region``.

    Raises :class:`StandardsError` when the text is not a phone number or not a valid one for
    its country. Idempotent: an E.164 number comes back unchanged.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise StandardsError("phone number is not text")
    if not isinstance(region, str):
        raise StandardsError("phone region is not text")
    return _normalise_phone(str(text), region)


# libphonenumber takes a quarter of a millisecond a number; the same numbers recur.
@lru_cache(maxsize=65_536)
def _normalise_phone(text: str, region: str) -> str:
    raw = _TRAILING_NOTE.sub("", text.strip())
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    if not raw:
        raise StandardsError("phone number is blank")
    if len(raw) > 60:
        raise StandardsError("phone number is too long")
    fast = _gb_national(raw) if region == "GB" else None
    if fast is not None:
        return fast
    if ";" in raw and len(split_phones(raw)) > 1:
        # libphonenumber reads ";" as the start of RFC 3966 parameters and would return the
        # first number alone, the second lost without a word: the caller splits the cell.
        # (Every other way of writing two numbers in one cell fails to parse as one.)
        raise StandardsError("holds more than one phone number")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        if is_scientific_notation(raw.replace(" ", "")):
            raise StandardsError(
                "phone number is in scientific notation; a spreadsheet has lost its digits"
            ) from None
        raise StandardsError("not a phone number") from None
    national = str(number.national_number)
    drama = number.country_code == 44 and bool(_DRAMA_MOBILE.match(national))
    if not drama and not _is_valid(number):
        raise StandardsError("not a valid phone number for its country")
    number.extension = None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# A note after the number ("07700 900123 (mum)", "0113 496 0000 - work"): text with no digit
# after the last one. libphonenumber would read its letters as a vanity number's digits and
# reject the whole; a note before the number ("Mum: 07700 900123") it skips by itself.
_TRAILING_NOTE = re.compile(r"(?<=\d)[\s\-–:,;]*[(\[]?[^\W\d_][^\d]*$")
# What stands between two numbers in one cell.
# A line break too: a cell typed with Alt+Enter holds one number a line.
_BETWEEN = re.compile(r"\s*(?:[/;,|&\n]|\s(?:or|and)\s)\s*", re.IGNORECASE)
# A piece with this many digits is a number of its own (the shortest UK numbers have 9 after
# the 0; 7 leaves room for a local number); fewer ("ext 12", "x3") belong to the one before.
_NUMBER_DIGITS = 7


def split_phones(text: str) -> tuple[str, ...]:
    """The numbers in a cell that holds several: ``"07700 900123 / 0113 496 0000"`` gives
    ``("07700 900123", "0113 496 0000")``. Pieces with too few digits to be a number
    (``ext 12``) stay with the number before them; text holding fewer than two numbers comes
    back whole, as ``(text,)``. Never raises; the pieces are not normalised.
    """
    if not isinstance(text, str):
        return (text,)
    if not _BETWEEN.search(text):
        return _labelled(text) or (text,)
    pieces: list[str] = []
    for piece in _BETWEEN.split(text):
        if sum(ch.isdigit() for ch in piece) >= _NUMBER_DIGITS or not pieces:
            pieces.append(piece)
        elif piece:
            pieces[-1] = f"{pieces[-1]} {piece}"
    numbers = [p for p in pieces if sum(ch.isdigit() for ch in p) >= _NUMBER_DIGITS]
    return tuple(numbers) if len(numbers) > 1 else (text,)


# A run of digits with the spaces, hyphens and brackets a number is written with.
_RUN = re.compile(r"\+?\(?\d[\d\s\-()]*\d")


def _labelled(text: str) -> tuple[str, ...] | None:
    """The numbers of a cell that tells them apart by labels rather than separators
    (``0113 496 0000 (H) 07700 900123 (M)``, ``H: 0113 496 0000 M: 07700 900123``): runs of
    at least :data:`_NUMBER_DIGITS` digits with letters between each and the next. None when
    there are fewer than two, or only spaces between two (a number's own grouping, perhaps)."""
    runs = [m for m in _RUN.finditer(text) if sum(map(str.isdigit, m.group())) >= _NUMBER_DIGITS]
    if len(runs) < 2:
        return None
    for before, after in pairwise(runs):
        if not any(map(str.isalpha, text[before.end() : after.start()])):
            return None
    return tuple(m.group().strip() for m in runs)


def _gb_national(raw: str) -> str | None:
    """The E.164 form of a UK number written nationally in digits and spaces (``07911 123456``),
    or ``None`` to leave the text to the full parser; raises as the parser path would.

    Most numbers in UK extracts look like this, and for them ``phonenumbers.parse`` does
    nothing but drop the spaces and the leading ``0``: GB's national prefix, which it strips
    whenever the text as written cannot be a GB number — and no GB national significant number
    starts with 0. Digits and spaces alone hold no extension and no international prefix
    (the second digit is not 0). Validity is then judged exactly as below.
    """
    digits = raw.replace(" ", "")
    if not (
        10 <= len(digits) <= 11
        and digits[0] == "0"
        and digits[1] != "0"
        and digits.isascii()
        and digits.isdigit()
    ):
        return None
    national = digits[1:]
    number = phonenumbers.PhoneNumber(country_code=44, national_number=int(national))
    if not _DRAMA_MOBILE.match(national) and not _is_valid(number):
        raise StandardsError("not a valid phone number for its country")
    return "+44" + national


def _is_valid(number: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number``; for +44 numbers without its per-call overhead.

    The library recompiles (or looks up) a dozen metadata patterns per number and, for +44,
    tests GB, then Guernsey, the Isle of Man and Jersey in turn, then the region it found
    again: a millisecond a number under load. :func:`_uk_region_valid` asks the same
    questions of the same metadata with the patterns compiled once, in the library's order,
    so the answer is the library's (``tests/unit/ingest/test_phone_fast_path.py`` checks).
    """
    if number.country_code != 44 or number.italian_leading_zero:
        return bool(phonenumbers.is_valid_number(number))
    national = str(number.national_number)
    for leading, valid in _uk_regions():
        # The library's region_code_for_number: a region with leading digits claims a number
        # by them; one without claims it when the number is any known type there.
        if leading is not None:
            if leading.match(national):
                return valid(national)
        elif valid(national):
            return True
    return False


Test = Callable[[str], bool]


@cache
def _uk_regions() -> tuple[tuple[re.Pattern[str] | None, Test], ...]:
    """For each region sharing +44, in the library's order: its leading-digits pattern and a
    test equal to ``_number_type_helper(number, metadata) != UNKNOWN``."""
    out = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[44]:
        metadata = PhoneMetadata.metadata_for_region(region)
        assert metadata is not None  # the library ships metadata for every region it maps
        leading = re.compile(metadata.leading_digits) if metadata.leading_digits else None
        out.append((leading, _type_test(metadata)))
    return tuple(out)


def _type_test(metadata: PhoneMetadata) -> Test:
    """Whether a national number is any known type in this region (``_number_type_helper``
    not UNKNOWN): the library checks the general description (a possible length, the whole
    pattern), then each type in turn (the same). Here, for each length, the general pattern
    (as a lookahead to the end) and the patterns of the types that allow that length are one
    expression, matched once: a full match of "``g`` as a lookahead to the end of the text,
    then ``(?:a)|(?:b)``" is a full match of ``g`` and of ``a`` or ``b``, so the answer is
    the same."""
    kinds = [
        metadata.fixed_line, metadata.mobile, metadata.premium_rate, metadata.toll_free,
        metadata.shared_cost, metadata.voip, metadata.personal_number, metadata.pager,
        metadata.uan, metadata.voicemail,
    ]  # fmt: skip
    general = metadata.general_desc
    descs = [d for d in kinds if d is not None and d.national_number_pattern]
    if general is None or not general.national_number_pattern or not descs:
        return lambda national: False
    general_lengths = frozenset(general.possible_length or ())
    lookahead = f"(?=(?:{general.national_number_pattern})\\Z)"
    lengths = {length for d in descs for length in d.possible_length or ()}
    by_length = {
        length: _alternation(lookahead, [d for d in descs if _allows(d, length)])
        for length in lengths
    }
    # A type that states no possible lengths allows any.
    other = _alternation(lookahead, [d for d in descs if not d.possible_length])

    def test(national: str) -> bool:
        size = len(national)
        if general_lengths and size not in general_lengths:
            return False
        pattern = by_length.get(size, other)
        return pattern is not None and pattern.fullmatch(national) is not None

    return test


def _allows(desc: Any, length: int) -> bool:
    return not desc.possible_length or length in desc.possible_length


def _alternation(lookahead: str, descs: list[Any]) -> re.Pattern[str] | None:
    if not descs:
        return None
    either = "|".join(f"(?:{d.national_number_pattern})" for d in descs)
    return re.compile(f"{lookahead}(?:{either})")


def is_mobile(e164: str) -> bool:
    """True when an E.164 number is a mobile (or could be either, as in the US)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    if number.country_code == 44 and _DRAMA_MOBILE.match(str(number.national_number)):
        return True
    kind = phonenumbers.number_type(number)
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
