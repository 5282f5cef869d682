"""Streaming readers, one per source format; :func:`open_reader` picks the mapping's."""

from __future__ import annotations

from pathlib import Path

from joinedup.ingest.mapping import SourceMapping
from joinedup.ingest.readers.base import Reader


def open_reader(mapping: SourceMapping, path: Path) -> Reader:
    """The reader for ``mapping.format`` over ``path``; SourceFileError if the file is missing."""
    if mapping.format == "csv":
        from joinedup.ingest.readers.csv_reader import CsvReader

        return CsvReader(mapping, path)
    if mapping.format == "jsonl":
        from joinedup.ingest.readers.jsonl_reader import JsonLinesReader

        return JsonLinesReader(mapping, path)
    if mapping.format == "xlsx":
        from joinedup.ingest.readers.xlsx_reader import XlsxReader

        return XlsxReader(mapping, path)
    from joinedup.ingest.readers.fhir_reader import FhirReader

    return FhirReader(mapping, path)


__all__ = ["Reader", "open_reader"]
