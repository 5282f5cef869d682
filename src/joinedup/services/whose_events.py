"""Which accesses on the audit trail are a resident's, and what of each is theirs to see.

An access is recorded against the person id the practitioner looked at, and it was about the
records that id held then. Linkage moves records between ids, so for a resident's access log
and subject access pack:

- an access recorded under their id, or an id merged into theirs, is theirs; and so is one
  recorded under an id that held some of their records before a split took those records to
  them — up to the split;
- of what was released, they are shown the services whose records of theirs that id held at
  the time: when linkage had joined two residents, each sees what was seen of their own records
  and nothing of the other's. An access that released only the other's records is not theirs;
  one that released nothing (refused, or not a read: a declared relationship, a break-glass
  opened) concerned them both and is shown to both;
- an access made across a split (recorded under the id their records came from) shows no
  break-glass reason: it was written about the joined record, so it may be about the other
  resident — they are told so (:data:`ACROSS_A_SPLIT`) and may ask the organisation.

Accesses recorded before any record was linked to the id (none, in a real hub) count for the
id's own resident as before. See :mod:`joinedup.linkage.lineage` for the history read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from joinedup.audit import queries
from joinedup.linkage.lineage import Lineage, lineage
from joinedup.store.governance_tables import AuditEvent
from joinedup.store.records import split_record_key

# What the resident's access log says of a break-glass reason written about a joined record.
ACROSS_A_SPLIT = "not_shown"


@dataclass(frozen=True)
class Seen:
    """What a resident sees of one access: the released items that were theirs, and whether it
    was recorded under the id their records came from before a split (``across_split``)."""

    categories: tuple[str, ...]
    across_split: bool


@dataclass(frozen=True)
class ResidentEvents:
    """A resident's lineage and the condition that finds the accesses that may be theirs."""

    lineage: Lineage

    @property
    def condition(self) -> ColumnElement[bool]:
        """The condition on ``audit_events`` (``queries.search(within=…)``)."""
        return queries.about(self.lineage.holders())

    def seen(self, event: AuditEvent) -> Seen | None:
        """What the resident sees of ``event``; ``None`` when it is not theirs."""
        holder = event.person_id or ""
        labels = tuple(event.categories or ())
        mine = self.lineage.records_at(holder, event.at)
        family = holder in self.lineage.family
        if not mine:
            if family and not self.lineage.held_others_at(holder, event.at):
                return Seen(labels, across_split=False)
            return None
        sources = {split_record_key(key)[0] for key in mine}
        # Released items are "source/category"; one without a source (a search's
        # "identity.search") names no service and is kept.
        kept = tuple(
            label for label in labels if "/" not in label or label.split("/", 1)[0] in sources
        )
        if any("/" in label for label in labels) and not any("/" in label for label in kept):
            return None  # it released only records that are someone else's now
        return Seen(kept, across_split=not family)


def events_of(session: Session, person_id: str) -> ResidentEvents:
    """The :class:`ResidentEvents` of ``person_id`` (reads its records' membership history)."""
    return ResidentEvents(lineage(session, person_id))
