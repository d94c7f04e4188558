"""The audit trail. Services call :func:`audit_record` inside their transaction; pages read it
through :func:`history_visibility` and :func:`history_redact`."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.apps import apps as global_apps
from django.db import models
from django.db.models import Q

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
    event = audit_event(
        actor=actor,
        action=action,
        obj=obj,
        changes=changes,
        customer_id=customer_id,
        ip_address=ip_address,
    )
    event.save(force_insert=True)
    return event


def audit_event(
    *,
    actor,
    action: str,
    obj: models.Model,
    changes: Mapping[str, Any] | None = None,
    customer_id: int | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """The unsaved event :func:`audit_record` writes, for bulk writers (``bulk_create``)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
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


# Reading the trail. A customer's history gathers every app's events; each app's events are
# shown only to users who may see that app, named by the permission of its everyday view.
HISTORY_VIEW_PERMISSIONS: dict[str, str] = {
    "customers": "customers.view_customer",
    "contracts": "contracts.view_contract",
    "billing": "billing.view_invoice",
    "domains": "domains.view_domain",
    "usage": "usage.view_usagerecord",
    "vault": "vault.view_vaultentry",
    "checks": "checks.view_check",
}
# Free text and password markers of vault entries never show in a history, whoever looks.
HIDDEN_HISTORY_FIELDS: dict[str, frozenset[str]] = {
    "vault.vaultentry": frozenset({"notes", "password"}),
}


def history_visibility(user) -> Q:
    """Events ``user`` may read: the object's app must be allowed (unknown apps never are),
    and an action named after an app (``vault.sheet_sent`` on a customer) needs that app too.
    Built from the user's cached permissions: no query of its own."""
    allowed = [label for label, perm in HISTORY_VIEW_PERMISSIONS.items() if user.has_perm(perm)]
    installed = {config.label: config for config in global_apps.get_app_configs()}
    types = [
        model._meta.label_lower
        for label in allowed
        if label in installed
        for model in installed[label].get_models()
    ]
    visible = Q(object_type__in=types)
    for label in sorted(HISTORY_VIEW_PERMISSIONS.keys() - set(allowed)):
        visible &= ~Q(action__startswith=f"{label}.")
    return visible


def history_redact(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """Drop the hidden fields from the events' changes, and events that changed nothing else."""
    shown = []
    for event in events:
        hidden = HIDDEN_HISTORY_FIELDS.get(event.object_type)
        if hidden and event.changes:
            changes = {k: v for k, v in event.changes.items() if k not in hidden}
            if not changes:
                continue
            event.changes = changes
        shown.append(event)
    return shown
