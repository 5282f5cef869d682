"""Source mappings: the YAML that says how one system's extract maps onto the common person schema.

A mapping is validated against ``mapping.schema.json`` (JSON Schema draft 2020-12), then checked
for what a schema cannot say (a name given both whole and in parts, a strptime format that is not
one). Every problem is reported at once, each as ``file: where: what is wrong`` in the words a
data engineer uses. The result is a frozen :class:`SourceMapping`; nothing reads the YAML again.
"""

from __future__ import annotations

import codecs
import contextlib
import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import jsonschema
import yaml

from joinedup.ingest.errors import MappingError
from joinedup.ingest.paths import compile_path

Format = Literal["csv", "jsonl", "xlsx", "fhir"]
NameOrder = Literal["auto", "given_first", "family_first"]
HiddenRows = Literal["read", "skip"]

#: Person fields that hold several values; a list of source fields gives every value.
LIST_FIELDS = frozenset({"other_family_names", "address_lines", "phone", "email"})

#: Person fields of the mapping, in the order they are documented.
PERSON_FIELDS = (
    "full_name",
    "title",
    "given_name",
    "middle_names",
    "family_name",
    "name_suffix",
    "preferred_name",
    "other_family_names",
    "date_of_birth",
    "year_of_birth",
    "sex",
    "nhs_number",
    "address_lines",
    "address",
    "flat",
    "house_number",
    "house_name",
    "street",
    "locality",
    "town",
    "postcode",
    "uprn",
    "phone",
    "email",
    "date_of_death",
)

_NAME_PARTS = ("title", "given_name", "middle_names", "family_name", "name_suffix")
_ADDRESS_PARTS = ("flat", "house_number", "house_name", "street", "locality")
_DATE_FIELDS = frozenset({"date_of_birth", "date_of_death"})

#: What a source writes for "not known" unless its mapping says otherwise. Deliberately short:
#: a longer list ("None", "NA") would eat real surnames and initials.
DEFAULT_NULL_VALUES = frozenset({"", "NULL", "null", "N/A", "n/a", "#N/A"})

_DELIMITER_WORDS = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}


@dataclass(frozen=True)
class FieldRef:
    """One source field: its name as written, its compiled look-up path, a strptime format."""

    name: str
    path: tuple[str, ...]
    format: str | None = None


@dataclass(frozen=True)
class SourceMapping:
    """A validated source mapping. Build one with :func:`load_mapping` or :func:`parse_mapping`.

    ``person`` maps each mapped common person field to its source fields (a tuple, usually of
    one); ``delimiter`` is ``None`` when it is to be sniffed; ``record_id`` is ``None`` only for
    FHIR, where the resource ``id`` is used.
    """

    source: str
    organisation: str
    name: str
    format: Format
    record_id: FieldRef
    person: Mapping[str, tuple[FieldRef, ...]]
    encoding: str = "auto"
    delimiter: str | None = None
    skip_rows: int = 0
    columns: tuple[str, ...] | None = None
    sheet: str | int | None = None
    # Whether rows hidden in a workbook are read (with a warning each) or skipped.
    hidden_rows: HiddenRows = "read"
    null_values: frozenset[str] = DEFAULT_NULL_VALUES
    full_name_order: NameOrder = "auto"
    category: str | None = None
    # Every person the source holds is an adult (a council tax payer, a benefit claimant).
    adults_only: bool = False
    attribute_fields: Mapping[str, FieldRef] = field(default_factory=lambda: MappingProxyType({}))
    attribute_constants: Mapping[str, str | int | float | bool] = field(
        default_factory=lambda: MappingProxyType({})
    )
    origin: str = "<mapping>"
    text: str = field(default="", repr=False, compare=False)

    def field_refs(self) -> Iterable[FieldRef]:
        """Every source field the mapping reads: record id, person fields and attributes."""
        yield self.record_id
        for refs in self.person.values():
            yield from refs
        yield from self.attribute_fields.values()


@cache
def mapping_schema() -> dict[str, Any]:
    """The mapping JSON Schema, as shipped inside the package."""
    text = resources.files("joinedup.ingest").joinpath("mapping.schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


_EXTRACT = "; is it the extract rather than its mapping? (joinedup ingest MAPPING FILE)"


def load_mapping(path: Path | str) -> SourceMapping:
    """Read, validate and compile the mapping file at ``path``.

    Raises :class:`MappingError` listing every problem (unreadable file, YAML syntax, schema
    violations, inconsistent fields), each prefixed with the file's name.

    >>> load_mapping("mappings/council_tax.yaml").source  # doctest: +SKIP
    'council_tax'
    """
    path = Path(path)
    origin = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(origin, ["file not found"]) from None
    except UnicodeDecodeError:
        # A spreadsheet, a gzip file or a Windows-1252 CSV: most often the extract given where
        # its mapping was meant ("UnicodeDecodeError" told the engineer nothing).
        raise MappingError(origin, [f"not UTF-8 text, so not a mapping file{_EXTRACT}"]) from None
    except OSError as exc:
        raise MappingError(origin, [f"cannot read the file ({_describe(exc)})"]) from None
    try:
        node, document = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise MappingError(origin, [f"{where}not valid YAML ({problem})"]) from None
    if not isinstance(document, dict):
        raise MappingError(
            origin, [f"expected a mapping of keys (source, organisation, format …){_EXTRACT}"]
        )
    try:
        return parse_mapping(document, origin=origin, text=text)
    except MappingError as exc:
        lines = _node_lines(node)
        raise MappingError(origin, [_with_line(p, lines) for p in exc.problems]) from None


def _load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its value, parsed once."""
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping: YAML would keep the
    second silently, and a second ``person:`` block would drop every field of the first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key '{key}' given twice (first on line {first}); the second would replace "
                    "the first",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _node_lines(node: yaml.Node | None) -> dict[str, int]:
    """Where (``person.date_of_birth``, as problems name it) → its line in the file."""
    out: dict[str, int] = {}

    def walk(current: yaml.Node, path: str) -> None:
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                step = f"{path}.{key_node.value}" if path else str(key_node.value)
                out.setdefault(step, key_node.start_mark.line + 1)
                walk(value_node, step)
        elif isinstance(current, yaml.SequenceNode):
            for i, item in enumerate(current.value):
                step = f"{path}[{i}]"
                out.setdefault(step, item.start_mark.line + 1)
                walk(item, step)

    if node is not None:
        walk(node, "")
    return out


def _with_line(problem: str, lines: dict[str, int]) -> str:
    where, _, what = problem.partition(": ")
    unknown = re.match(r"unknown key '([^']+)'", what)
    # An unknown key is found on its own line, not on its parent's.
    line = lines.get(f"{where}.{unknown.group(1)}") if unknown else None
    if line is None:
        line = lines.get(where)
    return f"line {line}: {problem}" if line is not None else problem


def parse_mapping(
    document: Any, *, origin: str = "<mapping>", text: str | None = None
) -> SourceMapping:
    """Validate an already-parsed mapping document (a dict) and compile it to a SourceMapping."""
    if not isinstance(document, dict):
        raise MappingError(origin, ["expected a mapping of keys (source, organisation, format …)"])
    problems = schema_problems(document)
    # Everything wrong at once: the checks the schema cannot express run on whatever the
    # schema found usable, so fixing one list of problems does not reveal a second. A document
    # too broken for them is explained by the schema's problems.
    with contextlib.suppress(KeyError, TypeError, AttributeError, ValueError):
        problems += [p for p in _semantic_problems(document) if p not in problems]
    if problems:
        raise MappingError(origin, problems)
    mapping = _compile(document, origin)
    if text is None:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    return replace(mapping, text=text)


def schema_problems(document: Any) -> list[str]:
    """Every JSON Schema violation in ``document`` as a ``where: what`` sentence, in path order."""
    validator = jsonschema.Draft202012Validator(mapping_schema())
    problems: list[str] = []
    for error in sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.path]):
        problems.append(_explain(error))
    return list(dict.fromkeys(problems))


def _explain(error: jsonschema.ValidationError) -> str:
    where = _where(error.absolute_path)
    prefix = f"{where}: " if where else ""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        # {field: DOB, fmt: ...}: the useful message is about the key, not "matches no option".
        for sub in _walk(error.context or ()):
            sub_schema = sub.schema if isinstance(sub.schema, dict) else {}
            if (
                sub.validator in ("additionalProperties", "required")
                and not sub.relative_path
                and "field" in sub_schema.get("properties", {})
            ):
                return prefix + _explain(sub).split(": ", 1)[-1]
    if error.validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        extras = (
            sorted(set(error.instance) - set(known)) if isinstance(error.instance, dict) else []
        )
        parts = []
        unhinted = 0
        for extra in extras:
            hint = difflib.get_close_matches(str(extra), known, n=1)
            unhinted += not hint
            parts.append(
                f"unknown key '{extra}'" + (f" (did you mean '{hint[0]}'?)" if hint else "")
            )
        # The keys it could be, once: repeated after each unknown key, a file that is not a
        # mapping at all (a manifest, a JSON export) printed the list a dozen times.
        if unhinted and known:
            parts.append(f"expected one of: {', '.join(known)}")
        return prefix + "; ".join(parts)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{prefix}missing required key '{missing}'"
    if "x-message" in schema:
        return f"{prefix}{schema['x-message']}"
    if error.validator == "type":
        found = _kind(error.instance)
        if error.instance is None:
            # YAML reads an empty value, ~, null and NULL as nothing, not as the text.
            found += " (YAML reads null, NULL, ~ and an empty value as nothing: quote text, 'NULL')"
        return f"{prefix}expected {_a(schema.get('type'))}, found {found}"
    if error.validator == "minLength":
        return f"{prefix}must not be empty"
    if error.validator == "minItems":
        return f"{prefix}expected at least {error.validator_value} item(s)"
    if error.validator == "minimum":
        return f"{prefix}expected a number of at least {error.validator_value}"
    return prefix + error.message


def _walk(errors: Iterable[jsonschema.ValidationError]) -> Iterable[jsonschema.ValidationError]:
    for error in errors:
        yield error
        yield from _walk(error.context or ())


def _where(path: Iterable[Any]) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _a(kind: Any) -> str:
    names = {
        "string": "a string",
        "integer": "a whole number",
        "object": "a mapping",
        "array": "a list",
        "boolean": "true or false",
        "number": "a number",
    }
    if isinstance(kind, list):
        return " or ".join(names.get(k, f"a {k}") for k in kind)
    return names.get(str(kind), f"a {kind}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _describe(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or exc.__class__.__name__


def _semantic_problems(doc: dict[str, Any]) -> list[str]:
    """Checks the schema cannot express: combinations, codecs, strptime formats, per-format keys."""
    problems: list[str] = []
    fmt = doc["format"]
    person = doc.get("person") or {}
    if fmt != "fhir":
        if "record_id" not in doc:
            problems.append("missing required key 'record_id'")
        if not person:
            problems.append("person: map at least one person field")
    if "full_name" in person and any(part in person for part in _NAME_PARTS):
        problems.append(
            "person: give the name either as full_name or as its parts "
            "(title, given_name, middle_names, family_name, name_suffix), not both"
        )
    if "address" in person and "address_lines" in person:
        problems.append("person: give the address either as address (one line) or address_lines")
    if "address" in person and any(part in person for part in _ADDRESS_PARTS):
        problems.append(
            "person: address (one line) is split into its parts automatically; "
            "do not also map flat, house_number, house_name, street or locality"
        )
    encoding = doc.get("encoding", "auto")
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            problems.append(f"encoding: unknown codec '{encoding}' (try auto, utf-8, cp1252)")
    if "delimiter" in doc:
        if fmt != "csv":
            problems.append("delimiter: only applies to format csv")
        elif _delimiter(doc["delimiter"]) == "":
            problems.append("delimiter: expected auto, one character, or comma/semicolon/tab/pipe")
    for key in ("sheet", "hidden_rows"):
        if key in doc and fmt != "xlsx":
            problems.append(f"{key}: only applies to format xlsx")
    for key in ("skip_rows", "columns"):
        if key in doc and fmt not in ("csv", "xlsx"):
            problems.append(f"{key}: only applies to formats csv and xlsx")
    columns = doc.get("columns")
    if columns and len(set(columns)) != len(columns):
        problems.append("columns: column names must be unique")
    for where, spec in _all_specs(doc):
        fmt_text = spec.get("format") if isinstance(spec, dict) else None
        if fmt_text is not None:
            problem = _strptime_problem(fmt_text)
            if problem:
                problems.append(f"{where}.format: {problem}")
        if isinstance(spec, str) and where.split(".")[-1] in _DATE_FIELDS and "%" in spec:
            problems.append(
                f"{where}: looks like a format; write {{field: NAME, format: '{spec}'}}"
            )
        name = spec["field"] if isinstance(spec, dict) else spec
        if columns and fmt in ("csv", "xlsx") and name not in columns:
            problems.append(f"{where}: '{name}' is not one of the columns listed under columns")
    return problems


def _all_specs(doc: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    if "record_id" in doc:
        yield "record_id", doc["record_id"]
    for key, value in (doc.get("person") or {}).items():
        if isinstance(value, list):
            for i, item in enumerate(value):
                yield f"person.{key}[{i}]", item
        else:
            yield f"person.{key}", value
    for key, value in ((doc.get("attributes") or {}).get("fields") or {}).items():
        yield f"attributes.fields.{key}", value


def _strptime_problem(fmt: str) -> str | None:
    if "%" not in fmt:
        return f"'{fmt}' has no % directives (such as %d/%m/%Y)"
    sample = datetime(1961, 4, 3, 13, 14, 15)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError as exc:
        return f"'{fmt}' is not a usable strptime format ({exc})"
    return None


def _delimiter(value: str) -> str | None:
    """``None`` for auto; the character; or ``""`` when the value is not a delimiter."""
    if value == "auto":
        return None
    value = _DELIMITER_WORDS.get(value.lower(), value)
    return value if len(value) == 1 and value not in '\r\n"' else ""


def _compile(doc: dict[str, Any], origin: str) -> SourceMapping:
    fmt = cast(Format, doc["format"])
    dotted = fmt in ("jsonl", "fhir")

    def ref(spec: Any) -> FieldRef:
        name = spec["field"] if isinstance(spec, dict) else spec
        fmt_text = spec.get("format") if isinstance(spec, dict) else None
        return FieldRef(name=name, path=compile_path(name) if dotted else (name,), format=fmt_text)

    person: dict[str, tuple[FieldRef, ...]] = {}
    for key in PERSON_FIELDS:
        if key in (doc.get("person") or {}):
            value = doc["person"][key]
            specs = value if isinstance(value, list) else [value]
            person[key] = tuple(ref(s) for s in specs)
    attributes = doc.get("attributes") or {}
    null_values = doc.get("null_values")
    columns = doc.get("columns")
    return SourceMapping(
        source=doc["source"],
        organisation=doc["organisation"],
        name=doc.get("name") or doc["source"],
        format=fmt,
        record_id=ref(doc.get("record_id", "id")),
        person=MappingProxyType(person),
        encoding=doc.get("encoding", "auto"),
        delimiter=_delimiter(doc.get("delimiter", "auto")),
        skip_rows=int(doc.get("skip_rows", 0)),
        columns=tuple(columns) if columns else None,
        sheet=doc.get("sheet"),
        hidden_rows=cast(HiddenRows, doc.get("hidden_rows", "read")),
        null_values=frozenset([*null_values, ""])
        if null_values is not None
        else DEFAULT_NULL_VALUES,
        full_name_order=cast(NameOrder, doc.get("full_name_order", "auto")),
        category=attributes.get("category"),
        adults_only=bool(doc.get("adults_only", False)),
        attribute_fields=MappingProxyType(
            {name: ref(spec) for name, spec in (attributes.get("fields") or {}).items()}
        ),
        attribute_constants=MappingProxyType(dict(attributes.get("constants") or {})),
        origin=origin,
    )
