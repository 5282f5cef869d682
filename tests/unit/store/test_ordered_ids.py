"""Time-ordered ids (UUID version 7) for the audit trail's event and request ids."""

from __future__ import annotations

import uuid

import pytest

from joinedup.audit.log import NewEvent
from joinedup.store.ordered_ids import uuid7

MS = 1_000_000  # nanoseconds


@pytest.mark.parametrize(
    ("now_ns", "millis"),
    [
        (0, 0),
        (1_765_000_000_123 * MS, 1_765_000_000_123),
        (1_765_000_000_123 * MS + MS - 1, 1_765_000_000_123),
    ],
)
def test_the_first_48_bits_are_the_time_in_milliseconds(now_ns: int, millis: int) -> None:
    made = uuid7(now_ns)
    assert made.int >> 80 == millis
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_ids_made_in_later_milliseconds_sort_later_as_text() -> None:
    start = 1_765_000_000_000 * MS
    made = [str(uuid7(start + step * MS)) for step in range(200)]
    assert made == sorted(made)
    assert len({len(m) for m in made}) == 1 and len(made[0]) == 36


def test_ids_of_one_millisecond_still_differ() -> None:
    made = {uuid7(1_765_000_000_000 * MS) for _ in range(10_000)}
    assert len(made) == 10_000


def test_audit_events_get_time_ordered_ids() -> None:
    event = NewEvent(actor="u1", organisation="nb", role="gp", action="person.view")
    assert uuid.UUID(event.event_id).version == 7
