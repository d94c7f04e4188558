"""Apache ``vhost_combined`` access logs -> bytes sent per vhost per UTC day.

Debian's ``LogFormat "%v:%p %h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\""
vhost_combined``::

    www.example-shop.de:443 198.51.100.140 - - [14/May/2024:08:39:14 +0200] "GET / HTTP/2.0" 200 37803 "-" "Mozilla/5.0 ..."

``%O`` (mod_logio) is the bytes sent including headers; ``-`` counts as 0. Each request is
assigned to the UTC day of its ``%t`` timestamp (the time the request was received) and summed
per vhost into one ``http_bytes_out`` sample covering that UTC day. The subject is ``%v`` (the
canonical ServerName) lower-cased without the port, so ``:80`` and ``:443`` of a site add up.
Anything a custom format appends after the User-Agent is ignored.

Every line must parse: the first bad line raises :class:`UsageFormatError` with its line number
and the field that failed. Blank lines are skipped.

Caveat for importers: a rotated log splits a day across two files, and both files then yield a
sample with the same ``unique_key`` (vhost, day) holding *different partial sums*. Upserting on
the key would drop one half. Feed the rotated files of a period together (``parse_apache`` accepts
several sources) or sum per key across distinct files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .base import (
    Metric,
    UsageFormatError,
    UsageSample,
    iter_lines,
    plausible,
    shorten,
    source_name,
)

__all__ = ["parse_apache", "parse_line"]

SOURCE = "apache"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
# (field, pattern matched at the current position); every pattern consumes its separator
_STEPS = (
    ("vhost", re.compile(r"(\S+):(\d{1,5})(?= )")),
    ("remote_host", re.compile(r" (\S+)")),
    ("ident", re.compile(r" (\S+)")),
    ("user", re.compile(r" (\S.*?)(?= \[)")),
    (
        "time",
        re.compile(
            r" \[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]"
        ),
    ),
    ("request", re.compile(" " + _QUOTED)),
    ("status", re.compile(r" (\d{3}|-)(?= )")),
    ("bytes", re.compile(r" (\d{1,20}|-)(?= |$)")),
    ("referer", re.compile(" " + _QUOTED)),
    ("user_agent", re.compile(" " + _QUOTED + r"(?= |$)")),
)
_VHOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9._-]*[A-Za-z0-9_])?\.?|\[[0-9A-Fa-f:.]+\]")


def parse_line(line: str, name: str = "access.log", line_no: int = 1) -> tuple[str, datetime, int]:
    """``(vhost, received_at_utc, bytes_sent)`` of one ``vhost_combined`` line."""
    pos = 0
    found: dict[str, tuple[str, ...]] = {}
    for field, pattern in _STEPS:
        match = pattern.match(line, pos)
        if match is None:
            rest = line[pos:]
            what = (
                f"cannot parse {shorten(rest, 30)}" if rest.strip() else "missing (line ends early)"
            )
            raise UsageFormatError(name, f"line {line_no}", field, what)
        found[field] = match.groups()
        pos = match.end()
    if pos < len(line) and line[pos] != " ":
        raise UsageFormatError(name, f"line {line_no}", None, "unexpected text after user agent")

    vhost = found["vhost"][0]
    if not _VHOST.fullmatch(vhost):
        raise UsageFormatError(name, f"line {line_no}", "vhost", f"{shorten(vhost)} is not a host")
    vhost = vhost.lower().rstrip(".")

    day, mon, year, hh, mm, ss, sign, oh, om = found["time"]
    try:
        offset = timedelta(hours=int(oh), minutes=int(om))
        received = datetime(
            int(year),
            _MONTHS[mon],
            int(day),
            int(hh),
            int(mm),
            int(ss),
            tzinfo=timezone(-offset if sign == "-" else offset),
        ).astimezone(UTC)
    except (KeyError, ValueError):
        stamp = f"{day}/{mon}/{year}:{hh}:{mm}:{ss} {sign}{oh}{om}"
        raise UsageFormatError(
            name, f"line {line_no}", "time", f"{shorten(stamp)} is not a valid time"
        ) from None
    if not plausible(received) or not plausible(received + timedelta(days=1)):
        raise UsageFormatError(name, f"line {line_no}", "time", f"{year} is not plausible")

    sent = found["bytes"][0]
    return vhost, received, 0 if sent == "-" else int(sent)


def parse_apache(
    source: Any | Iterable[Any],
    *,
    filename: str | None = None,
) -> Iterator[UsageSample]:
    """Yield one ``http_bytes_out`` sample per (vhost, UTC day), sorted by day then vhost.

    ``source`` is one log (bytes/str/file object) or a list/tuple of them (rotated parts of the
    same log, summed together; error locations then read ``<name>, line N`` of the part).
    """
    parts = list(source) if isinstance(source, list | tuple) else [source]
    return _parse(parts, filename)


def _parse(parts: list[Any], filename: str | None) -> Iterator[UsageSample]:
    # (day, vhost) -> [bytes, (name, first line), (name, last line)]
    totals: dict[tuple[datetime, str], list[Any]] = {}
    for part in parts:
        name = source_name(part, filename if len(parts) == 1 else None, "access.log")
        for line_no, line in enumerate(iter_lines(part), start=1):
            if not line.strip():
                continue
            vhost, received, sent = parse_line(line, name, line_no)
            day = received.replace(hour=0, minute=0, second=0, microsecond=0)
            entry = totals.get((day, vhost))
            if entry is None:
                totals[(day, vhost)] = [sent, (name, line_no), (name, line_no)]
            else:
                entry[0] += sent
                entry[2] = (name, line_no)
    for (day, vhost), (sent, first, last) in sorted(totals.items()):
        yield UsageSample(
            source=SOURCE,
            subject=vhost,
            metric=Metric.HTTP_BYTES_OUT,
            start=day,
            end=day + timedelta(days=1),
            quantity=sent,
            location=_span(first, last, single=len(parts) == 1),
        )


def _span(first: tuple[str, int], last: tuple[str, int], *, single: bool) -> str:
    """``line 5`` / ``lines 1-40`` (one file) or ``a.log line 9 to b.log line 3``."""
    if single:
        return f"line {first[1]}" if first == last else f"lines {first[1]}-{last[1]}"
    if first == last:
        return f"{first[0]} line {first[1]}"
    return f"{first[0]} line {first[1]} to {last[0]} line {last[1]}"
