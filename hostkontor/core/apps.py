from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hostkontor.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .scheduling import PeriodicJob, register_job
        from .tasks import prune_scheduler_ledger

        register_job(
            PeriodicJob(
                name="core.prune_scheduler_ledger",
                task=prune_scheduler_ledger,
                every=timedelta(days=1),
                offset=timedelta(hours=3),
            )
        )
