"""What a FHIR R4 Patient says about the common person fields (UK Core conventions).

Used as the default for a ``format: fhir`` mapping; any person field the mapping names explicitly
(a dotted path into the resource) wins over what is derived here.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
#: The NHS number's system before UK Core (``fhir.nhs.net``), still sent by older NHS feeds.
#: Read as an NHS number too; UK Core's is preferred when a Patient carries both.
LEGACY_NHS_NUMBER_SYSTEMS = ("http://fhir.nhs.net/Id/nhs-number",)
#: The key of the fields that says what they were judged against, present only for a Patient
#: whose fields depend on the day (a name, address or contact point with a period end): the
#: day asked about and the first day on which the same Patient might read differently (a
#: period ending on or after the day is current until the day after its end), or None.
#: Not a person field; :mod:`joinedup.ingest.standardise` takes it out.
DAY_DEPENDENT = "_day_dependent"
_UPRN_CODES = {"UPRN", "uprn"}
# Which name is "the" name: the official one, else the usual one, else one with no stated use.
_NAME_PREFERENCE = ("official", "usual", None, "nickname", "anonymous", "temp")
_PREVIOUS_NAME_USES = {"maiden", "old"}
_PHONE_SYSTEMS = ("phone", "sms")


def patient_fields(patient: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """Common person fields (raw, not yet standardised) found in one Patient resource.

    ``today`` (default: the real date) decides which names, addresses and contact points
    are current: one whose ``period.end`` is before it has ended. When any period end was
    weighed, :data:`DAY_DEPENDENT` holds ``(today, until)``.
    """
    out: dict[str, Any] = {}
    periods = _Periods(today)
    nhs_number = legacy = None
    for identifier in _dicts(patient.get("identifier")):
        system = identifier.get("system")
        if system == NHS_NUMBER_SYSTEM and identifier.get("value"):
            nhs_number = str(identifier["value"])
            break
        if legacy is None and system in LEGACY_NHS_NUMBER_SYSTEMS and identifier.get("value"):
            legacy = str(identifier["value"])
    if nhs_number or legacy:
        out["nhs_number"] = nhs_number or legacy
    _names(_dicts(patient.get("name")), out, periods)
    birth = patient.get("birthDate")
    if birth is None and "_birthDate" in patient:
        birth = _birth_time(patient["_birthDate"])
    if isinstance(birth, str):
        # FHIR allows a partial date (YYYY or YYYY-MM): that is a year of birth, not a date.
        out["date_of_birth" if len(birth) >= 10 else "year_of_birth"] = (
            birth[:10] if len(birth) >= 10 else birth[:4]
        )
    if isinstance(patient.get("gender"), str):
        out["sex"] = patient["gender"]
    address = _home_address(_dicts(patient.get("address")), periods)
    if address is not None:
        lines = [line for line in address.get("line") or [] if isinstance(line, str)]
        text = address.get("text")
        if lines:
            out["address_lines"] = lines
        elif isinstance(text, str) and text.strip():
            # Only the text form ("1 High St, Leeds LS6 2AB"): read as a one-line address,
            # which gives the postcode in it too. A city or district given beside it that the
            # text does not already hold is added to it, not lost.
            out["address"] = _with_places(text, address)
        for key, field in (("city", "town"), ("district", "locality"), ("postalCode", "postcode")):
            if isinstance(address.get(key), str) and (field == "postcode" or "address" not in out):
                out[field] = address[key]
        uprn = _uprn(address)
        if uprn:
            out["uprn"] = uprn
    phones = []
    emails = []
    for point in _dicts(patient.get("telecom")):
        system = point.get("system")
        if system in _PHONE_SYSTEMS:
            if _telecom(point, periods):
                phones.append(point["value"])
        elif system == "email" and _telecom(point, periods):
            emails.append(point["value"])
    if phones:
        out["phone"] = phones
    if emails:
        out["email"] = emails
    deceased = patient.get("deceasedDateTime")
    if isinstance(deceased, str) and len(deceased) >= 10:
        out["date_of_death"] = deceased[:10]
    if periods.weighed:
        out[DAY_DEPENDENT] = (periods.today, periods.until)
    return out


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    # Parsed JSON gives plain dicts: test for those first (an ABC check costs several times more).
    return [v for v in value if type(v) is dict or isinstance(v, Mapping)]


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


# A FHIR date or dateTime: YYYY, YYYY-MM, YYYY-MM-DD, then perhaps a time (ignored: the end
# is compared by its date as written).
_FHIR_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")


def last_day(value: str) -> date | None:
    """The last day a FHIR date or dateTime can mean: ``2020`` → 31 December 2020, ``2020-02``
    → 29 February 2020, ``2020-05-01T10:00:00Z`` → 1 May 2020; None when it is not one."""
    match = _FHIR_DATE.match(value.strip())
    if match is None:
        return None
    year = int(match.group(1))
    month, day = match.group(2), match.group(3)
    try:
        if month is None:
            return date(year, 12, 31)
        if day is None:
            return date(year, int(month), calendar.monthrange(year, int(month))[1])
        return date(year, int(month), int(day))
    except ValueError:  # month 13 (IllegalMonthError is one), 30 February, year 0
        return None


class _Periods:
    """Whether items are current on ``today``, noting the first day an answer could change.

    ``weighed`` says whether any period end was compared with the day; ``today`` is the real
    date unless one is given, asked for only then (most Patients state no period ends).
    """

    __slots__ = ("_today", "until", "weighed")

    def __init__(self, today: date | None) -> None:
        self._today = today
        self.until: date | None = None
        self.weighed = False

    @property
    def today(self) -> date:
        if self._today is None:
            self._today = date.today()
        return self._today

    def current(self, item: Mapping[str, Any]) -> bool:
        """Whether ``item`` (a name, address or contact point) has not ended by ``today``.

        It has ended only when its ``period.end`` is before today: a period ending today or
        later (``2099-01-01``) is still current, and a partial end (``2020``, ``2020-05``)
        runs to its last day. An end that is not a date says it has ended, as before.
        """
        period = item.get("period")
        if period is None or not (isinstance(period, Mapping) and period.get("end")):
            return True
        end = period["end"]
        last = last_day(end) if isinstance(end, str) else None
        if last is None:
            return False
        self.weighed = True
        if last < self.today:
            return False  # ended for good
        if last < date.max:
            change = last + timedelta(days=1)
            self.until = change if self.until is None else min(self.until, change)
        return True


def _rank(name: Mapping[str, Any]) -> int:
    use = name.get("use")
    return _NAME_PREFERENCE.index(use) if use in _NAME_PREFERENCE else len(_NAME_PREFERENCE)


def _names(names: list[Mapping[str, Any]], out: dict[str, Any], periods: _Periods) -> None:
    # Whether each name is current is asked once; most Patients have one name, which needs
    # no sorting and has no others beside it.
    current = []
    previous = []
    for n in names:
        if n.get("use") not in _PREVIOUS_NAME_USES and periods.current(n):
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


def _home_address(
    addresses: list[Mapping[str, Any]], periods: _Periods
) -> Mapping[str, Any] | None:
    current = [
        a for a in addresses if a.get("use") not in ("old", "billing") and periods.current(a)
    ]
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


def _telecom(point: Mapping[str, Any], periods: _Periods) -> bool:
    """Whether a contact point of a wanted system has a text value and is current."""
    return isinstance(point.get("value"), str) and periods.current(point)


def _with_places(text: str, address: Mapping[str, Any]) -> str:
    """``text`` with the address's district and city after it, each unless the text holds it."""
    out = text.strip()
    for key in ("district", "city"):
        place = address.get(key)
        if isinstance(place, str) and place.strip() and place.strip().upper() not in out.upper():
            out = f"{out}, {place.strip()}"
    return out


BIRTH_TIME = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"


def _birth_time(element: Any) -> str | None:
    """The date of a ``birthDate`` given only by its extension (``_birthDate``): the
    patient-birthTime a maternity system records for a newborn, or None (a
    data-absent-reason says there is no date)."""
    extensions = element.get("extension") if isinstance(element, dict) else None
    for extension in _dicts(extensions):
        if extension.get("url") == BIRTH_TIME and isinstance(extension.get("valueDateTime"), str):
            return str(extension["valueDateTime"])
    return None
