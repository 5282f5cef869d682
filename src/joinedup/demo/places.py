"""Northbridge's streets, postcodes and properties, made on demand as households need homes.

Postcodes use the fictional area ``NB`` in the official format: districts ``NB1``…``NB12``
(more are opened if the borough grows past them), each with sectors 1–9 and units whose
inward letters come from the set the Royal Mail uses (no C, I, K, M, O or V). A postcode unit
covers about fifteen properties, as in a real city. The same street name recurs in different
districts (every town has a Church Lane), which a matcher must not take as the same place.
UPRNs are unique, at most 12 digits and never start with zero.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TOWN = "Northbridge"

_LOCALITIES = (
    "City Centre",
    "Harewood Park",
    "Kirkgate",
    "Low Moor",
    "Stanningfield",
    "Wellbeck",
    "Oakbank",
    "Thornhill",
    "Eastfold",
    "Marsh End",
    "Burley Heath",
    "Greystones",
)
_STREET_STEMS = [
    "Victoria",
    "Church",
    "Station",
    "Park",
    "Mill",
    "Chapel",
    "Albert",
    "Queen's",
    "King",
    "Manor",
    "Oak",
    "Beech",
    "Elm",
    "Ash",
    "Willow",
    "Moor",
    "Vale",
    "Bank",
    "Springfield",
    "Woodhouse",
    "Bridge",
    "North",
    "Canal",
    "Granby",
    "Cardigan",
    "Brudenell",
    "Harehills",
    "Hawthorn",
    "Meadow",
    "Grange",
    "Highfield",
    "Low",
    "Cross",
    "Green",
    "School",
    "Field",
    "Orchard",
    "Windsor",
    "Hyde Park",
    "Regent",
    "Clarendon",
    "Ashgrove",
    "Belle Vue",
    "Cemetery",
    "Cliff",
    "Delph",
    "Ebor",
    "Fern",
    "Gledhow",
    "Hollin",
    "Ivy",
    "Kirkstall",
    "Lumb",
    "Marlborough",
    "Newton",
    "Otley",
    "Primrose",
    "Quarry",
    "Royal Park",
    "Sholebroke",
    "Tinshill",
    "Upper Mill",
    "Vesper",
    "Whitehall",
    "York",
    "Blenheim",
    "Chestnut",
    "Larch",
    "Rowan",
    "Sycamore",
    "Cedar",
]
_STREET_KINDS = [
    "Street",
    "Road",
    "Lane",
    "Avenue",
    "Terrace",
    "Grove",
    "Close",
    "Crescent",
    "Place",
    "Mount",
    "View",
    "Drive",
    "Walk",
    "Gardens",
    "Way",
    "Rise",
    "Court",
]
_BLOCK_NAMES = ["House", "Court", "Towers", "Heights", "Lodge", "Mews", "Point", "Mill", "Chambers"]
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_UNIT_SIZE = 15


@dataclass(frozen=True, slots=True)
class Address:
    """One property. ``flat`` and ``house_name`` are set for flats in a named block."""

    uprn: str
    flat: str
    house_name: str
    number: str
    street: str
    locality: str
    postcode: str

    def lines(self) -> list[str]:
        """Address lines as most systems print them, without town and postcode."""
        first = f"{self.number} {self.street}".strip()
        if self.flat:
            return [f"{self.flat} {self.house_name}".strip(), first, self.locality]
        return [first, self.locality]

    def one_line(self) -> str:
        return ", ".join([*self.lines(), TOWN])


class AddressBook:
    """Hands out new properties street by street; deterministic for the ``random.Random`` given."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._addresses: list[Address] = []
        self._pending: list[Address] = []
        self._elsewhere: list[Address] = []
        self._street_names: set[tuple[int, str]] = set()
        self._district_count = len(_LOCALITIES)
        self._units_used: dict[tuple[int, int], int] = {}
        self._unit_start: dict[tuple[int, int], int] = {}
        pairs = [a + b for a in _INWARD_LETTERS for b in _INWARD_LETTERS]
        rng.shuffle(pairs)
        self._unit_letters = pairs
        self._next_uprn = 100_023_000_000 + rng.randrange(0, 500_000)

    def __len__(self) -> int:
        return len(self._addresses)

    def __getitem__(self, index: int) -> Address:
        return self._addresses[index]

    def new(self) -> int:
        """A fresh property's index in this book: the next one along the street being filled."""
        if not self._pending:
            self._pending = self._new_street()
            self._pending.reverse()
        self._addresses.append(self._pending.pop())
        return len(self._addresses) - 1

    def elsewhere(self) -> int:
        """A property on a street kept apart from the homes `new` hands out.

        Where a household lived before it moved: across town, not next door. Taken from the
        street being filled, a previous home was the neighbouring house in the same postcode
        nine times in ten, which few real moves are, and it put the surname of every mover's
        old records at their new postcode.
        """
        if not self._elsewhere:
            self._elsewhere = self._new_street()
            self._elsewhere.reverse()
        self._addresses.append(self._elsewhere.pop())
        return len(self._addresses) - 1

    def _new_street(self) -> list[Address]:
        rng = self._rng
        district = rng.randrange(1, self._district_count + 1)
        for _ in range(20):
            name = f"{rng.choice(_STREET_STEMS)} {rng.choice(_STREET_KINDS)}"
            if (district, name) not in self._street_names:
                break
        self._street_names.add((district, name))
        locality = _LOCALITIES[(district - 1) % len(_LOCALITIES)]
        if rng.random() < 0.15:
            return self._block(district, name, locality)
        count = rng.randrange(12, 90)
        # Most terraced streets number odd on one side and even on the other.
        step = 2 if rng.random() < 0.7 else 1
        first = rng.choice((1, 2)) if step == 2 else 1
        numbers = [str(first + i * step) for i in range(count)]
        homes: list[Address] = []
        postcode = self._postcode(district)
        for i, number in enumerate(numbers):
            if i and i % _UNIT_SIZE == 0:
                postcode = self._postcode(district)
            if rng.random() < 0.03:
                number += rng.choice("AB")
            homes.append(Address(self._uprn(), "", "", number, name, locality, postcode))
        return homes

    def _block(self, district: int, street: str, locality: str) -> list[Address]:
        rng = self._rng
        stem = street.split(" ")[0]
        block = f"{stem} {rng.choice(_BLOCK_NAMES)}"
        number = str(rng.randrange(1, 200))
        postcode = self._postcode(district)
        return [
            Address(self._uprn(), f"Flat {flat}", block, number, street, locality, postcode)
            for flat in range(1, rng.randrange(6, 40) + 1)
        ]

    def _postcode(self, district: int) -> str:
        rng = self._rng
        for _ in range(50):
            sector = rng.randrange(1, 10)
            used = self._units_used.get((district, sector), 0)
            if used < len(self._unit_letters):
                if not used:
                    # Each sector starts its units somewhere different in the letter pairs.
                    self._unit_start[(district, sector)] = rng.randrange(len(self._unit_letters))
                self._units_used[(district, sector)] = used + 1
                at = (self._unit_start[(district, sector)] + used) % len(self._unit_letters)
                return f"NB{district} {sector}{self._unit_letters[at]}"
            district = rng.randrange(1, self._district_count + 1)
        # Every sector we tried is full: open a new district, as a growing city would.
        self._district_count += 1
        return self._postcode(self._district_count)

    def _uprn(self) -> str:
        self._next_uprn += self._rng.randrange(1, 40)
        return str(self._next_uprn)
