"""Read CSV, JSON or XML files according to a user-defined :class:`Mapping`.

:func:`read_records` yields :class:`Record` objects lazily.  CSV is streamed (decoded
incrementally, one row at a time); JSON and XML are parsed as a whole document and then
yielded record by record.  Every problem is reported as :class:`ImportFormatError` with file,
location (``line N`` for CSV and for syntax errors, ``record N`` for JSON/XML records) and
field.  Records yielded before an error are valid; callers that need all-or-nothing must
collect first (``list(read_records(...))``).

Pure Python: no Django imports.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from lxml import etree

from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.mapping import BadValue, Mapping, compile_field, compile_json_path

__all__ = ["Record", "decode_text", "parse_xml", "read_records"]


@dataclass(frozen=True, slots=True)
class Record:
    location: str
    values: dict[str, object]


Converter = Callable[[object], object]


def _text_encoding(encoding: str | None) -> str:
    """utf-8 is read BOM-tolerant (utf-8-sig) so a BOM never ends up in a header name."""
    enc = encoding or "utf-8"
    return "utf-8-sig" if codecs.lookup(enc).name == "utf-8" else enc


def _decode_error_location(data: bytes, encoding: str) -> str | None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return f"line {line}"
    except Exception:  # noqa: BLE001 - any other codec failure: no position
        return None
    return None


def decode_text(data: bytes, encoding: str | None, filename: str) -> str:
    """Decode a whole file; undecodable bytes -> ImportFormatError naming the line."""
    enc = _text_encoding(encoding)
    try:
        return data.decode(enc)
    except UnicodeError as exc:
        start = getattr(exc, "start", None)
        location = None
        if start is not None:
            line = data.count(b"\n", 0, start) + 1
            location = f"line {line}"
        raise ImportFormatError(
            filename, location, None, f"cannot be decoded as {encoding or 'utf-8'}"
        ) from None


def _bad(filename: str, location: str, spec_target: str, secret: bool, exc: BadValue, raw):
    return ImportFormatError(filename, location, spec_target, exc.render(raw, secret))


def read_records(mapping: Mapping, data: bytes, filename: str) -> Iterator[Record]:
    """Yield the records of ``data`` as described by ``mapping``."""
    if mapping.kind == "csv":
        return _read_csv(mapping, data, filename)
    if mapping.kind == "json":
        return _read_json(mapping, data, filename)
    return _read_xml(mapping, data, filename)


# --------------------------------------------------------------------------- CSV


def _is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def _read_csv(mapping: Mapping, data: bytes, filename: str) -> Iterator[Record]:
    encoding = _text_encoding(mapping.encoding)
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    try:
        yield from _read_csv_stream(mapping, stream, filename)
    except UnicodeError:
        location = _decode_error_location(data, encoding)
        raise ImportFormatError(
            filename, location, None, f"cannot be decoded as {mapping.encoding or 'utf-8'}"
        ) from None


def _read_csv_stream(mapping: Mapping, stream: io.TextIOWrapper, filename: str):
    skip = mapping.skip_lines
    for _ in range(skip):
        if stream.readline() == "":
            break
    if mapping.quotechar:
        reader = csv.reader(
            stream, delimiter=mapping.delimiter, quotechar=mapping.quotechar, strict=True
        )
    else:
        reader = csv.reader(stream, delimiter=mapping.delimiter, quoting=csv.QUOTE_NONE)

    constants: dict[str, object] = {}
    columns: list[tuple[str, str | int, Converter, bool]] = []
    for spec in mapping.fields:
        conv = compile_field(spec)
        if spec.source is None:
            constants[spec.target] = conv(None)
        else:
            columns.append((spec.target, spec.source, conv, spec.secret))

    def csv_error(exc: csv.Error) -> ImportFormatError:
        return ImportFormatError(
            filename, f"line {skip + reader.line_num}", None, f"malformed CSV: {exc}"
        )

    expected: int | None = None
    rows = iter(reader)
    if mapping.has_header:
        header = None
        try:
            for row in rows:
                if row and not _is_blank(row):
                    header = row
                    break
        except csv.Error as exc:
            raise csv_error(exc) from None
        if header is None:
            raise ImportFormatError(filename, None, None, "the file has no header line")
        header_loc = f"line {skip + reader.line_num}"
        names = [h.strip().casefold() for h in header]
        while names and not names[-1]:
            names.pop()  # trailing empty header cells (e.g. a trailing delimiter)
        expected = len(names)
        plan = []
        for target, source, conv, secret in columns:
            if isinstance(source, int):
                if source >= expected:
                    raise ImportFormatError(
                        filename,
                        header_loc,
                        target,
                        f"column {source} does not exist (the header has {expected} columns)",
                    )
                index = source
            else:
                wanted = source.strip().casefold()
                hits = [i for i, name in enumerate(names) if name == wanted]
                if not hits:
                    raise ImportFormatError(
                        filename, header_loc, target, f"column {source!r} not found in header"
                    )
                if len(hits) > 1:
                    raise ImportFormatError(
                        filename, header_loc, target, f"column {source!r} appears twice in header"
                    )
                index = hits[0]
            plan.append((target, index, conv, secret))
    else:
        plan = [(t, s, c, secret) for t, s, c, secret in columns]
    needed = max((index for _, index, _, _ in plan), default=-1) + 1

    previous = reader.line_num
    try:
        for row in rows:
            start = skip + previous + 1
            previous = reader.line_num
            n = len(row)
            if n != expected:
                if not row or _is_blank(row):
                    continue
                if expected is None:
                    if n < needed:
                        raise ImportFormatError(
                            filename,
                            f"line {start}",
                            None,
                            f"expected at least {needed} columns, found {n}",
                        )
                    expected = n
                elif n > expected and _is_blank(row[expected:]):
                    row = row[:expected]  # trailing empty columns (e.g. a trailing ";")
                else:
                    raise ImportFormatError(
                        filename, f"line {start}", None, f"expected {expected} columns, found {n}"
                    )
            elif not any(row):
                continue
            location = f"line {start}"
            values = dict(constants) if constants else {}
            for target, index, conv, secret in plan:
                try:
                    values[target] = conv(row[index])
                except BadValue as exc:
                    raise _bad(filename, location, target, secret, exc, row[index]) from None
            yield Record(location, values)
    except csv.Error as exc:
        raise csv_error(exc) from None


# --------------------------------------------------------------------------- JSON


def _resolve(obj: object, steps: tuple[tuple[str, int | None], ...]) -> object:
    for key, index in steps:
        if obj.__class__ is dict:
            obj = obj.get(key)  # type: ignore[union-attr]
        elif obj.__class__ is list and index is not None:
            try:
                obj = obj[index]  # type: ignore[index]
            except IndexError:
                return None
        else:
            return None
        if obj is None:
            return None
    return obj


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def parse_json(data: bytes, encoding: str | None, filename: str) -> object:
    """Decode and parse a JSON document; syntax errors name line and column."""
    text = decode_text(data, encoding, filename)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            filename, f"line {exc.lineno}", None, f"invalid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except RecursionError:
        raise ImportFormatError(filename, None, None, "invalid JSON: nested too deeply") from None
    except ValueError as exc:
        reason = str(exc) if "is not valid JSON" in str(exc) else "a number is too long"
        raise ImportFormatError(filename, None, None, f"invalid JSON: {reason}") from None


def _read_json(mapping: Mapping, data: bytes, filename: str) -> Iterator[Record]:
    doc = parse_json(data, mapping.encoding, filename)
    if mapping.records_path:
        items = _resolve(doc, compile_json_path(mapping.records_path))
        where = f"records path {mapping.records_path!r}"
    else:
        items = doc
        where = "the document root"
    if not isinstance(items, list):
        raise ImportFormatError(filename, None, None, f"{where} is not a list of records")
    plan = [
        (spec.target, compile_json_path(spec.source), compile_field(spec), spec.secret)
        if spec.source is not None
        else (spec.target, None, compile_field(spec), spec.secret)
        for spec in mapping.fields
    ]
    for number, item in enumerate(items, 1):
        location = f"record {number}"
        values: dict[str, object] = {}
        for target, steps, conv, secret in plan:
            raw = _resolve(item, steps) if steps is not None else None
            try:
                values[target] = conv(raw)
            except BadValue as exc:
                raise _bad(filename, location, target, secret, exc, raw) from None
        yield Record(location, values)


# --------------------------------------------------------------------------- XML


_XML_POSITION_RE = re.compile(r",? line \d+, column \d+\s*\Z")


def parse_xml(data: bytes, filename: str, encoding: str | None = None) -> etree._Element:
    """Parse XML with a hardened parser: no entity expansion, no network, no DTD loading.

    Documents with an internal DTD subset (entity declarations) are rejected outright.
    """
    try:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            encoding=encoding,
        )
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (exc.lineno, 0)
        location = f"line {line}" if line else None
        message = _XML_POSITION_RE.sub("", exc.msg or "syntax error").replace("\n", " ").strip()
        if column:
            message += f" (column {column})"
        raise ImportFormatError(filename, location, None, f"invalid XML: {message}") from None
    except (etree.LxmlError, ValueError, LookupError) as exc:
        raise ImportFormatError(filename, None, None, f"invalid XML: {exc}") from None
    if root is None:
        raise ImportFormatError(filename, None, None, "invalid XML: no root element")
    if root.getroottree().docinfo.internalDTD is not None:
        raise ImportFormatError(filename, None, None, "XML with a DTD is not accepted")
    return root


def xpath_value(result: object) -> object:
    """First node of an XPath result as a plain value (element -> its text content)."""
    if isinstance(result, list):
        if not result:
            return None
        result = result[0]
    if isinstance(result, str):
        return str(result)
    if isinstance(result, bool | float | int):
        return result
    if isinstance(result, etree._Element):
        if isinstance(result.tag, str):
            return "".join(result.itertext())
        return result.text  # comment or processing instruction
    return None


def _read_xml(mapping: Mapping, data: bytes, filename: str) -> Iterator[Record]:
    root = parse_xml(data, filename, mapping.encoding)
    ns = mapping.namespaces or None
    try:
        found = etree.XPath(mapping.record_xpath, namespaces=ns)(root)
    except etree.XPathError as exc:
        raise ImportFormatError(filename, None, None, f"record XPath failed: {exc}") from None
    if not isinstance(found, list) or not all(isinstance(e, etree._Element) for e in found):
        raise ImportFormatError(filename, None, None, "the record XPath does not select elements")
    plan = [
        (
            spec.target,
            etree.XPath(spec.source, namespaces=ns) if spec.source is not None else None,
            compile_field(spec),
            spec.secret,
        )
        for spec in mapping.fields
    ]
    for number, element in enumerate(found, 1):
        location = f"record {number}"
        values: dict[str, object] = {}
        for target, xp, conv, secret in plan:
            raw = None
            if xp is not None:
                try:
                    raw = xpath_value(xp(element))
                except etree.XPathError as exc:
                    raise ImportFormatError(
                        filename, location, target, f"XPath failed: {exc}"
                    ) from None
            try:
                values[target] = conv(raw)
            except BadValue as exc:
                raise _bad(filename, location, target, secret, exc, raw) from None
        yield Record(location, values)
