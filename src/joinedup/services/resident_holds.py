"""A resident account waits for the hub's team when linkage splits the person it names.

An administrator makes a resident's account for the person id they checked the resident
against. A later link run that splits that person has found that linkage had joined two
residents, and the account still names the larger part — which may be the other resident.
Showing it would show one resident another's records. So from the split until an administrator
confirms which person the account speaks for, the resident's pages show nothing held about
them (403 with a message saying why and what to do).

The hold is derived, not flagged: it is read from the index's own split events and the
account's ``person_confirmed_at``, so no step after a link run can fail and lose it. A split
counts when it split the account's own id, or the id it has since been merged into, and its run
finished after the account was last confirmed — or has not finished: a run still saving is
treated as if it had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.orm import Session

from joinedup.services.account_audit import audit_account_change
from joinedup.services.account_input import Invalid, require_administrator
from joinedup.services.actor import Actor, NotPermitted
from joinedup.services.resident_accounts import check_person_exists, resident_person_id
from joinedup.services.users import get_user
from joinedup.store.account_tables import User
from joinedup.store.base import utcnow
from joinedup.store.linkage_tables import LinkRun, Person, PersonEvent

_USERS = cast(Table, User.__table__)
_PERSONS = cast(Table, Person.__table__)
_EVENTS = cast(Table, PersonEvent.__table__)
_RUNS = cast(Table, LinkRun.__table__)


class AccountOnHold(NotPermitted):
    """The resident's account waits for an administrator after a split (403)."""

    page_title = "We are checking your record"

    def __init__(self) -> None:
        super().__init__(
            "The hub has changed which records it holds about you, and its team is checking "
            "that your account still shows only yours. Until they have, your record, choices "
            "and access log are not shown here. Contact the hub's team to have it confirmed."
        )


@dataclass(frozen=True)
class Split:
    """A split that holds an account: the run, the ids it left (kept first), their sizes."""

    run_id: int
    finished_at: datetime | None
    person_ids: tuple[str, ...]
    record_counts: tuple[int, ...]


@dataclass(frozen=True)
class Hold:
    """A resident account waiting for an administrator, and the splits since its last check."""

    user_id: int
    username: str
    person_id: str
    splits: tuple[Split, ...]

    @property
    def since(self) -> datetime | None:
        """When the first split holding it finished (None while that run is still saving)."""
        times = [s.finished_at for s in self.splits]
        return None if None in times else min(t for t in times if t is not None)


def holds(
    session: Session, *, user_ids: Sequence[int] | None = None, username: str | None = None
) -> dict[int, Hold]:
    """The resident accounts on hold, by user id (only ``user_ids``, or the account
    ``username``, when given), in one query."""
    # Merged-away ids redirect one hop (linkage.persons.apply_assignment), so the id an account
    # names or the one it was merged into is the id a split's first entry names.
    resolved = func.coalesce(_PERSONS.c.redirect_to, _USERS.c.person_id)
    confirmed = func.coalesce(_USERS.c.person_confirmed_at, _USERS.c.created_at)
    query = (
        select(
            _USERS.c.id,
            _USERS.c.username,
            _USERS.c.person_id,
            _EVENTS.c.run_id,
            _RUNS.c.finished_at,
            _EVENTS.c.person_ids,
            _EVENTS.c.record_counts,
        )
        .select_from(
            _USERS.outerjoin(_PERSONS, _PERSONS.c.person_id == _USERS.c.person_id)
            .join(
                _EVENTS,
                and_(
                    _EVENTS.c.kind == "split",
                    or_(_EVENTS.c.person_id == _USERS.c.person_id, _EVENTS.c.person_id == resolved),
                ),
            )
            .join(_RUNS, _RUNS.c.id == _EVENTS.c.run_id)
        )
        .where(
            _USERS.c.role == "resident",
            _USERS.c.person_id.is_not(None),
            or_(_RUNS.c.finished_at.is_(None), _RUNS.c.finished_at > confirmed),
        )
        .order_by(_USERS.c.id, _EVENTS.c.id)
    )
    if user_ids is not None:
        query = query.where(_USERS.c.id.in_(list(user_ids)))
    if username is not None:
        query = query.where(_USERS.c.username == username)
    found: dict[int, Hold] = {}
    for row in session.execute(query):
        split = Split(row.run_id, row.finished_at, tuple(row.person_ids), tuple(row.record_counts))
        held = found.get(row.id)
        splits = (*held.splits, split) if held else (split,)
        found[row.id] = Hold(row.id, row.username, row.person_id, splits)
    return found


def held_by_run(session: Session, run_id: int) -> int:
    """How many resident accounts link run ``run_id`` put (or kept) on hold."""
    return sum(any(s.run_id == run_id for s in h.splits) for h in holds(session).values())


def hold_of(session: Session, username: str) -> Hold | None:
    """The hold on the resident account ``username``, if it is on hold (one query: every
    resident read asks)."""
    return next(iter(holds(session, username=username).values()), None)


def refuse_if_held(session: Session, username: str) -> None:
    """Raise :class:`AccountOnHold` when the resident's account waits for a check."""
    if hold_of(session, username) is not None:
        raise AccountOnHold()


def confirm_person(
    session: Session,
    user_id: int,
    person_id: str,
    *,
    by: Actor | None,
    now: datetime | None = None,
) -> User:
    """Name the person a resident account speaks for, as an administrator has checked it.

    Ends any hold: the account now names ``person_id`` (the id it had, or one of the split's
    parts), confirmed as of ``now``. On the audit trail under the person the account names from
    now on, so the resident's access log shows it. Raises :class:`Invalid` for a staff account,
    an id never issued or one with no records left.
    """
    from joinedup.linkage.persons import lookup_person

    require_administrator(by)
    user = get_user(session, user_id)
    if user.role != "resident":
        raise Invalid("person_id", "Only a resident's account names a person id.")
    typed = resident_person_id(person_id)
    check_person_exists(session, typed)
    # The active id, not a merged-away one, so that a split of it later is seen (holds()).
    active = lookup_person(session, typed).person_id or typed
    before = user.person_id
    user.person_id = active
    user.person_confirmed_at = now or utcnow()
    session.flush()
    change = f"from {before} to {active}" if before != active else f"as {active}"
    audit_account_change(
        session,
        by,
        "account.person_confirmed",
        f"account {user.username} confirmed {change}",
        account=user,
    )
    return user
