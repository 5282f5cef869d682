"""The reviewer's pages: the review queue, one pair side by side with the evidence, the decision.

Routes are thin: each builds an :class:`~joinedup.services.actor.Actor` and calls
``services.review_service`` (the same functions the API calls), which checks the role, reads
``linkage.review`` and writes the audit trail. Listing the queue reads no personal data; opening
a pair is audited (``review.view``), and so is each decision (``review.decide``).

This module also holds the one presentational helper both the reviewer's and the
practitioner's pages use to draw match evidence: :func:`evidence_bars` turns Splink's per-field
match weights into bars for the chart partial ``review/_evidence.html``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.services.actor import ServiceError
from joinedup.services.review_service import (
    KINDS,
    NOTE_MAX,
    REVIEWER_ROLES,
    UNSEEN,
    DecidedMeanwhile,
    DecisionContradicts,
    FilterRefused,
    Seen,
    decide_item,
    queue_length,
    queue_sources,
    review_filter,
    review_item,
    review_queue,
)
from joinedup.web.paging import page_number
from joinedup.web.session import web_role
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

Reviewer = Annotated[Caller, web_role(*sorted(REVIEWER_ROLES))]
ItemId = Annotated[int, Path(ge=1, le=2**53)]
OptionalText = Annotated[str | None, Form()]

QUEUE_LENGTH = 50

#: How each of the model's comparisons reads on a page, in the order a person is read.
FIELD_LABELS: dict[str, str] = {
    "given_name": "Given name",
    "family_name": "Family name",
    "dob": "Date of birth",
    "nhs_number": "NHS number",
    "sex": "Sex",
    "location": "Address and postcode",
    "phone": "Phone",
    "email": "Email",
}

#: Labels for the fields of a stored record (the side-by-side comparison).
RECORD_FIELD_LABELS: dict[str, str] = {
    "title": "Title",
    "given_name": "Given name",
    "middle_names": "Middle names",
    "family_name": "Family name",
    "name_suffix": "Suffix",
    "preferred_name": "Known as",
    "other_family_names": "Other family names",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "nhs_number": "NHS number",
    "flat": "Flat",
    "house_number": "House number",
    "house_name": "House name",
    "street": "Street",
    "locality": "Locality",
    "town": "Town",
    "postcode": "Postcode",
    "uprn": "UPRN",
    "phones": "Phones",
    "emails": "Emails",
    "date_of_death": "Date of death",
}

#: The filter form's kinds of item (``services.review_service.KINDS``), worded as the queue's
#: tags word the items.
KIND_LABELS: dict[str, str] = {"person": "Possible wrong merges", "pair": "Possible missed links"}

REASON_LABELS: dict[str, str] = {
    "weak_link": "Possible wrong merge",
    "uncertain": "Possible missed link",
}

DECISION_LABELS: dict[str, str] = {"link": "the same person", "not-link": "different people"}


#: The first bar of a chart: where the matcher starts before comparing any field (the prior:
#: the odds that two records picked at random are one person, in bits).
START = "start"
START_LABEL = "Starting point: two records picked at random"


@dataclass(frozen=True)
class Bar:
    """One comparison's evidence as the chart draws it.

    ``weight`` is the match weight in bits (positive: evidence for one person; negative:
    against). ``x`` and ``width`` place the bar on a 0–200 scale whose middle (100) is zero.
    """

    field: str
    label: str
    weight: float
    x: float
    width: float

    @property
    def direction(self) -> str:
        """``for``, ``against`` or ``neutral``: how the chart and the table word the bar."""
        if self.weight > 0:
            return "for"
        if self.weight < 0:
            return "against"
        return "neutral"


def evidence_bars(
    weights: Mapping[str, float] | None,
    scale: float | None = None,
    *,
    start: float | None = None,
) -> list[Bar]:
    """The bars for a record's per-field match weights, in reading order, scaled to ``scale``.

    ``scale`` is the weight drawn as a full half-width bar (the largest absolute weight when
    ``None``, so the strongest bar fills its side); weights beyond it are drawn at full
    length. Fields the model does not know are drawn after the known ones; weights that are
    not finite numbers are left out. ``start`` is the matcher's starting weight (the prior,
    ``services`` ``evidence_start_weight``): when finite it is the first bar (``START``), so
    the bars add up to the total weight behind the probability shown. Example:
    ``evidence_bars({"dob": 8.0, "sex": -2.0})`` gives a bar from 100 to 200 for date of
    birth and one from 75 to 100 for sex.
    """
    clean = {
        name: float(value)
        for name, value in (weights or {}).items()
        if isinstance(value, int | float) and math.isfinite(float(value))
    }
    if not clean:
        return []
    order = [name for name in FIELD_LABELS if name in clean]
    order += sorted(name for name in clean if name not in FIELD_LABELS)
    shown = [(name, FIELD_LABELS.get(name, name.replace("_", " ").capitalize())) for name in order]
    if start is not None and math.isfinite(start):
        clean[START] = float(start)
        shown.insert(0, (START, START_LABEL))
    top = scale if scale and scale > 0 else max(abs(v) for v in clean.values()) or 1.0
    bars = []
    for name, label in shown:
        weight = clean[name]
        length = round(min(abs(weight) / top, 1.0) * 100, 2)
        bars.append(
            Bar(
                field=name,
                label=label,
                weight=round(weight, 2),
                x=100.0 if weight >= 0 else round(100 - length, 2),
                width=length,
            )
        )
    return bars


def largest_weight(
    *weights: Mapping[str, float] | None, starts: Iterable[float | None] = ()
) -> float:
    """The largest absolute finite weight across several records and their starting weights
    (1 when there is none).

    Charts on one page share this scale so that their bars can be compared with each other.
    """
    values = [
        abs(float(v))
        for v in [*(v for mapping in weights for v in (mapping or {}).values()), *starts]
        if isinstance(v, int | float) and math.isfinite(float(v))
    ]
    return max(values, default=0.0) or 1.0


def percent(probability: float | None) -> str:
    """A match probability as a percentage that never rounds a doubt away.

    ``0.55`` → ``55.0%``; ``0.9995`` → ``99.95%`` (not ``100.0%``: a reviewer must see that it
    is not certain); ``None`` → ``not scored``.
    """
    if probability is None or not math.isfinite(probability):
        return "not scored"
    value = probability * 100
    if 99.9 <= value < 100:
        for places in (2, 3, 4):
            text = f"{value:.{places}f}"
            if float(text) < 100:
                return f"{text}%"
        return "more than 99.99%"
    return f"{value:.1f}%"


@dataclass(frozen=True)
class QueueForm:
    """The queue's filter form as typed (``values``, kept on the page and in its page links)
    and what is wrong with it (``errors``, field → message)."""

    values: dict[str, str]
    sources: tuple[str, ...]
    errors: dict[str, str]

    def _filters(self) -> list[tuple[str, str]]:
        rest = [(k, v) for k, v in self.values.items() if v and k not in ("source", "source_other")]
        return [("source", s) for s in self.sources] + rest

    def query(self, page: int) -> str:
        """The filters and ``page`` as a query string (no page when it is the first)."""
        return urlencode([*self._filters(), *([("page", str(page))] if page > 1 else [])])

    def link(self, page: int) -> str:
        """The queue's page ``page`` with the same filters."""
        return "/review?" + urlencode([*self._filters(), ("page", str(page))])


def read_queue_form(params: Mapping[str, str], sources: list[str]) -> QueueForm:
    """What the filter form sent, checked for shape (the services check the rest).

    ``min_risk`` must be a plain number ("1.5", not "1e0" or "NaN"); the two source selects
    are sent as ``source`` once each. Example: ``read_queue_form({"min_risk": "x"}, [])``
    has the error "Enter the lowest risk as a number from 0 to 2, like 1.5".
    """
    chosen = [s.strip() for s in sources if s.strip()]
    values = {
        "source": chosen[0] if chosen else "",
        "source_other": chosen[1] if len(chosen) > 1 else "",
        "kind": (params.get("kind") or "").strip(),
        "min_risk": (params.get("min_risk") or "").strip(),
        "person": (params.get("person") or "").strip(),
    }
    errors = {}
    if values["min_risk"] and not re.fullmatch(r"[0-9]{1,3}(\.[0-9]{1,6})?", values["min_risk"]):
        errors["min_risk"] = "Enter the lowest risk as a number from 0 to 2, like 1.5"
    if values["kind"] and values["kind"] not in KINDS:
        errors["kind"] = "Select a kind of item from the list"
    return QueueForm(values, tuple(chosen), errors)


#: What the way back to the queue may carry: its filters and page, nothing else.
_QUEUE_KEYS = ("source", "kind", "min_risk", "person", "page")
_QUEUE_VALUE_MAX = 100


def queue_query(params: Iterable[tuple[str, str]]) -> str:
    """The queue's own filters and page among ``params``, as a query string (may be empty).

    The item page and its decision form carry it so that a reviewer goes back to the slice of
    the queue they were working; anything else (a URL, another key, a long value) is dropped,
    so it can never send anyone elsewhere. Example:
    ``queue_query([("kind", "pair"), ("next", "//x")])`` is ``"kind=pair"``.
    """
    kept = [
        (key, value)
        for key, value in params
        if key in _QUEUE_KEYS and value and len(value) <= _QUEUE_VALUE_MAX
    ]
    return urlencode(kept[: len(_QUEUE_KEYS) + 1])


@router.get("/review")
def queue_page(
    request: Request,
    session: SessionDep,
    caller: Reviewer,
    decided: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    decision: str | None = None,
    ended: bool = False,
    nhs: bool = False,
    page: str | None = None,
) -> Response:
    """The open review items, largest risk first, a page at a time, and the decision just
    saved (if any); with a filter form (source, kind, lowest risk, person id) whose values the
    page and its page links keep.

    ``ended`` says a record of the pair just decided is no longer current, so the banner says
    the decision applies if the record comes back rather than at the next run; ``nhs`` that a
    link just saved joins two different NHS numbers, which the banner says the link overrides.
    A page past the end (the queue shrank since the link was made) shows the last page. A
    filter that cannot be applied comes back (400) with the reason by its field.
    """
    actor = actor_of(request, caller)
    form = read_queue_form(request.query_params, request.query_params.getlist("source"))
    context: dict[str, Any] = {
        "values": form.values,
        "errors": form.errors,
        "sources": queue_sources(session, actor),
        "kinds": KIND_LABELS,
        "filtered": any(form.values.values()),
    }
    only = None
    if not form.errors:
        try:
            only = review_filter(
                session,
                actor,
                sources=form.sources,
                kind=form.values["kind"] or None,
                min_risk=float(form.values["min_risk"]) if form.values["min_risk"] else None,
                person=form.values["person"] or None,
            )
        except FilterRefused as exc:
            field = {"source": "source", "min_risk": "min_risk", "person": "person"}
            form.errors[field.get(exc.field, "kind")] = str(exc)
    if form.errors:
        context.update(items=[], total=0, first=1, previous_link=None, next_link=None)
        context.update(reasons=REASON_LABELS, saved=None, percent=percent)
        return render(request, "review/queue.html", context, status_code=400)
    total = queue_length(session, actor, only)
    last = max(1, -(-total // QUEUE_LENGTH))
    number = min(page_number(page), last)
    first = (number - 1) * QUEUE_LENGTH
    items = review_queue(session, actor, limit=QUEUE_LENGTH, offset=first, only=only)
    saved = None
    if decided is not None and decision in DECISION_LABELS:
        saved = {
            "item": decided,
            "decision": DECISION_LABELS[decision],
            "ended": ended,
            "nhs": nhs and decision == "link",
        }
    context.update(
        items=items,
        item_query=queue_query(parse_qsl(form.query(number))),
        reasons=REASON_LABELS,
        saved=saved,
        total=total,
        first=first + 1,
        previous_link=form.link(number - 1) if number > 1 else None,
        next_link=form.link(number + 1) if number < last else None,
        percent=percent,
    )
    return render(request, "review/queue.html", context)


def _item_page(
    request: Request,
    session: SessionDep,
    caller: Caller,
    item_id: int,
    *,
    errors: dict[str, str] | None = None,
    decision: str | None = None,
    note: str = "",
    status_code: int = 400,
    back: str | None = None,
) -> Response:
    detail = review_item(session, actor_of(request, caller), item_id)
    if back is None:
        back = queue_query(request.query_params.multi_items())
    left, right = detail.left, detail.right
    scale = largest_weight(
        left.field_weights,
        right.field_weights,
        starts=(left.evidence_start_weight, right.evidence_start_weight),
    )
    context = {
        "detail": detail,
        "reasons": REASON_LABELS,
        "labels": RECORD_FIELD_LABELS,
        "left_bars": evidence_bars(left.field_weights, scale, start=left.evidence_start_weight),
        "right_bars": evidence_bars(right.field_weights, scale, start=right.evidence_start_weight),
        "errors": errors or {},
        "decision": decision,
        "note": note,
        "note_max": NOTE_MAX,
        "percent": percent,
        "back": back,
    }
    return render(request, "review/item.html", context, status_code=status_code if errors else 200)


def _seen(text: str | None) -> Seen:
    # The form's hidden field: "none", or the id of the decision the page showed. Anything
    # else (an old form without it) is not checked, as before.
    if text == "none":
        return None
    return int(text) if text and text.isascii() and text.isdigit() else UNSEEN


@router.get("/review/{item_id}")
def item_page(request: Request, session: SessionDep, caller: Reviewer, item_id: ItemId) -> Response:
    """Both records of a pair side by side, the evidence, and the decision form."""
    return _item_page(request, session, caller, item_id)


@router.post("/review/{item_id}")
def decide(
    request: Request,
    session: SessionDep,
    caller: Reviewer,
    item_id: ItemId,
    decision: OptionalText = None,
    note: OptionalText = None,
    seen: OptionalText = None,
    back: OptionalText = None,
) -> Response:
    """Save ``link`` or ``not-link`` (with an optional note) and go back to the queue.

    ``seen`` is the decision in force the page showed (``none``, or its id): one recorded since
    comes back by the radios (409), so a reviewer never replaces a decision unseen. ``back`` is
    the queue's filters and page the item was opened from (``queue_query``): the reviewer goes
    back to that slice of the queue.
    """
    text = note or ""
    back = queue_query(parse_qsl(back or "", max_num_fields=20))
    if decision not in DECISION_LABELS:
        errors = {"decision": "Select whether these records are the same person"}
        return _item_page(request, session, caller, item_id, errors=errors, note=text, back=back)
    try:
        outcome = decide_item(
            session,
            actor_of(request, caller),
            item_id,
            decision=decision,
            note=text,
            seen=_seen(seen),
        )
    except (DecisionContradicts, DecidedMeanwhile) as exc:
        # The decisions it contradicts, by the radios: the reviewer may decide one of them
        # again first, or choose differently here.
        errors = {"decision": str(exc)}
        return _item_page(
            request,
            session,
            caller,
            item_id,
            errors=errors,
            decision=decision,
            note=text,
            status_code=exc.http_status,
            back=back,
        )
    except ServiceError as exc:
        if exc.http_status != 400:
            raise
        errors = {"note": str(exc)}
        return _item_page(
            request,
            session,
            caller,
            item_id,
            errors=errors,
            decision=decision,
            note=text,
            back=back,
        )
    ended = "&ended=true" if outcome.not_current else ""
    nhs = "&nhs=true" if outcome.nhs_numbers_differ else ""
    same = f"&{back}" if back else ""
    return RedirectResponse(
        f"/review?decided={item_id}&decision={decision}{ended}{nhs}{same}", status_code=303
    )
