"""Housing benefit: claimants and partners, CSV with semicolons, UTF-8 with a byte-order mark.

Dates of birth are ``dd/mm/yyyy`` but some were keyed month first; telephone numbers come in
every form people write them; the address is one free-text line. Benefit staff keep the
address current (payment depends on it) but are slower with a new married name.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from joinedup.demo import noise
from joinedup.demo.people import Household, Person, Population
from joinedup.demo.sources.common import (
    Junk,
    SourceResult,
    SourceSpec,
    Truth,
    address,
    family_name,
    junk_row,
)

HEADER = [
    "Person Ref",
    "Claim Ref",
    "Role",
    "Title",
    "Forenames",
    "Surname",
    "Date of Birth",
    "Address",
    "Postcode",
    "UPRN",
    "Telephone",
    "Email",
    "Tenure",
    "Weekly Rent",
    "Weekly Award",
    "Claim Start",
]

MAPPING = """\
# Housing benefit claimants and partners: CSV, semicolon separated, UTF-8 with BOM.
source: housing_benefit
organisation: northbridge-council
name: Housing Benefit
format: csv
encoding: utf-8-sig
delimiter: ";"
record_id: Person Ref
adults_only: true
person:
  title: Title
  given_name: Forenames
  family_name: Surname
  date_of_birth: {field: Date of Birth, format: "%d/%m/%Y"}
  address: Address
  postcode: Postcode
  uprn: UPRN
  phone: [Telephone]
  email: Email
attributes:
  category: finance.housing_benefit
  fields:
    claim_ref: Claim Ref
    role: Role
    tenure: Tenure
    weekly_rent: Weekly Rent
    weekly_award: Weekly Award
    claim_start: {field: Claim Start, format: "%d/%m/%Y"}
"""

SPEC = SourceSpec(
    source="housing_benefit",
    organisation="northbridge-council",
    name="Housing Benefit",
    format="csv",
    category="finance.housing_benefit",
    file_name="housing_benefit.csv",
    mapping=MAPPING,
)

_CLAIM_RATE = {
    "single_parent": 0.4,
    "single_old": 0.2,
    "single_young": 0.15,
    "single_mid": 0.12,
    "multigen": 0.15,
    "sharers": 0.0,
}
_TENURE = ("Council", "Council", "Housing association", "Private rented")


def _row(
    rng: random.Random, pop: Population, p: Person, ref: str, claim: str, role: str
) -> list[str]:
    forenames = p.given
    r = rng.random()
    if r < 0.03:
        forenames = noise.variant(rng, forenames)
    elif r < 0.045:
        forenames = noise.typo(rng, forenames)
    if p.middle and rng.random() < 0.5:
        forenames = f"{forenames} {p.middle}"
    surname = family_name(rng, p, 0.2)
    if rng.random() < 0.015:
        surname = noise.typo(rng, surname)
    dob = p.dob
    r = rng.random()
    if r < 0.03:
        dob = noise.swap_day_month(dob)
    elif r < 0.04:
        dob = noise.date_typo(rng, dob)
    dob_text = noise.dmy(dob) if rng.random() > 0.01 else ""
    home = address(rng, pop, p, 0.05)
    line = home.one_line()
    postcode = noise.postcode_noise(rng, home.postcode)
    if rng.random() < 0.15:
        line, postcode = f"{line} {postcode}", ""  # the postcode typed into the address
    phones = [n for n in (p.mobile, pop.households[p.household].landline) if n]
    phone = noise.phone_form(rng, rng.choice(phones)) if phones and rng.random() < 0.8 else ""
    rent = rng.randint(8000, 22000) / 100
    return [
        ref,
        claim,
        role,
        p.title if rng.random() < 0.9 else "",
        noise.case(rng, forenames, upper=0.2),
        noise.case(rng, surname, upper=0.3),
        dob_text,
        noise.spacing(rng, line),
        postcode,
        home.uprn if rng.random() < 0.6 else "",
        phone,
        p.email if rng.random() < 0.3 else "",
        rng.choice(_TENURE),
        f"{rent:.2f}",
        f"{rent * rng.choice((1.0, 1.0, 0.8, 0.6)):.2f}",
        f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2012, 2026)}",
    ]


def _claimants(pop: Population, hh: Household) -> list[Person]:
    adults = sorted(
        (pop.people[i] for i in hh.members if pop.people[i].age >= 18), key=lambda q: q.dob
    )
    return adults[:2]


def write(out_dir: Path, pop: Population, rng: random.Random, truth: Truth) -> SourceResult:
    """Write the housing benefit extract; every person row's id and person go to ``truth``."""
    claims = [
        h for h in pop.households if h.members and rng.random() < _CLAIM_RATE.get(h.kind, 0.08)
    ]
    rng.shuffle(claims)
    result = SourceResult()
    junk = Junk(rng, len(claims), ("blank", "bad_columns", "no_id"))
    next_claim = 3_000_000 + rng.randrange(1_000_000)
    with (out_dir / SPEC.file_name).open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(HEADER)
        for position, hh in enumerate(claims):
            people = _claimants(pop, hh)
            if not people:
                continue
            if len(people) > 1 and (hh.kind == "sharers" or rng.random() < 0.3):
                people = people[:1]
            next_claim += rng.randint(1, 40)
            claim = f"HB{next_claim}"
            shown = people[0].shown
            for kind in junk.at(position):
                result.add_junk(kind)
                row = _row(rng, pop, people[0], f"{claim}/9", claim, "Claimant")
                out.writerow(junk_row(kind, row, 0))
            people[0].shown = shown
            for n, p in enumerate(people, start=1):
                ref = f"{claim}/{n}"
                out.writerow(_row(rng, pop, p, ref, claim, "Claimant" if n == 1 else "Partner"))
                truth.add(SPEC.source, ref, p)
                result.records += 1
    return result
