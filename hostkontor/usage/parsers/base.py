"""Shared types of the usage parsers: :class:`UsageSample`, :class:`Metric`, :class:`UsageFormatError`.

Pure Python, no Django. Every parser takes the raw export (``bytes``, ``str`` or a binary/text
file object) plus a ``filename`` used in error messages, and yields :class:`UsageSample` objects.

Conventions
-----------
* ``start``/``end`` are tz-aware UTC datetimes; the sample covers ``[start, end)`` (for rrdtool
  and MRTG, whose timestamps mark the *end* of an averaging interval, that is ``(t - step, t]``,
  the same span).
* ``quantity`` is in the metric's base unit: bytes for ``*_bytes_*``, bit/s for ``*_bps_*``.
  Integers where the source has integers (vnStat, MRTG volumes, Apache), exact ``Decimal``
  where the source prints decimals (rrdtool). Never ``float``.
* ``unique_key`` is derived from source format, subject, metric, start and end only -- not from
  the quantity or the line number -- so re-importing the same or an overlapping export yields the
  same keys (an importer should upsert on it: a later export of a still-running day carries the
  newer total under the same key).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any

__all__ = [
    "Metric",
    "Source",
    "UsageFormatError",
    "UsageSample",
    "make_unique_key",
]

Source = bytes | bytearray | str | IO[bytes] | IO[str]

# Plausibility window for timestamps in usage exports. Anything outside is a corrupt value, and
# keeping far away from datetime's year-9999 limit means "+1 day" never overflows.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


class Metric(StrEnum):
    """What a sample measures. Names carry the base unit (bytes, or bits per second)."""

    TRAFFIC_BYTES_IN = "traffic_bytes_in"
    TRAFFIC_BYTES_OUT = "traffic_bytes_out"
    TRAFFIC_BPS_IN = "traffic_bps_in"
    TRAFFIC_BPS_OUT = "traffic_bps_out"
    HTTP_BYTES_OUT = "http_bytes_out"


class UsageFormatError(ValueError):
    """A usage export could not be parsed.

    ``str()`` reads ``mrtg.log, line 7, field 'avg_in': 'x' is not a number``; without a field
    ``mrtg.log, line 7: <message>``. Same constructor signature as the import framework's
    ``ImportFormatError(file, location, field, message)`` so the two can be unified later.
    """

    def __init__(self, file: str, location: str, field: str | None, message: str) -> None:
        self.file = file
        self.location = location
        self.field = field
        self.message = message
        super().__init__(file, location, field, message)

    def __str__(self) -> str:
        where = f"{self.file}, {self.location}" if self.location else self.file
        if self.field:
            return f"{where}, field '{self.field}': {self.message}"
        return f"{where}: {self.message}"


def _key_part(value: str) -> str:
    return value.replace("%", "%25").replace("|", "%7C")


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_unique_key(source: str, subject: str, metric: str, start: datetime, end: datetime) -> str:
    """``source|subject|metric|start|end`` with UTC ISO-8601 times; ``|`` and ``%`` in the
    parts are percent-escaped so the key is unambiguous."""
    return "|".join(
        (_key_part(source), _key_part(subject), _key_part(str(metric)), _iso(start), _iso(end))
    )


@dataclass(frozen=True, slots=True)
class UsageSample:
    """One measured quantity of one subject over ``[start, end)``."""

    source: str
    subject: str
    metric: Metric
    start: datetime
    end: datetime
    quantity: int | Decimal
    location: str
    unique_key: str = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("UsageSample start/end must be timezone-aware")
        object.__setattr__(self, "start", self.start.astimezone(UTC))
        object.__setattr__(self, "end", self.end.astimezone(UTC))
        if not self.start < self.end:
            raise ValueError("UsageSample start must be before end")
        object.__setattr__(
            self,
            "unique_key",
            make_unique_key(self.source, self.subject, self.metric, self.start, self.end),
        )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


# --------------------------------------------------------------------------------------------
# helpers shared by the parsers


def source_name(source: Any, filename: str | None, default: str) -> str:
    """Name used in error messages: explicit ``filename``, else the file object's basename."""
    if filename:
        return filename
    name = getattr(source, "name", None)
    if isinstance(name, str) and name:
        return os.path.basename(name)
    return default


def read_bytes(source: Any) -> bytes:
    """Whole input as bytes (``str`` is encoded as UTF-8)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str):
        return source.encode("utf-8")
    if hasattr(source, "read"):
        data = source.read()
        if isinstance(data, str):
            return data.encode("utf-8")
        return bytes(data)
    raise TypeError(f"cannot read usage data from {type(source).__name__}")


def iter_lines(source: Any) -> Iterator[str]:
    """Lines of the input without line terminators; bytes are decoded as UTF-8 with
    replacement characters (the per-format validation then rejects garbage with a line number).
    File objects are streamed, so multi-gigabyte logs are not loaded at once."""
    if isinstance(source, bytes | bytearray | memoryview):
        stream: Any = io.BytesIO(bytes(source))
    elif isinstance(source, str):
        stream = io.StringIO(source)
    elif hasattr(source, "read"):
        stream = source
    else:
        raise TypeError(f"cannot read usage data from {type(source).__name__}")
    for raw in stream:
        line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        yield line.rstrip("\r\n")


def epoch_to_utc(value: int) -> datetime | None:
    """Epoch seconds -> UTC datetime, or ``None`` if outside the plausibility window."""
    if not 0 <= value < 7258118400:  # 2200-01-01
        return None
    return EARLIEST + timedelta(seconds=value)


def plausible(dt: datetime) -> bool:
    return EARLIEST <= dt < LATEST


def shorten(value: Any, limit: int = 40) -> str:
    """``repr`` of an offending value for error messages, cut to ``limit`` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text)
