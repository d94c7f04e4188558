"""The TOML examples of docs/imports.md are valid registrar mappings and do what they say."""

import re
from datetime import date
from pathlib import Path

from hostkontor.domains.mappings import mapping_load
from hostkontor.domains.parsers import DomainStatus, records_from_mapping

from .conftest import SAMPLES, sample_bytes

DOC = Path(__file__).resolve().parents[2] / "docs" / "imports.md"


def examples() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_every_example_loads():
    assert [mapping_load(text).name for text in examples()] == [
        "Regfish CSV",
        "INWX JSON",
        "Namecheap via mapping",
    ]


def test_the_csv_example_reads_a_semicolon_csv_with_german_dates():
    data = (
        "Export vom 27.11.2026\n"
        "Domain;Ablaufdatum;Status;Verlängerung\n"
        "müller.de;17.11.2024;in Transfer;ja\n"
        "weber.de;1.2.2025;gelöscht;nein\n"
    ).encode("iso-8859-1")
    records = records_from_mapping(mapping_load(examples()[0]), data, "regfish.csv")
    assert [
        (r.domain, r.domain_ascii, r.expires, r.status, r.auto_renew, r.location) for r in records
    ] == [
        (
            "müller.de",
            "xn--mller-kva.de",
            date(2024, 11, 17),
            DomainStatus.TRANSFER_IN,
            True,
            "line 3",
        ),
        ("weber.de", "weber.de", date(2025, 2, 1), DomainStatus.DELETED, False, "line 4"),
    ]


def test_the_xml_example_reads_the_namecheap_sample():
    records = records_from_mapping(
        mapping_load(examples()[2]), sample_bytes("namecheap"), SAMPLES["namecheap"]
    )
    assert [(r.domain, r.expires, r.auto_renew, r.handle) for r in records][:2] == [
        ("example-shop.com", date(2025, 3, 2), True, "4711023"),
        ("muster-gmbh.net", date(2024, 11, 17), False, "4711391"),
    ]
    assert len(records) == 5
