from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "hostkontor.billing"
    verbose_name = _("Billing")

    def ready(self) -> None:
        from hostkontor.accounts.roles import BILLING, SUPPORT, TECHNICIAN, extend_role
        from hostkontor.core.hub import register_customer_panel
        from hostkontor.core.navigation import register_nav
        from hostkontor.core.scheduling import PeriodicJob, register_job
        from hostkontor.customers.tax import register_home_country

        from .selectors import customer_invoice_panel
        from .seller_profile import seller_country
        from .tasks import automatic_billing

        register_home_country(seller_country)  # the profile's country decides tax treatment

        register_nav(
            section="collection",
            label=_("Invoices"),
            url_name="billing:invoice_list",
            permission="billing.view_invoice",
            order=10,
        )
        register_nav(
            section="collection",
            label=_("Billing runs"),
            url_name="billing:run_list",
            permission="billing.run_billing",
            order=20,
        )
        register_nav(
            section="collection",
            label=_("Invoice settings"),
            url_name="billing:seller",
            permission="billing.change_sellerprofile",
            order=90,
        )
        register_customer_panel(
            key="invoices",
            template="billing/_hub_panel.html",
            loader=customer_invoice_panel,
            permission="billing.view_invoice",
            order=30,
        )
        # Automatic mode: every day at 02:00 UTC the scheduler enqueues a run for the day;
        # the task does nothing unless the seller profile switched automatic billing on.
        register_job(
            PeriodicJob(
                name="billing.automatic",
                task=automatic_billing,
                every=timedelta(days=1),
                offset=timedelta(hours=2),
            )
        )
        billing_perms = {
            "billing.view_invoice",
            "billing.run_billing",
            "billing.issue_invoice",
            "billing.cancel_invoice",
            "billing.view_billingrun",
            "billing.view_oneoffitem",
            "billing.add_oneoffitem",
            "billing.change_oneoffitem",
            "billing.delete_oneoffitem",
            "billing.view_sellerprofile",
        }
        extend_role(BILLING, billing_perms)
        # One-off items are money the automatic run issues: only Billing adds them (issue 9).
        extend_role(SUPPORT, {"billing.view_invoice", "billing.view_oneoffitem"})
        extend_role(TECHNICIAN, {"billing.view_oneoffitem"})
