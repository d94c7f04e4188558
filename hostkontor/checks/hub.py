"""The function-checks panel on the customer hub."""

from .selectors import customer_checks


def checks_panel(customer, user) -> dict | None:
    """One query; hidden when the customer has no checks."""
    checks = customer_checks(customer)
    if not checks:
        return None
    return {
        "customer": customer,
        "checks": checks,
        "failing": [c for c in checks if c.enabled and c.last_state == "failing"],
        "can_run": user.has_perm("checks.run_check"),
    }
