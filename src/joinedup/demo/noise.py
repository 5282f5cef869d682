"""The mistakes people and systems make when they write a resident down.

Each function takes the source's own ``random.Random`` so a source's errors depend only on the
seed and the source, never on the order sources are written in.
"""

from __future__ import annotations

import random
from datetime import date

from joinedup.demo.identifiers import ascii_fold
from joinedup.demo.names import NICKNAMES

# Neighbouring keys on a UK keyboard, for substitution typos.
_NEAR = {
    "a": "qsz",
    "b": "vn",
    "c": "xv",
    "d": "sf",
    "e": "wr",
    "f": "dg",
    "g": "fh",
    "h": "gj",
    "i": "uo",
    "j": "hk",
    "k": "jl",
    "l": "k",
    "m": "n",
    "n": "bm",
    "o": "ip",
    "p": "o",
    "q": "w",
    "r": "et",
    "s": "ad",
    "t": "ry",
    "u": "yi",
    "v": "cb",
    "w": "qe",
    "x": "zc",
    "y": "tu",
    "z": "x",
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def typo(rng: random.Random, text: str) -> str:
    """One slip of the keyboard: a neighbouring key, a dropped, doubled or swapped letter."""
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(4)
    ch = text[i]
    if kind == 0 and ch.lower() in _NEAR:
        sub = rng.choice(_NEAR[ch.lower()])
        return text[:i] + (sub.upper() if ch.isupper() else sub) + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + ch + text[i:]
    return text[:i] + text[i + 1] + ch + text[i + 2 :]


def variant(rng: random.Random, given: str) -> str:
    """A nickname or other spelling of a given name, or the name without its diacritics."""
    options = NICKNAMES.get(given)
    if options:
        return rng.choice(options)
    folded = ascii_fold(given)
    return folded


def case(rng: random.Random, text: str, upper: float = 0.1, lower: float = 0.05) -> str:
    """Upper or lower case as some systems and typists leave it."""
    r = rng.random()
    if r < upper:
        return text.upper()
    if r < upper + lower:
        return text.lower()
    return text


def spacing(rng: random.Random, text: str, rate: float = 0.02) -> str:
    """Stray spaces: doubled inside, or left at the ends."""
    if rng.random() >= rate or not text:
        return text
    if " " in text and rng.random() < 0.5:
        return text.replace(" ", "  ", 1)
    return f" {text} " if rng.random() < 0.5 else f"{text} "


def swap_day_month(d: date) -> date:
    """The same date read in the American order, where that is still a date."""
    if d.day <= 12 and d.day != d.month:
        return d.replace(month=d.day, day=d.month)
    return d


def date_typo(rng: random.Random, d: date) -> date:
    """One wrong digit in the day or the year, as keyed by a hurried hand."""
    for _ in range(5):
        try:
            if rng.random() < 0.5:
                return d.replace(day=(d.day + rng.choice((-10, -1, 1, 10))) % 28 + 1)
            return d.replace(year=d.year + rng.choice((-10, -1, 1, 10)))
        except ValueError:
            continue
    return d


def dmy(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def dd_mon_yyyy(d: date) -> str:
    return f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year:04d}"


def postcode_noise(rng: random.Random, postcode: str) -> str:
    """Postcodes as typed: lower case, no space, or an O for a 0."""
    r = rng.random()
    if r < 0.08:
        return postcode.replace(" ", "")
    if r < 0.12:
        return postcode.lower()
    if r < 0.13 and "0" in postcode:
        return postcode.replace("0", "O", 1)
    return postcode


def phone_form(rng: random.Random, national: str) -> str:
    """One of the many ways a UK phone number is written down (``07700 123456``)."""
    digits = national.replace(" ", "")
    rest = digits[1:]
    form = rng.randrange(8)
    if form == 0:
        return digits
    if form == 1:
        return f"+44 {rest[:4]} {rest[4:]}"
    if form == 2:
        return f"+44{rest}"
    if form == 3:
        return f"({digits[:5]}) {digits[5:8]} {digits[8:]}"
    if form == 4:
        return f"0044 {rest[:4]} {rest[4:]}"
    if form == 5:
        return f"{digits[:5]}-{digits[5:]}"
    if form == 6:
        return f"{digits[:5]} {digits[5:8]} {digits[8:]}"
    return national
