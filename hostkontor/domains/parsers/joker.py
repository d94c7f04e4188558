"""Joker.com DMAPI ``query-domain-list`` (with ``showstatus=1``).

Response: MIME-like ``Key: value`` headers, an empty line, then one domain per line.
``Columns:`` names the columns (comma separated); ``Separator:`` gives the column separator
(``\\t``/TAB or a space; default space).  ``Status-Code`` other than 0 or 1000-1999 is an
error response.  Status flags (``lock,autorenew``) are comma separated.
"""

from __future__ import annotations

import re

from hostkontor.domains.parsers.records import (
    RegistrarRecord,
    make_domain,
    parse_iso_date,
)
from hostkontor.domains.parsers.status import DomainStatus, status_from_words
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.reader import decode_text

__all__ = ["parse_joker"]

_HEADER_RE = re.compile(r"[A-Za-z][A-Za-z0-9-]*:")
_DEFAULT_COLUMNS = ("domain", "expiration_date", "domain_status")
_SEPARATORS = {"": " ", " ": " ", "space": " ", "\\t": "\t", "\t": "\t", "tab": "\t"}


def _separator(value: str, filename: str, line: int) -> str:
    if value.strip() == "" and value != "\t":
        return " "
    key = value if value in _SEPARATORS else value.strip().casefold()
    if key in _SEPARATORS:
        return _SEPARATORS[key]
    if len(value.strip()) == 1:
        return value.strip()
    raise ImportFormatError(filename, f"line {line}", None, "unsupported Separator header")


def parse_joker(data: bytes, filename: str) -> list[RegistrarRecord]:
    text = decode_text(data, "utf-8", filename)
    lines = [line.rstrip("\r") for line in text.split("\n")]
    headers: dict[str, tuple[str, int]] = {}
    body_start = 0
    if lines and _HEADER_RE.match(lines[0]):
        body_start = len(lines)
        for number, line in enumerate(lines, 1):
            if not line.strip():
                body_start = number
                break
            if not _HEADER_RE.match(line):
                raise ImportFormatError(
                    filename, f"line {number}", None, "expected a 'Name: value' header line"
                )
            key, _, value = line.partition(":")
            headers[key.strip().casefold()] = (
                value[1:] if value.startswith(" ") else value,
                number,
            )

    if "status-code" in headers:
        code_text, number = headers["status-code"]
        try:
            code = int(code_text.strip())
        except ValueError:
            code = -1
        if not (code == 0 or 1000 <= code <= 1999):
            reason = headers.get("status-text", ("", 0))[0].strip()[:200]
            raise ImportFormatError(
                filename,
                f"line {number}",
                None,
                f"Joker reported an error (Status-Code {code_text.strip()[:20]}): {reason}",
            )
    if "error" in headers:
        raise ImportFormatError(
            filename, f"line {headers['error'][1]}", None, "Joker rejected the request"
        )

    sep = " "
    if "separator" in headers:
        value, number = headers["separator"]
        sep = _separator(value, filename, number)
    columns: tuple[str, ...] | None = None
    if "columns" in headers:
        columns = tuple(c.strip().casefold() for c in headers["columns"][0].split(","))
        if "domain" not in columns:
            raise ImportFormatError(
                filename, f"line {headers['columns'][1]}", None, "Columns header lacks 'domain'"
            )

    records = []
    for number, line in enumerate(lines[body_start:], body_start + 1):
        if not line.strip():
            continue
        location = f"line {number}"
        if sep == " ":
            cells = line.split()
        else:
            cells = [c.strip() for c in line.split(sep)]
        names = columns or _DEFAULT_COLUMNS[: len(cells)]
        if len(cells) != len(names):
            raise ImportFormatError(
                filename, location, None, f"expected {len(names)} columns, found {len(cells)}"
            )
        row = dict(zip(names, cells, strict=True))
        domain, domain_ascii = make_domain(row.get("domain"), filename, location)
        expires = parse_iso_date(row.get("expiration_date"), filename, location, "expires")
        raw_status = row.get("domain_status", row.get("status", ""))
        flags = [f.strip() for f in raw_status.split(",") if f.strip()]
        status = status_from_words(flags, empty=DomainStatus.ACTIVE)
        has_status = "domain_status" in row or "status" in row
        auto_renew = any(f.casefold() == "autorenew" for f in flags) if has_status else None
        records.append(
            RegistrarRecord(
                domain=domain,
                domain_ascii=domain_ascii,
                expires=expires,
                registered_on=None,
                status=status,
                raw_status=raw_status,
                auto_renew=auto_renew,
                handle=None,
                location=location,
            )
        )
    return records
