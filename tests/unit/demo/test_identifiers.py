"""Synthetic identifiers: valid check digits, never a real resident's, each issued once."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.demo.identifiers import (
    Landlines,
    Mobiles,
    NhsNumbers,
    UniqueDraw,
    ascii_fold,
    email_for,
    nhs_check_digit,
    upn_check_letter,
)
from joinedup.demo.rng import Rng
from joinedup.standards.nhs_number import nhs_check_digit as standard_check_digit
from joinedup.standards.nhs_number import normalise_nhs_number
from joinedup.standards.phone import normalise_phone


@pytest.mark.parametrize(
    ("nine", "check", "why"),
    [
        ("943476591", 9, "the NHS Digital worked example 943 476 5919"),
        ("401023213", 7, "4010232137, the number most examples use"),
        ("000000000", 0, "remainder 0: 11 - 0 = 11 is written as 0"),
        ("999000000", None, "remainder 1: check 10, so no valid number has these nine digits"),
    ],
)
def test_nhs_check_digit(nine: str, check: int | None, why: str) -> None:
    assert nhs_check_digit(nine) == check, why


@given(st.from_regex(r"\A[0-9]{9}\Z"))
def test_nhs_check_digit_agrees_with_the_hubs_standard(nine: str) -> None:
    assert nhs_check_digit(nine) == standard_check_digit(nine)


def test_nhs_numbers_are_valid_unique_and_in_the_test_range() -> None:
    draw = NhsNumbers(Rng("t"))
    numbers = [draw() for _ in range(5000)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert number.startswith("999")
        assert standard_check_digit(number[:9]) == int(number[9])
    for number in numbers[:500]:
        assert normalise_nhs_number(number) == number


@pytest.mark.parametrize(
    ("twelve", "letter"),
    [
        # Check letter: sum of digit x weight (2..13) modulo 23, as a letter without I, O, S.
        ("000000000000", "A"),
        ("100000000000", "C"),
        ("000000000001", "P"),
    ],
)
def test_upn_check_letter(twelve: str, letter: str) -> None:
    assert upn_check_letter(twelve) == letter
    assert letter not in "IOS"


@given(size=st.integers(1, 5000), seed=st.integers(0, 10**6))
def test_unique_draw_visits_every_number_once(size: int, seed: int) -> None:
    draw = UniqueDraw(size, random.Random(seed))
    assert sorted(draw() for _ in range(size)) == list(range(size))


def test_mobiles_and_landlines_are_kept_by_the_hubs_phone_standard() -> None:
    mobiles, landlines = Mobiles(Rng("m")), Landlines(Rng("l"))
    numbers = [mobiles() for _ in range(2000)] + [landlines() or "" for _ in range(1000)]
    assert len(set(numbers)) == 3000
    for number in numbers[::7]:
        assert normalise_phone(number).startswith("+44")
    assert landlines() is None  # the drama range holds a thousand, and no more


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Łukasz Wiśniewski", "Lukasz Wisniewski"),
        ("Ştefan Bălan", "Stefan Balan"),
        ("Zoë", "Zoe"),
        ("Siobhán Ó Súilleabháin", "Siobhan O Suilleabhain"),
        ("Smith", "Smith"),
    ],
)
def test_ascii_fold(text: str, folded: str) -> None:
    assert ascii_fold(text) == folded


def test_emails_use_reserved_domains() -> None:
    rng = Rng("e")
    for _ in range(200):
        email = email_for(rng, "Łukasz", "O'Neill-Wójcik", 1980)
        assert email.isascii()
        assert email.split("@")[1] in {"example.com", "example.org", "example.net", "example.co.uk"}
