"""The model's input: one row per source record, with the matching columns the model compares.

Standardised records arrive as mappings of the common person schema
(`joinedup.standards.person.StandardPerson` field names plus ``source_id`` and ``record_id``).
This module derives what the comparisons need — upper-case ASCII name keys, nickname groups,
the generation a name suffix states (Snr, Jr), postcode sector and district, an address key
(with a flat's number), mobile and other phones — and nothing else.
A source that lacks a field simply gives nulls there: every comparison has a null level, so a
missing field is no evidence either way.

Derivations run once per distinct value (names, postcodes and dates repeat a lot), so a million
records take seconds rather than minutes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from joinedup.errors import JoinedupError
from joinedup.linkage.distinct import Distinct, combine
from joinedup.linkage.gc_pause import cycle_collection_paused
from joinedup.standards.postcode import is_pseudo_postcode

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

# Anything but letters (of any script: a Cyrillic, Arabic or Chinese name is a name, and an
# empty key would make every such name compare as missing) and spaces.
_NOT_LETTERS = re.compile(r"(?:[^\w ]|[\d_])+")
_SPACES = re.compile(r"\s+")
_UK_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])([A-Z]{2})$")
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
    """The matching key of a name: upper-case letters and single spaces, or ``None``.

    ``"Zoë O'Neill"`` → ``"ZOE ONEILL"`` (diacritics folded); ``"Иван"`` → ``"ИВАН"`` and
    ``"李"`` → ``"李"`` (other scripts kept, as ``standards`` keeps them); an empty result is
    ``None`` so it compares as missing.
    """
    if text is None:
        return None
    key = _name_key(str(text))
    key = _SPACES.sub(" ", _NOT_LETTERS.sub(" ", key.upper())).strip() if key else ""
    return key or None


@lru_cache(maxsize=200_000)
def family_key(text: str | None) -> str | None:
    """The matching key of a family name: its name key without spaces, so a prefix written
    apart or together is one name (``Mc Donald``/``McDonald``, ``O' Brien``/``O'Brien``,
    ``Van der Berg``/``Vanderberg``, ``Smith-Jones``/``Smith Jones``)."""
    key = name_key(text)
    return key.replace(" ", "") if key else None


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
    if is_pseudo_postcode(str(postcode)):
        # An NHS pseudo-postcode (ZZ99 3VZ, no fixed abode) says where someone is not known
        # to live: two of them are no shared place, so it derives as no postcode at all.
        return None, None, None
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


_NHS_WEIGHTS = np.arange(10, 1, -1)


def _nhs_valid_each(values: list[Any]) -> list[str | None]:
    """`_nhs_valid` of each value; ten plain digits, nearly all of them, checked as one array.

    For ten ASCII digits ``normalise_nhs_number`` only rejects one repeated digit and a failed
    Modulus 11 check, which is what the array check does; any other value takes the function.
    """
    out = [None if _is_ten_digits(v) else _nhs_valid(v) for v in values]
    plain = [i for i, v in enumerate(values) if _is_ten_digits(v)]
    if plain:
        text = "".join(values[i] for i in plain).encode("ascii")
        digits = np.frombuffer(text, dtype=np.uint8).reshape(-1, 10).astype(np.int64) - 48
        check = 11 - (digits[:, :9] @ _NHS_WEIGHTS) % 11
        check[check == 11] = 0  # and 10 matches no digit: never valid
        valid = (check == digits[:, 9]) & (digits != digits[:, :1]).any(axis=1)
        for i, ok in zip(plain, valid.tolist(), strict=True):
            out[i] = "Y" if ok else None
    return out


def _is_ten_digits(value: Any) -> bool:
    return type(value) is str and len(value) == 10 and value.isascii() and value.isdigit()


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


def _year_only(year: Any) -> str | None:
    text = _blank_to_none(year)
    if text is None:
        return None
    try:
        return f"{int(float(text)):04d}"
    except ValueError:
        return None


def records_frame(
    records: Iterable[Mapping[str, Any]] | pd.DataFrame, *, adult_sources: Collection[str] = ()
) -> pd.DataFrame:
    """Build the model's input frame from standardised person records, one row per record.

    Each mapping (or row of a data frame) carries ``source_id``, ``record_id`` and any of the
    common person fields (`StandardPerson` names; missing keys are missing data). The frame has
    ``unique_id`` = ``f"{source_id}|{record_id}"``, ``source_dataset`` = ``source_id`` and the
    derived matching columns listed in `FRAME_COLUMNS`. Duplicate record keys raise `JoinedupError`.
    ``adult_sources`` names the sources whose people are all adults (``store.sources.
    adult_source_ids``): their records count as an adult's, as an adult's title does.

    Example: ``records_frame([{"source_id": "gp", "record_id": "1", "given_name": "Bill"}])``.
    """
    # Rows of small tuples and lists, none in a cycle (see gc_pause).
    with cycle_collection_paused():
        return _build(records, frozenset(adult_sources))


def _build(
    records: Iterable[Mapping[str, Any]] | pd.DataFrame, adult_sources: frozenset[str]
) -> pd.DataFrame:
    raw = records if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(list(records))
    if raw.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in FRAME_COLUMNS})
    for required in ("source_id", "record_id"):
        if required not in raw.columns:
            raise JoinedupError(f"every record needs {required!r} to be linked")

    def column(name: str) -> Distinct:
        if name in raw.columns:
            return Distinct.of(raw[name])
        return Distinct(np.zeros(len(raw), dtype=np.int64), [None])

    def lists(name: str) -> Distinct:
        # A list cannot be hashed; the same items as a tuple can, and derive alike.
        if name not in raw.columns:
            return column(name)
        return Distinct.of([tuple(v) if type(v) is list else v for v in raw[name]])

    source = pd.Series(column("source_id").map(_blank_to_none).rows(), dtype=object)
    record = pd.Series(column("record_id").map(_blank_to_none).rows(), dtype=object)
    if source.isna().any() or record.isna().any():
        raise JoinedupError("every record needs a non-empty source_id and record_id")
    unique_id = source.astype(str) + "|" + record.astype(str)
    if unique_id.duplicated().any():
        dupes = unique_id[unique_id.duplicated()].head(3).tolist()
        raise JoinedupError(f"record keys must be unique; repeated: {', '.join(dupes)}")
    out: dict[str, Distinct | pd.Series] = {
        "unique_id": unique_id,
        "source_dataset": source.astype(str),
    }

    def key_of(value: Any) -> str | None:
        return name_key(_blank_to_none(value))

    given = column("given_name").map(key_of)
    preferred = column("preferred_name").map(key_of)
    middle = column("middle_names").map(key_of)
    # A given name recorded as an initial only ("J") matches by initial, not as a name.
    given_key = given.map(lambda g: g if g is not None and len(g) > 1 else None)
    out["given_key"] = given_key
    out["given_initial"] = given.map(lambda g: g[:1] if g is not None else None)
    out["given_group"] = combine(
        lambda g, p: tuple(sorted(set(given_group(g)) | set(given_group(p)))), given_key, preferred
    )
    out["middle_key"] = middle.map(lambda m: m.split(" ")[0] if m else None)
    out["forenames"] = combine(_forenames, given_key, preferred, middle)

    # "Snr" or "Jr" says the family holds two people of this name, whether or not the sources do.
    out["generation"] = column("name_suffix").map(_generation)

    family = column("family_name").map(lambda value: family_key(_blank_to_none(value)))
    out["family_key"] = family
    # The family name of a record that holds no given name nor initial ("Mr Smith" on a
    # council-tax bill): blocking joins it to that surname at its dwelling, and no other rule
    # can, since each needs a name, an initial or a birth date.
    out["nameless_family"] = combine(lambda g, f: f if g is None else None, given, family)
    out["family_all"] = combine(
        lambda f, other: tuple(sorted({k for k in (f, *(family_key(o) for o in other)) if k})),
        family,
        lists("other_family_names").map(_as_tuple),
    )

    dob_parts = column("date_of_birth").map(lambda v: _dob_parts(_blank_to_none(v)))
    out["dob"] = dob_parts.map(lambda parts: parts[0])
    out["dob_year"] = combine(
        lambda parts, year: parts[1] if parts[1] is not None else year,
        dob_parts,
        column("year_of_birth").map(_year_only),
    )

    title = column("title")
    # A title says sex where a source records no sex (council tax holds "Mr N Rossi").
    out["sex"] = combine(
        _sex,
        column("sex").map(lambda v: s.lower() if (s := _blank_to_none(v)) else None),
        title.map(_sex_of_title),
    )
    # "Mr J Nowak" on a council tax bill is an adult: not the four-year-old Jakub at that address.
    # So is "J Nowak" there: a council tax payer is 18 or over, whatever the bill prints.
    out["adult"] = combine(
        lambda t, source: "Y" if source in adult_sources else _adult_title(t),
        title,
        column("source_id"),
    )
    nhs_number = column("nhs_number").map(
        lambda v: n.replace(" ", "") if (n := _blank_to_none(v)) else None
    )
    out["nhs_number"] = nhs_number
    # A number that passes the Modulus 11 check was issued to someone; a typo almost never
    # passes it. Two such numbers that differ are two people (see comparisons.NHS_VALID_DIFFERENT).
    out["nhs_valid"] = Distinct(nhs_number.codes, _nhs_valid_each(nhs_number.values))
    # One digit wrong or two transposed leaves one half of the number whole (unless the two
    # digits either side of the middle swapped), so blocking can reach a mistyped number.
    out["nhs_head"] = nhs_number.map(lambda v: v[: len(v) // 2] if v else None)
    out["nhs_tail"] = nhs_number.map(lambda v: v[len(v) // 2 :] if v else None)
    out["uprn"] = column("uprn").map(_blank_to_none)

    parts = column("postcode").map(lambda v: _postcode_parts(_blank_to_none(v)))
    postcode = parts.map(lambda p: p[0])
    out["postcode"] = postcode
    out["postcode_sector"] = parts.map(lambda p: p[1])
    out["postcode_district"] = parts.map(lambda p: p[2])

    house_key = combine(
        lambda f, n, h: " ".join(p for p in (f, n or h) if p) or None,
        column("flat").map(_flat_key),
        column("house_number").map(_house_number),
        column("house_name").map(key_of),
    )
    out["house_key"] = house_key
    out["street_key"] = column("street").map(key_of)
    out["address_key"] = combine(
        lambda pc, house: f"{pc}|{house}" if pc and house else None, postcode, house_key
    )

    phones = lists("phones").map(_as_tuple)
    mobiles = phones.map(lambda ps: tuple(sorted(p for p in ps if _phone_kind(p) == "mobile")))
    out["mobiles"] = mobiles
    out["landlines"] = phones.map(
        lambda ps: tuple(sorted(p for p in ps if _phone_kind(p) == "landline"))
    )
    emails = lists("emails").map(lambda es: tuple(sorted(e.lower() for e in _as_tuple(es))))
    out["emails"] = emails
    # A mobile and an email belong to one person and outlast a move or a new surname; blocking
    # joins on one value, so each record offers its first.
    out["mobile_key"] = mobiles.map(lambda ms: ms[0] if ms else None)
    out["email_key"] = emails.map(lambda es: es[0] if es else None)

    for name in LIST_COLUMNS:  # a list per row, not one shared by every row of a value
        out[name] = pd.Series(list(map(list, out[name].rows())), dtype=object)
    return pd.DataFrame(
        {
            name: values
            if isinstance(values, pd.Series)
            else pd.Series(values.rows(), dtype=object)
            for name, values in ((name, out[name]) for name in FRAME_COLUMNS)
        }
    )


def _forenames(*names: str | None) -> tuple[str, ...]:
    return tuple(sorted({w for name in names if name for w in name.split(" ") if len(w) > 1}))


def _sex(stated: str | None, of_title: str | None) -> str | None:
    sex = stated if stated is not None else of_title
    return sex if sex in ("male", "female") else None
