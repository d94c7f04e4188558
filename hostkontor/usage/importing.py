"""Reading usage exports into rows and writing them, fast and idempotently.

:func:`read_rows` turns a file into :class:`Row` tuples -- with a built-in parser
(:data:`hostkontor.usage.parsers.PARSERS`) or a user-defined mapping
(:class:`UsageFormat`: the import framework's TOML plus a ``[usage]`` table, docs/usage.md).
The whole file is read before anything is written, so a bad file raises
(``UsageFormatError`` / ``ImportFormatError`` / ``MappingError`` naming file, line and field)
and saves nothing.

:func:`write_rows` classifies rows against the records already stored (one range query per
chunk of subjects) into new / duplicate (same key, same quantity) / updated (same key, a newer
quantity -- e.g. vnStat's still-running day) and writes them with ``executemany`` on the raw
cursor: ``INSERT ... ON CONFLICT (unique_key) DO NOTHING`` for new rows (so a concurrent import
of the same file cannot double them), ``UPDATE`` for changed ones. Within one file the first
row of a key wins; later rows with the same key count as duplicates.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection

from hostkontor.imports import ImportFormatError, Mapping, MappingError, read_records
from hostkontor.imports.mapping import mapping_from_dict, mapping_to_dict
from hostkontor.imports.toml_writer import dump_toml

from .models import UsageRecord
from .parsers import PARSERS, UsageFormatError

__all__ = [
    "BUILTIN_FORMATS",
    "UsageFormatError",
    "existing_quantities",
    "Row",
    "UsageFormat",
    "WriteResult",
    "load_usage_format",
    "read_rows",
    "write_rows",
]

BUILTIN_FORMATS = tuple(PARSERS)
_METRIC = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
_USAGE_KEYS = {"source", "interval", "timezone", "scale"}
REQUIRED_FIELDS = ("subject", "metric", "start", "quantity")
MAX_QUANTITY = Decimal(10) ** 23


class Row(NamedTuple):
    source: str
    subject: str
    metric: str
    start: datetime  # aware UTC
    end: datetime
    quantity: int | Decimal
    key: str
    location: str


# ------------------------------------------------------------------------------ user formats


@dataclass(frozen=True)
class UsageFormat:
    """A user-defined usage import format: a framework :class:`Mapping` (fields ``subject``,
    ``metric``, ``start``, ``end`` (optional), ``quantity``) plus the ``[usage]`` settings."""

    mapping: Mapping
    source: str = "custom"
    interval: int | None = None  # seconds; end = start + interval when there is no end field
    timezone: str = ""  # for date/times without offset; "" = settings.TIME_ZONE
    scale: Decimal = Decimal(1)

    @property
    def name(self) -> str:
        return self.mapping.name

    def to_toml(self) -> str:
        doc = mapping_to_dict(self.mapping)
        usage: dict[str, Any] = {"source": self.source}
        if self.interval is not None:
            usage["interval"] = self.interval
        if self.timezone:
            usage["timezone"] = self.timezone
        if self.scale != 1:
            usage["scale"] = str(self.scale)
        fields = doc.pop("fields")
        return dump_toml({**doc, "usage": usage, "fields": fields})


def load_usage_format(text: str | bytes) -> UsageFormat:
    """Parse and validate a usage format from TOML (raises ``MappingError`` naming the setting)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MappingError("", "a mapping file must be UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError("", f"invalid TOML: {exc}") from None
    usage = doc.pop("usage", {})
    if not isinstance(usage, dict):
        raise MappingError("usage", "must be a table")
    for key in usage:
        if key not in _USAGE_KEYS:
            raise MappingError(f"usage.{key}", "unknown setting")
    mapping = mapping_from_dict(doc)
    targets = {spec.target for spec in mapping.fields}
    for name in REQUIRED_FIELDS:
        if name not in targets:
            raise MappingError(f"fields.{name}", "is required (subject, metric, start, quantity)")
    unknown = targets - set(REQUIRED_FIELDS) - {"end"}
    if unknown:
        raise MappingError(
            f"fields.{sorted(unknown)[0]}", "unknown field (subject, metric, start, end, quantity)"
        )
    source = usage.get("source", "custom")
    if not isinstance(source, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,40}", source):
        raise MappingError("usage.source", "must be 1-40 letters, digits or . _ : -")
    interval = usage.get("interval")
    if interval is not None and (
        isinstance(interval, bool) or not isinstance(interval, int) or interval <= 0
    ):
        raise MappingError("usage.interval", "must be a positive number of seconds")
    if interval is None and "end" not in targets:
        raise MappingError("usage.interval", "is required when there is no end field")
    zone = usage.get("timezone", "")
    if not isinstance(zone, str):
        raise MappingError("usage.timezone", "must be a string")
    if zone:
        try:
            _zone(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise MappingError("usage.timezone", f"unknown time zone {zone!r}") from None
    scale_raw = usage.get("scale", "1")
    try:
        scale = Decimal(str(scale_raw))
    except InvalidOperation:
        scale = Decimal(-1)
    if isinstance(scale_raw, bool) or not scale.is_finite() or scale <= 0:
        raise MappingError("usage.scale", "must be a positive number")
    return UsageFormat(
        mapping=mapping, source=source, interval=interval, timezone=zone, scale=scale
    )


def _zone(name: str) -> tzinfo:
    if not name or name.upper() == "UTC":
        return UTC
    return ZoneInfo(name)


# ---------------------------------------------------------------------------------- reading


def _utc_text(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key_part(value: str) -> str:
    return value.replace("%", "%25").replace("|", "%7C")


def read_rows(
    data: bytes,
    filename: str,
    *,
    format: str | None = None,
    usage_format: UsageFormat | None = None,
) -> list[Row]:
    """All rows of a file (raises on the first bad line, before anything is written)."""
    if (format is None) == (usage_format is None):
        raise ValueError("give either a built-in format or a usage format")
    if format is not None:
        if format not in PARSERS:
            raise ValueError(
                f"unknown format {format!r}; choose one of {', '.join(BUILTIN_FORMATS)}"
            )
        return [
            Row(
                s.source,
                s.subject,
                str(s.metric),
                s.start,
                s.end,
                s.quantity,
                s.unique_key,
                s.location,
            )
            for s in PARSERS[format](data, filename=filename)
        ]
    return list(_mapped_rows(usage_format, data, filename))


def _mapped_rows(fmt: UsageFormat, data: bytes, filename: str) -> Iterator[Row]:
    zone = _zone(fmt.timezone or settings.TIME_ZONE)
    zone_is_utc = zone is UTC
    interval = timedelta(seconds=fmt.interval) if fmt.interval else None
    scale = fmt.scale if fmt.scale != 1 else None
    source = fmt.source
    source_part = _key_part(source)
    subject_parts: dict[str, str] = {}
    metric_ok: dict[str, str] = {}

    def fail(location: str, field: str, message: str) -> ImportFormatError:
        return ImportFormatError(filename, location, field, message)

    def instant(value: Any, location: str, field: str) -> datetime:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                return (
                    value.replace(tzinfo=UTC)
                    if zone_is_utc
                    else value.replace(tzinfo=zone).astimezone(UTC)
                )
            return value.astimezone(UTC)
        if isinstance(value, date):
            return datetime.combine(value, time(), zone).astimezone(UTC)
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            try:
                result = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=int(value))
            except (OverflowError, ValueError):
                result = None
            if result is not None and result.year < 2200:
                return result
            raise fail(location, field, f"{value!r} is not an epoch timestamp")
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return instant(int(text), location, field)
            try:
                parsed = datetime.fromisoformat(
                    text.replace("Z", "+00:00") if text.endswith("Z") else text
                )
            except ValueError:
                raise fail(
                    location, field, f"{text[:40]!r} is not a date/time (ISO 8601 or epoch)"
                ) from None
            return instant(parsed, location, field)
        if value is None:
            raise fail(location, field, "is empty")
        raise fail(location, field, f"{value!r} is not a date/time")

    # Exports repeat the same few subjects and timestamps on many rows: their conversions
    # (time zone, key text) are cached by input value.
    times: dict[Any, tuple[datetime, datetime, str]] = {}
    new_row = tuple.__new__
    for record in read_records(fmt.mapping, data, filename):
        values = record.values
        location = record.location
        subject = values.get("subject")
        subject_part = subject_parts.get(subject) if subject.__class__ is str else None
        if subject_part is None:
            if not isinstance(subject, str) or not subject.strip():
                raise fail(location, "subject", "is empty")
            if len(subject) > 255:
                raise fail(location, "subject", "is longer than 255 characters")
            subject_part = subject_parts[subject] = _key_part(subject)
        metric = values.get("metric")
        metric_part = metric_ok.get(metric) if metric.__class__ is str else None
        if metric_part is None:
            if not isinstance(metric, str) or not _METRIC.match(metric):
                raise fail(location, "metric", f"{metric!r} is not a metric name (a-z, 0-9, _)")
            metric_part = metric_ok[metric] = metric
        start_value = values.get("start")
        end_value = values.get("end")
        cache_key = start_value if end_value is None else (start_value, end_value)
        try:
            start, end, span_part = times[cache_key]
        except (KeyError, TypeError):
            start = instant(start_value, location, "start")
            if end_value is None or end_value == "":
                if interval is None:
                    raise fail(location, "end", "is empty") from None
                end = start + interval
            else:
                end = instant(end_value, location, "end")
                if end <= start:
                    raise fail(location, "end", "is not after start") from None
            span_part = f"{start.isoformat(timespec='seconds')[:19]}Z|{end.isoformat(timespec='seconds')[:19]}Z"
            if len(times) > 200_000:
                times.clear()
            times[cache_key] = (start, end, span_part)
        quantity = values.get("quantity")
        if quantity.__class__ is not int or scale is not None or not 0 <= quantity <= MAX_QUANTITY:
            quantity = _quantity(quantity, scale, fail, location)
        key = f"{source_part}|{subject_part}|{metric_part}|{span_part}"
        yield new_row(Row, (source, subject, metric, start, end, quantity, key, location))


def _quantity(quantity: Any, scale: Decimal | None, fail, location: str) -> int | Decimal:
    if isinstance(quantity, str):
        try:
            quantity = Decimal(quantity.strip())
        except InvalidOperation:
            raise fail(location, "quantity", f"{quantity[:40]!r} is not a number") from None
    if isinstance(quantity, bool) or not isinstance(quantity, int | Decimal):
        raise fail(
            location,
            "quantity",
            "is empty" if quantity is None else f"{quantity!r} is not a number",
        )
    if scale is not None:
        quantity = quantity * scale
    if (
        (isinstance(quantity, Decimal) and not quantity.is_finite())
        or quantity < 0
        or quantity > MAX_QUANTITY
    ):
        raise fail(location, "quantity", f"{quantity} is negative or out of range")
    return quantity


# ---------------------------------------------------------------------------------- writing


@dataclass
class WriteResult:
    new: list[Row]
    duplicate: int
    updated: list[Row]


SUBJECT_CHUNK = 400
ROW_CHUNK = 50000


def _chunks(items: list, size: int) -> Iterator[list]:
    for offset in range(0, len(items), size):
        yield items[offset : offset + size]


def existing_quantities(rows: Iterable[Row]) -> dict[str, Decimal]:
    """Stored quantity by unique key for the keys among ``rows`` (range query per chunk of
    subjects over the rows' time span, using the (subject, start) index)."""
    spans: dict[str, list[datetime]] = {}
    for row in rows:
        span = spans.get(row.subject)
        if span is None:
            spans[row.subject] = [row.start, row.start]
        elif row.start < span[0]:
            span[0] = row.start
        elif row.start > span[1]:
            span[1] = row.start
    found: dict[str, Decimal] = {}
    for subjects in _chunks(sorted(spans), SUBJECT_CHUNK):
        lo = min(spans[s][0] for s in subjects)
        hi = max(spans[s][1] for s in subjects)
        found.update(
            UsageRecord.objects.filter(
                subject__in=subjects, start__gte=lo, start__lte=hi
            ).values_list("unique_key", "quantity")
        )
    return found


def write_rows(rows: list[Row], import_id: int) -> WriteResult:
    """Insert new rows, update rows whose quantity changed; call inside a transaction."""
    existing = existing_quantities(rows)
    new: list[Row] = []
    updated: list[Row] = []
    duplicate = 0
    seen: set[str] = set()
    for row in rows:
        key = row.key
        if key in seen:
            duplicate += 1
            continue
        seen.add(key)
        stored = existing.get(key)
        if stored is None:
            new.append(row)
        elif stored == row.quantity:
            duplicate += 1
        else:
            updated.append(row)
    _insert(new, import_id)
    _update(updated, import_id)
    return WriteResult(new=new, duplicate=duplicate, updated=updated)


def _adapters():
    if connection.vendor == "sqlite":

        def when(dt: datetime) -> str:
            return dt.replace(tzinfo=None).isoformat(" ")

        def amount(value):
            return value if value.__class__ is int else str(value)

        return when, amount
    ops = connection.ops
    return ops.adapt_datetimefield_value, (lambda value: value)


def _insert(rows: list[Row], import_id: int) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(UsageRecord._meta.db_table)
    columns = ", ".join(
        qn(c)
        for c in (
            "source",
            "subject",
            "metric",
            "start",
            "end",
            "quantity",
            "unique_key",
            "usage_import_id",
        )
    )
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "  # noqa: S608 - names from _meta
        f"ON CONFLICT ({qn('unique_key')}) DO NOTHING"
    )
    adapt, amount = _adapters()
    texts: dict[datetime, Any] = {}

    def when(dt: datetime) -> Any:
        try:
            return texts[dt]
        except KeyError:
            if len(texts) > 200_000:
                texts.clear()
            text = texts[dt] = adapt(dt)
            return text

    with connection.cursor() as cursor:
        for chunk in _chunks(rows, ROW_CHUNK):
            cursor.executemany(
                sql,
                [
                    (
                        source,
                        subject,
                        metric,
                        when(start),
                        when(end),
                        amount(quantity),
                        key,
                        import_id,
                    )
                    for source, subject, metric, start, end, quantity, key, _ in chunk
                ],
            )


def _update(rows: list[Row], import_id: int) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    sql = (
        f"UPDATE {qn(UsageRecord._meta.db_table)} SET {qn('quantity')} = %s, {qn('usage_import_id')} = %s "  # noqa: S608
        f"WHERE {qn('unique_key')} = %s"
    )
    _, amount = _adapters()
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(amount(r.quantity), import_id, r.key) for r in rows])
