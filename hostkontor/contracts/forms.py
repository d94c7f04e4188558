import re
from decimal import Decimal

from django import forms
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hostkontor.core.forms import StyledFormMixin

from .models import Alignment, Category, Contract, ContractType, FeeUnit, Interval, Mode
from .selectors import STATES
from .services import ContractData

DATE_ATTRS = {"placeholder": _("DD.MM.YYYY"), "autocomplete": "off", "inputmode": "numeric"}


def _date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_ATTRS), **kwargs)


class AmountField(forms.DecimalField):
    """A localized decimal that also takes grouped input such as ``1.019,50`` (German)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            thousand = re.escape(get_format("THOUSAND_SEPARATOR"))
            decimal = re.escape(get_format("DECIMAL_SEPARATOR"))
            text = value.strip()
            if re.fullmatch(rf"-?\d{{1,3}}({thousand}\d{{3}})+({decimal}\d*)?", text):
                value = re.sub(thousand, "", text)
        return super().to_python(value)


def _money_field(label, **kwargs) -> forms.DecimalField:
    return AmountField(label=label, max_digits=12, decimal_places=2, min_value=0, **kwargs)


class ContractForm(StyledFormMixin, forms.Form):
    """The product sheet's "Vertrag anlegen" form."""

    start = _date_field(_("Contract starts on"))
    end = _date_field(_("Contract runs until"), required=False)
    open_end = forms.BooleanField(label=_("Open-ended"), required=False)
    contract_type = forms.ModelChoiceField(
        label=_("Contract type"), queryset=ContractType.objects.none()
    )
    domain_names = forms.CharField(
        label=_("Domains (if any)"),
        required=False,
        help_text=_("Domain names separated by spaces; missing ones are added to this customer."),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    setup_fee = _money_field(_("EUR one-time setup fee"), initial=Decimal("0.00"))
    fee = _money_field(_("EUR per billing unit"), initial=Decimal("0.00"))
    fee_unit = forms.ChoiceField(label=_("Billing unit"), choices=FeeUnit.choices)
    min_term_months = forms.IntegerField(
        label=_("Minimum term (months)"), min_value=0, max_value=600, initial=0
    )
    interval = forms.ChoiceField(label=_("Billing interval"), choices=Interval.choices)
    mode = forms.ChoiceField(label=_("Billing mode"), choices=Mode.choices)
    alignment = forms.ChoiceField(
        label=_("Periods"), choices=Alignment.choices, initial=Alignment.ANNIVERSARY
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        localize=True,
        initial=Decimal("1"),
    )
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        localize=True,
        initial=Decimal("19.00"),
    )
    reference = forms.CharField(
        label=_("Contract number"),
        max_length=64,
        required=False,
        help_text=_("Left empty, the next number is assigned."),
    )

    def __init__(self, *args, contract: Contract | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        types = ContractType.objects.filter(is_active=True)
        if contract is not None:
            types = ContractType.objects.filter(pk=contract.contract_type_id) | types
        self.fields["contract_type"].queryset = types.order_by("name")

    @staticmethod
    def initial_for(contract: Contract) -> dict:
        names = [n for n in ContractForm.base_fields if n not in {"open_end", "domain_names"}]
        initial = {name: getattr(contract, name) for name in names}
        initial["contract_type"] = contract.contract_type_id
        initial["open_end"] = contract.end is None
        initial["domain_names"] = " ".join(d.name for d in contract.domains.all())
        return initial

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("open_end"):
            cleaned["end"] = None
        elif not cleaned.get("end") and "end" not in self.errors:
            self.add_error("end", _("Enter the end date or tick “Open-ended”."))
        return cleaned

    def to_data(self, *, billed_until=None) -> ContractData:
        c = self.cleaned_data
        return ContractData(
            contract_type=c["contract_type"],
            start=c["start"],
            end=c["end"],
            description=c["description"],
            setup_fee=c["setup_fee"],
            fee=c["fee"],
            fee_unit=c["fee_unit"],
            interval=c["interval"],
            mode=c["mode"],
            alignment=c["alignment"],
            min_term_months=c["min_term_months"],
            quantity=c["quantity"],
            tax_rate=c["tax_rate"],
            billed_until=billed_until,
            reference=c["reference"],
            domain_names=c["domain_names"].replace(",", " ").split(),
        )


def type_defaults(types) -> dict[str, dict[str, str]]:
    """Defaults of each type for the form's script, numbers formatted for the input fields."""
    return {
        str(t.pk): {
            "setup_fee": number_format(t.default_setup_fee, 2, use_l10n=True),
            "fee": number_format(t.default_fee, 2, use_l10n=True),
            "fee_unit": t.default_fee_unit,
            "interval": t.default_interval,
            "mode": t.default_mode,
            "tax_rate": number_format(t.default_tax_rate, 2, use_l10n=True),
        }
        for t in types
    }


class ContractEndForm(StyledFormMixin, forms.Form):
    end = _date_field(_("Contract ends on"))
    notice_date = _date_field(_("Notice received on"))


class PriceChangeForm(StyledFormMixin, forms.Form):
    valid_from = _date_field(_("Valid from"))
    fee = _money_field(_("New fee (EUR per billing unit)"))


class ContractTypeForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ContractType
        fields = [
            "name",
            "category",
            "default_setup_fee",
            "default_fee",
            "default_fee_unit",
            "default_interval",
            "default_mode",
            "default_tax_rate",
            "invoice_text",
            "kind",
            "is_active",
        ]
        localized_fields = ["default_setup_fee", "default_fee", "default_tax_rate"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False  # not posted: a service, as before

    def clean_kind(self):
        return self.cleaned_data.get("kind") or "service"

    def validate_unique(self):
        """The service checks the name (case-insensitively) and reports it."""


class ContractFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    contract_type = forms.IntegerField(required=False)
    category = forms.ChoiceField(
        required=False, choices=[("", _("all categories")), *Category.choices]
    )
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("", _("all contracts")),
            *zip(
                STATES,
                [
                    pgettext_lazy("contracts tab", "past"),
                    pgettext_lazy("contracts tab", "active"),
                    pgettext_lazy("contracts tab", "upcoming"),
                ],
                strict=True,
            ),
        ],
    )


class OneOffItemForm(StyledFormMixin, forms.Form):
    description = forms.CharField(label=_("Description"), max_length=300)
    service_date = _date_field(_("Service date"))
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        localize=True,
        initial=Decimal("1"),
    )
    unit_price = AmountField(label=_("Unit price (EUR, net)"), max_digits=12, decimal_places=2)
    tax_rate = forms.DecimalField(
        label=_("Tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        localize=True,
        initial=Decimal("19.00"),
    )
    kind = forms.TypedChoiceField(
        label=_("Kind"),
        choices=[("service", _("service")), ("goods", _("goods (hardware)"))],
        initial="service",
        required=False,
        empty_value="service",
        help_text=_("Goods to EU businesses and to customers outside the EU are tax-free."),
    )
    contract = forms.ModelChoiceField(
        label=_("Contract (optional)"), queryset=Contract.objects.none(), required=False
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = Contract.objects.filter(
            customer=customer
        ).select_related("contract_type")
