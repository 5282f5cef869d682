"""Sex and gender codes to FHIR administrative gender: ``male``, ``female``, ``other``, ``unknown``.

Sources: the NHS Data Dictionary's PERSON STATED GENDER CODE (1 male, 2 female, 9 indeterminate,
X not known) and PERSON GENDER CODE CURRENT (0 not known, 1, 2, 9 not specified), the FHIR
``AdministrativeGender`` codes that PRSB and UK Core use, and the spellings systems write.

Mapping, as UK Core maps the Data Dictionary: 9 "indeterminate" (unable to be classified as
either male or female) → ``other``; 0 and X "not known" → ``unknown``. Words that record the
*absence* of an answer ("not specified", "prefer not to say", "not stated") → ``unknown``,
because they say nothing about the person. Gender identities beyond male and female
("non-binary") → ``other``. Anything unrecognised raises: guessing would corrupt linkage.
"""

from __future__ import annotations

from joinedup.standards.errors import StandardsError, shape_of

FHIR_GENDERS = ("male", "female", "other", "unknown")

_CODES: dict[str, str] = {
    # NHS Data Dictionary codes
    "1": "male", "2": "female", "9": "other", "X": "unknown", "0": "unknown",
    # letters and words systems use
    "M": "male", "MALE": "male", "MAN": "male", "BOY": "male",
    "F": "female", "FEMALE": "female", "WOMAN": "female", "GIRL": "female",
    "I": "other", "INDETERMINATE": "other", "O": "other", "OTHER": "other",
    "NON-BINARY": "other", "NONBINARY": "other", "NON BINARY": "other", "NB": "other",
    "INTERSEX": "other",
    "U": "unknown", "UNKNOWN": "unknown", "UNK": "unknown", "N": "unknown", "NK": "unknown",
    "NOT KNOWN": "unknown", "NOTKNOWN": "unknown", "NOT SPECIFIED": "unknown",
    "NS": "unknown", "NOT STATED": "unknown", "NOT RECORDED": "unknown",
    "PREFER NOT TO SAY": "unknown", "NOT DISCLOSED": "unknown", "UNSPECIFIED": "unknown",
    "NOT GIVEN": "unknown",
    # SNOMED CT concepts some clinical systems export
    "248153007": "male", "248152002": "female", "32570681000036106": "other",
    "394743007": "unknown",
}  # fmt: skip


def normalise_sex(text: str | int) -> str:
    """Return the FHIR administrative gender for a code or spelling: ``"M"`` → ``"male"``.

    Case, spaces and a trailing full stop are ignored; integers from spreadsheets are
    accepted (``1`` → ``"male"``). The FHIR codes themselves pass through, so the function
    is idempotent. Raises :class:`StandardsError` for anything not in the documented list.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise StandardsError("sex or gender code is not text")
    raw = str(text).strip().rstrip(".").upper()
    raw = " ".join(raw.replace("_", " ").split())
    if raw.endswith(".0") and raw[:-2].isdigit():
        raw = raw[:-2]
    if not raw:
        raise StandardsError("sex or gender code is blank")
    found = _CODES.get(raw)
    if found is None:
        raise StandardsError(f"not a recognised sex or gender code ({shape_of(raw, 12)})")
    return found
