"""Invisible and look-alike characters pasted into a value read as the plain ones."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards.characters import tidy_characters

CASES = [
    ("LS6\u200b2AB", "LS62AB", "a zero-width space is dropped"),
    ("\ufeffSmith", "Smith", "a byte-order mark mid-file, where files were joined"),
    ("Smi\u00adth", "Smith", "a soft hyphen"),
    ("Smith\u2060", "Smith", "a word joiner"),
    ("９４３４７６５９１９", "9434765919", "full-width digits"),
    ("ＬＳ６ ２ＡＢ", "LS6 2AB", "full-width letters and digits"),
    ("943\u00a0476", "943 476", "a non-breaking space is a space"),
    ("943–476—5919", "943-476-5919", "en and em dashes are hyphens"),
    ("O´Neill", "O'Neill", "an acute accent typed for an apostrophe: not a space and a mark"),
    ("Zoe\u0308", "Zoë", "a decomposed diaeresis is composed"),
    ("Zoë Łukasz", "Zoë Łukasz", "letters with diacritics are kept"),
    (
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        "the Persian zero-width non-joiner is kept",
    ),
    ("Smith", "Smith", "ASCII as it is"),
    ("12\ufe5814", "12-14", "a small em dash, made a dash by NFKC"),
]


@pytest.mark.parametrize(("text", "expected", "why"), CASES)
def test_tidy_characters(text: str, expected: str, why: str) -> None:
    assert tidy_characters(text) == expected, why


@given(st.text())
def test_tidy_characters_is_idempotent(text: str) -> None:
    once = tidy_characters(text)
    assert tidy_characters(once) == once
