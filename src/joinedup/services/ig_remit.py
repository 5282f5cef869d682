"""What an information governance officer answers for: their own organisation's part of the hub.

Each partner is a controller of its own data and answers for its own staff, so an IG officer (a
DPO, a Caldicott Guardian, an NHS privacy officer) oversees what their organisation did and
what was done with their organisation's data — not every partner's. The NHS Spine works the same
way: a privacy officer sees the alerts of their own organisation's users. Who else looked at a
resident, for what, is itself personal data (that a GP saw them, that social care holds a
file), and a charity's IG officer has no business reading the hub's whole trail.

An audit event is in an IG officer's remit when

- their organisation's staff did it (the event's organisation), or
- it is an administrator's change to one of their organisation's accounts (created, password
  reset, switched on or off, a token issued or revoked), whichever organisation the
  administrator belongs to: the account is theirs to answer for, and a token or password an
  administrator holds is a way to act as their staff — or
- it released a category of data from one of their organisation's sources, or
- it changes what policy decides about a resident their organisation holds a record of, and so
  reaches their data: emergency access (break-glass — a session opens everything an agreement
  would release), a relationship declared, or the resident's own objection or consent made or
  withdrawn (:data:`~joinedup.audit.governance.POLICY_INPUT_ACTIONS`). The resident addresses a
  choice to every organisation holding their data, whose IG officers must be able to show a
  regulator that it was honoured.

An alert is in remit when their organisation's staff raised it, or it concerns a resident their
organisation holds a record of (a break-glass or a declared relationship reaches their data).
"Holds a record of" reads through linkage: a record the alert's or event's person id held at
the time, and someone holds now (the id since merged away, or the record split off to another
person), counts as much as a current record of the id.
Anything outside the remit reads as absent: a search does not return it, an alert id outside it
is "not found". The operator's command line (``joinedup audit log``) still reads the whole trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import SQLColumnExpression, Text, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from joinedup.audit.governance import POLICY_INPUT_ACTIONS
from joinedup.services.actor import Actor
from joinedup.store.governance_tables import Alert, AuditEvent
from joinedup.store.linkage_tables import LinkRun, PersonMember
from joinedup.store.tables import Source


@dataclass(frozen=True)
class Remit:
    """An IG officer's organisation and the source systems it holds."""

    organisation: str
    sources: tuple[str, ...]


def remit_of(session: Session, actor: Actor) -> Remit:
    """The remit of ``actor`` (an IG officer): their organisation and its sources.

    An actor with no organisation answers for none: they see only what is recorded as the
    hub's own (``organisation`` "hub"), never every partner's.
    """
    organisation = actor.organisation or "hub"
    held = session.scalars(
        select(Source.id).where(Source.organisation_id == organisation).order_by(Source.id)
    )
    return Remit(organisation, tuple(held))


_WAS = aliased(PersonMember, name="was")
_NOW = aliased(PersonMember, name="held_now")
_FROM = aliased(LinkRun, name="from_run")
_TO = aliased(LinkRun, name="to_run")


def _took_effect(run: Any) -> ColumnElement[Any]:
    return func.coalesce(run.finished_at, run.started_at)


def _held(
    remit: Remit, person_id: SQLColumnExpression[str | None], at: SQLColumnExpression[Any]
) -> ColumnElement[bool]:
    """Whether one of the remit's sources holds a current record of the resident ``person_id``
    — or one that ``person_id`` held at ``at``, the time of the event or alert.

    The second reads through linkage: an id merged away since holds nothing now, and a record
    split off to someone else is no longer under the id; but a break-glass then reached the
    records the id held then, and whoever holds them now answers for them. Records the id
    held only before or after ``at`` do not count: what happened to another resident is not
    their business.
    """
    if not remit.sources:
        return false()
    # Record keys are "source|record": a prefix per source, escaped (ids hold '_').
    prefixes = or_(
        *(PersonMember.record_key.startswith(f"{s}|", autoescape=True) for s in remit.sources)
    )
    now = (
        select(PersonMember.id)
        .where(PersonMember.person_id == person_id, PersonMember.to_run.is_(None), prefixes)
        .exists()
    )
    was_prefixes = or_(
        *(_WAS.record_key.startswith(f"{s}|", autoescape=True) for s in remit.sources)
    )
    then = (
        select(_WAS.id)
        .join(_FROM, _FROM.id == _WAS.from_run)
        .outerjoin(_TO, _TO.id == _WAS.to_run)
        .where(
            _WAS.person_id == person_id,
            _WAS.to_run.is_not(None),
            was_prefixes,
            _took_effect(_FROM) <= at,
            _took_effect(_TO) > at,
            select(_NOW.id)
            .where(_NOW.record_key == _WAS.record_key, _NOW.to_run.is_(None))
            .exists(),
        )
        .exists()
    )
    return or_(now, then)


def audit_events_in(remit: Remit) -> ColumnElement[bool]:
    """The condition on ``audit_events`` for events in ``remit`` (see the module's rules)."""
    conditions: list[ColumnElement[bool]] = [
        AuditEvent.organisation == remit.organisation,
        AuditEvent.account_organisation == remit.organisation,
    ]
    # Released categories are stored as "source/category" labels in a JSON array; its text
    # holds each label in quotes on both backends.
    categories = cast(AuditEvent.categories, Text)
    conditions += [categories.contains(f'"{s}/', autoescape=True) for s in remit.sources]
    changes_policy = or_(
        AuditEvent.break_glass.is_(True), AuditEvent.action.in_(POLICY_INPUT_ACTIONS)
    )
    conditions.append(and_(changes_policy, _held(remit, AuditEvent.person_id, AuditEvent.at)))
    return or_(*conditions)


def alerts_in(remit: Remit) -> ColumnElement[bool]:
    """The condition on ``alerts`` for alerts in ``remit``."""
    return or_(
        Alert.organisation == remit.organisation, _held(remit, Alert.person_id, Alert.raised_at)
    )


def alert_in_remit(session: Session, remit: Remit, alert_id: int) -> bool:
    """Whether alert ``alert_id`` exists and is in ``remit``."""
    found = session.scalar(select(Alert.id).where(Alert.id == alert_id, alerts_in(remit)))
    return found is not None
