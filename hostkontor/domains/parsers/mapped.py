"""Registrar lists in a user-defined format (a :class:`~hostkontor.imports.Mapping`).

Recognised target fields: ``domain`` (required), ``expires``, ``registered_on`` (type date or
datetime), ``status`` (str; after the field's value map it may be one of our status values
or a registrar/EPP word; anything else -> unknown), ``auto_renew`` (bool), ``handle`` (str).
Other targets are rejected so that typos do not go unnoticed.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from hostkontor.domains.parsers.records import RegistrarRecord, check_unique, make_domain
from hostkontor.domains.parsers.status import DomainStatus, status_from_words
from hostkontor.imports.errors import MappingError
from hostkontor.imports.mapping import Mapping, compile_field
from hostkontor.imports.reader import read_records

__all__ = ["REGISTRAR_TARGETS", "records_from_mapping", "validate_registrar_mapping"]

REGISTRAR_TARGETS = {
    "domain": ("str",),
    "expires": ("date", "datetime"),
    "registered_on": ("date", "datetime"),
    "status": ("str",),
    "auto_renew": ("bool",),
    "handle": ("str", "int"),
}


def validate_registrar_mapping(mapping: Mapping) -> None:
    """Raise MappingError unless the mapping yields registrar records."""
    targets = {spec.target: spec for spec in mapping.fields}
    if "domain" not in targets:
        raise MappingError("fields.domain", "a registrar mapping needs a domain field")
    for target, spec in targets.items():
        allowed = REGISTRAR_TARGETS.get(target)
        if allowed is None:
            raise MappingError(
                f"fields.{target}",
                f"unknown registrar field (allowed: {', '.join(REGISTRAR_TARGETS)})",
            )
        if spec.type not in allowed:
            raise MappingError(f"fields.{target}.type", f"must be {' or '.join(allowed)}")


def records_from_mapping(mapping: Mapping, data: bytes, filename: str) -> list[RegistrarRecord]:
    validate_registrar_mapping(mapping)
    status_spec = next((s for s in mapping.fields if s.target == "status"), None)
    map_status = None
    if status_spec is not None and status_spec.value_map:
        # Read the raw registrar word (kept as raw_status) and apply the map ourselves.
        map_status = compile_field(
            dataclasses.replace(status_spec, source="x", default=None, required=False)
        )
        mapping = dataclasses.replace(
            mapping,
            fields=tuple(
                dataclasses.replace(s, value_map={}) if s is status_spec else s
                for s in mapping.fields
            ),
        )

    def build():
        for record in read_records(mapping, data, filename):
            values = record.values
            location = record.location
            domain, domain_ascii = make_domain(values.get("domain"), filename, location)
            raw_status = values.get("status")
            raw_text = "" if raw_status is None else str(raw_status)
            if raw_status is None:
                status = DomainStatus.UNKNOWN
            else:
                mapped = map_status(raw_text) if map_status is not None else raw_text
                if mapped is None:
                    status = DomainStatus.UNKNOWN
                else:
                    words = str(mapped).replace(";", ",").split(",")
                    status = status_from_words(words, empty=DomainStatus.UNKNOWN)
            handle = values.get("handle")
            yield RegistrarRecord(
                domain=domain,
                domain_ascii=domain_ascii,
                expires=_as_date(values.get("expires")),
                registered_on=_as_date(values.get("registered_on")),
                status=status,
                raw_status=raw_text,
                auto_renew=values.get("auto_renew"),  # type: ignore[arg-type]
                handle=None if handle is None else str(handle),
                location=location,
            )

    return check_unique(build(), filename)


def _as_date(value: object):
    if isinstance(value, datetime):
        return value.date()
    return value
