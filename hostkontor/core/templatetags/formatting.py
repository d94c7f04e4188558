"""Display formats: money as 1.234,50 € (German) or €1,234.50 (English); audit history values."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def money(value, currency: str = "EUR") -> str:
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = number_format(amount, 2, use_l10n=True, force_grouping=True)
    symbol = "€" if currency == "EUR" else currency
    if (get_language() or "de").startswith("en"):
        return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"
    return f"{text}\xa0{symbol}"


@register.filter
def decimal2(value) -> str:
    if value is None or value == "":
        return ""
    return number_format(Decimal(value), 2, use_l10n=True, force_grouping=True)


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for sorting and paging links)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


# --- the audit history, shown in the user's language ----------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_VERBS = {
    "created": _("created"),
    "updated": _("changed"),
    "saved": _("saved"),
    "deleted": _("deleted"),
    "ended": _("ended"),
    "issued": _("issued"),
    "sent": _("sent"),
    "send_failed": _("sending failed"),
    "cancelled": _("cancelled"),
    "paid": _("paid"),
    "downloaded": _("downloaded"),
    "finished": _("finished"),
    "imported": _("imported"),
    "draft_deleted": _("draft deleted"),
}


def _audit_model(event):
    try:
        return apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return None


@register.filter
def audit_value(value) -> str:
    """A recorded value (stored as text) in the display format: dates, decimals, yes/no."""
    text = "" if value is None else str(value)
    if _ISO_DATE.match(text):
        try:
            return date_format(date.fromisoformat(text), "SHORT_DATE_FORMAT")
        except ValueError:
            return text
    if _DECIMAL.match(text):
        places = len(text.split(".")[1])
        return number_format(Decimal(text), places, use_l10n=True, force_grouping=True)
    if text in ("True", "False"):
        return gettext("yes") if text == "True" else gettext("no")
    if text == "(changed)":  # secrets are recorded as changed, never with their value
        return gettext("(changed)")
    return text


def _audit_model_field(event, name: str):
    model = _audit_model(event)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@register.filter
def audit_change(event, name: str) -> tuple[str, str, str]:
    """``(label, old, new)`` of one recorded change for display: the field's verbose name,
    choice values as their labels, everything else through :func:`audit_value`."""
    field = _audit_model_field(event, name)
    label = str(field.verbose_name) if field is not None else name.replace("_", " ")
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    old, new = (list(event.changes.get(name) or []) + ["", ""])[:2]

    def show(value) -> str:
        return str(choices[value]) if value in choices else audit_value(value)

    return label, show(old), show(new)


@register.filter
def audit_action(event) -> str:
    """``contract.ended`` → "Vertrag: beendet"; codes without a known verb stay as they are."""
    model = _audit_model(event)
    verb = event.action.rsplit(".", 1)[-1]
    if model is None or verb not in _VERBS:
        return event.action
    return f"{capfirst(model._meta.verbose_name)}: {_VERBS[verb]}"


@register.filter
def audit_actor(event) -> str:
    """The user's name; events of the system (scheduler, imports, commands) say so in the UI language."""
    if event.actor_id is None and event.actor_name == "system":
        return gettext("system")
    return event.actor_name
