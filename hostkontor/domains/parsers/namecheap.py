"""Namecheap API ``namecheap.domains.getList`` response.

``ApiResponse[@Status="OK"]/CommandResponse/DomainGetListResult/Domain`` elements with
attributes ``ID Name Created Expires IsExpired IsLocked AutoRenew ...``; dates MM/DD/YYYY.
Status: ``IsExpired="true"`` -> expired, otherwise active (the list has no other status).
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from hostkontor.domains.parsers._xml import child_text, local
from hostkontor.domains.parsers.records import RegistrarRecord, make_domain, parse_bool, small_int
from hostkontor.domains.parsers.status import DomainStatus
from hostkontor.imports.errors import ImportFormatError, show_value
from hostkontor.imports.reader import parse_xml

__all__ = ["parse_namecheap"]


def _us_date(value: str | None, filename: str, location: str, field: str) -> date | None:
    if value is None or not value.strip():
        return None
    parts = value.strip().split("/")
    try:
        if len(parts) == 3 and all(p.isascii() and p.isdigit() for p in parts):
            month, day, year = (int(p) for p in parts)
            if len(parts[2]) == 4:
                return date(year, month, day)
    except ValueError:
        pass
    raise ImportFormatError(
        filename, location, field, f"{show_value(value)} is not a date in format mm/dd/yyyy"
    )


def parse_namecheap(data: bytes, filename: str) -> list[RegistrarRecord]:
    root = parse_xml(data, filename)
    if local(root) != "ApiResponse":
        raise ImportFormatError(filename, None, None, "not a Namecheap <ApiResponse> document")
    if (root.get("Status") or "").strip().upper() != "OK":
        message = (child_text(root, "Errors", "Error") or "").strip()[:200]
        raise ImportFormatError(filename, None, None, f"Namecheap reported an error: {message}")
    domains = [
        el
        for el in root.iter(etree.Element)
        if local(el) == "Domain"
        and el.getparent() is not None
        and local(el.getparent()) == "DomainGetListResult"
    ]
    total = (child_text(root, "CommandResponse", "Paging", "TotalItems") or "").strip()
    expected = small_int(total)
    if expected is not None and expected > len(domains):
        raise ImportFormatError(
            filename,
            None,
            None,
            f"the list is incomplete ({len(domains)} of {expected} domains); "
            "export all pages into one file",
        )
    records = []
    for number, element in enumerate(domains, 1):
        location = f"record {number}"
        domain, domain_ascii = make_domain(element.get("Name"), filename, location)
        expired = parse_bool(element.get("IsExpired"), filename, location, "status")
        locked = (element.get("IsLocked") or "").strip()
        raw_status = f"IsExpired={element.get('IsExpired', '')}"
        if locked:
            raw_status += f" IsLocked={locked}"
        handle = (element.get("ID") or "").strip()
        records.append(
            RegistrarRecord(
                domain=domain,
                domain_ascii=domain_ascii,
                expires=_us_date(element.get("Expires"), filename, location, "expires"),
                registered_on=_us_date(element.get("Created"), filename, location, "registered_on"),
                status=DomainStatus.EXPIRED if expired else DomainStatus.ACTIVE,
                raw_status=raw_status,
                auto_renew=parse_bool(element.get("AutoRenew"), filename, location, "auto_renew"),
                handle=handle or None,
                location=location,
            )
        )
    return records
