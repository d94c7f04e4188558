"""Gap detection: which parts of a billing period have no samples.

Samples are given as

* objects with ``start``/``end`` (e.g. :class:`~hostkontor.usage.parsers.UsageSample`) or
  ``(start, end)`` tuples -- each covers ``[start, end)``; or
* bare ``datetime`` sample starts -- each covers ``[t, t + interval)``.

Everything is clipped to the period ``[start, end)``; overlapping or touching samples merge.
The result lists the uncovered ranges (``gaps``), the covered time and ``ratio`` =
covered / period as an exact ``Decimal``. ``missing_samples`` counts the whole sample intervals
that fit into the gaps. ``min_gap`` hides gaps shorter than it from ``gaps`` (e.g. collector
jitter of a few seconds); they still lower ``ratio``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["Coverage", "find_gaps"]


@dataclass(frozen=True, slots=True)
class Coverage:
    start: datetime
    end: datetime
    interval: timedelta
    gaps: tuple[tuple[datetime, datetime], ...]
    covered: timedelta
    ratio: Decimal
    expected_samples: int
    missing_samples: int

    @property
    def complete(self) -> bool:
        return self.covered == self.end - self.start


def _aware(dt: datetime, what: str) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{what} must be a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return dt


def _span(item: Any, interval: timedelta) -> tuple[datetime, datetime]:
    if isinstance(item, datetime):
        begin = _aware(item, "sample time")
        return begin, begin + interval
    if isinstance(item, tuple) and len(item) == 2:
        begin, finish = item
    else:
        begin, finish = item.start, item.end
    return _aware(begin, "sample start"), _aware(finish, "sample end")


def find_gaps(
    samples: Iterable[Any],
    *,
    interval: timedelta | int,
    start: datetime,
    end: datetime,
    min_gap: timedelta | None = None,
) -> Coverage:
    """Coverage of ``[start, end)`` by ``samples`` expected every ``interval`` (seconds or
    timedelta)."""
    if not isinstance(interval, timedelta):
        interval = timedelta(seconds=interval)
    if interval <= timedelta(0):
        raise ValueError("interval must be positive")
    _aware(start, "start")
    _aware(end, "end")
    if not start < end:
        raise ValueError("start must be before end")
    period = end - start

    spans = []
    for item in samples:
        begin, finish = _span(item, interval)
        begin, finish = max(begin, start), min(finish, end)
        if begin < finish:
            spans.append((begin, finish))
    spans.sort()

    merged: list[tuple[datetime, datetime]] = []
    for begin, finish in spans:
        if merged and begin <= merged[-1][1]:
            if finish > merged[-1][1]:
                merged[-1] = (merged[-1][0], finish)
        else:
            merged.append((begin, finish))

    holes: list[tuple[datetime, datetime]] = []
    cursor = start
    for begin, finish in merged:
        if begin > cursor:
            holes.append((cursor, begin))
        cursor = finish
    if cursor < end:
        holes.append((cursor, end))

    covered = period - sum((b - a for a, b in holes), timedelta(0))
    threshold = min_gap or timedelta(0)
    shown = tuple(h for h in holes if h[1] - h[0] >= threshold and h[1] > h[0])
    ratio = Decimal(covered // timedelta(microseconds=1)) / Decimal(
        period // timedelta(microseconds=1)
    )
    return Coverage(
        start=start,
        end=end,
        interval=interval,
        gaps=shown,
        covered=covered,
        ratio=ratio,
        expected_samples=-(-period // interval),
        missing_samples=sum((b - a) // interval for a, b in holes),
    )
