"""Stable id assignment as first written, every cluster walked through the rules, kept as the
reference that `joinedup.linkage.ids.assign_ids` (which skips clusters that are one previous
person exactly) must agree with."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping

from joinedup.linkage.ids import Assignment, PersonEvent, new_person_id


def reference_assign_ids(
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

    members: dict[str, list[str]] = defaultdict(list)
    for key, label in clusters.items():
        members[label].append(key)
    # A cluster's identity for tie-breaking is its smallest record key: labels are arbitrary.
    first_key = {label: min(keys) for label, keys in members.items()}

    spread: dict[str, Counter[str]] = defaultdict(Counter)
    for key, person_id in previous.items():
        if key in clusters:
            spread[person_id][clusters[key]] += 1
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
    for label in sorted(members, key=lambda lb: first_key[lb]):
        # Oldest first; of persons as old, the one bringing most records; then by id.
        candidates = sorted(
            heirs.get(label, ()), key=lambda p: (age(p)[0], age(p)[1], -spread[p][label], p)
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
            if not any(key in previous for key in members[label]):
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
    for person_id in sorted(set(previous.values()) - set(spread), key=age):
        retired[person_id] = None
        events.append(PersonEvent("retire", (person_id,), (0,)))

    membership = {key: label_id[label] for key, label in clusters.items()}
    return Assignment(membership, tuple(created), retired, tuple(events))
