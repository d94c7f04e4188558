"""MRTG-2 log files (``<target>.log`` written by rateup).

Format (oss.oetiker.ch mrtg-logfile)::

    1715677502 8437624190417 51208113045882        line 1: epoch in_counter out_counter
    1715677502 6725278 46285249 6725278 46285249   epoch avg_in avg_out max_in max_out
    1715677200 7722560 60121821 7722560 60121821   ... newest first, rates in bytes/s

rateup keeps 600 rows of 5 minutes, 600 of 30 minutes, 600 of 2 hours and 732 of 1 day, plus a
short "partial" row wherever the current time or a section boundary is not on the grid.

Volumes
-------
Each row's average covers the time back to the *next older row* -- exactly how rateup's own
``NEXT`` macro weights rows -- so row ``i`` covers ``(t[i+1], t[i]]`` and yields
``avg * (t[i] - t[i+1])`` bytes per direction. The oldest row has no older neighbour; it is
assumed to be on the same grid as the row before it (its interval = the gap to its newer
neighbour). Because rateup writes strictly descending timestamps, these intervals tile the
covered time exactly once, also across the 5-min/30-min/2-h/1-day section boundaries.

Consolidated rows never double count: rows are processed newest first and a row is only used for
the time not yet covered by the finer (newer) rows before it -- if a coarse row's interval
reaches into time already covered, it is clipped to the uncovered part (bytes = its rate times
the uncovered seconds only); if it lies completely inside covered time it is dropped. For
rateup's own files this never triggers. It matters for logs whose coarser section restarts at a
time *newer* than the last finer row (merged or hand-edited files, other writers): there the
last finer row keeps its own grid step (the gap to its newer neighbour) and the coarse rows only
fill in what is left. Any other row that is newer than its predecessor, or newer than the
update time on line 1, is an error.

Incremental imports
-------------------
Re-exporting an MRTG log later moves the rows: the current partial row grows, and 5-minute
rows are folded into 30-minute rows after ~2 days. Their keys therefore differ from an earlier
import although they cover the same time. Pass ``since`` (the end of what was already imported)
and only time after it is emitted (rows straddling it are clipped), so successive imports tile
the timeline without overlap.

``rates=True`` yields the averages as ``traffic_bps_in``/``_out`` (bytes/s * 8) over the same
intervals instead of volumes.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import (
    Metric,
    UsageFormatError,
    UsageSample,
    epoch_to_utc,
    iter_lines,
    shorten,
    source_name,
)

__all__ = ["parse_mrtg", "subject_from_filename"]

SOURCE = "mrtg"
_INT = re.compile(r"\d{1,20}")
_FIELDS = ("epoch", "avg_in", "avg_out", "max_in", "max_out")


@dataclass(frozen=True, slots=True)
class _Row:
    line: int
    time: int
    avg_in: int
    avg_out: int


def subject_from_filename(filename: str) -> str:
    """``/var/www/mrtg/kunde42-sw1-gi0-12.log`` -> ``kunde42-sw1-gi0-12`` (MRTG names the log
    after the target)."""
    base = os.path.basename(filename)
    if base.lower().endswith(".log"):
        base = base[:-4]
    return base


def parse_mrtg(
    source: Any,
    *,
    filename: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    rates: bool = False,
) -> Iterator[UsageSample]:
    """Yield per-interval ``traffic_bytes_in``/``_out`` volumes (or bit/s rates) of one target.

    ``subject`` defaults to the file name without ``.log``.
    """
    name = source_name(source, filename, "mrtg.log")
    if subject is None:
        if name == "mrtg.log" and not filename:
            raise ValueError("subject is required when the input has no file name")
        subject = subject_from_filename(name)
    if not subject:
        raise ValueError("subject must not be empty")
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    return _parse(source, name, subject, since, rates)


def _parse(source, name, subject, since, rates) -> Iterator[UsageSample]:
    rows = _read_rows(source, name)
    since_epoch = None if since is None else math.ceil(since.timestamp())
    covered_from: int | None = None  # oldest instant already covered by newer (finer) rows
    for i, row in enumerate(rows):
        if i + 1 < len(rows) and rows[i + 1].time < row.time:
            older = rows[i + 1].time
        elif i > 0 and rows[i - 1].time > row.time:
            # oldest row, or last row before a coarser section that restarts at a newer
            # time: assume the grid of the newer neighbour
            older = row.time - (rows[i - 1].time - row.time)
        else:
            continue
        start, end = older, row.time
        if covered_from is not None:
            end = min(end, covered_from)
            covered_from = min(covered_from, start)
        else:
            covered_from = start
        if since_epoch is not None and start < since_epoch:
            start = since_epoch
        if end <= start:
            continue
        seconds = end - start
        start_dt = epoch_to_utc(start)
        end_dt = epoch_to_utc(end)
        if start_dt is None or end_dt is None:
            raise UsageFormatError(name, f"line {row.line}", "epoch", "outside 1970..2200")
        for avg, metric_bytes, metric_bps in (
            (row.avg_in, Metric.TRAFFIC_BYTES_IN, Metric.TRAFFIC_BPS_IN),
            (row.avg_out, Metric.TRAFFIC_BYTES_OUT, Metric.TRAFFIC_BPS_OUT),
        ):
            yield UsageSample(
                source=SOURCE,
                subject=subject,
                metric=metric_bps if rates else metric_bytes,
                start=start_dt,
                end=end_dt,
                quantity=avg * 8 if rates else avg * seconds,
                location=f"line {row.line}",
            )


def _read_rows(source: Any, name: str) -> list[_Row]:
    def fail(line_no: int, field: str | None, message: str) -> UsageFormatError:
        return UsageFormatError(name, f"line {line_no}", field, message)

    rows: list[_Row] = []
    header_time: int | None = None
    for line_no, line in enumerate(iter_lines(source), start=1):
        fields = line.split()
        if not fields:
            continue
        if header_time is None:
            if len(fields) != 3:
                raise fail(
                    line_no,
                    None,
                    f"expected 'epoch in_counter out_counter' (3 fields), got {len(fields)}",
                )
            header_time = _epoch(fields[0], line_no, fail)
            continue
        if len(fields) != 5:
            raise fail(
                line_no,
                None,
                f"expected 'epoch avg_in avg_out max_in max_out' (5 fields), got {len(fields)}",
            )
        values = []
        for field, text in zip(_FIELDS, fields, strict=True):
            if not _INT.fullmatch(text):
                what = (
                    "is negative" if _INT.fullmatch(text.removeprefix("-")) else "is not a number"
                )
                raise fail(line_no, field, f"{shorten(text)} {what}")
            values.append(int(text))
        epoch = _epoch(fields[0], line_no, fail)
        if epoch > header_time:
            raise fail(line_no, "epoch", f"{epoch} is newer than the update time on line 1")
        if rows and epoch > rows[-1].time and not _section_restart(rows, epoch):
            raise fail(line_no, "epoch", f"{epoch} is not older than line {rows[-1].line}")
        rows.append(_Row(line_no, epoch, values[1], values[2]))
    if header_time is None:
        raise fail(1, None, "empty file (no 'epoch in_counter out_counter' line)")
    return rows


def _section_restart(rows: list[_Row], epoch: int) -> bool:
    """A row newer than its predecessor is accepted only as a coarser section restarting inside
    the time already covered by the rows before it (see module docs)."""
    return len(rows) >= 2 and epoch <= rows[0].time


def _epoch(text: str, line_no: int, fail) -> int:
    if not _INT.fullmatch(text) or epoch_to_utc(int(text)) is None:
        raise fail(line_no, "epoch", f"{shorten(text)} is not an epoch timestamp")
    return int(text)
