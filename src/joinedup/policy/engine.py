"""The decision engine: one pure function from an :class:`AccessRequest` to a :class:`Decision`.

Deny unless a rule permits. The order of evaluation is:

1. request-level rules — the role and purpose are known; the purpose allows person-level data
   (planning never does); the resident asking for their own record is granted it (Art. 15);
   a purpose that needs a legitimate relationship has one, or an active break-glass session;
2. per (source, category) held about the person — some clause of an agreement in force names the
   category for that source and provider, lists the requester's organisation, role and purpose,
   the resident's consent is recorded where the clause requires it, and the resident has not
   objected to the purpose (unless the clause overrides objections, on stated grounds).

Every item carries the reasons behind its outcome, each naming the agreement, version and clause.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from joinedup.policy import vocabulary as v
from joinedup.policy.memo import ItemMemo
from joinedup.policy.model import Agreement, Clause
from joinedup.policy.request import (
    AccessRequest,
    AgreementRef,
    Decision,
    Holding,
    ItemDecision,
    Reason,
    ResidentChoice,
)

# Agreements are signed in England and their dates mean UK calendar days.
AGREEMENT_TIMEZONE = ZoneInfo("Europe/London")

# The longest break-glass session the engine honours; a longer one is treated as not active.
BREAK_GLASS_MAX = timedelta(hours=4)

# Per-item answers already worked out (see joinedup.policy.memo for what the key holds and why
# it is all they depend on).
_MEMO = ItemMemo()


def decide(request: AccessRequest) -> Decision:
    """Decide, for each (source, category) held about the person, whether the requester may see it.

    Pure: reads nothing but ``request`` and returns the same :class:`Decision` for the same
    request. Items are denied unless a clause of an agreement in force permits them; every item
    carries reasons that name the agreement, version and clause (or the rule) behind it.

    >>> decision = decide(request)            # doctest: +SKIP
    >>> decision.allows("council_tax", "finance.council_tax")
    True
    """
    items = [(holding, category) for holding in request.holdings for category in holding.categories]

    blocking = _request_level_denial(request)
    if blocking is not None:
        return _uniform(request, items, permitted=False, reason=blocking)

    if (
        request.role == "resident"
        and request.requester_person_id is not None
        and request.requester_person_id == request.person_id
    ):
        own = Reason(
            v.PERMIT_SUBJECT_ACCESS,
            "the resident's own record (UK GDPR Art. 15 right of access)",
        )
        return _uniform(request, items, permitted=True, reason=own)

    break_glass_used = False
    if v.PURPOSES[request.purpose].needs_relationship and not _has_relationship(request):
        if _break_glass_active(request):
            break_glass_used = True
        else:
            reason = Reason(
                v.DENY_NO_RELATIONSHIP,
                f"{v.purpose_words(request.purpose)} needs a legitimate relationship: "
                f"{request.organisation_name(request.organisation)} "
                "holds no record of this person and no declared relationship is current"
                + _break_glass_note(request),
            )
            return _uniform(request, items, permitted=False, reason=reason)

    decided = _items(request, items)
    reasons: tuple[Reason, ...] = ()
    if break_glass_used:
        assert request.break_glass is not None
        reasons = (
            Reason(
                "break_glass",
                f"break-glass in use (reason: {request.break_glass.reason.strip()}); "
                "alert the IG officer and show it to the resident",
            ),
        )
    return Decision(
        person_id=request.person_id,
        purpose=request.purpose,
        items=decided,
        reasons=reasons,
        break_glass_used=break_glass_used,
        request_id=request.request_id,
    )


def _items(request: AccessRequest, items: list[tuple[Holding, str]]) -> tuple[ItemDecision, ...]:
    """Each item's decision; remembered by :data:`_MEMO` under everything it depends on."""
    day = _uk_day(request.now)

    def compute() -> tuple[ItemDecision, ...]:
        in_force, not_in_force = _agreements_on(request.agreements, day)
        return tuple(
            _decide_item(request, holding, category, in_force, not_in_force)
            for holding, category in items
        )

    if request.organisation_names or type(request.agreements) is not tuple:
        # Wording from the caller's names, or agreements in a container that could change
        # under the same identity: worked out afresh.
        return compute()
    # Whether consent and an objection are in effect, per source: all _check_clause reads of
    # the choices and of ``now`` (besides the day, which decides the agreements in force).
    chosen = (
        tuple(
            (
                holding.source,
                choice_in_effect(
                    request.choices, "consent", request.purpose, holding.source, request.now
                ),
                choice_in_effect(
                    request.choices, "objection", request.purpose, holding.source, request.now
                ),
            )
            for holding in request.holdings
        )
        if request.choices
        else None
    )
    key = (day, request.organisation, request.role, request.purpose, request.holdings, chosen)
    return _MEMO.get(request.agreements, key, compute)


def _request_level_denial(request: AccessRequest) -> Reason | None:
    if request.role not in v.ROLES:
        return Reason(v.DENY_UNKNOWN_ROLE, f"unknown role {request.role!r}")
    rule = v.PURPOSES.get(request.purpose)
    if rule is None:
        return Reason(v.DENY_UNKNOWN_PURPOSE, f"unknown purpose {request.purpose!r}")
    if not rule.person_level:
        return Reason(
            v.DENY_AGGREGATE_ONLY,
            f"{v.purpose_words(request.purpose)} is aggregate only: no person-level data is ever "
            "released for it",
        )
    return None


def _uniform(
    request: AccessRequest,
    items: list[tuple[Holding, str]],
    *,
    permitted: bool,
    reason: Reason,
) -> Decision:
    return Decision(
        person_id=request.person_id,
        purpose=request.purpose,
        items=tuple(
            ItemDecision(holding.source, category, permitted, (reason,))
            for holding, category in items
        ),
        reasons=(reason,),
        request_id=request.request_id,
    )


def _uk_day(moment: datetime) -> date:
    return moment.astimezone(AGREEMENT_TIMEZONE).date()


def _has_relationship(request: AccessRequest) -> bool:
    if any(holding.provider == request.organisation for holding in request.holdings):
        return True
    return any(
        rel.org == request.organisation
        and (rel.actor is None or rel.actor == request.actor)
        and rel.starts_at <= request.now < rel.expires_at
        for rel in request.relationships
    )


def _break_glass_active(request: AccessRequest) -> bool:
    glass = request.break_glass
    return (
        glass is not None
        and glass.actor == request.actor
        and bool(glass.reason.strip())
        and glass.started_at <= request.now < glass.expires_at
        and glass.expires_at - glass.started_at <= BREAK_GLASS_MAX
    )


def _break_glass_note(request: AccessRequest) -> str:
    glass = request.break_glass
    if glass is None:
        return ""
    if glass.actor != request.actor:
        return "; the break-glass session belongs to another user"
    if not glass.reason.strip():
        return "; break-glass needs a stated reason"
    if glass.expires_at - glass.started_at > BREAK_GLASS_MAX:
        return f"; break-glass may last at most {BREAK_GLASS_MAX}"
    return "; the break-glass session is not active at this time"


def agreements_in_force(agreements: Iterable[Agreement], now: datetime) -> list[Agreement]:
    """The agreements :func:`decide` applies at ``now``: in force on that UK calendar day and,
    of several versions of one agreement, only the latest that has started.

    For whatever tells people how their data may be shared (the resident's choices, the subject
    access pack): it must name the clauses ``decide`` obeys, not a superseded version's.
    """
    return _agreements_on(agreements, _uk_day(now))[0]


def _agreements_on(
    agreements: Iterable[Agreement], day: date
) -> tuple[list[Agreement], list[tuple[Agreement, str]]]:
    """Split agreements into those in force on ``day`` and the rest, with why each is not.

    Of several versions of one agreement only the latest that has started applies: an older
    version is superseded even while its own dates would still cover ``day``.
    """
    by_id: dict[str, list[Agreement]] = {}
    for agreement in agreements:
        by_id.setdefault(agreement.id, []).append(agreement)
    in_force: list[Agreement] = []
    not_in_force: list[tuple[Agreement, str]] = []
    for versions in by_id.values():
        versions.sort(key=lambda a: a.version)
        started = [a for a in versions if a.valid_from <= day]
        current = started[-1] if started else None
        for agreement in versions:
            if agreement is current and agreement.in_force_on(day):
                in_force.append(agreement)
            elif agreement is current:
                not_in_force.append((agreement, f"expired after {agreement.valid_to}"))
            elif agreement.valid_from > day:
                not_in_force.append((agreement, f"starts on {agreement.valid_from}"))
            else:
                assert current is not None
                not_in_force.append((agreement, f"superseded by version {current.version}"))
    return in_force, not_in_force


def _cite(agreement: Agreement, clause: Clause, code: str, message: str) -> Reason:
    return Reason(code, message, agreement.id, agreement.version, clause.id, agreement.sha256)


def _decide_item(
    request: AccessRequest,
    holding: Holding,
    category: str,
    in_force: list[Agreement],
    not_in_force: list[tuple[Agreement, str]],
) -> ItemDecision:
    sealed = v.is_sealed(category)
    candidates = [
        (agreement, clause)
        for agreement in in_force
        for clause in agreement.clauses
        if clause.source == holding.source and clause.covers_category(category, sealed=sealed)
    ]
    if not candidates:
        reason = _why_no_clause(holding, category, sealed, in_force, not_in_force)
        return ItemDecision(holding.source, category, False, (reason,))

    denials: list[Reason] = []
    for agreement, clause in candidates:
        outcome = _check_clause(request, holding, agreement, clause)
        if outcome.code.startswith("permit"):
            ref = AgreementRef(agreement.id, agreement.version, agreement.sha256)
            return ItemDecision(holding.source, category, True, (outcome,), ref)
        if outcome not in denials:
            denials.append(outcome)
    return ItemDecision(holding.source, category, False, tuple(denials))


def _why_no_clause(
    holding: Holding,
    category: str,
    sealed: bool,
    in_force: list[Agreement],
    not_in_force: list[tuple[Agreement, str]],
) -> Reason:
    if sealed:
        for agreement in in_force:
            for clause in agreement.clauses:
                if clause.source == holding.source and clause.covers_category(
                    category, sealed=False
                ):
                    return _cite(
                        agreement,
                        clause,
                        v.DENY_SEALED,
                        f"{category} is special category data: sealed unless a clause names it "
                        "exactly (a wildcard does not open it)",
                    )
    for agreement, why in not_in_force:
        for clause in agreement.clauses:
            if clause.source == holding.source and clause.covers_category(category, sealed=sealed):
                return _cite(
                    agreement,
                    clause,
                    v.DENY_AGREEMENT_NOT_IN_FORCE,
                    f"agreement {agreement.ref} is not in force ({why})",
                )
    return Reason(
        v.DENY_NO_AGREEMENT,
        f"no agreement in force shares {category} from {holding.source}",
    )


def _check_clause(
    request: AccessRequest, holding: Holding, agreement: Agreement, clause: Clause
) -> Reason:
    def cite(code: str, message: str) -> Reason:
        return _cite(agreement, clause, code, message)

    # Reasons are read by people (the page, the resident's log): the purpose by its label.
    purpose = v.purpose_words(request.purpose)
    if clause.provider != holding.provider:
        return cite(
            v.DENY_PROVIDER,
            f"the clause covers {clause.source} as provided by "
            f"{request.organisation_name(clause.provider)}, "
            f"not {request.organisation_name(holding.provider)}",
        )
    if request.organisation not in clause.recipients:
        return cite(
            v.DENY_RECIPIENT,
            f"{request.organisation_name(request.organisation)} is not a recipient under this "
            "clause",
        )
    if request.role not in clause.roles:
        return cite(v.DENY_ROLE, f"the role {v.role_words(request.role)} may not receive this data")
    if request.purpose not in clause.purposes:
        return cite(v.DENY_PURPOSE, f"the purpose {purpose} is not permitted by this clause")
    if clause.consent_required and not choice_in_effect(
        request.choices, "consent", request.purpose, holding.source, request.now
    ):
        return cite(
            v.DENY_CONSENT,
            f"the resident's consent for {purpose} is required and not recorded",
        )
    objected = choice_in_effect(
        request.choices, "objection", request.purpose, holding.source, request.now
    )
    if objected:
        if clause.objection == "override":
            return cite(
                v.PERMIT_OBJECTION_OVERRIDDEN,
                f"permitted despite the resident's objection to {purpose}: "
                f"{clause.override_grounds}",
            )
        return cite(v.DENY_OBJECTION, f"the resident objects to sharing for {purpose}")
    basis = clause.article_6 + (f"; {clause.article_9}" if clause.article_9 else "")
    return cite(v.PERMIT, f"permitted for {purpose} ({basis})")


def choice_in_effect(
    choices: Iterable[ResidentChoice], kind: str, purpose: str, source: str, now: datetime
) -> bool:
    """True when the resident's latest choice of ``kind`` for ``purpose`` that covers ``source``
    (scoped to it or to every source), made at or before ``now``, was given rather than withdrawn.

    The latest choice wins whatever its scope, so a general withdrawal made after a consent for
    one source revokes it; at the same instant a source-specific choice wins over a general one.
    """
    latest: ResidentChoice | None = None
    for choice in choices:
        if (
            choice.kind == kind
            and choice.purpose == purpose
            and choice.source in (None, source)
            and choice.at <= now
        ):
            key = (choice.at, choice.source is not None)
            if latest is None or key >= (latest.at, latest.source is not None):
                latest = choice
    return latest is not None and latest.given
