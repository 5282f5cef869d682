"""What an IG officer is shown of what an access decision withheld (``audit_events.withheld``).

The row keeps every item policy did not release, sealed sources included: the audit trail is the
IG officers' record of the whole decision, where the practitioner's view hides a sealed source
(adult social care, a GP register) of which nothing was released, since that a person is known
to one is itself special category data (:func:`joinedup.services.joined_view.masked_sources`).

Each IG officer sees their own organisation's part of the hub (:mod:`joinedup.services.ig_remit`),
and the same fact is no more theirs than the practitioner's: of such a masked source — one whose
items are all withheld by the event (none of its labels released) and of which one is sealed —
only the IG officer of the organisation holding the source sees the items; for anyone else they
are left out, as the view left them out. Everything else withheld is shown as recorded (the
practitioner was told of it too). Decided from the row alone, with one read of which sources the
officer's organisation holds, so a page of events costs no query per event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from joinedup.policy.vocabulary import is_sealed
from joinedup.store.tables import Source


def masked_in_row(
    withheld: Sequence[Mapping[str, Any]], categories: Iterable[str]
) -> frozenset[str]:
    """The sources of ``withheld`` that the practitioner's view masked: nothing of the source
    released (``categories`` holds ``source/category`` labels) and a sealed category among its
    withheld items."""
    released = {label.split("/", 1)[0] for label in categories if "/" in label}
    return frozenset(
        str(item.get("source"))
        for item in withheld
        if item.get("source") not in released and is_sealed(str(item.get("category", "")))
    )


def shown_withheld(
    withheld: Sequence[Mapping[str, Any]] | None,
    categories: Iterable[str],
    own_sources: frozenset[str],
) -> tuple[dict[str, str], ...] | None:
    """The items of ``withheld`` shown to the IG officer whose organisation holds
    ``own_sources``; ``None`` (the event recorded no decision's withholding) stays ``None``."""
    if withheld is None:
        return None
    hidden = masked_in_row(withheld, categories) - own_sources
    return tuple(
        {str(k): str(v) for k, v in item.items()}
        for item in withheld
        if item.get("source") not in hidden
    )


def sources_of(session: Session, organisation: str) -> frozenset[str]:
    """The source systems ``organisation`` holds (its IG officer's own)."""
    return frozenset(
        session.scalars(select(Source.id).where(Source.organisation_id == organisation))
    )
