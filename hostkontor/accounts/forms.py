from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from hostkontor.core.forms import StyledFormMixin

from .roles import ROLES

User = get_user_model()

ROLE_CHOICES = [("", _("(no role)"))] + [(r, r) for r in ROLES]


class UserForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, instance=None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["username"].disabled = True

    def clean_username(self):
        username = self.cleaned_data["username"]
        if self.instance is None and User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This user name is taken."))
        return username


class LanguageForm(StyledFormMixin, forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
