"""The resident's access log says what each access did in words, never as an action id."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from joinedup.web.resident_pages import what_was_done


@pytest.mark.parametrize(
    ("action", "service_words", "expected"),
    [
        # The service's own words are kept.
        ("person.view", "looked at your joined-up record", "looked at your joined-up record"),
        # An action the service has no words for yet gets the page's.
        (
            "person.explain",
            "person explain",
            "looked at why records from different services were matched as yours",
        ),
    ],
)
def test_what_was_done(action: str, service_words: str, expected: str) -> None:
    assert what_was_done(SimpleNamespace(action=action, what=service_words)) == expected
