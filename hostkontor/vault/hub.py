"""The passwords panel on the customer hub."""

from .selectors import customer_entry_summary


def vault_panel(customer, user) -> dict:
    """Two queries whatever the customer holds."""
    summary = customer_entry_summary(customer)
    return {
        "customer": customer,
        "summary": summary,
        "can_add": user.has_perm("vault.add_vaultentry"),
        "can_sheet": user.has_perm("vault.create_sheet"),
    }
