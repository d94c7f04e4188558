from django import forms
from django.utils.translation import gettext_lazy as _

from hostkontor.core.forms import StyledFormMixin
from hostkontor.customers.models import Customer
from hostkontor.imports.mapping import KINDS

from .mappings import FORM_TARGETS
from .models import Status
from .parsers import PARSERS
from .services import DomainData

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CustomerNumberField(forms.CharField):
    """A customer chosen by number (K10001); cleans to the Customer."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        customer = Customer.objects.filter(number=value.strip()).first()
        if customer is None:
            raise forms.ValidationError(
                _("No customer with number %(number)s."), params={"number": value}
            )
        return customer


class DomainForm(StyledFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Domain"), max_length=253, help_text=_("Unicode or punycode, e.g. müller.de")
    )
    registrar = forms.CharField(label=_("Registrar"), max_length=64, required=False)
    handle = forms.CharField(label=_("Registrar handle / ROID"), max_length=100, required=False)
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DATE_INPUT)
    expires = forms.DateField(
        label=_("Expires / paid until at the registrar"), required=False, widget=DATE_INPUT
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.ACTIVE)
    auto_renew = forms.BooleanField(label=_("Auto-renew"), required=False, initial=True)
    nameservers = forms.CharField(
        label=_("Nameservers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line"),
    )
    auth_code = forms.CharField(
        label=_("Auth code"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted, never shown. Leave empty to keep the current one."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def to_data(self) -> DomainData:
        d = self.cleaned_data
        return DomainData(
            name=d["name"],
            registrar=d["registrar"],
            handle=d["handle"],
            registered_on=d["registered_on"],
            expires=d["expires"],
            status=d["status"],
            auto_renew=d["auto_renew"],
            nameservers=[s for s in d["nameservers"].split() if s],
            notes=d["notes"],
        )


class DomainCreateForm(DomainForm):
    on = forms.DateField(label=_("Owned and billed from"), widget=DATE_INPUT)
    contract = forms.ModelChoiceField(
        label=_("Included in contract"),
        queryset=None,
        required=False,
        empty_label=_("— new yearly domain contract from the price list —"),
    )

    field_order = ["name", "on", "contract"]

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        from hostkontor.contracts.models import Contract

        self.fields["contract"].queryset = Contract.objects.filter(
            customer=customer
        ).select_related("contract_type")
        self.fields["auth_code"].help_text = _("Stored encrypted, never shown.")


class DomainMoveForm(StyledFormMixin, forms.Form):
    to_customer = CustomerNumberField(label=_("New customer (number)"), max_length=32)
    on = forms.DateField(label=_("Moved on"), widget=DATE_INPUT)
    create_contract = forms.BooleanField(
        label=_("Create a yearly domain contract for the new customer"),
        required=False,
        initial=True,
    )


class DomainFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    registrar = forms.CharField(required=False)
    tld = forms.CharField(required=False)
    status = forms.ChoiceField(
        required=False, choices=[("", _("all statuses"))] + list(Status.choices)
    )
    expiring = forms.IntegerField(
        label=_("Expiring within days"), required=False, min_value=0, max_value=3650
    )
    unbilled = forms.BooleanField(label=_("unbilled"), required=False)
    mismatched = forms.BooleanField(label=_("with differences"), required=False)


class TldPriceForm(StyledFormMixin, forms.Form):
    tld = forms.CharField(label=_("TLD"), max_length=63, help_text=_("without dot, e.g. de"))
    registrar = forms.CharField(
        label=_("Registrar"), max_length=64, required=False, help_text=_("empty: every registrar")
    )
    sale_price_year = forms.DecimalField(
        label=_("Sale price per year"), max_digits=12, decimal_places=2, min_value=0, localize=True
    )
    cost_year = forms.DecimalField(
        label=_("Registrar cost per year"),
        max_digits=12,
        decimal_places=2,
        min_value=0,
        localize=True,
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT)


def _format_choices():
    return [("", _("— by mapping —"))] + [(key, key) for key in PARSERS]


class ImportForm(StyledFormMixin, forms.Form):
    registrar = forms.CharField(label=_("Registrar"), max_length=64)
    format = forms.ChoiceField(label=_("Format"), required=False, choices=_format_choices)
    mapping = forms.ModelChoiceField(label=_("Mapping"), queryset=None, required=False)
    file = forms.FileField(label=_("File"))
    apply = forms.ChoiceField(
        label=_("Apply"),
        required=False,
        choices=[
            ("", _("as set for the registrar")),
            ("none", _("nothing, only compare")),
            ("safe", _("safe differences (expiry dates)")),
        ],
    )
    allow_empty = forms.BooleanField(
        label=_("The list is really empty"),
        required=False,
        help_text=_(
            "Only for a registrar where nothing is held any more: every domain of this "
            "registrar is then marked as missing at the registrar."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import RegistrarMapping

        self.fields["mapping"].queryset = RegistrarMapping.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if bool(data.get("format")) == bool(data.get("mapping")):
            raise forms.ValidationError(_("Choose either a format or a mapping."))
        return data


class FindingActionForm(StyledFormMixin, forms.Form):
    kind = forms.CharField()
    domain = forms.CharField()
    action = forms.ChoiceField(choices=[(a, a) for a in ("apply", "create", "end", "ignore")])
    customer = CustomerNumberField(required=False, max_length=32)
    on = forms.DateField(required=False)


DELIMITERS = [(";", ";"), (",", ","), ("\\t", _("Tab")), ("|", "|")]
ENCODINGS = [("utf-8", "UTF-8"), ("iso-8859-1", "ISO-8859-1 (Latin-1)"), ("cp1252", "Windows-1252")]


class MappingForm(StyledFormMixin, forms.Form):
    """CSV settings with one column per registrar field, or raw TOML (for JSON and XML)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k, k.upper()) for k in KINDS], initial="csv"
    )
    encoding = forms.ChoiceField(
        label=_("Encoding"), choices=ENCODINGS, initial="utf-8", required=False
    )
    delimiter = forms.ChoiceField(
        label=_("Delimiter"), choices=DELIMITERS, initial=";", required=False
    )
    has_header = forms.BooleanField(label=_("First line is a header"), required=False, initial=True)
    skip_lines = forms.IntegerField(
        label=_("Skip lines before the header"),
        min_value=0,
        max_value=1000,
        initial=0,
        required=False,
    )
    status_map = forms.CharField(
        label=_("Status words"),
        required=False,
        help_text=_("e.g. aktiv=active; gelöscht=deleted; in Transfer=transfer_in"),
    )
    toml = forms.CharField(
        label=_("Mapping as TOML"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "form-control font-monospace"}),
        help_text=_("For JSON and XML (or to override the CSV fields above); see docs/imports.md."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {
            "domain": _("Domain"),
            "expires": _("Expires"),
            "registered_on": _("Registered on"),
            "status": _("Status"),
            "auto_renew": _("Auto-renew"),
            "handle": _("Handle"),
        }
        for target, ftype in FORM_TARGETS:
            self.fields[f"{target}_column"] = forms.CharField(
                label=_("Column for %(field)s") % {"field": labels[target]},
                required=False,
                help_text=_("header name, or number (1 = first) without header"),
            )
            self.fields[f"{target}_column"].widget.attrs["class"] = "form-control"
            if ftype == "date":
                self.fields[f"{target}_format"] = forms.CharField(
                    label=_("Date format for %(field)s") % {"field": labels[target]},
                    required=False,
                    initial="dd.mm.yyyy",
                    help_text=_("e.g. dd.mm.yyyy, yyyy-mm-dd, mm/dd/yyyy"),
                )
                self.fields[f"{target}_format"].widget.attrs["class"] = "form-control"

    def column_fields(self):
        return [self[name] for name in self.fields if name.endswith(("_column", "_format"))]

    def setting_fields(self):
        return [
            self[n]
            for n in (
                "name",
                "kind",
                "encoding",
                "delimiter",
                "has_header",
                "skip_lines",
                "status_map",
            )
        ]


class MappingUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_("TOML file"))


class RegistrarForm(StyledFormMixin, forms.Form):
    format = forms.ChoiceField(label=_("Format"), required=False, choices=_format_choices)
    mapping = forms.ModelChoiceField(label=_("Mapping"), queryset=None, required=False)
    auto_apply_safe = forms.BooleanField(
        label=_("Apply safe differences (expiry dates) on every import"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import RegistrarMapping

        self.fields["mapping"].queryset = RegistrarMapping.objects.order_by("name")
