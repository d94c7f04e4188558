"""Registrar mappings stored in the database: validation, saving, form <-> Mapping.

A mapping is stored as its TOML text (the format of docs/imports.md), validated on save
(``load_mapping`` + the registrar's target fields), so an import never meets a broken one.
"""

from __future__ import annotations

import dataclasses

from django.db import transaction
from django.utils.translation import gettext as _

from hostkontor.core.audit import audit_record, diff_fields
from hostkontor.core.errors import FieldErrors
from hostkontor.imports.errors import MappingError
from hostkontor.imports.mapping import FieldSpec, Mapping, dump_mapping, load_mapping

from .models import RegistrarMapping
from .parsers.mapped import validate_registrar_mapping

# The fields of a registrar list a CSV mapping form offers, with their type.
FORM_TARGETS = [
    ("domain", "str"),
    ("expires", "date"),
    ("registered_on", "date"),
    ("status", "str"),
    ("auto_renew", "bool"),
    ("handle", "str"),
]


def mapping_load(text: str | bytes) -> Mapping:
    """Parse TOML and check it describes a registrar list (raises MappingError)."""
    mapping = load_mapping(text)
    validate_registrar_mapping(mapping)
    return mapping


def parse_value_map(text: str) -> dict[str, str]:
    """``"aktiv=active; gelöscht=deleted"`` -> ``{"aktiv": "active", "gelöscht": "deleted"}``."""
    result: dict[str, str] = {}
    for part in (text or "").replace("\n", ";").split(";"):
        if not part.strip():
            continue
        word, sep, status = part.partition("=")
        if not sep or not word.strip():
            raise MappingError(
                "fields.status.map",
                _("expected word=status, got %(part)r") % {"part": part.strip()},
            )
        result[word.strip()] = status.strip()
    return result


def format_value_map(value_map: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in value_map.items())


def _source(text: str, has_header: bool) -> str | int:
    text = text.strip()
    if not has_header and text.isdigit():
        return int(text) - 1  # the form counts columns from 1
    return text


def mapping_from_csv_form(values: dict) -> Mapping:
    """Build a CSV mapping from the form's cleaned data (raises MappingError)."""
    has_header = bool(values.get("has_header"))
    specs = []
    for target, ftype in FORM_TARGETS:
        column = (values.get(f"{target}_column") or "").strip()
        if not column:
            continue
        kwargs = {}
        if ftype == "date":
            fmt = (values.get(f"{target}_format") or "").strip() or "yyyy-mm-dd"
            kwargs["format"] = fmt
            if any(token in fmt.lower() for token in ("hh", "ss")):
                ftype = "datetime"
        if target == "status" and values.get("status_map"):
            kwargs["value_map"] = parse_value_map(values["status_map"])
        specs.append(
            FieldSpec(
                target=target,
                source=_source(column, has_header),
                type=ftype,
                required=target == "domain",
                **kwargs,
            )
        )
    delimiter = values.get("delimiter") or ","
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    mapping = Mapping(
        kind="csv",
        name=(values.get("name") or "").strip(),
        encoding=(values.get("encoding") or "").strip() or None,
        delimiter=delimiter,
        has_header=has_header,
        skip_lines=int(values.get("skip_lines") or 0),
        fields=tuple(specs),
    )
    validate_registrar_mapping(mapping)
    return mapping


def csv_form_initial(mapping: Mapping) -> dict:
    """The CSV form's initial values for a stored mapping."""
    initial = {
        "name": mapping.name,
        "kind": mapping.kind,
        "encoding": mapping.encoding or "",
        "delimiter": "\\t" if mapping.delimiter == "\t" else mapping.delimiter,
        "has_header": mapping.has_header,
        "skip_lines": mapping.skip_lines,
    }
    for spec in mapping.fields:
        source = spec.source
        if isinstance(source, int):
            source = str(source + 1)
        initial[f"{spec.target}_column"] = "" if source is None else source
        if spec.format:
            initial[f"{spec.target}_format"] = spec.format
        if spec.target == "status" and spec.value_map:
            initial["status_map"] = format_value_map(spec.value_map)
    return initial


def _errors(error: MappingError) -> dict[str, str]:
    return {"toml": str(error)}


@transaction.atomic
def mapping_save(
    *, actor, name: str, toml: str, mapping: RegistrarMapping | None = None
) -> RegistrarMapping:
    """Create or change a stored mapping from its TOML text (validated)."""
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("is required")
    try:
        parsed = mapping_load(toml)
    except MappingError as error:
        errors.update(_errors(error))
        parsed = None
    taken = RegistrarMapping.objects.filter(name__iexact=name)
    if mapping is not None:
        taken = taken.exclude(pk=mapping.pk)
    if name and taken.exists():
        errors["name"] = _("a mapping %(name)s exists") % {"name": name}
    if errors:
        raise FieldErrors(errors)
    if parsed.name != name:  # the TOML carries the name as well (for export/import)
        parsed = dataclasses.replace(parsed, name=name)
    text = dump_mapping(parsed)
    before = {} if mapping is None else {"name": mapping.name, "toml": mapping.toml}
    mapping = mapping or RegistrarMapping()
    mapping.name, mapping.kind, mapping.toml = name, parsed.kind, text
    changes = diff_fields(before, {"name": mapping.name, "toml": mapping.toml})
    if changes:
        mapping.save()
        audit_record(
            actor=actor,
            action="registrar_mapping.saved",
            obj=mapping,
            changes=changes,
        )
    return mapping


@transaction.atomic
def mapping_import(*, actor, toml: str | bytes, name: str = "") -> RegistrarMapping:
    """Create or replace the stored mapping named in the TOML file (``name`` if it has none)."""
    try:
        parsed = mapping_load(toml)
    except MappingError as error:
        raise FieldErrors(_errors(error)) from None
    name = (parsed.name or name or "").strip()
    existing = RegistrarMapping.objects.filter(name__iexact=name).first() if name else None
    return mapping_save(actor=actor, name=name, toml=dump_mapping(parsed), mapping=existing)


@transaction.atomic
def mapping_delete(*, actor, mapping: RegistrarMapping) -> None:
    audit_record(
        actor=actor,
        action="registrar_mapping.deleted",
        obj=mapping,
        changes={"name": [mapping.name, ""]},
    )
    mapping.delete()
