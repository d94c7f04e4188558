"""The contracts panel on the customer hub."""

from django.utils import timezone

from .selectors import customer_hub_summary


def contracts_panel(customer, user) -> dict:
    """Three queries whatever the customer holds."""
    return {
        "customer": customer,
        "summary": customer_hub_summary(customer, timezone.localdate()),
        "can_add": user.has_perm("contracts.add_contract"),
        "can_view_items": user.has_perm("billing.view_oneoffitem"),
    }
