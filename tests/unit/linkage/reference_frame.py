"""The model frame as first written, deriving each column row by row in Python lists, kept as
the reference that `joinedup.linkage.frame.records_frame` (the same derivations over distinct
values and whole columns) must agree with exactly: same columns, dtypes and values."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import pandas as pd

from joinedup.errors import JoinedupError

#: Columns of the frame whose values are lists of strings (empty list, never null).
LIST_COLUMNS = ("given_group", "forenames", "family_all", "mobiles", "landlines", "emails")

#: Every column of the frame, in order. Engines build their schema from this.
FRAME_COLUMNS = (
    "unique_id",
    "source_dataset",
    "given_key",
    "given_initial",
    "given_group",
    "middle_key",
    "forenames",
    "generation",
    "family_key",
    "family_all",
    "nameless_family",
    "dob",
    "dob_year",
    "sex",
    "adult",
    "nhs_number",
    "nhs_valid",
    "nhs_head",
    "nhs_tail",
    "uprn",
    "postcode",
    "postcode_sector",
    "postcode_district",
    "address_key",
    "street_key",
    "house_key",
    "mobiles",
    "landlines",
    "emails",
    "mobile_key",
    "email_key",
)

# Letters of any script are kept (a Cyrillic or Chinese name is a name), as in frame.py.
_NOT_LETTERS = re.compile(r"(?:[^\w ]|[\d_])+")
_SPACES = re.compile(r"\s+")
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$")
_PSEUDO_POSTCODE = re.compile(r"^ZZ99-?[0-9][A-Z]{2}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _fallback_name_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).upper()
    folded = folded.replace("-", " ").replace("'", "").replace("’", "")
    return _SPACES.sub(" ", _NOT_LETTERS.sub("", folded)).strip()


def _load_name_key() -> Callable[[str], str]:
    # standards/ owns name normalisation; until it is importable the same rule is applied here,
    # so linkage works in any order the packages land in.
    try:
        from joinedup.standards.names import name_key
    except ImportError:
        return _fallback_name_key
    return name_key


_name_key = _load_name_key()


@lru_cache(maxsize=200_000)
def name_key(text: str | None) -> str | None:
    """The matching key of a name: upper-case ASCII letters and single spaces, or ``None``.

    ``"Zoë O'Neill"`` → ``"ZOE ONEILL"``; an empty result is ``None`` so it compares as missing.
    """
    if text is None:
        return None
    key = _name_key(str(text))
    key = _SPACES.sub(" ", _NOT_LETTERS.sub(" ", key.upper())).strip() if key else ""
    return key or None


@lru_cache(maxsize=1)
def _nicknamer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=200_000)
def given_group(key: str | None) -> tuple[str, ...]:
    """The given name key with its formal forms, so ``BILL`` and ``WILLIAM`` share a member.

    Two records' groups intersect when the names are equal, one is a nickname of the other, or
    both are nicknames of the same formal name (``BILL``/``WILL``). Uses only the first word.
    """
    if not key:
        return ()
    first = key.split(" ")[0]
    group = {first}
    group.update(name.upper() for name in _nicknamer().canonicals_of(first.lower()))
    return tuple(sorted(group))


@lru_cache(maxsize=100_000)
def _postcode_parts(postcode: str | None) -> tuple[str | None, str | None, str | None]:
    if not postcode:
        return None, None, None
    if _PSEUDO_POSTCODE.match("".join(str(postcode).split()).upper()):
        return None, None, None  # an NHS pseudo-postcode (ZZ99 3VZ) is no place
    compact = str(postcode).upper().replace(" ", "")
    match = _UK_POSTCODE.match(compact)
    if match is None:
        # Not a UK postcode (an overseas or partial one): it can still agree exactly.
        return compact, None, compact
    outward, sector_digit, unit = match.groups()
    return f"{outward} {sector_digit}{unit}", f"{outward} {sector_digit}", outward


@lru_cache(maxsize=200_000)
def _dob_parts(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    text = str(value)[:10]
    if _ISO_DATE.match(text) is None:
        raise JoinedupError(f"date_of_birth must be an ISO date (YYYY-MM-DD), got {text!r}")
    return text, text[:4]


_TITLE_SEX = {
    "MR": "male",
    "MRS": "female",
    "MISS": "female",
    "MS": "female",
    "SIR": "male",
    "LADY": "female",
    "MASTER": "male",
    "DAME": "female",
    "LORD": "male",
}


#: Titles used for adults only. "Miss" is left out (girls and unmarried women), as is "Master".
_ADULT_TITLES = frozenset(
    {"MR", "MRS", "MS", "MX", "DR", "PROF", "REV", "SIR", "DAME", "LADY", "LORD", "FR", "SR"}
    | {"CLLR", "CAPT", "RABBI", "IMAM", "HON", "RT HON"}
)


def _adult_title(value: Any) -> str | None:
    text = _blank_to_none(value)
    return "Y" if text and text.upper().rstrip(".") in _ADULT_TITLES else None


def _sex_of_title(value: Any) -> str | None:
    text = _blank_to_none(value)
    return _TITLE_SEX.get(text.upper().rstrip(".")) if text else None


def _nhs_valid(value: Any) -> str | None:
    from joinedup.standards.nhs_number import is_valid_nhs_number

    text = _blank_to_none(value)
    return "Y" if text and is_valid_nhs_number(text) else None


def _house_number(value: Any) -> str | None:
    text = _blank_to_none(value)
    if text is None:
        return None
    return re.sub(r"[^A-Z0-9]+", "", text.upper()) or None


#: Name suffixes that say which of two namesakes of one family a record is (Snr, Jr, II, …);
#: honours and post-nominals say nothing of the kind and are left out.
_GENERATIONS = {
    "JR": "JR", "JNR": "JR", "JUNIOR": "JR", "SNR": "SNR", "SR": "SNR", "SENIOR": "SNR",
    "II": "II", "III": "III", "IV": "IV",
}  # fmt: skip


def _generation(value: Any) -> str | None:
    text = _blank_to_none(value)
    if text is None:
        return None
    words = [_GENERATIONS.get(w) for w in re.split(r"[^A-Z]+", text.upper()) if w]
    found = [w for w in words if w]
    return found[0] if found else None


#: Words that only say "this is a flat"; sources differ in which they write, if any.
_FLAT_WORDS = frozenset({"FLAT", "APARTMENT", "APT", "UNIT", "ROOM", "MAISONETTE", "STUDIO"})


def _flat_key(value: Any) -> str | None:
    # The flat's number is what tells one household in a block from the next: "Flat 15" and
    # "Flat 23" at 56 Cliff Gardens are two dwellings, and "Apartment 15" is the first of them.
    text = _blank_to_none(value)
    if text is None:
        return None
    words = [w for w in re.split(r"[^A-Z0-9]+", _upper_ascii(text)) if w]
    return " ".join(w for w in words if w not in _FLAT_WORDS) or None


def _upper_ascii(text: str) -> str:
    """Upper-case ASCII letters and digits of ``text`` (diacritics folded), for address parts."""
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).upper()


def _phone_kind(number: str) -> str:
    # UK mobiles (+447…) belong to one person; landlines are shared by a household, so they are
    # weaker evidence and compared in their own level.
    return "mobile" if number.startswith("+447") else "landline"


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value else ()
    try:
        return tuple(str(item) for item in value if item)
    except TypeError:
        return ()


def _blank_to_none(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from pandas
        return None
    text = str(value).strip()
    return text or None


def _map_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` once per distinct value: person fields repeat heavily across records."""
    cache: dict[Hashable, Any] = {}
    out = []
    for value in series:
        key = value if isinstance(value, Hashable) else repr(value)
        if key not in cache:
            cache[key] = func(value)
        out.append(cache[key])
    return pd.Series(out, index=series.index, dtype=object)


def _year_only(year: Any) -> str | None:
    text = _blank_to_none(year)
    if text is None:
        return None
    try:
        return f"{int(float(text)):04d}"
    except ValueError:
        return None


def reference_records_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Build the model's input frame from standardised person records, one row per record.

    Each mapping carries ``source_id``, ``record_id`` and any of the common person fields
    (`StandardPerson` names; missing keys are missing data). The frame has ``unique_id`` =
    ``f"{source_id}|{record_id}"``, ``source_dataset`` = ``source_id`` and the derived matching
    columns listed in `FRAME_COLUMNS`. Duplicate record keys raise `JoinedupError`.

    Example: ``records_frame([{"source_id": "gp", "record_id": "1", "given_name": "Bill"}])``.
    """
    raw = pd.DataFrame.from_records(list(records))
    if raw.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in FRAME_COLUMNS})
    for required in ("source_id", "record_id"):
        if required not in raw.columns:
            raise JoinedupError(f"every record needs {required!r} to be linked")

    def column(name: str) -> pd.Series:
        if name in raw.columns:
            return raw[name]
        return pd.Series([None] * len(raw), index=raw.index, dtype=object)

    out = pd.DataFrame(index=raw.index)
    source = column("source_id").map(_blank_to_none)
    record = column("record_id").map(_blank_to_none)
    if source.isna().any() or record.isna().any():
        raise JoinedupError("every record needs a non-empty source_id and record_id")
    out["unique_id"] = source.astype(str) + "|" + record.astype(str)
    if out["unique_id"].duplicated().any():
        dupes = out.loc[out["unique_id"].duplicated(), "unique_id"].head(3).tolist()
        raise JoinedupError(f"record keys must be unique; repeated: {', '.join(dupes)}")
    out["source_dataset"] = source.astype(str)

    given = _map_unique(column("given_name"), lambda v: name_key(_blank_to_none(v)))
    preferred = _map_unique(column("preferred_name"), lambda v: name_key(_blank_to_none(v)))
    middle = _map_unique(column("middle_names"), lambda v: name_key(_blank_to_none(v)))
    # A given name recorded as an initial only ("J") matches by initial, not as a name.
    out["given_key"] = given.where(given.str.len() > 1, None)
    out["given_initial"] = given.str[:1]
    out["given_group"] = [
        tuple(sorted(set(given_group(g)) | set(given_group(p))))
        for g, p in zip(out["given_key"], preferred, strict=True)
    ]
    out["middle_key"] = middle.map(lambda m: m.split(" ")[0] if m else None)
    out["forenames"] = [
        tuple(sorted({w for part in (g, p, m) if part for w in part.split(" ") if len(w) > 1}))
        for g, p, m in zip(out["given_key"], preferred, middle, strict=True)
    ]

    # "Snr" or "Jr" says the family holds two people of this name, whether or not the sources do.
    out["generation"] = _map_unique(column("name_suffix"), _generation)

    def family_key(value: Any) -> str | None:
        # A prefix written apart or together is one family name: Mc Donald, McDonald.
        key = name_key(value)
        return key.replace(" ", "") if key else None

    family = _map_unique(column("family_name"), lambda v: family_key(_blank_to_none(v)))
    out["family_key"] = family
    out["nameless_family"] = [
        f if (g is None or g != g) else None for g, f in zip(given, family, strict=True)
    ]
    others = column("other_family_names").map(_as_tuple)
    out["family_all"] = [
        tuple(sorted({k for k in (f, *(family_key(o) for o in other)) if k}))
        for f, other in zip(family, others, strict=True)
    ]

    dob_parts = _map_unique(column("date_of_birth"), lambda v: _dob_parts(_blank_to_none(v)))
    out["dob"] = dob_parts.map(lambda parts: parts[0])
    year_from_dob = dob_parts.map(lambda parts: parts[1])
    out["dob_year"] = year_from_dob.where(
        year_from_dob.notna(), _map_unique(column("year_of_birth"), _year_only)
    )

    sex = column("sex").map(_blank_to_none).map(lambda s: s.lower() if s else None)
    # A title says sex where a source records no sex (council tax holds "Mr N Rossi").
    sex = sex.where(sex.notna(), column("title").map(_sex_of_title))
    out["sex"] = sex.where(sex.isin(["male", "female"]), None)
    # "Mr J Nowak" on a council tax bill is an adult: not the four-year-old Jakub at that address.
    out["adult"] = _map_unique(column("title"), _adult_title)
    out["nhs_number"] = (
        column("nhs_number").map(_blank_to_none).map(lambda n: n.replace(" ", "") if n else None)
    )
    # A number that passes the Modulus 11 check was issued to someone; a typo almost never
    # passes it. Two such numbers that differ are two people (see comparisons.NHS_VALID_DIFFERENT).
    out["nhs_valid"] = _map_unique(out["nhs_number"], _nhs_valid)
    out["nhs_head"] = out["nhs_number"].map(lambda n: n[: len(n) // 2] if n else None)
    out["nhs_tail"] = out["nhs_number"].map(lambda n: n[len(n) // 2 :] if n else None)
    out["uprn"] = column("uprn").map(_blank_to_none)

    parts = _map_unique(column("postcode"), lambda v: _postcode_parts(_blank_to_none(v)))
    out["postcode"] = parts.map(lambda p: p[0])
    out["postcode_sector"] = parts.map(lambda p: p[1])
    out["postcode_district"] = parts.map(lambda p: p[2])

    flat = _map_unique(column("flat"), _flat_key)
    number = _map_unique(column("house_number"), _house_number)
    house_name = _map_unique(column("house_name"), lambda v: name_key(_blank_to_none(v)))
    out["house_key"] = [
        " ".join(p for p in (f, n or h) if p) or None
        for f, n, h in zip(flat, number, house_name, strict=True)
    ]
    out["street_key"] = _map_unique(column("street"), lambda v: name_key(_blank_to_none(v)))
    out["address_key"] = [
        f"{pc}|{house}" if pc and house else None
        for pc, house in zip(out["postcode"], out["house_key"], strict=True)
    ]

    phones = column("phones").map(_as_tuple)
    out["mobiles"] = phones.map(
        lambda ps: tuple(sorted(p for p in ps if _phone_kind(p) == "mobile"))
    )
    out["landlines"] = phones.map(
        lambda ps: tuple(sorted(p for p in ps if _phone_kind(p) == "landline"))
    )
    out["emails"] = column("emails").map(lambda es: tuple(sorted(e.lower() for e in _as_tuple(es))))
    # A mobile and an email belong to one person and outlast a move or a new surname; blocking
    # joins on one value, so each record offers its first.
    out["mobile_key"] = out["mobiles"].map(lambda ms: ms[0] if ms else None)
    out["email_key"] = out["emails"].map(lambda es: es[0] if es else None)

    out = out.reset_index(drop=True)
    for name in LIST_COLUMNS:
        out[name] = out[name].map(list)
    return out[list(FRAME_COLUMNS)]
