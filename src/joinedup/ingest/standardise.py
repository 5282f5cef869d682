"""One source row + its mapping → a :class:`StandardPerson`, attributes and data-quality warnings.

The rule that keeps data from being lost: a field that fails its standard (an NHS number failing
Modulus 11, 31/02/1980) is dropped from the standardised record with a warning kept on the
record, and the row is kept. Only a row that cannot be trusted at all — no record id, or nothing
left that identifies a person — is quarantined, with every reason (warnings included).
Warnings carry reasons from ``standards``, which never repeat a personal value.

Here: the row's verdict (:func:`standardise_with_id`) and :data:`STANDARDISERS_VERSION`. The
row's fields are read and standardised by :class:`joinedup.ingest.person_builder.RowBuilder`,
each value by the standards of :mod:`joinedup.ingest.value_standards`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.person_builder import RowBuilder
from joinedup.ingest.rows import SourceRow

# Re-exported: the reasons and warnings tests and callers name.
from joinedup.ingest.value_standards import (
    ESTIMATED_DATE,
    NO_FIXED_ABODE_WARNING,
    PARTIAL_DATE,
    PARTIAL_DEATH,
    YEAR_ONLY,
)
from joinedup.ingest.values import as_text, values_of
from joinedup.standards import StandardPerson

__all__ = [
    "ESTIMATED_DATE",
    "NOT_IDENTIFYING",
    "NO_FIXED_ABODE_WARNING",
    "PARTIAL_DATE",
    "PARTIAL_DEATH",
    "STANDARDISERS_VERSION",
    "YEAR_ONLY",
    "Standardised",
    "record_id_of",
    "standardise_row",
    "standardise_with_id",
]

#: The version of what standardising makes of a row. A re-ingest skips an unchanged raw row
#: only when the digest stored with its record's version (see :mod:`joinedup.ingest.prepare`)
#: was made under this same number, so **bump it whenever the stored outcome of any row could
#: change**: a standardiser (``joinedup.standards``), this module or its parts
#: (``value_standards``, ``person_builder``), the readers or the mapping compiler reading a
#: value differently, the content hash or the stored columns. Forgetting to
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

NOT_IDENTIFYING = (
    "no identifying field (a name, a full date of birth, an NHS number, a phone number or an "
    "email address; or a year of birth with an address)"
)


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
    builder = RowBuilder(row, mapping, today)
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
