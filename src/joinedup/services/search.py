"""Find a person: candidates from the master person index with a match grade.

A practitioner searches by any combination of name, date (or year) of birth, postcode and NHS
number. Records are fetched by what the store indexes (NHS number, date of birth, postcode, the
family name's first letter), compared field by field with the standards' name keys and nickname
variants, and each person gets the grade of their best-matching record:

* **certain** — the NHS number, or the name with the full date of birth and the postcode;
* **probable** — the name with the full date of birth, the name with the postcode and year of
  birth, or a close name with full date of birth and postcode;
* **possible** — anything weaker that still agrees on two things (or on the name when only a
  name was given).

A candidate shows only what identifies: name, year of birth (the full date only when the
searcher gave it and it matched), and the postcode *district*. A search is audited with one event
per candidate returned (each naming its person, so it is in that resident's access log, and each
listing every candidate's id and grade; never what was typed). Only practitioners searching for
a person-level purpose may search.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
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
from joinedup.standards.postcode import normalise_postcode
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

    @property
    def fields(self) -> tuple[str, ...]:
        """Which kinds of criterion were given (for the audit row: names, never values)."""
        given = {
            "name": bool(self.family_key),
            "date_of_birth": bool(self.date_of_birth),
            "year_of_birth": bool(self.year_of_birth and not self.date_of_birth),
            "postcode": bool(self.postcode),
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
    given_key = family_key = None
    if name and has_control_characters(name):
        # The name keys would drop a NUL and search for what is left, quietly: refused, as the
        # other fields' standards refuse it, and as every search filter is (services.text).
        problems.append("name: a name cannot hold a control character (such as NUL)")
    elif name and name.strip():
        try:
            parsed = parse_full_name(name)
            given_key = name_key(parsed.given_name) if parsed.given_name else None
            family_key = name_key(parsed.family_name) if parsed.family_name else None
        except StandardsError as exc:
            problems.append(f"name: {exc}")
        if not family_key and not problems:
            problems.append("name: enter a family name (surname), with a given name if known")
    dob = yob = None
    if date_of_birth and date_of_birth.strip():
        text = date_of_birth.strip()
        try:
            if text.isdigit() and len(text) == 4:
                yob = parse_year_of_birth(text)
            else:
                born = parse_date_of_birth(text)
                dob, yob = born.isoformat(), born.year
        except StandardsError as exc:
            problems.append(f"date_of_birth: {exc}")
    code = None
    if postcode and postcode.strip():
        try:
            code = normalise_postcode(postcode, allow_pseudo=False)
        except StandardsError as exc:
            problems.append(f"postcode: {exc}")
    nhs = None
    if nhs_number and nhs_number.strip():
        try:
            nhs = normalise_nhs_number(nhs_number)
        except StandardsError as exc:
            problems.append(f"nhs_number: {exc}")
    if problems:
        raise ServiceError("; ".join(problems))
    query = SearchQuery(given_key, family_key, dob, yob, code, nhs)
    criteria = sum(bool(x) for x in (family_key, yob, code))
    if not nhs and criteria < 2 and not (family_key and given_key):
        raise ServiceError(
            "Search by NHS number, by full name, or by two of: name, date of birth, postcode."
        )
    return query


def _retrieval(query: SearchQuery) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if query.nhs_number:
        conditions.append(SourceRecord.nhs_number == query.nhs_number)
    if query.date_of_birth:
        conditions.append(SourceRecord.date_of_birth == query.date_of_birth)
    if query.postcode:
        conditions.append(SourceRecord.postcode == query.postcode)
    if query.family_key and not (query.date_of_birth or query.postcode):
        # Fuzzy names cannot use an index; the first letter of the family name narrows the
        # scan (a year of birth, when given, narrows it further).
        by_name: list[ColumnElement[bool]] = [
            func.upper(SourceRecord.family_name).like(query.family_key[0] + "%")
        ]
        if query.year_of_birth:
            by_name.append(SourceRecord.year_of_birth == query.year_of_birth)
        conditions.append(and_(*by_name))
    return or_(*conditions)


def _similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a, b).ratio() >= _FUZZY


def _family(query: SearchQuery, row: Any) -> str | None:
    if not query.family_key:
        return None
    keys = [name_key(row.family_name or "")] + [name_key(n) for n in row.other_family_names or ()]
    keys = [k for k in keys if k]
    if query.family_key in keys:
        return "exact"
    if any(_similar(query.family_key, k) for k in keys):
        return "close"
    return None


def _given(query: SearchQuery, row: Any) -> str | None:
    if not query.given_key:
        return None
    names = [n for n in (row.given_name, row.preferred_name) if n]
    keys = {name_key(n) for n in names} - {""}
    if query.given_key in keys:
        return "exact"
    variants = nickname_variants(query.given_key)
    if any(variants & nickname_variants(n) for n in names):
        return "exact"
    if any(_similar(query.given_key, k) for k in keys):
        return "close"
    if any(k[0] == query.given_key[0] and (len(k) == 1 or len(query.given_key) == 1) for k in keys):
        return "close"  # an initial
    return None


def grade_record(query: SearchQuery, row: Any) -> tuple[str | None, tuple[str, ...]]:
    """The grade of one stored record against the query, and the fields that agreed."""
    matched: list[str] = []
    nhs = bool(query.nhs_number and row.nhs_number == query.nhs_number)
    nhs_conflict = bool(query.nhs_number and row.nhs_number and not nhs)
    family, given = _family(query, row), _given(query, row)
    name_exact = family == "exact" and (given == "exact" or not query.given_key)
    name_close = family is not None and (given is not None or not query.given_key)
    dob = bool(query.date_of_birth and row.date_of_birth == query.date_of_birth)
    yob = bool(query.year_of_birth and row.year_of_birth == query.year_of_birth)
    place = bool(query.postcode and row.postcode == query.postcode)
    for label, hit in (
        ("nhs_number", nhs),
        ("name", name_close),
        ("date_of_birth", dob),
        ("year_of_birth", yob and not dob),
        ("postcode", place),
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
    agreeing = sum((name_close or family is not None, dob or yob, place))
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


def _rank(item: tuple[str, tuple[str, ...], Any]) -> tuple[int, int]:
    grade, matched, _row = item
    return (GRADES.index(grade), -len(matched))


def _candidates(
    query: SearchQuery, rows: Iterable[Any], persons: dict[str, str]
) -> list[Candidate]:
    best: dict[str, tuple[str, tuple[str, ...], Any]] = {}
    for row in rows:
        person_id = persons.get(f"{row.source_id}|{row.record_id}")
        if person_id is None:
            continue  # stored after the last link run: not in the index yet
        grade, matched = grade_record(query, row)
        if grade is None:
            continue
        item = (grade, matched, row)
        if person_id not in best or _rank(item) < _rank(best[person_id]):
            best[person_id] = item
    ordered = sorted(best.items(), key=lambda kv: (*_rank(kv[1]), kv[0]))
    out = []
    for person_id, (grade, matched, row) in ordered:
        show_dob = bool(query.date_of_birth and row.date_of_birth == query.date_of_birth)
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
    listed = ", ".join(f"{c.person_id} {c.grade}" for c in shown) or "none"
    reason = f"searched on {', '.join(query.fields)}; candidates: {listed}"
    moment = utcnow()
    subjects: list[str | None] = [c.person_id for c in shown] or [None]
    # One event per candidate, each naming its person, sharing the request id: every resident
    # a search showed finds it in their access log (which reads events by person), not only
    # the one a single-candidate search returned. A search that found no one is one event.
    audit(
        session,
        *(
            NewEvent(
                actor=actor.user,
                organisation=actor.organisation,
                role=actor.role,
                action="person.search",
                decision="permit" if shown else "none",
                purpose=purpose,
                person_id=person_id,
                case_reference=actor.case_reference,
                categories=("identity.search",) if shown else (),
                request_id=actor.request_id,
                reason=reason,
                at=moment,
            )
            for person_id in subjects
        ),
    )
    return SearchResult(candidates=shown, truncated=len(found) > limit, searched_on=query.fields)
