"""The words address lines are told apart by: street kinds, countries, historic counties, and
the words display case leaves alone, and the "care of" that is no part of an address. For
:mod:`joinedup.standards.address`."""

from __future__ import annotations

import re

# Word lists read better as prose than as a column of quoted strings.
STREET_WORDS = frozenset(
    """street st road rd lane ln avenue ave av drive dr close cl court ct crescent cres place
    pl way grove gr gardens gdns terrace ter terr walk square sq hill row mews parade pde green
    rise view park vale mount croft fold garth wynd brow approach boulevard circus broadway
    chase gate mead bank causeway quay wharf yard lea dale fields heights villas cottages
    hollow ridge side wood meadow meadows end embankment esplanade promenade brae loan
    vennel""".split()  # noqa: SIM905
)
# Welsh street names put the kind of street first: "Heol y Bont", "Ffordd y Brenin".
STREET_FIRST_WORDS = frozenset(
    "heol ffordd stryd lôn lon rhodfa cilgant clos teras".split()  # noqa: SIM905
)
COUNTRIES = frozenset(
    {"UK", "U.K.", "GB", "UNITED KINGDOM", "GREAT BRITAIN", "ENGLAND", "SCOTLAND", "WALES"}
    | {"NORTHERN IRELAND"}
)
COUNTIES = frozenset(
    """AVON BEDFORDSHIRE BERKSHIRE BUCKINGHAMSHIRE CAMBRIDGESHIRE CHESHIRE CLEVELAND CORNWALL
    CUMBRIA DERBYSHIRE DEVON DORSET ESSEX GLOUCESTERSHIRE HAMPSHIRE HEREFORDSHIRE HERTFORDSHIRE
    HUMBERSIDE KENT LANCASHIRE LEICESTERSHIRE LINCOLNSHIRE MERSEYSIDE MIDDLESEX NORFOLK
    NORTHAMPTONSHIRE NORTHUMBERLAND NOTTINGHAMSHIRE OXFORDSHIRE RUTLAND SHROPSHIRE SOMERSET
    STAFFORDSHIRE SUFFOLK SURREY WARWICKSHIRE WILTSHIRE WORCESTERSHIRE CLWYD DYFED GWENT
    GWYNEDD POWYS FIFE AYRSHIRE LANARKSHIRE RENFREWSHIRE ABERDEENSHIRE""".split()  # noqa: SIM905
) | frozenset(
    {
        "COUNTY DURHAM", "CO DURHAM", "EAST SUSSEX", "WEST SUSSEX", "GREATER LONDON",
        "GREATER MANCHESTER", "NORTH YORKSHIRE", "SOUTH YORKSHIRE", "WEST YORKSHIRE",
        "EAST YORKSHIRE", "EAST RIDING OF YORKSHIRE", "TYNE AND WEAR", "TYNE & WEAR",
        "WEST MIDLANDS", "ISLE OF WIGHT", "MID GLAMORGAN", "SOUTH GLAMORGAN", "WEST GLAMORGAN",
        "CO ANTRIM", "COUNTY ANTRIM", "CO DOWN", "COUNTY DOWN",
    }
)  # fmt: skip
# Lower case inside a line; "y" and "yr" are the Welsh "the" ("Heol y Bont").
SMALL_WORDS = frozenset(
    {"and", "of", "the", "upon", "on", "in", "by", "under", "le", "la", "y", "yr"}
)
# Kept in capitals: a PO box, British Forces post, and the bodies whose buildings people live
# in or write from. Letters with dots ("P.O.") are kept in capitals too.
ACRONYMS = frozenset({"PO", "BFPO", "HQ", "RAF", "HMP", "HMS", "NHS", "YMCA", "YWCA"})

# "c/o", "C/O:", "care of" at the start of an address line.
_CARE_OF = re.compile(r"^(?:c\s*/\s*o|c\.o\.|care\s+of)\b[\s:.]*", re.IGNORECASE)


def without_care_of(part: str) -> str | None:
    """An address part without a leading "care of" (``c/o 12 High St`` → ``12 High St``); None
    when what follows it is not an address but who the post goes through (``C/O Mrs Smith``):
    someone else's name is no part of where the person lives. Other parts come back as they
    are."""
    match = _CARE_OF.match(part)
    if match is None:
        return part
    rest = part[match.end() :]
    return rest if rest[:1].isdigit() else None
