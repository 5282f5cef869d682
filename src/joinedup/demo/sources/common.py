"""What every source writer shares: its description, the ground-truth sink, and record helpers.

A writer chooses who its system knows, decides per record which of a person's names and
addresses the system holds (recording on the person what was shown, so ``married_name`` and
``moved`` are only labelled when a person's records really disagree), adds its errors, and
streams rows to its file. Junk rows are placed at positions drawn up front so a writer never
needs to hold its rows in memory.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from joinedup.demo.identifiers import ascii_fold
from joinedup.demo.people import (
    SHOWN_BIRTH_NAME,
    SHOWN_MARRIED_NAME,
    SHOWN_NEW_ADDRESS,
    SHOWN_OLD_ADDRESS,
    Person,
    Population,
)
from joinedup.demo.places import Address


@dataclass(frozen=True)
class SourceSpec:
    """A source system: its id and organisation as the hub knows them, and its files."""

    source: str
    organisation: str
    name: str
    format: str
    category: str
    file_name: str
    mapping: str  # the mapping YAML, written beside the extract

    @property
    def mapping_name(self) -> str:
        return f"{self.source}.mapping.yaml"


@dataclass
class SourceResult:
    """What a writer wrote: records in the ground truth and the junk rows beside them."""

    records: int = 0
    junk: dict[str, int] = field(default_factory=dict)

    def add_junk(self, kind: str) -> None:
        self.junk[kind] = self.junk.get(kind, 0) + 1

    @property
    def rows(self) -> int:
        return self.records + sum(self.junk.values())


class Truth:
    """Streams ``(source, source_record_id, person index)`` rows to a scratch CSV."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\n")

    def add(self, source: str, record_id: str, person: Person) -> None:
        self._writer.writerow((source, record_id, person.index))


class Junk:
    """Where a source's junk rows go: ``count`` of each kind at positions fixed up front."""

    def __init__(self, rng: random.Random, total: int, kinds: tuple[str, ...]) -> None:
        per_kind = max(1, total // 5000)
        slots = max(total, 1)
        self._at: dict[int, list[str]] = {}
        for kind in kinds:
            for _ in range(per_kind):
                self._at.setdefault(rng.randrange(slots), []).append(kind)

    def at(self, position: int) -> list[str]:
        return self._at.get(position, [])


def chosen(rng: random.Random, pop: Population, chance: Callable[[Person], float]) -> list[Person]:
    """The people a system knows, in a shuffled order (extracts are not sorted by household)."""
    picked = [p for p in pop.people if rng.random() < chance(p)]
    rng.shuffle(picked)
    return picked


def with_duplicates(rng: random.Random, people: list[Person], rate: float) -> Iterator[Person]:
    """Each person, and now and then the same person again: a duplicate registration."""
    for p in people:
        yield p
        if rng.random() < rate:
            yield p


def family_name(rng: random.Random, p: Person, birth_name_chance: float) -> str:
    """The family name this record holds: the birth name where the system was not updated."""
    if p.birth_family:
        if rng.random() < birth_name_chance:
            p.shown |= SHOWN_BIRTH_NAME
            return p.birth_family
        p.shown |= SHOWN_MARRIED_NAME
    return p.family


def address(rng: random.Random, pop: Population, p: Person, old_chance: float) -> Address:
    """The address this record holds: the previous one where the system was not told of a move."""
    if p.previous_address >= 0:
        if rng.random() < old_chance:
            p.shown |= SHOWN_OLD_ADDRESS
            return pop.addresses[p.previous_address]
        p.shown |= SHOWN_NEW_ADDRESS
    return pop.addresses[p.address]


def maybe(rng: random.Random, value: str, present: float) -> str:
    """``value`` with probability ``present``, else empty: a field left blank."""
    return value if value and rng.random() < present else ""


def open_text(path: Path, encoding: str) -> IO[str]:
    return path.open("w", encoding=encoding, newline="", errors="strict")


def junk_row(kind: str, row: list[str], id_column: int) -> list[str]:
    """A delimited row spoilt the way ``kind`` says: blank, short of columns, or without an id."""
    if kind == "blank":
        return []
    if kind == "bad_columns":
        return row[: max(2, len(row) - 3)]
    spoilt = list(row)
    spoilt[id_column] = ""
    return spoilt


def fits(text: str, encoding: str) -> str:
    """``text`` as a system in ``encoding`` would hold it: unencodable letters lose accents."""
    if text.isascii():
        return text
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return ascii_fold(text)
    return text
