"""Stable person ids: carry ids from one clustering to the next.

Splink numbers clusters afresh on every run; a master person index cannot, because other systems
hold its ids. This module decides, from the previous assignment (record → person) and the new
clusters (record → cluster label), which id each new cluster carries. It is pure: no database,
no clock, no randomness except through the ``new_id`` factory it is given.

The rules, in the order they apply:

1. Every previous person has one *main destination*: the new cluster that received most of its
   records (ties: the cluster whose smallest record key sorts first, so the choice is repeatable).
2. A cluster that is the main destination of one or more previous persons keeps the id of the
   oldest of them (of persons as old, the one bringing most records; then the smallest id). When
   there are several, the persons have *merged*: the older id survives and the others are
   retired with a redirect to it.
3. A previous person whose records went to several clusters has *split*: its main destination is
   the larger part and keeps (or merges into) its id; the other parts get new ids unless they are
   themselves the main destination of another person.
4. A cluster that is no previous person's main destination gets a new id (``create`` when all its
   records are new, part of a ``split`` event otherwise).
5. A previous person none of whose records remain is retired without a redirect.

Re-running on the same clusters changes nothing, and every previous id whose records remain is
either active or redirects to an active id (both properties are tested with Hypothesis).
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

EventKind = Literal["create", "merge", "split", "retire"]

# Crockford's base32 alphabet: no I, L, O or U, so an id read aloud or retyped is not mistaken.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID_LENGTH = 12
# Two characters per 10 bits: a table of all 1,024 pairs makes an id in six look-ups, not twelve.
_PAIRS = [_ALPHABET[n & 31] + _ALPHABET[n >> 5] for n in range(1024)]


def new_person_id() -> str:
    """A fresh opaque person id: ``P`` and 12 Crockford base32 characters (60 random bits).

    Ids carry no information about the person or the order they were made in, so holding one
    tells nothing and guessing one is impractical, e.g. ``PX3K9D2M7QA4B``.
    """
    # One draw of 60 bits, five per character: a draw per character was a system call each,
    # twelve per id, and a first full run over a million records makes most of a million ids.
    return _spell(secrets.randbits(5 * _ID_LENGTH))


def _spell(bits: int) -> str:
    """``P`` and the 60 bits as 12 characters, five bits each, lowest first: character ``i``
    is bits 5i..5i+4, so the table's pair ``k`` (characters 2k and 2k+1) is bits 10k..10k+9."""
    pairs = _PAIRS
    return (
        "P"
        + pairs[bits & 1023]
        + pairs[(bits >> 10) & 1023]
        + pairs[(bits >> 20) & 1023]
        + pairs[(bits >> 30) & 1023]
        + pairs[(bits >> 40) & 1023]
        + pairs[(bits >> 50) & 1023]
    )


def is_person_id(text: str) -> bool:
    """Whether ``text`` has the form of a person id (not whether such a person exists)."""
    return len(text) == _ID_LENGTH + 1 and text[0] == "P" and all(c in _ALPHABET for c in text[1:])


def normalise_person_id(text: str | None) -> str:
    """A person id as someone typed it, in the form ids are stored in: ``" p7k2 m9qx 4tb1a\n"``
    is ``"P7K2M9QX4TB1A"``.

    Ids are issued in upper case, and people copy them from a letter, a screen or a phone call
    into a terminal, a URL or a form, in whatever case and with whatever spaces. Spaces (around
    and inside) are dropped and letters upper-cased when what remains has the shape of an id —
    ``P`` and twelve letters or digits; anything else comes back only stripped, as it was typed,
    so that a look-up of it fails naming what was asked for. Stored ids are never changed: this
    is for what comes in. (Crockford's ``O``→``0`` and ``I``/``L``→``1`` are not applied:
    ids are never issued with those letters, but fixtures and older data may hold them.)
    """
    stripped = (text or "").strip()
    compact = "".join(stripped.split()).upper()
    if (
        len(compact) == _ID_LENGTH + 1
        and compact[0] == "P"
        and compact.isascii()
        and compact[1:].isalnum()
    ):
        return compact
    return stripped


@dataclass(frozen=True)
class PersonEvent:
    """One thing that happened to persons in a run.

    ``person_ids`` starts with the person the event is about: for a merge the survivor then the
    retired ids; for a split the id that kept the larger part then the ids of the other parts;
    for create and retire just the one id. ``record_counts`` lines up with ``person_ids``: for a
    merge the records each person brought, for a split the records in each part.
    """

    kind: EventKind
    person_ids: tuple[str, ...]
    record_counts: tuple[int, ...]


@dataclass(frozen=True)
class Assignment:
    """The outcome of :func:`assign_ids`.

    ``membership`` maps every clustered record to its person; ``created`` lists the new ids;
    ``retired`` maps each id retired in this step to the id it now redirects to (``None`` when
    none of its records remain); ``events`` says what happened, in a repeatable order.
    """

    membership: dict[str, str]
    created: tuple[str, ...] = ()
    retired: dict[str, str | None] = field(default_factory=dict)
    events: tuple[PersonEvent, ...] = ()

    def count(self, kind: EventKind) -> int:
        """How many events of ``kind`` this assignment holds."""
        return sum(1 for event in self.events if event.kind == kind)


def assign_ids(
    previous: Mapping[str, str],
    clusters: Mapping[str, str],
    *,
    created_order: Mapping[str, object] | None = None,
    new_id: Callable[[], str] = new_person_id,
    taken: Iterable[str] = (),
) -> Assignment:
    """Give each new cluster a stable person id, following the module's rules.

    ``previous`` maps record keys to the person each was in (current members only);
    ``clusters`` maps record keys to any cluster label. ``created_order`` gives, per previous
    person id, something that sorts older first (e.g. the run that created it); ids it does not
    know sort after those it does, then by id, so ties resolve the same way every time.
    ``new_id`` makes fresh ids; ``taken`` lists ids that must never be issued again (retired
    ones), in addition to the previous ones.

    >>> a = assign_ids({"s|1": "PA", "s|2": "PB"}, {"s|1": "c", "s|2": "c"},
    ...                created_order={"PA": 1, "PB": 2})
    >>> a.membership, a.retired
    ({'s|1': 'PA', 's|2': 'PA'}, {'PB': 'PA'})
    """
    order = created_order or {}

    def age(person_id: str) -> tuple[int, object, str]:
        known = person_id in order
        return (0 if known else 1, order.get(person_id, 0) if known else 0, person_id)

    kept = _kept_whole(previous, clusters)
    members: dict[str, list[str]] = defaultdict(list)
    for key, label in clusters.items():
        if label not in kept:
            members[label].append(key)
    # A cluster's identity for tie-breaking is its smallest record key: labels are arbitrary.
    first_key = {label: min(keys) for label, keys in members.items()}

    spread: dict[str, Counter[str]] = defaultdict(Counter)
    for key, person_id in previous.items():
        went_to = clusters.get(key)
        if went_to is not None and went_to not in kept:
            spread[person_id][went_to] += 1
    main = {
        person_id: min(counts, key=lambda lb: (-counts[lb], first_key[lb]))
        for person_id, counts in spread.items()
    }

    heirs: dict[str, list[str]] = defaultdict(list)
    for person_id, label in main.items():
        heirs[label].append(person_id)

    used = set(previous.values()) | set(taken)

    def fresh() -> str:
        for _ in range(1000):
            candidate = new_id()
            if candidate not in used:
                used.add(candidate)
                return candidate
        raise RuntimeError("the person id factory keeps returning ids already in use")

    label_id: dict[str, str] = {}
    created: list[str] = []
    retired: dict[str, str | None] = {}
    events: list[PersonEvent] = []
    for label in sorted(members, key=first_key.__getitem__):
        # Most labels are no previous person's destination (all of them on a first run).
        heir = heirs.get(label)
        # Of persons made in one run (a first run makes them all), the one that brings more
        # records keeps its id: more of what holds the id stays where it was.
        candidates = (
            sorted(heir, key=lambda p: (*age(p)[:2], -spread[p][label], p)) if heir else None
        )
        if candidates:
            survivor = candidates[0]
            label_id[label] = survivor
            if len(candidates) > 1:
                for loser in candidates[1:]:
                    retired[loser] = survivor
                events.append(
                    PersonEvent(
                        "merge",
                        tuple(candidates),
                        tuple(spread[p][label] for p in candidates),
                    )
                )
        else:
            label_id[label] = fresh()
            created.append(label_id[label])
            if not previous or not any(key in previous for key in members[label]):
                events.append(PersonEvent("create", (label_id[label],), (len(members[label]),)))

    for person_id in sorted(spread, key=age):
        counts = spread[person_id]
        if len(counts) > 1:
            parts = sorted(counts, key=lambda lb: (lb != main[person_id], first_key[lb]))
            events.append(
                PersonEvent(
                    "split",
                    (person_id, *(label_id[lb] for lb in parts[1:])),
                    tuple(counts[lb] for lb in parts),
                )
            )
    for person_id in sorted(set(previous.values()) - set(spread) - set(kept.values()), key=age):
        retired[person_id] = None
        events.append(PersonEvent("retire", (person_id,), (0,)))

    label_id.update(kept)
    membership = {key: label_id[label] for key, label in clusters.items()}
    return Assignment(membership, tuple(created), retired, tuple(events))


def _kept_whole(previous: Mapping[str, str], clusters: Mapping[str, str]) -> dict[str, str]:
    """Clusters that are exactly one previous person's records, all of them: label → that
    person. Such a cluster keeps the id and takes part in no event, so the rules need not be
    walked for it — on a re-run of a large index that is nearly every person."""
    if not previous or not clusters:
        return {}
    import pandas as pd

    labels = pd.Series(clusters, dtype=object)
    persons = pd.Series(previous, dtype=object)
    # Each label with the person of each of its records (none for a new record): a label all
    # of whose records one person held. And each previous person with the labels its records
    # went to (none for a record not clustered, which the rules ignore): a person all of
    # whose clustered records went to one label.
    by_label = pd.DataFrame({"label": labels, "person": persons.reindex(labels.index)})
    one = by_label.groupby("label", sort=False)["person"].agg(["nunique", "count", "size", "first"])
    one = one[(one["nunique"] == 1) & (one["count"] == one["size"])]
    by_person = pd.DataFrame({"person": persons, "label": labels.reindex(persons.index)})
    spread = by_person.groupby("person", sort=False)["label"].nunique()
    single = set(spread.index[spread.to_numpy() == 1])
    return {
        str(label): str(person)
        for label, person in zip(one.index, one["first"], strict=True)
        if person in single
    }
