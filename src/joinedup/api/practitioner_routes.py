"""Practitioner API: find a person, the joined view for a purpose, relationships, break-glass.

Routes are thin: each builds an :class:`joinedup.services.actor.Actor` from the caller and calls
one service, which decides with policy and writes the audit event in the request's unit of work,
committed before the response is sent — by the routes that read personal data as their last
step, ``commit_in_route``, so the audit chain's lock is let go at once. The reads (search, view,
explanation) are the hot path: their sign-in check, service call, commit and JSON run as one
step on one worker thread (``AuthenticatedWork``, :mod:`joinedup.api.unit_of_work`); the
changes use ``SessionDep`` and ``CurrentUser``. A service
that cannot write its audit event raises ``AuditUnavailable`` and the answer is a 503 with no
personal data.

Purpose and case reference come from the web session (stated once on the purpose page) or, for
token clients, from the ``Joinedup-Purpose`` / ``Joinedup-Case-Reference`` headers or the
``purpose`` / ``case_reference`` query parameters.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import JSONResponse
from starlette.responses import Response

from joinedup.api import API_PREFIX
from joinedup.api.deps import Caller, CurrentUser, SessionDep, actor_of, commit_in_route
from joinedup.api.errors import BadRequest
from joinedup.api.schemas_explanation import ExplanationPublic
from joinedup.api.schemas_practitioner import (
    BreakGlassCreate,
    BreakGlassPublic,
    PersonMovedPublic,
    PersonViewPublic,
    RelationshipCreate,
    RelationshipPublic,
    SearchResultPublic,
)
from joinedup.api.unit_of_work import AuthenticatedWork, Session, public_json
from joinedup.services import accounts
from joinedup.services.access import PersonMoved
from joinedup.services.actor import Actor
from joinedup.services.break_glass import start_break_glass
from joinedup.services.explanations import explain
from joinedup.services.joined_view import joined_view
from joinedup.services.relationships import declare_relationship
from joinedup.services.search import DEFAULT_LIMIT, MAX_LIMIT, find_persons, parse_query

router = APIRouter(prefix="/persons", tags=["practitioner"])

PersonId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_ -]+$",
        description=(
            "A person id from the master person index, e.g. P7K2M9QX4TB1A; its case and any "
            "spaces do not matter."
        ),
    ),
]
PurposeQuery = Annotated[
    str | None,
    Query(
        max_length=40,
        description="Token clients: the purpose, instead of the Joinedup-Purpose header.",
    ),
]
CaseQuery = Annotated[
    str | None,
    Query(
        max_length=200,
        description="Token clients: the case reference, instead of the header.",
    ),
]


def _actor(
    request: Request,
    caller: Caller,
    purpose: str | None = None,
    case_reference: str | None = None,
) -> Actor:
    actor = actor_of(request, caller)
    if purpose is None and case_reference is None:
        return actor
    if caller.via != "token":
        raise BadRequest("State the purpose for this session on the purpose page, not in the URL.")
    try:
        stated, reference = accounts.check_context(purpose, case_reference)
    except accounts.ContextError as exc:
        raise BadRequest(f"{exc}") from None
    return dataclasses.replace(actor, purpose=stated, case_reference=reference)


@router.get(
    "/search",
    response_model=SearchResultPublic,
    summary="Find a person",
    description=(
        "Candidates with a match grade (certain, probable, possible), showing only name, year "
        "of birth and postcode district. Give an NHS number, a full name, or two of name, date "
        "of birth and postcode. Needs a stated purpose that allows person-level data; every "
        "search is on the audit trail with the candidates it returned."
    ),
)
async def search_persons(
    request: Request,
    work: AuthenticatedWork,
    name: Annotated[str | None, Query(max_length=200, examples=["Anne Walker"])] = None,
    date_of_birth: Annotated[
        str | None, Query(max_length=40, description="A full date or a year.")
    ] = None,
    postcode: Annotated[
        str | None,
        Query(max_length=16, examples=["NB1 2AB"], description="A postcode, or its district."),
    ] = None,
    nhs_number: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    purpose: PurposeQuery = None,
    case_reference: CaseQuery = None,
) -> Response:
    def step(session: Session, caller: Caller) -> Response:
        actor = _actor(request, caller, purpose, case_reference)
        query = parse_query(
            name=name, date_of_birth=date_of_birth, postcode=postcode, nhs_number=nhs_number
        )
        result = find_persons(session, actor, query, limit=limit)
        commit_in_route(session)
        return public_json(SearchResultPublic, result)

    return await work.run(step)


@router.get(
    "/{person_id}",
    response_model=PersonViewPublic,
    summary="The joined view of a person",
    description=(
        "Services involved, identity, contacts, timeline and household, each filtered by the "
        "data sharing agreements for your role, organisation and stated purpose. Items not "
        "released are listed under `withheld` with the reason. A retired id answers 301 with "
        "where its records went; an id whose records have all ended answers 410."
    ),
    responses={
        301: {"model": PersonMovedPublic, "description": "The id was retired (merged)."},
        503: {"description": "The audit trail cannot be written: nothing is returned."},
    },
)
async def view_person(
    request: Request,
    work: AuthenticatedWork,
    person_id: PersonId,
    purpose: PurposeQuery = None,
    case_reference: CaseQuery = None,
) -> Response:
    # The hot path: the caller's check, the view, its audit events, the commit and the JSON
    # in one step on one worker thread (see joinedup.api.unit_of_work).
    def step(session: Session, caller: Caller) -> Response:
        actor = _actor(request, caller, purpose, case_reference)
        try:
            view = joined_view(session, actor, person_id)
        except PersonMoved as moved:
            return _moved(moved)
        commit_in_route(session)
        return public_json(PersonViewPublic, view)

    return await work.run(step)


def _moved(moved: PersonMoved, tail: str = "") -> JSONResponse:
    location = f"{API_PREFIX}/persons/{moved.person_id}{tail}"
    body = PersonMovedPublic(
        status=301,
        detail=str(moved),
        requested=moved.requested,
        person_id=moved.person_id,
        location=location,
    )
    return JSONResponse(body.model_dump(), status_code=301, headers={"Location": location})


@router.get(
    "/{person_id}/explanation",
    response_model=ExplanationPublic,
    summary="Why these records are one person",
    description=(
        "For each record of the person from a source released to you: the record it matched "
        "best, the match probability and weight, and the weight each field contributed. A match "
        "in a source not released to you is not named (`matched_hidden`). Decided by the same "
        "agreements as the joined view and audited as `person.explain`. A retired id answers "
        "301 with where its records went."
    ),
    responses={
        301: {"model": PersonMovedPublic, "description": "The id was retired (merged)."},
        503: {"description": "The audit trail cannot be written: nothing is returned."},
    },
)
async def person_explanation(
    request: Request,
    work: AuthenticatedWork,
    person_id: PersonId,
    purpose: PurposeQuery = None,
    case_reference: CaseQuery = None,
) -> Response:
    def step(session: Session, caller: Caller) -> Response:
        actor = _actor(request, caller, purpose, case_reference)
        try:
            why = explain(session, actor, person_id)
        except PersonMoved as moved:
            return _moved(moved, "/explanation")
        commit_in_route(session)
        return public_json(ExplanationPublic, why)

    return await work.run(step)


@router.post(
    "/{person_id}/relationships",
    response_model=RelationshipPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Declare a legitimate relationship",
    description=(
        "For direct care without a record of your own organisation: state why, and until when "
        "(at most a year). The IG officer is alerted and the declaration is audited."
    ),
)
def post_relationship(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    person_id: PersonId,
    body: RelationshipCreate,
) -> RelationshipPublic:
    actor = _actor(request, caller)
    row = declare_relationship(
        session,
        actor,
        person_id,
        reason=body.reason,
        expires_at=body.expires_at,
        days=body.days,
        whole_organisation=body.whole_organisation,
    )
    return RelationshipPublic.model_validate(row)


@router.post(
    "/{person_id}/break-glass",
    response_model=BreakGlassPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Break the glass",
    description=(
        "Emergency access without a legitimate relationship, for up to 4 hours, with a stated "
        "reason. Agreements, objections and consent still apply; sealed categories stay sealed "
        "unless an agreement names them. The IG officer is alerted, and the resident sees it "
        "in their access log. Asked again while the caller's session on the person is open, "
        "it returns that session with status 200 and `already_open`, opening nothing new."
    ),
    responses={200: {"description": "Already open: the caller's current session, unchanged."}},
)
def post_break_glass(
    request: Request,
    response: Response,
    session: SessionDep,
    caller: CurrentUser,
    person_id: PersonId,
    body: BreakGlassCreate,
) -> BreakGlassPublic:
    actor = _actor(request, caller)
    started = start_break_glass(session, actor, person_id, reason=body.reason, hours=body.hours)
    if started.already_open:
        response.status_code = status.HTTP_200_OK
    return BreakGlassPublic.model_validate(started)
