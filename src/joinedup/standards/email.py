"""Email addresses: trimmed, domain lower-cased, basic syntax checked.

The local part (before ``@``) is kept exactly as written: RFC 5321 lets it be case-sensitive,
and folding it would wrongly make two addresses look alike. The domain is case-insensitive, so
it is lower-cased. The syntax check is deliberately basic (RFC 5322's full grammar admits forms
no council system produces): one ``@``; a local part of 1–64 characters with no spaces, angle
brackets, commas or semicolons and no leading, trailing or doubled dots; a domain of dot-separated
labels of letters, digits and hyphens (internationalised letters allowed) ending in a top-level
domain of at least two letters. A ``mailto:`` prefix, a display name before the address in
``<…>`` (``Ann Smith <ann@example.org>``, as Outlook copies one) and a note in brackets after
it (``(work)``) are removed.

A cell holding several addresses (``a@example.org; b@example.com``) is split by
:func:`split_emails`; :func:`normalise_email` refuses it whole.
"""

from __future__ import annotations

import re

from joinedup.standards.errors import StandardsError

_LOCAL = re.compile(r"^[^\s@<>(),;:\"\[\]\\]+$")
_LABEL = re.compile(r"^(?!-)[^\W_](?:[\w-]{0,61}[^\W_])?$")
_TLD = re.compile(r"^[^\W\d_]{2,63}$|^xn--[a-z0-9-]{2,59}$")


def normalise_email(text: str) -> str:
    """Return the address with its domain lower-cased: ``" Jo.Bloggs@Example.ORG "`` →
    ``"Jo.Bloggs@example.org"``.

    Raises :class:`StandardsError` with a reason that names the part at fault, never the
    address. Idempotent.
    """
    if not isinstance(text, str):
        raise StandardsError("email address is not text")
    raw = text.strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[7:].strip()
    if raw.endswith(">") and "<" in raw:
        # Outlook's copied form, a display name before the address: "Ann Smith <ann@x.org>".
        raw = raw[raw.rindex("<") + 1 : -1].strip()
    elif raw.endswith(")") and "(" in raw and "@" in raw[: raw.rindex("(")]:
        raw = raw[: raw.rindex("(")].strip()  # a note after the address: "ann@x.org (work)"
    if not raw:
        raise StandardsError("email address is blank")
    if raw.count("@") != 1:
        if len(split_emails(raw)) > 1:
            raise StandardsError("holds more than one email address")
        raise StandardsError("email address must contain exactly one @")
    local, domain = raw.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        raise StandardsError("email address has an invalid part before the @")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise StandardsError("email address has a misplaced dot before the @")
    domain = domain.lower().rstrip(".")
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise StandardsError("email address has an invalid domain after the @")
    if not _TLD.match(labels[-1]):
        raise StandardsError("email address domain does not end in a top-level domain")
    return f"{local}@{domain}"


# What stands between two addresses in one cell: Outlook's "; ", a comma, a slash, a line
# break or a space (none of them can be in an address this module accepts).
_BETWEEN = re.compile(r"\s*[;,/]\s*|\s+")


def split_emails(text: str) -> tuple[str, ...]:
    """The addresses in a cell that holds several: ``"a@example.org; b@example.com"`` gives
    ``("a@example.org", "b@example.com")``. A cell in which fewer than two pieces hold an
    ``@``, or any other piece is left over, comes back whole as ``(text,)``. Never raises; the
    pieces are not normalised.
    """
    pieces = [p for p in _BETWEEN.split(text.strip()) if p]
    if len(pieces) < 2 or not all(p.count("@") == 1 for p in pieces):
        return (text,)
    return tuple(pieces)
