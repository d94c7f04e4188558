"""Background work of the function checks."""

from django_tasks import task


@task()
def run_due_checks() -> dict:
    """Enqueued every minute by the scheduler: runs the checks that are due."""
    from .services import checks_run_due

    runs = checks_run_due()
    return {"checks": len(runs), "failing": sum(1 for run in runs if not run.ok)}
