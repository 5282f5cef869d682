"""Resident API (``/api/v1/me/...``): my record, who accessed it, my choices, everything at once.

For a signed-in resident only (role ``resident``, the account linked to their person id); every
other role gets 403. Each read is on the audit trail before anything personal is read, in the
request's unit of work, and a failure to write it is a 503 with nothing personal (fail closed).
Routes are thin: each calls one function of :mod:`joinedup.services.resident` (and its
``resident_access_log`` and ``resident_choices``) or :mod:`joinedup.services.subject_access`,
which the web pages call too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status

from joinedup.api.deps import CurrentUser, SessionDep, actor_of
from joinedup.api.schemas_resident import (
    AccessHistoryPublic,
    ChoiceCreate,
    MyChoicesPublic,
    MyRecordPublic,
    SubjectAccessPackPublic,
)
from joinedup.services.resident import my_record
from joinedup.services.resident_access_log import ACCESS_LOG_MAX, access_history
from joinedup.services.resident_choices import my_choices, record_my_choice
from joinedup.services.subject_access import subject_access_pack

router = APIRouter(prefix="/me", tags=["resident"])

_AUDITED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Only a resident, for their own record."},
    503: {"description": "The audit trail cannot be written: nothing is returned."},
}
# Bigger than any seq or row id the hub will reach, and small enough for every database's BIGINT
# (a larger number in a URL is a 422, not a database error). Shared by the governance and review
# routes.
SEQ_MAX = ID_MAX = 2**62


@router.get(
    "/record",
    response_model=MyRecordPublic,
    summary="What is held about me",
    description=(
        "Which organisations hold records about you: each service, the kinds of data it holds "
        "(in plain words), how many records and since when. Recorded on the audit trail."
    ),
    responses=_AUDITED,
)
def get_my_record(request: Request, session: SessionDep, caller: CurrentUser) -> MyRecordPublic:
    return MyRecordPublic.model_validate(my_record(session, actor_of(request, caller)))


@router.get(
    "/access-log",
    response_model=AccessHistoryPublic,
    summary="Who accessed my record, and why",
    description=(
        "Every access to your data by someone else, newest first: the organisation and role "
        "(not the member of staff), when, for what purpose, what was released, and whether it "
        "was emergency (break-glass) access, with its stated reason. Refused attempts are "
        "included. Page back with `before_seq`."
    ),
    responses=_AUDITED,
)
def get_my_access_log(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    before_seq: Annotated[
        int | None, Query(ge=1, le=SEQ_MAX, description="next_before_seq of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=ACCESS_LOG_MAX)] = 50,
) -> AccessHistoryPublic:
    history = access_history(session, actor_of(request, caller), before_seq=before_seq, limit=limit)
    return AccessHistoryPublic.model_validate(history)


@router.get(
    "/choices",
    response_model=MyChoicesPublic,
    summary="My choices",
    description=(
        "Your objections and consents in force, every change you have made, and where an "
        "agreement shares your data only with your consent."
    ),
    responses=_AUDITED,
)
def get_my_choices(request: Request, session: SessionDep, caller: CurrentUser) -> MyChoicesPublic:
    return MyChoicesPublic.model_validate(my_choices(session, actor_of(request, caller)))


@router.post(
    "/choices",
    response_model=MyChoicesPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Object, or give or withdraw consent",
    description=(
        "Object to sharing for a purpose (for every service, or one), or give or withdraw "
        "consent where an agreement asks for it. Effective for the next access; the history is "
        "kept and the change is on the audit trail. Answers with your choices as they now are."
    ),
    responses=_AUDITED,
)
def post_my_choice(
    request: Request, session: SessionDep, caller: CurrentUser, body: ChoiceCreate
) -> MyChoicesPublic:
    choices = record_my_choice(
        session,
        actor_of(request, caller),
        kind=body.kind,
        purpose=body.purpose,
        given=body.given,
        source=body.source,
        note=body.note,
    )
    return MyChoicesPublic.model_validate(choices)


@router.get(
    "/subject-access",
    response_model=SubjectAccessPackPublic,
    summary="Download everything held about me",
    description=(
        "Your subject access pack (UK GDPR Art. 15) as one JSON file: each service's records "
        "about you with their data, the purposes and recipients the agreements allow, the "
        "sources, the whole access log and your choices."
    ),
    responses=_AUDITED,
)
def get_subject_access_pack(
    request: Request, response: Response, session: SessionDep, caller: CurrentUser
) -> SubjectAccessPackPublic:
    pack = subject_access_pack(session, actor_of(request, caller))
    name = f"joinedup-subject-access-{pack.person_id}-{pack.generated_at:%Y%m%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return SubjectAccessPackPublic.model_validate(pack)
