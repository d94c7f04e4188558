"""The usage panel on the customer hub."""

from .selectors import hub_summary


def usage_panel(customer, user) -> dict | None:
    """Two queries; hidden when the customer has no usage components."""
    summary = hub_summary(customer)
    if not summary["components"]:
        return None
    return {"customer": customer, **summary}
