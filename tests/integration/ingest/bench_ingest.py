"""Measure ingest speed and peak memory on a generated GP-style CSV (not collected by pytest).

    uv run --frozen python -m tests.integration.ingest.bench_ingest --rows 200000

Writes the CSV and a mapping to a temporary directory, ingests into a fresh SQLite database (or
``--url``), and prints rows per second for ingest and for merely reading the file with ``csv``
(the floor), with the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from joinedup.ingest.pipeline import ingest_file
from joinedup.store.db import make_engine, upgrade

MAPPING = """\
source: gp_bench
organisation: nhs-bench
format: csv
record_id: patient_id
person:
  title: title
  given_name: forename
  family_name: surname
  date_of_birth: dob
  sex: sex
  nhs_number: nhs_number
  address_lines: [address_1, address_2]
  town: town
  postcode: postcode
  phone: phone
  email: email
attributes:
  category: health.gp_registration
  fields: {practice: practice, registered: {field: registered, format: "%Y-%m-%d"}}
"""

GIVEN = ["Oliver", "Amelia", "Mohammed", "Isla", "Jack", "Ava", "Zoë", "Łukasz", "Priya", "Seán"]
FAMILY = ["Smith", "Jones", "Khan", "O'Neill", "Patel", "Nowak", "Brown", "Ahmed", "Wilson"]
STREETS = ["Harehills Lane", "Roundhay Road", "Chapeltown Road", "Kirkstall Road"]


def nhs_number(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["patient_id", "title", "forename", "surname", "dob", "sex", "nhs_number",
             "address_1", "address_2", "town", "postcode", "phone", "email", "practice",
             "registered"]
        )  # fmt: skip
        for i in range(rows):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            out.writerow(
                [
                    f"P{i:08d}",
                    rng.choice(["Mr", "Mrs", "Ms", ""]),
                    given,
                    family.upper(),
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1930, 2020)}",
                    rng.choice(["M", "F", "U"]),
                    nhs_number(rng),
                    f"{rng.randint(1, 300)} {rng.choice(STREETS)}",
                    "",
                    "Leeds",
                    f"LS{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}"
                    f"{rng.choice('LNPQRSTU')}",
                    # Ofcom's drama ranges: valid numbers that reach no one.
                    rng.choice(["07700 900", "0113 496 0"]) + f"{rng.randint(0, 999):03d}",
                    f"{given.lower()}.{i}@example.org",
                    f"B{rng.randint(80000, 80099)}",
                    f"20{rng.randint(10, 24)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data, mapping = folder / "gp.csv", folder / "gp.yaml"
        write_csv(data, args.rows)
        mapping.write_text(MAPPING, encoding="utf-8")
        started = time.perf_counter()
        with data.open(newline="", encoding="utf-8") as handle:
            floor_rows = sum(1 for _ in csv.reader(handle)) - 1
        floor = time.perf_counter() - started
        engine = make_engine(args.url or f"sqlite:///{folder / 'bench.db'}")
        upgrade(engine)
        base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu_started = time.perf_counter(), time.process_time()
        result = ingest_file(engine, mapping, data)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        again = ingest_file(engine, mapping, data)
        reseconds = time.perf_counter() - started
        size_mb = data.stat().st_size / 1e6
    print(f"rows            {args.rows:,} ({size_mb:.1f} MB), backend {engine.dialect.name}")
    print(f"csv read floor  {floor_rows / floor:,.0f} rows/s ({floor:.2f}s)")
    print(
        f"ingest (new)    {result.read / seconds:,.0f} rows/s ({seconds:.1f}s wall, {cpu:.1f}s CPU)"
    )
    print(f"                stored {result.stored:,}, quarantined {result.quarantined:,}")
    print(f"re-ingest       {again.read / reseconds:,.0f} rows/s ({reseconds:.1f}s wall)")
    print(f"                unchanged {again.unchanged:,}")
    print(f"peak RSS        {peak / 1024:,.0f} MB (before ingest {base_rss / 1024:,.0f} MB)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
