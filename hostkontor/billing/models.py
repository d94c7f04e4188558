"""Invoices, their lines, billing runs, one-off items and the seller's own data.

Money invariants live in the database: a contract period, a setup fee and a one-off item
can each be on at most one line that still bills it (partial unique indexes over
``bills``), and triggers refuse any change to the money and snapshot fields of an issued
invoice and its lines (migration 0002).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hostkontor.contracts.models import Contract
from hostkontor.customers.models import Customer
from hostkontor.customers.tax import TaxTreatment

MONEY = {"max_digits": 14, "decimal_places": 2}


def _seller_country_default() -> str:
    """A new profile starts in ``HOSTKONTOR_SELLER_COUNTRY``; afterwards the profile decides."""
    return settings.SELLER_COUNTRY


class SellerProfile(models.Model):
    """The agency's own data printed on every invoice (one row)."""

    company = models.CharField(_("company"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    zip_code = models.CharField(_("ZIP code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default=_seller_country_default)
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    tax_number = models.CharField(_("tax number"), max_length=32, blank=True)
    register_court = models.CharField(_("register court"), max_length=120, blank=True)
    register_number = models.CharField(_("register number"), max_length=60, blank=True)
    managing_directors = models.CharField(_("managing directors"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    invoice_number_pattern = models.CharField(
        _("invoice number pattern"), max_length=40, default="RE-{YYYY}-{00000}"
    )
    credit_note_number_pattern = models.CharField(
        _("cancellation invoice number pattern"), max_length=40, default="ST-{YYYY}-{00000}"
    )
    # Once a number was issued under a pattern, a new one waits for the next year
    # (billing/number_ranges.py): the pending pattern and the day it takes over.
    invoice_number_pattern_next = models.CharField(max_length=40, blank=True)
    invoice_number_pattern_next_from = models.DateField(null=True, blank=True)
    credit_note_number_pattern_next = models.CharField(max_length=40, blank=True)
    credit_note_number_pattern_next_from = models.DateField(null=True, blank=True)
    books_closed_until = models.DateField(
        _("books closed until"),
        null=True,
        blank=True,
        help_text=_("No invoice or credit note may be dated on or before this day."),
    )
    auto_billing = models.BooleanField(
        _("automatic billing"),
        default=False,
        help_text=_("Every day the scheduler creates, issues and sends the invoices that are due."),
    )

    class Meta:
        verbose_name = _("seller profile")

    def __str__(self) -> str:
        return self.company

    @classmethod
    def current(cls) -> "SellerProfile":
        profile = cls.objects.order_by("pk").first()
        return profile or cls.objects.create()


class BillingRun(models.Model):
    """One press of the button (or one scheduled day): which date, what it made, how far it got."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        DONE_WITH_ERRORS = "done_with_errors", _("done with errors")
        FAILED = "failed", _("failed")

    run_date = models.DateField(_("billing date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    issue = models.BooleanField(_("issue invoices"), default=False)
    send = models.BooleanField(_("send invoices"), default=False)
    automatic = models.BooleanField(_("automatic"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    customers_total = models.PositiveIntegerField(default=0)
    customers_done = models.PositiveIntegerField(default=0)
    invoices_created = models.PositiveIntegerField(default=0)
    lines_created = models.PositiveIntegerField(default=0)
    # What issuing and sending really did (runs with "issue"/"send"); failures make the
    # status "done with errors" and are named in ``error``.
    invoices_issued = models.PositiveIntegerField(_("issued"), default=0)
    issue_failures = models.PositiveIntegerField(_("not issued"), default=0)
    invoices_sent = models.PositiveIntegerField(_("sent"), default=0)
    send_failures = models.PositiveIntegerField(_("not sent"), default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("billing run")

    def __str__(self) -> str:
        return f"{self.run_date:%Y-%m-%d} ({self.status})"

    @property
    def is_pending(self) -> bool:
        """Still to run or running: its page keeps polling for progress."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.DONE_WITH_ERRORS)

    @property
    def progress_percent(self) -> int:
        if not self.customers_total:
            return 100 if self.is_finished else 0
        return min(100, round(100 * self.customers_done / self.customers_total))


class Invoice(models.Model):
    """An invoice or a credit note. Drafts change; issued documents never do."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("cancellation invoice")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")
        SENT = "sent", _("sent")
        PAID = "paid", _("paid")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    number = models.CharField(_("number"), max_length=40, null=True, blank=True, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    billing_run = models.ForeignKey(
        BillingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    cancels = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cancelled_by",
        verbose_name=_("cancels"),
    )
    run_date = models.DateField(_("billing date"))
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    tax_treatment = models.CharField(
        max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC
    )
    net_total = models.DecimalField(_("net"), **MONEY, default=Decimal("0.00"))
    tax_total = models.DecimalField(_("tax"), **MONEY, default=Decimal("0.00"))
    gross_total = models.DecimalField(_("gross"), **MONEY, default=Decimal("0.00"))
    tax_breakdown = models.JSONField(
        default=list, blank=True
    )  # [{"rate","net","tax"}], set at issue
    # Snapshot at issue: what the document says, whatever changes later.
    customer_number = models.CharField(max_length=32, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    customer_vat_id = models.CharField(max_length=32, blank=True)
    customer_email = models.EmailField(blank=True)
    language = models.CharField(max_length=5, default="de")
    payment_terms_days = models.PositiveSmallIntegerField(default=14)
    seller = models.JSONField(default=dict, blank=True)
    intro_text = models.TextField(blank=True)
    closing_text = models.TextField(blank=True)
    tax_note = models.TextField(blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    pdf = models.FileField(upload_to="invoices/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "invoice_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="draft") & Q(number__isnull=True))
                | (~Q(status="draft") & Q(number__isnull=False)),
                name="invoice_number_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", cancels__isnull=True)
                | Q(kind="credit_note", cancels__isnull=False),
                name="invoice_credit_note_references_original",
            ),
        ]
        permissions = [
            ("run_billing", _("Can run billing")),
            ("issue_invoice", _("Can issue and send invoices")),
            ("cancel_invoice", _("Can cancel invoices by cancellation invoice")),
        ]

    def __str__(self) -> str:
        return self.number or f"{_('Draft')} #{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    # The status rules pages and services share; templates ask these, never the raw status.
    @property
    def is_open(self) -> bool:
        """An issued invoice still awaiting payment: it counts as open and can be marked paid."""
        return self.kind == self.Kind.INVOICE and self.status in OPEN_INVOICE_STATUSES

    @property
    def can_be_cancelled(self) -> bool:
        """An issued invoice (paid or not) not yet cancelled by a cancellation invoice."""
        return self.kind == self.Kind.INVOICE and self.status in VALID_ISSUED_STATUSES

    @property
    def can_be_sent(self) -> bool:
        """Issued and still valid (not cancelled): the page offers to send it (again)."""
        return self.status in VALID_ISSUED_STATUSES


# Issued and awaiting payment; issued and in force (not cancelled).
OPEN_INVOICE_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.SENT)
VALID_ISSUED_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.SENT, Invoice.Status.PAID)


class OneOffItem(models.Model):
    """A one-off charge (Einmalposten: hardware, support hours …) for the customer's next invoice."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="one_off_items")
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="one_off_items"
    )
    description = models.CharField(_("description"), max_length=300)
    service_date = models.DateField(_("service date"))
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, default=Decimal("1")
    )
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("19.00")
    )
    kind = models.CharField(
        _("kind"),
        max_length=8,
        choices=[("service", _("service")), ("goods", _("goods (hardware)"))],
        default="service",
        help_text=_("Goods to EU businesses and to customers outside the EU are tax-free."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["service_date", "id"]
        verbose_name = _("one-off item")
        verbose_name_plural = _("one-off items")

    def __str__(self) -> str:
        return self.description


class InvoiceLine(models.Model):
    """One line. ``bills`` is true while the line's invoice still bills its period/item
    (draft or issued, not cancelled); the unique indexes below count only those lines."""

    class Kind(models.TextChoices):
        SETUP = "setup", _("setup fee")
        PERIOD = "period", _("period")
        ITEM = "item", _("one-off item")
        USAGE = "usage", _("usage")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    one_off_item = models.ForeignKey(
        OneOffItem, null=True, blank=True, on_delete=models.PROTECT, related_name="invoice_lines"
    )
    usage_component = models.ForeignKey(
        "usage.UsageComponent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_lines",
    )
    description = models.TextField()
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit = models.CharField(max_length=20, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    net = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    bills = models.BooleanField(default=True)

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="invoiceline_unique_position"
            ),
            models.UniqueConstraint(
                fields=["contract", "period_start"],
                condition=Q(kind="period", bills=True),
                name="invoiceline_contract_period_once",
            ),
            models.UniqueConstraint(
                fields=["contract"],
                condition=Q(kind="setup", bills=True),
                name="invoiceline_setup_once",
            ),
            models.UniqueConstraint(
                fields=["one_off_item"],
                condition=Q(kind="item", bills=True),
                name="invoiceline_item_once",
            ),
            models.UniqueConstraint(
                fields=["usage_component", "period_start"],
                condition=Q(kind="usage", bills=True),
                name="invoiceline_usage_period_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="period")
                | (Q(contract__isnull=False) & Q(period_start__isnull=False)),
                name="invoiceline_period_has_contract_and_start",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]
