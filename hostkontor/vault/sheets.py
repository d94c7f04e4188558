"""Access-data sheets (Zugangsdaten): a PDF per customer with host, port, user, password and
the client settings of each selected entry, encrypted with AES-256 under a fresh password.

The PDF password is returned to the caller once (as a Secret) and never stored in clear or
mailed: the sender passes it on through another channel (phone, SMS). Creating and sending
are audited (which entries, to whom), never with a password.

Bulk: :func:`sheet_batch_create` picks the customers (e.g. everyone with entries on host X)
and a contact each, a background task (:func:`.tasks.send_sheet_batch`) makes and mails the
sheets, and the creator sees the PDF passwords on the batch page exactly once; until then they
are kept vault-encrypted in :class:`~.models.SheetBatchItem`, afterwards deleted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from hostkontor.billing.mail_signature import mail_signature, profile_details, sender_address
from hostkontor.core.audit import audit_record

from .crypto import Secret, VaultError
from .models import SheetBatch, SheetBatchItem, TlsMode, VaultEntry
from .password_generator import generate_password
from .rotation import seal, unseal
from .services import entry_secret
from .sheet_pdf import encrypt_pdf

logger = logging.getLogger(__name__)

LANGUAGES = ("de", "en")


@dataclass
class Sheet:
    customer: object
    entries: list
    pdf: bytes  # encrypted
    password: Secret
    filename: str


def _security_label(entry: VaultEntry) -> str:
    if entry.service_type in ("sftp", "ssh"):
        return _("SSH (always encrypted)")
    if entry.service_type in ("ftp", "ftps"):
        return {
            TlsMode.NONE: _("none (plain FTP)"),
            TlsMode.STARTTLS: _("explicit TLS (FTPES, AUTH TLS)"),
            TlsMode.IMPLICIT: _("implicit TLS (FTPS)"),
        }[entry.tls_mode]
    if entry.service_type == "mysql":
        return _("TLS required") if entry.tls_mode != TlsMode.NONE else _("none")
    return {
        TlsMode.NONE: _("none"),
        TlsMode.STARTTLS: "STARTTLS",
        TlsMode.IMPLICIT: "SSL/TLS",
    }[entry.tls_mode]


PROTOCOLS = {
    "pop3": "POP3",
    "imap": "IMAP",
    "smtp": "SMTP",
    "ftp": "FTP",
    "ftps": "FTPS",
    "sftp": "SFTP",
    "ssh": "SSH",
    "mysql": "MySQL / MariaDB",
}


def client_settings(entry: VaultEntry) -> list[tuple[str, str]]:
    """What to type into a mail/FTP/database client, in the active language."""
    rows: list[tuple[str, str]] = []
    kind = entry.service_type
    if kind == "web":
        scheme = "http" if entry.tls_mode == TlsMode.NONE else "https"
        port = entry.effective_port
        default = 80 if scheme == "http" else 443
        suffix = f":{port}" if port and port != default else ""
        rows.append((_("Address"), f"{scheme}://{entry.host}{suffix}/"))
        return rows
    if kind == "other":
        return rows
    rows.append((_("Connection security"), _security_label(entry)))
    if kind in ("pop3", "imap"):
        rows.append(
            (
                _("Server type"),
                _("incoming mail server (%(protocol)s)") % {"protocol": PROTOCOLS[kind]},
            )
        )
        rows.append((_("Authentication"), _("normal password")))
    elif kind == "smtp":
        rows.append((_("Server type"), _("outgoing mail server (SMTP)")))
        rows.append((_("Authentication"), _("required: same user name and password")))
    elif kind in ("ftp", "ftps"):
        rows.append((_("Transfer mode"), _("passive")))
    return rows


def _letterhead():
    from hostkontor.billing.models import SellerProfile

    return SellerProfile.current()


def _language(customer) -> str:
    language = (getattr(customer, "language", "") or "de")[:2]
    return language if language in LANGUAGES else "de"


@sensitive_variables()  # the HTML (and every frame of the renderer) holds the passwords
def _render_pdf(customer, rows: list[dict], language: str) -> bytes:
    from weasyprint import HTML

    from hostkontor.billing.rendering import local_files_fetcher

    with translation.override(language):
        html = render_to_string(
            "vault/sheet/sheet.html",
            {
                "seller": _letterhead(),
                "customer": customer,
                "rows": rows,
                "today": timezone.localdate(),
                "language": language,
            },
        )
    return HTML(
        string=html,
        base_url=str(settings.BASE_DIR),
        url_fetcher=local_files_fetcher(),
        media_type="print",
    ).write_pdf()


def sheet_entries(customer, *, entry_ids=None, service_type: str = "", host: str = ""):
    qs = VaultEntry.objects.filter(customer=customer)
    if entry_ids is not None:
        qs = qs.filter(pk__in=list(entry_ids))
    if service_type:
        qs = qs.filter(service_type=service_type)
    if host:
        qs = qs.filter(host__iexact=host)
    return list(qs.order_by("service_type", "host", "username", "id"))


def _require_sheet_permission(actor) -> None:
    if actor is not None and not actor.has_perm("vault.create_sheet"):
        raise PermissionDenied(_("You may not create access-data sheets."))


@sensitive_variables()  # passwords in clear, also in frames below (PDF encryption)
def _build(customer, entries: list[VaultEntry]) -> Sheet:
    if not entries:
        raise ValueError(_("Select at least one entry."))
    language = _language(customer)
    rows = []
    with translation.override(language):
        for entry in entries:
            secret = entry_secret(entry)
            rows.append(
                {
                    "entry": entry,
                    "protocol": PROTOCOLS.get(entry.service_type, entry.get_service_type_display()),
                    "port": entry.effective_port,
                    "password": secret.reveal() if secret else "",
                    "settings": client_settings(entry),
                }
            )
    pdf = _render_pdf(customer, rows, language)
    password = Secret(generate_password(16, symbols=False, readable=True))
    name = (
        slugify(f"zugangsdaten-{customer.number}")
        if language == "de"
        else slugify(f"access-data-{customer.number}")
    )
    return Sheet(customer, entries, encrypt_pdf(pdf, password), password, f"{name}.pdf")


def _entries_audit(entries) -> dict:
    return {"entries": ["", ", ".join(f"#{e.pk} {e.display_name}" for e in entries)]}


@transaction.atomic
def sheet_create(*, actor, customer, entries: list[VaultEntry], ip_address=None) -> Sheet:
    """The encrypted sheet for download; the caller shows ``sheet.password`` once."""
    _require_sheet_permission(actor)
    sheet = _build(customer, entries)
    audit_record(
        actor=actor,
        action="vault.sheet_created",
        obj=customer,
        customer_id=customer.pk,
        changes=_entries_audit(entries),
        ip_address=ip_address,
    )
    return sheet


def _send_mail(sheet: Sheet, email: str) -> None:
    language = _language(sheet.customer)
    with translation.override(language):
        seller = profile_details(_letterhead())
        context = {
            "customer": sheet.customer,
            "seller": _letterhead(),
            "entries": sheet.entries,
            "signature": mail_signature(seller, language),  # § 35a GmbHG: one builder
        }
        subject = render_to_string("vault/sheet/mail_subject.txt", context).strip()
        body = render_to_string("vault/sheet/mail_body.txt", context)
    message = EmailMessage(subject, body, sender_address(seller), [email])
    message.attach(sheet.filename, sheet.pdf, "application/pdf")
    message.send()


@transaction.atomic
def sheet_send(*, actor, customer, entries: list[VaultEntry], contact, ip_address=None) -> Sheet:
    """Mail the encrypted sheet to ``contact`` (a ContactPerson of the customer). The PDF
    password is not in the mail: the caller shows ``sheet.password`` once to the sender."""
    _require_sheet_permission(actor)
    if contact.customer_id != customer.pk:
        raise ValueError(_("The contact belongs to another customer."))
    if not contact.email:
        raise ValueError(_("The contact has no e-mail address."))
    sheet = _build(customer, entries)
    _send_mail(sheet, contact.email)
    changes = _entries_audit(entries)
    changes["recipient"] = ["", f"{contact} <{contact.email}>"]
    audit_record(
        actor=actor,
        action="vault.sheet_sent",
        obj=customer,
        customer_id=customer.pk,
        changes=changes,
        ip_address=ip_address,
    )
    return sheet


# --- bulk --------------------------------------------------------------------------------------


def sheet_contact_for(customer, contacts):
    """The contact a bulk sheet goes to: the first technical contact with an e-mail address,
    else the first management contact, else any contact with an address."""
    with_email = [c for c in contacts if c.email]
    for wanted in ("is_technical", "is_management"):
        for contact in with_email:
            if getattr(contact, wanted):
                return contact
    return with_email[0] if with_email else None


@transaction.atomic
def sheet_batch_create(*, actor, host: str = "", service_type: str = "", ip_address=None):
    """Plan sheets for every customer with entries on ``host`` (and/or of ``service_type``)
    and enqueue the task that makes and mails them (after commit)."""
    from hostkontor.customers.models import Customer

    from .tasks import send_sheet_batch

    _require_sheet_permission(actor)
    host = (host or "").strip()
    if not host and not service_type:
        raise ValueError(_("Choose a host or a service type."))
    entries = VaultEntry.objects.all()
    if host:
        entries = entries.filter(host__iexact=host)
    if service_type:
        entries = entries.filter(service_type=service_type)
    customers = list(
        Customer.objects.filter(pk__in=entries.values("customer_id"))
        .prefetch_related("contacts")
        .order_by("number")
    )
    if not customers:
        raise ValueError(_("No customer has matching entries."))
    batch = SheetBatch.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        host=host,
        service_type=service_type,
        ip_address=ip_address,
    )
    for customer in customers:
        contact = sheet_contact_for(customer, list(customer.contacts.all()))
        SheetBatchItem.objects.create(
            batch=batch,
            customer=customer,
            contact=contact,
            email=contact.email if contact else "",
            status=SheetBatchItem.Status.PENDING if contact else SheetBatchItem.Status.SKIPPED,
            message="" if contact else _("no contact person with an e-mail address"),
        )
    audit_record(
        actor=actor,
        action="vault.sheet_batch_created",
        obj=batch,
        changes={
            "host": ["", host],
            "service_type": ["", service_type],
            "customers": ["", str(len(customers))],
        },
        ip_address=ip_address,
    )
    transaction.on_commit(lambda: send_sheet_batch.enqueue(batch.pk))
    return batch


def sheet_batch_execute(*, batch: SheetBatch) -> dict:
    """Make and mail every pending sheet of the batch; each customer in its own transaction."""
    SheetBatch.objects.filter(pk=batch.pk).update(status=SheetBatch.Status.RUNNING)
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    items = batch.items.select_related("customer", "contact").order_by("id")
    for item in items:
        if item.status != SheetBatchItem.Status.PENDING:
            if item.status == SheetBatchItem.Status.SKIPPED:
                counts["skipped"] += 1
            continue
        entries = sheet_entries(item.customer, service_type=batch.service_type, host=batch.host)
        try:
            with transaction.atomic():
                sheet = sheet_send(
                    actor=batch.created_by,
                    customer=item.customer,
                    entries=entries,
                    contact=item.contact,
                    ip_address=batch.ip_address,
                )
                item.password_ciphertext = seal(item, "password_ciphertext", sheet.password)
                item.entry_count = len(entries)
                item.status = SheetBatchItem.Status.SENT
                item.message = ""
                item.save(update_fields=["password_ciphertext", "entry_count", "status", "message"])
            counts["sent"] += 1
        except (VaultError, ValueError, OSError, PermissionDenied) as error:
            logger.warning(
                "sheet batch %s: customer %s failed: %s",
                batch.pk,
                item.customer_id,
                type(error).__name__,
            )
            SheetBatchItem.objects.filter(pk=item.pk).update(
                status=SheetBatchItem.Status.FAILED, message=str(error)[:300]
            )
            counts["failed"] += 1
    SheetBatch.objects.filter(pk=batch.pk).update(
        status=SheetBatch.Status.DONE, finished_at=timezone.now()
    )
    return counts


@transaction.atomic
def sheet_batch_passwords(*, actor, batch: SheetBatch, ip_address=None):
    """The PDF passwords of a finished batch, for its creator, exactly once: they are
    decrypted, deleted from the database and the view is audited. ``None`` when they were
    shown before (or the batch is not finished)."""
    batch = SheetBatch.objects.select_for_update().get(pk=batch.pk)
    if actor is None or batch.created_by_id != actor.pk:
        raise PermissionDenied(_("Only the creator of the batch sees its passwords."))
    if batch.passwords_viewed_at or not batch.has_ended:
        return None
    items = list(batch.items.select_related("customer", "contact").order_by("customer__number"))
    result = []
    for item in items:
        password = unseal(item, "password_ciphertext") if item.password_ciphertext else None
        result.append((item, password))
    batch.items.update(password_ciphertext="")
    batch.passwords_viewed_at = timezone.now()
    batch.save(update_fields=["passwords_viewed_at"])
    audit_record(
        actor=actor,
        action="vault.sheet_batch_passwords_viewed",
        obj=batch,
        changes={"sheets": ["", str(sum(1 for _i, p in result if p))]},
        ip_address=ip_address,
    )
    return result
