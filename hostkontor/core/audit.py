"""Writing the audit trail. Services call :func:`audit_record` inside their transaction."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .models import AuditEvent


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def diff_fields(
    before: Mapping[str, Any], after: Mapping[str, Any], fields: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """Fields whose displayed value changed, as ``{field: [old, new]}``."""
    keys = list(fields) if fields is not None else sorted(set(before) | set(after))
    changes = {}
    for key in keys:
        old, new = _display(before.get(key)), _display(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: Mapping[str, Any] | None = None,
    customer_id: int | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record one state change. ``actor`` may be None for the system (scheduler, imports)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=(user.get_username() if user else "system"),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        customer_id=customer_id,
        changes=dict(changes or {}),
        ip_address=ip_address,
    )
