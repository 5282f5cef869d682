"""The IG officer's page for a break-glass reason: read it, then release it or redact it.

A break-glass alert links here. The page shows who broke the glass, for whom, for what purpose,
the reason as typed, and what the resident sees of it now; the form decides what they see from
now on — the reason as written, or a summary without other people's details. Routes are thin:
:mod:`joinedup.services.break_glass_review` (which the API calls too) checks the role, records
the decision as a new row and audits both the reading and the decision.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.policy.vocabulary import purpose_label
from joinedup.services import break_glass_review, governance
from joinedup.services.actor import ServiceError
from joinedup.services.resident import organisation_names
from joinedup.web.session import web_role
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

IgOfficer = Annotated[Caller, web_role(*sorted(governance.IG_ROLES))]
AlertId = Annotated[int, Path(ge=1, le=2**53)]
OptionalText = Annotated[str | None, Form()]
DECISION_RULE = "Select whether the resident sees the reason as written or a summary"


def _page(
    request: Request,
    session: SessionDep,
    caller: Caller,
    alert_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    actor = actor_of(request, caller)
    review = break_glass_review.reason_review(session, actor, alert_id)
    context: dict[str, Any] = {
        "review": review,
        "decides": break_glass_review.may_decide(actor, review.organisation),
        "names": organisation_names(session),
        "purpose": purpose_label(review.purpose) if review.purpose else None,
        "summary_max": break_glass_review.SUMMARY_MAX,
        "values": values or {},
        "errors": errors or {},
        "saved": saved,
    }
    status = 400 if errors else 200
    return render(request, "governance/break_glass_reason.html", context, status_code=status)


@router.get("/governance/alerts/{alert_id}/reason")
def reason_page(
    request: Request,
    session: SessionDep,
    caller: IgOfficer,
    alert_id: AlertId,
    saved: str | None = None,
) -> Response:
    """The break-glass reason behind an alert and what the resident sees of it (audited)."""
    return _page(request, session, caller, alert_id, saved=saved == "1")


@router.post("/governance/alerts/{alert_id}/reason")
def decide_reason(
    request: Request,
    session: SessionDep,
    caller: IgOfficer,
    alert_id: AlertId,
    decision: OptionalText = None,
    summary: OptionalText = None,
) -> Response:
    """Release the reason as written, or redact it with a summary, and show the page again."""
    values = {"decision": decision or "", "summary": summary or ""}
    if decision not in break_glass_review.DECISIONS:
        return _page(
            request, session, caller, alert_id, errors={"decision": DECISION_RULE}, values=values
        )
    try:
        break_glass_review.review_reason(
            session,
            actor_of(request, caller),
            alert_id,
            decision=decision,
            # The summary box stays in the form, hidden, when "as written" is chosen.
            summary=summary if decision == "redact" else None,
        )
    except ServiceError as exc:
        if exc.http_status != 400:
            raise
        return _page(
            request, session, caller, alert_id, errors={"summary": str(exc)}, values=values
        )
    return RedirectResponse(f"/governance/alerts/{alert_id}/reason?saved=1", status_code=303)
