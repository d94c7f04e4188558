from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "hostkontor.customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from hostkontor.core.navigation import register_nav

        register_nav(
            section="search",
            label=_("Customers"),
            url_name="customers:list",
            permission="customers.view_customer",
            order=10,
        )
