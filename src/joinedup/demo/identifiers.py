"""Identifiers for synthetic residents that can never belong to a real one.

NHS numbers come from the 999 range, which NHS England never issues to patients, and carry
valid Modulus 11 check digits. Landlines use Ofcom's drama range (0113 496 0000–0999); mobiles
are numbers in the 07700 block (Ofcom's drama range 07700 900xxx holds only a thousand, too few
for a city; the sub-blocks used are ones libphonenumber accepts, so the hub keeps them).
Email domains are the reserved ``example.*`` ones. UPNs follow the DfE format for a fictional
local authority (999).
"""

from __future__ import annotations

import math
import random
import unicodedata

from joinedup.errors import JoinedupError

_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "example.co.uk")


class UniqueDraw:
    """Distinct integers in ``range(size)`` in a scrambled order, without storing them.

    Stepping through the ring by a stride coprime with its size visits every number once,
    which is all we need: unique, deterministic, and O(1) memory however large the borough.
    """

    def __init__(self, size: int, rng: random.Random) -> None:
        self._size = size
        self._next = rng.randrange(size)
        low = max(1, size // 3)
        stride = rng.randrange(low, max(low + 1, size // 2)) | 1
        while math.gcd(stride, size) != 1:
            stride += 2
        self._stride = stride
        self._issued = 0

    def __call__(self) -> int:
        if self._issued >= self._size:
            raise JoinedupError("the demo borough ran out of synthetic identifiers")
        self._issued += 1
        value = self._next
        self._next = (self._next + self._stride) % self._size
        return value


def nhs_check_digit(nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or ``None`` where no valid number exists."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


class NhsNumbers:
    """Valid NHS numbers from the 999 test range, each issued once."""

    # The weighted sum splits into the fixed 999 prefix and two three-digit halves of the body,
    # so it can be looked up rather than recomputed digit by digit for every resident.
    _PREFIX = 9 * 10 + 9 * 9 + 9 * 8
    _HIGH = tuple(
        sum(int(d) * w for d, w in zip(f"{n:03d}", (7, 6, 5), strict=True)) for n in range(1000)
    )
    _LOW = tuple(
        sum(int(d) * w for d, w in zip(f"{n:03d}", (4, 3, 2), strict=True)) for n in range(1000)
    )

    def __init__(self, rng: random.Random) -> None:
        self._draw = UniqueDraw(1_000_000, rng)

    def __call__(self) -> str:
        while True:
            body = self._draw()
            high, low = divmod(body, 1000)
            check = 11 - (self._PREFIX + self._HIGH[high] + self._LOW[low]) % 11
            if check == 11:
                check = 0
            if check != 10:
                return f"999{body:06d}{check}"


def upn_check_letter(twelve: str) -> str:
    """The DfE check letter that leads a Unique Pupil Number (weights 2–13, modulo 23)."""
    total = sum(int(d) * w for d, w in zip(twelve, range(2, 14), strict=True))
    return _UPN_LETTERS[total % 23]


class Upns:
    """Unique Pupil Numbers for Northbridge's (fictional) local authority 999."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def __call__(self, school: int, year_allocated: int) -> str:
        # A school allocates at most a thousand a year; retry the rare collision.
        while True:
            serial = self._rng.randrange(1000)
            body = f"999{school:04d}{year_allocated % 100:02d}{serial:03d}"
            if body not in self._issued:
                self._issued.add(body)
                return upn_check_letter(body) + body


# The sub-blocks of 07700 that libphonenumber (and so the hub's phone standard) accepts.
_MOBILE_BLOCKS = "01378"


class Mobiles:
    """Distinct mobile numbers in national form, ``07700 123456``."""

    def __init__(self, rng: random.Random) -> None:
        self._left = len(_MOBILE_BLOCKS) * 100_000
        self._draw = UniqueDraw(self._left, rng)

    def __call__(self) -> str:
        """The next number, or an empty string once all half a million are issued."""
        if not self._left:
            return ""
        self._left -= 1
        block, rest = divmod(self._draw(), 100_000)
        return f"07700 {_MOBILE_BLOCKS[block]}{rest:05d}"


class Landlines:
    """Distinct drama-range landlines; ``None`` once the thousand are used up."""

    def __init__(self, rng: random.Random) -> None:
        self._draw = UniqueDraw(1000, rng)
        self._left = 1000

    def __call__(self) -> str | None:
        if not self._left:
            return None
        self._left -= 1
        return f"0113 496 {self._draw():04d}"


def ascii_fold(text: str) -> str:
    """``Łukasz Wiśniewski`` → ``Lukasz Wisniewski``: what systems without Unicode keep."""
    text = text.replace("Ł", "L").replace("ł", "l").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def email_for(rng: random.Random, given: str, family: str, year: int) -> str:
    """A plausible personal email address on a reserved domain."""
    g = ascii_fold(given).lower().replace(" ", "").replace("'", "").replace("-", "")
    f = ascii_fold(family).lower().replace(" ", "").replace("'", "").replace("-", "")
    pattern = rng.randrange(6)
    if pattern == 0:
        local = f"{g}.{f}"
    elif pattern == 1:
        local = f"{g}{f}{year % 100:02d}"
    elif pattern == 2:
        local = f"{g[:1]}{f}{rng.randrange(1, 999)}"
    elif pattern == 3:
        local = f"{g}_{f}{rng.randrange(10, 99)}"
    elif pattern == 4:
        local = f"{f}.{g}{year}"
    else:
        local = f"{g}{rng.randrange(100, 9999)}"
    return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"
