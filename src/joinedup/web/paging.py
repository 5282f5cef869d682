"""Reading the page number of a list's "page" link: the accounts and the review queue."""

from __future__ import annotations

import re


def page_number(text: str | None) -> int:
    """The page a ``?page=`` link asks for, from 1; anything but a page number is the first.

    A link only, never typed: so no error message, and not ``str.isdigit`` (which takes "²").
    Example: ``page_number("3")`` is 3; ``page_number("x")`` and ``page_number("0")`` are 1.
    """
    return int(text) if text and re.fullmatch(r"[0-9]{1,6}", text) and int(text) else 1
