"""What a resident is told about emergency access to their record: the IG officer's reviews.

A break-glass reason is free text a practitioner typed in an emergency, and it can name other
people (a neighbour, a partner, an address). The resident is entitled to know that emergency
access happened and why in substance, but third-party data may be withheld from them (DPA 2018
Sch. 2 Part 3 para 16). So the reason is shown to the resident only once an information
governance officer has reviewed it and either released it as written or replaced it with a
summary: each such decision is a row here.

``break_glass_reason_reviews`` is append-only, like the audit trail (migration 0008 installs the
same refusing triggers): the break-glass session and its audit events are never edited, and a
change of mind is a new row; the latest row per session is the one in force.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from joinedup.store.base import Base, BigIntegerPK, UTCDateTime
from joinedup.store.governance_tables import ACTOR, ORG, PERSON_ID

# The session and alert ids are 64-bit where the tables' keys are (PostgreSQL).
_REF = BigInteger().with_variant(Integer(), "sqlite")


class BreakGlassReasonReview(Base):
    """An IG officer's decision on what the resident sees of one break-glass reason.

    ``outcome`` is ``released`` (``shown_text`` is the reason as typed) or ``redacted``
    (``shown_text`` is the officer's summary). ``shown_text`` is exactly what the resident is
    shown, so what was disclosed, when and by whom can be answered from this row alone.
    """

    __tablename__ = "break_glass_reason_reviews"

    id: Mapped[int] = mapped_column(BigIntegerPK, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(
        _REF, ForeignKey("break_glass_sessions.id"), nullable=False, index=True
    )
    alert_id: Mapped[int] = mapped_column(_REF, ForeignKey("alerts.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(PERSON_ID, nullable=False, index=True)
    outcome: Mapped[str] = mapped_column(String(10), nullable=False)  # released | redacted
    shown_text: Mapped[str] = mapped_column(Text, nullable=False)
    reviewed_by: Mapped[str] = mapped_column(ACTOR, nullable=False)
    organisation: Mapped[str] = mapped_column(ORG, nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


__all__ = ["BreakGlassReasonReview"]
