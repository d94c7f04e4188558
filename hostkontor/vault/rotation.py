"""Encrypted model fields: sealing/unsealing values bound to their row, and key rotation.

Every text field that holds a vault token is registered once (an app's ``AppConfig.ready``)::

    from hostkontor.vault.rotation import register_ciphertext_field
    register_ciphertext_field(Domain, "auth_code_ciphertext")

The associated data of a token is ``aad_for(table, pk, field)`` (table defaults to the
model's ``db_table``), so :func:`seal`/:func:`unseal` and :func:`rotate_all` agree on it.
``python manage.py rotate_vault_keys`` then re-encrypts every registered field.

Rotation runs without downtime: rows are read in primary-key batches and each row is
rewritten in its own short transaction with a compare-and-swap on the old token, so a
password changed by a user in the meantime is never overwritten with a stale value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction

from .crypto import Keyring, Secret, VaultError, aad_for
from .keys import get_keyring

__all__ = [
    "CiphertextField",
    "RotationReport",
    "register_ciphertext_field",
    "register_rotation_hook",
    "registered_fields",
    "rotate_all",
    "seal",
    "unseal",
]


@dataclass(frozen=True)
class CiphertextField:
    model: type[models.Model]
    field: str
    table: str
    aad_field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    def aad(self, pk) -> str:
        return aad_for(self.table, pk, self.aad_field)


_fields: dict[str, CiphertextField] = {}
_hooks: dict[str, Callable] = {}


def register_ciphertext_field(
    model: type[models.Model], field: str, table: str | None = None, *, aad_field: str | None = None
) -> CiphertextField:
    """Declare that ``model.field`` holds vault tokens bound to ``table:pk:aad_field``."""
    model._meta.get_field(field)  # fail early on typos
    entry = CiphertextField(model, field, table or model._meta.db_table, aad_field or field)
    _fields[entry.label] = entry
    return entry


def register_rotation_hook(name: str, hook: Callable) -> None:
    """For values that are not one text field per row: ``hook(keyring, batch_size) -> dict``
    of counts (``rotated``, ``current``, ``empty``, ``failed``)."""
    _hooks[name] = hook


def registered_fields() -> list[CiphertextField]:
    return sorted(_fields.values(), key=lambda f: f.label)


def _spec(instance_or_model, field: str) -> CiphertextField:
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    label = f"{model._meta.label}.{field}"
    try:
        return _fields[label]
    except KeyError:
        raise LookupError(f"{label} is not registered with register_ciphertext_field") from None


def seal(instance: models.Model, field: str, value: Secret | str) -> str:
    """The token for ``value`` in ``instance.field`` (the row must have its pk already)."""
    spec = _spec(instance, field)
    return get_keyring().encrypt(value, spec.aad(instance.pk))


def unseal(instance: models.Model, field: str) -> Secret | None:
    """The plain value of ``instance.field`` as a Secret (None when the field is empty).

    Raises VaultDecryptError/VaultKeyMissing loudly: a token is never shown as a value.
    """
    token = getattr(instance, field)
    if not token:
        return None
    spec = _spec(instance, field)
    return get_keyring().decrypt(token, spec.aad(instance.pk))


@dataclass
class RotationReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(c.get("failed", 0) for c in self.counts.values())

    @property
    def rotated(self) -> int:
        return sum(c.get("rotated", 0) for c in self.counts.values())


def _rotate_row(spec: CiphertextField, pk, keyring: Keyring, dry_run: bool) -> str:
    manager = spec.model._default_manager
    for _attempt in range(3):
        token = manager.filter(pk=pk).values_list(spec.field, flat=True).first()
        if not token:
            return "empty"
        if not keyring.needs_rotation(token):
            keyring.decrypt(token, spec.aad(pk))  # still authenticate it
            return "current"
        new_token = keyring.rotate(token, spec.aad(pk))
        if dry_run:
            return "rotated"
        with transaction.atomic():
            updated = manager.filter(pk=pk, **{spec.field: token}).update(**{spec.field: new_token})
        if updated:
            return "rotated"
        # changed in between (a user saved a new password): read again
    raise VaultError("the value kept changing during rotation; run the command again")


def rotate_all(
    *,
    keyring: Keyring | None = None,
    batch_size: int = 500,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RotationReport:
    """Re-encrypt every registered token under the keyring's current key."""
    keyring = keyring or get_keyring()
    report = RotationReport()
    for spec in registered_fields():
        counts = {"rotated": 0, "current": 0, "empty": 0, "failed": 0}
        manager = spec.model._default_manager
        last_pk = None
        while True:
            batch = manager.order_by("pk")
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            pks = list(batch.values_list("pk", flat=True)[:batch_size])
            if not pks:
                break
            for pk in pks:
                try:
                    counts[_rotate_row(spec, pk, keyring, dry_run)] += 1
                except VaultError as error:
                    counts["failed"] += 1
                    report.failures.append(f"{spec.label} pk={pk}: {error}")
            last_pk = pks[-1]
            if progress:
                progress(f"{spec.label}: up to pk {last_pk}: {counts}")
        report.counts[spec.label] = counts
    if not dry_run:
        for name, hook in sorted(_hooks.items()):
            report.counts[name] = dict(hook(keyring, batch_size))
    return report
