"""Recurring contracts (Laufzeitverträge) and their catalog of types.

The fields follow docs/billing-semantics.md; the billing engine receives them as
``ContractTerms``. What was billed is not stored here but derived from invoice lines
(one line per contract period, enforced by the database in the billing app).
"""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hostkontor.customers.models import Customer


class FeeUnit(models.TextChoices):
    MONTH = "month", _("per month")
    QUARTER = "quarter", _("per quarter")
    HALF_YEAR = "half_year", _("per half year")
    YEAR = "year", _("per year")
    TWO_YEARS = "two_years", _("per 2 years")


class Interval(models.TextChoices):
    MONTH = "month", _("monthly")
    QUARTER = "quarter", _("quarterly")
    HALF_YEAR = "half_year", _("half-yearly")
    YEAR = "year", _("yearly")
    TWO_YEARS = "two_years", _("every 2 years")


class Mode(models.TextChoices):
    ADVANCE = "advance", _("in advance")
    ARREARS = "arrears", _("in arrears")


class Alignment(models.TextChoices):
    ANNIVERSARY = "anniversary", _("from the start date")
    CALENDAR = "calendar", _("calendar periods")


class Category(models.TextChoices):
    DOMAIN = "domain", _("domain")
    SERVER = "server", _("server")
    WEBSPACE = "webspace", _("webspace")
    MAIL = "mail", _("mail")
    SUPPORT = "support", _("support")
    HARDWARE = "hardware", _("hardware")
    OTHER = "other", _("other")


MONEY = {"max_digits": 12, "decimal_places": 2}


class ContractType(models.Model):
    """A catalog entry (Vertragstyp) whose defaults fill a new contract."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    default_setup_fee = models.DecimalField(_("setup fee"), **MONEY, default=Decimal("0.00"))
    default_fee = models.DecimalField(_("fee"), **MONEY, default=Decimal("0.00"))
    default_fee_unit = models.CharField(
        _("fee unit"), max_length=10, choices=FeeUnit.choices, default=FeeUnit.MONTH
    )
    default_interval = models.CharField(
        _("billing interval"), max_length=10, choices=Interval.choices, default=Interval.MONTH
    )
    default_mode = models.CharField(
        _("billing mode"), max_length=10, choices=Mode.choices, default=Mode.ADVANCE
    )
    default_tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("19.00")
    )
    invoice_text = models.CharField(_("invoice text"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=8,
        choices=[("service", _("service")), ("goods", _("goods (hardware)"))],
        default="service",
        help_text=_("Goods to EU businesses and to customers outside the EU are tax-free."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("contract type")
        verbose_name_plural = _("contract types")

    def __str__(self) -> str:
        return self.name


class Contract(models.Model):
    """A recurring contract of one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contracts")
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    contract_type = models.ForeignKey(
        ContractType,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("contract type"),
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    setup_fee = models.DecimalField(_("setup fee"), **MONEY, default=Decimal("0.00"))
    fee = models.DecimalField(_("fee"), **MONEY, default=Decimal("0.00"))
    fee_unit = models.CharField(
        _("fee unit"), max_length=10, choices=FeeUnit.choices, default=FeeUnit.MONTH
    )
    interval = models.CharField(
        _("billing interval"), max_length=10, choices=Interval.choices, default=Interval.MONTH
    )
    mode = models.CharField(
        _("billing mode"), max_length=10, choices=Mode.choices, default=Mode.ADVANCE
    )
    alignment = models.CharField(
        _("alignment"), max_length=12, choices=Alignment.choices, default=Alignment.ANNIVERSARY
    )
    min_term_months = models.PositiveSmallIntegerField(_("minimum term (months)"), default=0)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(0)],
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=5, decimal_places=2, default=Decimal("19.00")
    )
    # Billed by an earlier system up to and including this day (set by imports, never by runs).
    billed_until = models.DateField(_("billed until (earlier system)"), null=True, blank=True)
    domains = models.ManyToManyField(
        "domains.Domain", blank=True, related_name="contracts", verbose_name=_("domains")
    )
    cancelled_on = models.DateField(_("notice given on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "reference"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["customer", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(billed_until__isnull=True) | Q(billed_until__gte=models.F("start")),
                name="contract_billed_until_after_start",
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(setup_fee__gte=0), name="contract_fees_not_negative"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="contract_quantity_positive"),
        ]
        permissions = [
            ("import_contracts", _("Can import contracts")),
            ("approve_large_item", _("Can add negative or large one-off items")),
        ]

    def __str__(self) -> str:
        return (
            f"{self.reference} {self.contract_type.name if self.contract_type_id else ''}".strip()
        )


class PriceChange(models.Model):
    """From ``valid_from`` on, the contract's fee is ``fee`` (a period that straddles the
    change is split pro rata by days)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="price_changes")
    valid_from = models.DateField(_("valid from"))
    fee = models.DecimalField(_("fee"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "valid_from"], name="pricechange_unique_day"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="pricechange_fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.fee}"
