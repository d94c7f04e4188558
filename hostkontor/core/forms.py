"""Form parts shared by every app: Bootstrap classes on the widgets, service errors on fields."""

from django import forms

from .errors import FieldErrors


class StyledFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def form_add_errors(form: forms.Form, error: FieldErrors) -> None:
    """A service's field errors on the form: each on its field, or on the whole form when
    the form has no field of that name."""
    for name, message in error.errors.items():
        form.add_error(name if name in form.fields else None, message)
