"""Find a person: candidates from the master person index with a match grade.

A practitioner searches by any combination of name, date (or year) of birth, postcode and NHS
number. Records are fetched by what the store indexes (NHS number, date of birth, postcode, the
family name's first letter), compared field by field with the standards' name keys and nickname
variants, and each person gets the grade of their best-matching record:

* **certain** — the NHS number, or the name with the full date of birth and the postcode;
* **probable** — the name with the full date of birth, the name with the postcode and year of
  birth, or a close name with full date of birth and postcode;
* **possible** — anything weaker that still agrees on two things (or on the name when only a
  name was given). A postcode *district* alone ("NB1") agrees only this weakly.

Input is read as it is typed on a busy day (see ``docs/practitioner.md``): family names are
compared without spaces (Mc Carthy, McCarthy), "Siobhan O Neill" also tries O'Neill, a name of
one word may be the given name ("Siobhan" with a date of birth), eight
digits are a date day first, and a two-digit year that could be either century is searched in
both.

A candidate shows only what identifies: name, year of birth (the full date only when the
searcher gave it and it matched), and the postcode *district*. A search writes one audit event
per candidate shown, under that candidate's id (their grade and place in the list; never what was
typed), or one event when none was found. Only practitioners searching for a person-level
purpose may search.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from joinedup.audit.log import NewEvent
from joinedup.services.access import audit, hold_audit_lock
from joinedup.services.actor import (
    Actor,
    ServiceError,
    require_person_level_purpose,
    require_practitioner,
)
from joinedup.services.text import has_control_characters
from joinedup.standards.dates import parse_date_of_birth, parse_year_of_birth
from joinedup.standards.errors import StandardsError
from joinedup.standards.names import name_key, nickname_variants, parse_full_name
from joinedup.standards.nhs_number import normalise_nhs_number
from joinedup.standards.postcode import normalise_outward_code, normalise_postcode
from joinedup.store.base import utcnow
from joinedup.store.linkage_tables import PersonMember
from joinedup.store.tables import SourceRecord

GRADES: tuple[str, ...] = ("certain", "probable", "possible")
DEFAULT_LIMIT = 10
MAX_LIMIT = 25
# More records than this for one search means the search says too little to be useful (and
# would be slow): the practitioner is asked to add a date of birth or a postcode.
MAX_SCANNED = 5000
_FUZZY = 0.85
# An outward code (a postcode district) is at most four characters: a shorter text that is not
# one gets a message that offers both forms, not "a UK postcode has 5 to 7 characters".
_OUTWARD_MAX = 4
_NOT_A_POSTCODE = "enter a full postcode, such as NB1 2AB, or only the district, such as NB1"
_CHUNK = 400
_COLUMNS = (
    SourceRecord.source_id,
    SourceRecord.record_id,
    SourceRecord.given_name,
    SourceRecord.preferred_name,
    SourceRecord.family_name,
    SourceRecord.other_family_names,
    SourceRecord.date_of_birth,
    SourceRecord.year_of_birth,
    SourceRecord.postcode,
    SourceRecord.nhs_number,
)


@dataclass(frozen=True)
class SearchQuery:
    """A validated search: the name split into keys, dates parsed, postcode and NHS normalised."""

    given_key: str | None = None
    family_key: str | None = None
    date_of_birth: str | None = None
    year_of_birth: int | None = None
    postcode: str | None = None
    nhs_number: str | None = None
    # Only the outward code was given ("NB9"): records anywhere in that district agree, weakly.
    postcode_district: str | None = None
    # The family name with the last middle word joined on ("Siobhan O Neill" → ONEILL): a
    # prefix typed apart that the name parser took for a middle name or an initial.
    joined_family_key: str | None = None
    # A two-digit year read in the other century too (3/4/20: 2020 and 1920), when both
    # readings are a possible date of birth: the searcher typed one of them, not both.
    other_date_of_birth: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """Which kinds of criterion were given (for the audit row: names, never values)."""
        given = {
            "name": bool(self.family_key),
            "date_of_birth": bool(self.date_of_birth),
            "year_of_birth": bool(self.year_of_birth and not self.date_of_birth),
            "postcode": bool(self.postcode),
            "postcode_district": bool(self.postcode_district),
            "nhs_number": bool(self.nhs_number),
        }
        return tuple(name for name, present in given.items() if present)


@dataclass(frozen=True)
class Candidate:
    """One person who may be the one sought: what identifies them, and how well they match."""

    person_id: str
    grade: str
    matched_on: tuple[str, ...]
    given_name: str | None
    family_name: str | None
    year_of_birth: int | None
    date_of_birth: str | None
    postcode_district: str | None


@dataclass(frozen=True)
class SearchResult:
    """Candidates, best first, and whether more matched than the limit allowed."""

    candidates: tuple[Candidate, ...]
    truncated: bool
    searched_on: tuple[str, ...] = field(default=())


def parse_query(
    *,
    name: str | None = None,
    date_of_birth: str | None = None,
    postcode: str | None = None,
    nhs_number: str | None = None,
) -> SearchQuery:
    """Validate search input; :class:`ServiceError` names every field that cannot be used.

    ``date_of_birth`` may be a full date (``1961-04-03``, ``3/4/1961``) or a year (``1961``).
    A search needs an NHS number, or a full name (given and family), or two of: a name, a date
    or year of birth, a postcode — so that it finds a person rather than lists a street.
    """
    problems: list[str] = []
    given_key = family_key = joined = None
    if name and has_control_characters(name):
        # The name keys would drop a NUL and search for what is left, quietly: refused, as the
        # other fields' standards refuse it, and as every search filter is (services.text).
        problems.append("name: a name cannot hold a control character (such as NUL)")
    elif name and name.strip():
        try:
            parsed = parse_full_name(name)
            given_key = name_key(parsed.given_name) if parsed.given_name else None
            family_key = _compact(parsed.family_name)
            if parsed.middle_names and family_key:
                joined = _compact(parsed.middle_names.split()[-1] + (parsed.family_name or ""))
        except StandardsError as exc:
            problems.append(f"name: {exc}")
        if not family_key and not problems:
            problems.append("name: enter a family name (surname), with a given name if known")
    dob = yob = other_dob = None
    if date_of_birth and date_of_birth.strip():
        text = date_of_birth.strip()
        try:
            if text.isdigit() and len(text) == 4:
                yob = parse_year_of_birth(text)
            else:
                born = _date_of_birth(text)
                dob, yob = born.isoformat(), born.year
                other_dob = _other_century(text, born)
        except StandardsError as exc:
            problems.append(f"date_of_birth: {exc}")
    code = district = None
    if postcode and postcode.strip():
        try:
            code = normalise_postcode(postcode, allow_pseudo=False)
        except StandardsError as exc:
            try:
                # Only the district is known ("NB9"), as search results show it.
                district = normalise_outward_code(postcode)
            except StandardsError:
                short = len("".join(postcode.split())) <= _OUTWARD_MAX
                problems.append(f"postcode: {_NOT_A_POSTCODE if short else exc}")
    nhs = None
    if nhs_number and nhs_number.strip():
        try:
            nhs = normalise_nhs_number(nhs_number)
        except StandardsError as exc:
            problems.append(f"nhs_number: {exc}")
    if problems:
        raise ServiceError("; ".join(problems))
    query = SearchQuery(given_key, family_key, dob, yob, code, nhs, district, joined, other_dob)
    criteria = sum(bool(x) for x in (family_key, yob, code or district))
    if not nhs and criteria < 2 and not (family_key and given_key):
        raise ServiceError(
            "Search by NHS number, by full name, or by two of: name, date of birth, postcode."
        )
    return query


def _compact(name: str | None) -> str | None:
    """A family name's key without spaces, as linkage keys it: Mc Carthy and McCarthy agree."""
    key = name_key(name or "").replace(" ", "")
    return key or None


_SPACED_DATE = re.compile(r"^\d{1,2}\s+\d{1,2}\s+\d{2,4}$")
_NOT_A_DATE = "enter a date of birth such as 3/4/1961, or only the year, such as 1961"
# A date typed with a two-digit year: "3/4/20", "3.4.20", "03 04 20", "030420".
_TWO_DIGIT_YEAR = re.compile(r"^(\d{1,2}[/.\- ]+\d{1,2}[/.\- ]+|\d{4})(\d{2})$")


def _date_of_birth(text: str) -> date:
    """The standards' reading of a typed date of birth; eight digits are also read as
    DDMMYYYY ("03041961"), which is how a date is keyed without separators in the UK. The
    standards read eight digits as YYYYMMDD, and the two never collide for a date of birth:
    DDMMYYYY puts the century (19, 20) where YYYYMMDD wants a month."""
    try:
        return parse_date_of_birth(text)
    except StandardsError as exc:
        if text.isdigit() and len(text) == 8:
            again = f"{text[:2]}/{text[2:4]}/{text[4:]}"
        elif _SPACED_DATE.match(text):
            again = "/".join(text.split())  # "03 04 1961", as a date is said on the phone
        else:
            again = None
        if again is not None:
            try:
                return parse_date_of_birth(again)
            except StandardsError:
                pass
        if str(exc).startswith("not a recognised date form"):
            # The standards describe the shape, not the value ("(AAAAA 9999)"), for logs that
            # must not hold personal data; the searcher is better told what would do.
            raise StandardsError(_NOT_A_DATE) from None
        raise


def _other_century(text: str, born: date) -> str | None:
    """For a two-digit year, the date a century earlier when that too is a possible date of
    birth (the standards take the latest century not in the future): "3/4/20" is a child
    born in 2020 or someone of 106, and a search must not decide which."""
    if not _TWO_DIGIT_YEAR.match(text):
        return None
    try:
        earlier = born.replace(year=born.year - 100)
        return parse_date_of_birth(earlier.isoformat()).isoformat()
    except (StandardsError, ValueError):
        return None


def _dates_of_birth(query: SearchQuery) -> tuple[str, ...]:
    return tuple(d for d in (query.date_of_birth, query.other_date_of_birth) if d)


def _retrieval(query: SearchQuery) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if query.nhs_number:
        conditions.append(SourceRecord.nhs_number == query.nhs_number)
    if query.date_of_birth:
        conditions.append(SourceRecord.date_of_birth.in_(_dates_of_birth(query)))
    if query.postcode:
        conditions.append(SourceRecord.postcode == query.postcode)
    if query.family_key and not (query.date_of_birth or query.postcode):
        # Fuzzy names cannot use an index; the first letter of the family name narrows the
        # scan (a year of birth or a postcode district, when given, narrows it further).
        letters = sorted({k[0] for k in (query.family_key, query.joined_family_key) if k})
        names = [SourceRecord.family_name]
        if not query.given_key:
            names.append(SourceRecord.given_name)  # one word may be the given name
        by_name: list[ColumnElement[bool]] = [
            or_(*(func.upper(n).like(letter + "%") for n in names for letter in letters))
        ]
        if query.year_of_birth:
            by_name.append(SourceRecord.year_of_birth.in_(_years_of_birth(query)))
        if query.postcode_district:
            # LIKE, not a range from "D " to "D!": a linguistic collation (en_GB on a
            # production PostgreSQL) ignores the space and would sort NB1 2AB after "NB1!".
            # The district is letters and digits only (standards.postcode), no wildcard.
            by_name.append(SourceRecord.postcode.like(query.postcode_district + " %"))
        conditions.append(and_(*by_name))
    return or_(*conditions)


def _years_of_birth(query: SearchQuery) -> tuple[int, ...]:
    years = [query.year_of_birth] + [int(d[:4]) for d in _dates_of_birth(query)]
    return tuple(sorted({y for y in years if y}))


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= _FUZZY


def _family(query: SearchQuery, row: Any) -> str | None:
    if not query.family_key:
        return None
    names = [row.family_name, *(row.other_family_names or ())]
    keys = [k for k in (_compact(n) for n in names) if k]
    sought = [k for k in (query.family_key, query.joined_family_key) if k]
    if any(k in keys for k in sought):
        return "exact"
    if any(_similar(s, k) for s in sought for k in keys):
        return "close"
    # One part of a double-barrelled name (Jones for Smith-Jones), either way round.
    parts = {p for n in names for p in name_key(n or "").split() if len(p) > 1}
    if query.family_key in parts:
        return "close"
    return None


def _given(query: SearchQuery, row: Any) -> str | None:
    return _given_name(query.given_key, row) if query.given_key else None


def _given_name(key: str, row: Any, *, initials: bool = True) -> str | None:
    names = [n for n in (row.given_name, row.preferred_name) if n]
    keys = {name_key(n) for n in names} - {""}
    if key in keys:
        return "exact"
    variants = nickname_variants(key)
    if any(variants & nickname_variants(n) for n in names):
        return "exact"
    if any(_similar(key, k) for k in keys):
        return "close"
    if initials and any(k[0] == key[0] and (len(k) == 1 or len(key) == 1) for k in keys):
        return "close"  # an initial
    return None


def _only_name_as_given(query: SearchQuery, row: Any) -> bool:
    """Whether a name of one word ("Siobhan", with a date of birth) is the record's given
    name. One word is read as a family name, so a practitioner who knew only the first name
    found no one; it counts as a close name, never an exact one (half a name is weak)."""
    if query.given_key or not query.family_key or query.joined_family_key:
        return False
    return _given_name(query.family_key, row, initials=False) is not None


def grade_record(query: SearchQuery, row: Any) -> tuple[str | None, tuple[str, ...]]:
    """The grade of one stored record against the query, and the fields that agreed."""
    matched: list[str] = []
    nhs = bool(query.nhs_number and row.nhs_number == query.nhs_number)
    nhs_conflict = bool(query.nhs_number and row.nhs_number and not nhs)
    family, given = _family(query, row), _given(query, row)
    name_exact = family == "exact" and (given == "exact" or not query.given_key)
    name_close = (family is not None and (given is not None or not query.given_key)) or (
        family is None and _only_name_as_given(query, row)
    )
    dob = bool(query.date_of_birth and row.date_of_birth in _dates_of_birth(query))
    yob = bool(query.year_of_birth and row.year_of_birth in _years_of_birth(query))
    place = bool(query.postcode and row.postcode == query.postcode)
    area = bool(query.postcode_district and _district(row.postcode) == query.postcode_district)
    for label, hit in (
        ("nhs_number", nhs),
        ("name", name_close),
        # A family name agreeing without the given name (a sister, at the same postcode) is
        # why such a candidate is listed: it was "matched on postcode" alone.
        ("family_name", family is not None and not name_close),
        ("date_of_birth", dob),
        ("year_of_birth", yob and not dob),
        ("postcode", place),
        ("postcode_district", area),
    ):
        if hit:
            matched.append(label)
    if nhs or (not nhs_conflict and name_exact and dob and place):
        return "certain", tuple(matched)
    strong = (
        (name_exact and dob) or (name_exact and place and yob) or (name_close and dob and place)
    )
    if strong and not nhs_conflict:
        return "probable", tuple(matched)
    # A postcode district is weak (thousands live in one): it makes a possible match, never
    # a probable or certain one.
    agreeing = sum((name_close or family is not None, dob or yob, place or area))
    only_name = query.fields == ("name",)
    if agreeing >= 2 or (only_name and name_close) or (name_exact and not nhs_conflict):
        return "possible", tuple(matched)
    return None, ()


def _persons_of(session: Session, keys: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for start in range(0, len(keys), _CHUNK):
        query = select(PersonMember.record_key, PersonMember.person_id).where(
            PersonMember.to_run.is_(None), PersonMember.record_key.in_(keys[start : start + _CHUNK])
        )
        out.update({key: pid for key, pid in session.execute(query)})
    return out


def _district(postcode: str | None) -> str | None:
    return postcode.split(" ")[0] if postcode and " " in postcode else None


_Ranked = tuple[tuple[int, ...], str, tuple[str, ...], Any]


def _rank(query: SearchQuery, grade: str, matched: tuple[str, ...], row: Any) -> tuple[int, ...]:
    """Best first: the grade, how many fields agreed, then how closely the name agreed (John
    Smith before J Smith when John Smith was asked for), then how much the record says (a
    record with the given name in full and a date of birth before one with an initial and
    none: the candidate is shown from it)."""
    family, given = _family(query, row), _given(query, row)
    # An initial asked for ("smith j") is met as well by John as by J.
    initial = bool(query.given_key and len(query.given_key) == 1 and given)
    name = (family == "exact") + (given == "exact" or not query.given_key or initial)
    says = bool(row.date_of_birth or row.year_of_birth) + (len(row.given_name or "") > 1)
    # A family name alone is told (``matched_on``) but weighs as the name's closeness does.
    agreed = sum(1 for field in matched if field != "family_name")
    return (GRADES.index(grade), -agreed, -name, -says)


def _candidates(
    query: SearchQuery, rows: Iterable[Any], persons: dict[str, str]
) -> list[Candidate]:
    best: dict[str, _Ranked] = {}
    for row in rows:
        person_id = persons.get(f"{row.source_id}|{row.record_id}")
        if person_id is None:
            continue  # stored after the last link run: not in the index yet
        grade, matched = grade_record(query, row)
        if grade is None:
            continue
        item = (_rank(query, grade, matched, row), grade, matched, row)
        if person_id not in best or item[0] < best[person_id][0]:
            best[person_id] = item
    ordered = sorted(best.items(), key=lambda kv: (kv[1][0], kv[0]))
    out = []
    for person_id, (_order, grade, matched, row) in ordered:
        show_dob = bool(query.date_of_birth and row.date_of_birth in _dates_of_birth(query))
        out.append(
            Candidate(
                person_id=person_id,
                grade=grade,
                matched_on=matched,
                given_name=row.given_name,
                family_name=row.family_name,
                year_of_birth=row.year_of_birth,
                date_of_birth=row.date_of_birth if show_dob else None,
                postcode_district=_district(row.postcode),
            )
        )
    return out


def _search_events(
    actor: Actor, purpose: str, query: SearchQuery, shown: tuple[Candidate, ...]
) -> list[NewEvent]:
    """One ``person.search`` event per candidate shown, under *their* id, or one ``none``.

    A candidate's name, year of birth and postcode district are shown to the searcher, so
    the read is recorded against that person, as a household member's is: the resident's
    access log and an IG officer's "who looked at this person" find it whether the search
    listed one candidate or twenty-five. The events share the request id; each says which
    kinds of criterion were used (never what was typed) and where in the list it stood.
    """
    at = utcnow()
    searched = f"searched on {', '.join(query.fields)}"

    def event(person_id: str | None, reason: str) -> NewEvent:
        return NewEvent(
            actor=actor.user,
            organisation=actor.organisation,
            role=actor.role,
            action="person.search",
            decision="permit" if person_id else "none",
            purpose=purpose,
            person_id=person_id,
            case_reference=actor.case_reference,
            categories=("identity.search",) if person_id else (),
            request_id=actor.request_id,
            credential=actor.credential,
            reason=reason,
            at=at,
        )

    if not shown:
        return [event(None, f"{searched}; candidates: none")]
    n = len(shown)
    return [
        event(c.person_id, f"{searched}; candidate {i} of {n}: {c.person_id} {c.grade}")
        for i, c in enumerate(shown, start=1)
    ]


def find_persons(
    session: Session, actor: Actor, query: SearchQuery, *, limit: int = DEFAULT_LIMIT
) -> SearchResult:
    """Search the index for ``query`` on behalf of ``actor``; audited, at most ``limit`` results.

    Raises :class:`NotPermitted` for a role or purpose that may not search, ``ServiceError``
    for a limit out of range or a search too broad to run, and ``AuditUnavailable`` (503) when
    the audit event cannot be written — in which case nothing is returned.
    """
    require_practitioner(actor)
    purpose = require_person_level_purpose(actor)
    if not 1 <= limit <= MAX_LIMIT:
        raise ServiceError(f"limit must be between 1 and {MAX_LIMIT}.")
    hold_audit_lock(session)
    statement = select(*_COLUMNS).where(SourceRecord.valid_to.is_(None), _retrieval(query))
    rows = list(session.execute(statement.limit(MAX_SCANNED + 1)))
    if len(rows) > MAX_SCANNED:
        raise ServiceError(
            "Too many records match this search. Add a date of birth, a postcode or a given name."
        )
    persons = _persons_of(session, sorted({f"{r.source_id}|{r.record_id}" for r in rows}))
    found = _candidates(query, rows, persons)
    shown = tuple(found[:limit])
    audit(session, *_search_events(actor, purpose, query, shown))
    return SearchResult(candidates=shown, truncated=len(found) > limit, searched_on=query.fields)
