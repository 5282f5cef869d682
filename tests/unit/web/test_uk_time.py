"""Times on the resident's pages are UK times: a resident reads them against their own clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from joinedup.web.templating import uk_time

CASES = [
    # (stored, UTC), shown, why
    (datetime(2026, 12, 7, 11, 16, tzinfo=UTC), "7 December 2026, 11:16", "winter: GMT is UTC"),
    (datetime(2026, 6, 15, 9, 5, tzinfo=UTC), "15 June 2026, 10:05", "summer: BST is UTC+1"),
    (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026, 00:30", "already the next day"),
    (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026, 02:00", "the clocks go forward"),
]


@pytest.mark.parametrize(("stored", "shown", "why"), CASES)
def test_uk_time(stored: datetime, shown: str, why: str) -> None:
    assert uk_time(stored) == shown, why


def test_uk_time_takes_a_pattern() -> None:
    assert uk_time(datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "%-d %B %Y") == "1 July 2026"
