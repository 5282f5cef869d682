"""Field references into a row: a column name, or a dotted path into a nested JSON object.

``person.name.family`` walks object keys; a step of digits indexes a list
(``addresses.0.postcode``); any other step reaching a list is taken in each of its objects
(``contacts.phone`` over ``"contacts": [{"phone": …}, {"phone": …}]`` gives every phone, as
MongoDB and JSONPath's ``contacts[*].phone`` read it). Paths are compiled once when the mapping
loads, so the per-row cost is a few dictionary look-ups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Path = tuple[str, ...]


def compile_path(text: str) -> Path:
    """Split a dotted path: ``"addresses.0.postcode"`` → ``("addresses", "0", "postcode")``."""
    return tuple(text.split("."))


def resolve(value: Any, path: Path) -> Any:
    """The value at ``path`` inside nested dicts and lists, or ``None`` where any step is missing.

    A digit step indexes a list and is also tried as an object key, since JSON keys are strings.
    Any other step that meets a list is taken in each of its items, and what they hold comes
    back as one list (``None`` when none holds it).
    """
    current = value
    for at, step in enumerate(path):
        if type(current) is dict or isinstance(current, Mapping):
            if step in current:
                current = current[step]
                continue
            return None
        if type(current) is list or (
            isinstance(current, Sequence) and not isinstance(current, str | bytes)
        ):
            if step.isdigit():
                if int(step) < len(current):
                    current = current[int(step)]
                    continue
                return None
            return _each(current, path[at:])
        return None
    return current


def _each(items: Sequence[Any], path: Path) -> list[Any] | None:
    found: list[Any] = []
    for item in items:
        value = resolve(item, path)
        if isinstance(value, list):
            found.extend(value)
        elif value is not None:
            found.append(value)
    return found or None
