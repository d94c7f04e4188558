"""Usage services: importing usage data, subject mappings, import formats, components, holds.

Every function is atomic and writes an audit event.
"""

from __future__ import annotations

import gc
import hashlib
from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hostkontor.core.audit import audit_record
from hostkontor.core.errors import FieldErrors

from .evaluation import ONE_DAY, contract_periods, day_start, evaluate, period_span
from .importing import Row, UsageFormat, load_usage_format, read_rows, write_rows
from .models import SubjectMapping, UsageComponent, UsageImport, UsageMapping, UsagePeriodHold

__all__ = [
    "component_save",
    "hold_confirm",
    "subject_mapping_delete",
    "subject_mapping_save",
    "usage_import",
    "usage_mapping_delete",
    "usage_mapping_save",
]


# -------------------------------------------------------------------------------- importing


@dataclass(frozen=True)
class _Match:
    """A subject mapping with its component's periods, for "periods changed"."""

    mapping: SubjectMapping
    start: datetime | None
    end: datetime | None
    period_starts: list[datetime]
    period_ends: list[datetime]
    periods: list


def usage_import(
    *,
    actor,
    data: bytes,
    filename: str,
    format: str | None = None,
    mapping: UsageMapping | UsageFormat | str | None = None,
) -> UsageImport:
    """Import one usage export, all or nothing, idempotently.

    ``format`` names a built-in parser (vnstat, mrtg, rrd, apache); ``mapping`` is a stored
    :class:`UsageMapping`, a :class:`UsageFormat` or TOML text. The whole file is parsed first:
    a bad file raises ``UsageFormatError``/``ImportFormatError`` (file, line, field) or
    ``MappingError`` and nothing is saved. Records whose unique key is already stored count as
    duplicates (or as updated when the quantity changed).
    """
    mapping_row = mapping if isinstance(mapping, UsageMapping) else None
    if isinstance(mapping, UsageMapping):
        usage_format = load_usage_format(mapping.toml)
    elif isinstance(mapping, str):
        usage_format = load_usage_format(mapping)
    else:
        usage_format = mapping
    with _gc_paused(len(data) > GC_PAUSE_BYTES):
        return _import(actor, data, filename, format, usage_format, mapping_row)


GC_PAUSE_BYTES = 4 * 1024 * 1024


@contextmanager
def _gc_paused(pause: bool):
    """Large files create millions of short-lived acyclic objects (rows, keys); the cyclic
    collector would rescan all of them again and again (half the import time at 1M rows)."""
    enabled = gc.isenabled()
    if pause and enabled:
        gc.disable()
    try:
        yield
    finally:
        if pause and enabled:
            gc.enable()


def _import(actor, data, filename, format, usage_format, mapping_row) -> UsageImport:
    rows = read_rows(data, filename, format=format, usage_format=usage_format)
    with transaction.atomic():
        record = UsageImport.objects.create(
            filename=filename[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            format=format or "",
            mapping=mapping_row,
            mapping_name=(usage_format.name or "custom") if usage_format else "",
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            records_read=len(rows),
        )
        result = write_rows(rows, record.pk)
        unmatched, changed = _matching(rows, result.new + result.updated)
        record.records_new = len(result.new)
        record.records_duplicate = result.duplicate
        record.records_updated = len(result.updated)
        record.unmatched_subjects = unmatched
        record.periods_changed = [_period_json(component, period) for component, period in changed]
        record.save(
            update_fields=[
                "records_new",
                "records_duplicate",
                "records_updated",
                "unmatched_subjects",
                "periods_changed",
            ]
        )
        _refresh_holds(changed)
        audit_record(
            actor=actor,
            action="usage.imported",
            obj=record,
            changes={
                "records": ["", str(len(rows))],
                "new": ["", str(record.records_new)],
                "duplicate": ["", str(record.records_duplicate)],
                "updated": ["", str(record.records_updated)],
            },
        )
    return record


def _period_json(component: UsageComponent, period) -> dict[str, Any]:
    return {
        "component_id": component.pk,
        "component": component.name,
        "contract": component.contract.reference,
        "customer_id": component.contract.customer_id,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
    }


def _matching(
    rows: list[Row], written: list[Row]
) -> tuple[list[str], list[tuple[UsageComponent, Any]]]:
    """Subject keys of the file no mapping covers, and the (component, period) pairs whose
    records changed. One query for the mappings (with component and contract)."""
    spans: dict[tuple[str, str], list[datetime]] = {}
    for row in rows:
        span = spans.get((row.subject, row.source))
        if span is None:
            spans[(row.subject, row.source)] = [row.start, row.start]
        elif row.start < span[0]:
            span[0] = row.start
        elif row.start > span[1]:
            span[1] = row.start
    subjects = sorted({subject for subject, _ in spans})
    mappings: dict[str, list[SubjectMapping]] = defaultdict(list)
    for chunk_start in range(0, len(subjects), 500):
        for mapping in SubjectMapping.objects.filter(
            subject_key__in=subjects[chunk_start : chunk_start + 500]
        ).select_related("component__contract"):
            mappings[mapping.subject_key].append(mapping)

    def window(mapping: SubjectMapping) -> tuple[datetime | None, datetime | None]:
        return (
            day_start(mapping.valid_from) if mapping.valid_from else None,
            day_start(mapping.valid_to + ONE_DAY) if mapping.valid_to else None,
        )

    unmatched = set()
    for (subject, source), (first, last) in spans.items():
        ok = False
        for mapping in mappings.get(subject, ()):
            lo, hi = window(mapping)
            if (
                (not mapping.source or mapping.source == source)
                and (lo is None or last >= lo)
                and (hi is None or first < hi)
            ):
                ok = True
                break
        if not ok:
            unmatched.add(subject)

    today = timezone.localdate()
    latest: dict[str, datetime] = {}
    for (subject, _source), (_first, last) in spans.items():
        if subject not in latest or last > latest[subject]:
            latest[subject] = last
    matches: dict[str, list[_Match]] = {}
    for subject, subject_mappings in mappings.items():
        items = []
        for mapping in subject_mappings:
            component = mapping.component
            until = (
                max(today, timezone.localtime(latest[subject]).date())
                if subject in latest
                else today
            )
            # periods an earlier system billed count too: their records did change
            periods = contract_periods(component, until=until, with_prior=True)
            bounds = [period_span(p) for p in periods]
            lo, hi = window(mapping)
            items.append(
                _Match(mapping, lo, hi, [b[0] for b in bounds], [b[1] for b in bounds], periods)
            )
        matches[subject] = items

    changed: dict[tuple[int, date], tuple[UsageComponent, Any]] = {}
    for row in written:
        for match in matches.get(row.subject, ()):
            mapping = match.mapping
            if mapping.source and mapping.source != row.source:
                continue
            if row.metric not in mapping.component.record_metrics:
                continue
            if (match.start is not None and row.start < match.start) or (
                match.end is not None and row.start >= match.end
            ):
                continue
            index = bisect_right(match.period_starts, row.start) - 1
            if index < 0 or row.start >= match.period_ends[index]:
                continue
            period = match.periods[index]
            changed.setdefault((mapping.component_id, period.start), (mapping.component, period))
    ordered = sorted(
        changed.values(), key=lambda cp: (cp[0].contract.reference, cp[0].name, cp[1].start)
    )
    return sorted(unmatched), ordered


def _refresh_holds(changed: list[tuple[UsageComponent, Any]]) -> None:
    """Flag ended periods that (still) have gaps; mark open holds whose gaps are filled."""
    today = timezone.localdate()
    ended: dict[int, list] = defaultdict(list)
    components: dict[int, UsageComponent] = {}
    for component, period in changed:
        billed_until = component.contract.billed_until
        if billed_until is not None and period.end <= billed_until:
            continue  # an earlier system billed it: nothing to hold back
        if component.sample_interval and period.end < today:
            ended[component.pk].append(period)
            components[component.pk] = component
    if not ended:
        return
    from .billing import record_period_holds

    results = evaluate(list(components.values()), ended)
    held = [r for r in results if r.billed is None and r.held]
    record_period_holds(held)
    filled = [
        r.hold.pk
        for r in results
        if r.hold is not None and r.hold.status == UsagePeriodHold.Status.OPEN and not r.has_gaps
    ]
    if filled:
        UsagePeriodHold.objects.filter(pk__in=filled).update(status=UsagePeriodHold.Status.FILLED)


# ------------------------------------------------------------------------------------ holds


@transaction.atomic
def hold_confirm(
    *, actor, component: UsageComponent, period_start: date, period_end: date
) -> UsagePeriodHold:
    """Release a period with gaps for billing as measured (creates the hold if the gap was only
    seen on the page so far)."""
    hold, _ = UsagePeriodHold.objects.select_for_update().get_or_create(
        component=component, period_start=period_start, defaults={"period_end": period_end}
    )
    before = hold.status
    hold.status = UsagePeriodHold.Status.CONFIRMED
    hold.confirmed_by = actor if getattr(actor, "is_authenticated", False) else None
    hold.confirmed_at = timezone.now()
    hold.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        action="usage.hold_confirmed",
        obj=hold,
        customer_id=component.contract.customer_id,
        changes={"status": [before, hold.status], "period": ["", f"{period_start} – {period_end}"]},
    )
    return hold


# ------------------------------------------------------------------------- subject mappings


def _mapping_errors(values: dict) -> dict[str, str]:
    errors = {}
    if not (values.get("subject_key") or "").strip():
        errors["subject_key"] = "required"
    lo, hi = values.get("valid_from"), values.get("valid_to")
    if lo and hi and hi < lo:
        errors["valid_to"] = "must not be before valid from"
    return errors


@transaction.atomic
def subject_mapping_save(
    *, actor, values: dict, mapping: SubjectMapping | None = None
) -> SubjectMapping:
    """Create or change a subject mapping. ``values``: subject_key, source, component,
    valid_from, valid_to. Overlapping validity of the same subject (and source) is refused."""
    errors = _mapping_errors(values)
    if errors:
        raise FieldErrors(errors)
    subject = values["subject_key"].strip()
    source = (values.get("source") or "").strip()
    lo, hi = values.get("valid_from"), values.get("valid_to")
    others = SubjectMapping.objects.filter(subject_key=subject).exclude(
        pk=getattr(mapping, "pk", None)
    )
    for other in others:
        if other.source and source and other.source != source:
            continue
        if (hi is None or other.valid_from is None or other.valid_from <= hi) and (
            lo is None or other.valid_to is None or other.valid_to >= lo
        ):
            raise FieldErrors(
                {
                    "valid_from": f"overlaps the mapping of {subject!r} to {other.component} ({other.valid_from or '…'} – {other.valid_to or '…'})"
                }
            )
    created = mapping is None
    mapping = mapping or SubjectMapping()
    before = {
        f: str(getattr(mapping, f, "") or "")
        for f in ("subject_key", "source", "component_id", "valid_from", "valid_to")
    }
    mapping.subject_key = subject
    mapping.source = source
    mapping.component = values["component"]
    mapping.valid_from = lo
    mapping.valid_to = hi
    mapping.save()
    after = {f: str(getattr(mapping, f, "") or "") for f in before}
    audit_record(
        actor=actor,
        action="usage.subject_mapping_created" if created else "usage.subject_mapping_changed",
        obj=mapping,
        customer_id=mapping.component.contract.customer_id,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return mapping


@transaction.atomic
def subject_mapping_delete(*, actor, mapping: SubjectMapping) -> None:
    customer_id = mapping.component.contract.customer_id
    audit_record(
        actor=actor, action="usage.subject_mapping_deleted", obj=mapping, customer_id=customer_id
    )
    mapping.delete()


# --------------------------------------------------------------------------- import formats


@transaction.atomic
def usage_mapping_save(
    *, actor, name: str, toml: str, mapping: UsageMapping | None = None
) -> UsageMapping:
    """Store a user-defined import format after validating it (``MappingError``)."""
    load_usage_format(toml)
    name = name.strip()
    if not name:
        raise FieldErrors({"name": "required"})
    if UsageMapping.objects.filter(name=name).exclude(pk=getattr(mapping, "pk", None)).exists():
        raise FieldErrors({"name": "an import format with this name exists"})
    created = mapping is None
    mapping = mapping or UsageMapping()
    mapping.name = name
    mapping.toml = toml
    mapping.save()
    audit_record(
        actor=actor,
        action="usage.mapping_created" if created else "usage.mapping_changed",
        obj=mapping,
        changes={"name": ["", name]},
    )
    return mapping


@transaction.atomic
def usage_mapping_delete(*, actor, mapping: UsageMapping) -> None:
    audit_record(actor=actor, action="usage.mapping_deleted", obj=mapping)
    mapping.delete()


# ------------------------------------------------------------------------------- components

COMPONENT_FIELDS = (
    "name",
    "metric",
    "unit",
    "included",
    "unit_price",
    "tiers",
    "tier_mode",
    "rounding_step",
    "rounding",
    "byte_base",
    "direction",
    "aggregation",
    "sample_interval",
    "billed_from",
)


@transaction.atomic
def component_save(
    *, actor, contract, values: dict, component: UsageComponent | None = None
) -> UsageComponent:
    """Create or change a usage component; the pricing is validated by the metering core."""
    from .evaluation import pure_component

    created = component is None
    component = component or UsageComponent(contract=contract)
    before = {f: str(getattr(component, f, "")) for f in COMPONENT_FIELDS}
    for name in COMPONENT_FIELDS:
        if name in values:
            setattr(component, name, values[name])
    if component.tiers:
        component.unit_price = None
    try:
        pure_component(component)
    except (ValueError, TypeError, ArithmeticError, KeyError) as error:
        raise FieldErrors({"__all__": str(error)}) from None
    component.save()
    after = {f: str(getattr(component, f, "")) for f in COMPONENT_FIELDS}
    audit_record(
        actor=actor,
        action="usage.component_created" if created else "usage.component_changed",
        obj=component,
        customer_id=contract.customer_id,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return component
