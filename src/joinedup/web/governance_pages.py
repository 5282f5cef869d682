"""The information governance officer's pages: audit search, alerts, agreements, chain status.

Routes are thin: each builds an :class:`~joinedup.services.actor.Actor` and calls one function
of :mod:`joinedup.services.governance` — the same functions the API calls — which checks the
role, validates, and puts the search and each handled alert on the audit trail. What is here is
reading the form (:mod:`.governance_forms`: GOV.UK date inputs into times, and a message
for any value the form does not offer) and wording for people: an agreement's clause
becomes sentences a non-lawyer can follow, with its clause id beside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from markupsafe import Markup, escape
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.api.downloads import export_response
from joinedup.policy.vocabulary import PURPOSES, ROLES, purpose_label
from joinedup.services import audit_export, governance
from joinedup.services.actor import ServiceError
from joinedup.services.governance import NOTE_MAX, ClauseTerms
from joinedup.services.resident import category_words, organisation_names
from joinedup.web.governance_forms import (
    ALERT_FILTERS,
    alert_status_problem,
    filters_in_words,
    read_audit_form,
)
from joinedup.web.session import web_role
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

IgOfficer = Annotated[Caller, web_role(*sorted(governance.IG_ROLES))]
AlertId = Annotated[int, Path(ge=1, le=2**53)]
OptionalText = Annotated[str | None, Form()]

PAGE_SIZE = 25
ALERTS_PAGE_SIZE = 25
ALERT_KINDS: dict[str, str] = {
    "break_glass": "Break-glass access",
    "relationship_declared": "Declared relationship",
    "split_choices": "Choices kept after a split",
}
DECISION_WORDS: dict[str, str] = {
    "permit": "Allowed",
    "partial": "Partly allowed",
    "deny": "Refused",
    "none": "No decision needed",
}
# What each lawful basis means, for someone who has not read the GDPR. Matched on the article
# reference inside the text an agreement's author wrote, which is shown as written beside it.
ARTICLE_6_WORDS: dict[str, str] = {
    "a": "the person has agreed (consent)",
    "b": "it is needed for a contract with the person",
    "c": "the law requires it",
    "d": "it is needed to protect someone's life",
    "e": "it is part of a public task or official duty set in law",
    "f": "a legitimate interest that the person's rights do not outweigh",
}
ARTICLE_9_WORDS: dict[str, str] = {
    "a": "the person has given explicit consent",
    "b": "employment, social security or social protection law",
    "c": "protecting someone's life when they cannot consent",
    "g": "a substantial public interest set in law, such as safeguarding",
    "h": "providing health or social care",
    "i": "public health",
    "j": "archiving, research or statistics",
}
ROLE_PLURALS: dict[str, str] = {
    "social_worker": "social workers",
    "gp": "GPs",
    "housing_officer": "housing officers",
    "charity_caseworker": "charity caseworkers",
}


def _join(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


# --- audit search -----------------------------------------------------------------------------


def _page_link(values: dict[str, str], before_seq: int | None) -> str:
    query = {k: v for k, v in values.items() if v and k not in ("before_seq",)}
    if before_seq is not None:
        query["before_seq"] = str(before_seq)
    return "/governance/audit?" + urlencode(query)


def _export_link(values: dict[str, str]) -> str:
    query = {k: v for k, v in values.items() if v and k not in ("before_seq", "search")}
    return "/governance/audit/export?" + urlencode(query)


@router.get("/governance/audit")
def audit_page(request: Request, session: SessionDep, caller: IgOfficer) -> Response:
    """The audit search form and, once searched, a page of matching events, newest first."""
    params = dict(request.query_params)
    form = read_audit_form(params)
    searched = "search" in params
    context: dict[str, Any] = {
        "values": form.values,
        "errors": form.errors,
        "purposes": PURPOSES,
        "roles": ROLES,
        "decisions": DECISION_WORDS,
        "searched": searched and not form.errors,
        "results": None,
    }
    if not searched or form.errors:
        return render(
            request, "governance/audit.html", context, status_code=400 if form.errors else 200
        )
    before = params.get("before_seq", "")
    # A page link only: anything but a sequence number is the first page. (Not isdigit: "²"
    # passes it and then int() fails.)
    before_seq = int(before) if re.fullmatch(r"[0-9]{1,18}", before) and int(before) else None
    try:
        result = governance.search_audit(
            session, actor_of(request, caller), form.filters, before_seq=before_seq, limit=PAGE_SIZE
        )
    except governance.PersonUnknown:
        # By its field, the other answers kept: not a bare error page without the form.
        context.update(
            searched=False,
            errors={"person_id": f"No person has the id {form.filters.person_id}: check the id"},
        )
        return render(request, "governance/audit.html", context, status_code=404)
    context.update(
        results=result.events,
        filters_shown=filters_in_words(form.values, DECISION_WORDS),
        total=result.total,
        total_capped=result.total_capped,
        export_link=_export_link(form.values) if result.total else None,
        paged=before_seq is not None,
        newest_link=_page_link(form.values, None),
        older_link=_page_link(form.values, result.next_before_seq)
        if result.next_before_seq
        else None,
    )
    return render(request, "governance/audit.html", context)


@router.get("/governance/audit/export")
def audit_export_download(request: Request, session: SessionDep, caller: IgOfficer) -> Response:
    """Every event the search form asks for, as a CSV (``format=json``: JSON) download.

    The link on the results carries the form's answers; answers in error show the form with
    its messages, as the search would, and nothing is exported.
    """
    params = dict(request.query_params)
    form = read_audit_form(params)
    wanted = params.get("format", "csv")
    if form.errors or wanted not in audit_export.FORMATS:
        context: dict[str, Any] = {
            "values": form.values,
            "errors": form.errors or {"person_id": "Choose CSV or JSON to download"},
            "purposes": PURPOSES,
            "roles": ROLES,
            "decisions": DECISION_WORDS,
            "searched": False,
            "results": None,
        }
        return render(request, "governance/audit.html", context, status_code=400)
    export = audit_export.export_audit(session, actor_of(request, caller), form.filters)
    return export_response(export, wanted)


# --- alerts -----------------------------------------------------------------------------------


def _alerts_context(
    request: Request, session: SessionDep, caller: Caller, status: str, before: str | None = None
) -> dict[str, Any]:
    """A page of the queue with ``status``, after the alert ``before`` (a page link's id).

    One more alert than a page is asked for, to know whether there is an older page; the
    count is of the whole queue, so "130 open alerts" is said on every page of it.
    """
    actor = actor_of(request, caller)
    wanted = None if status == "all" else status
    # A page link only: anything but an alert id is the first page (not isdigit: "²" passes).
    before_id = (
        int(before) if before and re.fullmatch(r"[0-9]{1,15}", before) and int(before) else None
    )
    fetched = governance.list_alerts(
        session, actor, status=wanted, limit=ALERTS_PAGE_SIZE + 1, before_id=before_id
    )
    alerts = fetched[:ALERTS_PAGE_SIZE]
    older = (
        "/governance/alerts?" + urlencode({"status": status, "before": alerts[-1].id})
        if len(fetched) > ALERTS_PAGE_SIZE
        else None
    )
    return {
        "alerts": alerts,
        "total": governance.count_alerts(session, actor, status=wanted),
        "paged": before_id is not None,
        "newest_link": "/governance/alerts?" + urlencode({"status": status}),
        "older_link": older,
        "status": status,
        "statuses": ALERT_FILTERS,
        "kinds": ALERT_KINDS,
        "note_max": NOTE_MAX,
        "notes": {},
        "alert_errors": {},
    }


@router.get("/governance/alerts")
def alerts_page(
    request: Request,
    session: SessionDep,
    caller: IgOfficer,
    status: str = "open",
    handled: str | None = None,
    outcome: str | None = None,
    before: str | None = None,
) -> Response:
    """The alert queue: break-glass sessions and declared relationships to look into.

    ``status`` filters it; one the queue does not have is an error on the page, listing those
    it has, and no alerts are shown (rather than the open ones, as if it had been asked for).
    ``handled`` and ``outcome`` come from handling an alert, for the banner saying so: they are
    ignored unless they are what that would send. ``before`` is the last alert of the page
    before (the *Older alerts* link).
    """
    status = status.strip() or "open"
    problem = alert_status_problem(status)
    if problem is not None:
        context: dict[str, Any] = {
            "alerts": [],
            "status": None,
            "statuses": ALERT_FILTERS,
            "errors": {"status": problem},
        }
        return render(request, "governance/alerts.html", context, status_code=400)
    context = _alerts_context(request, session, caller, status, before)
    if handled and re.fullmatch(r"[0-9]{1,15}", handled) and outcome in ("acknowledged", "closed"):
        context["handled"] = {"id": int(handled), "outcome": outcome}
    return render(request, "governance/alerts.html", context)


@router.post("/governance/alerts/{alert_id}")
def handle_alert(
    request: Request,
    session: SessionDep,
    caller: IgOfficer,
    alert_id: AlertId,
    note: OptionalText = None,
    action: OptionalText = None,
) -> Response:
    """Acknowledge an alert with a note, or close it with the note as its outcome.

    With htmx the alert's card is swapped for its new state (or for itself with the error);
    without JavaScript the queue is shown again, with the result or the error.
    """
    close = action == "close"
    htmx = request.headers.get("HX-Request") == "true"
    try:
        alert = governance.acknowledge_alert(
            session, actor_of(request, caller), alert_id, note=note or "", close=close
        )
    except ServiceError as exc:
        if exc.http_status != 400:
            raise
        field = f"note-{alert_id}"
        # The alert in error, whatever its state and however far back in the queue (one
        # outside the officer's remit is a 404 here, as acknowledging it would have been).
        found = governance.alert_entry(session, actor_of(request, caller), alert_id)
        if htmx:
            # htmx swaps only 2xx answers: send the card again, saying what is wrong.
            card: dict[str, Any] = {
                "alert": found,
                "kinds": ALERT_KINDS,
                "notes": {alert_id: note or ""},
                "alert_errors": {alert_id: str(exc)},
            }
            return render(request, "governance/_alert.html", card)
        # Every status, so the alert in error is on the page whatever state it was in; first,
        # if it is older than the newest page.
        context = _alerts_context(request, session, caller, "all")
        shown: tuple[governance.AlertEntry, ...] = context["alerts"]
        if all(a.id != alert_id for a in shown):
            context["alerts"] = (found, *shown)
        context.update(
            errors={field: str(exc)},
            notes={alert_id: note or ""},
            alert_errors={alert_id: str(exc)},
        )
        return render(request, "governance/alerts.html", context, status_code=400)
    if htmx:
        context = {"alert": alert, "kinds": ALERT_KINDS, "just_handled": True, "notes": {}}
        return render(request, "governance/_alert.html", context)
    return RedirectResponse(
        f"/governance/alerts?handled={alert_id}&outcome={alert.status}", status_code=303
    )


# --- agreements -------------------------------------------------------------------------------


def lawful_basis_words(text: str | None, article: str) -> list[str]:
    """Plain words for each Article 6 or 9 condition cited in ``text``.

    ``lawful_basis_words("UK GDPR Art. 6(1)(e) public task", "6")`` gives
    ``["it is part of a public task or official duty set in law"]``; a citation the table does
    not know gives nothing (the text as written is always shown beside these words).
    """
    if not text:
        return []
    table, pattern = (
        (ARTICLE_6_WORDS, r"6\(1\)\(([a-f])\)")
        if article == "6"
        else (ARTICLE_9_WORDS, r"9\(2\)\(([a-j])\)")
    )
    out: list[str] = []
    for letter in re.findall(pattern, text):
        words = table.get(letter)
        if words and words not in out:
            out.append(words)
    return out


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def line_html(line: str) -> Markup:
    """A line of an agreement's YAML, escaped, its indentation kept as non-breaking spaces.

    Lines are shown one per block so that long ones wrap on a phone instead of scrolling.
    """
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    return Markup("&nbsp;" * indent) + escape(stripped) if stripped else Markup("&nbsp;")


def _role_words(roles: tuple[str, ...]) -> str:
    return _join([ROLE_PLURALS.get(r, r.replace("_", " ") + "s") for r in roles])


@dataclass(frozen=True)
class ClauseWords:
    """A clause of an agreement in plain English, one short answer per question."""

    id: str
    who_shares: str
    what: list[str]
    to_whom: str
    why: list[tuple[str, str]]
    consent: str
    objection: str
    basis: list[str]
    basis_as_written: str
    sealed: bool
    description: str


def clause_words(clause: ClauseTerms, names: dict[str, str]) -> ClauseWords:
    """A clause's terms as answers to who, what, to whom, why, and what the resident can say."""
    if clause.consent_required:
        consent = "Only if the person has said yes (given consent). They can change their mind."
    else:
        consent = "The person's consent is not needed."
    if clause.objection == "override":
        objection = (
            "No. Sharing can go on even if the person objects, because the agreement relies on "
            f"strong legal grounds: {clause.override_grounds or 'stated in the agreement'}."
        )
    else:
        objection = "Yes. If the person objects to this purpose, this sharing stops."
    basis_text = clause.article_6 + (f"; {clause.article_9}" if clause.article_9 else "")
    return ClauseWords(
        id=clause.id,
        who_shares=names.get(clause.provider, clause.provider),
        what=[_first_upper(category_words(c)) for c in clause.categories],
        to_whom=_first_upper(
            _role_words(clause.roles) + " at " + _join([names.get(r, r) for r in clause.recipients])
        ),
        why=[
            (purpose_label(p), PURPOSES[p].description if p in PURPOSES else "")
            for p in clause.purposes
        ],
        consent=consent,
        objection=objection,
        basis=[
            _first_upper(words)
            for words in lawful_basis_words(clause.article_6, "6")
            + lawful_basis_words(clause.article_9, "9")
        ],
        basis_as_written=basis_text,
        sealed=bool(clause.sealed_categories),
        description=clause.description,
    )


@router.get("/governance/agreements")
def agreements_page(request: Request, session: SessionDep, caller: IgOfficer) -> Response:
    """Every agreement version loaded: who shares with whom, and whether it is in force."""
    agreements = governance.list_agreements(session, actor_of(request, caller))
    names = organisation_names(session)
    return render(request, "governance/agreements.html", {"agreements": agreements, "names": names})


@router.get("/governance/agreements/{agreement_id}")
def agreement_page(
    request: Request,
    session: SessionDep,
    caller: IgOfficer,
    agreement_id: Annotated[
        str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    ],
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """One agreement, clause by clause in plain English, with the text as written."""
    detail = governance.agreement_detail(
        session, actor_of(request, caller), agreement_id, version=version
    )
    names = organisation_names(session)
    context = {
        "detail": detail,
        "names": names,
        "line_html": line_html,
        "clauses": [clause_words(c, names) for c in detail.clauses],
    }
    return render(request, "governance/agreement.html", context)


# --- chain status -----------------------------------------------------------------------------


@router.get("/governance/chain")
def chain_page(request: Request, session: SessionDep, caller: IgOfficer) -> Response:
    """Whether the audit trail's hash chain and signed checkpoints are intact, checked now."""
    # Verification reads on a connection of its own. On SQLite this request's unit of work
    # already holds the write lock (resuming the web session writes), and the verifier's
    # read would wait for it until the busy timeout: end the unit of work first. It has
    # written nothing but the session's last-seen time, and verifying writes nothing.
    session.commit()
    status = governance.chain_status(session, actor_of(request, caller))
    return render(request, "governance/chain.html", {"chain": status})
