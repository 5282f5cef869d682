"""Small builders for ingest tests: a mapping from keyword arguments, a file from text or bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from joinedup.ingest.mapping import SourceMapping, parse_mapping
from joinedup.ingest.readers import open_reader
from joinedup.ingest.rows import SourceRow


def mapping(**overrides: Any) -> SourceMapping:
    """A CSV mapping of id/name/dob/nhs columns, with any key replaced."""
    doc: dict[str, Any] = {
        "source": "test_source",
        "organisation": "test-org",
        "format": "csv",
        "record_id": "id",
        "person": {"full_name": "name", "date_of_birth": "dob", "nhs_number": "nhs"},
    }
    doc.update(overrides)
    return parse_mapping(doc, origin="test.yaml")


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``content`` (text in ``encoding``, or bytes as they are) to ``tmp_path/name``."""
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read_all(m: SourceMapping, path: Path) -> list[SourceRow]:
    """Every row a reader yields for ``path``."""
    return list(open_reader(m, path).rows())
