"""The joined view of a person, as plain data: what every front end renders.

Built by :func:`joinedup.services.joined_view.joined_view`; nothing here is an ORM object, so a
view stays usable after its unit of work has ended and can be serialised as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WithheldItem:
    """A (source, category) held about the person that policy did not release, and why.

    A source whose very name says something sealed (adult social care, a GP register) is not
    listed when nothing of it is released: a withheld item — even an unnamed one — would
    itself disclose that the person is known to such a service. ``source`` and ``category``
    are therefore always set; they stay optional for clients of the earlier form.
    """

    source: str | None
    category: str | None
    sealed: bool
    reason_code: str
    reason: str


@dataclass(frozen=True)
class Service:
    """A service involved with the person: the source system, whose it is, since when.

    ``organisation`` is the organisation's id, ``organisation_name`` how it reads to people.
    ``since`` is when the hub first held a record of the person from this source (ISO date),
    not when the service first knew them.
    ``details`` are the source's own attributes, present only when its category is released.
    """

    source: str
    name: str
    organisation: str
    category: str | None
    since: str | None
    records: int
    details: tuple[dict[str, Any], ...] | None = None
    organisation_name: str | None = None


@dataclass(frozen=True)
class Identity:
    """How the released sources record the person: names, dates of birth, addresses, NHS no."""

    names: tuple[dict[str, Any], ...]
    dates_of_birth: tuple[str, ...]
    nhs_numbers: tuple[str, ...]
    addresses: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Contact:
    """A phone number (E.164) or email address, and the source that holds it."""

    kind: str
    value: str
    source: str


@dataclass(frozen=True)
class TimelineEntry:
    """A dated event from a released source: a record version, or a dated attribute."""

    at: str
    source: str
    kind: str
    description: str


@dataclass(frozen=True)
class HouseholdMember:
    """Another person at one of the person's addresses (same UPRN).

    ``given_name`` and ``family_name`` are set only when policy releases that person's identity
    to this requester for this purpose; otherwise ``withheld_reason`` says why not, in words
    about the requester — never the member's own consent or objection.
    """

    person_id: str
    given_name: str | None
    family_name: str | None
    withheld_reason: str | None = None


@dataclass(frozen=True)
class JoinedView:
    """Everything the requester may see about one person for the stated purpose.

    ``outcome`` is ``permit`` (all held is released), ``partial`` or ``deny``, leaving out the
    sealed sources of which nothing is released, which ``withheld`` does not list either (the
    audit trail keeps policy's own outcome). ``reasons`` are request-level reasons (no
    legitimate relationship, break-glass in use). ``agreements`` are the versions the release
    relied on.
    """

    person_id: str
    purpose: str
    case_reference: str | None
    outcome: str
    break_glass_used: bool
    released: tuple[str, ...]
    identity: Identity | None
    services: tuple[Service, ...]
    contacts: tuple[Contact, ...]
    timeline: tuple[TimelineEntry, ...]
    household: tuple[HouseholdMember, ...] | None
    withheld: tuple[WithheldItem, ...]
    reasons: tuple[dict[str, Any], ...] = ()
    agreements: tuple[dict[str, Any], ...] = field(default=())
