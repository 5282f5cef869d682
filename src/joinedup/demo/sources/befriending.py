"""The befriending charity's spreadsheet of older people it visits (Excel ``.xlsx``).

Typed by volunteers: names in any case, often the name the person goes by, sometimes only
``Mrs Smith``; the year of birth written ``b.1941`` when that is all anyone knows; postcodes
missing; whatever phone number the family gave. Addresses are the ones at referral, so a person
who has since moved keeps the old one.
"""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

from joinedup.demo import noise
from joinedup.demo.identifiers import ascii_fold
from joinedup.demo.people import Person, Population
from joinedup.demo.sources.common import (
    Junk,
    SourceResult,
    SourceSpec,
    Truth,
    address,
    chosen,
    family_name,
    with_duplicates,
)

HEADER = [
    "Ref",
    "Name",
    "Known as",
    "Born",
    "Address",
    "Postcode",
    "Phone",
    "Volunteer",
    "Started",
    "Visit day",
    "Referred by",
]

MAPPING = """\
# The befriending charity's visiting list: an Excel workbook kept by volunteers.
source: befriending
organisation: northbridge-befriending
name: Befriending visits
format: xlsx
record_id: Ref
person:
  full_name: Name
  preferred_name: Known as
  date_of_birth: Born
  year_of_birth: Born
  address: Address
  postcode: Postcode
  phone: [Phone]
attributes:
  category: charity.befriending
  fields:
    volunteer: Volunteer
    started: {field: Started, format: "%d/%m/%Y"}
    visit_day: Visit day
    referred_by: Referred by
"""

SPEC = SourceSpec(
    source="befriending",
    organisation="northbridge-befriending",
    name="Befriending visits",
    format="xlsx",
    category="charity.befriending",
    file_name="befriending.xlsx",
    mapping=MAPPING,
)

_VOLUNTEERS = ("Sue", "Dave", "Jan", "Priya", "Tom", "Kath", "Bilal", "Margaret", "Ola", "Des")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_REFERRERS = ("GP", "Social worker", "Self", "Family", "Neighbour", "Library")


def _known(pop: Population) -> Callable[[Person], float]:
    def chance(p: Person) -> float:
        if p.age < 70:
            return 0.0
        alone = len(pop.households[p.household].members) == 1
        return 0.10 if alone else 0.04

    return chance


def _name(rng: random.Random, p: Person) -> str:
    family = family_name(rng, p, 0.15)
    given = p.known_as if p.known_as and rng.random() < 0.4 else p.given
    if rng.random() < 0.03:
        given = noise.variant(rng, given)
    if rng.random() < 0.5:
        given, family = ascii_fold(given), ascii_fold(family)
    if rng.random() < 0.02:
        family = noise.typo(rng, family)
    form = rng.randrange(20)
    if form == 0 and p.title:
        return f"{p.title} {family}"
    if form == 1:
        return f"{family.upper()} {given}"
    name = f"{given} {family}"
    return noise.spacing(rng, noise.case(rng, name, upper=0.05, lower=0.15), 0.05)


def _born(rng: random.Random, p: Person) -> object:
    year = p.dob.year + (rng.choice((-1, 1)) if rng.random() < 0.03 else 0)
    r = rng.random()
    if r < 0.35:
        return f"b.{year}"
    if r < 0.5:
        return str(year)
    if r < 0.7:
        return noise.dmy(p.dob)
    if r < 0.85:
        return datetime(p.dob.year, p.dob.month, p.dob.day)
    return None


def _row(rng: random.Random, pop: Population, p: Person, ref: str | None) -> list[object]:
    home = address(rng, pop, p, 0.4)
    line = ", ".join(home.lines()[:2])
    if rng.random() < 0.2:
        line = line.lower()
    postcode = noise.postcode_noise(rng, home.postcode) if rng.random() < 0.65 else None
    phones = [n for n in (pop.households[p.household].landline, p.mobile) if n]
    phone = noise.phone_form(rng, phones[0]) if phones and rng.random() < 0.7 else None
    started = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2016, 2026)}"
    return [
        ref,
        _name(rng, p),
        p.known_as if p.known_as and rng.random() < 0.3 else None,
        _born(rng, p),
        line,
        postcode,
        phone,
        rng.choice(_VOLUNTEERS),
        started,
        rng.choice(_DAYS),
        rng.choice(_REFERRERS),
    ]


def write(out_dir: Path, pop: Population, rng: random.Random, truth: Truth) -> SourceResult:
    """Write the befriending workbook; every row's reference and person go to ``truth``."""
    people = chosen(rng, pop, _known(pop))
    result = SourceResult()
    junk = Junk(rng, len(people), ("blank", "no_id"))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Visits")
    sheet.append(HEADER)
    for position, p in enumerate(with_duplicates(rng, people, 0.02), start=1):
        shown = p.shown
        for kind in junk.at(position - 1):
            result.add_junk(kind)
            sheet.append([] if kind == "blank" else _row(rng, pop, p, None))
        p.shown = shown
        ref = f"BF-{position:04d}"
        sheet.append(_row(rng, pop, p, ref))
        truth.add(SPEC.source, ref, p)
        result.records += 1
    path = out_dir / SPEC.file_name
    book.save(path)
    _fix_timestamp(path)
    return result


def _fix_timestamp(path: Path) -> None:
    """Rewrite the workbook with fixed zip times and properties so a seed gives the same bytes."""
    fixed = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _strip_dates(data)
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 10, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, data)
    fixed.replace(path)


def _strip_dates(xml: bytes) -> bytes:
    return re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2026-10-01T00:00:00Z", xml)
