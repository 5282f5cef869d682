"""Characters that look like others, or like nothing, in text copied out of other software.

Extracts carry what people pasted into the source system from web pages, Word and mobile
keyboards: a zero-width space inside a postcode (``LS6\u200b2AB``) or a name, a byte-order mark
left mid-file where files were joined, a soft hyphen, full-width digits from an East Asian
input method (``９４３…``), a non-breaking space, and dashes Word typed for a hyphen
(``943–476–5919``). Each reads as the plain character it stands for, or as nothing.

Left alone: the zero-width joiner and non-joiner, which spell words in Persian and Indic
scripts, and text that is already ASCII (most cells, answered without looking further).
"""

from __future__ import annotations

import unicodedata

# Invisible characters no identifying value holds on purpose: zero-width space, word
# joiner, byte-order mark (zero-width no-break space), soft hyphen.
_DROPPED = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
# Hyphens and dashes (U+2010 to U+2015) and the minus sign all stand for "-" in a value.
_DASHES = {ord(ch): "-" for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"}
# An acute accent typed for an apostrophe (O´Neill): NFKC would make it a space and a mark.
_TABLE = str.maketrans({**_DROPPED, **_DASHES, ord("´"): "'"})


def tidy_characters(text: str) -> str:
    """``text`` with invisible characters dropped, dashes made ``-`` and compatibility forms
    (full-width letters and digits, non-breaking spaces, ligatures) made plain (NFKC).

    >>> tidy_characters("LS6\\u200b２ＡＢ"), tidy_characters("943–476–5919")
    ('LS62AB', '943-476-5919')
    """
    if text.isascii():
        return text
    # Again after NFKC, which makes some forms into the dashes the table maps (﹘ into —).
    return unicodedata.normalize("NFKC", text.translate(_TABLE)).translate(_TABLE)
