"""Files and mappings for ingest integration tests."""

from __future__ import annotations

from pathlib import Path

MAPPING = """\
source: council_tax
organisation: leeds-city-council
name: Council Tax
format: csv
record_id: ref
person:
  full_name: name
  date_of_birth: {field: dob, format: "%d/%m/%Y"}
  nhs_number: nhs
  postcode: postcode
attributes:
  category: finance.council_tax
  fields: {band: band}
"""

HEADER = "ref,name,dob,nhs,postcode,band\n"
ROWS = {
    "1": '1,"SMITH, John",03/04/1961,943 476 5919,LS6 2AB,B\n',
    "2": "2,Mrs Jane Smith,01/02/1980,9434765918,ls62ab,C\n",
    "3": "3,Renée Dupré,11/11/1950,,LS1 1AA,A\n",
}


def write_mapping(tmp_path: Path, text: str = MAPPING) -> Path:
    path = tmp_path / "council_tax.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(tmp_path: Path, body: str, name: str = "ctax.csv", encoding: str = "cp1252") -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


ALL_ROWS = "".join(ROWS.values())
