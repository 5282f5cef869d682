"""What the IG officer's pages read from their addresses: the audit search and the alert filter.

Both are GET forms, so their answers come in the query string, where anything can be typed or
pasted. A value the page does not offer is never quietly read as something else ("break-glass:
perhaps" as "either", a status "bogus" as "open"): it is a GOV.UK error by its field, saying
which values there are, and nothing is searched until it is put right.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from joinedup.policy.vocabulary import PURPOSES, ROLES, purpose_label
from joinedup.services.governance import ALERT_STATUSES, DECISIONS, AuditFilters
from joinedup.services.text import has_control_characters
from joinedup.web.templating import UK

TEXT_FILTERS = ("person_id", "actor", "organisation", "action", "credential")
# The fields of the audit search form (a date by its first box), in the order they are shown.
AUDIT_FIELDS = (
    "person_id",
    "actor",
    "organisation",
    "role",
    "purpose",
    "decision",
    "action",
    "credential",
    "break_glass",
    "since-day",
    "until-day",
)
TEXT_MAX = 200
# The break-glass radios: the value each sends and what it searches for.
BREAK_GLASS_CHOICES: dict[str, bool | None] = {"": None, "yes": True, "no": False}
BREAK_GLASS_RULE = "Select Either, Only break-glass or No break-glass"
PRINTABLE_RULE = "Use only letters, numbers, spaces and punctuation"
# The alert queue's filter: a status the service knows, or every alert.
ALERT_FILTERS: tuple[str, ...] = (*ALERT_STATUSES, "all")
# The dates an IG officer types are days in the UK (templating.UK), where the hub's residents
# and staff are: in summer a UK day starts at 23:00 UTC the day before.
# A whole date typed into the day box: 31/03/2026, 31.3.2026 or 31-03-2026.
WHOLE_DATE = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")


@dataclass(frozen=True)
class AuditForm:
    """The audit search form as typed: what to show back in the fields, and the filters."""

    values: dict[str, str]
    filters: AuditFilters
    errors: dict[str, str]


def _date_from(values: dict[str, str], prefix: str, label: str) -> tuple[date | None, str | None]:
    parts = [values.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
    whole = WHOLE_DATE.fullmatch(parts[0])
    if whole and not any(parts[1:]):
        parts = list(whole.groups())
    if not any(parts):
        return None, None
    if not all(parts):
        return None, f"{label} must include a day, month and year"
    try:
        day, month, year = (int(p) for p in parts)
        if year < 1000:
            raise ValueError
        return date(year, month, day), None
    except ValueError:
        return None, f"{label} must be a real date, for example 27 3 2026"


def read_audit_form(params: Mapping[str, str]) -> AuditForm:
    """The filters an audit search form asks for, with a GOV.UK message per field in error.

    Errors come in the order of the fields on the form. Dates are whole days in the UK, summer
    time included: *from* includes its day from midnight UK time, *to* includes its day too
    (the service's ``until`` is exclusive, so it gets the next UK midnight). A whole date typed
    into the day box (31/03/2026) is read as that date. Example:
    ``read_audit_form({"decision": "deny"}).filters.decision == "deny"``;
    ``read_audit_form({"break_glass": "perhaps"}).errors == {"break_glass": BREAK_GLASS_RULE}``.
    """
    values = {k: v for k, v in params.items() if isinstance(v, str)}
    errors: dict[str, str] = {}
    text: dict[str, str | None] = {}
    for name in TEXT_FILTERS:
        value = values.get(name, "").strip()
        if len(value) > TEXT_MAX:
            errors[name] = f"Enter at most {TEXT_MAX} characters"
        elif has_control_characters(value):
            # The service refuses it too, but as an error page without the form.
            errors[name] = PRINTABLE_RULE
        text[name] = value or None
    purpose = values.get("purpose", "").strip() or None
    if purpose is not None and purpose not in PURPOSES:
        errors["purpose"] = "Select a purpose from the list"
    role = values.get("role", "").strip() or None
    if role is not None and role not in ROLES:
        errors["role"] = "Select a role from the list"
    decision = values.get("decision", "").strip() or None
    if decision is not None and decision not in DECISIONS:
        errors["decision"] = "Select a decision from the list"
    glass = values.get("break_glass", "").strip()
    if glass not in BREAK_GLASS_CHOICES:
        errors["break_glass"] = BREAK_GLASS_RULE
    since, problem = _date_from(values, "since", "The from date")
    if problem:
        errors["since-day"] = problem
    until, problem = _date_from(values, "until", "The to date")
    if problem:
        errors["until-day"] = problem
    if since and until and since > until:
        errors["until-day"] = "The to date must be the same as or after the from date"
    filters = AuditFilters(
        actor=text["actor"],
        organisation=text["organisation"],
        role=role,
        person_id=text["person_id"],
        purpose=purpose,
        decision=decision,
        action=text["action"],
        break_glass=BREAK_GLASS_CHOICES.get(glass),
        credential=text["credential"],
        since=_uk_midnight(since) if since else None,
        until=_end_of(until),
    )
    return AuditForm(values=values, filters=filters, errors=_in_form_order(errors))


# How each text filter is named above the results (the form's labels, shortened).
_TEXT_WORDS = {
    "person_id": "Person id",
    "actor": "Member of staff",
    "organisation": "Organisation id",
    "action": "Action",
    "credential": "Credential",
}


def filters_in_words(values: Mapping[str, str], decision_words: Mapping[str, str]) -> list[str]:
    """The filters of an audit search that was run, as the line above its results names them.

    On a phone the form folds away once there are results, so this is how the IG officer sees
    what the results were filtered by. Only filters that were filled in, in the form's order;
    ``values`` are the form's answers, already checked (``read_audit_form`` found no error).
    Example: ``filters_in_words({"person_id": "P1", "break_glass": "yes"}, {})`` is
    ``["Person id P1", "Only break-glass"]``.
    """
    words: list[str] = []

    def text(name: str) -> None:
        if value := values.get(name, "").strip():
            words.append(f"{_TEXT_WORDS[name]} {value}")

    for name in ("person_id", "actor", "organisation"):
        text(name)
    if role := values.get("role", "").strip():
        words.append("Role " + role.replace("_", " "))
    if purpose := values.get("purpose", "").strip():
        words.append("Purpose " + purpose_label(purpose).lower())
    if decision := values.get("decision", "").strip():
        words.append("Decision " + decision_words.get(decision, decision).lower())
    text("action")
    text("credential")
    glass = values.get("break_glass", "").strip()
    if glass:
        words.append("Only break-glass" if BREAK_GLASS_CHOICES.get(glass) else "No break-glass")
    for prefix, label in (("since", "From"), ("until", "To")):
        parts = [values.get(f"{prefix}-{p}", "").strip() for p in ("day", "month", "year")]
        if any(parts):
            words.append(f"{label} " + "/".join(p for p in parts if p))
    return words


def _uk_midnight(day: date) -> datetime:
    """The start of ``day`` in the UK, in UTC (the trail's time): 23:00 the day before in summer."""
    if day == date.min:
        # No UK midnight before it can be held in UTC; nothing was recorded then anyway.
        return datetime.combine(day, time(), UTC)
    return datetime.combine(day, time(), UK).astimezone(UTC)


def _end_of(day: date | None) -> datetime | None:
    """The exclusive end of a "to" date: the next UK midnight; none after the last date.

    ``date.max`` has no next day: a search to it takes in everything, so it has no end.
    """
    if day is None or day == date.max:
        return None
    return _uk_midnight(day + timedelta(days=1))


def _in_form_order(errors: dict[str, str]) -> dict[str, str]:
    return {k: errors[k] for k in AUDIT_FIELDS if k in errors}


def alert_status_problem(status: str) -> str | None:
    """The message for an alert filter the queue does not have, or ``None``.

    ``alert_status_problem("bogus")`` gives "Select Open, Acknowledged, Closed or All".
    """
    if status in ALERT_FILTERS:
        return None
    names = [s.capitalize() for s in ALERT_FILTERS]
    return "Select " + ", ".join(names[:-1]) + " or " + names[-1]
