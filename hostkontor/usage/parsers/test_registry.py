"""Registry, auto-detection, error formatting and sample keys."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from hostkontor.usage.parsers import PARSERS, Metric, UsageFormatError, UsageSample

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "fixture", "count"),
    [
        ("vnstat", "vnstat_json_d_eth0.json", 28),
        ("vnstat", "vnstat_json_f_eth0.json", 24),
        ("mrtg", "mrtg_kunde42-sw1-gi0-12.log", 88),
        ("rrd", "rrdtool_xport_sw1-gi0-12.xml", 24),
        ("apache", "apache_vhost_combined_other_vhosts_access.log", 3),
    ],
)
def test_registry_parses_every_sample_from_an_open_file(name, fixture, count):
    with (FIXTURES / fixture).open("rb") as fh:
        samples = list(PARSERS[name](fh))
    assert len(samples) == count
    assert len({s.unique_key for s in samples}) == count
    assert all(s.source == name for s in samples)


def test_registry_names():
    assert sorted(PARSERS) == ["apache", "mrtg", "rrd", "vnstat"]


def test_error_str_with_and_without_field():
    assert str(UsageFormatError("mrtg.log", "line 7", "avg_in", "'x' is not a number")) == (
        "mrtg.log, line 7, field 'avg_in': 'x' is not a number"
    )
    assert str(UsageFormatError("a.log", "line 2", None, "bad")) == "a.log, line 2: bad"


def test_unique_key_is_deterministic_utc_and_escaped():
    # given the same interval expressed in two zones and a subject with a separator
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    a = UsageSample(
        "rrd",
        "a|b",
        Metric.TRAFFIC_BPS_IN,
        datetime(2024, 5, 14, 2, 0, tzinfo=berlin),
        datetime(2024, 5, 14, 2, 5, tzinfo=berlin),
        1,
        "row 1",
    )
    b = UsageSample(
        "rrd",
        "a|b",
        Metric.TRAFFIC_BPS_IN,
        datetime(2024, 5, 14, 0, 0, tzinfo=UTC),
        datetime(2024, 5, 14, 0, 5, tzinfo=UTC),
        2,
        "row 9",
    )
    # then quantity and location do not enter the key, times are normalised to UTC
    assert (
        a.unique_key
        == b.unique_key
        == "rrd|a%7Cb|traffic_bps_in|2024-05-14T00:00:00Z|2024-05-14T00:05:00Z"
    )
    assert a.start.tzinfo is UTC


def test_sample_rejects_naive_or_empty_intervals():
    t = datetime(2024, 5, 14, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        UsageSample("x", "s", Metric.HTTP_BYTES_OUT, t.replace(tzinfo=None), t, 1, "line 1")
    with pytest.raises(ValueError, match="before end"):
        UsageSample("x", "s", Metric.HTTP_BYTES_OUT, t, t, 1, "line 1")
