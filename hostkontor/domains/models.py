"""Domains with registrar data and ownership history, the TLD price list and registrar imports.

``Domain.name`` is the Unicode (U-label) form, ``name_ascii`` the punycode (A-label) form; both
are derived from each other on save, so rows created elsewhere (e.g. by the contracts form with
only a name) are complete. The auth code is stored encrypted (vault keyring, AES-GCM bound to
the row) and never rendered.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hostkontor.core.upload_jobs import UploadJob
from hostkontor.customers.models import Customer
from hostkontor.domains.parsers.records import InvalidDomain, normalize_domain
from hostkontor.domains.parsers.status import DomainStatus
from hostkontor.imports.mapping import KINDS

MONEY = {"max_digits": 12, "decimal_places": 2}
AUTH_CODE_AAD_TABLE = "domains_domain"
FINDING_KINDS = (
    "missing_in_hostkontor",
    "missing_at_registrar",
    "expiry_mismatch",
    "status_mismatch",
    "unbilled",
    "ended_but_renewing",
)


class Status(models.TextChoices):
    ACTIVE = DomainStatus.ACTIVE.value, pgettext_lazy("domain status", "active")
    TRANSFER_IN = DomainStatus.TRANSFER_IN.value, pgettext_lazy("domain status", "transfer in")
    TRANSFER_OUT = DomainStatus.TRANSFER_OUT.value, pgettext_lazy("domain status", "transfer out")
    EXPIRED = DomainStatus.EXPIRED.value, pgettext_lazy("domain status", "expired")
    REDEMPTION = DomainStatus.REDEMPTION.value, pgettext_lazy("domain status", "redemption period")
    DELETED = DomainStatus.DELETED.value, pgettext_lazy("domain status", "deleted")
    PENDING = DomainStatus.PENDING.value, pgettext_lazy("domain status", "pending")
    UNKNOWN = DomainStatus.UNKNOWN.value, pgettext_lazy("domain status", "unknown")


def split_name(name: str) -> tuple[str, str, str]:
    """``"Müller.DE"`` -> ``("müller.de", "xn--mller-kva.de", "de")`` (raises InvalidDomain)."""
    unicode_name, ascii_name = normalize_domain(name)
    return unicode_name, ascii_name, unicode_name.rsplit(".", 1)[-1]


class Domain(models.Model):
    """A domain name, held for its current customer (history in DomainOwnership)."""

    name = models.CharField(_("domain"), max_length=253, unique=True)
    name_ascii = models.CharField(_("domain (punycode)"), max_length=253, unique=True)
    tld = models.CharField(_("TLD"), max_length=63, db_index=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="domains")
    registrar = models.CharField(_("registrar"), max_length=64, blank=True, db_index=True)
    handle = models.CharField(_("registrar handle / ROID"), max_length=100, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    expires = models.DateField(_("expires / paid until at the registrar"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    auto_renew = models.BooleanField(_("auto-renew"), default=True)
    nameservers = models.JSONField(_("nameservers"), default=list, blank=True)
    auth_code_token = models.TextField(editable=False, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Findings of the latest registrar import that covered the domain (comma-separated kinds).
    issues = models.CharField(max_length=200, blank=True, default="")
    issues_registrar = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        indexes = [models.Index(fields=["expires"]), models.Index(fields=["customer", "name"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        try:
            self.name, self.name_ascii, self.tld = split_name(self.name)
        except InvalidDomain:
            self.name = self.name.strip().rstrip(".").lower()
            self.name_ascii = self.name_ascii or self.name
            self.tld = self.tld or self.name.rsplit(".", 1)[-1]
        self.registrar = (self.registrar or "").strip().casefold()
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name", "name_ascii", "tld"}
        super().save(*args, **kwargs)

    @property
    def is_idn(self) -> bool:
        return self.name != self.name_ascii

    @property
    def has_auth_code(self) -> bool:
        return bool(self.auth_code_token)

    @property
    def issue_list(self) -> list[str]:
        return [kind for kind in self.issues.split(",") if kind]


class DomainOwnership(models.Model):
    """The customer held the domain from ``valid_from`` to ``valid_to`` (inclusive; open: now)."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="domain_ownerships"
    )
    valid_from = models.DateField(pgettext_lazy("ownership", "from"))
    valid_to = models.DateField(pgettext_lazy("ownership", "until"), null=True, blank=True)

    class Meta:
        ordering = ["domain", "valid_from", "id"]
        verbose_name = _("domain ownership")
        verbose_name_plural = _("domain ownerships")
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(valid_to__isnull=True),
                name="domainownership_one_open_per_domain",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="domainownership_to_after_from",
            ),
        ]
        indexes = [models.Index(fields=["customer", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.customer_id} {self.valid_from}–{self.valid_to or ''}"


class TldPrice(models.Model):
    """Sale price and registrar cost per year of a TLD from ``valid_from`` on.

    ``registrar`` empty = the price for every registrar without its own entry.
    """

    tld = models.CharField(_("TLD"), max_length=63)
    registrar = models.CharField(_("registrar"), max_length=64, blank=True)
    sale_price_year = models.DecimalField(_("sale price per year"), **MONEY)
    cost_year = models.DecimalField(_("registrar cost per year"), **MONEY)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["tld", "registrar", "-valid_from"]
        verbose_name = _("TLD price")
        verbose_name_plural = _("TLD prices")
        constraints = [
            models.UniqueConstraint(
                fields=["tld", "registrar", "valid_from"], name="tldprice_unique_from"
            ),
            models.CheckConstraint(
                condition=Q(sale_price_year__gte=0) & Q(cost_year__gte=0),
                name="tldprice_not_negative",
            ),
        ]

    def __str__(self) -> str:
        where = f" ({self.registrar})" if self.registrar else ""
        return f".{self.tld}{where} {self.sale_price_year}/{self.cost_year} ab {self.valid_from}"

    @property
    def margin(self) -> Decimal:
        return self.sale_price_year - self.cost_year


class RegistrarMapping(models.Model):
    """A user-defined registrar list format (TOML, see docs/imports.md)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=[(k, k.upper()) for k in KINDS])
    toml = models.TextField(_("mapping (TOML)"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("registrar mapping")
        verbose_name_plural = _("registrar mappings")

    def __str__(self) -> str:
        return self.name


class Registrar(models.Model):
    """Per-registrar settings: default format or mapping, and the auto-apply rule."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    mapping = models.ForeignKey(
        RegistrarMapping,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrars",
        verbose_name=_("mapping"),
    )
    auto_apply_safe = models.BooleanField(
        _("apply safe differences automatically"),
        default=False,
        help_text=_("Expiry dates of domains held at this registrar are taken over on import."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("registrar")
        verbose_name_plural = _("registrars")

    def __str__(self) -> str:
        return self.name


class RegistrarImport(models.Model):
    """One imported registrar list: the file, who and when, the reconciliation and actions.

    ``data`` is the uploaded file encrypted with the vault keyring (registrar exports may
    contain auth codes; see ``reconciliation.registrar_import_file``).
    ``result`` is the reconciliation as the command prints it (ignored findings removed);
    ``registrar_data`` holds the registrar's values for every domain with a finding (for
    the actions), ``applied`` every action taken: ``{kind, domain, action, by, at, detail}``.
    """

    class Apply(models.TextChoices):
        NONE = "none", pgettext_lazy("apply", "none")
        SAFE = "safe", _("safe differences")

    registrar = models.CharField(_("registrar"), max_length=64, db_index=True)
    format = models.CharField(_("format"), max_length=20, blank=True)
    mapping = models.ForeignKey(
        RegistrarMapping,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
        verbose_name=_("mapping"),
    )
    mapping_toml = models.TextField(blank=True)
    filename = models.CharField(_("file"), max_length=255)
    data = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    apply = models.CharField(max_length=10, choices=Apply.choices, default=Apply.NONE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    records = models.PositiveIntegerField(_("records"), default=0)
    result = models.JSONField(default=dict)
    registrar_data = models.JSONField(default=dict)
    ignored = models.JSONField(default=list)
    applied = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("registrar import")
        verbose_name_plural = _("registrar imports")
        permissions = [("import_registrar", _("Can import registrar lists"))]

    def __str__(self) -> str:
        return f"{self.registrar} {self.filename}"

    @property
    def finding_count(self) -> int:
        return sum(len(self.result.get(kind, [])) for kind in FINDING_KINDS)


class ReconciliationIgnore(models.Model):
    """A finding the user decided to ignore; later imports of the registrar leave it out."""

    registrar = models.CharField(_("registrar"), max_length=64)
    domain = models.CharField(_("domain"), max_length=253)
    kind = models.CharField(_("kind"), max_length=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["registrar", "domain", "kind"]
        verbose_name = _("ignored difference")
        verbose_name_plural = _("ignored differences")
        constraints = [
            models.UniqueConstraint(
                fields=["registrar", "domain", "kind"], name="reconciliationignore_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registrar}: {self.domain} {self.kind}"


class RegistrarUpload(UploadJob):
    """A registrar list uploaded in the web, waiting for or handled by the worker.

    The request only stores the file (encrypted, in chunks: ``uploads.stage_file``) at
    ``path`` in the default storage; the worker parses and reconciles it and links the
    resulting ``registrar_import``, or keeps the error (file, line, field) and applies
    nothing. The staged file is deleted when the job ends.
    """

    registrar = models.CharField(_("registrar"), max_length=64)
    format = models.CharField(_("format"), max_length=20, blank=True)
    mapping = models.ForeignKey(
        RegistrarMapping, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    apply = models.CharField(max_length=10, blank=True)
    allow_empty = models.BooleanField(default=False)
    records = models.PositiveIntegerField(_("records"), default=0)
    registrar_import = models.ForeignKey(
        RegistrarImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(UploadJob.Meta):
        verbose_name = _("registrar upload")
        verbose_name_plural = _("registrar uploads")

    def __str__(self) -> str:
        return f"{self.registrar} {self.filename} ({self.status})"
