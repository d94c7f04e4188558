"""Tests for the mapping format (TOML load/dump, validation, converters)."""

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hostkontor.imports.errors import ImportFormatError, MappingError
from hostkontor.imports.mapping import (
    BadValue,
    FieldSpec,
    Mapping,
    compile_field,
    dump_mapping,
    load_mapping,
)

REGISTRAR_CSV_TOML = """\
name = "Registrar XY (CSV-Export)"
kind = "csv"
encoding = "iso-8859-1"

[csv]
delimiter = ";"
quotechar = '"'
has_header = true
skip_lines = 1

[fields.domain]
column = "Domain"
required = true

[fields.expires]
column = "Ablaufdatum"
type = "date"
format = "dd.mm.yyyy"

[fields.registered_on]
column = "Registriert am"
type = "date"
format = "dd.mm.yyyy"

[fields.status]
column = "Status"
[fields.status.map]
aktiv = "active"
"in Kündigung" = "transfer_out"
"gelöscht" = "deleted"

[fields.auto_renew]
column = "Autoverlängerung"
type = "bool"
true_values = ["ja"]
false_values = ["nein"]

[fields.handle]
column = "ROID"
"""


def test_example_registrar_toml_loads_with_all_settings():
    # given the documented example mapping
    # when it is loaded
    mapping = load_mapping(REGISTRAR_CSV_TOML)
    # then every setting is taken over exactly
    assert mapping.kind == "csv"
    assert mapping.encoding == "iso-8859-1"
    assert (mapping.delimiter, mapping.quotechar, mapping.has_header, mapping.skip_lines) == (
        ";",
        '"',
        True,
        1,
    )
    assert [f.target for f in mapping.fields] == [
        "domain",
        "expires",
        "registered_on",
        "status",
        "auto_renew",
        "handle",
    ]
    assert mapping.field_spec("domain") == FieldSpec(
        target="domain", source="Domain", required=True
    )
    assert mapping.field_spec("status").value_map == {
        "aktiv": "active",
        "in Kündigung": "transfer_out",
        "gelöscht": "deleted",
    }
    assert mapping.field_spec("auto_renew").true_values == ("ja",)
    assert mapping.field_spec("auto_renew").false_values == ("nein",)


@pytest.mark.parametrize(
    "mapping",
    [
        load_mapping(REGISTRAR_CSV_TOML),
        Mapping(
            kind="json",
            name='Quote " and backslash \\ and tab \t',
            records_path="data.domains",
            fields=(
                FieldSpec("domain", "fqdn", required=True),
                FieldSpec("expires", "dates.registry_ends_at", type="date", format="iso"),
                FieldSpec("price", "price", type="decimal", decimal_separator=",", default="0"),
                FieldSpec("first_tag", "tags[0]"),
                FieldSpec("kind", None, default="registrar"),
                FieldSpec("active", "active", type="bool", default=True),
                FieldSpec("years", "years", type="int", default=1, thousands_separator="."),
                FieldSpec("secret_code", "auth", secret=True),
            ),
        ),
        Mapping(
            kind="xml",
            record_xpath="//nc:Domain",
            namespaces={"nc": "http://api.namecheap.com/xml.response"},
            encoding="utf-8",
            fields=(
                FieldSpec("domain", "@Name", required=True),
                FieldSpec("created", "@Created", type="datetime", format="mm/dd/yyyy hh:mm"),
                FieldSpec("flag", "@F", type="bool", true_values=("Y",), false_values=()),
                FieldSpec("x", "text()", value_map={"a\nb": "c", "ü ß": ""}),
            ),
        ),
        Mapping(
            kind="csv",
            has_header=False,
            quotechar="",
            delimiter="\t",
            fields=(FieldSpec("domain", 0), FieldSpec("n", 3, type="int")),
        ),
    ],
    ids=["csv-example", "json", "xml", "csv-no-header"],
)
def test_toml_round_trip_gives_an_equal_mapping(mapping):
    # given a mapping
    # when it is dumped to TOML and loaded again
    text = dump_mapping(mapping)
    loaded = load_mapping(text)
    # then the result equals the original, and dumping again gives the same text
    assert loaded == mapping
    assert dump_mapping(loaded) == text


def test_dump_writes_the_documented_layout():
    # given a small csv mapping
    mapping = Mapping(
        kind="csv",
        encoding="iso-8859-1",
        delimiter=";",
        fields=(
            FieldSpec("domain", "Domain", required=True),
            FieldSpec("status", "Status", value_map={"in Kündigung": "transfer_out"}),
        ),
    )
    # when it is dumped
    text = dump_mapping(mapping)
    # then the TOML text is exactly the documented layout
    assert text == (
        'kind = "csv"\n'
        'encoding = "iso-8859-1"\n'
        "\n"
        "[csv]\n"
        'delimiter = ";"\n'
        'quotechar = "\\""\n'
        "has_header = true\n"
        "skip_lines = 0\n"
        "\n"
        "[fields.domain]\n"
        'column = "Domain"\n'
        'type = "str"\n'
        "required = true\n"
        "\n"
        "[fields.status]\n"
        'column = "Status"\n'
        'type = "str"\n'
        "\n"
        "[fields.status.map]\n"
        '"in Kündigung" = "transfer_out"\n'
    )


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('kind = "csv"', "fields: at least one [fields.<name>] table is required"),
        (
            'kind = "yaml"\n[fields.a]\ncolumn="A"',
            "kind: must be one of csv, json, xml, not 'yaml'",
        ),
        ("[fields.a]\ncolumn = 'A'", "kind: is required (csv, json or xml)"),
        (
            'kind = "csv"\n[csv]\ndelimeter = ";"\n[fields.a]\ncolumn="A"',
            "csv.delimeter: unknown setting",
        ),
        (
            'kind = "csv"\n[json]\nrecords = ""\n[fields.a]\ncolumn="A"',
            "json: section [json] does not apply to kind 'csv'",
        ),
        (
            'kind = "csv"\n[csv]\ndelimiter = ";;"\n[fields.a]\ncolumn="A"',
            "csv.delimiter: must be exactly one character (not a line break)",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="money"',
            "fields.a.type: must be one of str, date, datetime, decimal, int, bool",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="date"\nformat="dd.mmm.yyyy"',
            "fields.a.format: date format 'dd.mmm.yyyy' contains 'm' twice",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="date"\nformat="dd.qq.yyyy"',
            "fields.a.format: unknown token 'q' in date format 'dd.qq.yyyy'",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="date"\nformat="mm/yyyy"',
            "fields.a.format: date format 'mm/yyyy' needs a year, month and day",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\nformat="dd.mm.yyyy"',
            "fields.a.format: only applies to date and datetime fields",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="decimal"\ndecimal_separator=";"',
            'fields.a.decimal_separator: must be "," or "."',
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="decimal"\ndecimal_separator=","\nthousands_separator=","',
            "fields.a.thousands_separator: must differ from the decimal separator",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="date"\ndefault="31.02.2024"\nformat="dd.mm.yyyy"',
            "fields.a.default: '31.02.2024' is not a date in format dd.mm.yyyy",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\nrequired=true\ndefault="x"',
            "fields.a.default: a required field cannot have a default",
        ),
        (
            'kind = "csv"\n[fields.a]\ntype="str"',
            "fields.a: needs 'column' (or a default for a constant)",
        ),
        ('kind = "csv"\n[fields.a]\npath="a.b"', "fields.a.path: unknown setting"),
        (
            'kind = "csv"\n[csv]\nhas_header=false\n[fields.a]\ncolumn="A"',
            "fields.a.column: without a header line columns must be given by index",
        ),
        (
            'kind = "csv"\n[csv]\nskip_lines=-1\n[fields.a]\ncolumn="A"',
            "csv.skip_lines: must be an integer >= 0",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn=true',
            "fields.a.column: must be a string or an integer",
        ),
        (
            'kind = "json"\n[fields.a]\npath="a..b"',
            "fields.a.path: invalid path 'a..b' (empty part)",
        ),
        (
            'kind = "xml"\n[xml]\nrecords="//d"\n[fields.a]\nxpath="x:y"',
            "fields.a.xpath: invalid XPath 'x:y': Undefined namespace prefix",
        ),
        (
            'kind = "xml"\n[fields.a]\nxpath="@a"',
            "xml.records: an XPath selecting the record elements is required",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntrue_values=["y"]',
            "fields.a.true_values: only applies to bool fields",
        ),
        (
            'kind = "csv"\n[fields.a]\ncolumn="A"\ntype="bool"\ntrue_values=["y"]\nfalse_values=["Y"]',
            "fields.a.false_values: overlaps with true_values",
        ),
        (
            'kind = "csv"\nencoding = "klingon"\n[fields.a]\ncolumn="A"',
            "encoding: unknown encoding 'klingon'",
        ),
        (
            'kind = "csv"\n[fields."a b"]\ncolumn="A"',
            "fields.a b: field name must be letters, digits and _ only",
        ),
        ("kind = ", "invalid TOML: Invalid value (at end of document)"),
    ],
)
def test_invalid_mappings_are_rejected_with_a_clear_message(toml, expected):
    # given an invalid mapping
    # when it is loaded
    with pytest.raises(MappingError) as excinfo:
        load_mapping(toml)
    # then the message names the setting and the problem
    assert str(excinfo.value) == expected


@pytest.mark.parametrize(
    ("spec", "raw", "expected"),
    [
        (FieldSpec("d", "x", type="date", format="dd.mm.yyyy"), "31.12.2025", date(2025, 12, 31)),
        (FieldSpec("d", "x", type="date", format="dd.mm.yyyy"), " 1.2.2025 ", date(2025, 2, 1)),
        (FieldSpec("d", "x", type="date", format="DD.MM.YY"), "01.02.68", date(2068, 2, 1)),
        (FieldSpec("d", "x", type="date", format="DD.MM.YY"), "01.02.69", date(1969, 2, 1)),
        (FieldSpec("d", "x", type="date", format="mm/dd/yyyy"), "03/02/2025", date(2025, 3, 2)),
        (FieldSpec("d", "x", type="date", format="yyyy-mm-dd"), "2025-03-02", date(2025, 3, 2)),
        (
            FieldSpec("d", "x", type="date", format="yyyy-mm-dd hh:mm:ss"),
            "2025-03-02 23:59:59",
            date(2025, 3, 2),
        ),
        (
            FieldSpec("d", "x", type="datetime", format="yyyy-mm-dd hh:mm:ss"),
            "2025-03-02 10:22:41",
            datetime(2025, 3, 2, 10, 22, 41),
        ),
        (
            FieldSpec("d", "x", type="datetime", format="dd.mm.yyyy hh:mm"),
            "02.03.2025 10:22",
            datetime(2025, 3, 2, 10, 22),
        ),
        (
            FieldSpec("d", "x", type="datetime", format="yyyy-mm-ddThh:mm:ssZ"),
            "2025-03-02T10:22:41Z",
            datetime(2025, 3, 2, 10, 22, 41),
        ),
        (FieldSpec("d", "x", type="date"), "2025-04-02T08:14:35Z", date(2025, 4, 2)),
        (FieldSpec("d", "x", type="date", format="ISO-8601"), "2025-04-02", date(2025, 4, 2)),
        (
            FieldSpec("d", "x", type="datetime", format="iso"),
            "2025-04-02T08:14:35+02:00",
            datetime(2025, 4, 2, 8, 14, 35, tzinfo=timezone(timedelta(hours=2))),
        ),
        (
            FieldSpec("n", "x", type="decimal", decimal_separator=",", thousands_separator="."),
            "1.234,50",
            Decimal("1234.50"),
        ),
        (FieldSpec("n", "x", type="decimal"), "-0.5", Decimal("-0.5")),
        (FieldSpec("n", "x", type="decimal"), 12.5, Decimal("12.5")),
        (FieldSpec("n", "x", type="int", thousands_separator=" "), "1 000 000", 1000000),
        (FieldSpec("n", "x", type="int"), 7, 7),
        (FieldSpec("b", "x", type="bool"), "Ja", True),
        (FieldSpec("b", "x", type="bool"), "nein", False),
        (FieldSpec("b", "x", type="bool"), True, True),
        (FieldSpec("b", "x", type="bool", true_values=("ENABLED",), false_values=()), "x", False),
        (FieldSpec("s", "x"), "  text  ", "text"),
        (FieldSpec("s", "x"), "   ", None),
        (FieldSpec("s", "x"), None, None),
        (FieldSpec("s", "x", default="fallback"), "", "fallback"),
        (FieldSpec("s", "x"), ["a", "b"], "a,b"),
        (FieldSpec("s", "x"), 5, "5"),
        (FieldSpec("s", "x", value_map={"Aktiv": "active"}), "AKTIV", "active"),
        (FieldSpec("s", "x", value_map={"Aktiv": "active"}), "other", "other"),
        (FieldSpec("s", "x", value_map={"-": ""}, default="none"), "-", "none"),
        (
            FieldSpec("d", "x", type="date", value_map={"0000-00-00": ""}),
            "0000-00-00",
            None,
        ),
    ],
)
def test_converters_accept_valid_values(spec, raw, expected):
    # given a compiled field converter
    convert = compile_field(spec)
    # when a valid raw value is converted
    value = convert(raw)
    # then the typed value is exact (including its type)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        (
            FieldSpec("d", "x", type="date", format="dd.mm.yyyy"),
            "31.13.2026",
            "is not a date in format dd.mm.yyyy",
        ),
        (
            FieldSpec("d", "x", type="date", format="dd.mm.yyyy"),
            "2026-01-01",
            "is not a date in format dd.mm.yyyy",
        ),
        (
            FieldSpec("d", "x", type="date", format="dd.mm.yyyy"),
            "٣١.١٢.٢٠٢٥",
            "is not a date in format dd.mm.yyyy",
        ),
        (FieldSpec("d", "x", type="date"), "02.03.2025", "is not an ISO-8601 date"),
        (
            FieldSpec("n", "x", type="decimal", decimal_separator=","),
            "1.5",
            "is not a decimal number with decimal separator ','",
        ),
        (
            FieldSpec("n", "x", type="decimal"),
            "NaN",
            "is not a decimal number with decimal separator '.'",
        ),
        (
            FieldSpec("n", "x", type="decimal"),
            "1e5",
            "is not a decimal number with decimal separator '.'",
        ),
        (FieldSpec("n", "x", type="int"), "1_000", "is not a whole number"),
        (FieldSpec("n", "x", type="int"), 1.5, "is not a whole number"),
        (
            FieldSpec("b", "x", type="bool"),
            "vielleicht",
            "is not one of the configured true/false values",
        ),
        (FieldSpec("s", "x", required=True), "  ", "a value is required"),
        (FieldSpec("s", "x"), {"a": 1}, "is an object, expected a single value"),
        (FieldSpec("d", "x", type="date"), 5, "is a number, expected date"),
    ],
)
def test_converters_reject_bad_values(spec, raw, message):
    # given a compiled converter
    convert = compile_field(spec)
    # when a bad value is converted
    with pytest.raises(BadValue) as excinfo:
        convert(raw)
    # then the problem is described exactly
    assert excinfo.value.message == message


def test_secret_fields_never_show_their_value():
    # given a secret field
    spec = FieldSpec("auth", "x", type="int", secret=True)
    convert = compile_field(spec)
    # when its value is invalid
    with pytest.raises(BadValue) as excinfo:
        convert("Xq7:mT2pLw9e")
    # then the rendered message omits the value
    assert excinfo.value.render("Xq7:mT2pLw9e", secret=True) == "value is not a whole number"
    assert (
        excinfo.value.render("Xq7:mT2pLw9e", secret=False) == "'Xq7:mT2pLw9e' is not a whole number"
    )


def test_import_format_error_reads_like_the_spec():
    # given an error with file, location and field
    error = ImportFormatError(
        "registrar.csv", "line 7", "expires", "'31.13.2026' is not a date in format dd.mm.yyyy"
    )
    # then str() reads as documented, and file-level errors omit location and field
    assert str(error) == (
        "registrar.csv, line 7, field 'expires': '31.13.2026' is not a date in format dd.mm.yyyy"
    )
    assert str(ImportFormatError("a.json", None, None, "invalid")) == "a.json: invalid"
    assert str(ImportFormatError("a.json", "line 3", None, "x")) == "a.json, line 3: x"
    assert isinstance(error, ValueError)
