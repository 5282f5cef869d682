"""Generate the Northbridge borough: six source extracts, their mappings and the ground truth.

``generate_borough(out_dir, people=20_000, seed=1)`` writes, into ``out_dir``:

- one extract per source system, in that system's own format (see ``SOURCES``);
- ``<source>.mapping.yaml`` beside each, in the hub's mapping schema;
- ``ground_truth.csv``: ``source,source_record_id,person_id,hard_case`` for every record that
  should be stored (junk rows are not in it), ``hard_case`` being the most dangerous trap the
  record's person falls into (``twin``, ``father_son``, ``sibling``, ``married_name``,
  ``moved``, ``common_name``) or empty;
- ``people.csv``: ``person_id,household_id,hard_cases`` with every label a person has;
- ``manifest.json``: the seed, the counts per source, and the junk rows each holds.

The same seed and size give the same bytes (for one ``BOROUGH_VERSION``). Each source draws
from its own random stream, so changing one source's errors leaves the others untouched.
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO

from joinedup.demo.people import REFERENCE_DATE, Population
from joinedup.demo.population import build_population
from joinedup.demo.rng import Rng
from joinedup.demo.sources import (
    befriending,
    council_tax,
    gp,
    housing_benefit,
    school_census,
    social_care,
)
from joinedup.demo.sources.common import SourceSpec, Truth
from joinedup.errors import JoinedupError

SOURCES: tuple[ModuleType, ...] = (
    gp,
    council_tax,
    social_care,
    housing_benefit,
    befriending,
    school_census,
)
HARD_CASES = ("twin", "father_son", "sibling", "married_name", "moved", "common_name")
# 999-range NHS numbers are the binding limit (about 900,000 valid ones).
MAX_PEOPLE = 800_000

#: Bumped whenever a seed's borough changes (who lives where, what each extract holds), so
#: anything cached from an older borough is not mistaken for this one.
#: 2: a household that moved lived across town before, not in the house next door.
BOROUGH_VERSION = 2


@dataclass
class SourceManifest:
    """One source as generated: where its files are and what they hold."""

    source: str
    organisation: str
    name: str
    format: str
    category: str
    file: str
    mapping: str
    records: int
    rows: int
    junk: dict[str, int]


@dataclass
class Manifest:
    """What ``generate_borough`` wrote; saved as ``manifest.json`` (paths relative to it)."""

    borough: str
    seed: int
    people: int
    households: int
    reference_date: str
    sources: dict[str, SourceManifest]
    hard_cases: dict[str, int] = field(default_factory=dict)
    ground_truth: str = "ground_truth.csv"
    directory: Path | None = None

    @property
    def records(self) -> int:
        return sum(s.records for s in self.sources.values())

    def path(self, name: str) -> Path:
        """A file of the borough, resolved against the directory it was written to."""
        return (self.directory or Path(".")) / name

    def to_json(self) -> str:
        data = asdict(self)
        del data["directory"]
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a ``manifest.json`` written by ``generate_borough``."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            sources = {k: SourceManifest(**v) for k, v in data.pop("sources").items()}
            return cls(sources=sources, directory=path.parent, **data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise JoinedupError(f"{path} is not a demo borough manifest: {exc}") from exc


def generate_borough(out_dir: Path, *, people: int, seed: int) -> Manifest:
    """Write the Northbridge borough for ``seed`` with ``people`` residents into ``out_dir``.

    Returns the manifest, also saved as ``out_dir/manifest.json``. Deterministic: the same
    arguments give byte-identical files. Memory grows with ``people`` (the residents are held)
    but not with the extracts, which are streamed.

    >>> manifest = generate_borough(Path("/tmp/nb"), people=300, seed=7)  # doctest: +SKIP
    >>> manifest.sources["gp_registrations"].records  # doctest: +SKIP
    """
    if people < 1 or people > MAX_PEOPLE:
        raise JoinedupError(f"--people must be between 1 and {MAX_PEOPLE:,}, not {people:,}")
    out_dir.mkdir(parents=True, exist_ok=True)
    pop = build_population(people, seed)
    sources: dict[str, SourceManifest] = {}
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as scratch:
        truth = Truth(scratch)
        for module in SOURCES:
            spec: SourceSpec = module.SPEC
            rng = Rng(f"northbridge:{seed}:{spec.source}")
            result = module.write(out_dir, pop, rng, truth)
            (out_dir / spec.mapping_name).write_text(spec.mapping, encoding="utf-8")
            sources[spec.source] = SourceManifest(
                source=spec.source,
                organisation=spec.organisation,
                name=spec.name,
                format=spec.format,
                category=spec.category,
                file=spec.file_name,
                mapping=spec.mapping_name,
                records=result.records,
                rows=result.rows,
                junk=dict(sorted(result.junk.items())),
            )
        scratch.seek(0)
        hard_cases = _write_truth(out_dir, pop, scratch)
    manifest = Manifest(
        borough="Northbridge",
        seed=seed,
        people=people,
        households=sum(1 for h in pop.households if h.members),
        reference_date=REFERENCE_DATE.isoformat(),
        sources=sources,
        hard_cases=hard_cases,
        directory=out_dir,
    )
    (out_dir / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _write_truth(out_dir: Path, pop: Population, scratch: IO[str]) -> dict[str, int]:
    labels = [pop.labels(p) for p in pop.people]
    counts = dict.fromkeys(HARD_CASES, 0)
    with (out_dir / "ground_truth.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(("source", "source_record_id", "person_id", "hard_case"))
        for source, record_id, index in csv.reader(scratch):
            person = pop.people[int(index)]
            first = labels[person.index][0] if labels[person.index] else ""
            if first:
                counts[first] += 1
            out.writerow((source, record_id, person.person_id, first))
    with (out_dir / "people.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(("person_id", "household_id", "hard_cases"))
        for p in pop.people:
            out.writerow((p.person_id, f"H{p.household:07d}", ";".join(labels[p.index])))
    return counts
