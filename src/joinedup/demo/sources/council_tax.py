"""Council tax: one account per liable resident per property, CSV in Windows-1252.

The name is one field, written the way the billing system prints it (``Mr J SMITH``,
``SMITH, John``, ``SMITH JOHN MR``); there is no date of birth. The address is the property's,
with its UPRN, so it is always current — but a household that moved may still have its old
account open on the old property, a second record for the same people.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from joinedup.demo import noise
from joinedup.demo.people import SHOWN_NEW_ADDRESS, SHOWN_OLD_ADDRESS, Person, Population
from joinedup.demo.places import TOWN, Address
from joinedup.demo.sources.common import (
    Junk,
    SourceResult,
    SourceSpec,
    Truth,
    family_name,
    fits,
    junk_row,
)

ENCODING = "cp1252"
HEADER = [
    "account_ref",
    "liable_name",
    "addr1",
    "addr2",
    "addr3",
    "addr4",
    "postcode",
    "uprn",
    "band",
    "liability_start",
    "liability_end",
    "single_person_discount",
    "arrears_balance",
    "payment_method",
    "phone",
    "email",
]

MAPPING = """\
# Council tax accounts from the revenues system: CSV, Windows-1252, comma separated.
source: council_tax
organisation: northbridge-council
name: Council Tax
format: csv
encoding: auto
delimiter: ","
record_id: account_ref
adults_only: true
person:
  full_name: liable_name
  address_lines: [addr1, addr2, addr3]
  town: addr4
  postcode: postcode
  uprn: uprn
  phone: [phone]
  email: email
attributes:
  category: finance.council_tax
  fields:
    band: band
    liability_start: {field: liability_start, format: "%d/%m/%Y"}
    liability_end: {field: liability_end, format: "%d/%m/%Y"}
    single_person_discount: single_person_discount
    arrears_balance: arrears_balance
    payment_method: payment_method
"""

SPEC = SourceSpec(
    source="council_tax",
    organisation="northbridge-council",
    name="Council Tax",
    format="csv",
    category="finance.council_tax",
    file_name="council_tax.csv",
    mapping=MAPPING,
)

_BANDS = "ABCDEFGH"
_BAND_CW = (30, 55, 73, 85, 93, 97, 99, 100)
_PAYMENT = ("Direct Debit", "Direct Debit", "Direct Debit", "Online", "Cash", "Standing Order")


def _liable_name(rng: random.Random, p: Person) -> str:
    family = family_name(rng, p, 0.12)
    given = p.given
    if rng.random() < 0.01:
        given = noise.typo(rng, given)
    if rng.random() < 0.015:
        family = noise.typo(rng, family)
    title = p.title or ("Mr" if p.sex == "male" else "Ms")
    suffix = f" {p.suffix}" if p.suffix and rng.random() < 0.3 else ""
    form = rng.randrange(10)
    if form < 4:
        name = f"{title} {given[0]} {family.upper()}{suffix}"
    elif form < 6:
        name = f"{family.upper()}, {given}{suffix}"
    elif form < 8:
        name = f"{given} {family}{suffix}"
    elif form < 9:
        name = f"{family.upper()} {given.upper()} {title.upper()}"
    else:
        middle = f" {p.middle[0]}" if p.middle else ""
        name = f"{title} {given[0]}{middle} {family}"
    return noise.spacing(rng, name)


def _lines(rng: random.Random, a: Address) -> list[str]:
    first_three = [*a.lines(), "", ""][:3]
    if rng.random() < 0.3:
        # Property gazetteers (LLPGs) print addresses in capitals; some billing systems copy them.
        return [line.upper() for line in first_three] + [TOWN.upper()]
    return [*first_three, TOWN]


def _row(
    rng: random.Random, account: str, p: Person, a: Address, size: int, ended: str
) -> list[str]:
    start_year = max(p.dob.year + 18, 1993)
    start = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(start_year, 2026)}"
    arrears = "0.00" if rng.random() < 0.85 else f"{rng.randint(1250, 240000) / 100:.2f}"
    phone = noise.phone_form(rng, p.mobile) if p.mobile and rng.random() < 0.25 else ""
    email = p.email if rng.random() < 0.15 else ""
    band = rng.choices(_BANDS, cum_weights=_BAND_CW)[0]
    row = [
        account,
        _liable_name(rng, p),
        *_lines(rng, a),
        noise.postcode_noise(rng, a.postcode),
        a.uprn,
        band,
        start,
        ended,
        "Y" if size == 1 else "N",
        arrears,
        rng.choice(_PAYMENT),
        phone,
        email,
    ]
    return [fits(value, ENCODING) for value in row]


def _liable(pop: Population, members: list[int], rng: random.Random) -> Person | None:
    adults = [pop.people[i] for i in members if pop.people[i].age >= 18]
    if not adults:
        return None
    if len(adults) > 1 and rng.random() < 0.3:
        return adults[1]
    return min(adults, key=lambda q: q.dob)


def write(out_dir: Path, pop: Population, rng: random.Random, truth: Truth) -> SourceResult:
    """Write the council tax extract; every account's id and liable person go to ``truth``."""
    households = [h for h in pop.households if h.members and rng.random() < 0.97]
    rng.shuffle(households)
    result = SourceResult()
    junk = Junk(rng, len(households), ("blank", "bad_columns", "no_id"))
    next_account = 50_000_000 + rng.randrange(1_000_000)
    occupied = {h.address for h in pop.households if h.members}
    with (out_dir / SPEC.file_name).open("w", encoding=ENCODING, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for position, hh in enumerate(households):
            p = _liable(pop, hh.members, rng)
            if p is None:
                continue
            adults = sum(1 for i in hh.members if pop.people[i].age >= 18)
            accounts: list[tuple[Address, str]] = []
            # A household that moved may still have its old account open; a young adult who
            # left the family home was never liable there, so only vacated homes qualify.
            vacated = p.previous_address >= 0 and p.previous_address not in occupied
            if vacated and rng.random() < 0.25:
                ended = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025"
                accounts.append((pop.addresses[p.previous_address], ended))
            accounts.append((pop.addresses[hh.address], ""))
            shown = p.shown
            for kind in junk.at(position):
                result.add_junk(kind)
                next_account += rng.randint(1, 30)
                row = _row(rng, f"CT{next_account}", p, accounts[-1][0], adults, "")
                out.writerow(junk_row(kind, row, 0))
            p.shown = shown
            for a, ended in accounts:
                next_account += rng.randint(1, 30)
                account = f"CT{next_account}"
                p.shown |= SHOWN_OLD_ADDRESS if ended else SHOWN_NEW_ADDRESS
                out.writerow(_row(rng, account, p, a, adults, ended))
                truth.add(SPEC.source, account, p)
                result.records += 1
    return result
