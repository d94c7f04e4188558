import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from hostkontor.imports import MappingError

from .importing import BUILTIN_FORMATS, load_usage_format
from .models import SubjectMapping, UsageComponent, UsageMapping

MAX_UPLOAD = 512 * 1024 * 1024

FORMAT_LABELS = {
    "vnstat": _("vnStat JSON (vnstat --json d/f/h/m)"),
    "mrtg": _("MRTG log"),
    "rrd": _("rrdtool xport (XML or JSON)"),
    "apache": _("Apache vhost_combined access log"),
}


class _Bootstrap:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-control")


class ImportForm(_Bootstrap, forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(label=_("Built-in format"), required=False)
    mapping = forms.ModelChoiceField(
        label=_("or own import format"),
        queryset=UsageMapping.objects.order_by("name"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = [("", "—")] + [
            (name, FORMAT_LABELS.get(name, name)) for name in BUILTIN_FORMATS
        ]
        self._style()

    def clean(self):
        data = super().clean()
        if bool(data.get("format")) == bool(data.get("mapping")):
            raise forms.ValidationError(
                _("Choose either a built-in format or an own import format.")
            )
        upload = data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is too large."))
        return data


class SubjectMappingForm(_Bootstrap, forms.Form):
    subject_key = forms.CharField(
        label=_("Subject key"), max_length=255, help_text=_("Interface, switch port, vhost, IP …")
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=40,
        required=False,
        help_text=_("vnstat, mrtg, rrd, apache or an own format's source; empty: any"),
    )
    component = forms.ModelChoiceField(
        label=_("Usage component"), queryset=UsageComponent.objects.none()
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = UsageComponent.objects.select_related("contract__customer").order_by(
            "contract__customer__number", "contract__reference", "name"
        )
        self.fields["component"].queryset = queryset
        self.fields["component"].label_from_instance = lambda c: (
            f"{c.contract.customer.number} · {c.contract.reference} · {c.name}"
        )
        self._style()

    @classmethod
    def initial_from(cls, mapping: SubjectMapping) -> dict:
        return {
            "subject_key": mapping.subject_key,
            "source": mapping.source,
            "component": mapping.component_id,
            "valid_from": mapping.valid_from,
            "valid_to": mapping.valid_to,
        }


class UsageMappingForm(_Bootstrap, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    toml = forms.CharField(
        label=_("Mapping (TOML)"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "class": "form-control font-monospace"}),
        required=False,
    )
    upload = forms.FileField(label=_("or import a TOML file"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._style()

    def clean(self):
        data = super().clean()
        text = data.get("toml") or ""
        upload = data.get("upload")
        if upload is not None:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("A mapping file must be UTF-8.")) from None
        if not text.strip():
            raise forms.ValidationError(_("Enter the mapping or upload a TOML file."))
        try:
            load_usage_format(text)
        except MappingError as error:
            self.add_error("toml", str(error))
        data["toml"] = text
        return data


class ComponentForm(_Bootstrap, forms.ModelForm):
    tiers_text = forms.CharField(
        label=_("Tiers (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control font-monospace"}),
        help_text=_(
            'e.g. [{"up_to": "1000", "unit_price": "0.10"}, {"up_to": null, "unit_price": "0.08"}]; empty: flat price'
        ),
    )

    class Meta:
        model = UsageComponent
        fields = [
            "name",
            "metric",
            "unit",
            "included",
            "unit_price",
            "tier_mode",
            "rounding_step",
            "rounding",
            "byte_base",
            "direction",
            "aggregation",
            "sample_interval",
            "billed_from",
        ]
        widgets = {"billed_from": forms.DateInput(attrs={"type": "date"})}
        help_texts = {
            "metric": _(
                "traffic_bytes (with direction), traffic_bps (95th percentile), http_bytes_out, or an own format's metric"
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.tiers:
            self.fields["tiers_text"].initial = json.dumps(self.instance.tiers)
        self._style()

    def clean_tiers_text(self):
        text = (self.cleaned_data.get("tiers_text") or "").strip()
        if not text:
            return []
        try:
            tiers = json.loads(text)
            assert isinstance(tiers, list)
            return [
                {
                    "up_to": None
                    if t.get("up_to") in (None, "")
                    else str(Decimal(str(t["up_to"]))),
                    "unit_price": str(Decimal(str(t["unit_price"]))),
                }
                for t in tiers
            ]
        except (ValueError, AssertionError, KeyError, TypeError, ArithmeticError, AttributeError):
            raise forms.ValidationError(
                _('Enter a JSON list of {"up_to", "unit_price"} objects.')
            ) from None

    def values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        values["tiers"] = self.cleaned_data.get("tiers_text") or []
        return values
