from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .tax import TaxTreatment


class Customer(models.Model):
    """A customer company (Firma): the hub every contract, domain, invoice and ticket hangs on."""

    number = models.CharField(_("customer number"), max_length=32, unique=True)
    company = models.CharField(_("company"), max_length=200)
    street = models.CharField(_("street"), max_length=200, blank=True)
    zip_code = models.CharField(_("ZIP code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), default="DE")
    vat_id = models.CharField(_("VAT id"), max_length=32, blank=True)
    is_business = models.BooleanField(
        _("business customer"),
        default=True,
        help_text=_("Off for consumers: German VAT outside the EU, default-interest note."),
    )
    tax_treatment = models.CharField(
        _("tax treatment"),
        max_length=20,
        choices=TaxTreatment.choices,
        default=TaxTreatment.DOMESTIC,
    )
    email = models.EmailField(_("invoice e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=14)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("import_customers", _("Can import customers")),
            ("change_tax_details", _("Can change country and VAT id (tax treatment)")),
        ]
        indexes = [
            models.Index(Lower("company"), name="customer_company_lower"),
            models.Index(fields=["city"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.company}"

    @property
    def display_name(self) -> str:
        return f"{self.company}, {self.city}" if self.city else self.company


class ContactPerson(models.Model):
    """A person at a customer, with the roles the agency writes to them for."""

    class Salutation(models.TextChoices):
        NONE = "", _("—")
        MR = "mr", _("Mr")
        MS = "ms", _("Ms")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    salutation = models.CharField(
        _("salutation"), max_length=4, choices=Salutation.choices, blank=True
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_billing = models.BooleanField(_("billing"), default=False)
    is_technical = models.BooleanField(_("technical"), default=False)
    is_management = models.BooleanField(_("management"), default=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def role_labels(self) -> list[str]:
        labels = []
        if self.is_billing:
            labels.append(_("billing"))
        if self.is_technical:
            labels.append(_("technical"))
        if self.is_management:
            labels.append(_("management"))
        return labels
