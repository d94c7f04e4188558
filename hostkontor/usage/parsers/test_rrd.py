"""rrdtool xport XML/JSON parser."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hostkontor.usage.metering import find_gaps, percentile95
from hostkontor.usage.parsers import Metric, UsageFormatError, parse_rrd
from hostkontor.usage.parsers.rrd import metric_from_legend

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "rrdtool_xport_sw1-gi0-12.xml"


def _json_export(rows, *, showtime=True) -> bytes:
    lines = []
    for t, a, b in rows:
        cells = [json.dumps(a), json.dumps(b)]
        lines.append("    [ " + (f'"{t}",' if showtime else "") + ", ".join(cells) + " ]")
    return (
        '{ "about": "RRDtool graph JSON output",\n  "meta": {\n    "start": 1715637900,\n'
        '    "end": 1715638500,\n    "step": 300,\n    "legend": [\n      "in_bps",\n'
        '      "out_bps"\n          ]\n     },\n  "data": [\n' + ",\n".join(lines) + "\n  ]\n}\n"
    ).encode()


def test_xml_sample_yields_bit_per_second_per_column():
    # given the rrdtool xport -t XML sample (ISO-8859-1)
    # when parsed
    samples = list(parse_rrd(SAMPLE.read_bytes(), filename=SAMPLE.name))
    # then 12 rows x 2 columns; a row stamped t covers the 300 s before t
    assert len(samples) == 24
    first = samples[0]
    assert (first.subject, first.metric) == ("in_bps", Metric.TRAFFIC_BPS_IN)
    assert first.start == datetime(2024, 5, 13, 22, 0, tzinfo=UTC)
    assert first.end == datetime(2024, 5, 13, 22, 5, tzinfo=UTC)
    assert first.quantity == Decimal("46610053.307")
    assert first.location == "row 1"
    last = samples[-1]
    assert (last.subject, last.metric, last.quantity) == (
        "out_bps",
        Metric.TRAFFIC_BPS_OUT,
        Decimal("280212047.25"),
    )
    assert last.end == datetime(2024, 5, 13, 23, 0, tzinfo=UTC)
    assert (
        last.unique_key == "rrd|out_bps|traffic_bps_out|2024-05-13T22:55:00Z|2024-05-13T23:00:00Z"
    )


def test_95th_percentile_of_sample_out_series_matches_rrdtool():
    # given the out series of the sample
    out = [s.quantity for s in parse_rrd(SAMPLE.read_bytes()) if s.metric == Metric.TRAFFIC_BPS_OUT]
    # when the 95th percentile is taken
    p95 = percentile95(out)
    # then it is the 11th of 12 sorted values, printed by rrdtool as 341304531 bit/s
    assert p95 == Decimal("341304531.23")
    assert int(p95) == 341304531


def test_json_with_timestamps_and_null_leaves_a_detectable_gap():
    # given rrdtool xport --json -t output with one missing out value
    data = _json_export(
        [
            (1715637900, 4.6610053307e07, 2.3455312768e08),
            (1715638200, 2.8148152987e07, None),
            (1715638500, 2.9390472747e07, 3.1641571307e08),
        ]
    )
    # when parsed (format detected)
    samples = list(parse_rrd(data, filename="x.json"))
    # then the null is skipped ...
    out = [s for s in samples if s.metric == Metric.TRAFFIC_BPS_OUT]
    assert [s.quantity for s in out] == [Decimal("234553127.68"), Decimal("316415713.07")]
    assert len(samples) == 5
    # ... and shows up as a gap over the period
    coverage = find_gaps(
        out,
        interval=300,
        start=datetime(2024, 5, 13, 22, 0, tzinfo=UTC),
        end=datetime(2024, 5, 13, 22, 15, tzinfo=UTC),
    )
    assert coverage.gaps == (
        (datetime(2024, 5, 13, 22, 5, tzinfo=UTC), datetime(2024, 5, 13, 22, 10, tzinfo=UTC)),
    )


def test_json_without_timestamps_counts_from_meta_start():
    data = _json_export([(0, 1.0, 2.0), (0, 3.0, 4.0)], showtime=False)
    samples = list(parse_rrd(data))
    assert [s.end for s in samples[::2]] == [
        datetime(2024, 5, 13, 22, 5, tzinfo=UTC),
        datetime(2024, 5, 13, 22, 10, tzinfo=UTC),
    ]
    assert [s.quantity for s in samples] == [Decimal(1), Decimal(2), Decimal(3), Decimal(4)]


def test_xml_nan_enumds_and_no_timestamps():
    # given xport XML without -t, with --enumds cells and a NaN
    data = SAMPLE.read_bytes()
    data = data.replace(
        b"<row><t>1715637900</t><v>4.6610053307e+07</v><v>2.3455312768e+08</v>",
        b"<row><v0>NaN</v0><v1>2.3455312768e+08</v1>",
    )
    for t in range(1715638200, 1715641201, 300):
        data = data.replace(f"<row><t>{t}</t>".encode(), b"<row>")
    # when parsed
    samples = list(parse_rrd(data))
    # then the NaN cell is missing and rows are stamped start + i * step
    assert len(samples) == 23
    assert (samples[0].subject, samples[0].end) == (
        "out_bps",
        datetime(2024, 5, 13, 22, 5, tzinfo=UTC),
    )
    assert samples[-1].end == datetime(2024, 5, 13, 23, 0, tzinfo=UTC)


def test_subject_and_metric_overrides():
    samples = list(
        parse_rrd(
            SAMPLE.read_bytes(),
            subject="sw1:Gi0/12",
            metrics={"in_bps": Metric.TRAFFIC_BPS_OUT, "out_bps": Metric.TRAFFIC_BPS_IN},
        )
    )
    assert {s.subject for s in samples} == {"sw1:Gi0/12"}
    assert samples[0].metric == Metric.TRAFFIC_BPS_OUT


@pytest.mark.parametrize(
    ("legend", "metric"),
    [
        ("in_bps", Metric.TRAFFIC_BPS_IN),
        ("ifHCInOctets", Metric.TRAFFIC_BPS_IN),
        ("tx", Metric.TRAFFIC_BPS_OUT),
        ("Traffic Out", Metric.TRAFFIC_BPS_OUT),
        ("inout", None),
        ("in_out", None),
        ("total", None),
    ],
)
def test_direction_from_legend(legend, metric):
    assert metric_from_legend(legend) is metric


@pytest.mark.parametrize(
    ("old", "new", "location", "field", "message"),
    [
        (b"<v>3.6859502688e+08</v>", b"<v>abc</v>", "row 2", "out_bps", "'abc' is not a number"),
        (b"<v>3.6859502688e+08</v>", b"<v>-1e3</v>", "row 2", "out_bps", "'-1e3' is negative"),
        (b"<v>3.6859502688e+08</v>", b"", "row 2", None, "1 values for 2 legend entries"),
        (
            b"<t>1715638200</t>",
            b"<t>2024-05-14 00:10</t>",
            "row 2",
            "t",
            "'2024-05-14 00:10' is not an integer",
        ),
        (
            b"<entry>out_bps</entry>",
            b"<entry>total</entry>",
            "meta",
            "legend",
            "cannot tell whether 'total' is in or out; pass metrics={...}",
        ),
        (b"<step>300</step>", b"<step>0</step>", "meta", "step", "0 is not a valid step"),
    ],
)
def test_bad_xml_values_name_row_and_column(old, new, location, field, message):
    # given the sample with one value broken
    data = SAMPLE.read_bytes().replace(old, new, 1)
    # when parsed
    with pytest.raises(UsageFormatError) as err:
        list(parse_rrd(data, filename="x.xml"))
    # then
    assert (err.value.location, err.value.field, err.value.message) == (location, field, message)


def test_entity_expansion_is_refused():
    data = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        b"<xport><meta><step>300</step></meta></xport>"
    )
    with pytest.raises(UsageFormatError, match=r"^x.xml, document: not well-formed XML"):
        list(parse_rrd(data, filename="x.xml"))


def test_neither_xml_nor_json():
    with pytest.raises(UsageFormatError) as err:
        list(parse_rrd(b"timestamp,in,out\n", filename="x.csv"))
    assert str(err.value) == "x.csv, document: neither rrdtool xport XML nor JSON"


def test_rrdtool_14_pseudo_json_is_rejected():
    data = b"{ about: 'RRDtool xport JSON output', meta: { start: 1 } }"
    with pytest.raises(UsageFormatError, match="not valid JSON"):
        list(parse_rrd(data))


def test_unknown_xml_encoding_is_a_format_error():
    # found by fuzzing: expat raises LookupError for an unknown declared encoding
    data = SAMPLE.read_bytes().replace(b"ISO-8859-1", b"I0O-8859-1")
    with pytest.raises(UsageFormatError, match=r"^x.xml, document: not well-formed XML"):
        list(parse_rrd(data, filename="x.xml"))
