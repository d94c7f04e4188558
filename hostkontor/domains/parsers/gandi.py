"""Gandi API v5 ``GET /v5/domain/domains`` (JSON array of domain objects).

``fqdn`` (ASCII) / ``fqdn_unicode``; expiry ``dates.registry_ends_at``, registration
``dates.registry_created_at`` (fallback ``dates.created_at``), ISO-8601 UTC: the UTC date is
used.  ``status`` is a list of EPP statuses (empty list = active).  ``autorenew`` is a bool
(or an object with ``enabled`` in the single-domain endpoint).  ``id`` is the handle.
"""

from __future__ import annotations

from hostkontor.domains.parsers.records import (
    RegistrarRecord,
    make_domain,
    parse_bool,
    parse_iso_date,
)
from hostkontor.domains.parsers.status import DomainStatus, status_from_words
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.reader import parse_json

__all__ = ["parse_gandi"]


def parse_gandi(data: bytes, filename: str) -> list[RegistrarRecord]:
    doc = parse_json(data, "utf-8", filename)
    if not isinstance(doc, list):
        raise ImportFormatError(filename, None, None, "expected a JSON array of domains")
    records = []
    for number, item in enumerate(doc, 1):
        location = f"record {number}"
        if not isinstance(item, dict):
            raise ImportFormatError(filename, location, None, "expected a JSON object")
        name = item.get("fqdn") or item.get("fqdn_unicode")
        domain, domain_ascii = make_domain(name, filename, location)
        dates = item.get("dates")
        if dates is None:
            dates = {}
        if not isinstance(dates, dict):
            raise ImportFormatError(filename, location, "expires", "'dates' is not an object")
        expires = parse_iso_date(dates.get("registry_ends_at"), filename, location, "expires")
        registered = parse_iso_date(
            dates.get("registry_created_at") or dates.get("created_at"),
            filename,
            location,
            "registered_on",
        )
        raw = item.get("status")
        if raw is None:
            raw = []
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
            raise ImportFormatError(filename, location, "status", "is not a list of strings")
        status = status_from_words(raw, empty=DomainStatus.ACTIVE)
        autorenew = item.get("autorenew")
        if isinstance(autorenew, dict):
            autorenew = autorenew.get("enabled")
        handle = item.get("id")
        records.append(
            RegistrarRecord(
                domain=domain,
                domain_ascii=domain_ascii,
                expires=expires,
                registered_on=registered,
                status=status,
                raw_status=",".join(raw),
                auto_renew=parse_bool(autorenew, filename, location, "auto_renew"),
                handle=str(handle) if isinstance(handle, str | int) and handle != "" else None,
                location=location,
            )
        )
    return records
