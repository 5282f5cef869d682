"""Adult social care: the case management system's clients as nested JSON Lines.

Older people mostly, and younger adults with a disability. Dates of birth are written
``03-APR-1961``; the NHS number is often recorded (with spaces); practitioners note a preferred
name. Records lag behind moves and marriages more than the GP's do.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from joinedup.demo import noise
from joinedup.demo.people import Person, Population
from joinedup.demo.places import TOWN
from joinedup.demo.sources.common import (
    Junk,
    SourceResult,
    SourceSpec,
    Truth,
    address,
    chosen,
    family_name,
    maybe,
    with_duplicates,
)

MAPPING = """\
# Adult social care clients from the case management system: JSON Lines, nested objects.
source: adult_social_care
organisation: northbridge-council
name: Adult Social Care
format: jsonl
encoding: utf-8
record_id: client_id
person:
  title: person.name.title
  given_name: person.name.forename
  middle_names: person.name.middle
  family_name: person.name.surname
  preferred_name: person.name.preferred
  date_of_birth: {field: person.dob, format: "%d-%b-%Y"}
  sex: person.gender
  nhs_number: person.nhs_no
  address_lines: [address.line1, address.line2, address.line3]
  town: address.town
  postcode: address.postcode
  phone: [contact.phone, contact.mobile]
  email: contact.email
attributes:
  category: social_care.adult
  fields:
    care_package: care.package
    weekly_hours: care.weekly_hours
    primary_support_reason: care.primary_support_reason
    status: care.status
    start_date: {field: care.start_date, format: "%Y-%m-%d"}
"""

SPEC = SourceSpec(
    source="adult_social_care",
    organisation="northbridge-council",
    name="Adult Social Care",
    format="jsonl",
    category="social_care.adult",
    file_name="adult_social_care.jsonl",
    mapping=MAPPING,
)

_PACKAGES = ("Home care", "Day centre", "Residential care", "Direct payment", "Reablement")
_REASONS = (
    "Physical support",
    "Memory and cognition",
    "Learning disability",
    "Mental health",
    "Sensory support",
    "Social support",
)


def _known(p: Person) -> float:
    age = p.age
    if age >= 65:
        return min(0.35, 0.04 + 0.01 * (age - 65))
    return 0.015 if age >= 18 else 0.0


def _client(rng: random.Random, pop: Population, p: Person, client_id: str) -> dict[str, object]:
    family = family_name(rng, p, 0.15)
    given = p.given
    if rng.random() < 0.015:
        given = noise.typo(rng, given)
    if rng.random() < 0.015:
        family = noise.typo(rng, family)
    name: dict[str, object] = {
        "title": maybe(rng, p.title, 0.7) or None,
        "forename": noise.case(rng, given, upper=0.05, lower=0.02),
        "middle": maybe(rng, p.middle, 0.5) or None,
        "surname": noise.case(rng, family, upper=0.15, lower=0.02),
        "preferred": maybe(rng, p.known_as, 0.7) or None,
    }
    dob_text: str | None = None
    if rng.random() < 0.97:
        dob = p.dob
        r = rng.random()
        if r < 0.01:
            dob = noise.date_typo(rng, dob)
        elif r < 0.02:
            dob = noise.swap_day_month(dob)
        dob_text = noise.dd_mon_yyyy(dob)
    nhs = None
    if rng.random() < 0.75:
        nhs = f"{p.nhs[:3]} {p.nhs[3:6]} {p.nhs[6:]}" if rng.random() < 0.7 else p.nhs
    home = address(rng, pop, p, 0.3)
    lines = home.lines()
    contact: dict[str, object] = {
        "phone": pop.households[p.household].landline or None,
        "mobile": noise.phone_form(rng, p.mobile) if p.mobile and rng.random() < 0.6 else None,
        "email": maybe(rng, p.email, 0.2) or None,
    }
    start = f"{rng.randint(2015, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return {
        "client_id": client_id,
        "person": {
            "name": name,
            "dob": dob_text,
            "gender": {"male": "M", "female": "F"}.get(p.sex, "U"),
            "nhs_no": nhs,
        },
        "address": {
            "line1": lines[0],
            "line2": lines[1] if len(lines) > 1 else None,
            "line3": lines[2] if len(lines) > 2 else None,
            "town": TOWN,
            "postcode": noise.postcode_noise(rng, home.postcode) if rng.random() < 0.97 else None,
        },
        "contact": contact,
        "care": {
            "package": rng.choice(_PACKAGES),
            "weekly_hours": rng.choice((3.5, 7.0, 10.5, 14.0, 21.0)),
            "primary_support_reason": rng.choice(_REASONS),
            "status": "open" if rng.random() < 0.8 else "closed",
            "start_date": start,
        },
    }


def write(out_dir: Path, pop: Population, rng: random.Random, truth: Truth) -> SourceResult:
    """Write the social care extract; every client's id and person go to ``truth``."""
    people = chosen(rng, pop, _known)
    result = SourceResult()
    junk = Junk(rng, len(people), ("bad_json", "blank", "no_id"))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    next_id = 100_000 + rng.randrange(50_000)
    with (out_dir / SPEC.file_name).open("w", encoding="utf-8", newline="\n") as out:
        for position, p in enumerate(with_duplicates(rng, people, 0.015)):
            shown = p.shown
            for kind in junk.at(position):
                result.add_junk(kind)
                next_id += rng.randint(1, 9)
                text = dumps(_client(rng, pop, p, f"ASC{next_id}"))
                if kind == "blank":
                    out.write("\n")
                elif kind == "bad_json":
                    out.write(text.replace('","', '" "', 1)[:-1] + "\n")
                else:
                    out.write(
                        text.replace(f'"client_id":"ASC{next_id}"', '"client_id":null') + "\n"
                    )
            p.shown = shown
            next_id += rng.randint(1, 9)
            client_id = f"ASC{next_id}"
            out.write(dumps(_client(rng, pop, p, client_id)) + "\n")
            truth.add(SPEC.source, client_id, p)
            result.records += 1
    return result
