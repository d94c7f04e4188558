"""Background work of the function checks."""

from django_tasks import task


@task()
def run_due_checks() -> dict:
    """Enqueued every minute by the scheduler: runs the checks that are due."""
    from .services import checks_run_due

    runs = checks_run_due()
    return {"checks": len(runs), "failing": sum(1 for run in runs if not run.ok)}


@task()
def run_checks_now(check_ids: list[int]) -> dict:
    """A manual run requested from the web (already audited by ``checks_run_request``); each
    result is stored as it arrives, so the page polling for them shows it at once."""
    from .models import Check
    from .services import checks_run

    checks = Check.objects.select_related("entry", "entry__customer").filter(pk__in=check_ids)
    runs = checks_run(checks.order_by("entry__customer__number", "entry__host", "id"))
    return {"checks": len(runs), "failing": sum(1 for run in runs if not run.ok)}
