"""The domains panel on the customer hub."""

from django.utils import timezone

from .selectors import customer_hub_summary


def domains_panel(customer, user) -> dict:
    """Four queries whatever the customer holds."""
    return {
        "customer": customer,
        "summary": customer_hub_summary(customer, timezone.localdate()),
        "can_add": user.has_perm("domains.add_domain"),
    }
