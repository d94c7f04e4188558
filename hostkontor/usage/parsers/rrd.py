"""rrdtool ``xport`` output, XML (``rrdtool xport -t``, ISO-8859-1) and JSON (``--json``).

XML::

    <xport><meta><start>1715637900</start><end>..</end><step>300</step>
      <legend><entry>in_bps</entry><entry>out_bps</entry></legend></meta>
      <data><row><t>1715637900</t><v>4.6610053307e+07</v><v>2.3455312768e+08</v></row>...

JSON (rrd_xport.c)::

    { "about": "RRDtool graph JSON output",
      "meta": {"start": 1715637900, "end": .., "step": 300, "legend": ["in_bps", "out_bps"]},
      "data": [ [ "1715637900", 4.6610053307e+07, 2.3455312768e+08 ], ... ] }

(with ``-t`` the first element of a row is the timestamp as a string; without ``-t`` rows hold
values only and the timestamps are ``meta.start + i * step``; ``--enumds`` XML uses
``<v0>``, ``<v1>``, ...). rrdtool 1.4's pre-JSON "json" output with unquoted keys is rejected.

Semantics: a row stamped ``t`` is the average rate over ``(t - step, t]`` (rrdtool stamps the
end of the consolidation interval), so a sample covers ``[t - step, t)`` as half-open UTC
datetimes with the same length. Values are bit/s (the usual ``CDEF:x=octets,8,*``) and kept as
exact ``Decimal`` of the printed text. ``NaN`` (XML) / ``null`` (JSON) / inf mean "no data": the
row yields no sample for that column, so the hole stays visible to :mod:`..metering.gaps`.

Subject is the legend entry (``subject=`` overrides it for all columns); the metric
(``traffic_bps_in``/``_out``) is read from the legend (tokens ``in``/``rx``/``inbound``/
``ifInOctets``..., ``out``/``tx``/...) unless ``metrics={legend: Metric}`` is given; a column
whose direction cannot be told is an error rather than a guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from .base import (
    Metric,
    UsageFormatError,
    UsageSample,
    epoch_to_utc,
    read_bytes,
    shorten,
    source_name,
)

__all__ = ["metric_from_legend", "parse_rrd", "parse_rrd_json", "parse_rrd_xml"]

SOURCE = "rrd"
MAX_BPS = Decimal(10) ** 15  # 1 Pbit/s: anything above is a corrupt value, not traffic
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?")
_MISSING = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_EPOCH = re.compile(r"\d{1,12}")
_IN_TOKENS = {"in", "rx", "inbound", "ingress", "input", "recv", "received", "download"}
_OUT_TOKENS = {"out", "tx", "outbound", "egress", "output", "sent", "send", "upload"}
_TOKEN = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def metric_from_legend(legend: str) -> Metric | None:
    """``in_bps``/``ifHCInOctets``/``rx`` -> ``TRAFFIC_BPS_IN``; ``None`` if unclear."""
    tokens = {t.lower() for t in _TOKEN.findall(legend)}
    is_in, is_out = bool(tokens & _IN_TOKENS), bool(tokens & _OUT_TOKENS)
    if is_in and not is_out:
        return Metric.TRAFFIC_BPS_IN
    if is_out and not is_in:
        return Metric.TRAFFIC_BPS_OUT
    return None


def parse_rrd(
    source: Any,
    *,
    filename: str | None = None,
    subject: str | None = None,
    metrics: Mapping[str, Metric] | None = None,
) -> Iterator[UsageSample]:
    """Auto-detect XML or JSON xport output and yield ``traffic_bps_*`` samples."""
    name = source_name(source, filename, "rrd_xport")
    metrics = {k: Metric(v) for k, v in (metrics or {}).items()}  # ValueError now, not later
    return _detect(read_bytes(source), name, subject, metrics)


def _detect(raw: bytes, name, subject, metrics) -> Iterator[UsageSample]:
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        yield from _xml(raw, name, subject, metrics)
    elif head == b"{":
        yield from _json(raw, name, subject, metrics)
    else:
        raise UsageFormatError(name, "document", None, "neither rrdtool xport XML nor JSON")


def parse_rrd_xml(source: Any, *, filename=None, subject=None, metrics=None):
    name = source_name(source, filename, "rrd_xport.xml")
    return _xml(read_bytes(source), name, subject, metrics)


def parse_rrd_json(source: Any, *, filename=None, subject=None, metrics=None):
    name = source_name(source, filename, "rrd_xport.json")
    return _json(read_bytes(source), name, subject, metrics)


class _Columns:
    """Legend -> (subject, metric), validated once."""

    def __init__(self, legend: list[str], name: str, subject, metrics) -> None:
        self.items: list[tuple[str, str, Metric]] = []
        seen: set[str] = set()
        for entry in legend:
            if entry in seen:
                raise UsageFormatError(name, "meta", "legend", f"duplicate entry {shorten(entry)}")
            seen.add(entry)
            metric = (metrics or {}).get(entry) or metric_from_legend(entry)
            if metric is None:
                raise UsageFormatError(
                    name,
                    "meta",
                    "legend",
                    f"cannot tell whether {shorten(entry)} is in or out; pass metrics={{...}}",
                )
            self.items.append((entry, subject or entry, Metric(metric)))


def _value(text: Any, name: str, location: str, field: str) -> Decimal | None:
    """Parse one cell; ``None`` for NaN/null/inf (missing)."""
    if text is None or (isinstance(text, float) and text != text):
        return None
    if isinstance(text, bool):
        raise UsageFormatError(name, location, field, f"{shorten(text)} is not a number")
    if isinstance(text, float):
        if text in (float("inf"), float("-inf")):
            return None
        text = repr(text)
    elif isinstance(text, int):
        text = str(text)
    if not isinstance(text, str):
        raise UsageFormatError(name, location, field, f"{shorten(text)} is not a number")
    text = text.strip()
    if _MISSING.fullmatch(text):
        return None
    if not _NUMBER.fullmatch(text):
        raise UsageFormatError(name, location, field, f"{shorten(text)} is not a number")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - regex guarantees a valid literal
        raise UsageFormatError(name, location, field, f"{shorten(text)} is not a number") from None
    if value < 0:
        raise UsageFormatError(name, location, field, f"{shorten(text)} is negative")
    if value > MAX_BPS:
        raise UsageFormatError(name, location, field, f"{shorten(text)} bit/s is implausible")
    return value + 0  # normalise -0 and the exponent form for printing


def _int_field(value: Any, name: str, location: str, field: str, *, epoch: bool = False) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _EPOCH.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise UsageFormatError(name, location, field, f"{shorten(value)} is not an integer")
    if epoch and epoch_to_utc(number) is None:
        raise UsageFormatError(name, location, field, f"{number} is not an epoch timestamp")
    if not epoch and not 0 < number <= 10**9:
        raise UsageFormatError(name, location, field, f"{number} is not a valid step")
    return number


def _samples(
    columns: _Columns, time: int, step: int, values: list[Decimal | None], name: str, location: str
) -> Iterator[UsageSample]:
    start = epoch_to_utc(time - step)
    end = epoch_to_utc(time)
    if start is None or end is None:
        raise UsageFormatError(name, location, "t", f"{time} - step is outside 1970..2200")
    for (_, subject, metric), value in zip(columns.items, values, strict=True):
        if value is None:
            continue
        yield UsageSample(
            source=SOURCE,
            subject=subject,
            metric=metric,
            start=start,
            end=end,
            quantity=value,
            location=location,
        )


# ------------------------------------------------------------------------------------- XML


def _xml(raw: bytes, name: str, subject, metrics) -> Iterator[UsageSample]:
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except (ParseError, defusedxml.DefusedXmlException, ValueError, LookupError) as exc:
        raise UsageFormatError(name, "document", None, f"not well-formed XML ({exc})") from None
    if root.tag != "xport":
        raise UsageFormatError(name, "document", None, f"root element is <{root.tag}>, not <xport>")
    meta = root.find("meta")
    if meta is None:
        raise UsageFormatError(name, "meta", None, "missing <meta>")

    def meta_text(tag: str) -> str | None:
        node = meta.find(tag)
        return None if node is None else (node.text or "")

    step = _int_field(meta_text("step"), name, "meta", "step")
    start_text = meta_text("start")
    legend_node = meta.find("legend")
    if legend_node is None:
        raise UsageFormatError(name, "meta", "legend", "missing <legend>")
    legend = [(e.text or "").strip() for e in legend_node.findall("entry")]
    columns = _Columns(legend, name, subject, metrics)
    data = root.find("data")
    if data is None:
        raise UsageFormatError(name, "data", None, "missing <data>")
    first: int | None = None
    for index, row in enumerate(data.findall("row")):
        location = f"row {index + 1}"
        time, cells = _xml_row(row, name, location)
        if time is None:
            if first is None:
                first = _int_field(start_text, name, "meta", "start", epoch=True)
            time = first + index * step
            if epoch_to_utc(time) is None:
                raise UsageFormatError(name, location, "t", "timestamp outside 1970..2200")
        if len(cells) != len(legend):
            raise UsageFormatError(
                name, location, None, f"{len(cells)} values for {len(legend)} legend entries"
            )
        values = [_value(cell.text, name, location, legend[i]) for i, cell in enumerate(cells)]
        yield from _samples(columns, time, step, values, name, location)


def _xml_row(row: Element, name: str, location: str) -> tuple[int | None, list[Element]]:
    time: int | None = None
    cells: list[Element] = []
    for child in row:
        if child.tag == "t":
            time = _int_field((child.text or "").strip(), name, location, "t", epoch=True)
        elif child.tag == "v" or re.fullmatch(r"v\d+", str(child.tag)):
            cells.append(child)
        else:
            raise UsageFormatError(name, location, None, f"unexpected element <{child.tag}>")
    return time, cells


# ------------------------------------------------------------------------------------ JSON


def _json(raw: bytes, name: str, subject, metrics) -> Iterator[UsageSample]:
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise UsageFormatError(
            name, "document", None, f"not valid JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict):
        raise UsageFormatError(name, "meta", None, 'missing "meta" object')
    meta = doc["meta"]
    step = _int_field(meta.get("step"), name, "meta", "step")
    legend = meta.get("legend")
    if not isinstance(legend, list) or not all(isinstance(e, str) for e in legend):
        raise UsageFormatError(name, "meta", "legend", "missing or not a list of names")
    legend = [e.strip() for e in legend]
    columns = _Columns(legend, name, subject, metrics)
    data = doc.get("data")
    if not isinstance(data, list):
        raise UsageFormatError(name, "data", None, "missing or not a list")
    first: int | None = None
    for index, row in enumerate(data):
        location = f"row {index + 1}"
        if not isinstance(row, list):
            raise UsageFormatError(name, location, None, "not a list")
        if len(row) == len(legend) + 1 and isinstance(row[0], str):
            time = _int_field(row[0], name, location, "t", epoch=True)
            cells = row[1:]
        elif len(row) == len(legend):
            if first is None:
                first = _int_field(meta.get("start"), name, "meta", "start", epoch=True)
            time = first + index * step
            if epoch_to_utc(time) is None:
                raise UsageFormatError(name, location, "t", "timestamp outside 1970..2200")
            cells = row
        else:
            raise UsageFormatError(
                name, location, None, f"{len(row)} values for {len(legend)} legend entries"
            )
        values = [_value(cell, name, location, legend[i]) for i, cell in enumerate(cells)]
        yield from _samples(columns, time, step, values, name, location)
