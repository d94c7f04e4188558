from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from hostkontor.core.forms import StyledFormMixin

from .models import ContactPerson
from .services import TAX_FIELDS, CustomerData, tax_details_denied
from .tax import TaxTreatment


def _compact(value) -> str:
    return "".join(ch for ch in str(value or "").upper() if ch.isalnum())


class CustomerForm(StyledFormMixin, forms.Form):
    company = forms.CharField(label=_("Company"), max_length=200)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    zip_code = forms.CharField(label=_("ZIP code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = LazyTypedChoiceField(label=_("Country"), choices=countries, initial="DE")
    vat_id = forms.CharField(label=_("VAT id"), max_length=32, required=False)
    # A choice, not a checkbox: a form posted without it keeps "business" (the default).
    is_business = forms.TypedChoiceField(
        label=_("Customer kind"),
        choices=[("True", _("business")), ("False", _("consumer (private person)"))],
        coerce=lambda value: value in (True, "True"),
        empty_value=True,
        required=False,
        initial="True",
    )
    email = forms.EmailField(label=_("Invoice e-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"), min_value=0, max_value=365, initial=14
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="de")
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, can_change_tax: bool = True, **kwargs):
        """Without the tax permission, country and VAT id are shown but not editable."""
        super().__init__(*args, **kwargs)
        if not can_change_tax:
            for name in TAX_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Only Billing may change this (tax treatment).")

    def clean(self):
        """A disabled field ignores what is posted; say so instead of dropping it silently."""
        cleaned = super().clean()
        for name in TAX_FIELDS:
            field = self.fields[name]
            if field.disabled and name in self.data:
                current = self.get_initial_for_field(field, name)
                if _compact(self.data[name]) != _compact(current):
                    self.add_error(name, tax_details_denied())
        return cleaned

    def to_data(self) -> CustomerData:
        return CustomerData(**self.cleaned_data)


class ContactForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = [
            "salutation",
            "first_name",
            "last_name",
            "email",
            "phone",
            "is_billing",
            "is_technical",
            "is_management",
        ]


class CustomerFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    country = forms.CharField(required=False)
    tax_treatment = forms.ChoiceField(
        required=False, choices=[("", _("all tax treatments"))] + list(TaxTreatment.choices)
    )
    language = forms.ChoiceField(
        required=False, choices=[("", _("all languages"))] + list(settings.LANGUAGES)
    )
    active = forms.ChoiceField(
        required=False,
        choices=[("", _("active and inactive")), ("1", _("active")), ("0", _("inactive"))],
    )
    sort = forms.CharField(required=False)
