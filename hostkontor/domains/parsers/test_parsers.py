"""Built-in registrar parsers against the sample exports (testdata/) and odd input."""

from datetime import date
from pathlib import Path

import pytest

from hostkontor.domains.parsers import (
    PARSERS,
    DomainStatus,
    RegistrarRecord,
    normalize_domain,
    parse_registrar_file,
    records_from_mapping,
)
from hostkontor.domains.parsers.status import status_from_words
from hostkontor.imports.errors import ImportFormatError, MappingError
from hostkontor.imports.mapping import load_mapping

TESTDATA = Path(__file__).parent / "testdata"
SAMPLES = {
    "joker": "joker_dmapi_query-domain-list_showstatus1.txt",
    "autodns": "autodns_xml_0105_domain_inquire_list_response.xml",
    "gandi": "gandi_v5_GET_domain_domains.json",
    "namecheap": "namecheap_domains.getList_response.xml",
    "hexonet": "hexonet_ispapi_QueryDomainList_WIDE1_response.txt",
}


def sample(fmt: str) -> bytes:
    return (TESTDATA / SAMPLES[fmt]).read_bytes()


def parse(fmt: str, data: bytes | None = None) -> list[RegistrarRecord]:
    return parse_registrar_file(fmt, sample(fmt) if data is None else data, SAMPLES[fmt])


def parse_error(fmt: str, data: bytes) -> str:
    with pytest.raises(ImportFormatError) as excinfo:
        parse(fmt, data)
    return str(excinfo.value)


def test_registry_lists_the_five_formats():
    assert list(PARSERS) == ["joker", "autodns", "gandi", "namecheap", "hexonet"]


def test_joker_sample():
    # given the Joker query-domain-list sample / when parsed
    records = parse("joker")
    # then all six rows are there with line numbers, flags and expiry
    assert len(records) == 6
    assert [r.domain for r in records] == [
        "example-shop.de",
        "muster-gmbh.de",
        "beispiel-agentur.de",
        "baeckerei-schmidt.de",
        "alte-kampagne.eu",
        "mueller-sanitaer.at",
    ]
    assert records[0] == RegistrarRecord(
        domain="example-shop.de",
        domain_ascii="example-shop.de",
        expires=date(2025, 3, 2),
        registered_on=None,
        status=DomainStatus.ACTIVE,
        raw_status="lock,autorenew",
        auto_renew=True,
        handle=None,
        location="line 7",
    )
    assert (records[1].auto_renew, records[1].raw_status) == (False, "lock")
    assert records[5].location == "line 12"


def test_joker_tab_separator_other_columns_and_statuses():
    # given a Joker list with a TAB separator, an extra column, an IDN and odd statuses
    data = (
        "Status-Code: 0\nColumns: domain,expiration_date,domain_status,jokersafe\n"
        "Separator: \\t\n\n"
        "Bücher.de\t2026-01-31\tlock,autorenew\t1\n"
        "gone.com\t2024-01-01\tdeleted\t0\n"
        "weird.net\t2025-05-05\tlock,whatever\t0\n"
        "plain.org\t2025-05-05\t\t0\n"
    ).encode()
    # when parsed
    records = parse("joker", data)
    # then columns are taken by name and statuses are normalized conservatively
    assert [(r.domain, r.domain_ascii, r.expires, r.status, r.auto_renew) for r in records] == [
        ("bücher.de", "xn--bcher-kva.de", date(2026, 1, 31), DomainStatus.ACTIVE, True),
        ("gone.com", "gone.com", date(2024, 1, 1), DomainStatus.DELETED, False),
        ("weird.net", "weird.net", date(2025, 5, 5), DomainStatus.UNKNOWN, False),
        ("plain.org", "plain.org", date(2025, 5, 5), DomainStatus.ACTIVE, False),
    ]


def test_joker_error_response_is_an_import_error():
    data = b"Status-Code: 2202\nStatus-Text: Authorization error\nError: bad auth-sid\n\n"
    assert parse_error("joker", data) == (
        "joker_dmapi_query-domain-list_showstatus1.txt, line 1: "
        "Joker reported an error (Status-Code 2202): Authorization error"
    )


def test_autodns_sample():
    records = parse("autodns")
    assert len(records) == 3
    assert records[1] == RegistrarRecord(
        domain="muster-gmbh.de",
        domain_ascii="muster-gmbh.de",
        expires=date(2024, 11, 30),
        registered_on=date(2019, 11, 30),
        status=DomainStatus.ACTIVE,
        raw_status="",
        auto_renew=True,
        handle=None,
        location="record 2",
    )
    assert records[2].domain == "beispiel-agentur.at"


def test_autodns_cancelled_domain_does_not_renew_and_incomplete_list_is_refused():
    base = sample("autodns").decode()
    cancelled = base.replace(
        "<name>muster-gmbh.de</name>", "<name>muster-gmbh.de</name><expire>2024-11-30</expire>"
    )
    assert [r.auto_renew for r in parse("autodns", cancelled.encode())] == [True, False, True]
    incomplete = base.replace("<summary>3</summary>", "<summary>250</summary>")
    assert parse_error("autodns", incomplete.encode()) == (
        "autodns_xml_0105_domain_inquire_list_response.xml: "
        "the list is incomplete (3 of 250 domains); inquire without a limit"
    )
    failed = base.replace("<type>success</type>", "<type>error</type>").replace("S0105", "E0105")
    assert parse_error("autodns", failed.encode()) == (
        "autodns_xml_0105_domain_inquire_list_response.xml: AutoDNS reported no success "
        "(E0105): Domaindaten wurden erfolgreich ermittelt."
    )


def test_gandi_sample_with_idn():
    records = parse("gandi")
    assert len(records) == 2
    assert records[0].expires == date(2025, 4, 2)
    assert records[0].raw_status == "clientTransferProhibited"
    assert records[0].status == DomainStatus.ACTIVE
    assert records[1] == RegistrarRecord(
        domain="müller.de",
        domain_ascii="xn--mller-kva.de",
        expires=date(2024, 11, 17),
        registered_on=date(2021, 11, 17),
        status=DomainStatus.ACTIVE,
        raw_status="",
        auto_renew=False,
        handle="a81d93f4-7b44-11ee-9d1a-00163e8fd4b8",
        location="record 2",
    )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["clientTransferProhibited", "redemptionPeriod"], DomainStatus.REDEMPTION),
        (["pendingDelete", "redemptionPeriod"], DomainStatus.DELETED),
        (["pendingTransfer"], DomainStatus.TRANSFER_OUT),
        (["pendingCreate"], DomainStatus.PENDING),
        (["serverHold", "autoRenewPeriod"], DomainStatus.ACTIVE),
        (["ok", "somethingNew"], DomainStatus.UNKNOWN),
        (["somethingNew", "expired"], DomainStatus.EXPIRED),
        ([], DomainStatus.ACTIVE),
    ],
)
def test_status_words_are_normalized_by_priority(words, expected):
    assert status_from_words(words, empty=DomainStatus.ACTIVE) == expected


def test_namecheap_sample():
    records = parse("namecheap")
    assert len(records) == 5
    assert records[3] == RegistrarRecord(
        domain="alte-kampagne.info",
        domain_ascii="alte-kampagne.info",
        expires=date(2024, 1, 12),
        registered_on=date(2022, 1, 12),
        status=DomainStatus.EXPIRED,
        raw_status="IsExpired=true IsLocked=false",
        auto_renew=False,
        handle="4713002",
        location="record 4",
    )
    assert [r.status for r in records].count(DomainStatus.ACTIVE) == 4
    assert records[0].expires == date(2025, 3, 2)


def test_namecheap_bad_date_and_paging():
    bad = sample("namecheap").replace(b'Expires="11/17/2024"', b'Expires="17/11/2024"')
    assert parse_error("namecheap", bad) == (
        "namecheap_domains.getList_response.xml, record 2, field 'expires': "
        "'17/11/2024' is not a date in format mm/dd/yyyy"
    )
    paged = sample("namecheap").replace(b"<TotalItems>5<", b"<TotalItems>25<")
    assert parse_error("namecheap", paged) == (
        "namecheap_domains.getList_response.xml: the list is incomplete (5 of 25 domains); "
        "export all pages into one file"
    )


def test_hexonet_sample():
    records = parse("hexonet")
    assert len(records) == 2
    assert records[0] == RegistrarRecord(
        domain="example-shop.com",
        domain_ascii="example-shop.com",
        expires=date(2025, 3, 3),
        registered_on=date(2018, 3, 3),
        status=DomainStatus.ACTIVE,
        raw_status="ACTIVE",
        auto_renew=True,
        handle=None,
        location="record 1",
    )
    assert (records[1].domain, records[1].expires, records[1].auto_renew) == (
        "muster-gmbh.de",
        date(2024, 11, 18),
        False,
    )


def test_hexonet_zero_dates_bad_dates_and_secrets():
    # given the zero date as expiry fallback chain start
    zero = sample("hexonet").replace(
        b"PROPERTY[DOMAINREGISTRATIONEXPIRATIONDATE][1] = 2024-11-18 14:40:00",
        b"PROPERTY[DOMAINREGISTRATIONEXPIRATIONDATE][1] = 0000-00-00 00:00:00",
    )
    # then the next date is used
    assert parse("hexonet", zero)[1].expires == date(2024, 11, 18)
    # a bad date names the line of the property
    bad = sample("hexonet").replace(b"2018-03-03 10:22:41", b"2018-02-30 10:22:41")
    assert parse_error("hexonet", bad) == (
        "hexonet_ispapi_QueryDomainList_WIDE1_response.txt, line 23, field 'registered_on': "
        "'2018-02-30 10:22:41' is not a date in format yyyy-mm-dd"
    )
    # a malformed line is reported without echoing its (possibly secret) content
    broken = sample("hexonet").replace(
        b"PROPERTY[DOMAINAUTH][0] = Xq7:mT2pLw9e", b"PROPERTY[DOMAINAUTH] Xq7:mT2pLw9e"
    )
    message = parse_error("hexonet", broken)
    assert message == (
        "hexonet_ispapi_QueryDomainList_WIDE1_response.txt, line 15: not an ISPAPI response line"
    )
    error_response = b"[RESPONSE]\nCODE = 531\nDESCRIPTION = Authorization failed\nEOF\n"
    assert parse_error("hexonet", error_response) == (
        "hexonet_ispapi_QueryDomainList_WIDE1_response.txt: "
        "ISPAPI reported an error (CODE 531): Authorization failed"
    )


def test_duplicate_domain_names_both_locations():
    data = sample("joker") + b"Example-Shop.DE 2025-03-02 lock\n"
    assert parse_error("joker", data) == (
        "joker_dmapi_query-domain-list_showstatus1.txt, line 13, field 'domain': "
        "'example-shop.de' is listed twice (line 7 and line 13)"
    )


@pytest.mark.parametrize(
    "name",
    [
        "exa!mple.de",
        "example_shop.de",
        "-bad.de",
        "my--shop.de",
        "localhost",
        "example.123",
        "xn--zz.de",
    ],
)
def test_invalid_domain_names_are_import_errors(name):
    data = sample("joker") + f"{name} 2025-03-02 lock\n".encode()
    assert parse_error("joker", data) == (
        f"joker_dmapi_query-domain-list_showstatus1.txt, line 13, field 'domain': "
        f"{name!r} is not a {'valid' if name not in ('localhost', 'example.123') else 'fully qualified'} domain name"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Müller.DE.", ("müller.de", "xn--mller-kva.de")),
        ("XN--MLLER-KVA.de", ("müller.de", "xn--mller-kva.de")),
        ("straße.de", ("straße.de", "xn--strae-oqa.de")),
        ("ＥＸＡＭＰＬＥ.de", ("example.de", "example.de")),
        ("ab-c--d.de", ("ab-c--d.de", "ab-c--d.de")),
    ],
)
def test_normalize_domain_uses_idna2008_with_uts46(name, expected):
    assert normalize_domain(name) == expected


REGISTRAR_MAPPING = """
kind = "csv"
encoding = "iso-8859-1"
[csv]
delimiter = ";"
[fields.domain]
column = "Domain"
required = true
[fields.expires]
column = "Ablauf"
type = "date"
format = "dd.mm.yyyy"
[fields.status]
column = "Status"
[fields.status.map]
aktiv = "active"
"in Kündigung" = "transfer_out"
[fields.auto_renew]
column = "Auto"
type = "bool"
[fields.handle]
column = "ID"
"""


def test_records_from_mapping_produces_registrar_records():
    mapping = load_mapping(REGISTRAR_MAPPING)
    data = (
        "Domain;Ablauf;Status;Auto;ID\n"
        "Bäckerei-Müller.de;31.12.2025;aktiv;ja;77\n"
        "alt.de;01.01.2025;In Kündigung;nein;\n"
        "neu.de;;bestellt?;;\n"
    ).encode("iso-8859-1")
    records = records_from_mapping(mapping, data, "xy.csv")
    assert records == [
        RegistrarRecord(
            domain="bäckerei-müller.de",
            domain_ascii="xn--bckerei-mller-bfb28a.de",
            expires=date(2025, 12, 31),
            registered_on=None,
            status=DomainStatus.ACTIVE,
            raw_status="aktiv",
            auto_renew=True,
            handle="77",
            location="line 2",
        ),
        RegistrarRecord(
            domain="alt.de",
            domain_ascii="alt.de",
            expires=date(2025, 1, 1),
            registered_on=None,
            status=DomainStatus.TRANSFER_OUT,
            raw_status="In Kündigung",
            auto_renew=False,
            handle=None,
            location="line 3",
        ),
        RegistrarRecord(
            domain="neu.de",
            domain_ascii="neu.de",
            expires=None,
            registered_on=None,
            status=DomainStatus.UNKNOWN,
            raw_status="bestellt?",
            auto_renew=None,
            handle=None,
            location="line 4",
        ),
    ]


def test_records_from_mapping_errors():
    mapping = load_mapping(REGISTRAR_MAPPING)
    header = "Domain;Ablauf;Status;Auto;ID\n"
    with pytest.raises(ImportFormatError) as excinfo:
        records_from_mapping(mapping, (header + "a.de;;;;\nA.de.;;;;\n").encode(), "xy.csv")
    assert str(excinfo.value) == (
        "xy.csv, line 3, field 'domain': 'a.de' is listed twice (line 2 and line 3)"
    )
    with pytest.raises(ImportFormatError) as excinfo:
        records_from_mapping(mapping, (header + "a..de;;;;\n").encode(), "xy.csv")
    assert (
        str(excinfo.value) == "xy.csv, line 2, field 'domain': 'a..de' is not a valid domain name"
    )
    with pytest.raises(MappingError) as merr:
        records_from_mapping(
            load_mapping('kind="csv"\n[fields.domain]\ncolumn="D"\n[fields.expiry]\ncolumn="E"'),
            b"D;E\n",
            "xy.csv",
        )
    assert str(merr.value) == (
        "fields.expiry: unknown registrar field "
        "(allowed: domain, expires, registered_on, status, auto_renew, handle)"
    )
