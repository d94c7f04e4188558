"""Apache vhost_combined access log parser."""

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hostkontor.usage.parsers import Metric, UsageFormatError, parse_apache

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "apache_vhost_combined_other_vhosts_access.log"
UA = '"-" "Mozilla/5.0"'


def _line(
    vhost="shop.example:443",
    when="14/May/2024:10:00:00 +0200",
    sent="100",
    request="GET / HTTP/1.1",
):
    return f'{vhost} 192.0.2.1 - - [{when}] "{request}" 200 {sent} {UA}'


def test_sample_sums_bytes_per_vhost_and_utc_day():
    # given the sample log (40 requests of three vhosts on 14 May 2024, +0200)
    with SAMPLE.open("rb") as fh:
        # when parsed
        samples = list(parse_apache(fh))
    # then one http_bytes_out sample per vhost covering the UTC day
    day = datetime(2024, 5, 14, tzinfo=UTC)
    assert [(s.subject, s.quantity, s.location) for s in samples] == [
        ("beispiel-agentur.de", 164319589, "lines 1-40"),
        ("muster-gmbh.de", 3964646, "lines 3-37"),
        ("www.example-shop.de", 860364, "lines 2-39"),
    ]
    assert {(s.metric, s.start, s.end) for s in samples} == {
        (Metric.HTTP_BYTES_OUT, day, datetime(2024, 5, 15, tzinfo=UTC))
    }
    assert samples[0].unique_key == (
        "apache|beispiel-agentur.de|http_bytes_out|2024-05-14T00:00:00Z|2024-05-15T00:00:00Z"
    )


def test_requests_are_bucketed_by_utc_day_and_ports_and_case_fold():
    # given requests just before and after UTC midnight, on two ports, one with "-" bytes
    log = "\n".join(
        [
            _line(when="15/May/2024:01:59:59 +0200", sent="10"),  # 14 May 23:59:59 UTC
            _line(vhost="Shop.Example:80", when="15/May/2024:02:00:00 +0200", sent="20"),
            _line(when="14/May/2024:20:00:00 -0500", sent="-"),  # 15 May 01:00 UTC
            "",
        ]
    )
    # when parsed
    samples = list(parse_apache(log))
    # then
    assert [(s.subject, s.start.day, s.quantity, s.location) for s in samples] == [
        ("shop.example", 14, 10, "line 1"),
        ("shop.example", 15, 20, "lines 2-3"),
    ]


def test_escaped_quotes_and_trailing_fields_are_accepted():
    line = (
        "a.example:443 2001:db8::1 - bob [14/May/2024:10:00:00 +0000] "
        r'"GET /?q=\"x\" HTTP/1.1" 200 5 "-" "UA \"quoted\"" 1234 extra'
    )
    assert [s.quantity for s in parse_apache(line)] == [5]


def test_rotated_parts_are_summed_with_named_locations():
    # given a day split over a rotated and a current log
    old = io.BytesIO(_line(sent="7").encode())
    old.name = "/var/log/apache2/other_vhosts_access.log.1"
    new = io.BytesIO((_line(sent="5") + "\n" + _line(sent="1")).encode())
    new.name = "/var/log/apache2/other_vhosts_access.log"
    # when parsed together
    [sample] = parse_apache([old, new])
    # then
    assert sample.quantity == 13
    assert sample.location == ("other_vhosts_access.log.1 line 1 to other_vhosts_access.log line 2")


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        (_line()[:60], "request", "missing (line ends early)"),
        (_line(sent="12a"), "bytes", 'cannot parse \' 12a "-" "Mozilla/5.0"\''),
        (
            _line(when="31/Apr/2024:10:00:00 +0200"),
            "time",
            "'31/Apr/2024:10:00:00 +0200' is not a valid time",
        ),
        (
            _line(when="14/Mai/2024:10:00:00 +0200"),
            "time",
            "'14/Mai/2024:10:00:00 +0200' is not a valid time",
        ),
        (
            _line(vhost="shop example"),
            "vhost",
            "cannot parse 'shop example 192.0.2.1 - - [1…'",
        ),
        (_line(vhost="sh\u00f6p.example:443"), "vhost", "'sh\u00f6p.example' is not a host"),
        (_line(when="14/May/2299:10:00:00 +0200"), "time", "2299 is not plausible"),
    ],
)
def test_bad_line_names_line_and_field(line, field, message):
    # given a good line followed by a bad one
    log = _line() + "\n" + line + "\n"
    # when parsed
    with pytest.raises(UsageFormatError) as err:
        list(parse_apache(log, filename="access.log"))
    # then
    assert (err.value.file, err.value.location, err.value.field, err.value.message) == (
        "access.log",
        "line 2",
        field,
        message,
    )
    assert str(err.value) == f"access.log, line 2, field '{field}': {message}"
