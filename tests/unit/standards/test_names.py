"""Names: one-field forms councils hold, parts, display case, matching keys, nicknames."""

from __future__ import annotations

import contextlib
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from joinedup.standards import names
from joinedup.standards.errors import StandardsError
from joinedup.standards.name_tokens import DECEASED_NOTE, NEWBORN_NOTE
from joinedup.standards.names import (
    PersonName,
    display_case,
    name_key,
    nickname_variants,
    parse_full_name,
    parse_name_parts,
)


def n(
    title: str | None = None,
    given: str | None = None,
    middle: str | None = None,
    family: str | None = None,
    suffix: str | None = None,
    preferred: str | None = None,
    others: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> PersonName:
    return PersonName(title, given, middle, family, suffix, preferred, others, notes)


BABY = (NEWBORN_NOTE,)
DECD = (DECEASED_NOTE,)


FULL_NAMES = [
    ("Mr J Smith", n("Mr", "J", None, "Smith"), "title, initial, family"),
    ("SMITH, John", n(None, "John", None, "Smith"), "family first before a comma"),
    ("Smith, John Paul", n(None, "John", "Paul", "Smith"), "comma form with a middle name"),
    ("SMITH, Mr John", n("Mr", "John", None, "Smith"), "comma form with a title"),
    ("SMITH, JP", n(None, "J", "P", "Smith"), "comma form with run-together initials"),
    ("SMITH JP MR", n("Mr", "J", "P", "Smith"), "system export: family, initials, title"),
    ("SMITH J JR MR", n("Mr", "J", None, "Smith", "Jr"), "system export with a suffix"),
    ("SMITH J", n(None, "J", None, "Smith"), "a word then initials is family first"),
    ("John SMITH", n(None, "John", None, "Smith"), "the capitals are the family name"),
    ("SMITH John", n(None, "John", None, "Smith"), "capitals first are still the family name"),
    ("John Paul SMITH", n(None, "John", "Paul", "Smith"), "middle name"),
    ("JOHN SMITH", n(None, "John", None, "Smith"), "all capitals: given name first"),
    (
        "Dr. Mary-Jane O'NEILL-Smith Jr",
        n("Dr", "Mary-Jane", None, "O'Neill-Smith", "Jr"),
        "title with a dot, hyphens, apostrophe, suffix",
    ),
    ("Łukasz Nowak", n(None, "Łukasz", None, "Nowak"), "diacritics kept"),
    ("ZOË MCDONALD", n(None, "Zoë", None, "McDonald"), "Zoë and Mc"),
    ("mary macleod", n(None, "Mary", None, "MacLeod"), "Mac where it is the usual spelling"),
    ("Madonna", n(None, None, None, "Madonna"), "a single name is the family name"),
    ("Mr Smith", n("Mr", None, None, "Smith"), "title and family only"),
    ("Mr J", n("Mr", "J"), "title and an initial: the initial is not a family name"),
    ("Miss", n("Miss"), "a title alone"),
    ("SMITH MRS J", n("Mrs", "J", None, "Smith"), "title between family name and initials"),
    ("SMITH JOHN MR", n("Mr", "John", None, "Smith"), "title last marks family first"),
    ("Mr & Mrs J Smith", n(None, "J", None, "Smith"), "joint titles name two people: dropped"),
    ("MR AND MRS SMITH", n(None, None, None, "Smith"), "joint titles in words"),
    # A maiden or former family name is another family name, never the family name itself.
    (
        "Mrs Mary Smith (nee Jones)",
        n("Mrs", "Mary", None, "Smith", others=("Jones",)),
        "maiden name in brackets: kept as another family name",
    ),
    (
        "Mrs Mary Smith née Jones",
        n("Mrs", "Mary", None, "Smith", others=("Jones",)),
        "maiden name without brackets: was family name Jones, middle names Smith Nee",
    ),
    (
        "SMITH (NEE JONES), Mary",
        n(None, "Mary", None, "Smith", others=("Jones",)),
        "maiden name inside the family-first form",
    ),
    (
        "SMITH NEE DE LA CRUZ, Mary",
        n(None, "Mary", None, "Smith", others=("de la Cruz",)),
        "a maiden name with particles, before the comma",
    ),
    (
        "Mary Smith formerly Jones-Brown",
        n(None, "Mary", None, "Smith", others=("Jones-Brown",)),
        "formerly",
    ),
    (
        "John Smith (previously Smyth)",
        n(None, "John", None, "Smith", others=("Smyth",)),
        "previously",
    ),
    (
        "Mrs M Smith (maiden name: Jones)",
        n("Mrs", "M", None, "Smith", others=("Jones",)),
        "maiden name spelt out",
    ),
    (
        "Mary Smith NEE: JONES",
        n(None, "Mary", None, "Smith", others=("Jones",)),
        "a colon after the marker",
    ),
    # A forename systems give someone they have not named yet is no given name: linkage
    # would join every "Baby Smith" (twins included) and every "Unknown" on it.
    ("SMITH, BABY", n(family="Smith", notes=BABY), "a newborn not yet named"),
    ("BABY SMITH", n(family="Smith", notes=BABY), "baby first"),
    ("Baby Girl Smith", n(family="Smith", notes=BABY), "baby girl: no middle name 'Girl'"),
    ("TWIN 1 SMITH", n(family="Smith", notes=BABY), "a twin"),
    ("Twin A Smith", n(family="Smith", notes=BABY), "a twin by letter"),
    # "Baby" is a given name in its own right too (Malayali families): a name after it stays.
    ("Baby Mathew Thomas", n(None, "Baby", "Mathew", "Thomas"), "Baby as a given name"),
    ("SMITH, UNKNOWN", n(None, None, None, "Smith"), "an unidentified patient"),
    ("Unknown Smith", n(None, None, None, "Smith"), "unknown first"),
    (
        "SMITH, JOHN DECD",
        n(None, "John", None, "Smith", notes=DECD),
        "a note that he has died: no middle name",
    ),
    ("Mr John Smith Deceased", n("Mr", "John", None, "Smith", notes=DECD), "the note written out"),
    ("Patrick Nee", n(None, "Patrick", None, "Nee"), "Nee is also a family name"),
    ("NEE, Patrick", n(None, "Patrick", None, "Nee"), "Nee as the family name, first"),
    ("Mary Smith (nee)", n(None, "Mary", None, "Smith"), "a note with no name in it"),
    ("DA SILVA Pedro", n(None, "Pedro", None, "da Silva"), "capitals with a particle, first"),
    ("Ludwig van Beethoven", n(None, "Ludwig", None, "van Beethoven"), "particle"),
    ("Maria de la Cruz", n(None, "Maria", None, "de la Cruz"), "two particles"),
    ("Van Morrison", n(None, "Van", None, "Morrison"), "a particle as a given name"),
    ("John Smith, Jr", n(None, "John", None, "Smith", "Jr"), "suffix after a comma"),
    ("John Smith Snr", n(None, "John", None, "Smith", "Snr"), "Snr"),
    ("John Smith Sr", n(None, "John", None, "Smith", "Snr"), "Sr after a name is Senior"),
    ("Henry Ford III", n(None, "Henry", None, "Ford", "III"), "roman numeral"),
    ("Mx Alex Taylor", n("Mx", "Alex", None, "Taylor"), "Mx"),
    ("Rt Hon Sir Keir Starmer", n("Rt Hon Sir", "Keir", None, "Starmer"), "two titles"),
    ("Peter LORD", n(None, "Peter", None, "Lord"), "Lord at the end is a family name"),
    ("J.P. Morgan", n(None, "J", "P", "Morgan"), "dotted initials"),
    (
        "John (Jack) Smith",
        n(None, "John", None, "Smith", preferred="Jack"),
        "bracketed known-as: the preferred name, not a given or middle name",
    ),
    ("john  o’neill", n(None, "John", None, "O'Neill"), "typographic apostrophe, spaces"),
    ("Miss Ayşe Yılmaz", n("Miss", "Ayşe", None, "Yılmaz"), "Turkish letters"),
    ("Prof Siobhán Ní Bhriain", n("Prof", "Siobhán", None, "Ní Bhriain"), "Irish Ní: family"),
    # Prefixes written with a space begin the family name; they are never a middle name.
    ("John Mc Donald", n(None, "John", None, "Mc Donald"), "Mc with a space, as keyed"),
    ("Mr J MC DONALD", n("Mr", "J", None, "Mc Donald"), "Mc with a space, in capitals"),
    ("MC DONALD JOHN MR", n("Mr", "John", None, "Mc Donald"), "export form: Mc first"),
    ("MC DONALD J", n(None, "J", None, "Mc Donald"), "prefixed family name, then initials"),
    ("DE LA CRUZ M", n(None, "M", None, "de la Cruz"), "particles first, then initials"),
    ("Mary O' Brien", n(None, "Mary", None, "O' Brien"), "O' with a space"),
    ("JOHN ST JOHN", n(None, "John", None, "St John"), "St John is a family name"),
    ("Mary St. John-Smith", n(None, "Mary", None, "St. John-Smith"), "St. with a dot"),
    ("Seán Ó Briain", n(None, "Seán", None, "Ó Briain"), "Irish Ó"),
    ("John Mac Donald", n(None, "John", None, "Mac Donald"), "Mac after a given name"),
    ("Mac Smith", n(None, "Mac", None, "Smith"), "Mac first is a given name"),
    ("Mc Donald", n(None, None, None, "Mc Donald"), "Mc is never a given name"),
    # Honours and post-nominals are a suffix, never a name.
    (
        "Sir John SMITH-JONES OBE",
        n("Sir", "John", None, "Smith-Jones", "OBE"),
        "an honour after the capitals of the family name",
    ),
    ("John Smith JP", n(None, "John", None, "Smith", "JP"), "JP after a full name"),
    ("JOHN SMITH JP", n(None, "John", None, "Smith", "JP"), "JP after two words in capitals"),
    ("Mr Smith OBE", n("Mr", None, None, "Smith", "OBE"), "an honour after a family name"),
    ("John Smith Jr OBE", n(None, "John", None, "Smith", "Jr OBE"), "suffix and honour"),
    ("Prof Jane Doe PhD", n("Prof", "Jane", None, "Doe", "PhD"), "a doctorate"),
    ("Dr J. Smith Ph.D.", n("Dr", "J", None, "Smith", "PhD"), "a doctorate with dots"),
    ("Mary Khan, CBE", n(None, "Mary", None, "Khan", "CBE"), "an honour after a comma"),
    ("SMITH, John, QC", n(None, "John", None, "Smith", "QC"), "comma form, honour of its own"),
    ("SMITH-JONES OBE, John", n(None, "John", None, "Smith-Jones", "OBE"), "before the comma"),
    ("SMITH J JP", n(None, "J", "J P", "Smith"), "after a word and initials JP is initials"),
    ("SMITH, John JP", n(None, "John", "J P", "Smith"), "after a comma JP is initials"),
    ("ADE OBE", n(None, "Ade", None, "Obe"), "in capitals, a last word alone may be a name"),
    ("Oluwaseun Obe", n(None, "Oluwaseun", None, "Obe"), "Obe in title case is a name"),
    # Welsh patronymic particles belong to the family name, as bin does.
    ("Ffion ap Rhys", n(None, "Ffion", None, "ap Rhys"), "Welsh ap"),
    ("Dafydd ab Owain", n(None, "Dafydd", None, "ab Owain"), "Welsh ab"),
    ("Ffion AP RHYS", n(None, "Ffion", None, "ap Rhys"), "ap in the capitals of the family"),
    ("John AB Smith", n(None, "John", "Ab", "Smith"), "AB in capitals is initials, not ab"),
    ("Angharad ferch Gruffydd", n(None, "Angharad", None, "ferch Gruffydd"), "Welsh ferch"),
    ("Gwen verch Ifan", n(None, "Gwen", None, "verch Ifan"), "Welsh verch"),
    # Titles stack.
    ("Rev Canon J Smith", n("Rev Canon", "J", None, "Smith"), "clergy titles stacked"),
    ("Very Rev A Brown", n("Very Rev", "A", None, "Brown"), "a two-word title"),
    ("Sgt Ann Lee", n("Sgt", "Ann", None, "Lee"), "a rank"),
    # A known-as name in quotes or brackets is the preferred name.
    ("John 'Jack' Smith", n(None, "John", None, "Smith", preferred="Jack"), "single quotes"),
    ('John "Jack" Smith', n(None, "John", None, "Smith", preferred="Jack"), "double quotes"),
    ('O"Brien, Ann', n(None, "Ann", None, "O'Brien"), "a double quote for an apostrophe"),
    ("John ‘Jack’ Smith", n(None, "John", None, "Smith", preferred="Jack"), "curly quotes"),
    ("SMITH, John (Jack)", n(None, "John", None, "Smith", preferred="Jack"), "comma form"),
    ("John (known as Jack) Smith", n(None, "John", None, "Smith", preferred="Jack"), "known as"),
    ("D'Arcy 'Dee' O'NEILL", n(None, "D'Arcy", None, "O'Neill", preferred="Dee"), "apostrophes"),
    ("John (John) Smith", n(None, "John", None, "Smith"), "known-as equal to the given name"),
    (
        "John Smith (deceased)",
        n(None, "John", None, "Smith", notes=DECD),
        "a note, not a known-as name",
    ),
    ('"John Smith"', n(None, "John", None, "Smith"), "quotes around the whole name"),
    # Two people sharing a family name: the family name only, no invented middle name.
    ("John & Mary Smith", n(family="Smith"), "two given names, one family name"),
    ("Mr John & Mrs Mary Smith", n(family="Smith"), "with titles"),
    ("SMITH, John & Mary", n(family="Smith"), "comma form"),
    # Dutch "'t" (het) is a particle: was given name Gerard, middle "'t", family Hooft.
    ("Gerard 't Hooft", n(None, "Gerard", None, "'t Hooft"), "Dutch 't"),
    ("Jan van 't Hof", n(None, "Jan", None, "van 't Hof"), "van 't: was middle names"),
    ("JAN VAN 'T HOF", n(None, "Jan", None, "van 't Hof"), "in capitals"),
    ("Gerard ’t Hooft", n(None, "Gerard", None, "'t Hooft"), "a typographic apostrophe"),
    ("'T HOOFT, GERARD", n(None, "Gerard", None, "'t Hooft"), "family first"),
    ("Anita d'Souza", n(None, "Anita", None, "d'Souza"), "d' as written"),
    ("JOHN D'ARCY", n(None, "John", None, "D'Arcy"), "D' in capitals"),
    # Windows-1252 exports write a hyphen typed in Word as an en or em dash.
    ("Anne Smith–Jones", n(None, "Anne", None, "Smith-Jones"), "en dash: was kept as a dash"),
    ("ANNE SMITH—JONES", n(None, "Anne", None, "Smith-Jones"), "em dash: was Smith—jones"),
    ("Mary O’Neill", n(None, "Mary", None, "O'Neill"), "typographic apostrophe"),
    # A title written last, and titles that were read as given names.
    ("Smith John Mrs", n("Mrs", "John", None, "Smith"), "a title last"),
    ("Revd John Smith", n("Rev", "John", None, "Smith"), "Revd"),
    ("Rt Hon John Smith", n("Rt Hon", "John", None, "Smith"), "Rt Hon"),
    ("Dame Judi Dench", n("Dame", "Judi", None, "Dench"), "Dame"),
    ("Prof Dr Anna Weber", n("Prof Dr", "Anna", None, "Weber"), "Prof Dr stacked"),
    ("Major John Smith", n("Maj", "John", None, "Smith"), "a rank: was given name Major"),
    ("Lt Col A Brown", n("Lt Col", "A", None, "Brown"), "was title Lt, given name Col"),
    ("Wg Cdr A Brown", n("Wg Cdr", "A", None, "Brown"), "an RAF rank: was given name Wg"),
    ("Sqn Ldr A Brown", n("Sqn Ldr", "A", None, "Brown"), "an RAF rank"),
    ("L/Cpl A Brown", n("LCpl", "A", None, "Brown"), "was given name L/Cpl"),
    ("Pte A Brown", n("Pte", "A", None, "Brown"), "private"),
    ("Col Smith", n(None, "Col", None, "Smith"), "Col is also Colin: not a rank"),
    ("Gen Hoshino", n(None, "Gen", None, "Hoshino"), "Gen is also a given name"),
    # What a name held and lost is noted: the record says why it changed.
    ("Baby Smith", n(family="Smith", notes=BABY), "Baby: no given name, noted"),
    ("SMITH, TWIN 1", n(family="Smith", notes=BABY), "twin"),
    ("SMITH, UNKNOWN", n(family="Smith"), "an unknown forename: a placeholder, no note"),
    ("SMITH John *DECEASED*", n(None, "John", None, "Smith", notes=DECD), "was family *deceased*"),
    ("SMITH, John [DECEASED]", n(None, "John", None, "Smith", notes=DECD), "square brackets"),
    ("John Smith (RIP)", n(None, "John", None, "Smith", notes=DECD), "was known as 'Rip'"),
    ("Rip Torn", n(None, "Rip", None, "Torn"), "Rip outside brackets is a name"),
    ("J.SMITH", n(None, "J", None, "Smith"), "an initial run into the name: was J.smith"),
    ("J.P.SMITH", n(None, "J", "P", "Smith"), "two initials run in"),
    ("St.John Smith", n(None, "St.John", None, "Smith"), "St. is no initial"),
    (
        "Mrs Mary Smith (née Jones) Dec'd",
        n("Mrs", "Mary", None, "Smith", None, None, ("Jones",), DECD),
        "both",
    ),
]

REJECT = [
    ("", "blank", "blank"),
    ("UNKNOWN", "placeholder", "a placeholder"),
    ("N/A", "placeholder", "a placeholder"),
    ("12345", "no letters", "digits"),
    # Not one person's name: no given or family name is made from them.
    ("The Occupier", "a role", "council tax's placeholder for whoever lives there"),
    ("OWNER/OCCUPIER", "a role", "owner or occupier"),
    ("The Occupiers of 12 High St", "a role", "with the property"),
    ("Executors of J Smith", "acting for someone", "executors"),
    ("Exors of the late Mr J Smith", "acting for someone", "executors, abbreviated"),
    ("Estate of J Smith", "acting for someone", "an estate"),
    ("Personal Representatives of J Smith", "acting for someone", "personal representatives"),
    ("Baby of Sarah Jones", "another person's name", "a newborn named by the mother"),
    ("B/O SMITH", "another person's name", "b/o: baby of"),
    ("UNKNOWN UNKNOWN", "placeholder", "neither name known"),
    ("UNKNOWN, UNKNOWN", "placeholder", "neither, family first"),
    ("Twin 2 of Sarah Jones", "another person's name", "a twin named by the mother"),
    ("SMITH, BABY OF", "another person's name", "PAS: was given Baby, middle Of"),
    ("#REF!", "spreadsheet formula's error", "Excel's error: was family name '#ref!'"),
    ("#NAME?", "spreadsheet formula's error", "another"),
    ("JONES, B/O", "another person's name", "b/o after the family name"),
    ("Mr J Smith & Ms K Jones", "two people", "two full names"),
    ("John Smith and Mary Jones", "two people", "two full names joined by and"),
    ("John & Mary", "two people", "two given names and no family name"),
]


@pytest.mark.parametrize(("text", "expected", "why"), FULL_NAMES)
def test_parse_full_name(text: str, expected: PersonName, why: str) -> None:
    assert parse_full_name(text) == expected, why


@pytest.mark.parametrize(("text", "reason", "why"), REJECT)
def test_parse_full_name_rejects(text: str, reason: str, why: str) -> None:
    with pytest.raises(StandardsError) as raised:
        parse_full_name(text)
    assert reason in raised.value.reason, why


PARTS = [
    (
        {"title": "MR.", "given_name": "JOHN", "family_name": "SMITH"},
        n("Mr", "John", None, "Smith"),
        "upper-case fields",
    ),
    (
        {"given_name": "Mr John Paul", "middle_names": "george", "family_name": "Smith Jr"},
        n("Mr", "John", "Paul George", "Smith", "Jr"),
        "title in the given name, suffix in the family name, several given names",
    ),
    (
        {"given_name": "UNKNOWN", "family_name": "o'neill"},
        n(None, None, None, "O'Neill"),
        "placeholder given name",
    ),
    ({"title": "Lady", "family_name": "  "}, n("Lady"), "blank family name"),
    ({"title": "Sgt", "given_name": "Ann"}, n("Sgt", "Ann"), "unknown titles kept"),
    ({"name_suffix": "junior"}, n(suffix="Jr"), "suffix spelling"),
    ({}, n(), "nothing at all"),
    ({"given_name": "Ann", "middle_names": "J.P."}, n(None, "Ann", "J P"), "middle initials"),
    ({"middle_names": "A."}, n(None, "A"), "a middle initial alone moves up, split once"),
    ({"given_name": "BABY", "family_name": "SMITH"}, n(family="Smith", notes=BABY), "baby"),
    (
        {"given_name": "Baby of", "family_name": "SMITH"},
        n(family="Smith", notes=BABY),
        "baby of: was given name Baby, middle name Of",
    ),
    (
        {"given_name": "JOHN", "family_name": "SMITH DECD"},
        n(None, "John", None, "Smith", notes=DECD),
        "DECD in the family name: was family name Smith Decd",
    ),
    (
        {"given_name": "John (deceased)", "family_name": "Smith"},
        n(None, "John", None, "Smith", notes=DECD),
        "deceased in the given name",
    ),
    (
        {"title": "N/K", "given_name": "n/k", "middle_names": "--", "family_name": "Smith"},
        n(family="Smith"),
        "N/K is a placeholder: was title N/K, given name N/k",
    ),
    ({"family_name": "SMITH–JONES"}, n(family="Smith-Jones"), "en dash: was Smith–jones"),
    ({"given_name": "#REF!", "family_name": "Smith"}, n(family="Smith"), "was given '#ref!'"),
    ({"family_name": "VAN 'T HOF"}, n(family="van 't Hof"), "Dutch 't in capitals"),
    (
        {"given_name": "Mary", "family_name": "SMITH NEE JONES"},
        n(None, "Mary", None, "Smith", others=("Jones",)),
        "a maiden name in the family-name field: was family name Smith Nee Jones",
    ),
    (
        {"given_name": "Mary", "family_name": "Smith (formerly Jones)"},
        n(None, "Mary", None, "Smith", others=("Jones",)),
        "a former name in brackets in the family-name field",
    ),
    # A double quote between two letters is an apostrophe typed with Shift held (a UK
    # keyboard's " is Shift+2): "O Brien", whose key O BRIEN missed O'Brien's OBRIEN.
    ({"family_name": 'O"Brien'}, n(family="O'Brien"), 'was family name "O Brien"'),
    ({"family_name": 'D"SOUZA'}, n(family="D'Souza"), "in capitals"),
]


@pytest.mark.parametrize(("parts", "expected", "why"), PARTS)
def test_parse_name_parts(parts: dict[str, str], expected: PersonName, why: str) -> None:
    assert parse_name_parts(**parts) == expected, why


DISPLAY = [
    ("O'NEILL", "O'Neill", "apostrophe"),
    ("d'arcy", "D'Arcy", "apostrophe, lower case"),
    ("MCDONALD", "McDonald", "Mc"),
    ("MACLEOD", "MacLeod", "listed Mac name"),
    ("MACKIE", "Mackie", "Mac is a name of its own"),
    ("MACHIN", "Machin", "not Mac"),
    ("SMITH-JONES", "Smith-Jones", "hyphen"),
    ("VAN DER BERG", "van der Berg", "particles"),
    ("ZOË", "Zoë", "diaeresis kept"),
    ("ŁUKASZ", "Łukasz", "Polish"),
    ("DeVito", "DeVito", "mixed case is kept as written"),
    ("smith  jones", "Smith Jones", "spaces collapsed"),
    ("III", "III", "roman numeral"),
    ("AP RHYS", "ap Rhys", "Welsh particle"),
    ("FERCH GRUFFYDD", "ferch Gruffydd", "Welsh particle"),
    ("SMITH–JONES", "Smith-Jones", "en dash read as the hyphen it was typed as"),
    ("'T HOOFT", "'t Hooft", "Dutch 't"),
]


@pytest.mark.parametrize(("text", "expected", "why"), DISPLAY)
def test_display_case(text: str, expected: str, why: str) -> None:
    assert display_case(text) == expected, why


KEYS = [
    ("O'Neill-Smith", "ONEILL SMITH", "apostrophe removed, hyphen separates words"),
    ("Mary  Jane", "MARY JANE", "spaces collapsed"),
    ("St. John", "ST JOHN", "dots removed"),
    (" o’neill ", "ONEILL", "typographic apostrophe, padding"),
    ("Zoë", "ZOE", "diacritics folded"),
    ("Łukasz", "LUKASZ", "Ł has no decomposition"),
    ("Søren Kierkegaard", "SOREN KIERKEGAARD", "Ø"),
    ("Straße", "STRASSE", "ß"),
    ("ᴭ", "AE", "a compatibility letter that decomposes to Æ"),
    ("Oʼneill", "ONEILL", "modifier-letter apostrophe"),
    ("van der Berg", "VAN DER BERG", "particles are words"),
    ("Smith 2", "SMITH", "digits dropped"),
    ("محمد", "محمد", "other scripts kept so they do not all collide"),
    ("", "", "empty"),
]


@pytest.mark.parametrize(("text", "expected", "why"), KEYS)
def test_name_key(text: str, expected: str, why: str) -> None:
    assert name_key(text) == expected, why


@pytest.mark.parametrize(
    ("name", "variant", "why"),
    [
        ("William", "BILL", "canonical to nickname"),
        ("Bill", "WILLIAM", "nickname to canonical"),
        ("Peggy", "MARGARET", "Peggy is Margaret"),
        ("Margaret", "PEGGY", "and back"),
        ("Jon", "JOHN", "Jon and John"),
        ("John", "JONATHAN", "John and Jonathan"),
        ("Zoë", "ZOE", "unknown to the data set: only itself"),
    ],
)
def test_nickname_variants(name: str, variant: str, why: str) -> None:
    assert variant in nickname_variants(name), why


def test_nickname_variants_of_no_letters_is_empty() -> None:
    assert nickname_variants("123") == frozenset()


_NAME_TEXT = st.text(
    alphabet=st.characters(categories=["L", "Lm", "Zs", "Pd", "Po"], include_characters="'-.,&"),
    max_size=30,
)


@given(_NAME_TEXT)
def test_display_case_is_idempotent(text: str) -> None:
    assert display_case(display_case(text)) == display_case(text)


@given(st.text(max_size=30))
def test_name_key_is_idempotent(text: str) -> None:
    assert name_key(name_key(text)) == name_key(text)


@given(st.text(max_size=40))
def test_parse_full_name_raises_only_standards_error(text: str) -> None:
    with contextlib.suppress(StandardsError):
        parse_full_name(text)


@given(_NAME_TEXT)
def test_parse_full_name_is_stable_on_its_own_output(text: str) -> None:
    try:
        first = parse_full_name(text)
    except StandardsError:
        return
    again = parse_name_parts(
        title=first.title,
        given_name=first.given_name,
        middle_names=first.middle_names,
        family_name=first.family_name,
        name_suffix=first.name_suffix,
    )
    assert again == replace(first, preferred_name=None)  # parts carry no known-as name


@given(_NAME_TEXT, _NAME_TEXT, _NAME_TEXT)
def test_parse_name_parts_is_idempotent(given_name: str, middle: str, family: str) -> None:
    once = parse_name_parts(given_name=given_name, middle_names=middle, family_name=family)
    twice = parse_name_parts(
        title=once.title,
        given_name=once.given_name,
        middle_names=once.middle_names,
        family_name=once.family_name,
        name_suffix=once.name_suffix,
    )
    # A note says what the first reading took out (Baby, DECD): the second has nothing to.
    assert twice == replace(once, notes=())


@pytest.mark.parametrize("value", [123, None, ["Smith"]])
def test_parse_full_name_rejects_non_text(value: object) -> None:
    with pytest.raises(StandardsError, match="not text"):
        parse_full_name(value)  # type: ignore[arg-type]


def test_parse_name_parts_rejects_non_text() -> None:
    with pytest.raises(StandardsError, match="not text"):
        parse_name_parts(family_name=["Smith"])  # type: ignore[arg-type]


def _whole_name_parts(
    title: str | None,
    given_name: str | None,
    middle_names: str | None,
    family_name: str | None,
    name_suffix: str | None,
) -> PersonName:
    """``parse_name_parts`` as it was written before its two ends were tidied (and cached)
    apart: the reference that the split must agree with."""
    title_text = names._part(title)
    given = (names._part(given_name) or "").split()
    middle = (names._part(middle_names) or "").split()
    family = (names._part(family_name) or "").split()
    suffix_text = names._part(name_suffix)
    titles = names._take_titles(given) if len(given) > 1 else []
    if title_text:
        known = names._title_of(title_text) or names.TITLES.get(names._plain(title_text))
        titles = [known or title_text.replace(".", "").strip()]
    suffixes = names._take_suffixes(family)
    if suffix_text:
        suffixes = [names._suffix_of(suffix_text) or suffix_text]
    # Middle initials are split as given ones are: a middle name moved up to the given name
    # ("A." with no given name) must read as it would have there.
    given_all = names._expand(given + middle, strict=True)
    return names._finish(titles, given_all, family, suffixes)


_PART = (
    st.none()
    | _NAME_TEXT
    | st.sampled_from(
        ["Mr", "mrs.", "Dr John", "MR J", "Smith Jr", "SMITH III", "jnr", "O'NEILL", "van der Berg"]
    )
)


@given(_PART, _PART, _PART, _PART, _PART)
def test_parse_name_parts_agrees_with_the_whole_name_form(
    title: str | None,
    given_name: str | None,
    middle: str | None,
    family: str | None,
    suffix: str | None,
) -> None:
    expected = _whole_name_parts(title, given_name, middle, family, suffix)
    assert names._parse_name_parts(title, given_name, middle, family, suffix) == expected
