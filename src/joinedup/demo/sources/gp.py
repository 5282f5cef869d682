"""GP registrations: FHIR R4 Patient resources, one per line (NDJSON), from the ICB.

The cleanest source, as GP systems are: most patients carry a verified NHS number, an
official and sometimes a usual (known-as) name, a maiden name now and then. Its weakness is
addresses — patients rarely tell their practice when they move, so movers keep an old one.
"""

from __future__ import annotations

import json
import random
import uuid
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
    with_duplicates,
)

NHS_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
_PRACTICES = ("B86001", "B86002", "B86005", "B86008", "B86011", "B86017", "B86020", "B86023")

MAPPING = """\
# GP registrations held by the ICB, exported as FHIR R4 Patient resources (NDJSON).
# The person fields come from the Patient itself (UK Core conventions: the official name,
# a usual name as the preferred name, maiden names as other family names, the NHS number
# identifier, the home address), so none are listed here.
source: gp_registrations
organisation: nhs-northbridge-icb
name: GP registrations
format: fhir
encoding: utf-8
record_id: id
attributes:
  category: health.gp_registration
  fields:
    practice: generalPractitioner.0.identifier.value
    last_updated: meta.lastUpdated
"""

SPEC = SourceSpec(
    source="gp_registrations",
    organisation="nhs-northbridge-icb",
    name="GP registrations",
    format="fhir",
    category="health.gp_registration",
    file_name="gp_registrations.ndjson",
    mapping=MAPPING,
)


def _registered(p: Person) -> float:
    age = p.age
    if p.sex == "male" and 18 <= age <= 35:
        return 0.85  # young men are the least likely to register with a GP
    return 0.95


def _patient(rng: random.Random, pop: Population, p: Person) -> dict[str, object]:
    family = family_name(rng, p, 0.04)
    given = p.given
    if rng.random() < 0.01:
        given = noise.typo(rng, given)
    if rng.random() < 0.01:
        family = noise.typo(rng, family)
    official: dict[str, object] = {"use": "official", "family": family, "given": [given]}
    if p.middle and rng.random() < 0.8:
        official["given"] = [given, *p.middle.split(" ")]
    if p.title and rng.random() < 0.6:
        official["prefix"] = [p.title]
    if p.suffix and rng.random() < 0.5:
        official["suffix"] = [p.suffix]
    names: list[dict[str, object]] = [official]
    if p.known_as and rng.random() < 0.8:
        names.append({"use": "usual", "given": [p.known_as], "family": family})
    if p.birth_family and family != p.birth_family and rng.random() < 0.4:
        names.append({"use": "maiden", "family": p.birth_family})

    patient: dict[str, object] = {
        "resourceType": "Patient",
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    }
    if rng.random() < 0.97:
        nhs = p.nhs
        if rng.random() < 0.003:
            nhs = noise.typo(rng, nhs)
        patient["identifier"] = [{"system": NHS_SYSTEM, "value": nhs}]
    patient["name"] = names
    r = rng.random()
    patient["gender"] = p.sex if r > 0.003 else "unknown"
    dob = p.dob
    if rng.random() < 0.005:
        dob = noise.date_typo(rng, dob)
    patient["birthDate"] = dob.isoformat()
    home = address(rng, pop, p, 0.35)
    line = [f"{home.number} {home.street}"]
    if home.flat:
        line.insert(0, f"{home.flat} {home.house_name}")
    adr: dict[str, object] = {"use": "home", "line": line, "city": TOWN}
    if rng.random() < 0.99:
        adr["postalCode"] = home.postcode
    patient["address"] = [adr]
    telecom = []
    if p.mobile and rng.random() < 0.85:
        telecom.append({"system": "phone", "value": p.mobile, "use": "mobile"})
    landline = pop.households[p.household].landline
    if landline and rng.random() < 0.5:
        telecom.append({"system": "phone", "value": landline, "use": "home"})
    if p.email and rng.random() < 0.4:
        telecom.append({"system": "email", "value": p.email, "use": "home"})
    if telecom:
        patient["telecom"] = telecom
    patient["generalPractitioner"] = [
        {"identifier": {"system": ODS_SYSTEM, "value": rng.choice(_PRACTICES)}}
    ]
    year = rng.randint(max(p.dob.year, 1990), 2026)
    patient["meta"] = {
        "lastUpdated": f"{year}-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}T09:00:00Z"
    }
    return patient


def write(out_dir: Path, pop: Population, rng: random.Random, truth: Truth) -> SourceResult:
    """Write the GP extract; every Patient's id and person go to ``truth``."""
    people = chosen(rng, pop, _registered)
    result = SourceResult()
    junk = Junk(rng, len(people), ("bad_json", "blank", "no_id"))
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with (out_dir / SPEC.file_name).open("w", encoding="utf-8", newline="\n") as out:
        for position, p in enumerate(with_duplicates(rng, people, 0.008)):
            shown = p.shown  # junk is quarantined, so what it shows must not count
            for kind in junk.at(position):
                result.add_junk(kind)
                if kind == "blank":
                    out.write("\n")
                elif kind == "bad_json":
                    # An export cut off mid-record, as happens when a job is killed.
                    out.write(dumps(_patient(rng, pop, p))[:57] + "\n")
                else:
                    patient = _patient(rng, pop, p)
                    del patient["id"]
                    out.write(dumps(patient) + "\n")
            p.shown = shown
            patient = _patient(rng, pop, p)
            out.write(dumps(patient) + "\n")
            truth.add(SPEC.source, str(patient["id"]), p)
            result.records += 1
    return result
