"""Who is asking, and the errors the practitioner services raise.

Every service that reads personal data takes an :class:`Actor`: the user, their organisation and
role, the purpose and case reference they stated, and the request id. Front ends build one from
their own notion of a caller (``Actor.from_caller`` reads any object with the attributes of
``joinedup.api.deps.Caller``), so this package never imports the web or API layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from joinedup.errors import JoinedupError
from joinedup.policy.vocabulary import PURPOSES, purpose_label

# The roles whose work is with individual residents: they search, view, declare relationships
# and break the glass. IG officers, reviewers and admins act under duties of their own and use
# the governance, review and admin routes instead.
PRACTITIONER_ROLES: frozenset[str] = frozenset(
    {"social_worker", "gp", "housing_officer", "charity_caseworker"}
)


class ServiceError(JoinedupError):
    """A request a service cannot serve as asked (400 unless a subclass says otherwise)."""

    http_status = 400


class NotPermitted(ServiceError):
    """The actor's role or purpose does not allow this action at all (403)."""

    http_status = 403


class PersonNotFoundError(ServiceError):
    """No person has ever had this id (404)."""

    http_status = 404


class PersonGone(ServiceError):
    """The person's records have all ended: nothing is held any more (410)."""

    http_status = 410


class AuditUnavailable(ServiceError):
    """The audit event could not be written, so nothing is returned (503, fail closed)."""

    http_status = 503

    def __init__(self) -> None:
        super().__init__(
            "The audit trail cannot be written just now, so no personal data can be shown. "
            "Try again shortly; if it persists, tell your system administrator."
        )


class AgreementsUnversioned(AuditUnavailable):
    """An agreement file in force was edited without a new version number, so the words an
    audit row would cite are not the stored ones: sharing pauses (503) until it is versioned."""

    def __init__(self) -> None:
        ServiceError.__init__(
            self,
            "A data sharing agreement in force was changed without a new version number, so no "
            "personal data can be shown until it is versioned. Tell your information "
            "governance officer.",
        )


class CallerLike(Protocol):
    """The attributes of ``joinedup.api.deps.Caller`` that an :class:`Actor` is made from."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def organisation_id(self) -> str | None: ...
    @property
    def purpose(self) -> str | None: ...
    @property
    def case_reference(self) -> str | None: ...
    @property
    def person_id(self) -> str | None: ...
    @property
    def credential(self) -> str | None: ...


@dataclass(frozen=True)
class Actor:
    """The practitioner (or system) asking: recorded on every audit event and policy request.

    ``user`` is the account's username — the name the audit trail, break-glass sessions and
    declared relationships record. ``purpose`` and ``case_reference`` are what the actor
    stated for this piece of work; ``request_id`` ties the audit event to the request log.
    ``credential`` is what they acted with, ``session:<id>`` (a web session) or ``token:<id>``
    (an API token, by its id, never its secret): every audit event records it, so what a
    token did can be told from what its owner did in person (an administrator can issue one).
    """

    user: str
    organisation: str
    role: str
    purpose: str | None = None
    case_reference: str | None = None
    request_id: str | None = None
    person_id: str | None = None
    credential: str | None = None

    @classmethod
    def from_caller(cls, caller: CallerLike, request_id: str | None = None) -> Actor:
        """The actor for a signed-in caller (an API ``Caller`` or a web page's equivalent)."""
        return cls(
            user=caller.username,
            organisation=caller.organisation_id or "",
            role=caller.role,
            purpose=caller.purpose,
            case_reference=caller.case_reference,
            request_id=request_id,
            person_id=caller.person_id,
            credential=caller.credential,
        )


def require_practitioner(actor: Actor) -> None:
    """Refuse (403) an actor whose role does not work with individual residents."""
    if actor.role not in PRACTITIONER_ROLES:
        raise NotPermitted(
            "Only practitioners (" + ", ".join(sorted(PRACTITIONER_ROLES)) + ") can do this."
        )
    if not actor.organisation:
        raise NotPermitted("Your account belongs to no organisation, so it cannot do this.")


def require_person_level_purpose(actor: Actor) -> str:
    """The actor's stated purpose, provided it allows person-level data (400/403 otherwise)."""
    if not actor.purpose or not actor.case_reference:
        raise ServiceError("State the purpose of your work and a case reference first.")
    rule = PURPOSES.get(actor.purpose)
    if rule is None:
        raise ServiceError(
            f"{purpose_label(actor.purpose)} is not a purpose joinedup knows: "
            "choose one from the list."
        )
    if not rule.person_level:
        raise NotPermitted(
            f"{purpose_label(actor.purpose)} is for aggregate figures only: "
            "it never shows an individual's data."
        )
    return actor.purpose
