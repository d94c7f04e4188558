import re

from django import forms
from django.template.loader import render_to_string


class SampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the invoice")
    active = forms.BooleanField(label="Active")
    token = forms.CharField(widget=forms.HiddenInput)


def squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def test_one_field_partial_renders_label_widget_errors_and_help_for_every_form():
    # given a bound form with errors on a text field and a checkbox
    form = SampleForm({"token": "t"})
    form.is_valid()
    # when the fields are rendered by the shared partial, the text field in a grid column
    text = squeeze(render_to_string("_field.html", {"field": form["name"], "col": "col-md-4"}))
    box = squeeze(render_to_string("_field.html", {"field": form["active"]}))
    hidden = squeeze(render_to_string("_field.html", {"field": form["token"]}))
    # then each has its wrapper, its error marked with the field name, and its help text
    assert text.startswith('<div class="col-md-4 mb-2"><label class="form-label" for="id_name">')
    assert text.endswith(
        '<div class="invalid-feedback d-block" data-field-error="name">'
        "Dieses Feld ist zwingend erforderlich.</div>"
        '<div class="form-text">As on the invoice</div></div>'
    )
    assert box == (
        '<div class="mb-2 form-check">'
        '<input type="checkbox" class="form-check-input is-invalid" name="active" id="id_active">'
        '<label class="form-check-label" for="id_active">Active</label>'
        '<div class="invalid-feedback d-block" data-field-error="active">'
        "Dieses Feld ist zwingend erforderlich.</div></div>"
    )
    assert hidden == '<input type="hidden" name="token" value="t" id="id_token">'


def test_the_form_partial_renders_non_field_errors_then_each_field_by_the_field_partial():
    # given a bound form with a form-wide error
    form = SampleForm({"name": "x", "active": "on", "token": "t"})
    form.is_valid()
    form.add_error(None, "Not now")
    # when the whole form is rendered
    html = squeeze(render_to_string("_form_fields.html", {"form": form}))
    # then the form-wide error comes first, then the fields in order
    assert html.startswith('<div class="alert alert-danger">Not now</div><div class="mb-2">')
    assert re.findall(r'id="id_(\w+)"', html) == ["name", "active", "token"]
