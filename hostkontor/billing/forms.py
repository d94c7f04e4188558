from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hostkontor.contracts.services import format_day
from hostkontor.core.forms import StyledFormMixin

from .models import Invoice, SellerProfile
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
        return _pattern(self, "invoice_number_pattern", "invoice")

    def clean_credit_note_number_pattern(self):
        return _pattern(self, "credit_note_number_pattern", "credit_note")

    def clean(self):
        """Invoices and credit notes share one number column: their patterns must differ."""
        cleaned = super().clean()
        from hostkontor.core.numbering import NumberPatternError, patterns_distinct_check

        invoice = cleaned.get("invoice_number_pattern")
        credit_note = cleaned.get("credit_note_number_pattern")
        if invoice and credit_note:
            try:
                patterns_distinct_check(invoice, credit_note)
            except NumberPatternError as error:
                self.add_error("credit_note_number_pattern", str(error))
        return cleaned


def _pattern(form: SellerProfileForm, field: str, range_code: str) -> str:
    """A valid pattern that cannot issue an existing number again (core/numbering.py)."""
    from hostkontor.core.numbering import NumberPatternError, pattern_change_check

    value = form.cleaned_data[field]
    numbers = Invoice.objects.exclude(number=None).values_list("number", flat=True)
    issued = numbers.iterator(chunk_size=2000)
    try:
        pattern_change_check(
            range_code=range_code, old=getattr(form.instance, field), new=value, issued=issued
        )
    except NumberPatternError as error:
        raise forms.ValidationError(str(error)) from None
    finally:
        issued.close()  # a server-side cursor (PostgreSQL) left open breaks the transaction
    return value
