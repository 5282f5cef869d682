"""UK postcodes: normalise, validate the official format, split into its parts.

The format is the one Royal Mail and the ONS publish (the postcode unit of the ONS Postcode
Directory): an outward code of a one- or two-letter *area* and a *district* number with an
optional letter (``A9``, ``A99``, ``AA9``, ``AA99``, ``A9A``, ``AA9A``), a space, and an inward
code of a digit and two letters (``9AA``). Letters are restricted by position (no Q, V or X
first; no I, J or Z second; the inward letters never use C, I, K, M, O or V), so ``LS6 2AB`` is
valid and ``QS6 2AB`` is not. ``GIR 0AA`` (Girobank) is accepted as the one historical exception.

Choices, documented in ``docs/standards.md``:

- BFPO *numbers* (``BFPO 123``) are not postcodes and are rejected with a reason that says so;
  British Forces addresses that carry a real postcode (``BF1 3AA``) pass like any other.
- Postcodes of the Crown dependencies (``JE``, ``GY``, ``IM``) are in the format and accepted.
  Overseas-territory codes (``ASCN 1ZZ``, ``STHL 1ZZ``, ``GX11 1AA``) are not UK postcodes.
- NHS pseudo-postcodes (``ZZ99 3VZ`` no fixed abode, ``ZZ99 3WZ`` address not known, and the
  ``ZZ99`` country codes) are recognised and normalised but flagged by
  :func:`is_pseudo_postcode` and ``Postcode.is_pseudo``: they say something about the person,
  not where they live, so linkage must not treat two of them as the same place.
  :func:`pseudo_postcode_note` gives the data-quality warning ingest keeps beside one.
- One repair only: the inward code always starts with a digit, so a letter ``O`` or ``I``
  there (``LS6 OAB``) can only be a mistyped ``0`` or ``1`` and is read as one. Nothing else
  is guessed: a wrong postcode joins strangers, which is worse than none.
- A hyphen between the outward and inward codes (``ls6-2ab``) stands for the space; anywhere
  else it is not a postcode.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

from joinedup.standards.errors import StandardsError

# Positional letter rules from the Royal Mail Programmers' Guide / ONS.
_A1 = "A-PR-UWYZ"  # first letter: not Q, V, X
_A2 = "A-HK-Y"  # second letter: not I, J, Z
_A3 = "A-HJKPSTUW"  # letter after a one-letter area's digit (A9A)
_A4 = "ABEHMNPRVWXY"  # letter after a two-letter area's digit (AA9A)
_IN = "ABD-HJLNP-UW-Z"  # inward letters: not C, I, K, M, O, V

_OUTWARD = (
    rf"(?:[{_A1}][0-9]{{1,2}}"
    rf"|[{_A1}][{_A2}][0-9]{{1,2}}"
    rf"|[{_A1}][0-9][{_A3}]"
    rf"|[{_A1}][{_A2}][0-9][{_A4}])"
)
_INWARD = rf"[0-9][{_IN}]{{2}}"
_POSTCODE_RE = re.compile(rf"^(?P<outward>{_OUTWARD}) (?P<inward>{_INWARD})$")
_PSEUDO_RE = re.compile(r"^ZZ99 [0-9][A-Z]{2}$")
# A loose shape used to find candidates inside free text before validating them strictly.
_CANDIDATE_RE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,2}[0-9][A-Za-z0-9]?)(?:\s*-\s*|\s*)([0-9][A-Za-z]{2})"
    r"(?![A-Za-z0-9])"
)
_SPACES = re.compile(r"\s+")
_COMMAS = re.compile(r"\s*,\s*(,\s*)*")
_GIRO = "GIR 0AA"
_DIGIT_LOOKALIKES = {"O": "0", "I": "1"}


@dataclass(frozen=True, slots=True)
class Postcode:
    """A valid postcode and its parts, ONS naming.

    ``LS6 2AB``: area ``LS``, district ``LS6``, outward ``LS6``, inward ``2AB``, sector ``LS6 2``.
    ``EC1A 1BB``: area ``EC``, district ``EC1`` (the sub-district letter dropped), outward
    ``EC1A``, inward ``1BB``, sector ``EC1A 1``.
    """

    postcode: str
    area: str
    district: str
    outward: str
    inward: str
    sector: str
    is_pseudo: bool = False


def _compact(text: str) -> str:
    if not isinstance(text, str):
        raise StandardsError("postcode is not text")
    compact = re.sub(r"\s+", "", text).upper()
    if compact[:1] == "'":
        compact = compact[1:]  # Excel's mark that a cell is text ('LS6 2AB), not part of it
    if compact[-1:] in (".", ",", ";"):
        compact = compact.rstrip(".,;")  # the end of a typed sentence ("LS6 2AB.")
    if "-" in compact and compact.count("-") == 1 and compact.index("-") == len(compact) - 4:
        # "LS6-2AB": one hyphen just before the inward code (a digit and two letters) can
        # only stand for the space. Elsewhere it is left in, and the text is not a postcode.
        compact = compact.replace("-", "")
    return compact


def normalise_postcode(text: str, *, allow_pseudo: bool = True) -> str:
    """Return ``text`` as a postcode in its official form, e.g. ``" ls62ab "`` → ``"LS6 2AB"``.

    Case and spacing are fixed (a missing or doubled space is fine); the result must then match
    the official UK format or a :class:`StandardsError` is raised with the reason. NHS
    pseudo-postcodes (``ZZ99 3VZ``) are returned normalised unless ``allow_pseudo`` is False;
    check :func:`is_pseudo_postcode` before treating one as a place.
    """
    compact = _compact(text)
    if not compact:
        raise StandardsError("postcode is blank")
    if compact.startswith("BFPO"):
        raise StandardsError("a BFPO number is not a postcode")
    if len(compact) < 5 or len(compact) > 7:
        if len(compact) > 7 and _several(text):
            raise StandardsError(SEVERAL_POSTCODES)
        raise StandardsError(f"postcode has {len(compact)} characters; a UK postcode has 5 to 7")
    if compact[-3] in _DIGIT_LOOKALIKES:
        compact = compact[:-3] + _DIGIT_LOOKALIKES[compact[-3]] + compact[-2:]
    spaced = f"{compact[:-3]} {compact[-3:]}"
    if spaced == _GIRO or _POSTCODE_RE.match(spaced):
        return spaced
    if _PSEUDO_RE.match(spaced):
        if not allow_pseudo:
            raise StandardsError("an NHS pseudo-postcode (ZZ99) is not a real place")
        return spaced
    raise StandardsError(_why_invalid(spaced))


#: Why a postcode field holding two postcodes (``LS6 2AB / LS7 3CD``: an old and a new
#: address, or a correspondence address) keeps neither: which is the person's is not said.
SEVERAL_POSTCODES = (
    "holds more than one postcode, and which one is the address's is not said: none is kept"
)


def _several(text: str) -> bool:
    found: set[str] = set()
    for match in _CANDIDATE_RE.finditer(text):
        with contextlib.suppress(StandardsError):
            found.add(normalise_postcode(match.group(1) + match.group(2)))
    return len(found) > 1


_OUTWARD_RE = re.compile(rf"^{_OUTWARD}$")


def normalise_outward_code(text: str) -> str:
    """Return ``text`` as an outward code (the part before the space), e.g. ``" ls6 "`` → ``"LS6"``.

    For searches by the postcode district a practitioner knows or was shown ("somewhere in
    LS6"); the format is the outward part of :func:`normalise_postcode`'s. A pseudo-postcode's
    ``ZZ99`` is not a place and is refused. Raises :class:`StandardsError` with the reason.
    """
    if not isinstance(text, str):
        raise StandardsError("postcode district is not text")
    compact = text.strip().upper()
    if not compact:
        raise StandardsError("postcode district is blank")
    if re.search(r"\s", compact):
        # "NB1 0" is part of a full postcode (a sector), not the district NB10.
        raise StandardsError("not a postcode district (the part before the space, such as LS6)")
    if compact == "ZZ99":
        raise StandardsError("an NHS pseudo-postcode (ZZ99) is not a real place")
    if not _OUTWARD_RE.match(compact):
        raise StandardsError("not a postcode district (the part before the space, such as LS6)")
    return compact


def _why_invalid(spaced: str) -> str:
    outward, inward = spaced.split(" ")
    if not re.match(r"^[0-9][A-Z]{2}$", inward):
        return "inward code (after the space) must be a digit then two letters"
    if re.search(f"[^{_IN}]", inward[1:]):
        return "inward code uses a letter Royal Mail never uses there (C, I, K, M, O or V)"
    if not re.match(r"^[A-Z]{1,2}[0-9]", outward):
        return "outward code must start with one or two letters then a digit"
    return "outward code is not in an official UK postcode format"


def is_pseudo_postcode(text: str) -> bool:
    """True when ``text`` is an NHS pseudo-postcode (``ZZ99 3VZ``, ``zz993wz`` …).

    Pseudo-postcodes record "no fixed abode", "address not known" or a country of residence
    outside the UK; they are not places and must never count as a shared address.
    """
    try:
        compact = _compact(text)
    except StandardsError:
        return False
    return len(compact) == 7 and bool(_PSEUDO_RE.match(f"{compact[:4]} {compact[4:]}"))


# What each pseudo-postcode stands for (NHS Data Dictionary); the other ZZ99 codes stand for
# a country or a part of the UK, not an address.
_PSEUDO_MEANINGS = {"ZZ99 3VZ": "no fixed abode", "ZZ99 3WZ": "address not known"}


def pseudo_postcode_note(postcode: str) -> str | None:
    """The data-quality warning for an NHS pseudo-postcode, or None for any other text.

    ``pseudo_postcode_note("ZZ99 3VZ")`` is ``"NHS pseudo-postcode (no fixed abode): kept,
    but it is not a place"``. Ingest keeps the pseudo-postcode (it says something about the
    person) with this warning; linkage never counts it as a shared location.
    """
    if not is_pseudo_postcode(postcode):
        return None
    compact = _compact(postcode)
    meaning = _PSEUDO_MEANINGS.get(f"{compact[:4]} {compact[4:]}", "a country, not an address")
    return f"NHS pseudo-postcode ({meaning}): kept, but it is not a place"


def parse_postcode(text: str) -> Postcode:
    """Normalise ``text`` and split it into area, district, outward, inward and sector.

    Raises :class:`StandardsError` as :func:`normalise_postcode` does. Example:
    ``parse_postcode("ec1a1bb").district == "EC1"``.
    """
    postcode = normalise_postcode(text)
    outward, inward = postcode.split(" ")
    area = re.match(r"^[A-Z]+", outward).group(0)  # type: ignore[union-attr]
    district = re.match(r"^[A-Z]+[0-9]+", outward)
    return Postcode(
        postcode=postcode,
        area=area,
        district=district.group(0) if district else outward,
        outward=outward,
        inward=inward,
        sector=f"{outward} {inward[0]}",
        is_pseudo=is_pseudo_postcode(postcode),
    )


def extract_postcode(text: str) -> tuple[str | None, str]:
    """Pull a postcode out of a one-line address: ``(postcode or None, the rest)``.

    The last valid postcode in the text wins (a postcode sits at the end of a UK address); it
    is returned normalised and removed from the rest, which keeps its own wording with
    dangling commas and spaces tidied. Nothing is raised: no postcode gives ``(None, text)``.
    Example: ``extract_postcode("12 High St, Leeds LS1 1AA")`` gives
    ``("LS1 1AA", "12 High St, Leeds")``.
    """
    if not isinstance(text, str):
        return None, ""
    for match in reversed(list(_CANDIDATE_RE.finditer(text))):
        try:
            postcode = normalise_postcode(match.group(1) + match.group(2))
        except StandardsError:
            continue
        start = match.start()
        if text[start - 1 : start] == "'":
            start -= 1  # Excel's text mark before the postcode ('LS6 2AB) goes with it
        rest = text[:start] + " " + text[match.end() :]
        return postcode, _tidy(rest)
    return None, _tidy(text)


def _tidy(text: str) -> str:
    if "," not in text and " ".join(text.split()) == text:
        # Already tidy (an address line as parse_address passes it): ``\s`` and str.split()
        # know the same whitespace, so there is nothing for the substitutions to do.
        return text
    text = _SPACES.sub(" ", text)
    text = _COMMAS.sub(", ", text)
    return text.strip(" ,")
