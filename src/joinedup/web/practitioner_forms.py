"""What the practitioner's forms check themselves: the search, break-glass, a relationship.

GOV.UK asks a form to check every field and show every problem together, each by its field,
with the answers kept. The services stay the authority — they check again when the form is sent
on, and their message is shown if they find something the page did not — but each stops at its
first problem. So the page checks first what it can see for itself, with the services' own
limits and words, and never more strictly than they do.

The search form is a GET: its limits are checked here rather than by FastAPI's ``Query``, whose
refusal is a 422 page naming ``query.name`` instead of a message by the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from joinedup.services.break_glass import MAX_HOURS
from joinedup.services.break_glass import MIN_REASON as BREAK_GLASS_MIN_REASON
from joinedup.services.relationships import MAX_REASON
from joinedup.services.relationships import MIN_REASON as RELATIONSHIP_MIN_REASON

SEARCH_FIELDS: tuple[str, ...] = ("name", "date_of_birth", "postcode", "nhs_number")
SEARCH_LABELS: dict[str, str] = {
    "name": "Name",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "nhs_number": "NHS number",
}
# Longer than any real value of the field, short enough that a pasted document is refused.
SEARCH_MAX: dict[str, int] = {"name": 200, "date_of_birth": 40, "postcode": 16, "nhs_number": 20}
# A value too long to search is shown back cut to this length: still too long, so searching
# again says so again rather than quietly searching for part of it.
SHOWN_MAX = 1000
_FIELD_SPLIT = re.compile(r";\s*(?=(?:" + "|".join(SEARCH_FIELDS) + r"): )")
# A whole number: ``str.isdigit`` also takes "²", which ``int`` refuses.
_COUNT = re.compile(r"[0-9]+")
# More days than any relationship may last: a longer number is sent on as this, for the service
# to refuse with its own limit (converting thousands of digits would fail, or take a while).
DAYS_CAP = 1_000_000


def search_errors(message: str) -> dict[str, str]:
    """Map ``parse_query``'s message ("field: problem; field: problem") to GOV.UK field errors.

    A problem may itself contain "; ", so the message is split only where the next field's
    name follows. A problem that names no field (a search too broad to run) is shown against
    the name, the first field of the form. Messages start with a capital letter, as GOV.UK's do.
    """
    errors: dict[str, str] = {}
    for part in _FIELD_SPLIT.split(message):
        part = part.strip()
        if not part:
            continue
        field, sep, text = part.partition(": ")
        if not sep or field not in SEARCH_FIELDS:
            field, text = "name", part
        text = text.strip().rstrip(".")
        errors.setdefault(field, text[:1].upper() + text[1:])
    return errors


def field_errors_only(message: str) -> dict[str, str]:
    """Like :func:`search_errors`, but only the problems that name a field.

    When a field was too long to search with, the search is checked without it, and "search by
    NHS number, by full name, or by two of…" would blame the other fields for its absence.
    """
    named = [
        part.strip()
        for part in _FIELD_SPLIT.split(message)
        if part.strip().partition(": ")[0] in SEARCH_FIELDS and ": " in part
    ]
    return search_errors("; ".join(named)) if named else {}


def search_length_errors(values: Mapping[str, str]) -> dict[str, str]:
    """``{field: "Name must be 200 characters or fewer"}`` for each search value too long."""
    return {
        field: f"{SEARCH_LABELS[field]} must be {limit} characters or fewer"
        for field, limit in SEARCH_MAX.items()
        if len(values.get(field, "")) > limit
    }


def shown(values: Mapping[str, str]) -> dict[str, str]:
    """The values to show back in the form, each cut to :data:`SHOWN_MAX` characters."""
    return {field: value[:SHOWN_MAX] for field, value in values.items()}


def reason_problem(reason: str, *, minimum: int, empty: str) -> str | None:
    """The problem with a typed reason (none, too short, too long), or ``None``.

    Counted as the services count it, after runs of spaces become one and invisible format
    characters (a zero-width space) are dropped, so the page is never stricter than they are.
    They may still find a reason too short (they count only what a reader sees, not spaces),
    and say so in the same words.
    """
    visible = "".join(ch for ch in reason if unicodedata.category(ch) != "Cf")
    text = " ".join(visible.split())
    if not text:
        return empty
    if len(text) < minimum:
        return f"Give a reason of at least {minimum} characters"
    if len(text) > MAX_REASON:
        return f"The reason must be {MAX_REASON} characters or fewer"
    return None


def break_glass_problems(reason: str, hours: str) -> dict[str, str]:
    """Every problem the break-glass form can see: the reason and how many hours (1 to 4)."""
    problems = {
        "reason": reason_problem(
            reason, minimum=BREAK_GLASS_MIN_REASON, empty="Enter why you need emergency access"
        ),
        "hours": None
        if hours in {str(h) for h in range(1, MAX_HOURS + 1)}
        else "Select how long you need access for",
    }
    return {field: message for field, message in problems.items() if message}


def relationship_problems(reason: str, days: str) -> dict[str, str]:
    """Every problem the declare-a-relationship form can see: the reason and the days."""
    days_problem = None
    if not _COUNT.fullmatch(days):
        days_problem = "Enter how many days the relationship lasts, as a number"
    elif not days.lstrip("0"):
        days_problem = "A relationship lasts at least one day"
    problems = {
        "reason": reason_problem(
            reason,
            minimum=RELATIONSHIP_MIN_REASON,
            empty="Enter why you have a relationship with this person",
        ),
        "days": days_problem,
    }
    return {field: message for field, message in problems.items() if message}


def days_number(days: str) -> int:
    """The number of days to send on, once :func:`relationship_problems` has found none."""
    digits = days.lstrip("0")
    return int(digits) if len(digits) < len(str(DAYS_CAP)) else DAYS_CAP
