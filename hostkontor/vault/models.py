"""Customer passwords, encrypted at rest.

A password is stored only as a vault token (AES-256-GCM, see :mod:`.crypto`) bound to its row
and field: ``aad_for(db_table, pk, "password_ciphertext")``. Rows are inserted first and the
token written right after, in the same transaction, because the binding needs the pk.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hostkontor.customers.models import ContactPerson, Customer


class ServiceType(models.TextChoices):
    POP3 = "pop3", "POP3"
    IMAP = "imap", "IMAP"
    SMTP = "smtp", "SMTP"
    FTP = "ftp", "FTP"
    FTPS = "ftps", "FTPS"
    SFTP = "sftp", "SFTP"
    MYSQL = "mysql", "MySQL/MariaDB"
    SSH = "ssh", "SSH"
    WEB = "web", _("Web/control panel login")
    OTHER = "other", _("Other")


class TlsMode(models.TextChoices):
    NONE = "none", _("none")
    STARTTLS = "starttls", _("STARTTLS / explicit TLS")
    IMPLICIT = "implicit", _("SSL/TLS (implicit)")


# Default port per (service type, TLS mode); None: the service has no usual port.
DEFAULT_PORTS = {
    ("pop3", "none"): 110,
    ("pop3", "starttls"): 110,
    ("pop3", "implicit"): 995,
    ("imap", "none"): 143,
    ("imap", "starttls"): 143,
    ("imap", "implicit"): 993,
    ("smtp", "none"): 587,
    ("smtp", "starttls"): 587,
    ("smtp", "implicit"): 465,
    ("ftp", "none"): 21,
    ("ftp", "starttls"): 21,
    ("ftps", "starttls"): 21,
    ("ftps", "implicit"): 990,
    ("ftps", "none"): 21,
    ("sftp", "none"): 22,
    ("ssh", "none"): 22,
    ("mysql", "none"): 3306,
    ("mysql", "starttls"): 3306,
    ("mysql", "implicit"): 3306,
    ("web", "none"): 80,
    ("web", "implicit"): 443,
    ("web", "starttls"): 443,
}


def default_port(service_type: str, tls_mode: str) -> int | None:
    return DEFAULT_PORTS.get((service_type, tls_mode))


class VaultEntry(models.Model):
    """Access data of one customer account (mailbox, FTP, database, panel login …).

    ``password_ciphertext`` is a vault token, never plain text; read it through
    ``services.entry_reveal`` (audited) or ``services.entry_secret`` (internal use).
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="vault_entries", verbose_name=_("customer")
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vault_entries",
        verbose_name=_("contract"),
    )
    domain = models.ForeignKey(
        "domains.Domain",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vault_entries",
        verbose_name=_("domain"),
    )
    service_type = models.CharField(_("service type"), max_length=10, choices=ServiceType.choices)
    label = models.CharField(_("label"), max_length=200, blank=True)
    host = models.CharField(_("host"), max_length=253)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    username = models.CharField(_("user name"), max_length=255, blank=True)
    password_ciphertext = models.TextField(blank=True, editable=False)
    tls_mode = models.CharField(
        _("TLS mode"), max_length=10, choices=TlsMode.choices, default=TlsMode.NONE
    )
    notes = models.TextField(_("notes"), blank=True)
    tags = models.CharField(_("tags"), max_length=255, blank=True, help_text=_("comma-separated"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    class Meta:
        ordering = ["customer__number", "service_type", "host", "username", "id"]
        verbose_name = _("vault entry")
        verbose_name_plural = _("vault entries")
        permissions = [
            ("reveal_secret", _("Can reveal stored passwords")),
            ("create_sheet", _("Can create and send access-data sheets")),
            ("view_vault_audit", _("Can view the password reveal audit")),
            (
                "change_entry_target",
                _("Can change where an entry points (service type, host, port, TLS mode)"),
            ),
        ]
        indexes = [models.Index(fields=["host"]), models.Index(fields=["service_type"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The entry's label, else ``username@host`` (never the password)."""
        if self.label:
            return self.label
        return f"{self.username}@{self.host}" if self.username else self.host

    @property
    def has_password(self) -> bool:
        return bool(self.password_ciphertext)

    @property
    def effective_port(self) -> int | None:
        return self.port or default_port(self.service_type, self.tls_mode)

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class VaultPasswordHistory(models.Model):
    """A replaced password, still encrypted (bound to this history row)."""

    entry = models.ForeignKey(VaultEntry, on_delete=models.CASCADE, related_name="history")
    password_ciphertext = models.TextField(blank=True, editable=False)
    replaced_at = models.DateTimeField(_("replaced"), auto_now_add=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-replaced_at", "-id"]
        verbose_name = _("old password")
        verbose_name_plural = _("old passwords")

    def __str__(self) -> str:
        return f"{self.entry} ({self.replaced_at:%Y-%m-%d %H:%M})"


class SheetBatch(models.Model):
    """Access-data sheets for many customers at once, made and mailed by a background task.

    The PDF password of each sheet is kept (vault-encrypted) only until the creator views the
    result page once; then it is deleted.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    host = models.CharField(_("host"), max_length=253, blank=True)
    service_type = models.CharField(
        _("service type"), max_length=10, choices=ServiceType.choices, blank=True
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    finished_at = models.DateTimeField(null=True, blank=True)
    passwords_viewed_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("sheet batch")
        verbose_name_plural = _("sheet batches")

    def __str__(self) -> str:
        return f"#{self.pk} {self.host or self.service_type or '*'}"

    @property
    def is_pending(self) -> bool:
        """Queued or running: its page keeps polling."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def has_ended(self) -> bool:
        """Done or failed: the sheets made so far are final, their passwords may be shown."""
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SheetBatchItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    batch = models.ForeignKey(SheetBatch, on_delete=models.CASCADE, related_name="items")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(blank=True)
    entry_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(max_length=300, blank=True)
    # the sheet's PDF password, vault-encrypted, deleted after the creator's first view
    password_ciphertext = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["customer__number", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.customer_id}"
