from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "hostkontor.customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.core import checks

        from hostkontor.accounts.roles import BILLING, extend_role
        from hostkontor.core.navigation import register_nav

        from .checks import customer_number_pattern_check

        checks.register(customer_number_pattern_check)

        register_nav(
            section="search",
            label=_("Customers"),
            url_name="customers:list",
            permission="customers.view_customer",
            order=10,
        )
        # Country and VAT id decide the tax treatment: Billing's decision (customers/services.py).
        extend_role(BILLING, {"customers.change_tax_details"})
