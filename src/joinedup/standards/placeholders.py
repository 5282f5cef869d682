"""Values systems hold in a field to say "not known": ``N/K``, ``Not Known``, ``Unknown``, ``-``.

No date, phone number, postcode, email address, NHS number or UPRN is written this way, so a
standard that rejects such a value should not describe it as a malformed one ("postcode has 3
characters"): it is a placeholder, and nothing was lost with it. Names have their own list
(:mod:`joinedup.standards.name_tokens`).
"""

from __future__ import annotations

import re

# Compared in capitals with dots dropped and spaces single: "n.k." and "N / K" are NK and N/K.
PLACEHOLDERS = frozenset(
    """- -- --- ? ?? . N/A NA N/K NK N/S NS UNK UNKNOWN NONE NULL NIL TBC TBA
    NOT-KNOWN""".split()  # noqa: SIM905
) | frozenset(
    {"NOT KNOWN", "NOT GIVEN", "NOT RECORDED", "NOT STATED", "NOT APPLICABLE", "NOT AVAILABLE"}
)
# A phone number the resident keeps private: there is one, but the source does not hold it.
PLACEHOLDERS |= {"EX-DIRECTORY", "EX DIRECTORY", "EXDIRECTORY", "WITHHELD", "NUMBER WITHHELD"}
#: The error values a spreadsheet shows where a formula failed (``#REF!``, ``#N/A``), and
#: writes as text when saved to CSV: no value of any field. Excel's and LibreOffice's.
SPREADSHEET_ERRORS = frozenset(
    """#N/A #REF! #VALUE! #DIV/0! #NAME? #NUM! #NULL! #SPILL! #CALC! #FIELD! #BLOCKED!
    #CONNECT! #BUSY! #UNKNOWN! #GETTING_DATA #NV Err:502 Err:504 Err:508 Err:522""".upper().split()
)
PLACEHOLDERS |= SPREADSHEET_ERRORS
_SPACED = re.compile(r"\s*/\s*|\s+")
# The characters placeholders begin with: ingest asks of every address part, and most (a
# house number, "High Street") are answered on their first character, before the regex.
_FIRSTS = frozenset(p[0] for p in PLACEHOLDERS)


def is_placeholder(text: object) -> bool:
    """Whether ``text`` only says "not known" (``N/K``, ``n.k.``, ``Not Known``, ``-``).

    >>> [is_placeholder(t) for t in ("N/K", "n.k.", "Not known", "-", "LS6 2AB", "")]
    [True, True, True, True, False, False]
    """
    if not isinstance(text, str) or len(text) > 20:
        return False
    if text[:1].upper() not in _FIRSTS and text.lstrip()[:1].upper() not in _FIRSTS:
        return False
    plain = _SPACED.sub(lambda m: "/" if "/" in m.group() else " ", text.strip().upper())
    return plain.replace(".", "") in PLACEHOLDERS or plain in PLACEHOLDERS


def placeholder_reason(text: str) -> str:
    """The reason a placeholder is not a value: it names the placeholder (one of a fixed list,
    never personal data) so that the source's mapping can list it in ``null_values``."""
    if text.strip().upper() in SPREADSHEET_ERRORS:
        return spreadsheet_error_reason(text)
    return f"'{text.strip()}' is a placeholder for not known: treated as missing"


def spreadsheet_error_reason(text: str) -> str:
    """The reason a spreadsheet's error value (``#REF!``) is not a value: it names the error."""
    return (
        f"'{text.strip()}' is a spreadsheet formula's error, not a value: treated as missing "
        "(fix the formula in the source workbook)"
    )
