"""Field references into a row: a column name, or a dotted path into a nested JSON object.

``person.name.family`` walks object keys; a step of digits indexes a list
(``addresses.0.postcode``). Paths are compiled once when the mapping loads, so the per-row cost
is a few dictionary look-ups.
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
    """
    current = value
    for step in path:
        if type(current) is dict or isinstance(current, Mapping):
            if step in current:
                current = current[step]
                continue
            return None
        if type(current) is list or (
            isinstance(current, Sequence) and not isinstance(current, str | bytes)
        ):
            if step.isdigit() and int(step) < len(current):
                current = current[int(step)]
                continue
            return None
        return None
    return current
