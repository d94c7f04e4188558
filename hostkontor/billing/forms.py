from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostkontor.contracts.services import format_day
from hostkontor.core.forms import StyledFormMixin

from .models import Invoice, SellerProfile
from .number_range_form import NumberRangeFormMixin
from .runs import RunDateError, run_date_check


class RunForm(StyledFormMixin, forms.Form):
    run_date = forms.DateField(label=_("Billing date"), initial=timezone.localdate)
    issue = forms.BooleanField(label=_("Issue the invoices right away"), required=False)
    send = forms.BooleanField(label=_("Issue and send by e-mail"), required=False)
    allow_future = forms.BooleanField(
        label=_("Allow a billing date far in the future"), required=False
    )

    def clean(self):
        data = super().clean()
        if "run_date" in data:
            try:
                run_date_check(data["run_date"], allow_future=data.get("allow_future", False))
            except RunDateError as error:
                self.add_error(
                    "run_date",
                    _(
                        "%(date)s is more than %(days)s days ahead of today. Tick "
                        "“Allow a billing date far in the future” if you mean it."
                    )
                    % {"date": format_day(error.run_date), "days": error.days},
                )
        return data


class InvoiceFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", _("all states"))] + list(Invoice.Status.choices)
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[("", _("invoices and cancellation invoices"))] + list(Invoice.Kind.choices),
    )
    customer = forms.CharField(required=False, label=_("Customer"))
    date_from = forms.DateField(required=False, label=_("from"))
    date_to = forms.DateField(required=False, label=_("to"))
    run = forms.IntegerField(required=False, widget=forms.HiddenInput)
    contract = forms.IntegerField(required=False, widget=forms.HiddenInput)


class DateForm(StyledFormMixin, forms.Form):
    on = forms.DateField(label=_("Date"), initial=timezone.localdate)


class SellerProfileForm(StyledFormMixin, NumberRangeFormMixin, forms.ModelForm):
    class Meta:
        model = SellerProfile
        fields = [
            "company", "street", "zip_code", "city", "country", "vat_id", "tax_number",
            "register_court", "register_number", "managing_directors", "email", "phone",
            "website", "bank_name", "iban", "bic", "invoice_number_pattern",
            "credit_note_number_pattern", "books_closed_until", "auto_billing",
        ]  # fmt: skip

    def clean(self):
        """IBAN, BIC, VAT id (for the country), country and the closed period are checked as
        the ``seller_profile`` command checks them (``seller_profile.seller_values_clean``)."""
        cleaned = super().clean()
        from .seller_profile import seller_values_clean

        checked = ("country", "vat_id", "iban", "bic", "books_closed_until")
        values = {name: cleaned[name] for name in checked if name in cleaned}
        normalized, errors = seller_values_clean(values, self.instance)
        cleaned.update(normalized)
        for name, message in errors.items():
            self.add_error(name, message)
        return cleaned
