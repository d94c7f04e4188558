"""The one TOML writer for mappings (registrar, usage and every later import format).

``tomllib`` only reads, so mappings are written here: plain tables of strings, integers,
booleans, lists and nested tables -- all a mapping document holds. Strings escape everything
TOML requires (quote, backslash, every control character), so any value a user typed reads
back unchanged; ``tomllib.loads(dump_toml(doc)) == doc``.

Pure Python: no Django imports.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["dump_toml"]

_BARE_KEY_RE = re.compile(r"[A-Za-z0-9_-]+\Z")
_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def dump_toml(doc: dict[str, Any]) -> str:
    """A TOML document: top-level values first, then each table (nested ones dotted)."""
    lines: list[str] = []
    _write_table(lines, None, doc)
    return "\n".join(lines) + "\n"


def _toml_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY_RE.match(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _write_table(lines: list[str], header: str | None, table: dict[str, Any]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    subtables = {k: v for k, v in table.items() if isinstance(v, dict)}
    if header is not None and (scalars or not subtables):
        if lines:
            lines.append("")
        lines.append(f"[{header}]")
    for key, value in scalars.items():
        lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, sub in subtables.items():
        sub_header = _toml_key(key) if header is None else f"{header}.{_toml_key(key)}"
        _write_table(lines, sub_header, sub)
