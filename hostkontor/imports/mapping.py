"""User-defined import formats ("mappings") and their TOML representation.

A :class:`Mapping` describes how to turn a CSV, JSON or XML file into records of named,
typed values without writing code.  :func:`compile_field` turns one :class:`FieldSpec` into a
fast converter; :mod:`hostkontor.imports.reader` applies them.  Mappings are stored as TOML
(:func:`load_mapping` / :func:`dump_mapping`); the format is documented in
``docs/imports.md``.

Pure Python: no Django imports.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from hostkontor.imports.errors import MappingError, show_value
from hostkontor.imports.toml_writer import dump_toml

__all__ = [
    "DEFAULT_FALSE_VALUES",
    "DEFAULT_TRUE_VALUES",
    "FIELD_TYPES",
    "KINDS",
    "BadValue",
    "FieldSpec",
    "Mapping",
    "compile_field",
    "compile_json_path",
    "dump_mapping",
    "load_mapping",
    "mapping_from_dict",
    "mapping_to_dict",
]

KINDS = ("csv", "json", "xml")
FIELD_TYPES = ("str", "date", "datetime", "decimal", "int", "bool")
DEFAULT_TRUE_VALUES = ("1", "true", "yes", "y", "ja", "j", "x", "on")
DEFAULT_FALSE_VALUES = ("0", "false", "no", "n", "nein", "off")
ISO_FORMAT_NAMES = frozenset({"iso", "iso8601", "iso-8601"})

_TARGET_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SOURCE_KEY = {"csv": "column", "json": "path", "xml": "xpath"}


class BadValue(Exception):  # noqa: N818 - internal signal, wrapped into ImportFormatError
    """Raised by a compiled converter; the reader adds file, location and field."""

    def __init__(self, message: str, show: bool = True):
        super().__init__(message)
        self.message = message
        self.show = show

    def render(self, raw: object, secret: bool) -> str:
        if not self.show:
            return self.message
        if secret:
            return f"value {self.message}"
        return f"{show_value(raw)} {self.message}"


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class FieldSpec:
    """One target field of a mapping.

    ``source`` is a CSV header name or 0-based column index (``int``), a dotted JSON path, or
    an XPath relative to the record element; ``None`` makes a constant field (needs
    ``default``).
    """

    target: str
    source: str | int | None = None
    type: str = "str"
    format: str | None = None
    decimal_separator: str = "."
    thousands_separator: str = ""
    required: bool = False
    default: str | int | bool | None = None
    value_map: dict[str, str] = field(default_factory=dict)
    true_values: tuple[str, ...] = DEFAULT_TRUE_VALUES
    false_values: tuple[str, ...] = DEFAULT_FALSE_VALUES
    secret: bool = False

    def __post_init__(self) -> None:
        # Accept lists from callers but store tuples (immutability, equality after TOML load).
        if not isinstance(self.true_values, tuple):
            object.__setattr__(self, "true_values", tuple(self.true_values))
        if not isinstance(self.false_values, tuple):
            object.__setattr__(self, "false_values", tuple(self.false_values))


@dataclass(frozen=True)
class Mapping:
    """A user-defined import format.  Validated on construction (raises MappingError)."""

    kind: str
    fields: tuple[FieldSpec, ...]
    name: str = ""
    encoding: str | None = None
    # csv
    delimiter: str = ","
    quotechar: str = '"'
    has_header: bool = True
    skip_lines: int = 0
    # json: dotted path to the list of records ("" = the document root)
    records_path: str = ""
    # xml: XPath selecting the record elements, plus prefix -> namespace URI for all XPaths
    record_xpath: str = ""
    namespaces: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.fields, tuple):
            object.__setattr__(self, "fields", tuple(self.fields))
        _validate_mapping(self)

    def field_spec(self, target: str) -> FieldSpec:
        for spec in self.fields:
            if spec.target == target:
                return spec
        raise KeyError(target)


# --------------------------------------------------------------------------- validation


def _validate_mapping(m: Mapping) -> None:
    if m.kind not in KINDS:
        raise MappingError("kind", f"must be one of {', '.join(KINDS)}, not {m.kind!r}")
    if not isinstance(m.name, str):
        raise MappingError("name", "must be a string")
    if m.encoding is not None:
        if not isinstance(m.encoding, str):
            raise MappingError("encoding", "must be a string")
        try:
            info = codecs.lookup(m.encoding)
        except LookupError:
            raise MappingError("encoding", f"unknown encoding {m.encoding!r}") from None
        if not getattr(info, "_is_text_encoding", True):
            raise MappingError("encoding", f"{m.encoding!r} is not a text encoding")
    if not m.fields:
        raise MappingError("fields", "at least one field is required")
    seen: set[str] = set()
    for spec in m.fields:
        if not isinstance(spec, FieldSpec):
            raise MappingError("fields", "must contain FieldSpec objects")
        if not isinstance(spec.target, str) or not _TARGET_RE.match(spec.target):
            raise MappingError(
                f"fields.{spec.target}", "field name must be letters, digits and _ only"
            )
        if spec.target in seen:
            raise MappingError(f"fields.{spec.target}", "field is defined twice")
        seen.add(spec.target)

    defaults = {
        "delimiter": ",",
        "quotechar": '"',
        "has_header": True,
        "skip_lines": 0,
        "records_path": "",
        "record_xpath": "",
        "namespaces": {},
    }
    owner = {"records_path": "json", "record_xpath": "xml", "namespaces": "xml"}
    for attr, default in defaults.items():
        if owner.get(attr, "csv") != m.kind and getattr(m, attr) != default:
            raise MappingError(attr, f"does not apply to kind {m.kind!r}")
    if m.kind == "csv":
        _validate_csv(m)
    elif m.kind == "json":
        _check_str("json.records", m.records_path)
        if m.records_path:
            compile_json_path(m.records_path, "json.records")
    else:
        _validate_xml(m)

    source_key = _SOURCE_KEY[m.kind]
    for spec in m.fields:
        path = f"fields.{spec.target}"
        src = spec.source
        if src is None:
            if spec.default is None:
                raise MappingError(path, f"needs {source_key!r} (or a default for a constant)")
        elif m.kind == "csv":
            if isinstance(src, bool) or not isinstance(src, str | int):
                raise MappingError(
                    f"{path}.column", "must be a header name or a 0-based column index"
                )
            if isinstance(src, int) and src < 0:
                raise MappingError(f"{path}.column", "column index must be 0 or greater")
            if isinstance(src, str) and not src.strip():
                raise MappingError(f"{path}.column", "must not be empty")
            if isinstance(src, str) and not m.has_header:
                raise MappingError(
                    f"{path}.column", "without a header line columns must be given by index"
                )
        elif m.kind == "json":
            if not isinstance(src, str) or not src:
                raise MappingError(f"{path}.path", "must be a non-empty dotted path")
            compile_json_path(src, f"{path}.path")
        else:
            if not isinstance(src, str) or not src.strip():
                raise MappingError(f"{path}.xpath", "must be a non-empty XPath expression")
            compile_xpath(src, m.namespaces, f"{path}.xpath")
        compile_field(spec)


def _check_str(path: str, value: object) -> None:
    if not isinstance(value, str):
        raise MappingError(path, "must be a string")


def _validate_csv(m: Mapping) -> None:
    _check_str("csv.delimiter", m.delimiter)
    _check_str("csv.quotechar", m.quotechar)
    if len(m.delimiter) != 1 or m.delimiter in "\r\n":
        raise MappingError("csv.delimiter", "must be exactly one character (not a line break)")
    if len(m.quotechar) > 1 or (m.quotechar and m.quotechar in "\r\n"):
        raise MappingError("csv.quotechar", 'must be one character, or "" for no quoting')
    if m.quotechar == m.delimiter:
        raise MappingError("csv.quotechar", "must differ from the delimiter")
    if not isinstance(m.has_header, bool):
        raise MappingError("csv.has_header", "must be true or false")
    if isinstance(m.skip_lines, bool) or not isinstance(m.skip_lines, int) or m.skip_lines < 0:
        raise MappingError("csv.skip_lines", "must be an integer >= 0")


def _validate_xml(m: Mapping) -> None:
    if not isinstance(m.namespaces, dict):
        raise MappingError("xml.namespaces", "must be a table of prefix = URI")
    for prefix, uri in m.namespaces.items():
        if not isinstance(prefix, str) or not _TARGET_RE.match(prefix):
            raise MappingError("xml.namespaces", f"invalid prefix {prefix!r}")
        if not isinstance(uri, str) or not uri:
            raise MappingError(f"xml.namespaces.{prefix}", "must be a non-empty URI string")
    _check_str("xml.records", m.record_xpath)
    if not m.record_xpath.strip():
        raise MappingError("xml.records", "an XPath selecting the record elements is required")
    compile_xpath(m.record_xpath, m.namespaces, "xml.records")


def compile_xpath(expr: str, namespaces: dict[str, str], path: str) -> etree.XPath:
    """Compile an XPath; also evaluate it once so undefined prefixes/functions fail early."""
    try:
        xp = etree.XPath(expr, namespaces=namespaces or None)
        xp(etree.Element("probe"))
    except (etree.XPathError, ValueError, TypeError) as exc:
        raise MappingError(path, f"invalid XPath {expr!r}: {exc}") from None
    return xp


_JSON_INDEX_RE = re.compile(r"\[(-?\d+)\]")
_INT_RE = re.compile(r"-?\d+\Z", re.ASCII)


def compile_json_path(path: str, where: str = "path") -> tuple[tuple[str, int | None], ...]:
    """``"data.domains"``, ``"status.0"``, ``"status[0]"`` -> steps (dict key, list index)."""
    normalized = _JSON_INDEX_RE.sub(r".\1", path)
    steps: list[tuple[str, int | None]] = []
    for part in normalized.split("."):
        if not part:
            raise MappingError(where, f"invalid path {path!r} (empty part)")
        steps.append((part, int(part) if _INT_RE.match(part) else None))
    return tuple(steps)


# --------------------------------------------------------------------------- converters

_TOKEN_RE = re.compile(r"yyyy|yy|mm|m|dd|d|hh|h|ss|s|[a-z]|.", re.IGNORECASE | re.DOTALL)


def _compile_date_format(fmt: str, path: str, with_time: bool) -> Callable[[str], Any]:
    """Translate the user's notation (``dd.mm.yyyy``, ``yyyy-mm-dd hh:mm:ss``) into a parser.

    ``mm``/``m`` means month unless an hour token came before it, then minutes.  Numbers may
    be given without leading zeros (``1.2.2024``).  ``yy`` uses the strptime pivot
    (69-99 -> 19xx, 00-68 -> 20xx).  Letters ``T`` and ``Z`` are literals.
    """
    pattern: list[str] = []
    order: list[str] = []
    seen_hour = False
    for token in _TOKEN_RE.findall(fmt):
        low = token.lower()
        if low == "yyyy":
            part, name = r"(\d{4})", "Y"
        elif low == "yy":
            part, name = r"(\d{2})", "y"
        elif low in ("mm", "m"):
            part, name = r"(\d{1,2})", ("M" if seen_hour else "m")
        elif low in ("dd", "d"):
            part, name = r"(\d{1,2})", "d"
        elif low in ("hh", "h"):
            part, name = r"(\d{1,2})", "H"
            seen_hour = True
        elif low in ("ss", "s"):
            part, name = r"(\d{1,2})", "S"
        elif low in ("t", "z"):
            pattern.append(re.escape(token.upper()))
            continue
        elif token.isalpha():
            raise MappingError(path, f"unknown token {token!r} in date format {fmt!r}")
        else:
            pattern.append(re.escape(token))
            continue
        if name in order or (name in "Yy" and ("Y" in order or "y" in order)):
            raise MappingError(path, f"date format {fmt!r} contains {token!r} twice")
        order.append(name)
        pattern.append(part)
    if not (("Y" in order or "y" in order) and "m" in order and "d" in order):
        raise MappingError(path, f"date format {fmt!r} needs a year, month and day")
    rx = re.compile("".join(pattern), re.ASCII)
    idx = {name: i for i, name in enumerate(order)}
    iy = idx.get("Y", idx.get("y"))
    two_digit = "y" in idx
    im, id_ = idx["m"], idx["d"]
    ih, imin, isec = idx.get("H"), idx.get("M"), idx.get("S")
    kind = "date/time" if with_time else "date"
    message = f"is not a {kind} in format {fmt}"
    fullmatch = rx.fullmatch

    def parse(s: str) -> Any:
        match = fullmatch(s)
        if match is None:
            raise BadValue(message)
        g = match.groups()
        year = int(g[iy])
        if two_digit:
            year += 1900 if year >= 69 else 2000
        try:
            if not with_time:
                return date(year, int(g[im]), int(g[id_]))
            return datetime(
                year,
                int(g[im]),
                int(g[id_]),
                int(g[ih]) if ih is not None else 0,
                int(g[imin]) if imin is not None else 0,
                int(g[isec]) if isec is not None else 0,
            )
        except ValueError:
            raise BadValue(message) from None

    return parse


def _parse_iso_date(s: str) -> date:
    try:
        if len(s) == 10:
            return date.fromisoformat(s)
        return datetime.fromisoformat(s).date()
    except ValueError:
        raise BadValue("is not an ISO-8601 date") from None


def _parse_iso_datetime(s: str) -> datetime:
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        raise BadValue("is not an ISO-8601 date/time") from None


def _type_parser(spec: FieldSpec, path: str) -> Callable[[str], Any] | None:
    """Parser for a stripped, non-empty string; ``None`` means "keep the string"."""
    t = spec.type
    if t not in FIELD_TYPES:
        raise MappingError(f"{path}.type", f"must be one of {', '.join(FIELD_TYPES)}")
    if spec.format is not None and t not in ("date", "datetime"):
        raise MappingError(f"{path}.format", "only applies to date and datetime fields")
    if t != "bool" and (
        spec.true_values != DEFAULT_TRUE_VALUES or spec.false_values != DEFAULT_FALSE_VALUES
    ):
        raise MappingError(f"{path}.true_values", "only applies to bool fields")
    if t not in ("decimal", "int") and (
        spec.decimal_separator != "." or spec.thousands_separator != ""
    ):
        raise MappingError(f"{path}.decimal_separator", "only applies to decimal and int fields")
    if t == "str":
        return None
    if t in ("date", "datetime"):
        fmt = spec.format
        if fmt is not None and not isinstance(fmt, str):
            raise MappingError(f"{path}.format", "must be a string")
        if fmt is None or fmt.strip().lower() in ISO_FORMAT_NAMES:
            return _parse_iso_date if t == "date" else _parse_iso_datetime
        return _compile_date_format(fmt, f"{path}.format", with_time=(t == "datetime"))
    if t in ("decimal", "int"):
        return _number_parser(spec, path)
    return _bool_parser(spec, path)


_DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_INTEGER_RE = re.compile(r"[+-]?\d+", re.ASCII)


def _number_parser(spec: FieldSpec, path: str) -> Callable[[str], Any]:
    ds, ts = spec.decimal_separator, spec.thousands_separator
    if not isinstance(ds, str) or ds not in (".", ","):
        raise MappingError(f"{path}.decimal_separator", 'must be "," or "."')
    if not isinstance(ts, str) or len(ts) > 1 or (ts and (ts.isdigit() or ts in "+-")):
        raise MappingError(
            f"{path}.thousands_separator", 'must be one character (e.g. ".", " ") or ""'
        )
    if ts == ds and spec.type == "decimal":
        raise MappingError(f"{path}.thousands_separator", "must differ from the decimal separator")
    if spec.type == "int":
        message = "is not a whole number"
        fullmatch = _INTEGER_RE.fullmatch

        def parse_int(s: str) -> int:
            if ts:
                s = s.replace(ts, "")
            if fullmatch(s) is None:
                raise BadValue(message)
            return int(s)

        return parse_int

    message = f"is not a decimal number with decimal separator {ds!r}"
    fullmatch = _DECIMAL_RE.fullmatch
    foreign = "." if ds == "," else None

    def parse_decimal(s: str) -> Decimal:
        if ts:
            s = s.replace(ts, "")
        if foreign is not None:
            if foreign in s:
                raise BadValue(message)
            s = s.replace(ds, ".")
        if fullmatch(s) is None:
            raise BadValue(message)
        return Decimal(s)

    return parse_decimal


def _bool_parser(spec: FieldSpec, path: str) -> Callable[[str], bool]:
    for key, values in (("true_values", spec.true_values), ("false_values", spec.false_values)):
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise MappingError(f"{path}.{key}", "must be a list of non-empty strings")
    true_set = frozenset(v.strip().casefold() for v in spec.true_values)
    false_set = frozenset(v.strip().casefold() for v in spec.false_values)
    if not true_set:
        raise MappingError(f"{path}.true_values", "at least one value is required")
    if true_set & false_set:
        raise MappingError(f"{path}.false_values", "overlaps with true_values")
    message = "is not one of the configured true/false values"

    def parse_bool(s: str) -> bool:
        folded = s.casefold()
        if folded in true_set:
            return True
        if not false_set or folded in false_set:
            return False
        raise BadValue(message)

    return parse_bool


def _from_native(raw: object, ftype: str) -> tuple[bool, object]:
    """JSON/XPath non-string values: (True, final value) or (False, string to go on with)."""
    if isinstance(raw, bool):
        if ftype == "bool":
            return True, raw
        if ftype == "str":
            return False, "true" if raw else "false"
        raise BadValue(f"is a boolean, expected {ftype}")
    if isinstance(raw, int | float):
        if isinstance(raw, float) and raw != raw or raw in (float("inf"), float("-inf")):
            raise BadValue("is not a finite number")
        if ftype == "int":
            if isinstance(raw, float) and not raw.is_integer():
                raise BadValue("is not a whole number")
            return True, int(raw)
        if ftype == "decimal":
            try:
                return True, Decimal(repr(raw) if isinstance(raw, float) else str(raw))
            except (InvalidOperation, ValueError):
                raise BadValue("is not a decimal number") from None
        if ftype in ("str", "bool"):
            if isinstance(raw, float) and raw.is_integer():
                raw = int(raw)
            return False, str(raw)
        raise BadValue(f"is a number, expected {ftype}")
    if isinstance(raw, list):
        if all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in raw):
            return False, ",".join(str(v) for v in raw)
        raise BadValue("is a list, expected a single value", show=False)
    if isinstance(raw, dict):
        raise BadValue("is an object, expected a single value", show=False)
    return False, str(raw)


def compile_field(spec: FieldSpec, path: str | None = None) -> Callable[[object], object]:
    """Build the converter for one field: raw cell/value -> typed value (or None).

    Order: strip -> empty? (default / required / None) -> value map (exact, then
    case-insensitive; mapping to "" means empty) -> type conversion.
    Raises MappingError for an invalid spec; the converter raises BadValue.
    """
    path = path or f"fields.{spec.target}"
    for key in ("required", "secret"):
        if not isinstance(getattr(spec, key), bool):
            raise MappingError(f"{path}.{key}", "must be true or false")
    parse = _type_parser(spec, path)
    ftype = spec.type
    vmap = spec.value_map
    if not isinstance(vmap, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in vmap.items()
    ):
        raise MappingError(f"{path}.map", "must be a table of string = string")
    exact = {k.strip(): v.strip() for k, v in vmap.items()} or None
    folded = {k.strip().casefold(): v.strip() for k, v in vmap.items()}
    required = spec.required

    def convert_text(s: str) -> object:
        if exact is not None:
            mapped = exact.get(s)
            if mapped is None:
                mapped = folded.get(s.casefold())
            if mapped is not None:
                if not mapped:
                    return _EMPTY
                s = mapped
        return s if parse is None else parse(s)

    default = spec.default
    has_default = default is not None
    default_value: object = None
    if has_default:
        if required:
            raise MappingError(f"{path}.default", "a required field cannot have a default")
        if isinstance(default, bool):
            if ftype != "bool":
                raise MappingError(f"{path}.default", f"must be a string for type {ftype}")
            default_value = default
        elif isinstance(default, int):
            if ftype != "int":
                raise MappingError(f"{path}.default", f"must be a string for type {ftype}")
            default_value = default
        elif isinstance(default, str):
            text = default.strip()
            if not text:
                raise MappingError(f"{path}.default", "must not be empty")
            try:
                default_value = convert_text(text)
            except BadValue as exc:
                raise MappingError(f"{path}.default", exc.render(default, False)) from None
            if default_value is _EMPTY:
                raise MappingError(f"{path}.default", "maps to an empty value")
        else:
            raise MappingError(f"{path}.default", "must be a string, integer or boolean")

    def empty() -> object:
        if has_default:
            return default_value
        if required:
            raise BadValue("a value is required", show=False)
        return None

    def convert(raw: object) -> object:  # generic path: natives, value maps
        if raw.__class__ is not str:
            if raw is None:
                return empty()
            done, value = _from_native(raw, ftype)
            if done:
                return value
            raw = value
        s = raw.strip()  # type: ignore[union-attr]
        if not s:
            return empty()
        value = convert_text(s)
        if value is _EMPTY:
            return empty()
        return value

    # Fast paths for the common cases (plain CSV strings, no value map): one call per cell.
    if exact is None and parse is None:

        def convert_plain(raw: object) -> object:
            if raw.__class__ is str:
                s = raw.strip()  # type: ignore[union-attr]
                return s if s else empty()
            return convert(raw)

        return convert_plain
    if exact is None and parse is not None:
        typed = parse

        def convert_typed(raw: object) -> object:
            if raw.__class__ is str:
                s = raw.strip()  # type: ignore[union-attr]
                return typed(s) if s else empty()
            return convert(raw)

        return convert_typed
    return convert


_EMPTY = object()


# --------------------------------------------------------------------------- TOML

_TOP_KEYS = {"name", "kind", "encoding", "csv", "json", "xml", "fields"}
_SECTION_KEYS = {
    "csv": {"delimiter", "quotechar", "has_header", "skip_lines"},
    "json": {"records"},
    "xml": {"records", "namespaces"},
}
_FIELD_KEYS = {
    "type",
    "format",
    "decimal_separator",
    "thousands_separator",
    "required",
    "default",
    "map",
    "true_values",
    "false_values",
    "secret",
}


def _expect(table: dict, key: str, types: type | tuple[type, ...], path: str, default: Any):
    if key not in table:
        return default
    value = table[key]
    ok = isinstance(value, types) and not (
        isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,))
    )
    if not ok:
        names = types if isinstance(types, tuple) else (types,)
        wanted = " or ".join(
            {"str": "a string", "int": "an integer", "bool": "true/false"}.get(
                t.__name__, t.__name__
            )
            for t in names
        )
        raise MappingError(path, f"must be {wanted}")
    return value


def _unknown_keys(table: dict, allowed: set[str], path: str) -> None:
    for key in table:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise MappingError(where, "unknown setting")


def mapping_from_dict(doc: dict) -> Mapping:
    """Build a Mapping from the parsed TOML structure (see module doc / docs/imports.md)."""
    if not isinstance(doc, dict):
        raise MappingError("", "a mapping must be a TOML table")
    _unknown_keys(doc, _TOP_KEYS, "")
    kind = _expect(doc, "kind", str, "kind", None)
    if kind is None:
        raise MappingError("kind", "is required (csv, json or xml)")
    if kind not in KINDS:
        raise MappingError("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    for section in _SECTION_KEYS:
        if section in doc and section != kind:
            raise MappingError(section, f"section [{section}] does not apply to kind {kind!r}")
    sect = doc.get(kind, {})
    if not isinstance(sect, dict):
        raise MappingError(kind, "must be a table")
    _unknown_keys(sect, _SECTION_KEYS[kind], kind)

    kwargs: dict[str, Any] = {
        "kind": kind,
        "name": _expect(doc, "name", str, "name", ""),
        "encoding": _expect(doc, "encoding", str, "encoding", None),
    }
    if kind == "csv":
        kwargs["delimiter"] = _expect(sect, "delimiter", str, "csv.delimiter", ",")
        kwargs["quotechar"] = _expect(sect, "quotechar", str, "csv.quotechar", '"')
        kwargs["has_header"] = _expect(sect, "has_header", bool, "csv.has_header", True)
        kwargs["skip_lines"] = _expect(sect, "skip_lines", int, "csv.skip_lines", 0)
    elif kind == "json":
        kwargs["records_path"] = _expect(sect, "records", str, "json.records", "")
    else:
        kwargs["record_xpath"] = _expect(sect, "records", str, "xml.records", "")
        kwargs["namespaces"] = dict(_expect(sect, "namespaces", dict, "xml.namespaces", {}))

    fields_doc = doc.get("fields")
    if not isinstance(fields_doc, dict) or not fields_doc:
        raise MappingError("fields", "at least one [fields.<name>] table is required")
    source_key = _SOURCE_KEY[kind]
    specs = []
    for target, fdoc in fields_doc.items():
        path = f"fields.{target}"
        if not isinstance(fdoc, dict):
            raise MappingError(path, "must be a table")
        _unknown_keys(fdoc, _FIELD_KEYS | {source_key}, path)
        source_types: tuple[type, ...] = (str, int) if kind == "csv" else (str,)
        source = _expect(fdoc, source_key, source_types, f"{path}.{source_key}", None)
        true_values = _expect(fdoc, "true_values", list, f"{path}.true_values", None)
        false_values = _expect(fdoc, "false_values", list, f"{path}.false_values", None)
        if true_values is not None and false_values is None:
            false_values = []  # only true_values given: every other value means false
        value_map = _expect(fdoc, "map", dict, f"{path}.map", {})
        specs.append(
            FieldSpec(
                target=target,
                source=source,
                type=_expect(fdoc, "type", str, f"{path}.type", "str"),
                format=_expect(fdoc, "format", str, f"{path}.format", None),
                decimal_separator=_expect(
                    fdoc, "decimal_separator", str, f"{path}.decimal_separator", "."
                ),
                thousands_separator=_expect(
                    fdoc, "thousands_separator", str, f"{path}.thousands_separator", ""
                ),
                required=_expect(fdoc, "required", bool, f"{path}.required", False),
                default=_expect(fdoc, "default", (str, int, bool), f"{path}.default", None),
                value_map=dict(value_map),
                true_values=tuple(DEFAULT_TRUE_VALUES if true_values is None else true_values),
                false_values=tuple(DEFAULT_FALSE_VALUES if false_values is None else false_values),
                secret=_expect(fdoc, "secret", bool, f"{path}.secret", False),
            )
        )
    return Mapping(fields=tuple(specs), **kwargs)


def load_mapping(text: str | bytes) -> Mapping:
    """Parse and validate a mapping from TOML text (raises MappingError)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise MappingError("", "a mapping file must be UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError("", f"invalid TOML: {exc}") from None
    return mapping_from_dict(doc)


def mapping_to_dict(m: Mapping) -> dict[str, Any]:
    """The TOML structure of a mapping (inverse of :func:`mapping_from_dict`)."""
    doc: dict[str, Any] = {}
    if m.name:
        doc["name"] = m.name
    doc["kind"] = m.kind
    if m.encoding is not None:
        doc["encoding"] = m.encoding
    if m.kind == "csv":
        doc["csv"] = {
            "delimiter": m.delimiter,
            "quotechar": m.quotechar,
            "has_header": m.has_header,
            "skip_lines": m.skip_lines,
        }
    elif m.kind == "json":
        doc["json"] = {"records": m.records_path}
    else:
        doc["xml"] = {"records": m.record_xpath}
        if m.namespaces:
            doc["xml"]["namespaces"] = dict(m.namespaces)
    fields_doc: dict[str, Any] = {}
    source_key = _SOURCE_KEY[m.kind]
    for spec in m.fields:
        f: dict[str, Any] = {}
        if spec.source is not None:
            f[source_key] = spec.source
        f["type"] = spec.type
        if spec.format is not None:
            f["format"] = spec.format
        if spec.decimal_separator != ".":
            f["decimal_separator"] = spec.decimal_separator
        if spec.thousands_separator:
            f["thousands_separator"] = spec.thousands_separator
        if spec.required:
            f["required"] = True
        if spec.default is not None:
            f["default"] = spec.default
        if spec.secret:
            f["secret"] = True
        if spec.true_values != DEFAULT_TRUE_VALUES or spec.false_values != DEFAULT_FALSE_VALUES:
            f["true_values"] = list(spec.true_values)
            f["false_values"] = list(spec.false_values)
        if spec.value_map:
            f["map"] = dict(spec.value_map)
        fields_doc[spec.target] = f
    doc["fields"] = fields_doc
    return doc


def dump_mapping(m: Mapping) -> str:
    """Serialize a mapping to TOML; ``load_mapping(dump_mapping(m)) == m``."""
    return dump_toml(mapping_to_dict(m))
