"""Loading agreements: every kind of bad file gives a clear error naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from joinedup.policy import AgreementError, load_agreements, parse_agreement
from joinedup.policy.agreements import TEST_SUFFIXES, agreement_files
from tests.unit.policy.builders import CARE_YAML

BAD = [
    ("not yaml", "id: [unclosed", "not valid YAML"),
    ("not a mapping", "- just\n- a list", "must be a mapping"),
    ("duplicate key", CARE_YAML.replace("version: 1", "version: 1\nversion: 2"), "duplicate key"),
    ("missing title", CARE_YAML.replace("title: Care\n", ""), "'title' is a required property"),
    (
        "unknown purpose",
        CARE_YAML.replace("purposes: [housing_support]", "purposes: [nosiness]"),
        "clauses[2].purposes[0]: 'nosiness' is not one of",
    ),
    (
        "unknown role",
        CARE_YAML.replace("roles: [housing_officer]", "roles: [mayor]"),
        "clauses[2].roles[0]: 'mayor' is not one of",
    ),
    ("bad date", CARE_YAML.replace("valid_to: 2026-12-31", "valid_to: 31/12/2026"), "valid_to"),
    (
        "ends before it starts",
        CARE_YAML.replace("valid_to: 2026-12-31", "valid_to: 2026-01-01"),
        "is before valid_from",
    ),
    (
        "provider not a party",
        CARE_YAML.replace("provider: charity", "provider: police"),
        "clauses[3].provider: 'police' is not a party",
    ),
    (
        "recipient not a party",
        CARE_YAML.replace("recipients: [council]", "recipients: [police]"),
        "clauses[2].recipients: 'police' is not a party",
    ),
    ("clause id twice", CARE_YAML.replace('id: "2"', 'id: "1"'), "clause id '1' is used twice"),
    (
        "override without grounds",
        CARE_YAML.replace('    override_grounds: "Art. 21(1) compelling legitimate grounds"\n', ""),
        "'override_grounds' is a required property",
    ),
    (
        "special category without Article 9",
        CARE_YAML.replace(
            'lawful_basis: {article_6: "6(1)(e) public task", article_9: "9(2)(h) health or '
            'social care"}',
            'lawful_basis: {article_6: "6(1)(e) public task"}',
        ),
        "'social_care.adult' is special category data and needs lawful_basis.article_9",
    ),
    (
        "wildcard over special category data",
        CARE_YAML.replace("categories: [finance.*]", "categories: [health.*]"),
        "would cover special category data",
    ),
    ("unknown field", CARE_YAML.replace("title: Care", "title: Care\ncolour: blue"), "colour"),
    (
        "a date that does not exist",
        CARE_YAML.replace("valid_to: 2026-12-31", "valid_to: 2026-02-30"),
        "a date that does not exist",
    ),
    (
        "version with a decimal point",
        CARE_YAML.replace("version: 1", "version: 1.0"),
        "version: 1.0 must be a whole number",
    ),
]


@pytest.mark.parametrize(("text", "message"), [(t, m) for _, t, m in BAD], ids=[n for n, *_ in BAD])
def test_bad_agreements_are_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(text, "nb.yaml")
    assert str(caught.value).startswith("nb.yaml: ")
    assert message in str(caught.value)


def test_hash_ignores_layout_and_comments_but_not_meaning() -> None:
    original = parse_agreement(CARE_YAML)
    relaid = parse_agreement("# a comment\n" + CARE_YAML.replace("title: Care", "title:   Care"))
    assert relaid.sha256 == original.sha256
    changed = parse_agreement(CARE_YAML.replace("roles: [housing_officer]", "roles: [gp]"))
    assert changed.sha256 != original.sha256


def test_clause_lawful_basis_falls_back_to_the_agreement() -> None:
    agreement = parse_agreement(CARE_YAML)
    assert agreement.clauses[2].article_6 == "6(1)(e) public task"
    assert agreement.clauses[0].article_9 == "9(2)(h) health or social care"


def test_one_version_with_two_texts_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CARE_YAML)
    (tmp_path / "b.yaml").write_text(CARE_YAML.replace("title: Care", "title: Changed"))
    with pytest.raises(AgreementError, match="bump the version"):
        load_agreements(tmp_path)


def test_identical_copies_and_test_files_are_tolerated(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CARE_YAML)
    (tmp_path / "b.yml").write_text(CARE_YAML)
    (tmp_path / "care_test.yaml").write_text("cases: []")
    assert [a.ref for a in load_agreements(tmp_path)] == ["care@1"]


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "care.yaml").write_bytes(CARE_YAML.encode() + "# café\n".encode("cp1252"))
    with pytest.raises(AgreementError, match=r"care\.yaml: not UTF-8 text"):
        load_agreements(tmp_path)


def test_missing_directory() -> None:
    with pytest.raises(AgreementError, match="not a directory"):
        load_agreements("/nonexistent/agreements")


def test_providers_and_recipients_are_derived_from_the_clauses() -> None:
    agreement = parse_agreement(CARE_YAML)
    assert agreement.providers == ("council", "charity")
    assert agreement.recipients == ("icb", "council")


def _rglob_reference(root: Path) -> list[Path]:
    # The listing as it was written before (two pathlib globs): the one-scan walk must match it.
    return sorted(
        p
        for pattern in ("*.yaml", "*.yml")
        for p in root.rglob(pattern)
        if not p.name.endswith(TEST_SUFFIXES)
    )


def test_agreement_files_finds_what_rglob_finds(tmp_path: Path) -> None:
    for name in (
        "a.yaml",
        "b.yml",
        "c.YAML",
        ".hidden.yaml",
        "notes.txt",
        "x_test.yaml",
        "y.test.yml",
        "deep/d.yaml",
        "deep/er/e.yml",
        "deep/er/e_test.yml",
        "dir.yaml/inside.yaml",
    ):
        path = tmp_path / "root" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "linked.yaml").write_text("x", encoding="utf-8")
    (tmp_path / "root" / "link").symlink_to(outside, target_is_directory=True)
    (tmp_path / "root" / "file-link.yaml").symlink_to(outside / "linked.yaml")
    root = tmp_path / "root"
    assert agreement_files(root) == _rglob_reference(root)
    assert len(agreement_files(root)) == 8  # dir.yaml, a directory, matches as in rglob
