"""FHIR R4 Patient resources, from a Bundle or from NDJSON (one resource per line).

NDJSON streams line by line like JSON Lines. A Bundle is one JSON document; its entries are
streamed one at a time (:mod:`joinedup.ingest.readers.json_stream`), so memory stays flat
however large it is. Resources other than Patient are skipped and counted; Bundle entries are
numbered from 1 in place of line numbers. A Bundle broken part-way cannot be resynchronised,
so it fails the file (and nothing is stored) rather than quarantining a guess. A string holding
a lone surrogate escape (``"\\ud800"``) quarantines its line or entry, as in JSON Lines; a
UTF-16 or UTF-32 file (a byte-order mark, or the mapping's ``encoding``) is read as text.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import ItemsView, Iterator, Mapping
from typing import Any, BinaryIO

from joinedup.ingest.errors import SourceFileError
from joinedup.ingest.readers.base import Reader, is_marked
from joinedup.ingest.readers.fhir_patient import patient_fields
from joinedup.ingest.readers.json_stream import BundleSyntaxError, bundle_entries
from joinedup.ingest.readers.jsonl_reader import (
    certain_values,
    escape_surrogates,
    invalid_escape,
    json_kind,
    line_codec,
    lone_surrogate,
    parse_json_line,
    parse_wide_line,
    wide_lines,
)
from joinedup.ingest.readers.sniff import is_wide, read_head, refuse_binary
from joinedup.ingest.rows import UNCHANGED, SourceRow, bad, blank


class FhirReader(Reader):
    """FHIR Patients: ``values`` is the resource, ``hints`` what it says of the common fields."""

    def rows(self) -> Iterator[SourceRow]:
        """Yield one row per Patient (Bundle entry or NDJSON line); other resources are skipped."""
        head = read_head(self.path)
        refuse_binary(self.path, head, self.mapping.encoding, "FHIR JSON")
        codec = line_codec(self.mapping.encoding, head)
        wide = is_wide(codec)
        binary = self._open_binary()
        try:
            if wide:
                with self.path.open("rb") as probe:
                    first = _first_content_line(wide_lines(probe, codec))
                ndjson = _is_ndjson(first, codec, wide=True)
            else:
                ndjson = _is_ndjson(_first_content_line(binary), codec)
                binary.seek(0)
            if not ndjson:
                yield from self._bundle(binary, codec)
            elif wide:
                yield from self._ndjson(wide_lines(binary, codec), codec, wide=True)
            else:
                yield from self._ndjson(binary, codec)
        finally:
            binary.close()

    def _ndjson(self, lines: Any, codec: str, *, wide: bool = False) -> Iterator[SourceRow]:
        unchanged = self.unchanged
        for number, data in enumerate(lines, start=1):
            if unchanged is not None and is_marked(unchanged, number):
                yield UNCHANGED
                continue
            if not data.strip():
                yield blank(number)
                continue
            if wide:
                value, text, problem = parse_wide_line(data, codec)
            else:
                value, text, problem = parse_json_line(data, codec)
            if problem is not None:
                yield bad(number, text, problem, certain=_certain_patient(value))
            elif not isinstance(value, dict):
                yield bad(number, text, f"expected a FHIR resource, found {json_kind(value)}")
            else:
                yield resource_row(
                    number, text, value, hints=not self.ids_only, lazy=self.lazy_hints
                )

    def _bundle(self, binary: BinaryIO, codec: str) -> Iterator[SourceRow]:
        name = self.path.name
        text = io.TextIOWrapper(binary, encoding=codec)
        number = 0
        try:
            for number, entry in enumerate(bundle_entries(text), start=1):
                resource = entry.get("resource") if isinstance(entry, dict) else None
                raw = json.dumps(
                    resource if isinstance(resource, dict) else entry, ensure_ascii=False
                )
                lone = lone_surrogate(raw)  # json writes a lone surrogate as it is
                if lone is not None:
                    certain = _certain_patient(resource)
                    yield bad(number, escape_surrogates(raw), invalid_escape(lone), certain=certain)
                elif not isinstance(resource, dict):
                    yield bad(number, raw, "bundle entry has no resource")
                else:
                    yield resource_row(number, raw, resource, hints=not self.ids_only)
        except UnicodeDecodeError as exc:
            raise SourceFileError(f"{name}: not valid {codec} text ({exc.reason})") from None
        except (BundleSyntaxError, json.JSONDecodeError, RecursionError) as exc:
            where = f"after entry {number}" if number else "before the first entry"
            detail = str(exc) if isinstance(exc, BundleSyntaxError) else "the JSON does not parse"
            raise SourceFileError(
                f"{name}: not a FHIR Bundle or NDJSON: {detail} ({where})"
            ) from None


def _certain_patient(resource: Any) -> dict[str, Any] | None:
    """What a Patient refused for a lone surrogate still says for certain (its id, say; see
    ``certain_values``); nothing for any other resource, whose id is not a record's."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        return None
    return certain_values(resource)


def resource_row(
    number: int,
    text: str,
    resource: Mapping[str, Any],
    *,
    hints: bool = True,
    lazy: bool = False,
) -> SourceRow:
    """A row for one resource: a Patient to standardise, or any other resource to skip.

    ``hints=False`` leaves the Patient's person fields unread (a pass that wants only ids);
    ``lazy=True`` reads them only when first asked for (:class:`PatientHints`).
    """
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind.strip():
        # Not a FHIR resource at all (most often an ordinary JSON Lines export given to a FHIR
        # mapping): skipped as "another resource", a whole wrong file stored nothing and said
        # nothing.
        return bad(number, text, "expected a FHIR resource, found an object with no resourceType")
    if kind != "Patient":
        return SourceRow(line=number, raw=text, values=resource, kind="skip")
    found: Mapping[str, Any] | None = None
    if hints:
        found = PatientHints(resource) if lazy else patient_fields(resource)
    return SourceRow(line=number, raw=text, values=resource, hints=found)


class PatientHints(Mapping[str, Any]):
    """:func:`patient_fields` of one Patient, read when first asked for.

    A re-ingest never asks for most of them: a row whose raw digest shows it unchanged is not
    standardised, and reading a Patient's fields costs more than parsing its line.
    """

    __slots__ = ("_fields", "_resource")

    def __init__(self, resource: Mapping[str, Any]) -> None:
        self._resource = resource
        self._fields: dict[str, Any] | None = None

    def read(self) -> dict[str, Any]:
        """The fields as a plain dict (read now if they have not been)."""
        fields = self._fields
        if fields is None:
            fields = self._fields = patient_fields(self._resource)
        return fields

    def __getitem__(self, key: str) -> Any:
        return self.read()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.read())

    def __len__(self) -> int:
        return len(self.read())

    def items(self) -> ItemsView[str, Any]:
        return self.read().items()


def _is_ndjson(first: Any, codec: str, *, wide: bool = False) -> bool:
    # A Bundle is one document, usually pretty-printed ("{" alone on line 1); NDJSON's first line
    # is a whole resource. A broken first line that still looks like one object is NDJSON too,
    # so it is quarantined rather than failing the file.
    if not first:
        return False
    parsed = parse_wide_line(first, codec) if wide else parse_json_line(first, codec)
    value, text, problem = parsed
    if problem is not None:
        # Refused as a row (a lone surrogate, say), it may still say it is a Bundle.
        with contextlib.suppress(ValueError, RecursionError):
            value, problem = json.loads(text), None
    if problem is None:
        return not (isinstance(value, dict) and value.get("resourceType") == "Bundle")
    stripped = text.strip()
    return stripped.startswith("{") and stripped.endswith("}") and len(stripped) > 2


def _first_content_line(lines: Iterator[Any]) -> Any:
    """The first line that is not blank (bytes or text, as ``lines`` gives them), or ``b""``."""
    for data in lines:
        if data.strip():
            return data
    return b""
