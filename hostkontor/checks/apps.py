from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecksConfig(AppConfig):
    name = "hostkontor.checks"
    verbose_name = _("Checks")

    def ready(self) -> None:
        from django.core.checks import register

        from hostkontor.accounts.roles import SUPPORT, TECHNICIAN, extend_role
        from hostkontor.core.hub import register_customer_panel
        from hostkontor.core.navigation import register_nav
        from hostkontor.core.scheduling import PeriodicJob, register_job

        from .hub import checks_panel
        from .system_checks import checks_settings
        from .tasks import run_due_checks

        register(checks_settings)

        register_nav(
            section="isp",
            label=_("Function checks"),
            url_name="checks:dashboard",
            permission="checks.view_check",
            order=60,
        )
        register_customer_panel(
            key="checks",
            template="checks/_hub_panel.html",
            loader=checks_panel,
            permission="checks.view_check",
            order=45,
        )
        register_job(
            PeriodicJob(name="checks.run_due", task=run_due_checks, every=timedelta(minutes=1))
        )
        view = {"checks.view_check", "checks.view_checkrun", "checks.run_check"}
        extend_role(SUPPORT, view)
        extend_role(
            TECHNICIAN,
            view | {"checks.add_check", "checks.change_check", "checks.delete_check"},
        )
