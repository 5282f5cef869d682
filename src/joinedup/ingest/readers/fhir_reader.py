"""FHIR R4 Patient resources, from a Bundle or from NDJSON (one resource per line).

NDJSON streams line by line like JSON Lines. A Bundle is one JSON document; it is parsed with the
standard library's ``json`` (``ijson`` is not a dependency), so a Bundle's memory is its size:
export large populations as NDJSON (``$export`` in FHIR Bulk Data does). Resources other than
Patient are skipped and counted; entries are numbered from 1 in place of line numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers.base import Reader
from joinedup.ingest.readers.fhir_patient import patient_fields
from joinedup.ingest.readers.jsonl_reader import json_kind, parse_json_line
from joinedup.ingest.rows import SourceRow, bad, blank


class FhirReader(Reader):
    """FHIR Patients: ``values`` is the resource, ``hints`` what it says of the common fields."""

    def rows(self) -> Iterator[SourceRow]:
        """Yield one row per Patient (Bundle entry or NDJSON line); other resources are skipped."""
        codec = "utf-8-sig" if self.mapping.encoding == "auto" else self.mapping.encoding
        binary = self._open_binary()
        try:
            first = _first_content_line(binary)
            binary.seek(0)
            if _is_ndjson(first, codec):
                yield from self._ndjson(binary, codec)
            else:
                yield from self._bundle(binary.read(), codec)
        finally:
            binary.close()

    def _ndjson(self, binary: Any, codec: str) -> Iterator[SourceRow]:
        for number, data in enumerate(binary, start=1):
            if not data.strip():
                yield blank(number)
                continue
            value, text, problem = parse_json_line(data, codec)
            text = text.rstrip("\r\n")
            if problem is not None:
                yield bad(number, text, problem)
            elif not isinstance(value, dict):
                yield bad(number, text, f"expected a FHIR resource, found {json_kind(value)}")
            else:
                yield resource_row(number, text, value)

    def _bundle(self, data: bytes, codec: str) -> Iterator[SourceRow]:
        name = self.path.name
        if not data.strip():
            raise SourceFileError(f"{name}: the file is empty")
        try:
            bundle = json.loads(data.decode(codec))
        except UnicodeDecodeError as exc:
            raise SourceFileError(f"{name}: not valid {codec} text ({exc.reason})") from None
        except (json.JSONDecodeError, RecursionError) as exc:
            where = (
                f" (line {exc.lineno}, column {exc.colno})"
                if isinstance(exc, json.JSONDecodeError)
                else ""
            )
            raise SourceFileError(
                f"{name}: not a FHIR Bundle or NDJSON: the JSON does not parse{where}"
            ) from None
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise SourceFileError(f"{name}: expected a FHIR Bundle or NDJSON of resources")
        self.total = max(1, len(bundle.get("entry") or []))
        for number, entry in enumerate(bundle.get("entry") or [], start=1):
            self._done = number
            resource = entry.get("resource") if isinstance(entry, dict) else None
            text = json.dumps(entry, ensure_ascii=False)
            if not isinstance(resource, dict):
                yield bad(number, text, "bundle entry has no resource")
            else:
                yield resource_row(number, json.dumps(resource, ensure_ascii=False), resource)

    _done = 0

    def position(self) -> int:
        """Bytes read for NDJSON; entries done for a Bundle (``total`` is then the entry count)."""
        return self._done or super().position()


def resource_row(number: int, text: str, resource: Mapping[str, Any]) -> SourceRow:
    """A row for one resource: a Patient to standardise, or any other resource to skip."""
    if resource.get("resourceType") != "Patient":
        return SourceRow(line=number, raw=text, values=resource, kind="skip")
    return SourceRow(line=number, raw=text, values=resource, hints=patient_fields(resource))


def _is_ndjson(first: bytes, codec: str) -> bool:
    # A Bundle is one document, usually pretty-printed ("{" alone on line 1); NDJSON's first line
    # is a whole resource. A broken first line that still looks like one object is NDJSON too,
    # so it is quarantined rather than failing the file.
    if not first:
        return False
    value, _, problem = parse_json_line(first, codec)
    if problem is None:
        return not (isinstance(value, dict) and value.get("resourceType") == "Bundle")
    stripped = first.strip()
    return stripped.startswith(b"{") and stripped.endswith(b"}") and len(stripped) > 2


def _first_content_line(binary: Any) -> bytes:
    for data in binary:
        if data.strip():
            return bytes(data)
    return b""
