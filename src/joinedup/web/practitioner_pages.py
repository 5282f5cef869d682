"""The practitioner's pages: find a person, the joined-up record, break-glass, relationships.

Routes are thin: each builds an :class:`~joinedup.services.actor.Actor` from the session's
caller (with the purpose and case reference stated for the session) and calls the same
``joinedup.services`` functions as the API, which decide with policy and write the audit trail
in the request's unit of work. Nothing here reads the database itself or decides what may be
shown; the pages only lay out what the services return.

The search works without JavaScript (a GET form whose results are a page of their own); with
it, htmx fetches just the results and swaps them in, pushing the address so Back works.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.services.access import PersonMoved, person_id_as_issued
from joinedup.services.actor import PRACTITIONER_ROLES, Actor, ServiceError
from joinedup.services.break_glass import (
    MAX_HOURS,
    start_break_glass,
    why_break_glass_opens_nothing,
)
from joinedup.services.break_glass import MIN_REASON as BREAK_GLASS_MIN_REASON
from joinedup.services.explanations import explain
from joinedup.services.joined_view import joined_view
from joinedup.services.relationships import (
    DEFAULT_DAYS,
    MAX_REASON,
    declare_relationship,
    relationship_status,
)
from joinedup.services.search import MAX_LIMIT, find_persons, parse_query
from joinedup.services.views import JoinedView
from joinedup.web.practitioner_forms import (
    SEARCH_FIELDS,
    break_glass_problems,
    days_number,
    field_errors_only,
    relationship_problems,
    search_errors,
    search_length_errors,
    shown,
)
from joinedup.web.review_pages import evidence_bars, largest_weight, percent
from joinedup.web.session import web_role
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

Practitioner = Annotated[Caller, web_role(*sorted(PRACTITIONER_ROLES))]
# Spaces allowed: an id pasted with them is still the id (the services normalise it).
PersonId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_ -]+$")]
OptionalText = Annotated[str | None, Form()]
# The search form's values, unchecked: their limits are checked by the page, so that a value
# too long is a message by its field (practitioner_forms.search_length_errors), not a 422.
SearchText = str | None

_ACRONYMS = {"gp": "GP", "nhs": "NHS", "sen": "SEN", "send": "SEND", "ehcp": "EHCP"}
GRADE_TAGS: dict[str, str] = {
    "certain": "govuk-tag--green",
    "probable": "govuk-tag--blue",
    "possible": "govuk-tag--yellow",
}
MATCHED_LABELS: dict[str, str] = {
    "nhs_number": "NHS number",
    "name": "name",
    "family_name": "family name",
    "date_of_birth": "date of birth",
    "year_of_birth": "year of birth",
    "postcode": "postcode",
    "postcode_district": "postcode district",
}
BASIS_LABELS: dict[str, str] = {
    "model": "Matched by the model",
    "review": "Joined by a reviewer's decision",
    # Also a record whose match is in a service not shown to the reader: the words must be
    # true of both, or they would tell the two apart.
    "alone": "No match among the records shown to you",
}


# The hub serves UK organisations: a time is shown as the clock on their wall reads it.
LOCAL_TIME = ZoneInfo("Europe/London")


def when(value: str | None) -> str:
    """A date or time as GOV.UK writes it: ``2024-02-01`` → ``1 February 2024``.

    A timestamp gets the time too, on UK time (``23 November 2026 at 6:59pm``; a timestamp
    without a zone is UTC, as the hub stores them). It was shown in UTC, an hour behind the
    practitioner's clock from March to October: break-glass "until 2:30pm" ended at 3:30pm
    by every clock in the office. Anything that is not ISO is shown as it is.
    """
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= 10:
        return f"{moment.day} {moment:%B %Y}"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(LOCAL_TIME)
    hour = moment.hour % 12 or 12
    day = f"{moment.day} {moment:%B %Y}"
    return f"{day} at {hour}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}"


def category_label(category: str | None) -> str:
    """A category as it reads on a page: ``finance.council_tax`` → ``Council tax (finance)``."""
    if not category:
        return "Information"
    if category == "identity.core":
        return "Identity: names, date of birth, addresses and contacts"
    group, _, name = category.partition(".")
    words = (name or group).replace("_", " ").capitalize().split(" ")
    text = " ".join(_ACRONYMS.get(word.lower(), word) for word in words)
    return f"{text} ({group.replace('_', ' ')})" if name else text


def nhs_number_spaced(value: str) -> str:
    """An NHS number as the NHS writes it on screen, in groups of 3, 3 and 4 digits."""
    return f"{value[:3]} {value[3:6]} {value[6:]}" if len(value) == 10 else value


def heading_name(view: JoinedView) -> str | None:
    """The name a person's page is headed with: the fullest of the names the released sources
    give — a given name written out before an initial — and of those the first listed.

    The first listed used to be taken, and the sources are listed by name, so someone known to
    the GP as Abigail Linstead was headed "A Linstead" whenever council tax held an initial.
    """
    names = view.identity.names if view.identity else ()
    if not names:
        return None

    def fullness(pair: tuple[int, dict[str, Any]]) -> tuple[bool, bool, int]:
        index, name = pair
        given = (name.get("given_name") or "").strip().rstrip(".")
        return (len(given) > 1, bool(name.get("family_name")), -index)

    _index, best = max(enumerate(names), key=fullness)
    text = " ".join(n for n in (best.get("given_name"), best.get("family_name")) if n)
    return text or None


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _as_issued(request: Request, person_id: str) -> RedirectResponse | None:
    """The same page under the person id as issued, when the URL typed it otherwise (lower case,
    spaces): the page's links, its "change purpose" return address and a bookmark then name the
    id as everyone else sees it. ``None`` when the id is already as issued."""
    issued = person_id_as_issued(person_id)
    typed = f"/people/{person_id}"
    path = str(request.scope.get("path", ""))
    if not issued or issued == person_id or not path.startswith(typed):
        return None
    query = f"?{request.url.query}" if request.url.query else ""
    return _see_other(f"/people/{issued}{path[len(typed) :]}{query}")


@router.get("/people")
def search_page(
    request: Request,
    session: SessionDep,
    caller: Practitioner,
    name: SearchText = None,
    date_of_birth: SearchText = None,
    postcode: SearchText = None,
    nhs_number: SearchText = None,
) -> Response:
    """The search form and, once searched, the candidates with their match grades."""
    values = {
        "name": name or "",
        "date_of_birth": date_of_birth or "",
        "postcode": postcode or "",
        "nhs_number": nhs_number or "",
    }
    searched = any(key in request.query_params for key in SEARCH_FIELDS)
    context: dict[str, Any] = {
        "values": values,
        "searched": searched,
        "result": None,
        "grade_tags": GRADE_TAGS,
        "matched_labels": MATCHED_LABELS,
        "when": when,
    }
    if not searched:
        return render(request, "practitioner/search.html", context)
    if not any(v.strip() for v in values.values()):
        nothing = {"name": "Enter a name, date of birth, postcode or NHS number"}
        return _search_failed(request, context, nothing)
    errors = search_length_errors(values)
    if errors:
        # Every problem at once: the other fields are checked too, without the long ones.
        try:
            parse_query(**{k: v for k, v in values.items() if k not in errors})
        except ServiceError as exc:
            errors.update(field_errors_only(str(exc)))
        context["values"] = shown(values)
        in_order = {k: errors[k] for k in SEARCH_FIELDS if k in errors}
        return _search_failed(request, context, in_order)
    try:
        query = parse_query(**values)
    except ServiceError as exc:
        return _search_failed(request, context, search_errors(str(exc)))
    try:
        result = find_persons(session, actor_of(request, caller), query, limit=MAX_LIMIT)
    except ServiceError as exc:
        if exc.http_status != 400:
            raise
        return _search_failed(request, context, {"name": str(exc).rstrip(".")})
    context["result"] = result
    if _htmx(request):
        return render(request, "practitioner/_results.html", {**context, "partial": True})
    return render(request, "practitioner/search.html", context)


def _search_failed(request: Request, context: dict[str, Any], errors: dict[str, str]) -> Response:
    if _htmx(request):
        # The error summary and the field messages live outside the results region, so have
        # htmx load the whole page (which then answers 400 with every error in place).
        url = request.url.path + "?" + request.url.query
        return Response(status_code=200, headers={"HX-Redirect": url})
    context["errors"] = errors
    return render(request, "practitioner/search.html", context, status_code=400)


def why_one_person(session: SessionDep, actor: Actor, view: JoinedView) -> list[dict[str, Any]]:
    """The linkage evidence policy lets this page show, laid out for the table and the chart.

    Which records may be explained, and which matches must go unnamed, is decided (and audited)
    by :func:`joinedup.services.explanations.explain`. When nothing of the person was released
    there is nothing to explain, so it is not asked: a second refusal on the trail would only
    repeat the view's.
    """
    if not view.services:
        return []
    records = explain(session, actor, view.person_id).records
    scale = largest_weight(
        *(r.field_weights for r in records), starts=(r.start_weight for r in records)
    )
    out = []
    charted: set[frozenset[str]] = set()
    for record in records:
        matched = record.matched_record_key
        # Two records that are each other's best match share one chart, not two the same.
        pair = frozenset({record.record_key, matched or ""})
        fields = record.field_weights if pair not in charted else {}
        charted.add(pair)
        out.append(
            {
                **dataclasses.asdict(record),
                "matched_shown": matched,
                "bars": evidence_bars(fields, scale, start=record.start_weight),
                "basis_label": BASIS_LABELS.get(record.basis, record.basis),
            }
        )
    return out


@router.get("/people/{person_id}")
def person_page(
    request: Request,
    session: SessionDep,
    caller: Practitioner,
    person_id: PersonId,
    declared: int | None = None,
) -> Response:
    """The joined-up record of one person for the session's purpose, as policy allows."""
    if (redirect := _as_issued(request, person_id)) is not None:
        return redirect
    actor = actor_of(request, caller)
    try:
        view = joined_view(session, actor, person_id)
    except PersonMoved as moved:
        return _see_other(f"/people/{moved.person_id}?moved-from={moved.requested}")
    status = relationship_status(session, actor, view.person_id)
    moved_from = request.query_params.get("moved-from")
    source_names = {service.source: service.name for service in view.services}
    context = {
        "view": view,
        "heading": heading_name(view),
        "nhs_number_spaced": nhs_number_spaced,
        "status": status,
        "evidence": why_one_person(session, actor, view),
        "source_names": source_names,
        "when": when,
        "percent": percent,
        "category_label": category_label,
        "moved_from": moved_from if moved_from and moved_from.isalnum() else None,
        "declared": bool(declared),
        "needs_relationship": any(r.get("code") == "deny_no_relationship" for r in view.reasons)
        or any(w.reason_code == "deny_no_relationship" for w in view.withheld),
    }
    if context["needs_relationship"] and status.break_glass_until is None:
        # Offer break-glass only where it would open something; else say why not, up front.
        context["glass_opens_nothing"] = why_break_glass_opens_nothing(
            session, actor, view.person_id
        )
    return render(request, "practitioner/person.html", context)


def _form_error(message: str, fields: dict[str, str], default: str) -> dict[str, str]:
    # The services say what is wrong in a sentence; put it against the field it is about.
    lowered = message.lower()
    for word, field in fields.items():
        if word in lowered:
            return {field: message.rstrip(".")}
    return {default: message.rstrip(".")}


@router.get("/people/{person_id}/break-glass")
def break_glass_page(
    request: Request, session: SessionDep, caller: Practitioner, person_id: PersonId
) -> Response:
    """The warning, and the form asking why the glass must be broken and for how long."""
    if (redirect := _as_issued(request, person_id)) is not None:
        return redirect
    actor = actor_of(request, caller)
    status = relationship_status(session, actor, person_id)
    nothing = why_break_glass_opens_nothing(session, actor, status.person_id)
    if nothing is not None:
        return _break_glass_form(
            request, status.person_id, reason="", hours=str(MAX_HOURS), opens_nothing=nothing
        )
    return _break_glass_form(request, status.person_id, reason="", hours=str(MAX_HOURS))


def _break_glass_form(
    request: Request,
    person_id: str,
    *,
    reason: str,
    hours: str,
    errors: dict[str, str] | None = None,
    opens_nothing: str | None = None,
) -> Response:
    context = {
        "opens_nothing": opens_nothing,
        "person_id": person_id,
        "reason": reason,
        "hours": hours,
        "max_hours": MAX_HOURS,
        "min_reason": BREAK_GLASS_MIN_REASON,
        "max_reason": MAX_REASON,
        "errors": errors or {},
    }
    status = 400 if errors else 200
    return render(request, "practitioner/break_glass.html", context, status_code=status)


@router.post("/people/{person_id}/break-glass")
def break_glass(
    request: Request,
    session: SessionDep,
    caller: Practitioner,
    person_id: PersonId,
    reason: OptionalText = None,
    hours: OptionalText = None,
) -> Response:
    """Open a break-glass session (audited, the IG officer alerted), then confirm it."""
    text, hours = reason or "", hours or ""
    errors = break_glass_problems(text, hours)
    if errors:
        return _break_glass_form(request, person_id, reason=text, hours=hours, errors=errors)
    try:
        started = start_break_glass(
            session, actor_of(request, caller), person_id, reason=text, hours=int(hours)
        )
    except ServiceError as exc:
        if exc.http_status != 400:
            raise
        problem = _form_error(str(exc), {"hour": "hours"}, "reason")
        return _break_glass_form(request, person_id, reason=text, hours=hours, errors=problem)
    return _see_other(f"/people/{started.person_id}/break-glass/started")


@router.get("/people/{person_id}/break-glass/started")
def break_glass_started(
    request: Request, session: SessionDep, caller: Practitioner, person_id: PersonId
) -> Response:
    """Confirmation that break-glass access is open, until when, and what happens next."""
    if (redirect := _as_issued(request, person_id)) is not None:
        return redirect
    status = relationship_status(session, actor_of(request, caller), person_id)
    if status.break_glass_until is None:
        return _see_other(f"/people/{status.person_id}/break-glass")
    return render(
        request, "practitioner/break_glass_started.html", {"status": status, "when": when}
    )


@router.get("/people/{person_id}/relationship")
def relationship_page(
    request: Request, session: SessionDep, caller: Practitioner, person_id: PersonId
) -> Response:
    """The form to declare a legitimate relationship with a person (for direct care)."""
    if (redirect := _as_issued(request, person_id)) is not None:
        return redirect
    status = relationship_status(session, actor_of(request, caller), person_id)
    return _relationship_form(
        request, status.person_id, status=status, reason="", days=str(DEFAULT_DAYS), whole=False
    )


def _relationship_form(
    request: Request,
    person_id: str,
    *,
    status: Any,
    reason: str,
    days: str,
    whole: bool,
    errors: dict[str, str] | None = None,
) -> Response:
    context = {
        "person_id": person_id,
        "status": status,
        "reason": reason,
        "days": days,
        "whole": whole,
        "max_reason": MAX_REASON,
        "errors": errors or {},
        "when": when,
    }
    code = 400 if errors else 200
    return render(request, "practitioner/relationship.html", context, status_code=code)


@router.post("/people/{person_id}/relationship")
def declare(
    request: Request,
    session: SessionDep,
    caller: Practitioner,
    person_id: PersonId,
    reason: OptionalText = None,
    days: OptionalText = None,
    whole_organisation: OptionalText = None,
) -> Response:
    """Declare the relationship (audited, the IG officer alerted) and go back to the record."""
    actor = actor_of(request, caller)
    text, count = reason or "", (days or "").strip()
    whole = whole_organisation == "yes"
    errors = relationship_problems(text, count)
    if not errors:
        try:
            made = declare_relationship(
                session,
                actor,
                person_id,
                reason=text,
                days=days_number(count),
                whole_organisation=whole,
            )
        except ServiceError as exc:
            if exc.http_status != 400:
                raise
            errors = _form_error(str(exc), {"day": "days", "year": "days"}, "reason")
        else:
            return _see_other(f"/people/{made.person_id}?declared=1")
    status = relationship_status(session, actor, person_id)
    return _relationship_form(
        request,
        status.person_id,
        status=status,
        reason=text,
        days=count,
        whole=whole,
        errors=errors,
    )
