"""An audit search as a file for a regulator: every matching event, as CSV or JSON, audited.

The IG officer answering the ICO about one resident sends what the search found — every event
in the range, not a page — in a form the regulator can open: CSV for a spreadsheet (each cell
safe from being run as a formula), or one JSON document saying who exported it, when, with
which filters, and how many events. Each row carries the event's chain hash, so it can be
matched with what ``joinedup audit verify`` checked. Exporting reads personal data (who looked
at whom), so it is on the trail too (``audit.export``: the filters used, not their values, and
how many events went out).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from joinedup.audit import queries
from joinedup.audit.log import NewEvent
from joinedup.linkage.export import spreadsheet_safe
from joinedup.policy.engine import AGREEMENT_TIMEZONE as UK
from joinedup.services.access import audit
from joinedup.services.actor import Actor, ServiceError
from joinedup.services.audit_context import ChoiceThen
from joinedup.services.governance import (
    AuditEntry,
    AuditFilters,
    audit_entries,
    prepare_search,
    require_person,
)
from joinedup.store.base import utcnow

# Enough for every access to one resident over years; a search matching more is refused with
# a message to narrow it rather than cut short without a word.
EXPORT_MAX = 10_000
_BATCH = 1000
FORMATS = ("csv", "json")
COLUMNS = (
    "seq",
    "at_utc",
    "at_uk",
    "actor",
    "organisation",
    "role",
    "action",
    "decision",
    "purpose",
    "case_reference",
    "person_id",
    "categories",
    "withheld",
    "agreements",
    "break_glass",
    "break_glass_review",
    "choices_then",
    "reason",
    "credential",
    "request_id",
    "event_id",
    "hash",
)


@dataclass(frozen=True)
class AuditExport:
    """Every event an audit search matches, oldest first, and how it was asked for."""

    events: tuple[AuditEntry, ...]
    filters: dict[str, str]
    exported_at: datetime
    exported_by: dict[str, str | None]


def export_audit(session: Session, actor: Actor, filters: AuditFilters) -> AuditExport:
    """Every event matching ``filters`` in the officer's remit (at most :data:`EXPORT_MAX`)."""
    search = prepare_search(session, actor, filters)
    total = queries.count(session, **search.values, within=search.within, at_most=EXPORT_MAX + 1)
    if total > EXPORT_MAX:
        raise ServiceError(
            f"More than {EXPORT_MAX:,} events match: narrow the search (a person, or dates) "
            "and export each part."
        )
    if total == 0 and search.filters.person_id:
        require_person(session, search.filters.person_id)
    rows: list[Any] = []
    before: int | None = None
    while True:
        batch = queries.search(
            session, **search.values, within=search.within, before_seq=before, limit=_BATCH
        )
        rows += batch
        if len(batch) < _BATCH:
            break
        before = batch[-1].seq
    rows.reverse()
    organisation = actor.organisation or "hub"
    used = {k: _text(v) for k, v in vars(search.filters).items() if v is not None}
    audit(
        session,
        NewEvent(
            actor=actor.user,
            organisation=organisation,
            role=actor.role,
            action="audit.export",
            person_id=search.filters.person_id,
            request_id=actor.request_id,
            credential=actor.credential,
            reason=(
                search.filters.described().replace("audit search", "audit export", 1)
                + f": {len(rows)} {'event' if len(rows) == 1 else 'events'}"
            ),
        ),
    )
    return AuditExport(
        events=audit_entries(session, rows, organisation),
        filters=used,
        exported_at=utcnow(),
        exported_by={"user": actor.user, "organisation": organisation, "role": actor.role},
    )


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _choice(choice: ChoiceThen) -> str:
    where = f" from {choice.source}" if choice.source else " (all sources)"
    state = "" if choice.given else ", withdrawn"
    inherited = ", kept from before a split" if choice.inherited else ""
    return f"{choice.kind} to {choice.purpose}{where}{state} at {_utc(choice.at)}{inherited}"


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _clauses(clauses: object) -> str:
    if not isinstance(clauses, list | tuple) or not clauses:
        return ""
    return " clause " + ", ".join(str(c) for c in clauses)


def _cells(entry: AuditEntry) -> list[str]:
    review = entry.break_glass_review
    return [
        str(entry.seq),
        _utc(entry.at),
        entry.at.astimezone(UK).strftime("%Y-%m-%d %H:%M:%S %Z"),
        entry.actor,
        entry.organisation,
        entry.role,
        entry.action,
        entry.decision,
        entry.purpose or "",
        entry.case_reference or "",
        entry.person_id or "",
        "; ".join(entry.categories),
        "; ".join(
            f"{w.get('source')}/{w.get('category')}: {w.get('reason_code')}"
            for w in entry.withheld or ()
        ),
        "; ".join(
            f"{a.get('id')} v{a.get('version')} sha256:{a.get('sha256')}"
            + _clauses(a.get("clauses"))
            + (" (derived)" if a.get("clauses") and a.get("clauses_derived") else "")
            for a in entry.agreements
        ),
        "yes" if entry.break_glass else "no",
        (
            f"alert {review.alert_id}: {review.status}"
            + (f" by {review.handled_by} at {_utc(review.handled_at)}" if review.handled_at else "")
            + (f" ({review.outcome})" if review.outcome else "")
            + f"; reason shown to the resident: {review.reason_shown_to_resident}"
            if review
            else ""
        ),
        "; ".join(_choice(c) for c in entry.choices_then),
        entry.reason or "",
        entry.credential or "",
        entry.request_id or "",
        entry.event_id,
        entry.hash or "",
    ]


def as_csv(export: AuditExport) -> str:
    """The export as CSV: a header of :data:`COLUMNS`, one row per event, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in export.events:
        writer.writerow([spreadsheet_safe(cell) for cell in _cells(entry)])
    return out.getvalue()


def as_json(export: AuditExport) -> dict[str, Any]:
    """The export as one JSON document: who made it, when, the filters, and every event."""
    return {
        "exported_at": export.exported_at.isoformat(),
        "exported_by": export.exported_by,
        "filters": export.filters,
        "total": len(export.events),
        "events": [jsonable_entry(e) for e in export.events],
    }


def jsonable_entry(entry: AuditEntry) -> dict[str, Any]:
    """One event as JSON: every field, times in ISO 8601 with their zone."""
    return _plain(asdict(entry))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def filename(export: AuditExport, extension: str) -> str:
    """``audit-export-P7K2M9QX4TB1A-20260402T101500Z.csv``: whose, and when it was made."""
    whose = export.filters.get("person_id", "search")
    return f"audit-export-{whose}-{export.exported_at:%Y%m%dT%H%M%SZ}.{extension}"
