"""IG officer API (``/api/v1/governance/...``): audit search, alert queue, agreements, chain status.

For the ``ig_officer`` role only (403 for everyone else). Routes are thin: each calls one
function of :mod:`joinedup.services.governance`, which checks the role, validates with a clear
message, and puts the search and each handled alert on the audit trail in the request's unit of
work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import Response

from joinedup.api.deps import CurrentUser, SessionDep, actor_of, refuse_unknown_parameters
from joinedup.api.downloads import export_response
from joinedup.api.resident_routes import ID_MAX, SEQ_MAX
from joinedup.api.schemas_break_glass_review import ReasonDecision, ReasonReviewPublic
from joinedup.api.schemas_governance import (
    AgreementDetailPublic,
    AgreementSummaryPublic,
    AlertAcknowledge,
    AlertPublic,
    AuditPagePublic,
    ChainStatusPublic,
)
from joinedup.services import audit_export, break_glass_review, governance
from joinedup.services.audit_export import EXPORT_MAX
from joinedup.services.governance import PAGE_MAX, AuditFilters

router = APIRouter(prefix="/governance", tags=["governance"])
# The older name, which the docs tests still import.
governance_router = router

_IG: dict[int | str, dict[str, Any]] = {403: {"description": "Only an IG officer."}}
Name = Annotated[str | None, Query(min_length=1, max_length=200)]


# Every query parameter the search reads: any other is refused, as a misspelt filter ("rol",
# "from") was ignored and the answer read as if it had been applied.
AUDIT_SEARCH_PARAMETERS = frozenset(
    {
        "actor",
        "organisation",
        "role",
        "person_id",
        "purpose",
        "decision",
        "action",
        "break_glass",
        "credential",
        "since",
        "until",
        "before_seq",
        "limit",
    }
)


def _audit_filters(
    actor: Name = None,
    organisation: Name = None,
    role: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    person_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=32,
            pattern=r"^[A-Za-z0-9_ -]+$",
            description="A person id; its case and any spaces do not matter.",
        ),
    ] = None,
    purpose: Annotated[str | None, Query(max_length=40)] = None,
    decision: Annotated[str | None, Query(max_length=10)] = None,
    action: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    break_glass: bool | None = None,
    credential: Annotated[
        str | None,
        Query(
            max_length=40,
            pattern=r"^(token|session):[0-9]{1,10}$",
            description="What acted: token:<id> (an API token's id) or session:<id>.",
        ),
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditFilters:
    """The search's filters from the query: one definition for the search and its export."""
    return AuditFilters(
        actor=actor,
        organisation=organisation,
        role=role,
        person_id=person_id,
        purpose=purpose,
        decision=decision,
        action=action,
        break_glass=break_glass,
        since=since,
        until=until,
        credential=credential,
    )


@router.get(
    "/audit/events",
    response_model=AuditPagePublic,
    summary="Search the audit trail",
    description=(
        "Events matching every filter given, newest first, a page at a time: actor, "
        "organisation, role, person, purpose, decision (permit, partial, deny, none), action, "
        "break-glass, credential (`token:<id>` or `session:<id>`: what one API token or web "
        "session did), and a time range (`since` inclusive, `until` exclusive, with a time "
        "zone). Page back with `before_seq`. The search is itself audited."
    ),
    responses=_IG,
)
def search_audit(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    filters: Annotated[AuditFilters, Depends(_audit_filters)],
    before_seq: Annotated[int | None, Query(ge=1, le=SEQ_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
) -> AuditPagePublic:
    refuse_unknown_parameters(request, AUDIT_SEARCH_PARAMETERS)
    page = governance.search_audit(
        session, actor_of(request, caller), filters, before_seq=before_seq, limit=limit
    )
    return AuditPagePublic.model_validate(page)


EXPORT_PARAMETERS = (AUDIT_SEARCH_PARAMETERS - {"before_seq", "limit"}) | {"format"}


@router.get(
    "/audit/export",
    summary="Export an audit search, for a regulator",
    description=(
        "Every event matching the filters (as for `/audit/events`, without paging), oldest "
        f"first, at most {EXPORT_MAX:,}: `format=csv` (default; one row per event, cells safe "
        "to open in a spreadsheet) or `json` (one document saying who exported it, when, with "
        "which filters). Each event carries its chain hash, the clauses relied on, the "
        "resident's choices then and any break-glass review. Audited (`audit.export`)."
    ),
    responses={
        **_IG,
        200: {
            "description": "The events as a file (Content-Disposition: attachment).",
            "content": {"text/csv": {}, "application/json": {}},
        },
        400: {"description": "A bad filter, or too many events to export."},
    },
    response_model=None,
    response_class=Response,
)
def export_audit(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    filters: Annotated[AuditFilters, Depends(_audit_filters)],
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    refuse_unknown_parameters(request, EXPORT_PARAMETERS)
    export = audit_export.export_audit(session, actor_of(request, caller), filters)
    return export_response(export, format)


@router.get(
    "/audit/verify",
    response_model=ChainStatusPublic,
    summary="Is the audit trail intact?",
    description=(
        "Recomputes the hash chain and checks every signed checkpoint, as `joinedup audit "
        "verify` does; `problems` names the first bad event first."
    ),
    responses=_IG,
)
def verify_audit(request: Request, session: SessionDep, caller: CurrentUser) -> ChainStatusPublic:
    status = governance.chain_status(session, actor_of(request, caller))
    return ChainStatusPublic.model_validate(status)


@router.get(
    "/alerts",
    response_model=list[AlertPublic],
    summary="The alert queue",
    description=(
        "Break-glass sessions and declared relationships for review, newest first. `status` "
        "is open (the default), acknowledged, closed or all. Page back with `before_id`, the "
        "last alert's id on the previous page."
    ),
    responses=_IG,
)
def list_alerts(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    status: Annotated[str, Query(max_length=12)] = "open",
    kind: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 50,
    before_id: Annotated[
        int | None,
        Query(ge=1, le=ID_MAX, description="The last alert's id on the previous page."),
    ] = None,
) -> list[AlertPublic]:
    rows = governance.list_alerts(
        session,
        actor_of(request, caller),
        status=None if status == "all" else status,
        kind=kind,
        limit=limit,
        before_id=before_id,
    )
    return [AlertPublic.model_validate(row) for row in rows]


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertPublic,
    summary="Acknowledge or close an alert",
    description=(
        "Record what you checked or decided. With `close`, the alert leaves the queue and the "
        "note is its outcome. Audited."
    ),
    responses={**_IG, 404: {"description": "No such alert."}},
)
def acknowledge_alert(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    alert_id: Annotated[int, Path(ge=1, le=ID_MAX)],
    body: AlertAcknowledge,
) -> AlertPublic:
    row = governance.acknowledge_alert(
        session, actor_of(request, caller), alert_id, note=body.note, close=body.close
    )
    return AlertPublic.model_validate(row)


AlertId = Annotated[int, Path(ge=1, le=ID_MAX)]
_NOT_GLASS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such alert, or not a break-glass one."}
}


@router.get(
    "/alerts/{alert_id}/break-glass-reason",
    response_model=ReasonReviewPublic,
    summary="A break-glass reason, to review what the resident sees",
    description=(
        "The session behind a break_glass alert: who, for whom, for what purpose, the reason as "
        "typed, and what the resident is shown of it now (nothing until it is released or "
        "redacted). Reading it is audited (`break_glass.reason_read`)."
    ),
    responses={**_IG, **_NOT_GLASS},
)
def read_break_glass_reason(
    request: Request, session: SessionDep, caller: CurrentUser, alert_id: AlertId
) -> ReasonReviewPublic:
    review = break_glass_review.reason_review(session, actor_of(request, caller), alert_id)
    return ReasonReviewPublic.model_validate(review)


@router.post(
    "/alerts/{alert_id}/break-glass-reason",
    response_model=ReasonReviewPublic,
    status_code=201,
    summary="Release or redact a break-glass reason for the resident",
    description=(
        "`release` shows the resident the reason as typed; `redact` shows `summary` instead "
        "(required then), for a reason that names other people. A new review replaces the "
        "last for the resident; none is edited. Audited (`break_glass.reason_release` or "
        "`break_glass.reason_redact`, with the SHA-256 of the text shown)."
    ),
    responses={**_IG, **_NOT_GLASS, 400: {"description": "A summary missing or not wanted."}},
)
def review_break_glass_reason(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    alert_id: AlertId,
    body: ReasonDecision,
) -> ReasonReviewPublic:
    review = break_glass_review.review_reason(
        session, actor_of(request, caller), alert_id, decision=body.decision, summary=body.summary
    )
    return ReasonReviewPublic.model_validate(review)


@router.get(
    "/agreements",
    response_model=list[AgreementSummaryPublic],
    summary="Data sharing agreements",
    description="Every agreement version loaded, with its validity, hash and parties.",
    responses=_IG,
)
def list_agreements(
    request: Request, session: SessionDep, caller: CurrentUser
) -> list[AgreementSummaryPublic]:
    rows = governance.list_agreements(session, actor_of(request, caller))
    return [AgreementSummaryPublic.model_validate(row) for row in rows]


@router.get(
    "/agreements/{agreement_id}",
    response_model=AgreementDetailPublic,
    summary="One agreement, clause by clause",
    description=(
        "The latest version unless `version` is given: its hash, each clause's terms and a "
        "sentence saying what it allows, and the text as written."
    ),
    responses={**_IG, 404: {"description": "No such agreement or version."}},
)
def show_agreement(
    request: Request,
    session: SessionDep,
    caller: CurrentUser,
    agreement_id: Annotated[
        str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    ],
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> AgreementDetailPublic:
    detail = governance.agreement_detail(
        session, actor_of(request, caller), agreement_id, version=version
    )
    return AgreementDetailPublic.model_validate(detail)
