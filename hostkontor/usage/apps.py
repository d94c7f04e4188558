from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    name = "hostkontor.usage"
    verbose_name = _("Usage")

    def ready(self) -> None:
        from hostkontor.accounts.roles import BILLING, SUPPORT, TECHNICIAN, extend_role
        from hostkontor.core.hub import register_customer_panel
        from hostkontor.core.navigation import register_nav

        from .hub import usage_panel

        register_nav(
            section="isp",
            label=_("Usage"),
            url_name="usage:index",
            permission="usage.view_usagerecord",
            order=40,
        )
        register_customer_panel(
            key="usage",
            template="usage/_hub_panel.html",
            loader=usage_panel,
            permission="usage.view_usagerecord",
            order=40,
        )
        view = {
            "usage.view_usagerecord",
            "usage.view_usagecomponent",
            "usage.view_subjectmapping",
            "usage.view_usagemapping",
            "usage.view_usageimport",
            "usage.view_usageperiodhold",
        }
        technical = {
            "usage.import_usage",
            "usage.add_subjectmapping",
            "usage.change_subjectmapping",
            "usage.delete_subjectmapping",
            "usage.add_usagemapping",
            "usage.change_usagemapping",
            "usage.delete_usagemapping",
        }
        extend_role(
            BILLING,
            view
            | technical
            | {
                "usage.add_usagecomponent",
                "usage.change_usagecomponent",
                "usage.delete_usagecomponent",
                "usage.confirm_usageperiodhold",
            },
        )
        extend_role(TECHNICIAN, view | technical)
        extend_role(SUPPORT, view)
