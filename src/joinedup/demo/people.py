"""Northbridge's residents and households as data, and the hard-case labels they carry.

``population`` builds them; the source writers read them and record on each person what its
records showed (``shown``), from which the ``married_name`` and ``moved`` labels are derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from joinedup.demo.places import AddressBook

# The extracts are as at this date, so a seed gives the same borough whenever it is run.
REFERENCE_DATE = date(2026, 10, 1)


# Shown bits: what a person's records actually displayed, for the married_name/moved labels.
SHOWN_BIRTH_NAME = 1
SHOWN_MARRIED_NAME = 2
SHOWN_OLD_ADDRESS = 4
SHOWN_NEW_ADDRESS = 8


class Person:
    """One resident. Slots keep a million of them cheap."""

    __slots__ = (
        "_dob",
        "address",
        "age",
        "birth_family",
        "common",
        "community",
        "email",
        "family",
        "father_son_of",
        "given",
        "household",
        "index",
        "known_as",
        "middle",
        "mobile",
        "nhs",
        "preferred_family",
        "previous_address",
        "sex",
        "shown",
        "sibling_group",
        "suffix",
        "title",
        "twin_of",
    )

    def __init__(self, index: int, household: int, community: str, sex: str, dob: date) -> None:
        self.index = index
        self.household = household
        self.community = community
        self.sex = sex
        self.dob = dob
        self.given = ""
        self.middle = ""
        self.family = ""
        self.birth_family = ""  # set when the family name changed on marriage
        self.preferred_family = ""  # a child's household surname, where it differs
        self.suffix = ""
        self.title = ""
        self.known_as = ""
        self.nhs = ""
        self.mobile = ""
        self.email = ""
        self.address = -1
        self.previous_address = -1
        self.twin_of = -1
        self.father_son_of = -1
        self.sibling_group = -1
        self.common = False
        self.shown = 0

    @property
    def person_id(self) -> str:
        return f"P{self.index:07d}"

    @property
    def dob(self) -> date:
        return self._dob

    @dob.setter
    def dob(self, value: date) -> None:
        # Age at the reference date is asked for constantly, so it is kept beside the date.
        self._dob = value
        ref = REFERENCE_DATE
        self.age = ref.year - value.year - ((ref.month, ref.day) < (value.month, value.day))


@dataclass(slots=True)
class Household:
    """People at one address; ``kind`` names how the household was made."""

    index: int
    kind: str
    address: int
    members: list[int] = field(default_factory=list)
    landline: str = ""


@dataclass
class Population:
    """The borough: people, households, and the address book they live in."""

    people: list[Person]
    households: list[Household]
    addresses: AddressBook

    def labels(self, person: Person) -> list[str]:
        """Every hard case this person falls into, most dangerous first."""
        out: list[str] = []
        if person.twin_of >= 0:
            out.append("twin")
        if person.father_son_of >= 0:
            out.append("father_son")
        if person.sibling_group >= 0 and person.twin_of < 0:
            out.append("sibling")
        shown = person.shown
        if shown & SHOWN_BIRTH_NAME and shown & SHOWN_MARRIED_NAME:
            out.append("married_name")
        if shown & SHOWN_OLD_ADDRESS and shown & SHOWN_NEW_ADDRESS:
            out.append("moved")
        if person.common:
            out.append("common_name")
        return out
