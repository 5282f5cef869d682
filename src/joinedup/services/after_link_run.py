"""What a finished link run's splits mean for governance, after the run.

A split means linkage had put two residents together. The IG officers are asked to check the
choices the split carried (:func:`joinedup.audit.governance.flag_split_choices`), and the
resident accounts naming a split person are held until an administrator confirms them
(:mod:`joinedup.services.resident_holds`). Each step is a unit of work of its own, after the
run: policy reads an inherited objection from the index whether or not the alert is raised,
and a hold is read from the run's splits, so a failure here loses a reminder, never the
objection or the hold. Linkage itself knows nothing of residents' choices or accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from joinedup.audit.governance import flag_split_choices
from joinedup.services.resident_holds import held_by_run
from joinedup.store.db import session_scope


@dataclass(frozen=True)
class AfterLinkRun:
    """``alerts_failed``: the class of the database error that kept the run's splits off the
    IG officers' queue (``None`` when they are on it); ``held_accounts``: how many resident
    accounts the run's splits hold (0 when that could not be read)."""

    alerts_failed: str | None
    held_accounts: int


def after_link_run(engine: Engine, run_id: int) -> AfterLinkRun:
    """Raise the IG officers' alerts for link run ``run_id``'s splits and count the resident
    accounts they hold, each in a unit of work of its own; a database error is reported in the
    result, not raised (the run itself is done)."""
    failed = None
    try:
        with session_scope(engine) as session:
            flag_split_choices(session, run_id)
    except SQLAlchemyError as exc:
        failed = type(exc).__name__
    try:
        with session_scope(engine) as session:
            held = held_by_run(session, run_id)
    except SQLAlchemyError:
        held = 0
    return AfterLinkRun(alerts_failed=failed, held_accounts=held)
