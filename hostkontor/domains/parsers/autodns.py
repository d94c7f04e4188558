"""InterNetX AutoDNS XML gateway, task 0105 (domain inquire list) response.

``response/result/data/domain`` elements with ``name``, ``created`` and ``payable``
(``YYYY-MM-DD HH:MM:SS``).  ``result/status/type`` must be ``success``.

Decisions (the list response does not carry everything):
* ``expires`` is ``payable`` (the date up to which the domain is paid / next renewal).
* AutoDNS renews every domain unless it is cancelled, so ``auto_renew`` is True unless the
  record carries a cancelation (``cancelation``/``expire`` element, or ``autorenew`` false).
* Without a ``registry_status``/``status`` element a listed domain is ``active``.
"""

from __future__ import annotations

from hostkontor.domains.parsers._xml import child_text, local, record_children
from hostkontor.domains.parsers.records import (
    RegistrarRecord,
    make_domain,
    parse_bool,
    parse_iso_date,
    small_int,
)
from hostkontor.domains.parsers.status import DomainStatus, status_from_words
from hostkontor.imports.errors import ImportFormatError
from hostkontor.imports.reader import parse_xml

__all__ = ["parse_autodns"]


def parse_autodns(data: bytes, filename: str) -> list[RegistrarRecord]:
    root = parse_xml(data, filename)
    if local(root) != "response":
        raise ImportFormatError(filename, None, None, "not an AutoDNS <response> document")
    results = record_children(root, "result")
    if len(results) != 1:
        raise ImportFormatError(filename, None, None, "expected exactly one <result> element")
    result = results[0]
    status_type = (child_text(result, "status", "type") or "").strip().casefold()
    if status_type != "success":
        code = (child_text(result, "status", "code") or "").strip()[:20]
        text = (child_text(result, "status", "text") or "").strip()[:200]
        raise ImportFormatError(
            filename, None, None, f"AutoDNS reported no success ({code or 'no code'}): {text}"
        )
    data_elements = record_children(result, "data")
    domains = record_children(data_elements[0], "domain") if data_elements else []

    summary = (child_text(data_elements[0], "summary") or "").strip() if data_elements else ""
    expected = small_int(summary)
    if expected is not None and expected > len(domains):
        raise ImportFormatError(
            filename,
            None,
            None,
            f"the list is incomplete ({len(domains)} of {expected} domains); "
            "inquire without a limit",
        )
    records = []
    for number, element in enumerate(domains, 1):
        location = f"record {number}"
        domain, domain_ascii = make_domain(child_text(element, "name"), filename, location)
        expires = parse_iso_date(child_text(element, "payable"), filename, location, "expires")
        registered = parse_iso_date(
            child_text(element, "created"), filename, location, "registered_on"
        )
        raw_status = (
            child_text(element, "registry_status") or child_text(element, "status") or ""
        ).strip()
        status = status_from_words(raw_status.split(), empty=DomainStatus.ACTIVE)
        auto_renew: bool | None = parse_bool(
            child_text(element, "autorenew"), filename, location, "auto_renew"
        )
        if auto_renew is None:
            cancelled = any(
                (child_text(element, name) or "").strip() for name in ("cancelation", "expire")
            )
            auto_renew = not cancelled
        handle = (child_text(element, "roid") or child_text(element, "id") or "").strip()
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
