import re
from pathlib import Path

from django import forms

from .errors import FieldErrors
from .forms import form_add_errors

APP_ROOT = Path(__file__).resolve().parent.parent


class _NameForm(forms.Form):
    name = forms.CharField()
    email = forms.EmailField(required=False)


def test_field_errors_carry_the_messages_and_read_as_one_line():
    # given two broken fields
    error = FieldErrors({"name": "is required", "email": "is not an address"})
    # then the messages stay by field, str() joins them, and it is a ValueError
    assert error.errors == {"name": "is required", "email": "is not an address"}
    assert str(error) == "name: is required; email: is not an address"
    assert isinstance(error, ValueError)


def test_form_add_errors_puts_each_message_on_its_field_and_the_rest_on_the_form():
    # given a bound form and a service's errors for a field, a key the form lacks and __all__
    form = _NameForm(data={"name": "Muster"})
    assert form.is_valid()
    error = FieldErrors(
        {"name": "exists already", "domain_names": "example.org: taken", "__all__": "stop"}
    )
    # when they are put on the form
    form_add_errors(form, error)
    # then the field keeps its own, everything else is a non-field error, in order
    assert form.errors["name"] == ["exists already"]
    assert form.non_field_errors() == ["example.org: taken", "stop"]
    assert "email" not in form.errors
    assert not form.is_valid()


def test_no_app_writes_its_own_field_error_class():
    # given every module of the project
    own_class = re.compile(
        r"^class (\w+)\(ValueError\):\n(?:    \"\"\".*\"\"\"\n\n)?"
        r"    def __init__\(self, errors: dict\[str, str\]\)",
        re.M,
    )
    # when they are searched for a ValueError that carries a field -> message dict
    found = [
        f"{path.relative_to(APP_ROOT)}: {match.group(1)}"
        for path in APP_ROOT.rglob("*.py")
        for match in own_class.finditer(path.read_text(encoding="utf-8"))
    ]
    # then only core has it (FieldErrors); apps raise that one
    assert found == ["core/errors.py: FieldErrors"]
