"""The resident's pages: what is held about me, who looked and why, my choices, download it all.

Written for a phone first and for a reading age of about nine: short sentences, everyday words,
one thing per page. Routes are thin: each calls one function of :mod:`joinedup.services.resident`,
:mod:`~joinedup.services.resident_access_log`, :mod:`~joinedup.services.resident_choices` or
:mod:`joinedup.services.subject_access` — the same functions as the resident API — which
check that the caller is the resident, audit the read before anything personal is read, and
record choices. What is here is wording: what each purpose means to a resident, and what
objecting or consenting will do, shown on a confirmation page before anything changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from joinedup.api.deps import Caller, SessionDep, actor_of
from joinedup.api.schemas_resident import SubjectAccessPackPublic
from joinedup.errors import JoinedupError
from joinedup.policy.vocabulary import PURPOSES, purpose_label
from joinedup.services.access import sources_by_id
from joinedup.services.actor import ServiceError
from joinedup.services.resident import my_record, organisation_names
from joinedup.services.resident_access_log import access_history, join_words
from joinedup.services.resident_choices import NOTE_MAX, MyChoices, my_choices, record_my_choice
from joinedup.services.subject_access import subject_access_pack
from joinedup.web.session import web_role
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)

Resident = Annotated[Caller, web_role("resident")]
OptionalText = Annotated[str | None, Form()]

ACCESS_PAGE = 20


@dataclass(frozen=True)
class PurposeWords:
    """A purpose as a resident reads it: a short name, what it is for, and what objecting does."""

    name: str
    about: str
    objecting: str


# Plain words for each purpose (reading age about nine). Safeguarding says plainly that an
# objection may not stop it: the agreements override objections there, and a resident should
# not be told otherwise.
PURPOSE_WORDS: dict[str, PurposeWords] = {
    "direct_care": PurposeWords(
        "Care and support",
        "So the people who care for you, like your doctor or social worker, can see what they "
        "need to help you.",
        "People caring for you will not see information from other services. They may "
        "know less about you when they help you.",
    ),
    "safeguarding": PurposeWords(
        "Keeping people safe",
        "So services can protect you or someone else from harm.",
        "Services will share less about you. But if someone may be in danger, the law can "
        "let them share even though you said no.",
    ),
    "housing_support": PurposeWords(
        "Help with housing",
        "So the council can help you keep your home, find a home, or make changes to your home.",
        "Housing officers will not see information from other services when they help you.",
    ),
    "debt_support": PurposeWords(
        "Help with money",
        "So services can help you if you owe money or find it hard to pay bills.",
        "People helping with money will not see information from other services.",
    ),
    "planning": PurposeWords(
        "Planning services",
        "To count how many people use services, so they can be planned. Your name is never shown.",
        "You will not be counted when services are planned.",
    ),
}
# Who looked, as a resident would say it.
ROLE_WORDS: dict[str, str] = {
    "social_worker": "a social worker",
    "gp": "a doctor (GP)",
    "housing_officer": "a housing officer",
    "charity_caseworker": "a charity worker",
    "ig_officer": "a data protection officer",
    "reviewer": "a records checker",
    "admin": "a system administrator",
}


def purpose_words(purpose: str) -> PurposeWords:
    """The resident's words for ``purpose`` (an unknown one is shown as its name)."""
    found = PURPOSE_WORDS.get(purpose)
    if found is not None:
        return found
    label = purpose_label(purpose)
    rule = PURPOSES.get(purpose)
    return PurposeWords(label, rule.description if rule else label, "")


class BadChoice(JoinedupError):
    """A choice link that does not make sense (edited by hand): a 400 page, nothing changes."""

    http_status = 400


@dataclass(frozen=True)
class ChoiceAsked:
    """A choice the resident may make now: object, withdraw, consent or withdraw consent."""

    kind: str
    purpose: str
    given: bool
    source: str | None = None

    def query(self) -> str:
        """The confirmation page's query string for this choice."""
        values = {
            "kind": self.kind,
            "purpose": self.purpose,
            "given": "yes" if self.given else "no",
        }
        if self.source:
            values["source"] = self.source
        return urlencode(values)


@router.get("/my/record")
def record_page(request: Request, session: SessionDep, caller: Resident) -> Response:
    """Which organisations hold what about me, in plain words."""
    record = my_record(session, actor_of(request, caller))
    return render(request, "resident/record.html", {"record": record})


@router.get("/my/access")
def access_page(
    request: Request,
    session: SessionDep,
    caller: Resident,
    before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """Who else looked at my record, when and why, newest first; break-glass stands out."""
    history = access_history(
        session, actor_of(request, caller), before_seq=before, limit=ACCESS_PAGE
    )
    context = {
        "history": history,
        "roles": ROLE_WORDS,
        "paged": before is not None,
    }
    return render(request, "resident/access.html", context)


def _source_name(sources: dict[str, Any], source: str) -> str:
    info = sources.get(source)
    return str(info.name) if info else source.replace("_", " ")


def _choice_cards(choices: MyChoices, names: dict[str, str], sources: dict[str, Any]) -> dict:
    # Each card says what policy does now (MyChoices.in_effect), not merely the last click: a
    # "no" for one service, or a later "take back" for every service, changes what is shared.
    objected_sources = sorted(
        {c.source for c in choices.current if c.kind == "objection" and c.source}
    )
    purposes = []
    for name in PURPOSES:
        objecting = choices.in_effect("objection", name)
        purposes.append(
            {
                "purpose": name,
                "words": purpose_words(name),
                "objecting": objecting,
                # Services the resident said no to one by one (through the API), when not all.
                "objecting_for": ""
                if objecting
                else join_words(
                    [
                        _source_name(sources, s)
                        for s in objected_sources
                        if choices.in_effect("objection", name, s)
                    ]
                ),
                "choice": ChoiceAsked("objection", name, not objecting),
                # A no inherited from records linkage had joined with another person's.
                "carried": any(
                    c.inherited and c.given
                    for c in choices.current
                    if c.kind == "objection" and c.purpose == name
                ),
                # Services whose records are shared for this whatever the resident says.
                "overridden": join_words(
                    sorted(
                        {
                            _source_name(sources, o.source)
                            for o in choices.objection_overridden
                            if o.purpose == name
                        }
                    )
                ),
            }
        )
    # One consent card per purpose and source, however many clauses ask for it.
    consents: dict[tuple[str, str], dict[str, Any]] = {}
    for asked in choices.consent_asked:
        info = sources.get(asked.source)
        given = choices.in_effect("consent", asked.purpose, asked.source)
        consents[(asked.purpose, asked.source)] = {
            "asked": asked,
            "words": purpose_words(asked.purpose),
            "source_name": info.name if info else asked.source,
            "holder": names.get(info.organisation, info.organisation) if info else "",
            "recipients": join_words([names.get(r, r) for r in asked.recipients]),
            "given": given,
            "choice": ChoiceAsked("consent", asked.purpose, not given, asked.source),
        }
    # A yes still on record where nothing asks for it now (the service stopped holding the
    # resident's records, or the agreement changed): it would count again if that came back,
    # so it is shown with a way to take it back.
    for chosen in choices.current:
        key = (chosen.purpose, chosen.source or "")
        if chosen.kind != "consent" or not chosen.given or not chosen.source or key in consents:
            continue
        consents[key] = {
            "asked": ChoiceAsked("consent", chosen.purpose, True, chosen.source),
            "words": purpose_words(chosen.purpose),
            "source_name": _source_name(sources, chosen.source),
            "given": True,
            "not_asked": True,
            "choice": ChoiceAsked("consent", chosen.purpose, False, chosen.source),
        }
    return {"purposes": purposes, "consents": list(consents.values())}


@router.get("/my/choices")
def choices_page(
    request: Request,
    session: SessionDep,
    caller: Resident,
    done: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """My objections and consents, per purpose, each with what it means and a way to change it."""
    choices = my_choices(session, actor_of(request, caller))
    sources = sources_by_id(session)
    cards = _choice_cards(choices, organisation_names(session), sources)
    history = [
        {
            "entry": h,
            "purpose_name": purpose_words(h.purpose).name.lower(),
            "source_name": _source_name(sources, h.source) if h.source else None,
        }
        for h in reversed(choices.history)
    ]
    context = {"choices": choices, **cards, "history": history, "done": _done_message(done)}
    return render(request, "resident/choices.html", context)


def _done_message(done: str | None) -> str | None:
    if not done:
        return None
    try:
        kind, purpose, given = done.split(":", 2)
    except ValueError:
        return None
    if purpose not in PURPOSES or kind not in ("objection", "consent"):
        return None
    name = purpose_words(purpose).name.lower()
    if kind == "objection":
        return (
            f"You have said no to sharing for {name}."
            if given == "yes"
            else f"You have taken back your no for {name}."
        )
    return (
        f"You have said yes to sharing for {name}."
        if given == "yes"
        else f"You have taken back your yes for {name}."
    )


def _asked(
    kind: str | None, purpose: str | None, given: str | None, source: str | None
) -> ChoiceAsked:
    if (
        kind not in ("objection", "consent")
        or purpose not in PURPOSES
        or given not in ("yes", "no")
    ):
        raise BadChoice("This link does not work. Go back to your choices and try again.")
    return ChoiceAsked(kind, purpose, given == "yes", source or None)


def _confirm_page(
    request: Request,
    session: SessionDep,
    choice: ChoiceAsked,
    *,
    note: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    info = sources_by_id(session).get(choice.source) if choice.source else None
    context = {
        "choice": choice,
        "words": purpose_words(choice.purpose),
        "source_name": info.name if info else choice.source,
        "note": note,
        "note_max": NOTE_MAX,
        "errors": errors or {},
    }
    return render(request, "resident/confirm.html", context, status_code=400 if errors else 200)


@router.get("/my/choices/change")
def confirm_page(
    request: Request,
    session: SessionDep,
    caller: Resident,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    purpose: Annotated[str | None, Query(max_length=40)] = None,
    given: Annotated[str | None, Query(max_length=3)] = None,
    source: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Before a choice changes: what it will mean, in plain words, and a button to confirm."""
    return _confirm_page(request, session, _asked(kind, purpose, given, source))


@router.post("/my/choices")
def make_choice(
    request: Request,
    session: SessionDep,
    caller: Resident,
    kind: OptionalText = None,
    purpose: OptionalText = None,
    given: OptionalText = None,
    source: OptionalText = None,
    note: OptionalText = None,
) -> Response:
    """Record the confirmed choice (effective at once) and go back to my choices."""
    choice = _asked(kind, purpose, given, source)
    try:
        record_my_choice(
            session,
            actor_of(request, caller),
            kind=choice.kind,
            purpose=choice.purpose,
            given=choice.given,
            source=choice.source,
            note=note,
        )
    except ServiceError as exc:
        if exc.http_status != 400:
            raise
        return _confirm_page(request, session, choice, note=note or "", errors={"note": str(exc)})
    done = f"{choice.kind}:{choice.purpose}:{'yes' if choice.given else 'no'}"
    return RedirectResponse("/my/choices?" + urlencode({"done": done}), status_code=303)


@router.get("/my/download")
def download_page(request: Request, caller: Resident) -> Response:
    """What the download holds, and the button for it."""
    return render(request, "resident/download.html")


@router.get("/my/download/file")
def download_file(request: Request, session: SessionDep, caller: Resident) -> Response:
    """The subject access pack as a JSON file: the same document as the resident API's."""
    pack = subject_access_pack(session, actor_of(request, caller))
    body = SubjectAccessPackPublic.model_validate(pack).model_dump(mode="json")
    name = f"joinedup-my-information-{pack.generated_at:%Y-%m-%d}.json"
    return JSONResponse(body, headers={"Content-Disposition": f'attachment; filename="{name}"'})
