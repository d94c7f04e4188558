from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostkontor.core.forms import StyledFormMixin

from .models import Invoice, SellerProfile


class RunForm(StyledFormMixin, forms.Form):
    run_date = forms.DateField(label=_("Billing date"), initial=timezone.localdate)
    issue = forms.BooleanField(label=_("Issue the invoices right away"), required=False)
    send = forms.BooleanField(label=_("Issue and send by e-mail"), required=False)


class InvoiceFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("all states"))] + list(Invoice.Status.choices)
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", _("invoices and credit notes"))] + list(Invoice.Kind.choices)
    )
    customer = forms.CharField(required=False, label=_("Customer"))
    date_from = forms.DateField(required=False, label=_("from"))
    date_to = forms.DateField(required=False, label=_("to"))
    run = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contract = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DateForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label=_("Date"), initial=timezone.localdate)


class SellerProfileForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = SellerProfile
        fields = [
            "company", "street", "zip_code", "city", "country", "vat_id", "tax_number", "register",
            "managing_directors", "email", "phone", "website", "bank_name", "iban", "bic",
            "invoice_number_pattern", "credit_note_number_pattern", "auto_billing",
        ]  # fmt: skip

    def clean_invoice_number_pattern(self):
        return _pattern(self.cleaned_data["invoice_number_pattern"])

    def clean_credit_note_number_pattern(self):
        return _pattern(self.cleaned_data["credit_note_number_pattern"])


def _pattern(value: str) -> str:
    from hostkontor.core.numbering import NumberPatternError, validate_pattern

    try:
        validate_pattern(value)
    except NumberPatternError as error:
        raise forms.ValidationError(str(error)) from None
    return value
