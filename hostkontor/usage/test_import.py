"""Importing usage exports: every sample, idempotency, all-or-nothing, the command."""

import json
import tomllib
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hostkontor.imports import ImportFormatError, MappingError
from hostkontor.testing.factories import make_contract, make_customer

from .importing import load_usage_format
from .models import SubjectMapping, UsageComponent, UsageImport, UsagePeriodHold, UsageRecord
from .parsers import UsageFormatError
from .services import usage_import

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "parsers" / "fixtures"
SAMPLES = [
    ("vnstat", "vnstat_json_d_eth0.json", 28),
    ("vnstat", "vnstat_json_f_eth0.json", 24),
    ("mrtg", "mrtg_kunde42-sw1-gi0-12.log", 88),
    ("rrd", "rrdtool_xport_sw1-gi0-12.xml", 24),
    ("apache", "apache_vhost_combined_other_vhosts_access.log", 3),
]

CSV_FORMAT = """name = "Disk"
kind = "csv"
[csv]
delimiter = ";"
[usage]
source = "disk-csv"
interval = 86400
timezone = "Europe/Berlin"
[fields.subject]
column = "account"
[fields.metric]
default = "disk_bytes"
[fields.start]
column = "day"
type = "date"
format = "dd.mm.yyyy"
[fields.quantity]
column = "bytes"
type = "int"
"""


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def traffic_component(**fields) -> UsageComponent:
    contract = make_contract(make_customer(), "V-1", start=date(2024, 5, 1), interval="month")
    values = {
        "name": "Traffic",
        "metric": "traffic_bytes",
        "direction": "sum",
        "unit_price": Decimal("0.10"),
    }
    values.update(fields)
    return UsageComponent.objects.create(contract=contract, **values)


@pytest.mark.parametrize(("fmt", "name", "count"), SAMPLES)
def test_every_sample_imports_and_a_reimport_adds_nothing(fmt, name, count):
    # when a sample export is imported twice
    first = usage_import(actor=None, data=sample(name), filename=name, format=fmt)
    second = usage_import(actor=None, data=sample(name), filename=name, format=fmt)
    # then the first import stores every record once, the second only counts duplicates
    assert (first.records_read, first.records_new, first.records_duplicate) == (count, count, 0)
    assert (
        second.records_read,
        second.records_new,
        second.records_duplicate,
        second.records_updated,
    ) == (
        count,
        0,
        count,
        0,
    )
    assert UsageRecord.objects.count() == count


def test_import_reports_unmatched_subjects_and_the_periods_that_changed():
    # given eth0 mapped to a traffic component of a monthly contract from 1 May 2024
    component = traffic_component()
    SubjectMapping.objects.create(subject_key="eth0", component=component)
    # when vnStat's daily export (1-14 May 2024) and an unmapped rrd export are imported
    vnstat = usage_import(
        actor=None, data=sample("vnstat_json_d_eth0.json"), filename="d.json", format="vnstat"
    )
    rrd = usage_import(
        actor=None, data=sample("rrdtool_xport_sw1-gi0-12.xml"), filename="x.xml", format="rrd"
    )
    # then vnStat changed May 2024 of the component, the rrd subjects are unmatched
    assert vnstat.unmatched_subjects == []
    assert vnstat.periods_changed == [
        {
            "component_id": component.pk,
            "component": "Traffic",
            "contract": "V-1",
            "customer_id": component.contract.customer_id,
            "period_start": "2024-05-01",
            "period_end": "2024-05-31",
        }
    ]
    assert rrd.unmatched_subjects == ["in_bps", "out_bps"]
    assert rrd.periods_changed == []
    # and a re-import changes no period
    again = usage_import(
        actor=None, data=sample("vnstat_json_d_eth0.json"), filename="d.json", format="vnstat"
    )
    assert again.periods_changed == []


def test_periods_an_earlier_system_billed_are_reported_as_changed_but_never_held():
    # given eth0 on a daily-checked component whose contract was billed until October 2026
    component = traffic_component(sample_interval=86400)
    component.contract.billed_until = date(2026, 10, 31)
    component.contract.save(update_fields=["billed_until"])
    SubjectMapping.objects.create(subject_key="eth0", component=component)
    # when vnStat's daily export (1-14 May 2024, so May has gaps) is imported
    record = usage_import(
        actor=None, data=sample("vnstat_json_d_eth0.json"), filename="d.json", format="vnstat"
    )
    # then May 2024 is reported as changed, and no hold is recorded for it
    assert [
        (p["contract"], p["period_start"], p["period_end"]) for p in record.periods_changed
    ] == [("V-1", "2024-05-01", "2024-05-31")]
    assert UsagePeriodHold.objects.count() == 0


def test_a_later_export_with_a_grown_total_updates_the_record():
    # given a day imported with 100 bytes
    fmt = load_usage_format(CSV_FORMAT)
    usage_import(
        actor=None, data=b"account;day;bytes\nweb42;01.05.2024;100\n", filename="a.csv", mapping=fmt
    )
    # when a later export carries 150 bytes for the same day
    later = usage_import(
        actor=None, data=b"account;day;bytes\nweb42;01.05.2024;150\n", filename="b.csv", mapping=fmt
    )
    # then the record holds the newer total, counted as updated, not twice
    assert (later.records_new, later.records_duplicate, later.records_updated) == (0, 0, 1)
    [record] = UsageRecord.objects.all()
    assert record.quantity == Decimal("150")
    # local day 01.05.2024 (Europe/Berlin) starts 2024-04-30 22:00 UTC
    assert (record.source, record.subject, record.metric, record.start, record.end) == (
        "disk-csv",
        "web42",
        "disk_bytes",
        datetime(2024, 4, 30, 22, tzinfo=UTC),
        datetime(2024, 5, 1, 22, tzinfo=UTC),
    )
    assert (
        record.unique_key == "disk-csv|web42|disk_bytes|2024-04-30T22:00:00Z|2024-05-01T22:00:00Z"
    )


def test_a_bad_builtin_file_names_line_and_field_and_saves_nothing():
    # given an MRTG log whose line 3 has a letter in avg_in
    lines = sample("mrtg_kunde42-sw1-gi0-12.log").decode().splitlines()
    fields = lines[2].split()
    fields[1] = "12x4"
    lines[2] = " ".join(fields)
    # when imported
    with pytest.raises(UsageFormatError) as caught:
        usage_import(actor=None, data="\n".join(lines).encode(), filename="sw1.log", format="mrtg")
    # then the error names file, line and field, and nothing is stored
    assert str(caught.value) == "sw1.log, line 3, field 'avg_in': '12x4' is not a number"
    assert UsageRecord.objects.count() == 0
    assert UsageImport.objects.count() == 0


def test_a_bad_mapped_file_names_line_and_field_and_saves_nothing():
    fmt = load_usage_format(CSV_FORMAT)
    data = b"account;day;bytes\nweb42;01.05.2024;100\nweb42;32.05.2024;100\n"
    with pytest.raises(ImportFormatError) as caught:
        usage_import(actor=None, data=data, filename="disk.csv", mapping=fmt)
    assert (caught.value.file, caught.value.location, caught.value.field) == (
        "disk.csv",
        "line 3",
        "start",
    )
    assert "is not a date in format dd.mm.yyyy" in str(caught.value)
    negative = b"account;day;bytes\nweb42;01.05.2024;-5\n"
    with pytest.raises(ImportFormatError) as caught:
        usage_import(actor=None, data=negative, filename="disk.csv", mapping=fmt)
    assert str(caught.value) == "disk.csv, line 2, field 'quantity': -5 is negative or out of range"
    assert UsageRecord.objects.count() == 0
    assert UsageImport.objects.count() == 0


def test_a_mapping_needs_the_usage_fields_and_an_end_or_interval():
    without_interval = CSV_FORMAT.replace("interval = 86400\n", "")
    with pytest.raises(MappingError) as caught:
        load_usage_format(without_interval)
    assert str(caught.value) == "usage.interval: is required when there is no end field"
    without_subject = CSV_FORMAT.replace('[fields.subject]\ncolumn = "account"\n', "")
    with pytest.raises(MappingError) as caught:
        load_usage_format(without_subject)
    assert str(caught.value) == "fields.subject: is required (subject, metric, start, quantity)"


def test_a_usage_format_round_trips_through_toml():
    fmt = load_usage_format(CSV_FORMAT)
    assert load_usage_format(fmt.to_toml()) == fmt


def test_a_usage_format_with_every_character_to_escape_round_trips_through_tomllib():
    # given a usage format whose name, default and value map hold every character that TOML
    # wants escaped (quote, backslash, newline, tab, control characters) and other unicode
    nasty = 'q"b\\s\nn\tt\rr\bb\ff\x00z\x1fu\x7fd äöü € 😀 \u2028'
    fmt = load_usage_format(CSV_FORMAT)
    fields = tuple(
        replace(f, default=nasty, value_map={nasty: "x"}) if f.target == "metric" else f
        for f in fmt.mapping.fields
    )
    fmt = replace(fmt, mapping=replace(fmt.mapping, name=nasty, fields=fields))
    # when it is written to TOML
    text = fmt.to_toml()
    # then tomllib reads the exact values back and the format is unchanged
    parsed = tomllib.loads(text)
    assert parsed["name"] == nasty
    assert parsed["fields"]["metric"] == {"type": "str", "default": nasty, "map": {nasty: "x"}}
    assert load_usage_format(text) == fmt


def test_mapped_rows_with_epoch_and_iso_times_and_an_end_column():
    fmt = load_usage_format(
        """kind = "json"
[json]
records = "samples"
[usage]
source = "probe"
[fields.subject]
path = "port"
[fields.metric]
path = "metric"
[fields.start]
path = "from"
[fields.end]
path = "to"
[fields.quantity]
path = "value"
type = "decimal"
"""
    )
    data = json.dumps(
        {
            "samples": [
                {
                    "port": "p1",
                    "metric": "traffic_bps_in",
                    "from": 1715637600,
                    "to": "2024-05-13T22:05:00Z",
                    "value": "12.5",
                },
            ]
        }
    ).encode()
    record = usage_import(actor=None, data=data, filename="p.json", mapping=fmt)
    assert record.records_new == 1
    [row] = UsageRecord.objects.values_list("start", "end", "quantity")
    assert row == (
        datetime(2024, 5, 13, 22, 0, tzinfo=UTC),
        datetime(2024, 5, 13, 22, 5, tzinfo=UTC),
        Decimal("12.5"),
    )


def test_command_prints_counts_and_json(tmp_path):
    component = traffic_component()
    SubjectMapping.objects.create(subject_key="eth0", component=component)
    path = tmp_path / "vnstat_json_d_eth0.json"
    path.write_bytes(sample("vnstat_json_d_eth0.json"))
    out = StringIO()
    call_command("import_usage", "--input-format", "vnstat", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "records read:           28",
        "new:                    28",
        "duplicate:              0",
        "updated:                0",
        "unmatched subject keys: -",
        "periods changed:        1",
        "  V-1 Traffic 2024-05-01 – 2024-05-31",
    ]
    out = StringIO()
    call_command(
        "import_usage", "--input-format", "vnstat", str(path), "--format", "json", stdout=out
    )
    report = json.loads(out.getvalue())
    assert (
        report["records_read"],
        report["new"],
        report["duplicate"],
        report["periods_changed"],
    ) == (28, 0, 28, [])


def test_command_with_mapping_file_and_a_bad_file_exits_non_zero(tmp_path):
    mapping = tmp_path / "disk.toml"
    mapping.write_text(CSV_FORMAT, encoding="utf-8")
    good = tmp_path / "disk.csv"
    good.write_text(
        "account;day;bytes\nweb42;01.05.2024;100\nweb43;01.05.2024;7\n", encoding="utf-8"
    )
    out = StringIO()
    call_command(
        "import_usage",
        "--mapping-file",
        str(mapping),
        str(good),
        "--format",
        "json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert (report["records_read"], report["new"], report["unmatched_subjects"]) == (
        2,
        2,
        ["web42", "web43"],
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("account;day;bytes\nweb44;01.05.2024;1\nweb44;01.05.2024;x\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_usage", "--mapping-file", str(mapping), str(bad), stdout=StringIO())
    assert (
        str(caught.value)
        == f"nothing imported:\n{bad}, line 3, field 'quantity': 'x' is not a whole number"
    )
    assert UsageRecord.objects.filter(subject="web44").count() == 0
