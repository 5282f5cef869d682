"""UK-aware standardisation: pure functions from messy source values to open standards.

No I/O and no import of any other joinedup package. Every function raises only
:class:`StandardsError` on bad input, with a short ``reason`` safe to keep as a data-quality
warning. See ``docs/standards.md`` for the standards followed and the choices made.
"""

from joinedup.standards.address import (
    Address,
    is_no_fixed_abode,
    parse_address,
    parse_one_line_address,
)
from joinedup.standards.dates import parse_date, parse_date_of_birth, parse_year_of_birth
from joinedup.standards.email import normalise_email
from joinedup.standards.errors import StandardsError
from joinedup.standards.names import (
    PersonName,
    display_case,
    name_key,
    nickname_variants,
    parse_full_name,
    parse_name_parts,
)
from joinedup.standards.nhs_number import normalise_nhs_number
from joinedup.standards.person import StandardPerson
from joinedup.standards.phone import normalise_phone
from joinedup.standards.postcode import (
    Postcode,
    extract_postcode,
    is_pseudo_postcode,
    normalise_postcode,
    parse_postcode,
    pseudo_postcode_note,
)
from joinedup.standards.sex import normalise_sex
from joinedup.standards.uprn import normalise_uprn

__all__ = [
    "Address",
    "PersonName",
    "Postcode",
    "StandardPerson",
    "StandardsError",
    "display_case",
    "extract_postcode",
    "is_no_fixed_abode",
    "is_pseudo_postcode",
    "name_key",
    "nickname_variants",
    "normalise_email",
    "normalise_nhs_number",
    "normalise_phone",
    "normalise_postcode",
    "normalise_sex",
    "normalise_uprn",
    "parse_address",
    "parse_date",
    "parse_date_of_birth",
    "parse_full_name",
    "parse_name_parts",
    "parse_one_line_address",
    "parse_postcode",
    "parse_year_of_birth",
    "pseudo_postcode_note",
]
