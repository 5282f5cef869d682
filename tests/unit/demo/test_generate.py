"""The generated borough: deterministic, readable in each source's own format, truthful.

One borough of 2,000 residents is generated per module and read back with plain readers
(``csv``, ``json``, ``openpyxl``), not the hub's, so these tests hold the generator to the
formats it claims independently of ingest.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from joinedup.demo import Manifest, generate_borough
from joinedup.demo.generate import HARD_CASES
from joinedup.errors import JoinedupError
from joinedup.standards.errors import StandardsError
from joinedup.standards.nhs_number import is_valid_nhs_number
from joinedup.standards.postcode import normalise_postcode

PEOPLE = 2000


@pytest.fixture(scope="module")
def borough(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate_borough(tmp_path_factory.mktemp("nb"), people=PEOPLE, seed=11)


def _truth(m: Manifest) -> list[dict[str, str]]:
    with m.path("ground_truth.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rows(m: Manifest, source: str) -> list[dict[str, Any]]:
    """Every row of a source's extract as a dict, junk included (blank rows as ``{}``)."""
    s = m.sources[source]
    path = m.path(s.file)
    if s.format in ("fhir", "jsonl"):
        out: list[dict[str, Any]] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line) if line.strip() else {})
            except json.JSONDecodeError:
                out.append({"<bad json>": line})
        return out
    if s.format == "xlsx":
        sheet = load_workbook(path, read_only=True).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(h) for h in rows[0]]
        return [dict(zip(header, r, strict=False)) if any(r) else {} for r in rows[1:]]
    encoding, delimiter = {
        "council_tax": ("cp1252", ","),
        "housing_benefit": ("utf-8-sig", ";"),
        "school_census": ("utf-8", "|"),
    }[source]
    with path.open(encoding=encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader)
        return [
            ({} if not r else dict(zip(header, r, strict=True)))
            if len(r) in (0, len(header))
            else {"<bad columns>": r}
            for r in reader
        ]


_ID = {
    "gp_registrations": "id",
    "council_tax": "account_ref",
    "adult_social_care": "client_id",
    "housing_benefit": "Person Ref",
    "befriending": "Ref",
    "school_census": "UPN",
}


def _file_hashes(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    generate_borough(tmp_path / "a", people=400, seed=3)
    generate_borough(tmp_path / "b", people=400, seed=3)
    generate_borough(tmp_path / "c", people=400, seed=4)
    a, b, c = (_file_hashes(tmp_path / x) for x in "abc")
    assert len(a) == 15  # six extracts, six mappings, ground truth, people, manifest
    assert a == b
    assert a["gp_registrations.ndjson"] != c["gp_registrations.ndjson"]


def test_the_manifest_matches_the_files(borough: Manifest) -> None:
    again = Manifest.load(borough.path("manifest.json"))
    assert again.to_json() == borough.to_json()
    assert (again.people, again.seed) == (PEOPLE, 11)
    assert set(again.sources) == set(_ID)
    for source, s in again.sources.items():
        rows = _rows(again, source)
        assert len(rows) == s.rows, source
        assert s.records + sum(s.junk.values()) == s.rows
        assert s.junk.get("blank", 0) >= 1 and s.junk.get("no_id", 0) >= 1, source


def test_every_record_is_in_the_ground_truth_once(borough: Manifest) -> None:
    truth = _truth(borough)
    keys = [(t["source"], t["source_record_id"]) for t in truth]
    assert len(keys) == len(set(keys)) == borough.records
    by_source: dict[str, set[str]] = defaultdict(set)
    for source, record_id in keys:
        by_source[source].add(record_id)
    for source, id_field in _ID.items():
        ids = {str(r[id_field]) for r in _rows(borough, source) if r.get(id_field)}
        assert ids == by_source[source], source


def test_every_hard_case_is_present_and_labelled(borough: Manifest) -> None:
    labels = Counter(t["hard_case"] for t in _truth(borough))
    for case in HARD_CASES:
        assert labels[case] > 0, case
    assert set(labels) <= {*HARD_CASES, ""}
    assert borough.hard_cases == {case: labels[case] for case in HARD_CASES}


def test_twins_share_a_birthday_and_home_but_not_a_name(borough: Manifest) -> None:
    truth = {t["source_record_id"]: t for t in _truth(borough)}
    twins: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in _rows(borough, "gp_registrations"):
        t = truth.get(row.get("id", ""))
        if t is None or t["hard_case"] != "twin":
            continue
        name = row["name"][0]
        twins[(row["birthDate"], name["family"])].append((t["person_id"], name["given"][0]))
    pairs = [v for v in twins.values() if len({pid for pid, _ in v}) == 2]
    assert pairs, "no twin pair is registered with the GP"
    for pair in pairs:
        assert len({given for _, given in pair}) == 2, pair


def test_father_and_son_share_a_full_name(borough: Manifest) -> None:
    truth = {t["source_record_id"]: t for t in _truth(borough)}
    by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in _rows(borough, "gp_registrations"):
        t = truth.get(row.get("id", ""))
        if t is not None and t["hard_case"] == "father_son":
            name = row["name"][0]
            by_name[(name["given"][0], name["family"])].add(t["person_id"])
    assert any(len(people) >= 2 for people in by_name.values())


def test_nhs_numbers_are_valid_apart_from_deliberate_typos(borough: Manifest) -> None:
    numbers = [
        i["value"]
        for row in _rows(borough, "gp_registrations")
        for i in row.get("identifier", [])
        if i["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    ]
    valid = sum(is_valid_nhs_number(n) for n in numbers)
    assert len(numbers) > PEOPLE * 0.8
    assert valid / len(numbers) > 0.99
    assert all(n.startswith("999") for n in numbers if is_valid_nhs_number(n))


def test_postcodes_are_in_the_official_format(borough: Manifest) -> None:
    codes = [r["postcode"] for r in _rows(borough, "council_tax") if r.get("postcode")]
    valid = []
    for code in codes:
        try:
            valid.append(normalise_postcode(code))
        except StandardsError:
            assert "O" in code.upper()[2:4], code  # only the deliberate O-for-0 typo fails
    assert len(valid) > 0.97 * len(codes)
    assert all(code.startswith("NB") for code in valid)


def test_council_tax_is_windows_1252_and_keeps_its_accents(borough: Manifest) -> None:
    raw = borough.path("council_tax.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # cp1252 bytes such as é are not UTF-8
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert borough.path("housing_benefit.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_mappings_are_valid_for_the_hub(borough: Manifest) -> None:
    from joinedup.ingest.mapping import load_mapping

    for source, s in borough.sources.items():
        mapping = load_mapping(borough.path(s.mapping))
        assert (mapping.source, mapping.organisation) == (source, s.organisation)
        assert mapping.format == s.format
        assert mapping.category == s.category


@pytest.mark.parametrize("people", [0, -5, 10_000_000])
def test_an_impossible_size_is_a_clear_error(tmp_path: Path, people: int) -> None:
    with pytest.raises(JoinedupError, match="--people"):
        generate_borough(tmp_path, people=people, seed=1)
