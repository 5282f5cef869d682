"""Getting values out of a source row: look-up, "not known" markers, and the types formats deliver.

CSV gives text; JSON gives text, numbers, lists and objects; Excel gives numbers and datetimes.
Everything here turns those into the few shapes standardisation expects: trimmed text, a
``date`` where the source already knew it was a date, and lists where a JSON field holds several.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from joinedup.ingest.mapping import FieldRef
from joinedup.ingest.paths import resolve

Scalar = str | date


class FormulaText(str):
    """A spreadsheet formula saved without its result (``=DATE(1961,4,3)``), in place of the
    value it would have had: not known, like an empty cell, but kept as written in the raw
    row. The reader warns about it (:mod:`joinedup.ingest.readers.xlsx_reader`)."""

    __slots__ = ()


def scalar(value: Any, null_values: frozenset[str]) -> Scalar | None:
    """One value as trimmed text (or a ``date``), or ``None`` when it means "not known".

    Whole-number floats lose their ``.0`` (Excel stores 9434765919 as a float); booleans
    become ``true``/``false``; objects and lists are not scalars and give ``None``.
    """
    if type(value) is str:  # the common case (every CSV cell): keep it cheap
        text = value.strip()
        return None if text in null_values else text
    if value is None or isinstance(value, dict | list | tuple | Mapping | FormulaText):
        return None
    if isinstance(value, datetime):
        return value.date()  # a date field: the time of day an export adds is noise
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value).strip()
    return None if text in null_values else text


def values_of(
    row_values: Mapping[str, Any], ref: FieldRef, null_values: frozenset[str]
) -> tuple[list[Scalar], bool]:
    """Every known value at ``ref`` (a JSON list gives several); and whether an object was found.

    The flag lets the caller warn that a path points at a whole object rather than a value.
    """
    path = ref.path
    if len(path) == 1 and type(row_values) is dict:
        found = row_values.get(path[0])
        if type(found) is str:  # a CSV cell: skip the general walk below
            text = found.strip()
            if text[:1] in _EXCEL_TEXT_MARKS:
                text = without_excel_text_mark(text)
            return ([] if text in null_values else [text]), False
    else:
        found = resolve(row_values, path)
    items: Iterable[Any] = found if isinstance(found, list | tuple) else (found,)
    out: list[Scalar] = []
    saw_object = False
    for item in items:
        if isinstance(item, dict | list | tuple | Mapping):
            saw_object = True
            continue
        value = scalar(item, null_values)
        if value is not None:
            out.append(value)
    return out, saw_object


_EXCEL_TEXT_MARKS = ("'", "=")


def without_excel_text_mark(text: str) -> str:
    """A CSV cell without the marks that tell Excel to keep it as text: ``="07700900123"`` (how
    exports keep leading zeros) and an apostrophe before a number (``'9434765919``). A leading
    apostrophe before a letter is left alone: it begins names (``'t Hooft``).

    >>> without_excel_text_mark('="0113 496 0000"'), without_excel_text_mark("'9434765919")
    ('0113 496 0000', '9434765919')
    """
    if text[:2] == '="' and text[-1:] == '"' and len(text) > 2:
        return text[2:-1].strip()
    if text[:1] == "'" and text[1:2].isdigit():
        return text[1:]
    return text


def as_text(value: Scalar) -> str:
    """A value as text: dates in ISO form."""
    return value.isoformat() if isinstance(value, date) else value


def json_value(value: Any, null_values: frozenset[str]) -> Any:
    """An attribute value kept JSON-native: text trimmed, nulls dropped, dates in ISO form."""
    if type(value) is str:  # the usual attribute: spared the type checks below
        text = value.strip()
        return None if text in null_values else text
    if isinstance(value, Mapping):
        return {str(k): json_value(v, null_values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v, null_values) for v in value]
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    found = scalar(value, null_values)
    return as_text(found) if found is not None else None
