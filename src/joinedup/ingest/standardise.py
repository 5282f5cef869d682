"""One source row + its mapping → a :class:`StandardPerson`, attributes and data-quality warnings.

The rule that keeps data from being lost: a field that fails its standard (an NHS number failing
Modulus 11, 31/02/1980) is dropped from the standardised record with a warning kept on the
record, and the row is kept. Only a row that cannot be trusted at all — no record id, or nothing
left that identifies a person — is quarantined, with every reason (warnings included).
Warnings carry reasons from ``standards``, which never repeat a personal value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, TypeVar

from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.paths import resolve
from joinedup.ingest.readers.fhir_patient import DAY_DEPENDENT, patient_fields
from joinedup.ingest.readers.fhir_reader import PatientHints
from joinedup.ingest.rows import SourceRow
from joinedup.ingest.values import Scalar, as_text, json_value, scalar, values_of
from joinedup.standards import (
    StandardPerson,
    StandardsError,
    display_case,
    is_no_fixed_abode,
    normalise_email,
    normalise_nhs_number,
    normalise_phone,
    normalise_postcode,
    normalise_sex,
    normalise_uprn,
    parse_address,
    parse_full_name,
    parse_name_parts,
    parse_one_line_address,
    pseudo_postcode_note,
)
from joinedup.standards.characters import tidy_characters
from joinedup.standards.dates import (
    is_year_of_birth_form,
    parse_date_of_birth_until,
    parse_date_until,
    parse_year_of_birth_until,
)
from joinedup.standards.email import split_emails
from joinedup.standards.name_case import has_letters
from joinedup.standards.partial_dates import (
    estimated_date,
    month_and_short_year,
    no_date_reason,
    partial_date_year,
)
from joinedup.standards.phone import split_phones
from joinedup.standards.placeholders import is_placeholder, placeholder_reason

T = TypeVar("T")
Outcome = tuple[Any, str | None]
# (value, reason, until): an outcome that depends on the day, and the first day it may differ.
DatedOutcome = tuple[Any, str | None, date | None]

#: The version of what standardising makes of a row. A re-ingest skips an unchanged raw row
#: only when the digest stored with its record's version (see :mod:`joinedup.ingest.prepare`)
#: was made under this same number, so **bump it whenever the stored outcome of any row could
#: change**: a standardiser (``joinedup.standards``), this module, the readers or the mapping
#: compiler reading a value differently, the content hash or the stored columns. Forgetting to
#: bump it leaves records standardised the old way until their raw row changes.
#: 2: FHIR legacy NHS number system, period ends compared with the day, text-only addresses;
#: pseudo-postcodes and "no fixed abode" warned about; a year kept from a date-of-birth cell;
#: spaced date separators, hyphenated postcodes, several phones in a cell; names with
#: honours, Welsh particles, stacked titles, known-as names, and non-person names; a dotted
#: path over a list of objects read in each of them.
#: 3: numbers in date fields of a 1904-system workbook; family-name prefixes ("Mc Donald",
#: "O' Brien", "St John"); a note after a phone number; PO, BFPO, ordinals, Welsh "y" and
#: Welsh street words in addresses.
#: 4: a lone letter after a house or flat number is its suffix ("12 A High Street" is 12A);
#: workbooks' hidden rows and formulas saved without a result are warned about; placeholders
#: ("N/K", "Unknown") in a standardised field are "not known", not a failed value. Bumped
#: although 3 was never released: demo stores and the benchmarks' cached boroughs (keyed by
#: this number) were standardised under 3 today, and would otherwise keep the old addresses.
#: 5: a second phone number after ";", on a second line of the cell or after a label
#: ("0113 496 0000 (H) 07700 900123 (M)") is kept, as are several email addresses in one
#: cell; a former family name in a name ("née Jones", "formerly Jones") is another family
#: name; a date of birth known only to the month or year ("April 1961", "00/00/1961") gives
#: the year; a system's date for "no date" (1900-01-01 …) is no date of birth or death; a
#: date with Oracle's dotted time ("03-APR-61 12.00.00.000000000 AM") is read; a country or
#: county ending a one-line address without commas is not part of its town; "c/o" and
#: the name after it are no part of an address; "Baby", "Unknown" (…) as a forename is no
#: given name, and "DECD" no part of a name; a CSV cell's Excel text marks ('9434765919,
#: ="07700900123") are not part of its value; "ex-directory" or "withheld" in a field is
#: a placeholder (its warning says so, not "not a phone number").
#: 6: Dutch "'t" is a family-name particle; dashes in a name are hyphens; ranks (Lt Col,
#: Wg Cdr, L/Cpl …) are titles; "Baby of" after a family name is not a name, and in a
#: forename field no given name; "DECD" in a name part is no part of it; "N/K" in a name
#: part is a placeholder; a name's "Baby" or "DECD" taken out is warned about. Dates
#: separated by spaces alone ("03 04 1961"), Excel serials with a decimal comma ("22374,0")
#: and Excel's "mmm-yy" ("Apr-61": the year of birth) are read; an age where a date of
#: birth goes and a partial date of death are said to be what they are. A report's footer
#: with its count in a column of its own is quarantined as a footer. Excel's text mark
#: before a postcode ('LS6 2AB) is not part of it; a postcode field holding two postcodes
#: says so; a placeholder ("?", "N/K") in an address part is not stored as the part.
#: Person fields that are not ASCII lose zero-width characters and have full-width forms,
#: non-breaking spaces and dashes made plain (NFKC): decomposed diacritics are stored
#: composed. A JSON array written one object a line is read as its objects. A FHIR
#: Patient's birthDate given only by its birthTime extension gives the date of birth. A
#: spreadsheet's error value (#REF!, #VALUE!) is no value of any field, and said to be one.
#: A workbook's columns under a merged header cell are named (Name (2)) and so kept.
#: "*DECEASED*", "[DECEASED]", "(RIP)" and "J.SMITH" in a name; "LS6 2AB." (a full stop
#: after a postcode); "Ann Smith <ann@x.org>" and "ann@x.org (work)"; "NHS No: 943 …".
#: A report's header repeated at a page's top, and its "Page 1 of 3", are quarantined. A
#: placeholder in a preferred-name or other-family-names field is no name. Excel's text
#: mark before an address part ('Rose Cottage, 'Leeds) is not part of it. A CSV row with a
#: quote not doubled inside a quoted value, whose columns do not add up, is quarantined.
#: 7: xs:date with a zone ("1961-04-03Z") and pandas' "19610403.0" are read as dates; a date
#: of birth marked as estimated ("03/04/1961 (est)") gives only its year, with a warning. A
#: CSV value with a quote not doubled ("O"Brien") is read as written (csv read OBrien"),
#: or the row quarantined when its columns do not then add up; a double quote between two
#: letters of a name ("O"Brien") is an apostrophe.
STANDARDISERS_VERSION = 7


def _memo(func: Callable[..., T], size: int = 32_768) -> Callable[..., Outcome]:
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


_display_case = _memo(display_case)


def _unmarked(text: str) -> str:
    """An address part without the apostrophe Excel puts before a cell it keeps as text
    (``'Rose Cottage``, ``'Leeds``): no UK address part begins with one. (In a CSV cell it
    is taken off only before a digit, since names begin with one: ``'t Hooft``.)"""
    return text[1:].strip() if text[:1] == "'" else text


def _name_alone(text: str) -> str:
    if not has_letters(text):
        raise StandardsError("name has no letters")
    return display_case(text)


_display_name = _memo(_name_alone)


@lru_cache(maxsize=32_768)
def _plain_text(text: str) -> str:
    """A value with invisible and look-alike characters made plain (``LS6\u200b2AB``,
    full-width digits), trimmed; only for text that is not ASCII, and remembered."""
    return tidy_characters(text).strip()


# Asked of every address part: towns, streets and house numbers recur, so remembered.
_is_placeholder = lru_cache(maxsize=32_768)(is_placeholder)
_postcode = _memo(normalise_postcode)
_sex = _memo(normalise_sex)
_uprn = _memo(normalise_uprn)
_ADDRESS_FIELDS = ("flat", "house_number", "house_name", "street", "locality", "town", "postcode")
# What a parsed address says beside its parts: not a person field (see _Builder.address).
_NO_FIXED_ABODE = "no_fixed_abode"
_NAME_PARTS = ("title", "given_name", "middle_names", "family_name", "name_suffix")
# A name may also give former family names (``née Jones``), and a one-field name a known-as
# name (``John 'Jack' Smith``); "notes" says what was written in it and not kept (``DECD``).
_NOTES = "notes"
_PARTS_FIELDS = (*_NAME_PARTS, "other_family_names", _NOTES)
_FULL_NAME_FIELDS = (*_NAME_PARTS, "other_family_names", "preferred_name", _NOTES)
Items = tuple[tuple[str, str], ...]


def _present(value: Any, names: tuple[str, ...]) -> Items:
    """The fields of a parsed name or address that hold something, as ``(name, value)`` pairs:
    remembered with the parse, so a recurring name or address is not taken apart again."""
    return tuple((name, found) for name in names if (found := getattr(value, name, None)))


_full_name = _memo(lambda text: _present(parse_full_name(text), _FULL_NAME_FIELDS))
_name_parts = _memo(
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
_WITH_FLAG = (*_ADDRESS_FIELDS, _NO_FIXED_ABODE)
_address = _memo(lambda lines, town: _present(parse_address(list(lines), town=town), _WITH_FLAG))
_one_line_address = _memo(lambda text: _present(parse_one_line_address(text), _WITH_FLAG))
NO_FIXED_ABODE_WARNING = "address: says no fixed abode, which is not kept as part of the address"


def _memo_until(func: Callable[..., tuple[T, date | None]], size: int = 32_768) -> Any:
    """:func:`_memo` for a standard whose answer depends on the day: ``func`` gives
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
_date_of_birth = _memo_until(parse_date_of_birth_until, 65_536)
_date = _memo_until(lambda value, fmt, today: parse_date_until(value, fmt, today=today))


def _death_until(value: Any, fmt: str | None, today: date) -> tuple[date, date | None]:
    """A date of death, but not a system's stand-in for no date (1900-01-01): that would
    record a living person as dead."""
    try:
        died, until = parse_date_until(value, fmt, today=today)
    except StandardsError as exc:
        if isinstance(value, str) and _is_partial(value):
            raise StandardsError(PARTIAL_DEATH, until=exc.until) from None
        raise
    if (reason := no_date_reason(died)) is not None:
        raise StandardsError(reason, until=until)
    return died, until


def _is_partial(text: str) -> bool:
    """Whether ``text`` is a date known only to the month or year (``April 1961``, ``Apr-61``)."""
    return partial_date_year(text) is not None or month_and_short_year(text) is not None


PARTIAL_DEATH = (
    "not a full date (the day or month is not known): a date of death is kept only as a full "
    "date, so nothing is kept"
)
_date_of_death = _memo_until(_death_until)
_year_of_birth = _memo_until(parse_year_of_birth_until)
YEAR_ONLY = "only a year is given: kept as the year of birth"
PARTIAL_DATE = (
    "not a full date (the day or month is not known): its year is kept as the year of birth"
)
ESTIMATED_DATE = (
    "marked as estimated (its day and month may be a guess): its year is kept as the year of birth"
)
NOT_IDENTIFYING = (
    "no identifying field (a name, a full date of birth, an NHS number, a phone number or an "
    "email address; or a year of birth with an address)"
)
# Address parts a source may give on their own (the town is passed to the parser instead).
_PLAIN_ADDRESS = ("flat", "house_number", "house_name", "street", "locality")


@dataclass(frozen=True, slots=True)
class Standardised:
    """The outcome for one row. ``problems`` non-empty means: quarantine it, for those reasons.

    ``valid_until`` is the first day on which the same row might be standardised differently
    (a date of birth in the future becomes valid on that day; a two-digit year may change
    century on 1 January), or ``None`` when the outcome does not depend on the day.
    """

    record_id: str | None
    person: StandardPerson
    attributes: dict[str, Any]
    warnings: tuple[str, ...]
    problems: tuple[str, ...]
    valid_until: date | None = None


def record_id_of(row: SourceRow, mapping: SourceMapping) -> str | None:
    """The row's own record id as text, or ``None`` when it has none (``1234.0`` reads ``1234``)."""
    found, _ = values_of(row.values, mapping.record_id, mapping.null_values)
    return as_text(found[0]) if found else None


def standardise_row(
    row: SourceRow, mapping: SourceMapping, *, today: date | None = None
) -> Standardised:
    """Standardise one row per ``mapping``: person fields, attributes, warnings, and any problems.

    FHIR rows start from what the Patient resource says (``row.hints``); fields the mapping
    names explicitly win. ``today`` pins "now" for date-of-birth checks in tests.
    """
    return standardise_with_id(row, mapping, record_id_of(row, mapping), today or date.today())


def standardise_with_id(
    row: SourceRow, mapping: SourceMapping, record_id: str | None, today: date
) -> Standardised:
    """:func:`standardise_row` for a caller that has read the row's record id already."""
    builder = _Builder(row, mapping, today)
    person = builder.person()
    attributes = builder.attributes()
    problems: list[str] = []
    if record_id is None:
        problems.append(f"record_id: no value in '{mapping.record_id.name}'")
    if not person.is_identifying():
        problems.append(NOT_IDENTIFYING)
    warnings = tuple(builder.warnings)
    if problems:
        problems.extend(warnings)
    return Standardised(
        record_id, person, attributes, warnings, tuple(problems), builder.valid_until
    )


class _Builder:
    """Collects standard values and warnings for one row; one method per kind of field."""

    def __init__(self, row: SourceRow, mapping: SourceMapping, today: date) -> None:
        self.row = row
        self.mapping = mapping
        self.today = today
        self.valid_until: date | None = None
        self.warnings: list[str] = list(row.notes) if row.notes else []
        self.raw: dict[str, list[tuple[Scalar, str | None]]] = {}
        nulls = mapping.null_values
        hints = row.hints
        if type(hints) is PatientHints:
            hints = hints.read()  # a plain dict's items, not the Mapping's
        if hints and DAY_DEPENDENT in hints:
            hints = self.on_the_day(hints)
        for key, value in (hints or {}).items():
            if type(value) is str:  # most hints: one text, kept cheap
                text = value.strip() if value.isascii() else _plain_text(value)
                self.raw[key] = [] if text in nulls else [(text, None)]
                continue
            items = value if isinstance(value, list) else [value]
            texts = [scalar(v, nulls) for v in items]
            self.raw[key] = [(t, None) for t in texts if t is not None]
        for key, refs in mapping.person.items():
            found: list[tuple[Scalar, str | None]] = []
            for ref in refs:
                values, saw_object = values_of(row.values, ref, mapping.null_values)
                if saw_object:
                    self.warnings.append(f"{key}: '{ref.name}' holds an object, not a value")
                for v in values:
                    if type(v) is str and not v.isascii():
                        v = _plain_text(v)  # a pasted zero-width space, full-width digits
                        if not v or v in nulls:
                            continue
                    found.append((v, ref.format))
            self.raw[key] = found
        if mapping.person and (
            "full_name" in mapping.person or any(p in mapping.person for p in _NAME_PARTS)
        ):
            # The mapping's own name fields replace a FHIR resource's name entirely.
            for key in ("full_name", *_NAME_PARTS):
                if key not in mapping.person:
                    self.raw.pop(key, None)

    def on_the_day(self, hints: Mapping[str, Any]) -> dict[str, Any]:
        """A Patient's fields that depend on the day (a period end), as read on ``today``
        (the reader read them on the real date), with the row's ``valid_until`` noted."""
        judged_on, until = hints[DAY_DEPENDENT]
        if judged_on != self.today:
            hints = patient_fields(self.row.values, self.today)
            judged_on, until = hints[DAY_DEPENDENT]
        if until is not None and (self.valid_until is None or until < self.valid_until):
            self.valid_until = until
        return {key: value for key, value in hints.items() if key != DAY_DEPENDENT}

    def first(self, key: str) -> tuple[Scalar, str | None] | None:
        found = self.raw.get(key)
        return found[0] if found else None

    def text(self, key: str) -> str | None:
        # Called a score of times a row: one look-up, no helper calls for the usual text.
        found = self.raw.get(key)
        if not found:
            return None
        value = found[0][0]
        return value if type(value) is str else as_text(value)

    def texts(self, key: str) -> list[str]:
        found = self.raw.get(key)
        return [as_text(v) for v, _ in found] if found else []

    def apply(self, key: str, func: Callable[..., Outcome]) -> Any:
        text = self.text(key)
        if text is None:
            return None
        return self.outcome(key, func(text), text)

    def outcome(self, key: str, result: Outcome, given: Any = None) -> Any:
        """The value of a standard's ``result``, or None with its reason kept as a warning.
        ``given`` is the value the standard was given: a placeholder (``N/K``) that it
        rejected is said to be one, not described as a malformed date or postcode."""
        value, reason = result
        if reason is not None:
            if type(given) is str and is_placeholder(given):
                reason = placeholder_reason(given)
            self.warnings.append(f"{key}: {reason}")
        return value

    def dated(self, key: str, result: DatedOutcome, given: Any = None) -> Any:
        """:meth:`outcome` for a standard that depends on the day, keeping the row's
        ``valid_until`` the earliest of its fields'."""
        value, reason, until = result
        if until is not None and (self.valid_until is None or until < self.valid_until):
            self.valid_until = until
        return self.outcome(key, (value, reason), given)

    def person(self) -> StandardPerson:
        fields: dict[str, Any] = {}
        name = self.name()
        if name is not None:
            fields.update(name)
        preferred = self.a_name("preferred_name", self.text("preferred_name"))
        if preferred:
            fields["preferred_name"] = preferred  # a source's own known-as name wins
        others = [
            *fields.get("other_family_names", ()),
            *(self.a_name("other_family_names", t) for t in self.texts("other_family_names")),
        ]
        fields["other_family_names"] = tuple(
            o for o in dict.fromkeys(others) if o and o != fields.get("family_name")
        )
        fields.update(self.births())
        fields["sex"] = self.apply("sex", _sex)
        fields["nhs_number"] = self.apply("nhs_number", _nhs_number)
        fields.update(self.address())
        fields["uprn"] = self.apply("uprn", _uprn)
        fields["phones"] = self.several("phone", normalise_phone, split_phones)
        fields["emails"] = self.several("email", normalise_email, split_emails)
        death = self.a_date("date_of_death", _date_of_death)
        if death:
            fields["date_of_death"] = death
        return StandardPerson(**{k: v for k, v in fields.items() if v is not None})

    def name(self) -> Items | None:
        """The name's parts that hold something, or None (no name, or none that parses)."""
        full = self.text("full_name")
        if full is not None and not any(self.raw.get(p) for p in _NAME_PARTS):
            reordered = _reorder(full, self.mapping.full_name_order)
            return self.noted("full_name", self.outcome("full_name", _full_name(reordered)))
        parts = [self.text(p) for p in _NAME_PARTS]
        if not any(parts):
            return None
        return self.noted("name", self.outcome("name", _name_parts(*parts)))

    def noted(self, key: str, name: Items | None) -> Items | None:
        """A parsed name without its notes (``DECD`` taken out), each kept as a warning."""
        if not name or name[-1][0] != _NOTES:  # notes are the last field, and rare
            return name
        self.warnings.extend(f"{key}: {note}" for note in name[-1][1])
        return name[:-1]

    def births(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        warned = len(self.warnings)
        born = self.a_date("date_of_birth", _date_of_birth)
        if born:
            out["date_of_birth"] = born
            out["year_of_birth"] = int(born[:4])
            return out
        year = self.first("year_of_birth")
        if year is None:
            return self.year_of_a_date(out, warned)
        value = year[0]
        if isinstance(value, date):
            out["year_of_birth"] = value.year
        else:
            year = _year_of_birth(value, self.today)
            out["year_of_birth"] = self.dated("year_of_birth", year, value)
        dob = self.first("date_of_birth")
        if out["year_of_birth"] is not None and dob is not None and dob[0] == value:
            # One column holding "1941" or "b.1941" for some people and full dates for others
            # (mapped as both): a year read from it is what it says, not a failed date.
            del self.warnings[warned:]
        return out

    def year_of_a_date(self, out: dict[str, Any], warned: int) -> dict[str, Any]:
        """A date-of-birth cell holding only a year (``1961``, ``b.1941``) or a date known
        only to the month or year (``April 1961``, ``00/00/1961``) and no year of birth
        mapped: the year is kept as the year of birth, the date's warning replaced by one
        saying so (or by the year's own, when the year cannot be one)."""
        dob = self.first("date_of_birth")
        if dob is None or isinstance(dob[0], date) or not is_year_of_birth_form(dob[0]):
            return out
        del self.warnings[warned:]
        written = dob[0] if isinstance(dob[0], str) else str(int(dob[0]))
        year = self.dated("date_of_birth", _year_of_birth(written, self.today))
        if year is not None:
            out["year_of_birth"] = year
            if estimated_date(written) is not None:
                said = ESTIMATED_DATE
            else:
                said = PARTIAL_DATE if _is_partial(written) else YEAR_ONLY
            self.warnings.append(f"date_of_birth: {said}")
        return out

    def a_date(self, key: str, parser: Callable[..., DatedOutcome]) -> str | None:
        found = self.first(key)
        if found is None:
            return None
        value, fmt = found
        if isinstance(value, date):
            fmt = None  # Excel already knew it was a date; a text format would not apply
        parsed: date | None = self.dated(key, parser(value, fmt, self.today), value)
        return parsed.isoformat() if parsed is not None else None

    def a_name(self, key: str, text: str | None) -> str | None:
        """A name a source holds on its own (a known-as or former family name), display-cased;
        None for a placeholder (``?``, ``N/K``: they were stored as names), warned about."""
        if text is None:
            return None
        if _is_placeholder(text):
            self.warnings.append(f"{key}: {placeholder_reason(text)}")
            return None
        found: str | None = self.outcome(key, _display_name(text))
        return found

    def known(self, key: str, texts: list[str]) -> list[str]:
        """``texts`` without placeholders (``?``, ``N/K``), each warned about: an address
        part has no standard to reject one, so it was stored (a street called "?"); and
        without Excel's text mark (``'Rose Cottage``)."""
        if any(t[:1] == "'" for t in texts):
            texts = [_unmarked(t) for t in texts]
        if not any(map(_is_placeholder, texts)):
            return texts
        self.warnings.extend(f"{key}: {placeholder_reason(t)}" for t in texts if _is_placeholder(t))
        return [t for t in texts if not _is_placeholder(t)]

    def address(self) -> dict[str, Any]:
        parsed: Any = None
        town = self.text("town")
        if town is not None and town[:1] == "'":
            town = _unmarked(town)
        if town is not None and _is_placeholder(town):
            self.warnings.append(f"town: {placeholder_reason(town)}")
            town = None
        if self.raw.get("address"):
            lines = self.known("address", self.texts("address"))
            if lines:
                parsed = self.outcome("address", _one_line_address(", ".join(lines)))
        elif self.raw.get("address_lines") or town:
            lines = self.known("address_lines", self.texts("address_lines"))
            if lines or town:
                parsed = self.outcome("address", _address(tuple(lines), town))
        out: dict[str, Any] = dict(parsed) if parsed is not None else {}
        homeless = out.pop(_NO_FIXED_ABODE, False)
        raw = self.raw
        for key in _PLAIN_ADDRESS:
            text = self.text(key) if raw.get(key) else None
            if text and text[:1] == "'":
                text = _unmarked(text)
            if text:
                if _is_placeholder(text):
                    self.warnings.append(f"{key}: {placeholder_reason(text)}")
                    continue
                if is_no_fixed_abode(text):
                    homeless = True  # "NFA" in a house name column is not a house name
                    continue
                out[key] = _display_case(text)[0] if key != "house_number" else text.upper()
        if homeless:
            self.warnings.append(NO_FIXED_ABODE_WARNING)
        postcode = self.text("postcode") or out.pop("postcode", None)
        out.pop("postcode", None)
        if postcode:
            value = out["postcode"] = self.outcome("postcode", _postcode(postcode), postcode)
            if value is not None and value.startswith("ZZ99"):
                # Kept (it says no fixed abode, or not known), but flagged: it is no place.
                self.warnings.append(f"postcode: {pseudo_postcode_note(value)}")
        return out

    def several(
        self, key: str, normalise: Callable[[str], str], split: Callable[[str], tuple[str, ...]]
    ) -> tuple[str, ...]:
        """Every valid value of ``key`` (phones, emails); a cell that fails as one value but
        holds several (``07700 900123 / 0113 496 0000``, ``a@x.org; b@y.com``) gives each of
        them that is valid."""
        out: list[str] = []
        for text in self.texts(key):
            try:
                out.append(normalise(text))
                continue
            except StandardsError as exc:
                pieces = split(text)
                if len(pieces) < 2:
                    self.outcome(key, (None, exc.reason), text)
                    continue
            for piece in pieces:
                try:
                    out.append(normalise(piece))
                except StandardsError as exc:
                    self.warnings.append(f"{key}: {exc.reason}")
        return tuple(dict.fromkeys(out))

    def attributes(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.mapping.attribute_constants)
        values: Mapping[str, Any] = self.row.values
        for name, ref in self.mapping.attribute_fields.items():
            if ref.format is None:
                value = json_value(resolve(values, ref.path), self.mapping.null_values)
                if value is not None:
                    out[name] = value
                continue
            found, _ = values_of(values, ref, self.mapping.null_values)
            if not found:
                continue
            fmt = None if isinstance(found[0], date) else ref.format
            parsed = self.dated(f"attributes.{name}", _date(found[0], fmt, self.today), found[0])
            if parsed is not None:
                out[name] = parsed.isoformat()
        return out


def _plain(func: Callable[[str], str]) -> Callable[[str], Outcome]:
    """``func`` in the ``(value, reason)`` form, without a cache (values unique per person)."""

    def run(text: str) -> Outcome:
        try:
            return func(text), None
        except StandardsError as exc:
            return None, exc.reason

    return run


_nhs_number = _plain(normalise_nhs_number)


def _reorder(full: str, order: str) -> str:
    """Write a name with no comma as ``FAMILY, Given`` when the mapping says which end it is."""
    if order == "auto" or "," in full:
        return full
    words = full.split()
    if len(words) < 2:
        return full
    if order == "family_first":
        return f"{words[0]}, {' '.join(words[1:])}"
    return f"{words[-1]}, {' '.join(words[:-1])}"
