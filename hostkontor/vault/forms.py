from django import forms
from django.utils.translation import gettext_lazy as _

from hostkontor.core.forms import StyledFormMixin

from .crypto import Secret
from .models import ServiceType, TlsMode
from .password_generator import MAX_LENGTH
from .services import TARGET_FIELDS, EntryData


class EntryForm(StyledFormMixin, forms.Form):
    """Entry metadata plus a new password. The password input always renders empty (no
    initial value, ``render_value=False``); empty on edit means "unchanged"."""

    service_type = forms.ChoiceField(label=_("Service type"), choices=ServiceType.choices)
    label = forms.CharField(label=_("Label"), max_length=200, required=False)
    host = forms.CharField(label=_("Host"), max_length=253)
    port = forms.IntegerField(
        label=_("Port"),
        min_value=1,
        max_value=65535,
        required=False,
        help_text=_("empty: the usual port of the service and TLS mode"),
    )
    tls_mode = forms.ChoiceField(label=_("TLS mode"), choices=TlsMode.choices)
    username = forms.CharField(label=_("User name"), max_length=255, required=False)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_password = forms.BooleanField(label=_("Remove the stored password"), required=False)
    contract = forms.ModelChoiceField(label=_("Contract"), queryset=None, required=False)
    domain = forms.ModelChoiceField(label=_("Domain"), queryset=None, required=False)
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    tags = forms.CharField(
        label=_("Tags"), max_length=255, required=False, help_text=_("comma-separated")
    )

    def __init__(
        self, *args, customer, editing: bool = False, may_change_target: bool = True, **kwargs
    ):
        initial = dict(kwargs.get("initial") or {})
        initial.pop("password", None)  # never prefill a password
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        from hostkontor.contracts.models import Contract
        from hostkontor.domains.models import Domain

        self.fields["contract"].queryset = Contract.objects.filter(customer=customer)
        self.fields["domain"].queryset = Domain.objects.filter(customer=customer)
        if editing:
            self.fields["password"].help_text = _("empty: keep the stored password")
        else:
            del self.fields["clear_password"]
        if editing and not may_change_target:
            # disabled: shown, and the stored value is kept whatever is posted
            for name in TARGET_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("changed by technicians only")

    def clean_password(self):
        value = self.cleaned_data.get("password") or ""
        return Secret(value) if value else None

    def to_data(self) -> EntryData:
        data = {k: v for k, v in self.cleaned_data.items() if k in EntryData.__dataclass_fields__}
        return EntryData(**data)


class GeneratorForm(forms.Form):
    length = forms.IntegerField(min_value=4, max_value=min(MAX_LENGTH, 128), initial=20)
    symbols = forms.BooleanField(required=False)
    readable = forms.BooleanField(required=False)


class EntryFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    service_type = forms.ChoiceField(
        label=_("Service type"),
        required=False,
        choices=[("", _("all service types"))] + list(ServiceType.choices),
    )
    host = forms.CharField(label=_("Host"), required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SheetForm(StyledFormMixin, forms.Form):
    DOWNLOAD, EMAIL = "download", "email"

    entries = forms.ModelMultipleChoiceField(
        label=_("Entries"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    service_type = forms.ChoiceField(
        label=_("or all entries of the type"),
        required=False,
        choices=[("", "—")] + list(ServiceType.choices),
    )
    delivery = forms.ChoiceField(
        label=_("Delivery"),
        choices=[(DOWNLOAD, _("Download")), (EMAIL, _("E-mail to a contact"))],
        initial=DOWNLOAD,
        widget=forms.RadioSelect,
    )
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import VaultEntry

        self.fields["entries"].queryset = VaultEntry.objects.filter(customer=customer).defer(
            "password_ciphertext"
        )
        self.fields["contact"].queryset = customer.contacts.exclude(email="")

    def clean(self):
        data = super().clean()
        if data.get("delivery") == self.EMAIL and not data.get("contact"):
            self.add_error("contact", _("Choose the contact to send the sheet to."))
        if not data.get("entries") and not data.get("service_type"):
            raise forms.ValidationError(_("Select entries or a service type."))
        return data


class BulkSheetForm(StyledFormMixin, forms.Form):
    host = forms.CharField(
        label=_("Host"),
        required=False,
        max_length=253,
        widget=forms.TextInput(attrs={"list": "hosts"}),
    )
    service_type = forms.ChoiceField(
        label=_("Service type"),
        required=False,
        choices=[("", _("all service types"))] + list(ServiceType.choices),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("host") or "").strip() and not data.get("service_type"):
            raise forms.ValidationError(_("Choose a host or a service type."))
        return data
