"""Display formats: money as 1.234,50 € (German) or €1,234.50 (English)."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.translation import get_language

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
