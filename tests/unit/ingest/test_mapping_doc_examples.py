"""Every YAML example in docs/mappings.md is a mapping ``joinedup mapping check`` accepts, and the
problems the page shows are the ones the check prints for them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from joinedup.ingest.mapping import MappingError, load_mapping

DOC = (Path(__file__).parents[3] / "docs" / "mappings.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```yaml\n(.*?)```", DOC, re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda text: text.split()[1])
def test_every_example_passes_the_check(example: str, tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    load_mapping(path)


def test_the_problems_shown_are_what_the_check_prints(tmp_path: Path) -> None:
    path = tmp_path / "council_tax.yaml"
    path.write_text(
        "source: council_tax\norganisation: leeds-city-council\nformat: excel\n"
        'record_id: id\nperson:\n  dob: DOB\n  date_of_birth: {field: DOB, fmt: "%d"}\n',
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    shown = DOC.split("```\nError: ", 1)[1].split("```", 1)[0]
    for printed, documented in zip(str(raised.value).splitlines(), shown.splitlines(), strict=True):
        assert printed.strip().startswith(documented.strip().rstrip("…").rstrip()), printed
