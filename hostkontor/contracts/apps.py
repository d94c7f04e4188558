from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "hostkontor.contracts"
    verbose_name = _("Contracts")

    def ready(self) -> None:
        from django.core import checks

        from hostkontor.accounts.roles import BILLING, SUPPORT, TECHNICIAN, extend_role
        from hostkontor.core.hub import register_customer_panel
        from hostkontor.core.navigation import register_nav

        from .checks import item_approval_limit_check
        from .hub import contracts_panel

        checks.register(item_approval_limit_check)

        register_nav(
            section="isp",
            label=_("Contracts"),
            url_name="contracts:list",
            permission="contracts.view_contract",
            order=20,
        )
        register_nav(
            section="isp",
            label=_("Contract types"),
            url_name="contracts:type_list",
            permission="contracts.view_contracttype",
            order=25,
        )
        register_customer_panel(
            key="contracts",
            template="contracts/_hub_panel.html",
            loader=contracts_panel,
            permission="contracts.view_contract",
            order=20,
        )
        view = {
            "contracts.view_contract",
            "contracts.view_contracttype",
            "contracts.view_pricechange",
        }
        extend_role(
            BILLING,
            view
            | {
                "contracts.add_contract",
                "contracts.change_contract",
                "contracts.delete_contract",
                "contracts.add_contracttype",
                "contracts.change_contracttype",
                "contracts.delete_contracttype",
                "contracts.add_pricechange",
                "contracts.change_pricechange",
                "contracts.delete_pricechange",
                "contracts.import_contracts",
                # Credits and items above ITEM_APPROVAL_LIMIT (contracts/one_off_items.py).
                "contracts.approve_large_item",
            },
        )
        extend_role(SUPPORT, view)
        extend_role(TECHNICIAN, view)
