"""The demo's deliberate errors: each is the kind of slip it claims to be, and no worse."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.demo import noise
from joinedup.demo.rng import Rng
from joinedup.standards.phone import normalise_phone

names = st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=3, max_size=20)


def _edit_distance_one_or_transposition(a: str, b: str) -> bool:
    if a == b:
        return True
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = sorted((a, b), key=len)
    if len(long_) - len(short) != 1:
        return False
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@given(text=names, seed=st.integers(0, 10**6))
def test_a_typo_is_one_slip(text: str, seed: int) -> None:
    typed = noise.typo(Rng(seed), text)
    assert _edit_distance_one_or_transposition(text, typed)
    assert typed[0] == text[0]  # people rarely mistype the first letter


@pytest.mark.parametrize(
    ("born", "read", "why"),
    [
        (date(1961, 4, 3), date(1961, 3, 4), "3 April read month first is 4 March"),
        (date(1961, 4, 13), date(1961, 4, 13), "13 cannot be a month, so no swap happens"),
        (date(1961, 5, 5), date(1961, 5, 5), "the same day and month cannot be swapped"),
        (date(2000, 12, 1), date(2000, 1, 12), "1 December becomes 12 January"),
    ],
)
def test_swap_day_month(born: date, read: date, why: str) -> None:
    assert noise.swap_day_month(born) == read, why


@given(day=st.dates(date(1900, 1, 1), date(2026, 1, 1)), seed=st.integers(0, 10**6))
def test_a_date_typo_is_still_a_date_near_the_original(day: date, seed: int) -> None:
    typed = noise.date_typo(Rng(seed), day)
    assert abs(typed.year - day.year) <= 10
    assert (typed.month, typed.year) == (day.month, typed.year)


@pytest.mark.parametrize(
    ("day", "dmy", "mon"),
    [
        (date(1961, 4, 3), "03/04/1961", "03-APR-1961"),
        (date(1999, 12, 31), "31/12/1999", "31-DEC-1999"),
    ],
)
def test_date_forms(day: date, dmy: str, mon: str) -> None:
    assert noise.dmy(day) == dmy
    assert noise.dd_mon_yyyy(day) == mon


@given(seed=st.integers(0, 10**6))
def test_every_phone_form_means_the_same_number(seed: int) -> None:
    rng = Rng(seed)
    for national in ("07700 123456", "0113 496 0123"):
        written = noise.phone_form(rng, national)
        assert normalise_phone(written) == normalise_phone(national), written


@given(seed=st.integers(0, 10**6))
def test_postcode_noise_keeps_the_postcode(seed: int) -> None:
    typed = noise.postcode_noise(Rng(seed), "NB10 3XY")
    assert typed.upper().replace(" ", "") in ("NB103XY", "NB1O3XY")  # an O for a 0 at worst


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("William", {"Bill", "Will", "Billy"}),
        ("Łukasz", {"Lukasz", "Luke"}),
        ("Zoë", {"Zoe"}),
        ("Ştefănescu", {"Stefanescu"}),  # no nickname: the name without its diacritics
    ],
)
def test_variant(name: str, choices: set[str]) -> None:
    rng = Rng(name)
    assert {noise.variant(rng, name) for _ in range(50)} <= choices
