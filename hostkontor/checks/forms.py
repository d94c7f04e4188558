from django import forms
from django.utils.translation import gettext_lazy as _

from hostkontor.core.forms import StyledFormMixin

from .models import Check


class CheckForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Check
        fields = [
            "enabled",
            "interval_minutes",
            "timeout",
            "database",
            "path",
            "expected_status",
            "min_cert_days",
            "verify_tls",
        ]
        help_texts = {"timeout": _("the whole check, connect to logout")}

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != "mysql":
            del self.fields["database"]
        if kind != "http":
            del self.fields["path"]
            del self.fields["expected_status"]
