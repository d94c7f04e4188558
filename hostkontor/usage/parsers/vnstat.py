"""vnStat JSON (``vnstat --json d`` / ``--json f`` / ``h`` / ``m`` / ``y``, jsonversion 2).

Structure (vnstat src/dbjson.c)::

    {"vnstatversion": "2.10", "jsonversion": "2", "interfaces": [
      {"name": "eth0", "alias": "...", "traffic": {"total": {...},
        "day": [{"id": 1, "date": {"year": 2024, "month": 5, "day": 1},
                 "timestamp": 1714514400, "rx": 4746317213, "tx": 29066143831}, ...],
        "fiveminute": [{..., "time": {"hour": 10, "minute": 0}, "timestamp": ..., ...}]}}]}

``rx``/``tx`` are bytes (jsonversion 1 used KiB and other keys; it is rejected).
``rx`` becomes ``traffic_bytes_in``, ``tx`` ``traffic_bytes_out`` (the host's view), subject is
the interface ``name``.

Time zones
----------
vnStat stores and prints ``date``/``time`` as the *local* wall clock of the host it runs on.
``timestamp`` (present in vnStat 2.x jsonversion 2 output) is the epoch of that local wall clock
as vnStat itself computed it, i.e. it already carries the host's UTC offset. So:

* ``start`` = ``timestamp`` when present (authoritative, independent of ``tz``); otherwise the
  ``date``/``time`` fields read as wall clock in ``tz``.
* ``end`` = ``start`` + the length of the bucket, where day/month/year buckets are measured as
  calendar units *in ``tz``* (so a Europe/Berlin day on the spring DST switch is 23 h).

``tz`` is the host's time zone and defaults to UTC. With the default a Berlin host's samples still
start at the right instant (from ``timestamp``); only DST switch days come out as 24 h, i.e.
overlapping the neighbour by an hour. Pass the host's zone (``tz="Europe/Berlin"``) to be exact.

Granularity
-----------
A plain ``vnstat --json`` contains fiveminute, hour, day, month and year lists that overlap each
other. Summing all of them would count the same bytes several times, so exactly one list is used:
``granularity`` if given, else the first present of ``day, fiveminute, hour, month, year``. The
``top`` list (top days) is never used.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .base import (
    Metric,
    UsageFormatError,
    UsageSample,
    epoch_to_utc,
    plausible,
    read_bytes,
    shorten,
    source_name,
)

__all__ = ["GRANULARITIES", "parse_vnstat"]

SOURCE = "vnstat"
GRANULARITIES = ("fiveminute", "hour", "day", "month", "year")
AUTO_ORDER = ("day", "fiveminute", "hour", "month", "year")


def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    if tz.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _to_utc(wall: datetime, zone: tzinfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _next_boundary(wall: datetime, granularity: str) -> datetime:
    if granularity == "fiveminute":
        return wall + timedelta(minutes=5)
    if granularity == "hour":
        return wall + timedelta(hours=1)
    if granularity == "day":
        return wall + timedelta(days=1)
    if granularity == "month":
        if wall.month == 12:
            return wall.replace(year=wall.year + 1, month=1)
        return wall.replace(month=wall.month + 1)
    return wall.replace(year=wall.year + 1)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_vnstat(
    source: Any,
    *,
    filename: str | None = None,
    tz: str | tzinfo = "UTC",
    granularity: str | None = None,
) -> Iterator[UsageSample]:
    """Yield ``traffic_bytes_in``/``traffic_bytes_out`` samples from a vnStat JSON export.

    Options are checked immediately (``ValueError``); the data when iterating
    (:class:`UsageFormatError`).
    """
    name = source_name(source, filename, "vnstat.json")
    zone = _zone(tz)
    if granularity is not None and granularity not in GRANULARITIES:
        raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
    return _parse(source, name, zone, granularity)


def _parse(source: Any, name: str, zone: tzinfo, granularity: str | None) -> Iterator[UsageSample]:
    def fail(location: str, field: str | None, message: str) -> UsageFormatError:
        return UsageFormatError(name, location, field, message)

    raw = read_bytes(source)
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, digits
        raise fail("document", None, f"not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict):
        raise fail("document", None, "expected a JSON object")
    version = doc.get("jsonversion")
    if str(version) != "2":
        raise fail(
            "document", "jsonversion", f"{shorten(version)} is not supported (only jsonversion 2)"
        )
    interfaces = doc.get("interfaces")
    if not isinstance(interfaces, list):
        raise fail("document", "interfaces", "missing or not a list")

    for i, iface in enumerate(interfaces):
        where = f"interfaces[{i}]"
        if not isinstance(iface, dict):
            raise fail(where, None, "not an object")
        subject = iface.get("name")
        if not isinstance(subject, str) or not subject.strip():
            raise fail(where, "name", "missing interface name")
        traffic = iface.get("traffic")
        if not isinstance(traffic, dict):
            raise fail(where, "traffic", "missing or not an object")
        if granularity is not None:
            if granularity not in traffic:
                raise fail(where, f"traffic.{granularity}", "not in this export")
            chosen = granularity
        else:
            present = [g for g in AUTO_ORDER if g in traffic]
            if not present:
                raise fail(where, "traffic", "no fiveminute/hour/day/month/year list")
            chosen = present[0]
        entries = traffic[chosen]
        if not isinstance(entries, list):
            raise fail(where, f"traffic.{chosen}", "not a list")
        for j, entry in enumerate(entries):
            location = f"{where}.traffic.{chosen}[{j}]"
            yield from _entry_samples(entry, chosen, subject, zone, location, fail)


def _entry_samples(entry, granularity, subject, zone, location, fail) -> Iterator[UsageSample]:
    if not isinstance(entry, dict):
        raise fail(location, None, "not an object")
    date = entry.get("date")
    if not isinstance(date, dict):
        raise fail(location, "date", "missing or not an object")
    parts: dict[str, int] = {}
    needed = ["year"]
    if granularity != "year":
        needed.append("month")
    if granularity in ("day", "hour", "fiveminute"):
        needed.append("day")
    for key in needed:
        value = date.get(key)
        if not _is_int(value):
            raise fail(location, f"date.{key}", f"{shorten(value)} is not an integer")
        parts[key] = value
    hour = minute = 0
    if granularity in ("hour", "fiveminute"):
        time = entry.get("time")
        if not isinstance(time, dict):
            raise fail(location, "time", "missing or not an object")
        hour, minute = time.get("hour"), time.get("minute")
        for key, value in (("hour", hour), ("minute", minute)):
            if not _is_int(value):
                raise fail(location, f"time.{key}", f"{shorten(value)} is not an integer")
    try:
        wall = datetime(parts["year"], parts.get("month", 1), parts.get("day", 1), hour, minute)
    except ValueError:
        raise fail(location, "date", f"{parts} {hour}:{minute} is not a valid date/time") from None
    if not 1970 <= wall.year < 2199:
        raise fail(location, "date.year", f"{wall.year} is not plausible")
    end_wall = _next_boundary(wall, granularity)
    length = _to_utc(end_wall, zone) - _to_utc(wall, zone)

    stamp = entry.get("timestamp")
    if stamp is None:
        start = _to_utc(wall, zone)
    else:
        start = epoch_to_utc(stamp) if _is_int(stamp) else None
        if start is None:
            raise fail(location, "timestamp", f"{shorten(stamp)} is not an epoch timestamp")
    end = start + length
    if not (plausible(start) and plausible(end)):
        raise fail(location, "timestamp", "outside 1970..2200")

    for key, metric in (("rx", Metric.TRAFFIC_BYTES_IN), ("tx", Metric.TRAFFIC_BYTES_OUT)):
        value = entry.get(key)
        if not _is_int(value) or value < 0:
            raise fail(location, key, f"{shorten(value)} is not a non-negative integer")
        yield UsageSample(
            source=SOURCE,
            subject=subject,
            metric=metric,
            start=start,
            end=end,
            quantity=value,
            location=location,
        )
