"""vnStat JSON parser."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hostkontor.usage.parsers import Metric, UsageFormatError, parse_vnstat

FIXTURES = Path(__file__).parent / "fixtures"


def _doc(lists: dict, version: str = "2") -> bytes:
    return json.dumps(
        {
            "vnstatversion": "2.10",
            "jsonversion": version,
            "interfaces": [{"name": "eth0", "traffic": lists}],
        }
    ).encode()


def test_daily_export_yields_rx_tx_per_local_day():
    # given the vnstat --json d export of a Europe/Berlin host
    data = (FIXTURES / "vnstat_json_d_eth0.json").read_bytes()
    # when parsed with the default tz (UTC)
    samples = list(parse_vnstat(data, filename="vnstat_json_d_eth0.json"))
    # then 14 days x rx/tx, starting at the host's local midnight taken from "timestamp"
    assert len(samples) == 28
    first = samples[0]
    assert (first.subject, first.metric, first.quantity) == (
        "eth0",
        Metric.TRAFFIC_BYTES_IN,
        4746317213,
    )
    assert first.start == datetime(2024, 4, 30, 22, 0, tzinfo=UTC)
    assert first.end == datetime(2024, 5, 1, 22, 0, tzinfo=UTC)
    assert first.location == "interfaces[0].traffic.day[0]"
    assert first.unique_key == (
        "vnstat|eth0|traffic_bytes_in|2024-04-30T22:00:00Z|2024-05-01T22:00:00Z"
    )
    last = samples[-1]
    assert (last.metric, last.quantity) == (Metric.TRAFFIC_BYTES_OUT, 20920760083)
    assert last.start == datetime(2024, 5, 13, 22, 0, tzinfo=UTC)
    assert sum(s.quantity for s in samples if s.metric == Metric.TRAFFIC_BYTES_IN) == 66859667510


def test_fiveminute_export_yields_five_minute_samples():
    # given the vnstat --json f export
    data = (FIXTURES / "vnstat_json_f_eth0.json").read_bytes()
    # when parsed
    samples = list(parse_vnstat(data))
    # then 12 five-minute buckets x rx/tx at the epoch vnstat recorded
    assert len(samples) == 24
    assert samples[0].start == datetime(2024, 5, 14, 8, 0, tzinfo=UTC)
    assert samples[0].end == datetime(2024, 5, 14, 8, 5, tzinfo=UTC)
    assert samples[0].quantity == 59349722
    assert samples[-1].metric == Metric.TRAFFIC_BYTES_OUT
    assert samples[-1].quantity == 646348124
    assert samples[-1].start == datetime(2024, 5, 14, 8, 55, tzinfo=UTC)


def test_host_time_zone_does_not_move_timestamped_samples():
    # given the daily export
    data = (FIXTURES / "vnstat_json_d_eth0.json").read_bytes()
    # when parsed with the host's real zone
    samples = list(parse_vnstat(data, tz="Europe/Berlin"))
    # then the instants are the same as with UTC (the timestamp is authoritative)
    assert [s.unique_key for s in samples] == [s.unique_key for s in parse_vnstat(data)]


def test_dst_day_is_23_hours_in_host_zone():
    # given the spring-forward day of a Berlin host (local midnight = 23:00 UTC the day before)
    entry = {
        "id": 1,
        "date": {"year": 2024, "month": 3, "day": 31},
        "timestamp": 1711839600,
        "rx": 1,
        "tx": 2,
    }
    data = _doc({"day": [entry]})
    # when parsed with the host zone, and with the default
    berlin = list(parse_vnstat(data, tz="Europe/Berlin"))[0]
    utc = list(parse_vnstat(data))[0]
    # then the Berlin day has 23 hours, the UTC reading 24
    assert berlin.start == datetime(2024, 3, 30, 23, 0, tzinfo=UTC)
    assert berlin.end == datetime(2024, 3, 31, 22, 0, tzinfo=UTC)
    assert utc.end == datetime(2024, 3, 31, 23, 0, tzinfo=UTC)


def test_entries_without_timestamp_use_the_date_fields_in_tz():
    # given an entry without "timestamp" (older vnStat)
    data = _doc({"day": [{"date": {"year": 2024, "month": 5, "day": 1}, "rx": 5, "tx": 6}]})
    # when parsed with and without the host zone
    berlin = list(parse_vnstat(data, tz="Europe/Berlin"))[0]
    utc = list(parse_vnstat(data))[0]
    # then the wall clock is read in that zone
    assert berlin.start == datetime(2024, 4, 30, 22, 0, tzinfo=UTC)
    assert utc.start == datetime(2024, 5, 1, 0, 0, tzinfo=UTC)


def test_full_export_uses_one_granularity_only():
    # given a plain "vnstat --json" with overlapping month, day and fiveminute lists
    day = {
        "date": {"year": 2024, "month": 2, "day": 1},
        "timestamp": 1706745600,
        "rx": 10,
        "tx": 20,
    }
    month = {"date": {"year": 2024, "month": 2}, "timestamp": 1706745600, "rx": 10, "tx": 20}
    five = {
        "date": {"year": 2024, "month": 2, "day": 1},
        "time": {"hour": 0, "minute": 5},
        "timestamp": 1706746200,
        "rx": 1,
        "tx": 2,
    }
    data = _doc({"month": [month], "fiveminute": [five], "day": [day], "top": [day]})
    # when parsed without and with an explicit granularity
    auto = list(parse_vnstat(data))
    monthly = list(parse_vnstat(data, granularity="month"))
    # then auto picks the day list only, and a month is a calendar month long
    assert [s.location for s in auto] == ["interfaces[0].traffic.day[0]"] * 2
    assert monthly[0].end == datetime(2024, 3, 1, tzinfo=UTC)


def test_requested_granularity_missing_is_an_error():
    data = _doc({"day": []})
    with pytest.raises(UsageFormatError) as err:
        list(parse_vnstat(data, filename="v.json", granularity="hour"))
    assert str(err.value) == "v.json, interfaces[0], field 'traffic.hour': not in this export"


def test_bad_rx_names_record_and_field():
    # given a day whose rx is a string
    data = _doc({"day": [{"date": {"year": 2024, "month": 5, "day": 1}, "rx": "x", "tx": 1}]})
    # when parsed
    with pytest.raises(UsageFormatError) as err:
        list(parse_vnstat(data, filename="vnstat.json"))
    # then the error points at it
    assert str(err.value) == (
        "vnstat.json, interfaces[0].traffic.day[0], field 'rx': 'x' is not a non-negative integer"
    )
    assert (err.value.file, err.value.location, err.value.field) == (
        "vnstat.json",
        "interfaces[0].traffic.day[0]",
        "rx",
    )


def test_negative_and_float_counters_are_rejected():
    for bad in (-1, 1.5, True):
        data = _doc({"day": [{"date": {"year": 2024, "month": 5, "day": 1}, "rx": 1, "tx": bad}]})
        with pytest.raises(UsageFormatError, match="field 'tx'"):
            list(parse_vnstat(data))


def test_invalid_date_is_rejected():
    data = _doc({"day": [{"date": {"year": 2024, "month": 2, "day": 30}, "rx": 1, "tx": 1}]})
    with pytest.raises(UsageFormatError, match=r"day\[0\], field 'date'"):
        list(parse_vnstat(data))


def test_jsonversion_1_is_rejected():
    with pytest.raises(UsageFormatError) as err:
        list(parse_vnstat(_doc({"days": []}, version="1"), filename="old.json"))
    assert str(err.value) == (
        "old.json, document, field 'jsonversion': '1' is not supported (only jsonversion 2)"
    )


def test_unknown_tz_and_granularity_fail_immediately():
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_vnstat(b"{}", tz="Mars/Olympus")
    with pytest.raises(ValueError, match="granularity"):
        parse_vnstat(b"{}", granularity="week")
