"""The common person schema: the standardised fields of one source record.

Ingest produces one :class:`StandardPerson` per row, the store keeps each field as a column
(tuples as JSON lists), linkage reads them. The fields and their forms are the contract in
``docs/developers.md`` ("The common person schema"); this class does not re-validate them —
the standardisers that fill it do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from joinedup.standards.errors import StandardsError
from joinedup.standards.postcode import is_pseudo_postcode

_TUPLE_FIELDS = frozenset({"other_family_names", "phones", "emails"})
_INT_FIELDS = frozenset({"year_of_birth"})


@dataclass(frozen=True, slots=True)
class StandardPerson:
    """One source record's person, standardised; every field optional.

    Forms: names display-cased (``O'Neill``, ``Zoë``); ``date_of_birth``/``date_of_death``
    ISO ``YYYY-MM-DD``; ``year_of_birth`` set whenever the year is known; ``sex`` a FHIR
    administrative gender; ``nhs_number`` ten digits, Modulus 11 valid; ``postcode``
    normalised (``LS6 2AB``); ``uprn`` digits without leading zeros; ``phones`` E.164;
    ``emails`` with a lower-cased domain.
    """

    title: str | None = None
    given_name: str | None = None
    middle_names: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None
    preferred_name: str | None = None
    other_family_names: tuple[str, ...] = ()
    date_of_birth: str | None = None
    year_of_birth: int | None = None
    sex: str | None = None
    nhs_number: str | None = None
    flat: str | None = None
    house_number: str | None = None
    house_name: str | None = None
    street: str | None = None
    locality: str | None = None
    town: str | None = None
    postcode: str | None = None
    uprn: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    date_of_death: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Every field by name, JSON-safe: tuples become lists, absent values stay None."""
        out = {name: getattr(self, name) for name in _FIELD_NAMES}
        for name in _TUPLE_FIELDS:
            out[name] = list(out[name])
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StandardPerson:
        """Build from :meth:`to_dict` output (or a stored row): the inverse of ``to_dict``.

        Missing keys take their defaults; an unknown key or a value of the wrong type raises
        :class:`StandardsError`, because a silent drop would lose data between packages.
        """
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise StandardsError(f"unknown person field(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name in _TUPLE_FIELDS:
                if value is None:
                    value = ()
                if isinstance(value, str) or not isinstance(value, list | tuple):
                    raise StandardsError(f"person field {name} must be a list of text")
                if not all(isinstance(item, str) for item in value):
                    raise StandardsError(f"person field {name} must be a list of text")
                values[name] = tuple(value)
            elif name in _INT_FIELDS:
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise StandardsError(f"person field {name} must be a whole number")
                values[name] = value
            else:
                if value is not None and not isinstance(value, str):
                    raise StandardsError(f"person field {name} must be text")
                values[name] = value
        return cls(**values)

    def has_name(self) -> bool:
        """True when a given, family or preferred name is present."""
        return bool(self.given_name or self.family_name or self.preferred_name)

    def has_address(self) -> bool:
        """True when any part of an address (or a UPRN) is present. An NHS pseudo-postcode
        (``ZZ99 3VZ``, no fixed abode) is no place, so it is not an address."""
        return bool(
            (self.postcode and not is_pseudo_postcode(self.postcode))
            or self.uprn
            or self.street
            or self.house_number
            or self.house_name
            or self.flat
        )

    def is_identifying(self) -> bool:
        """True when the record could pick out a person, so is worth storing and linking.

        Identifying on its own: a name (given, family or preferred), a full date of birth,
        an NHS number, a phone number or an email address. A year of birth counts only
        together with an address. An address, postcode or UPRN alone describes a property,
        not a person, and sex or a date of death alone describe no one; a record with
        nothing identifying is quarantined by ingest.
        """
        if self.has_name() or self.date_of_birth or self.nhs_number:
            return True
        if self.phones or self.emails:
            return True
        return self.year_of_birth is not None and self.has_address()


# Looked up once: ``dataclasses.fields`` per call cost more than the copying itself.
_FIELD_NAMES: tuple[str, ...] = tuple(field.name for field in fields(StandardPerson))
