"""Reviewer API (``/api/v1/review/...``): the linkage review queue, one pair, a decision.

For the ``reviewer`` role only. Wraps :mod:`joinedup.linkage.review` through
:mod:`joinedup.services.review_service`: the queue riskiest first, a pair with both records side
by side and the evidence (audited), and ``link`` / ``not-link`` decisions recorded in the
reviewer's name and obeyed by every later link run (audited).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import StringConstraints

from joinedup.api.deps import CurrentUser, SessionDep, actor_of
from joinedup.api.resident_routes import ID_MAX
from joinedup.api.schemas_review import (
    QueueItemPublic,
    ReviewDecisionCreate,
    ReviewDetailPublic,
    ReviewOutcomePublic,
)
from joinedup.services import review_service
from joinedup.services.review_service import QUEUE_MAX

router = APIRouter(prefix="/review", tags=["review"])

_REVIEWER: dict[int | str, dict[str, Any]] = {403: {"description": "Only a linkage reviewer."}}
# Longer than any source id a mapping names, or a person id as typed (spaces too): refused
# before the database is asked.
SOURCE_MAX = 100
PERSON_ID_TYPED_MAX = 32
ItemId = Annotated[int, Path(ge=1, le=ID_MAX, description="A review item's id from the queue.")]


@router.get(
    "/items",
    response_model=list[QueueItemPublic],
    summary="The review queue",
    description=(
        "Open pairs, largest risk first: possible wrong merges (weak links) above possible "
        "missed links (uncertain pairs). Record keys and scores only. `offset` skips the "
        "riskiest so many, to page through the queue; the `X-Total-Count` header says how "
        "many are open in all. Filters narrow the queue, still largest risk first, and the "
        "count with it: `source` (once: either record from it; twice: one record from each), "
        "`kind` (`pair`: possible missed links; `person`: persons held by weak evidence), "
        "`min_risk` (0 to 2) and `person` (items touching that person id)."
    ),
    responses={**_REVIEWER, 400: {"description": "An unknown source or person id."}},
)
def review_queue(
    request: Request,
    response: Response,
    session: SessionDep,
    caller: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=QUEUE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
    source: Annotated[
        list[Annotated[str, StringConstraints(max_length=SOURCE_MAX)]] | None,
        Query(max_length=2, description="A source id; twice for a pair of sources."),
    ] = None,
    kind: Annotated[Literal["pair", "person"] | None, Query()] = None,
    min_risk: Annotated[float | None, Query(ge=0, le=2, allow_inf_nan=False)] = None,
    person: Annotated[str | None, Query(max_length=PERSON_ID_TYPED_MAX)] = None,
) -> list[QueueItemPublic]:
    actor = actor_of(request, caller)
    only = review_service.review_filter(
        session, actor, sources=source or (), kind=kind, min_risk=min_risk, person=person
    )
    items = review_service.review_queue(session, actor, limit=limit, offset=offset, only=only)
    response.headers["X-Total-Count"] = str(review_service.queue_length(session, actor, only))
    return [QueueItemPublic.model_validate(item) for item in items]


@router.get(
    "/items/{item_id}",
    response_model=ReviewDetailPublic,
    summary="One pair, side by side",
    description=(
        "Both records, field by field (same, different, one missing), the person each is in "
        "now, and the evidence holding each there. Audited."
    ),
    responses={**_REVIEWER, 404: {"description": "No such review item."}},
)
def review_item(
    request: Request, session: SessionDep, caller: CurrentUser, item_id: ItemId
) -> ReviewDetailPublic:
    detail = review_service.review_item(session, actor_of(request, caller), item_id)
    return ReviewDetailPublic.model_validate(detail)


@router.post(
    "/items/{item_id}/decision",
    response_model=ReviewOutcomePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Decide link or not-link",
    description=(
        "Recorded in your name; every later link run keeps a `link` pair in one person and a "
        "`not-link` pair apart. Deciding again records a new decision, which then applies. "
        "A decision that contradicts the decisions in force, through other pairs too (a "
        "`not-link` between records that `link` decisions join, or a `link` joining a "
        "`not-link` pair), is refused with 409 naming them. A decision on a record that is "
        "no longer current is recorded, with a `warning` saying it applies if the record "
        "comes back. Send the `decision_id` you were shown as `seen` (null for none): if "
        "someone has decided the pair since, 409 names their decision instead of replacing it."
    ),
    responses={
        **_REVIEWER,
        404: {"description": "No such review item."},
        409: {
            "description": (
                "The decision contradicts decisions in force, or the pair was decided since "
                "the `seen` decision; `detail` names them."
            )
        },
    },
)
def decide_item(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    item_id: ItemId,
    body: ReviewDecisionCreate,
) -> ReviewOutcomePublic:
    outcome = review_service.decide_item(
        session,
        actor_of(request, caller),
        item_id,
        decision=body.decision,
        note=body.note,
        seen=body.seen if "seen" in body.model_fields_set else review_service.UNSEEN,
    )
    return ReviewOutcomePublic.model_validate(outcome)
