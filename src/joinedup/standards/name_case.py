"""Display case and matching keys for names: ``O'NEILL`` → ``O'Neill``, ``Zoë`` → ``ZOE``.

Kept apart from name parsing because linkage imports :func:`name_key` on its own.
"""

from __future__ import annotations

import unicodedata

# Family-name particles written in lower case inside a name ("Ludwig van Beethoven"); the
# Welsh patronymics "ap"/"ab" (son of) and "ferch"/"verch" (daughter of) as "bin" is.
PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten"}
    | {"bin", "binti", "bint", "ibn", "al", "el", "dos", "das", "do", "y"}
    | {"ap", "ab", "ferch", "verch"}
    # Dutch "'t" (het: Gerard 't Hooft, van 't Hof), lower case before the name as "van" is.
    | {"'t"}
)

# "Mac" is only capitalised as "MacX" for names where that is the usual spelling; "Mackie",
# "Macey", "Machin" and "Mace" are names in their own right, so a rule would mangle them.
_MAC_NAMES = frozenset(
    {
        "macarthur", "macaulay", "macbeth", "macdonald", "macdougall", "macduff", "macfarlane",
        "macgregor", "macinnes", "macintyre", "maciver", "mackay", "mackenzie", "mackinnon",
        "maclachlan", "maclean", "macleod", "macmillan", "macnab", "macnaughton", "macneil",
        "macpherson", "macquarrie", "macqueen", "macrae", "macritchie", "macsween",
    }
)  # fmt: skip

_ROMAN = frozenset({"ii", "iii", "iv", "vi", "vii", "viii"})

# Letters NFKD does not decompose into ASCII; folded by hand for matching keys only.
_FOLD = str.maketrans(
    {
        "Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
        "ß": "ss", "ẞ": "SS", "Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Þ": "TH", "þ": "th",
        "ı": "i", "Ħ": "H", "ħ": "h", "Ŀ": "L", "ŀ": "l", "ſ": "s",
    }
)  # fmt: skip
# Typographic and modifier apostrophes all mean the plain one in a name (O’Neill, Oʼneill).
APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# Word processors and Windows-1252 exports turn a typed hyphen into an en or em dash
# (Smith–Jones); in a name they all mean the hyphen, and the apostrophes the plain one.
NAME_MARKS = str.maketrans(
    {"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "–": "-", "—": "-", "‐": "-", "‑": "-"}
)


def is_one_case(part: str) -> bool:
    """True when ``part`` has no lower-case letters or no upper-case ones (``SMITH``, ``smith``)."""
    return part == part.upper() or part == part.lower()


def capitalise_word(part: str) -> str:
    """Capitalise one word (no spaces or hyphens) in one case: ``MCDONALD`` → ``McDonald``."""
    lowered = part.lower()
    if not lowered:
        return part
    if lowered in _ROMAN:
        return lowered.upper()
    if lowered.startswith("mc") and len(lowered) > 2 and lowered[2].isalpha():
        return "Mc" + lowered[2].upper() + lowered[3:]
    if lowered in _MAC_NAMES:
        return "Mac" + lowered[3].upper() + lowered[4:]
    if "'" in lowered:
        # O'Neill, D'Arcy: capital after an apostrophe that follows one letter.
        head, _, tail = lowered.partition("'")
        if len(head) == 1 and tail:
            return head.upper() + "'" + tail[0].upper() + tail[1:]
    first = lowered[0].upper()
    # Some letters (e.g. "ǆ") have a title case different from their upper case.
    if len(first) != 1:
        first = lowered[0]
    return first + lowered[1:]


def display_case(text: str) -> str:
    """Case a name for display: ``O'NEILL-SMITH`` → ``O'Neill-Smith``, ``ZOË`` → ``Zoë``.

    Each word and each hyphenated piece written all in one case is capitalised: a capital
    after ``O'``/``D'``; ``Mc`` always (``McDonald``); ``Mac`` only for a list of names where
    it is the usual spelling (``MacLeod``, but ``Mackie`` stays); particles (``van der``,
    ``de la``, ``bin``) lower case before another word. Pieces already in mixed case are kept
    as written (someone chose ``DeVito``). Diacritics are kept; spaces are collapsed,
    typographic apostrophes become ``'`` and dashes ``-``. Idempotent.
    """
    words = " ".join(text.translate(NAME_MARKS).split()).split(" ")
    out: list[str] = []
    for index, word in enumerate(words):
        if index < len(words) - 1 and word.lower() in PARTICLES and is_one_case(word):
            out.append(word.lower())
            continue
        pieces = word.split("-")
        out.append("-".join(capitalise_word(p) if is_one_case(p) else p for p in pieces))
    return " ".join(out)


def fold_diacritics(text: str) -> str:
    """Remove diacritics from Latin letters: ``Zoë Łukasz`` → ``Zoe Lukasz``."""
    # Fold before and after decomposing: compatibility forms (``ᴭ``) decompose to letters
    # (``Æ``) that only the table folds.
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD)).translate(_FOLD)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(text: str) -> str:
    """The key linkage compares names on: upper-case ASCII letters and single spaces.

    ``name_key("O'Neill-Smith") == "ONEILL SMITH"``, ``name_key("Zoë") == "ZOE"``,
    ``name_key("van der Berg") == "VAN DER BERG"``. Diacritics are folded; apostrophes and
    dots vanish (``O'Neill``, ``St.``); hyphens and other punctuation separate words, so
    linkage can still take a first word or drop the spaces. Digits are dropped. Letters of
    other scripts (Arabic, Chinese …) are kept, upper-cased where they have case, because
    dropping them would make every such name share the empty key. Never raises; text with no
    letters gives ``""``.
    """
    folded = fold_diacritics(text).translate(APOSTROPHES).upper()
    kept = []
    for ch in folded:
        if ch.isalpha():
            kept.append(ch)
        elif ch in "'.":
            continue
        elif not ch.isdigit():
            kept.append(" ")
    return " ".join("".join(kept).split())


def has_letters(text: str) -> bool:
    """True when ``text`` contains at least one letter of any script."""
    return any(map(str.isalpha, text))
