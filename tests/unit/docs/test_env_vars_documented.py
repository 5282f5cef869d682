"""Every ``JOINEDUP_*`` variable the code reads is in the docs, and the docs name no other.

A docs QA pass found ``JOINEDUP_DEMO_PASSWORD`` (the demo accounts' password) read in
``demo/accounts.py`` and named on no page.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[3]
_NAME = re.compile(r"\bJOINEDUP_[A-Z0-9_]*[A-Z0-9]\b")
#: ``config.py`` reads its variables by suffix: ``_env("DATA_DIR")``, ``_count("API_WORKERS")``.
_SUFFIX = re.compile(r"\b_(?:env|count|seconds|whole)\(\s*\"([A-Z0-9_]+)\"")


def _in(paths: list[Path]) -> set[str]:
    names: set[str] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        names |= set(_NAME.findall(text))
        if path.name == "config.py":
            names |= {f"JOINEDUP_{suffix}" for suffix in _SUFFIX.findall(text)}
    return names


def _read_by_code() -> set[str]:
    return _in(sorted((ROOT / "src").rglob("*.py")))


def _documented() -> set[str]:
    return _in([ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_every_variable_the_code_reads_is_documented() -> None:
    undocumented = sorted(_read_by_code() - _documented())
    assert not undocumented, f"read in src/ but named in no doc: {undocumented}"


def test_every_documented_variable_is_read_by_the_code_or_the_tests() -> None:
    tests = _in(sorted((ROOT / "tests").rglob("*.py")))
    unread = sorted(_documented() - _read_by_code() - tests)
    assert not unread, f"named in the docs but read nowhere: {unread}"
