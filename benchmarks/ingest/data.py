"""The benchmark's input: the demo's GP extract (FHIR R4 Patients, NDJSON) at a given row count.

The demo generates one borough per seed and caps it at 800,000 residents (the 999-range of NHS
test numbers runs out), which gives about 750,000 GP rows. A larger extract is built honestly
from whole boroughs: the GP extracts of seeds 1, 2, 3 … are concatenated, each seed after the
first with its Patient ids prefixed (``s2-…``) so that no record id repeats across boroughs.
Every row is a real demo row, junk lines included (a cut-off record, a Patient with no id,
blank lines, the odd duplicate), so the standardisers see the demo's mix of repetition and
noise rather than one file copied ten times. The file is cut at exactly ``rows`` lines.

Generated files are kept in a cache directory, so a second run measures ingest, not generation.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path

from joinedup.demo.population import build_population
from joinedup.demo.rng import Rng
from joinedup.demo.sources import gp
from joinedup.demo.sources.common import Truth

#: GP rows per resident in the demo (about 94 in 100 are registered, plus junk and duplicates).
ROWS_PER_PERSON = 0.94
#: Residents per borough generated for a large extract (well under the demo's cap).
BOROUGH = 550_000


def gp_extract(cache: Path, rows: int) -> Path:
    """A GP extract of exactly ``rows`` lines, generated into ``cache`` unless already there."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"gp_{rows}.ndjson"
    if path.exists():
        return path
    people = math.ceil(rows / ROWS_PER_PERSON * 1.02)
    boroughs = math.ceil(people / BOROUGH)
    per_borough = math.ceil(people / boroughs)
    partial = path.with_suffix(".partial")
    written = 0
    with partial.open("w", encoding="utf-8", newline="\n") as out:
        for seed in range(1, boroughs + 1):
            for line in _borough_lines(cache, per_borough, seed):
                if written == rows:
                    break
                if seed > 1:
                    # The first '"id":"' of a Patient line is the resource id (it follows
                    # resourceType); identifiers and references carry no "id" key.
                    line = line.replace('"id":"', f'"id":"s{seed}-', 1)
                out.write(line)
                written += 1
    if written < rows:
        partial.unlink()
        raise RuntimeError(f"generated only {written:,} GP rows, wanted {rows:,}")
    partial.replace(path)
    return path


def _borough_lines(cache: Path, people: int, seed: int) -> io.TextIOWrapper:
    """The GP extract of one borough of ``people`` residents (generated once, then reused)."""
    folder = cache / f"borough_{people}_{seed}"
    target = folder / gp.SPEC.file_name
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        population = build_population(people, seed)
        rng = Rng(f"northbridge:{seed}:{gp.SPEC.source}")
        with open(os.devnull, "w", encoding="utf-8") as nowhere:  # the truth is not needed
            gp.write(folder, population, rng, Truth(nowhere))
        del population
    return target.open(encoding="utf-8", newline="")


def mapping_text() -> str:
    """The demo's own mapping for the GP extract."""
    return gp.MAPPING
