"""Reviewer API (``/api/v1/review/...``): the linkage review queue, one pair, a decision.

For the ``reviewer`` role only. Wraps :mod:`joinedup.linkage.review` through
:mod:`joinedup.services.review_service`: the queue riskiest first, a pair with both records side
by side and the evidence (audited), and ``link`` / ``not-link`` decisions recorded in the
reviewer's name and obeyed by every later link run (audited).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status

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
ItemId = Annotated[int, Path(ge=1, le=ID_MAX, description="A review item's id from the queue.")]


@router.get(
    "/items",
    response_model=list[QueueItemPublic],
    summary="The review queue",
    description=(
        "Open pairs, largest risk first: possible wrong merges (weak links) above possible "
        "missed links (uncertain pairs). Record keys and scores only. `offset` skips the "
        "riskiest so many, to page through the queue; the `X-Total-Count` header says how "
        "many are open in all."
    ),
    responses=_REVIEWER,
)
def review_queue(
    request: Request,
    response: Response,
    session: SessionDep,
    caller: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=QUEUE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=ID_MAX)] = 0,
) -> list[QueueItemPublic]:
    actor = actor_of(request, caller)
    items = review_service.review_queue(session, actor, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(review_service.queue_length(session, actor))
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
