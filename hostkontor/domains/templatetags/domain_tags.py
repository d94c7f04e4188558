"""Display helpers for the domain pages."""

from datetime import date

from django import template
from django.utils.formats import date_format

from hostkontor.domains.models import Status

register = template.Library()
_LABELS = dict(Status.choices)


@register.filter
def status_label(value) -> str:
    """``"transfer_in"`` -> "transfer in" / "Transfer eingehend"."""
    return str(_LABELS.get(value, value or "—"))


@register.filter
def finding_label(value) -> str:
    """``"expiry_mismatch"`` -> "Expiry date differs" / "Ablaufdatum weicht ab"."""
    from hostkontor.domains.reconciliation import KINDS

    return str(dict(KINDS).get(value, value))


@register.filter
def iso_date(value) -> str:
    """An ISO date string from an import result in the user's short date format."""
    if not value:
        return "—"
    try:
        return date_format(date.fromisoformat(value), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)
