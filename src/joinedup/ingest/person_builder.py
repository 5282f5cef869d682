"""One row → its person fields and attributes in standard form, with every data-quality warning.

:class:`RowBuilder` looks each mapped field up in the row (and, for FHIR, starts from what the
Patient resource says), hands each value to its standard
(:mod:`joinedup.ingest.value_standards`) and keeps a warning for every value that fails one,
so that the row is kept without it. Whether the row as a whole can be trusted is decided by
:func:`joinedup.ingest.standardise.standardise_with_id`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.paths import resolve
from joinedup.ingest.readers.fhir_patient import DAY_DEPENDENT, patient_fields
from joinedup.ingest.readers.fhir_reader import PatientHints
from joinedup.ingest.rows import SourceRow
from joinedup.ingest.value_standards import (
    ESTIMATED_DATE,
    NAME_PARTS,
    NO_FIXED_ABODE,
    NO_FIXED_ABODE_WARNING,
    NOTES,
    PARTIAL_DATE,
    PLAIN_ADDRESS,
    YEAR_ONLY,
    DatedOutcome,
    Items,
    Outcome,
    address_of,
    date_of,
    date_of_birth_of,
    date_of_death_of,
    display_case_of,
    display_name,
    full_name_of,
    is_partial,
    is_placeholder_cached,
    name_parts_of,
    nhs_number_of,
    one_line_address_of,
    plain_text,
    postcode_of,
    reorder,
    sex_of,
    unmarked,
    uprn_of,
    year_of_birth_of,
)
from joinedup.ingest.values import Scalar, as_text, json_value, scalar, values_of
from joinedup.standards import (
    StandardPerson,
    StandardsError,
    is_no_fixed_abode,
    normalise_email,
    normalise_phone,
    pseudo_postcode_note,
)
from joinedup.standards.dates import is_year_of_birth_form
from joinedup.standards.email import split_emails
from joinedup.standards.partial_dates import estimated_date
from joinedup.standards.phone import split_phones
from joinedup.standards.placeholders import is_placeholder, placeholder_reason


class RowBuilder:
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
                text = value.strip() if value.isascii() else plain_text(value)
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
                        v = plain_text(v)  # a pasted zero-width space, full-width digits
                        if not v or v in nulls:
                            continue
                    found.append((v, ref.format))
            self.raw[key] = found
        if mapping.person and (
            "full_name" in mapping.person or any(p in mapping.person for p in NAME_PARTS)
        ):
            # The mapping's own name fields replace a FHIR resource's name entirely.
            for key in ("full_name", *NAME_PARTS):
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
        fields["sex"] = self.apply("sex", sex_of)
        fields["nhs_number"] = self.apply("nhs_number", nhs_number_of)
        fields.update(self.address())
        fields["uprn"] = self.apply("uprn", uprn_of)
        fields["phones"] = self.several("phone", normalise_phone, split_phones)
        fields["emails"] = self.several("email", normalise_email, split_emails)
        death = self.a_date("date_of_death", date_of_death_of)
        if death:
            fields["date_of_death"] = death
        return StandardPerson(**{k: v for k, v in fields.items() if v is not None})

    def name(self) -> Items | None:
        """The name's parts that hold something, or None (no name, or none that parses)."""
        full = self.text("full_name")
        if full is not None and not any(self.raw.get(p) for p in NAME_PARTS):
            reordered = reorder(full, self.mapping.full_name_order)
            return self.noted("full_name", self.outcome("full_name", full_name_of(reordered)))
        parts = [self.text(p) for p in NAME_PARTS]
        if not any(parts):
            return None
        return self.noted("name", self.outcome("name", name_parts_of(*parts)))

    def noted(self, key: str, name: Items | None) -> Items | None:
        """A parsed name without its notes (``DECD`` taken out), each kept as a warning."""
        if not name or name[-1][0] != NOTES:  # notes are the last field, and rare
            return name
        self.warnings.extend(f"{key}: {note}" for note in name[-1][1])
        return name[:-1]

    def births(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        warned = len(self.warnings)
        born = self.a_date("date_of_birth", date_of_birth_of)
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
            year = year_of_birth_of(value, self.today)
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
        year = self.dated("date_of_birth", year_of_birth_of(written, self.today))
        if year is not None:
            out["year_of_birth"] = year
            if estimated_date(written) is not None:
                said = ESTIMATED_DATE
            else:
                said = PARTIAL_DATE if is_partial(written) else YEAR_ONLY
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
        if is_placeholder_cached(text):
            self.warnings.append(f"{key}: {placeholder_reason(text)}")
            return None
        found: str | None = self.outcome(key, display_name(text))
        return found

    def known(self, key: str, texts: list[str]) -> list[str]:
        """``texts`` without placeholders (``?``, ``N/K``), each warned about: an address
        part has no standard to reject one, so it was stored (a street called "?"); and
        without Excel's text mark (``'Rose Cottage``)."""
        if any(t[:1] == "'" for t in texts):
            texts = [unmarked(t) for t in texts]
        if not any(map(is_placeholder_cached, texts)):
            return texts
        said = (f"{key}: {placeholder_reason(t)}" for t in texts if is_placeholder_cached(t))
        self.warnings.extend(said)
        return [t for t in texts if not is_placeholder_cached(t)]

    def address(self) -> dict[str, Any]:
        parsed: Any = None
        town = self.text("town")
        if town is not None and town[:1] == "'":
            town = unmarked(town)
        if town is not None and is_placeholder_cached(town):
            self.warnings.append(f"town: {placeholder_reason(town)}")
            town = None
        if self.raw.get("address"):
            lines = self.known("address", self.texts("address"))
            if lines:
                parsed = self.outcome("address", one_line_address_of(", ".join(lines)))
        elif self.raw.get("address_lines") or town:
            lines = self.known("address_lines", self.texts("address_lines"))
            if lines or town:
                parsed = self.outcome("address", address_of(tuple(lines), town))
        out: dict[str, Any] = dict(parsed) if parsed is not None else {}
        homeless = out.pop(NO_FIXED_ABODE, False)
        raw = self.raw
        for key in PLAIN_ADDRESS:
            text = self.text(key) if raw.get(key) else None
            if text and text[:1] == "'":
                text = unmarked(text)
            if text:
                if is_placeholder_cached(text):
                    self.warnings.append(f"{key}: {placeholder_reason(text)}")
                    continue
                if is_no_fixed_abode(text):
                    homeless = True  # "NFA" in a house name column is not a house name
                    continue
                out[key] = display_case_of(text)[0] if key != "house_number" else text.upper()
        if homeless:
            self.warnings.append(NO_FIXED_ABODE_WARNING)
        postcode = self.text("postcode") or out.pop("postcode", None)
        out.pop("postcode", None)
        if postcode:
            value = out["postcode"] = self.outcome("postcode", postcode_of(postcode), postcode)
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
            parsed = self.dated(f"attributes.{name}", date_of(found[0], fmt, self.today), found[0])
            if parsed is not None:
                out[name] = parsed.isoformat()
        return out
