"""Writing vault entries and revealing their passwords. Every change and every reveal is
audited; passwords travel as :class:`~hostkontor.vault.crypto.Secret` and never reach the
audit trail, logs or exception reports (``sensitive_variables``)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from hostkontor.core.audit import audit_record, diff_fields, snapshot
from hostkontor.core.errors import FieldErrors

from .crypto import Secret
from .models import DEFAULT_PORTS, ServiceType, TlsMode, VaultEntry, VaultPasswordHistory
from .rotation import seal, unseal

PASSWORD_CHANGED = "(changed)"


@dataclass
class EntryData:
    """The metadata of an entry, as forms and imports hand it over (no password)."""

    service_type: str
    host: str
    label: str = ""
    port: int | None = None
    username: str = ""
    tls_mode: str = TlsMode.NONE
    notes: str = ""
    tags: str = ""
    contract: object = None
    domain: object = None


ENTRY_FIELDS = [f.name for f in fields(EntryData)]
# Where the entry points: the function checks connect there and send the password, so
# changing these is a technical decision (permission vault.change_entry_target).
TARGET_FIELDS = ["service_type", "host", "port", "tls_mode"]
TARGET_PERMISSION = "vault.change_entry_target"


def may_change_target(actor) -> bool:
    """The system (imports, commands: actor None) and users with the permission may."""
    return actor is None or actor.has_perm(TARGET_PERMISSION)


def _clean(customer, data: EntryData) -> EntryData:
    errors: dict[str, str] = {}
    data.host = (data.host or "").strip()
    data.label = (data.label or "").strip()
    data.username = (data.username or "").strip()
    data.tags = ", ".join(t.strip() for t in (data.tags or "").split(",") if t.strip())
    if data.service_type not in ServiceType.values:
        errors["service_type"] = _("unknown service type")
    if data.tls_mode not in TlsMode.values:
        errors["tls_mode"] = _("unknown TLS mode")
    if not data.host:
        errors["host"] = _("is required")
    elif any(c.isspace() for c in data.host):
        errors["host"] = _("must not contain spaces")
    if data.port is not None and not 0 < data.port < 65536:
        errors["port"] = _("must be between 1 and 65535")
    known = {(t, m) for t, m in DEFAULT_PORTS}
    if (
        "service_type" not in errors
        and data.service_type != ServiceType.OTHER
        and (data.service_type, data.tls_mode) not in known
    ):
        errors["tls_mode"] = _("this TLS mode is not available for the service type")
    for name in ("contract", "domain"):
        related = getattr(data, name)
        if related is not None and related.customer_id != customer.pk:
            errors[name] = _("belongs to another customer")
    if errors:
        raise FieldErrors(errors)
    return data


def _apply(entry: VaultEntry, data: EntryData) -> None:
    for name in ENTRY_FIELDS:
        setattr(entry, name, getattr(data, name))


def _snapshot(entry: VaultEntry) -> dict:
    return snapshot(entry, ENTRY_FIELDS)


@transaction.atomic
@sensitive_variables("password")
def entry_create(
    *, actor, customer, data: EntryData, password: Secret | None = None, ip_address=None
) -> VaultEntry:
    data = _clean(customer, data)
    entry = VaultEntry(customer=customer)
    _apply(entry, data)
    entry.save()  # the pk first: the token is bound to it
    changes = diff_fields({}, _snapshot(entry))
    if password:
        entry.password_ciphertext = seal(entry, "password_ciphertext", Secret(password))
        entry.password_changed_at = timezone.now()
        entry.save(update_fields=["password_ciphertext", "password_changed_at"])
        changes["password"] = ["", PASSWORD_CHANGED]
    audit_record(
        actor=actor,
        action="vault.entry_created",
        obj=entry,
        customer_id=customer.pk,
        changes=changes,
        ip_address=ip_address,
    )
    return entry


@transaction.atomic
@sensitive_variables("password", "old", "new_password")
def entry_update(
    *,
    actor,
    entry: VaultEntry,
    data: EntryData,
    password: Secret | None = None,
    clear_password: bool = False,
    ip_address=None,
) -> VaultEntry:
    """Save metadata; a new ``password`` (or ``clear_password``) moves the old one,
    still encrypted, into the history. ``password=None`` keeps it unchanged."""
    entry = VaultEntry.objects.select_for_update().get(pk=entry.pk)
    data = _clean(entry.customer, data)
    before = _snapshot(entry)
    _apply(entry, data)
    changes = diff_fields(before, _snapshot(entry))
    if set(changes) & set(TARGET_FIELDS) and not may_change_target(actor):
        raise PermissionDenied(
            _("You may not change the service type, host, port or TLS mode of an entry.")
        )
    new_password = Secret(password) if password else None
    if new_password is not None or (clear_password and entry.password_ciphertext):
        old = unseal(entry, "password_ciphertext")
        if new_password is not None and old is not None and old == new_password:
            new_password = None  # same password again: nothing changes
        else:
            if old is not None:
                item = VaultPasswordHistory.objects.create(
                    entry=entry, replaced_by=actor if getattr(actor, "pk", None) else None
                )
                item.password_ciphertext = seal(item, "password_ciphertext", old)
                item.save(update_fields=["password_ciphertext"])
            entry.password_ciphertext = (
                seal(entry, "password_ciphertext", new_password) if new_password else ""
            )
            entry.password_changed_at = timezone.now()
            changes["password"] = ["", PASSWORD_CHANGED if new_password else "(cleared)"]
    if changes:
        entry.save()
        audit_record(
            actor=actor,
            action="vault.entry_updated",
            obj=entry,
            customer_id=entry.customer_id,
            changes=changes,
            ip_address=ip_address,
        )
    return entry


@transaction.atomic
def entry_delete(*, actor, entry: VaultEntry, ip_address=None) -> None:
    audit_record(
        actor=actor,
        action="vault.entry_deleted",
        obj=entry,
        customer_id=entry.customer_id,
        changes=diff_fields(_snapshot(entry), {}),
        ip_address=ip_address,
    )
    entry.delete()


def entry_secret(entry: VaultEntry) -> Secret | None:
    """The entry's password for internal use (function checks, sheets): not audited here,
    the caller audits what it does with it. Raises loudly on a wrong/missing key."""
    return unseal(entry, "password_ciphertext")


def _require_reveal(actor) -> None:
    if actor is None or not actor.has_perm("vault.reveal_secret"):
        raise PermissionDenied(_("You may not reveal passwords."))


@transaction.atomic
def entry_reveal(*, actor, entry: VaultEntry, ip_address=None) -> Secret | None:
    """The password of ``entry`` for ``actor`` (permission ``vault.reveal_secret``).

    Audited as ``vault.revealed`` (who, when, which entry, from where) before the value is
    decrypted, so a reveal is never unrecorded. ``None`` when the entry has no password.
    """
    _require_reveal(actor)
    audit_record(
        actor=actor,
        action="vault.revealed",
        obj=entry,
        customer_id=entry.customer_id,
        changes={"entry": ["", entry.display_name]},
        ip_address=ip_address,
    )
    return entry_secret(entry)


@transaction.atomic
def history_reveal(*, actor, item: VaultPasswordHistory, ip_address=None) -> Secret | None:
    _require_reveal(actor)
    entry = item.entry
    audit_record(
        actor=actor,
        action="vault.history_revealed",
        obj=entry,
        customer_id=entry.customer_id,
        changes={"entry": ["", entry.display_name], "replaced_at": ["", str(item.replaced_at)]},
        ip_address=ip_address,
    )
    return unseal(item, "password_ciphertext")
