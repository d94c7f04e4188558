"""Tests for read_records: CSV, JSON and XML via mappings, and every kind of bad input."""

from datetime import date
from decimal import Decimal

import pytest

from hostkontor.imports.errors import ImportFormatError, MappingError
from hostkontor.imports.mapping import FieldSpec, Mapping, load_mapping
from hostkontor.imports.reader import Record, read_records
from hostkontor.imports.test_mapping import REGISTRAR_CSV_TOML

GERMAN_CSV = (
    "Export Registrar XY vom 01.03.2025\r\n"
    "Domain;Ablaufdatum;Registriert am;Status;Autoverlängerung;ROID\r\n"
    "müller-bäckerei.de;31.12.2025;01.01.2020;aktiv;ja;D-1\r\n"
    "\r\n"
    '"straße.de";01.03.2026;;In Kündigung;nein;\r\n'
    "grün.at;15.07.2024;15.07.2019;gelöscht;nein;A-3;\r\n"
).encode("iso-8859-1")


def read(mapping, data, filename="registrar.csv"):
    return list(read_records(mapping, data, filename))


def error_of(mapping, data, filename="registrar.csv"):
    with pytest.raises(ImportFormatError) as excinfo:
        read(mapping, data, filename)
    return excinfo.value


def test_semicolon_iso_8859_1_csv_with_german_dates_and_umlauts():
    # given the documented example mapping and a Latin-1 export with a title line,
    # a blank line, a quoted cell and a trailing ";" on the last row
    mapping = load_mapping(REGISTRAR_CSV_TOML)
    # when it is read
    records = read(mapping, GERMAN_CSV)
    # then umlauts, dates, mapped statuses, booleans and empty cells come out exactly,
    # with physical line numbers
    assert records == [
        Record(
            "line 3",
            {
                "domain": "müller-bäckerei.de",
                "expires": date(2025, 12, 31),
                "registered_on": date(2020, 1, 1),
                "status": "active",
                "auto_renew": True,
                "handle": "D-1",
            },
        ),
        Record(
            "line 5",
            {
                "domain": "straße.de",
                "expires": date(2026, 3, 1),
                "registered_on": None,
                "status": "transfer_out",
                "auto_renew": False,
                "handle": None,
            },
        ),
        Record(
            "line 6",
            {
                "domain": "grün.at",
                "expires": date(2024, 7, 15),
                "registered_on": date(2019, 7, 15),
                "status": "deleted",
                "auto_renew": False,
                "handle": "A-3",
            },
        ),
    ]


def test_csv_by_column_index_without_header_and_utf8_bom():
    # given a headerless, BOM-prefixed UTF-8 file mapped by column index
    mapping = Mapping(
        kind="csv",
        has_header=False,
        fields=(
            FieldSpec("domain", 0, required=True),
            FieldSpec("price", 2, type="decimal", decimal_separator=",", thousands_separator="."),
            FieldSpec("source", None, default="import"),
        ),
    )
    data = '\ufeffa.de,x,"1.234,50"\nb.de,y,7\n'.encode()
    # when it is read
    records = read(mapping, data)
    # then the BOM is gone and the constant field is filled in
    assert records == [
        Record("line 1", {"source": "import", "domain": "a.de", "price": Decimal("1234.50")}),
        Record("line 2", {"source": "import", "domain": "b.de", "price": Decimal("7")}),
    ]


def test_multiline_quoted_cell_reports_the_line_where_the_record_starts():
    # given a quoted cell spanning two lines, followed by a bad date
    mapping = Mapping(
        kind="csv",
        fields=(FieldSpec("note", "Note"), FieldSpec("d", "D", type="date")),
    )
    data = b'Note,D\n"two\nlines",2025-01-01\nx,2025-13-01\n'
    # when it is read
    error = error_of(mapping, data)
    # then the first record is parsed and the error names physical line 4
    assert str(error) == "registrar.csv, line 4, field 'd': '2025-13-01' is not an ISO-8601 date"
    assert read(mapping, data[: data.index(b"x,")]) == [
        Record("line 2", {"note": "two\nlines", "d": date(2025, 1, 1)})
    ]


def test_json_path_mapping_with_nested_keys_and_list_index():
    # given a JSON document with the records under data.domains
    mapping = load_mapping(
        """
        kind = "json"
        [json]
        records = "data.domains"
        [fields.domain]
        path = "fqdn"
        required = true
        [fields.expires]
        path = "dates.registry_ends_at"
        type = "date"
        [fields.first_status]
        path = "status[0]"
        [fields.second_status]
        path = "status.1"
        [fields.auto_renew]
        path = "autorenew"
        type = "bool"
        [fields.price]
        path = "price.amount"
        type = "decimal"
        """
    )
    data = (
        b'{"data": {"domains": ['
        b'{"fqdn": "a.de", "dates": {"registry_ends_at": "2025-04-02T08:14:35Z"},'
        b' "status": ["ok", "clientHold"], "autorenew": true, "price": {"amount": 12.5}},'
        b'{"fqdn": "b.de", "dates": null, "status": [], "autorenew": "nein"}'
        b"]}}"
    )
    # when it is read
    records = read(mapping, data, "gandi.json")
    # then nested values, list indexes and missing parts come out exactly
    assert records == [
        Record(
            "record 1",
            {
                "domain": "a.de",
                "expires": date(2025, 4, 2),
                "first_status": "ok",
                "second_status": "clientHold",
                "auto_renew": True,
                "price": Decimal("12.5"),
            },
        ),
        Record(
            "record 2",
            {
                "domain": "b.de",
                "expires": None,
                "first_status": None,
                "second_status": None,
                "auto_renew": False,
                "price": None,
            },
        ),
    ]


def test_xml_xpath_mapping_with_namespaces_attributes_text_and_elements():
    # given a namespaced XML document
    mapping = load_mapping(
        """
        kind = "xml"
        [xml]
        records = "//r:Domain"
        [xml.namespaces]
        r = "urn:example:registrar"
        [fields.domain]
        xpath = "@Name"
        required = true
        [fields.expires]
        xpath = "r:expires/text()"
        type = "date"
        format = "mm/dd/yyyy"
        [fields.owner]
        xpath = "r:owner"
        [fields.locked]
        xpath = "@IsLocked"
        type = "bool"
        """
    )
    data = (
        b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        b'<list xmlns="urn:example:registrar">\n'
        b'  <Domain Name="a.de" IsLocked="true"><expires>03/02/2025</expires>'
        b"<owner>M\xfcller <b>GmbH</b></owner></Domain>\n"
        b'  <Domain Name="b.de" IsLocked="false"/>\n'
        b"</list>\n"
    )
    # when it is read
    records = read(mapping, data, "list.xml")
    # then attributes, text() and element text content (declared encoding) come out exactly
    assert records == [
        Record(
            "record 1",
            {"domain": "a.de", "expires": date(2025, 3, 2), "owner": "Müller GmbH", "locked": True},
        ),
        Record("record 2", {"domain": "b.de", "expires": None, "owner": None, "locked": False}),
    ]


CSV_MAPPING = Mapping(
    kind="csv",
    delimiter=";",
    encoding="utf-8",
    fields=(
        FieldSpec("domain", "Domain", required=True),
        FieldSpec("expires", "Ablauf", type="date", format="dd.mm.yyyy"),
    ),
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b"Domain;Ablauf\na.de;01.01.2026\nb.de;31.13.2026\n",
            "registrar.csv, line 3, field 'expires': '31.13.2026' is not a date in format dd.mm.yyyy",
        ),
        (
            b"Domain;Ablauf\na.de;01.01.2026\n ;01.01.2026\n",
            "registrar.csv, line 3, field 'domain': a value is required",
        ),
        (
            b"Domain;Expiry\na.de;01.01.2026\n",
            "registrar.csv, line 1, field 'expires': column 'Ablauf' not found in header",
        ),
        (
            b"Domain;Ablauf;Ablauf\na.de;01.01.2026;x\n",
            "registrar.csv, line 1, field 'expires': column 'Ablauf' appears twice in header",
        ),
        (
            b"Domain;Ablauf\na.de;01.01.2026\nb.de\n",
            "registrar.csv, line 3: expected 2 columns, found 1",
        ),
        (
            b"Domain;Ablauf\na.de;01.01.2026;x;\n",
            "registrar.csv, line 2: expected 2 columns, found 4",
        ),
        (
            b"Domain;Ablauf\na.de;01.01.2026\nm\xfcller.de;01.01.2026\n",
            "registrar.csv, line 3: cannot be decoded as utf-8",
        ),
        (
            b'Domain;Ablauf\na.de;01.01.2026\n"b.de;01.01.2026\n',
            "registrar.csv, line 3: malformed CSV: unexpected end of data",
        ),
        (
            b'Domain;Ablauf\n"a.de"x;01.01.2026\n',
            "registrar.csv, line 2: malformed CSV: ';' expected after '\"'",
        ),
        (b"", "registrar.csv: the file has no header line"),
    ],
    ids=[
        "wrong-date",
        "missing-required-value",
        "missing-column",
        "duplicate-column",
        "too-few-columns",
        "too-many-columns",
        "undecodable-bytes",
        "unterminated-quote",
        "garbage-after-quote",
        "empty-file",
    ],
)
def test_bad_csv_input_is_reported_with_file_line_and_field(data, expected):
    # given a broken CSV file
    # when it is read
    error = error_of(CSV_MAPPING, data)
    # then the message names file, line and (where applicable) field exactly
    assert str(error) == expected


def test_records_before_an_error_are_yielded_lazily():
    # given a file whose third line is bad
    records = read_records(CSV_MAPPING, b"Domain;Ablauf\na.de;01.01.2026\nb.de;x\n", "f.csv")
    # when iterating
    first = next(records)
    # then the first record arrives, and the error only when the bad line is reached
    assert first == Record("line 2", {"domain": "a.de", "expires": date(2026, 1, 1)})
    with pytest.raises(ImportFormatError) as excinfo:
        next(records)
    assert (excinfo.value.file, excinfo.value.location, excinfo.value.field) == (
        "f.csv",
        "line 3",
        "expires",
    )


def test_secret_field_value_is_not_in_the_error_message():
    # given a field marked secret that holds an auth code
    mapping = Mapping(kind="csv", fields=(FieldSpec("auth", "Auth", type="int", secret=True),))
    # when its value is invalid
    error = error_of(mapping, b"Auth\nXq7:mT2pLw9e\n", "auth.csv")
    # then the message does not contain the value
    assert str(error) == "auth.csv, line 2, field 'auth': value is not a whole number"


JSON_MAPPING = Mapping(
    kind="json",
    records_path="data",
    fields=(FieldSpec("domain", "fqdn", required=True), FieldSpec("d", "d", type="date")),
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"data": [{"fqdn": "a.de"}, {"fqdn": "b.de", "d": "2025-02-30"}]}',
            "x.json, record 2, field 'd': '2025-02-30' is not an ISO-8601 date",
        ),
        (
            b'{"data": [{"fqdn": "a.de"}, {"d": "2025-01-01"}]}',
            "x.json, record 2, field 'domain': a value is required",
        ),
        (
            b'{"data": [{"fqdn": "a.de"},\n {"fqdn": "b.de"',
            "x.json, line 2: invalid JSON: Expecting ',' delimiter (column 17)",
        ),
        (
            b'{"data": [{"fqdn": "a.de"}]}\n junk',
            "x.json, line 2: invalid JSON: Extra data (column 2)",
        ),
        (b'{"data": {"fqdn": "a.de"}}', "x.json: records path 'data' is not a list of records"),
        (b'{"data": [{"fqdn": NaN}]}', "x.json: invalid JSON: NaN is not valid JSON"),
        (b'{"data": [{"fqdn": "\xff"}]}', "x.json, line 1: cannot be decoded as utf-8"),
        (
            b'{"data": [{"fqdn": {"x": 1}}]}',
            "x.json, record 1, field 'domain': is an object, expected a single value",
        ),
    ],
    ids=[
        "bad-date",
        "missing-required",
        "truncated",
        "trailing-junk",
        "not-a-list",
        "nan",
        "undecodable",
        "object",
    ],
)
def test_bad_json_input_is_reported_with_position(data, expected):
    # given a broken JSON document
    # when it is read
    error = error_of(JSON_MAPPING, data, "x.json")
    # then the message is exact
    assert str(error) == expected


XML_MAPPING = Mapping(
    kind="xml",
    record_xpath="/list/d",
    fields=(FieldSpec("domain", "@name", required=True), FieldSpec("d", "exp", type="date")),
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'<list>\n<d name="a.de"><exp>2025-01-01</exp></d>\n<d name="b.de"><exp>1.1.2025</exp></d></list>',
            "x.xml, record 2, field 'd': '1.1.2025' is not an ISO-8601 date",
        ),
        (
            b'<list>\n<d name="a.de"><exp>2025-01-01</exp></d>\n<d name="b.de"><exp>20',
            "x.xml, line 3: invalid XML: Premature end of data in tag exp line 3 (column 23)",
        ),
        (
            b'<!DOCTYPE list [<!ENTITY x "y">]><list><d name="&x;"/></list>',
            "x.xml: XML with a DTD is not accepted",
        ),
        (b"", "x.xml, line 1: invalid XML: Document is empty (column 1)"),
        (
            b'<list><d name="\xff"/></list>',
            "x.xml, line 1: invalid XML: Invalid bytes in character encoding (column 16)",
        ),
    ],
    ids=["bad-date", "truncated", "dtd", "empty", "undecodable"],
)
def test_bad_xml_input_is_reported_with_position(data, expected):
    # given a broken or dangerous XML document
    # when it is read
    error = error_of(XML_MAPPING, data, "x.xml")
    # then the message is exact
    assert str(error) == expected


def test_external_entities_are_never_resolved(tmp_path):
    # given a document referring to a local file through an external entity
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    data = (
        f'<!DOCTYPE list [<!ENTITY e SYSTEM "file://{secret}">]>'
        '<list><d name="a.de"><exp>&e;</exp></d></list>'
    ).encode()
    # when it is read
    error = error_of(XML_MAPPING, data, "x.xml")
    # then it is refused and the file content appears nowhere
    assert "TOPSECRET" not in str(error)
    assert str(error) == "x.xml: XML with a DTD is not accepted"


def test_a_large_csv_is_read_quickly():
    # given 200,000 rows with a date, a decimal, a mapped status and a bool
    mapping = Mapping(
        kind="csv",
        delimiter=";",
        encoding="iso-8859-1",
        fields=(
            FieldSpec("domain", "Domain", required=True),
            FieldSpec("expires", "Ablauf", type="date", format="dd.mm.yyyy"),
            FieldSpec("price", "Preis", type="decimal", decimal_separator=","),
            FieldSpec("status", "Status", value_map={"aktiv": "active"}),
            FieldSpec("auto", "Auto", type="bool"),
        ),
    )
    rows = "".join(
        f"dom{i}.de;{i % 28 + 1:02d}.{i % 12 + 1:02d}.2025;{i},50;aktiv;ja\n"
        for i in range(200_000)
    )
    data = ("Domain;Ablauf;Preis;Status;Auto\n" + rows).encode("iso-8859-1")
    # when all records are read
    count = 0
    last = None
    for record in read_records(mapping, data, "big.csv"):
        count += 1
        last = record
    # then all rows arrive correctly (speed is measured by `make bench`)
    assert count == 200_000
    assert last == Record(
        "line 200001",
        {
            "domain": "dom199999.de",
            "expires": date(2025, 8, 24),
            "price": Decimal("199999.50"),
            "status": "active",
            "auto": True,
        },
    )


def test_trailing_delimiter_in_header_and_rows_is_tolerated():
    # given an Excel-style export where header and rows end with ";"
    data = b"Domain;Ablauf;\na.de;01.01.2026;\nb.de;02.01.2026\n"
    # when it is read
    records = read(CSV_MAPPING, data)
    # then both rows are accepted
    assert records == [
        Record("line 2", {"domain": "a.de", "expires": date(2026, 1, 1)}),
        Record("line 3", {"domain": "b.de", "expires": date(2026, 1, 2)}),
    ]


def test_settings_of_another_kind_are_rejected():
    # given a json mapping with a csv setting, which TOML could not represent
    with pytest.raises(MappingError) as excinfo:
        Mapping(kind="json", delimiter=";", fields=(FieldSpec("domain", "fqdn"),))
    # then it is refused instead of silently dropped
    assert str(excinfo.value) == "delimiter: does not apply to kind 'json'"


def test_overlong_json_number_is_an_import_error():
    # given a number beyond Python's int-from-string limit
    data = b'{"data": [{"fqdn": "a.de", "n": ' + b"9" * 5000 + b"}]}"
    # then it is reported as invalid JSON, not as a crash
    assert str(error_of(JSON_MAPPING, data, "x.json")) == (
        "x.json: invalid JSON: a number is too long"
    )
