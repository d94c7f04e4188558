"""CentralNic Reseller (HEXONET) ISPAPI ``QueryDomainList`` with ``WIDE=1``.

Plain text: ``[RESPONSE]``, ``KEY = value`` lines, ``PROPERTY[NAME][i] = value`` lines and
``EOF``.  ``CODE`` must be 2xx.  Record i is made of all ``PROPERTY[...][i]``.
``0000-00-00 00:00:00`` means "no date".

Fields: domain ``DOMAIN`` (``DOMAINUMLAUT`` as fallback); expires
``DOMAINREGISTRATIONEXPIRATIONDATE`` (registry side; fallbacks ``DOMAINEXPIRATIONDATE``,
``DOMAINPAIDUNTILDATE``); registered ``DOMAINCREATEDDATE``; status ``DOMAINSTATUS`` (space
separated words, ``X-EXPIRED`` = 1 forces expired); auto_renew from ``DOMAINRENEWALMODE``
(AUTORENEW/RENEW/RENEWONCE -> True, AUTOEXPIRE/EXPIRE/AUTODELETE -> False, DEFAULT -> None);
handle ``DOMAINROID`` if present.  Values of other properties (e.g. ``DOMAINAUTH``, the
transfer auth code) are never kept or shown.
"""

from __future__ import annotations

import re

from hostkontor.domains.parsers.records import (
    RegistrarRecord,
    make_domain,
    parse_iso_date,
    small_int,
)
from hostkontor.domains.parsers.status import DomainStatus, status_from_words
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.reader import decode_text

__all__ = ["parse_hexonet"]

_PROPERTY_RE = re.compile(r"PROPERTY\[([^\]]+)\]\[(\d{1,7})\]\s*=\s?(.*)\Z", re.IGNORECASE)
_KEY_RE = re.compile(r"([A-Za-z][A-Za-z0-9_-]*)\s*=\s?(.*)\Z")
_RENEW = {"autorenew": True, "renew": True, "renewonce": True}
_NO_RENEW = {"autoexpire": False, "expire": False, "autodelete": False, "delete": False}
_EXPIRY_KEYS = ("DOMAINREGISTRATIONEXPIRATIONDATE", "DOMAINEXPIRATIONDATE", "DOMAINPAIDUNTILDATE")


def parse_hexonet(data: bytes, filename: str) -> list[RegistrarRecord]:
    text = decode_text(data, "utf-8", filename)
    header: dict[str, str] = {}
    # property name -> index -> (value, line number)
    props: dict[str, dict[int, tuple[str, int]]] = {}
    started = False
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r").strip()
        if not line:
            continue
        if line.upper() == "[RESPONSE]":
            started = True
            continue
        if line.upper() == "EOF":
            break
        if not started:
            raise ImportFormatError(filename, f"line {number}", None, "expected [RESPONSE]")
        match = _PROPERTY_RE.match(line)
        if match:
            name, index, value = match.group(1).upper(), int(match.group(2)), match.group(3)
            slot = props.setdefault(name, {})
            if index in slot:
                raise ImportFormatError(
                    filename, f"line {number}", None, f"property {name}[{index}] is given twice"
                )
            slot[index] = (value.strip(), number)
            continue
        match = _KEY_RE.match(line)
        if match is None:
            # Never echo the line: it may hold an auth code.
            raise ImportFormatError(filename, f"line {number}", None, "not an ISPAPI response line")
        header[match.group(1).upper()] = match.group(2).strip()
    if not started:
        raise ImportFormatError(filename, None, None, "not an ISPAPI response ([RESPONSE] missing)")
    code = header.get("CODE", "")
    if not (len(code) == 3 and code.isdigit() and code.startswith("2")):
        reason = header.get("DESCRIPTION", "")[:200]
        raise ImportFormatError(
            filename,
            None,
            None,
            f"ISPAPI reported an error (CODE {code[:10] or 'missing'}): {reason}",
        )

    domains = props.get("DOMAIN") or props.get("DOMAINUMLAUT") or {}
    count = max(domains) + 1 if domains else 0
    total = (props.get("TOTAL", {}).get(0) or ("", 0))[0]
    expected = small_int(total)
    if expected is not None and expected > count:
        raise ImportFormatError(
            filename,
            None,
            None,
            f"the list is incomplete ({count} of {expected} domains); "
            "query with a LIMIT of at least the total",
        )
    records = []
    for index in range(count):
        location = f"record {index + 1}"

        def get(name: str, index: int = index, location: str = location) -> tuple[str | None, str]:
            entry = props.get(name, {}).get(index)
            if entry is None:
                return None, location
            return entry[0], f"line {entry[1]}"

        name, where = get("DOMAIN")
        if not name:
            name, where = get("DOMAINUMLAUT")
        if not name:
            raise ImportFormatError(filename, location, "domain", "a domain name is required")
        domain, domain_ascii = make_domain(name, filename, where)
        expires = None
        for key in _EXPIRY_KEYS:
            value, where = get(key)
            expires = parse_iso_date(value, filename, where, "expires")
            if expires is not None:
                break
        value, where = get("DOMAINCREATEDDATE")
        registered = parse_iso_date(value, filename, where, "registered_on")
        raw_status = get("DOMAINSTATUS")[0] or ""
        status = status_from_words(raw_status.split(), empty=DomainStatus.UNKNOWN)
        if (get("X-EXPIRED")[0] or "").strip() == "1" and status in (
            DomainStatus.ACTIVE,
            DomainStatus.UNKNOWN,
        ):
            status = DomainStatus.EXPIRED
        mode = (get("DOMAINRENEWALMODE")[0] or "").strip().casefold()
        auto_renew = _RENEW.get(mode, _NO_RENEW.get(mode))
        handle = get("DOMAINROID")[0]
        records.append(
            RegistrarRecord(
                domain=domain,
                domain_ascii=domain_ascii,
                expires=expires,
                registered_on=registered,
                status=status,
                raw_status=raw_status,
                auto_renew=auto_renew,
                handle=handle or None,
                location=location,
            )
        )
    return records
