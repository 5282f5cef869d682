"""What :func:`joinedup.policy.engine.decide` is asked, and what it answers.

Everything a decision depends on travels inside :class:`AccessRequest` — the agreements in force,
who is asking and why, what is held about the person, relationships, the resident's choices,
break-glass and the time — so that ``decide`` needs no I/O and the same request always gets the
same answer. The service layer gathers these from the store; tests write them by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from joinedup.policy.model import Agreement

ChoiceKind = Literal["objection", "consent"]


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class Holding:
    """One source system's records about the person: the categories it holds, and whose they are."""

    source: str
    provider: str
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Relationship:
    """A declared legitimate relationship: an organisation (or one of its users) and the person.

    Valid from ``starts_at`` (inclusive) until ``expires_at`` (exclusive). When ``actor`` is set
    only that user may rely on it; otherwise anyone in ``org`` may.
    """

    org: str
    reason: str
    starts_at: datetime
    expires_at: datetime
    actor: str | None = None

    def __post_init__(self) -> None:
        _require_aware("Relationship.starts_at", self.starts_at)
        _require_aware("Relationship.expires_at", self.expires_at)


@dataclass(frozen=True)
class ResidentChoice:
    """One recorded choice, as it was made at ``at``: an objection or a consent, given or withdrawn.

    The request may carry the whole history; for each (kind, purpose, source) the latest choice
    made at or before ``now`` is the one in effect. ``source`` of ``None`` means every source.
    """

    kind: ChoiceKind
    purpose: str
    given: bool
    at: datetime
    source: str | None = None

    def __post_init__(self) -> None:
        _require_aware("ResidentChoice.at", self.at)


@dataclass(frozen=True)
class BreakGlass:
    """An emergency access session opened by ``actor`` with a stated ``reason``.

    Active from ``started_at`` (inclusive) to ``expires_at`` (exclusive), and never for longer than
    :data:`joinedup.policy.engine.BREAK_GLASS_MAX`. It stands in for a legitimate relationship only:
    agreements, objections and consent still apply.
    """

    actor: str
    reason: str
    started_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        _require_aware("BreakGlass.started_at", self.started_at)
        _require_aware("BreakGlass.expires_at", self.expires_at)


@dataclass(frozen=True)
class AccessRequest:
    """A practitioner (or resident) asking to see a person's data for a purpose, at ``now``.

    ``requester_person_id`` is set only when a resident signs in as themselves; it lets the engine
    grant the resident's own record (UK GDPR Art. 15) without an agreement.
    """

    actor: str
    organisation: str
    role: str
    purpose: str
    person_id: str
    now: datetime
    holdings: tuple[Holding, ...]
    agreements: tuple[Agreement, ...]
    relationships: tuple[Relationship, ...] = ()
    choices: tuple[ResidentChoice, ...] = ()
    break_glass: BreakGlass | None = None
    case_reference: str | None = None
    request_id: str | None = None
    requester_person_id: str | None = None
    # How reasons name an organisation: the names the caller knows (its organisations table),
    # by id. An id missing here reads as the name it signed the agreement under, else the id.
    # Wording only: it never changes a decision.
    organisation_names: Mapping[str, str] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def __post_init__(self) -> None:
        _require_aware("AccessRequest.now", self.now)

    def organisation_name(self, org_id: str) -> str:
        """The name a reason gives ``org_id``: the caller's, the agreement's, or the id itself."""
        named = self.organisation_names.get(org_id)
        if named:
            return named
        for agreement in self.agreements:
            for party in agreement.parties:
                if party.org == org_id and party.name:
                    return party.name
        return org_id


@dataclass(frozen=True)
class Reason:
    """Why an item was permitted or denied, citing the agreement, version and clause if any."""

    code: str
    message: str
    agreement: str | None = None
    version: int | None = None
    clause: str | None = None
    sha256: str | None = None

    @property
    def citation(self) -> str:
        """``agreement@version clause N`` or an empty string when no agreement is involved."""
        if self.agreement is None:
            return ""
        text = f"{self.agreement}@{self.version}"
        return f"{text} clause {self.clause}" if self.clause else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "agreement": self.agreement,
            "version": self.version,
            "clause": self.clause,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class AgreementRef:
    """The exact agreement text a release relied on: id, version and hash."""

    id: str
    version: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "sha256": self.sha256}


@dataclass(frozen=True)
class ItemDecision:
    """Permit or deny for one (source, category) held about the person."""

    source: str
    category: str
    permitted: bool
    reasons: tuple[Reason, ...]
    agreement: AgreementRef | None = None

    @property
    def label(self) -> str:
        return f"{self.source}/{self.category}"


# Of the reasons every clause gave, the one from the clause that came closest to permitting is
# the one worth showing: "the resident objects" says more than "you are not a recipient".
_CLOSENESS = (
    "deny_objection",
    "deny_consent_missing",
    "deny_no_relationship",
    "deny_purpose_not_permitted",
    "deny_role_not_permitted",
    "deny_recipient_not_party",
    "deny_provider_mismatch",
)


_RANK = {code: rank for rank, code in enumerate(_CLOSENESS)}


def _rank(reason: Reason) -> int:
    return _RANK.get(reason.code, len(_CLOSENESS))


def closest_reason(reasons: tuple[Reason, ...]) -> Reason | None:
    """The reason of the clause that came closest to permitting (see ``_CLOSENESS``): the one
    a withheld item is shown with, on the page and on the audit row alike. The first of the
    closest when several tie (``min`` keeps the first)."""
    if not reasons:
        return None
    if len(reasons) == 1:
        return reasons[0]
    return min(reasons, key=_rank)


@dataclass(frozen=True)
class Decision:
    """The answer to an :class:`AccessRequest`: one :class:`ItemDecision` per (source, category).

    ``reasons`` holds request-level reasons (an unknown purpose, no legitimate relationship…) that
    apply to every item. ``break_glass_used`` is True when only an active break-glass session let
    the request through: the caller must raise an alert and show it to the resident.
    """

    person_id: str
    purpose: str
    items: tuple[ItemDecision, ...]
    reasons: tuple[Reason, ...] = ()
    break_glass_used: bool = False
    request_id: str | None = None
    _index: dict[tuple[str, str], ItemDecision] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._index.update({(item.source, item.category): item for item in self.items})

    @property
    def permitted(self) -> bool:
        """True when at least one item is released."""
        return any(item.permitted for item in self.items)

    @property
    def outcome(self) -> str:
        """``permit`` (everything held), ``partial`` or ``deny`` (nothing) — for the audit row."""
        released = sum(item.permitted for item in self.items)
        if released == 0:
            return "deny"
        return "permit" if released == len(self.items) else "partial"

    @property
    def released(self) -> tuple[tuple[str, str], ...]:
        """The (source, category) pairs that may be shown."""
        return tuple((item.source, item.category) for item in self.items if item.permitted)

    @property
    def released_labels(self) -> tuple[str, ...]:
        """The released items as ``source/category`` strings (the audit row's form)."""
        return tuple(item.label for item in self.items if item.permitted)

    @property
    def agreements_used(self) -> tuple[AgreementRef, ...]:
        """Each agreement version that a released item relied on, once, in order of first use."""
        seen: dict[AgreementRef, None] = {}
        for item in self.items:
            if item.permitted and item.agreement is not None:
                seen.setdefault(item.agreement, None)
        return tuple(seen)

    def agreement_citations(self) -> list[dict[str, Any]]:
        """Each agreement version relied on (as :attr:`agreements_used`) with ``clauses``: the
        ids of its clauses that the released items were permitted under, as their reasons cite
        them — what the audit row records, so "under which clause?" is answered by the row."""
        out = []
        for ref in self.agreements_used:
            clauses = {
                reason.clause
                for item in self.items
                if item.permitted and item.agreement == ref
                for reason in item.reasons
                if reason.clause and (reason.agreement, reason.version) == (ref.id, ref.version)
            }
            out.append({**ref.to_dict(), "clauses": sorted(clauses)})
        return out

    def withheld_codes(self) -> list[dict[str, str]]:
        """Every item not released as the audit row records it: ``source``, ``category`` and
        the ``reason_code`` of :func:`closest_reason` (``deny`` without one) — codes and names,
        nothing personal. Every item, sealed sources too: the row is the IG officer's record
        of the whole decision, not the practitioner's view of it."""
        out = []
        for item in self.items:
            if not item.permitted:
                reason = closest_reason(item.reasons)
                out.append(
                    {
                        "source": item.source,
                        "category": item.category,
                        "reason_code": reason.code if reason is not None else "deny",
                    }
                )
        return out

    def allows(self, source: str, category: str) -> bool:
        """True when the (source, category) pair is released; unknown pairs are denied."""
        item = self._index.get((source, category))
        return bool(item and item.permitted)

    def item(self, source: str, category: str) -> ItemDecision | None:
        return self._index.get((source, category))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for the API and for policy test output."""
        return {
            "person_id": self.person_id,
            "purpose": self.purpose,
            "outcome": self.outcome,
            "break_glass_used": self.break_glass_used,
            "reasons": [reason.to_dict() for reason in self.reasons],
            "items": [
                {
                    "source": item.source,
                    "category": item.category,
                    "permitted": item.permitted,
                    "reasons": [reason.to_dict() for reason in item.reasons],
                }
                for item in self.items
            ],
            "agreements": [ref.to_dict() for ref in self.agreements_used],
        }
