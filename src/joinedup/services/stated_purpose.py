"""The purpose and case reference a practitioner states for their work, checked once.

Roles in :data:`ROLES_STATING_PURPOSE` state them when they sign in (a web session keeps them,
:func:`joinedup.services.web_sessions.set_session_context`) or with each API request.
"""

from __future__ import annotations

import re

from joinedup.errors import JoinedupError
from joinedup.policy.vocabulary import PURPOSES
from joinedup.policy.vocabulary import purpose_label as _policy_purpose_label

# Roles that state a purpose and case reference when they sign in: their access to a person's
# data is decided per purpose. Reviewers, IG officers and admins act under their role's own duty;
# a resident looks at their own record.
ROLES_STATING_PURPOSE: frozenset[str] = frozenset(
    {"social_worker", "gp", "housing_officer", "charity_caseworker"}
)
CASE_REFERENCE_MAX = 40
_CASE_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]*$")


def purpose_label(purpose: str) -> str:
    """How a purpose reads on a page: the label policy gives it (one wording everywhere)."""
    return _policy_purpose_label(purpose)


def check_context(purpose: str | None, case_reference: str | None) -> tuple[str, str]:
    """A valid (purpose, case reference) pair, or a :class:`ContextError` naming what to fix.

    The purpose must be one policy knows; the case reference is the practitioner's own reference
    for the piece of work (a case, referral or appointment number), so it can be audited.
    """
    problems: dict[str, str] = {}
    purpose = (purpose or "").strip()
    reference = " ".join((case_reference or "").split())
    if purpose not in PURPOSES:
        problems["purpose"] = "Select the purpose of your work"
    if not reference:
        problems["case_reference"] = "Enter a case reference"
    elif len(reference) > CASE_REFERENCE_MAX:
        problems["case_reference"] = (
            f"Case reference must be {CASE_REFERENCE_MAX} characters or fewer"
        )
    elif not _CASE_REFERENCE.match(reference):
        problems["case_reference"] = (
            "Case reference must only include letters, numbers, spaces and . / _ -"
        )
    if problems:
        raise ContextError(problems)
    return purpose, reference


class ContextError(JoinedupError):
    """A purpose or case reference that cannot be used; ``problems`` maps field → message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()) + ".")
        self.problems = problems
