"""Reading a page's HTML the way a person reads it: its error summary, its fields' values."""

from __future__ import annotations

from typing import Any

import html5lib


def parse(html: str) -> Any:
    """The page as an ElementTree (no namespaces, so ``.//input`` finds inputs)."""
    return html5lib.parse(html, namespaceHTMLElements=False)


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def error_summary(html: str) -> dict[str, str]:
    """``{"#field": "message"}`` for every link in the GOV.UK error summary, in order."""
    for element in parse(html).iter("div"):
        if "govuk-error-summary" in (element.get("class") or "").split():
            return {link.get("href"): _text(link) for link in element.iter("a")}
    return {}


def field_error(html: str, field_id: str) -> str:
    """The message by a field (GOV.UK's ``<p id="field-error">``), without "Error:"."""
    for element in parse(html).iter("p"):
        if element.get("id") == f"{field_id}-error":
            return _text(element).removeprefix("Error:").strip()
    return ""


def value_of(html: str, field_id: str) -> str | None:
    """What the field with this id holds as the page is shown (input value or textarea text)."""
    for element in parse(html).iter():
        if element.get("id") == field_id:
            if element.tag == "textarea":
                return "".join(element.itertext())
            return element.get("value")
    return None


def checked(html: str, name: str) -> list[str]:
    """The values of the checked radios or checkboxes called ``name``."""
    return [
        element.get("value") or ""
        for element in parse(html).iter("input")
        if element.get("name") == name and element.get("checked") is not None
    ]
