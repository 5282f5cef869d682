"""The school census: pupils on roll in Northbridge's schools, pipe-delimited UTF-8.

Pupils are identified by their UPN (a DfE Unique Pupil Number). The census holds a legal and
a preferred surname — a child in a stepfamily often goes by the household's — and a parent's
phone number, not the child's, which a matcher must not take as the child's own.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from joinedup.demo import noise
from joinedup.demo.identifiers import Upns, upn_check_letter
from joinedup.demo.people import Person, Population
from joinedup.demo.places import TOWN
from joinedup.demo.sources.common import (
    Junk,
    SourceResult,
    SourceSpec,
    Truth,
    address,
    chosen,
    junk_row,
    maybe,
    with_duplicates,
)

HEADER = [
    "UPN",
    "LegalSurname",
    "PreferredSurname",
    "Forename",
    "PreferredForename",
    "MiddleNames",
    "DOB",
    "Gender",
    "AddressLine1",
    "AddressLine2",
    "AddressLine3",
    "Town",
    "Postcode",
    "UPRN",
    "ParentContactPhone",
    "SchoolURN",
    "NCYearActual",
    "FSMEligible",
    "SENProvision",
]

MAPPING = """\
# Spring school census returns for Northbridge's schools: CSV, pipe delimited, UTF-8.
source: school_census
organisation: northbridge-council
name: School Census
format: csv
encoding: utf-8
delimiter: "|"
record_id: UPN
person:
  given_name: Forename
  middle_names: MiddleNames
  family_name: LegalSurname
  preferred_name: PreferredForename
  other_family_names: [PreferredSurname]
  date_of_birth: {field: DOB, format: "%Y-%m-%d"}
  sex: Gender
  address_lines: [AddressLine1, AddressLine2, AddressLine3]
  town: Town
  postcode: Postcode
  uprn: UPRN
attributes:
  category: education.school_census
  fields:
    school_urn: SchoolURN
    nc_year: NCYearActual
    fsm_eligible: FSMEligible
    sen_provision: SENProvision
    parent_contact_phone: ParentContactPhone
"""

SPEC = SourceSpec(
    source="school_census",
    organisation="northbridge-council",
    name="School Census",
    format="csv",
    category="education.school_census",
    file_name="school_census.csv",
    mapping=MAPPING,
)


def _on_roll(p: Person) -> float:
    age = p.age
    if 4 <= age <= 15:
        return 0.97
    return 0.5 if 16 <= age <= 17 else 0.0


class _Schools:
    """Primary and secondary schools, enough that none allocates a thousand UPNs a year."""

    def __init__(self, rng: random.Random, people: int) -> None:
        count = max(4, people // 4000)
        self.primary = [2001 + i for i in range(count)]
        self.secondary = [4001 + i for i in range(max(2, count // 4))]
        self.urn = {school: 107_000 + rng.randrange(20_000) for school in self.all()}

    def all(self) -> list[int]:
        return self.primary + self.secondary


def _row(
    rng: random.Random, pop: Population, p: Person, upn: str, school: int, urn: int
) -> list[str]:
    age = p.age
    given = p.given if rng.random() > 0.01 else noise.typo(rng, p.given)
    dob = p.dob if rng.random() > 0.003 else noise.date_typo(rng, p.dob)
    home = address(rng, pop, p, 0.15)
    lines = [*home.lines(), "", ""][:3]
    parents = [pop.people[i] for i in pop.households[p.household].members]
    phones = [q.mobile for q in parents if q.age >= 18 and q.mobile]
    return [
        upn,
        p.family,
        p.preferred_family if p.preferred_family and rng.random() < 0.8 else "",
        given,
        maybe(rng, p.known_as, 0.5),
        maybe(rng, p.middle, 0.9),
        dob.isoformat(),
        {"male": "M", "female": "F"}.get(p.sex, "U"),
        *lines,
        TOWN,
        home.postcode if rng.random() < 0.99 else "",
        home.uprn if rng.random() < 0.7 else "",
        noise.phone_form(rng, phones[0]) if phones and rng.random() < 0.9 else "",
        str(urn),
        "R" if age <= 4 else str(min(13, age - 4)),
        "Y" if rng.random() < 0.2 else "N",
        rng.choice("NNNNNNKKE"),
    ]


def write(out_dir: Path, pop: Population, rng: random.Random, truth: Truth) -> SourceResult:
    """Write the school census; every pupil row's UPN and person go to ``truth``."""
    pupils = chosen(rng, pop, _on_roll)
    schools = _Schools(rng, len(pop.people))
    upns = Upns(rng)
    result = SourceResult()
    junk = Junk(rng, len(pupils), ("blank", "bad_columns", "no_id"))
    seen: set[int] = set()
    with (out_dir / SPEC.file_name).open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, delimiter="|")
        out.writerow(HEADER)
        for position, p in enumerate(with_duplicates(rng, pupils, 0.005)):
            phase = schools.primary if p.age <= 10 else schools.secondary
            school = rng.choice(phase)
            upn = upns(school, 2026 - max(0, p.age - 4))
            if p.index in seen:
                # Dual registration under a temporary UPN, which ends in a letter.
                upn = upn_check_letter(upn[1:]) + upn[1:-1] + "T"
            seen.add(p.index)
            shown = p.shown
            for kind in junk.at(position):
                result.add_junk(kind)
                row = _row(rng, pop, p, upns(school, 2026), school, schools.urn[school])
                out.writerow(junk_row(kind, row, 0))
            p.shown = shown
            out.writerow(_row(rng, pop, p, upn, school, schools.urn[school]))
            truth.add(SPEC.source, upn, p)
            result.records += 1
    return result
