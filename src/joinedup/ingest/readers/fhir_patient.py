"""What a FHIR R4 Patient says about the common person fields (UK Core conventions).

Used as the default for a ``format: fhir`` mapping; any person field the mapping names explicitly
(a dotted path into the resource) wins over what is derived here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
_UPRN_CODES = {"UPRN", "uprn"}
# Which name is "the" name: the official one, else the usual one, else one with no stated use.
_NAME_PREFERENCE = ("official", "usual", None, "nickname", "anonymous", "temp")
_PREVIOUS_NAME_USES = {"maiden", "old"}
_PHONE_SYSTEMS = ("phone", "sms")


def patient_fields(patient: Mapping[str, Any]) -> dict[str, Any]:
    """Common person fields (raw, not yet standardised) found in one Patient resource."""
    out: dict[str, Any] = {}
    for identifier in _dicts(patient.get("identifier")):
        if identifier.get("system") == NHS_NUMBER_SYSTEM and identifier.get("value"):
            out["nhs_number"] = str(identifier["value"])
            break
    _names(_dicts(patient.get("name")), out)
    if isinstance(patient.get("birthDate"), str):
        birth = patient["birthDate"]
        # FHIR allows a partial date (YYYY or YYYY-MM): that is a year of birth, not a date.
        out["date_of_birth" if len(birth) >= 10 else "year_of_birth"] = (
            birth[:10] if len(birth) >= 10 else birth[:4]
        )
    if isinstance(patient.get("gender"), str):
        out["sex"] = patient["gender"]
    address = _home_address(_dicts(patient.get("address")))
    if address is not None:
        lines = [line for line in address.get("line") or [] if isinstance(line, str)]
        if lines:
            out["address_lines"] = lines
        for key, field in (("city", "town"), ("district", "locality"), ("postalCode", "postcode")):
            if isinstance(address.get(key), str):
                out[field] = address[key]
        uprn = _uprn(address)
        if uprn:
            out["uprn"] = uprn
    phones = []
    emails = []
    for point in _dicts(patient.get("telecom")):
        system = point.get("system")
        if system in _PHONE_SYSTEMS:
            if _telecom(point):
                phones.append(point["value"])
        elif system == "email" and _telecom(point):
            emails.append(point["value"])
    if phones:
        out["phone"] = phones
    if emails:
        out["email"] = emails
    deceased = patient.get("deceasedDateTime")
    if isinstance(deceased, str) and len(deceased) >= 10:
        out["date_of_death"] = deceased[:10]
    return out


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    # Parsed JSON gives plain dicts: test for those first (an ABC check costs several times more).
    return [v for v in value if type(v) is dict or isinstance(v, Mapping)]


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def _current(item: Mapping[str, Any]) -> bool:
    period = item.get("period")
    return period is None or not (isinstance(period, Mapping) and period.get("end"))


def _rank(name: Mapping[str, Any]) -> int:
    use = name.get("use")
    return _NAME_PREFERENCE.index(use) if use in _NAME_PREFERENCE else len(_NAME_PREFERENCE)


def _names(names: list[Mapping[str, Any]], out: dict[str, Any]) -> None:
    # Whether each name is current is asked once; most Patients have one name, which needs
    # no sorting and has no others beside it.
    current = []
    previous = []
    for n in names:
        if n.get("use") not in _PREVIOUS_NAME_USES and _current(n):
            current.append(n)
        else:
            previous.append(n)
    ranked = sorted(current, key=_rank) if len(current) > 1 else current
    if ranked:
        main = ranked[0]
        given = _strings(main.get("given"))
        family = main.get("family") if isinstance(main.get("family"), str) else None
        if given or family:
            if given:
                out["given_name"] = given[0]
                if len(given) > 1:
                    out["middle_names"] = " ".join(given[1:])
            if family:
                out["family_name"] = family
            if prefixes := _strings(main.get("prefix")):
                out["title"] = prefixes[0]
            if suffixes := _strings(main.get("suffix")):
                out["name_suffix"] = suffixes[0]
        elif isinstance(main.get("text"), str):
            out["full_name"] = main["text"]
        usual = [n for n in ranked[1:] if n.get("use") == "usual" and _strings(n.get("given"))]
        if usual and _strings(usual[0].get("given"))[0] != out.get("given_name"):
            out["preferred_name"] = _strings(usual[0].get("given"))[0]
    others = [
        n["family"]
        for n in previous
        if isinstance(n.get("family"), str) and n["family"] != out.get("family_name")
    ]
    if others:
        out["other_family_names"] = list(dict.fromkeys(others))


def _home_address(addresses: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    current = [a for a in addresses if _current(a) and a.get("use") not in ("old", "billing")]
    home = [a for a in current if a.get("use") == "home"]
    chosen = home or current
    return chosen[0] if chosen else None


def _uprn(address: Mapping[str, Any]) -> str | None:
    # UK Core carries the UPRN in the AddressKey extension: {type: coding UPRN, value: "..."}.
    for extension in _dicts(address.get("extension")):
        inner = _dicts(extension.get("extension"))
        kinds = [e.get("valueCoding") for e in inner if e.get("url") == "type"]
        values = [e.get("valueString") for e in inner if e.get("url") == "value"]
        if any(isinstance(k, Mapping) and k.get("code") in _UPRN_CODES for k in kinds) and values:
            value = values[0]
            return str(value) if value else None
    return None


def _telecom(point: Mapping[str, Any]) -> bool:
    """Whether a contact point of a wanted system has a text value and is current."""
    return isinstance(point.get("value"), str) and _current(point)
