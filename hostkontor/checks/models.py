"""Function checks of vault entries ("does the customer's mailbox really work?")."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostkontor.vault.models import TlsMode, VaultEntry

# vault service type -> probe kind (probes.KINDS); other types can't be checked
KIND_FOR_SERVICE = {
    "pop3": "pop3",
    "imap": "imap",
    "smtp": "smtp",
    "ftp": "ftp",
    "ftps": "ftp",
    "mysql": "mysql",
    "web": "http",
}


# result category (probes.CATEGORIES, services.CONFIG_ERROR) -> what a user reads
CATEGORY_LABELS = {
    "auth_failed": _("login rejected"),
    "connection_refused": _("connection refused"),
    "timeout": _("no answer (timeout)"),
    "tls_error": _("TLS error"),
    "dns_error": _("host name not found"),
    "protocol_error": _("unexpected answer"),
    "blocked_target": _("blocked: internal address"),
    "config_error": _("configuration error"),
}


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, category))


def probe_tls(service_type: str, tls_mode: str) -> str:
    """The probe's TLS mode for an entry's (service type, TLS mode)."""
    if service_type == "ftps":
        return "starttls" if tls_mode in (TlsMode.NONE, TlsMode.STARTTLS) else "implicit"
    if service_type in ("mysql", "web"):
        return "none" if tls_mode == TlsMode.NONE else "implicit"
    return tls_mode


class Check(models.Model):
    class State(models.TextChoices):
        OK = "ok", _("ok")
        FAILING = "failing", _("failing")
        UNKNOWN = "unknown", _("unknown")

    entry = models.ForeignKey(
        VaultEntry, on_delete=models.CASCADE, related_name="checks", verbose_name=_("entry")
    )
    kind = models.CharField(_("kind"), max_length=10, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    interval_minutes = models.PositiveIntegerField(_("interval (minutes)"), default=15)
    timeout = models.FloatField(_("timeout (seconds)"), default=10.0)
    database = models.CharField(
        _("database"), max_length=64, blank=True, help_text=_("MySQL: optional database to open")
    )
    path = models.CharField(_("path"), max_length=500, default="/", help_text=_("HTTP: path"))
    expected_status = models.PositiveSmallIntegerField(_("expected HTTP status"), default=200)
    min_cert_days = models.PositiveSmallIntegerField(
        _("minimum certificate days left"), null=True, blank=True
    )
    verify_tls = models.BooleanField(_("verify TLS certificate"), default=True)
    last_state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.UNKNOWN
    )
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True, db_index=True)
    last_category = models.CharField(max_length=32, blank=True)
    last_message = models.CharField(max_length=600, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry__customer__number", "entry__host", "id"]
        verbose_name = _("function check")
        verbose_name_plural = _("function checks")
        permissions = [("run_check", _("Can run function checks"))]

    def __str__(self) -> str:
        return f"{self.kind.upper()} {self.entry}"

    def save(self, *args, **kwargs):
        self.kind = KIND_FOR_SERVICE.get(self.entry.service_type, "")
        if self.next_run_at is None and self.enabled:
            self.next_run_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def last_category_label(self) -> str:
        return category_label(self.last_category)


class CheckRun(models.Model):
    check_ref = models.ForeignKey(
        Check, on_delete=models.CASCADE, related_name="runs", db_column="check_id"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ok = models.BooleanField()
    category = models.CharField(max_length=32, blank=True)
    message = models.CharField(max_length=600, blank=True)  # scrubbed by the probes
    latency_ms = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["check_ref", "-at"])]

    def __str__(self) -> str:
        return f"{self.check_ref_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.category}"

    @property
    def category_label(self) -> str:
        return category_label(self.category)
